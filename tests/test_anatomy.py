"""The anatomy of a step: every optimizer's named parts add up to the step it takes."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers
from optimizers import GD, Adam, Lion, Momentum, Optimizer
from playground import problems, run
from playground.training import replay
from playground.training.run_spec import RunSpec
from playground.viz import anatomy_plots


def params_and_grads(name, rng):
    # Muon updates matrix blocks, so every optimizer gets a matrix and a vector.
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    return p, [{k: rng.normal(size=v.shape) for k, v in p.items()} for _ in range(4)]


def at_step_four(opt, rng):
    p, grads = params_and_grads(opt.name, rng)
    state = opt.init(p)
    for g in grads[:3]:
        p, state = opt.step(p, g, state)
    return p, grads[3], state


def with_weight_decay(name):
    declared = {h.name for h in optimizers.get(name).hyperparams}
    return optimizers.create(name, **{k: 0.1 for k in ("weight_decay", "adamw_weight_decay") if k in declared})


@pytest.mark.parametrize("name", optimizers.available())
def test_the_terms_add_up_to_the_step_taken(name):
    for opt in (optimizers.create(name), with_weight_decay(name)):
        p, g, state = at_step_four(opt, np.random.default_rng(0))
        a = opt.anatomy(p, g, state)
        new_p, _ = opt.step(p, g, state)
        for k in p:
            assert_allclose(sum(term[k] for term in a.terms.values()), a.taken[k], rtol=1e-9, atol=1e-12)
            assert_allclose(a.taken[k], new_p[k] - p[k])
            # Every scale and value is per coordinate, so a table can show it beside the terms.
            assert all(np.shape(x[k]) == np.shape(p[k]) for x in (*a.scales.values(), *a.values.values()))
        assert a.t == 4
    # No built-in rule is left on the default single "step": it names its parts, rescales, or is the plain
    # gradient step itself (GD); weight decay, where the rule has it, is a part of its own.
    fresh = optimizers.create(name).anatomy(p, g, state)
    assert "step" not in fresh.terms
    assert len(fresh.terms) > 1 or fresh.scales or all(
        np.array_equal(fresh.terms["gradient"][k], fresh.gradient_step[k]) for k in p)
    if opt.hp != optimizers.create(name).hp:
        assert "weight decay" in a.terms and a.terms["weight decay"]["W"].any()


def test_a_plugin_gets_the_whole_step_as_one_term():
    class Halve(Optimizer):
        hyperparams = (optimizers.HyperParam("lr", 0.1, "step", low=0, low_open=True),)

        def update(self, p, g, bufs, t, hp):
            return p / 2 - hp["lr"] * g, {}

    a = Halve().anatomy(np.ones(2), np.ones(2), Halve().init(np.ones(2)))
    assert list(a.terms) == ["step"]
    assert_allclose(a.terms["step"], [-0.6, -0.6])


def test_gd_is_all_gradient_and_momentum_carries_velocity_after_the_first_step():
    g = np.array([1.0, -2.0])
    a = GD(lr=0.1).anatomy(np.zeros(2), g, GD(lr=0.1).init(np.zeros(2)))
    assert list(a.terms) == ["gradient"]
    assert_allclose(a.terms["gradient"], a.gradient_step)
    opt = Momentum(lr=0.1, momentum=0.9)
    first = opt.anatomy(np.zeros(2), g, opt.init(np.zeros(2)))
    assert not first.terms["velocity"].any()
    p, s = opt.step(np.zeros(2), g, opt.init(np.zeros(2)))
    second = opt.anatomy(p, g, s)
    assert_allclose(second.terms["velocity"], -0.1 * 0.9 * g)
    assert_allclose(second.terms["gradient"], -0.1 * g)


def test_adam_reports_its_per_coordinate_learning_rate_and_lion_its_sign():
    g = np.array([1e-3, -10.0])
    a = Adam(lr=0.1).anatomy(np.zeros(2), g, Adam(lr=0.1).init(np.zeros(2)))
    # First step: m_hat = g, v_hat = g^2, so each coordinate moves lr * g / (|g| + eps): the same size.
    assert_allclose(a.scales["effective lr"], 0.1 / (np.abs(g) + 1e-8) / (1 - 0.9), rtol=1e-6)
    assert_allclose(np.abs(a.taken), 0.1, rtol=1e-4)
    lion = Lion(lr=0.01).anatomy(np.zeros(2), g, Lion(lr=0.01).init(np.zeros(2)))
    assert_allclose(lion.scales["sign"], [1.0, -1.0])
    assert_allclose(np.abs(lion.taken), 0.01)


def test_anatomy_is_pure_and_refuses_a_run_axis():
    opt = Adam(lr=0.1)
    p, g = np.ones(3), np.arange(3.0)
    state = opt.init(p)
    opt.anatomy(p, g, state)
    assert state.t == 0 and not state.buffers["exp_avg"].any() and (p == 1).all()
    with pytest.raises(ValueError, match="one run"):
        Adam(lr=np.array([0.1, 0.2])).anatomy(np.ones((2, 3)), np.ones((2, 3)), Adam(lr=np.array([0.1, 0.2])).init(
            np.ones((2, 3))))


# --- replaying a run to a step ----------------------------------------------------------------

def test_the_replayed_step_is_the_step_the_run_took_even_between_recorded_snapshots():
    problem = problems.rosenbrock()
    spec = RunSpec("momentum", {"lr": 1e-3})
    traj = run(problem, spec.build(problem), 200, record=20)  # far fewer snapshots than steps: not step 57
    a = replay.anatomy(problem, spec, 57, steps=200)
    full = run(problem, spec.build(problem), 58, record=100)
    assert 57 not in traj.steps
    assert_allclose(full.params[-2] + a.taken, full.params[-1], rtol=1e-12)
    assert a.t == 58 and set(a.terms) == {"gradient", "velocity"}
    assert_allclose(sum(a.terms.values()), a.taken, rtol=1e-12)


def test_a_scheduled_step_uses_that_steps_learning_rate():
    problem = problems.quadratic()
    spec = RunSpec("gd", {"lr": 0.1}, schedule=optimizers.schedule("step", step_size=10, gamma=0.5))
    traj = run(problem, spec.build(problem), 30, schedule=spec.schedule)
    a = replay.anatomy(problem, spec, 25, steps=30)
    g = problem.grad(traj.params[25])
    assert_allclose(a.gradient_step, -traj.lrs[25] * g) and traj.lrs[25] == 0.025


def test_bad_steps_are_refused_by_name():
    problem = problems.quadratic()
    with pytest.raises(ValueError, match=r"Invalid step: 30\. Allowed range: \[0, 29\]"):
        replay.anatomy(problem, RunSpec("gd"), 30, steps=30)
    with pytest.raises(ValueError, match="diverged at step"):
        replay.anatomy(problem, RunSpec("gd", {"lr": 5.0}), 150, steps=200)


def test_schedule_free_reports_its_averaged_point_and_keeps_where_the_gradients_were_taken():
    problem = problems.rosenbrock()
    opt = optimizers.create("sgd_schedulefree", lr=1e-3)
    traj = run(problem, opt, 100, record=101)
    assert traj.gradient_params is not None and not np.allclose(traj.params[-1], traj.gradient_params[-1])
    assert_allclose(traj.losses, [problem.loss(x) for x in traj.params])  # losses at the averaged point
    assert run(problem, "gd", 10).gradient_params is None


# --- what each rule's parts show --------------------------------------------------------------

def first_step(opt, g, p=None):
    p = np.zeros_like(g) if p is None else p
    return opt.anatomy(p, g, opt.init(p))


def test_rprop_moves_each_coordinate_by_its_own_step_size_and_pauses_after_a_flip():
    opt = optimizers.create("rprop", lr=0.01)
    (minus, plus), p = opt.hp["etas"], np.zeros(2)
    p, state = opt.step(p, np.array([1.0, 1.0]), opt.init(p))
    a = opt.anatomy(p, np.array([3.0, -1.0]), state)  # coordinate 0 keeps its sign, coordinate 1 flips
    assert_allclose(a.scales["step size"], [0.01 * plus, 0.01 * minus])
    assert_allclose(a.taken, [-0.01 * plus, 0.0])  # the flipped coordinate pauses for a step
    assert_allclose(a.scales["sign"], [1.0, 0.0])


def test_adadelta_first_steps_are_sized_by_eps_whatever_the_gradient():
    opt = optimizers.create("adadelta", lr=1.0, rho=0.9, eps=1e-6)
    g = np.array([1e3, -50.0])
    a = first_step(opt, g)
    # u_0 = 0, so the effective lr sqrt(eps) / sqrt((1 - rho) g^2 + eps) makes every first step about
    # sqrt(eps / (1 - rho)) long, as the eps setting's help says.
    assert_allclose(a.taken, -a.scales["effective lr"] * g)
    assert_allclose(np.abs(a.taken), np.sqrt(1e-6 / 0.1), rtol=1e-6)


def test_asgd_step_size_decays_and_lambd_pulls_towards_zero():
    opt = optimizers.create("asgd", lr=0.1, lambd=0.5)
    p, g = np.array([2.0, -1.0]), np.array([1.0, 1.0])
    first = first_step(opt, g, p)
    assert_allclose(first.scales["effective lr"], 0.1)
    assert_allclose(first.terms["decay (lambd)"], -0.5 * 0.1 * p)
    q, state = opt.step(p, g, opt.init(p))
    assert (opt.anatomy(q, g, state).scales["effective lr"] < 0.1).all()


def test_radam_takes_plain_momentum_steps_until_its_variance_is_tractable():
    opt = optimizers.create("radam", lr=0.1, betas=(0.9, 0.9))  # rho_t passes 5 at step 6
    rng = np.random.default_rng(1)
    p, state = np.zeros(2), opt.init(np.zeros(2))
    for t in range(1, 8):
        g = rng.normal(size=2) * [1.0, 100.0]
        a = opt.anatomy(p, g, state)
        lr_eff = a.scales["effective lr"]
        if a.values["rho_t"][0] <= 5:
            assert_allclose(lr_eff, 0.1 / (1 - 0.9 ** t))
            assert t < 6 and "r_t" not in a.values
        else:  # rectified Adam: per-coordinate, far smaller where the gradients are larger
            assert t >= 6 and lr_eff[1] < lr_eff[0] / 10 and 0 < a.values["r_t"][0] < 1
        p, state = opt.step(p, g, state)


def test_adamax_and_nadam_first_steps():
    g = np.array([1e-3, -10.0])
    adamax = first_step(optimizers.create("adamax", lr=0.01), g)
    assert_allclose(np.abs(adamax.taken), 0.01, rtol=1e-4)  # m_hat / u = g / (|g| + eps): lr in every coordinate
    assert not adamax.terms["momentum (rescaled)"].any()
    # NAdam looks ahead: its momentum term already carries this gradient on the first step, pointing along -g.
    nadam = first_step(optimizers.create("nadam", lr=0.01), g)
    assert (np.sign(nadam.terms["momentum look-ahead (rescaled)"]) == -np.sign(g)).all()
    assert (np.sign(nadam.terms["gradient (rescaled)"]) == -np.sign(g)).all()


def test_adafactor_factors_a_matrix_second_moment_and_keeps_a_vectors_whole():
    opt = optimizers.create("adafactor")
    p, g, state = at_step_four(opt, np.random.default_rng(2))
    a = opt.anatomy(p, g, state)
    assert np.linalg.matrix_rank(a.scales["gradient rms"]["W"] ** 2) == 1  # R C / mean(R): rank one
    assert_allclose(a.scales["gradient rms"]["b"] ** 2, a.values["V_hat_t"]["b"])
    assert_allclose(a.scales["effective lr"]["W"] * a.values["g_t"]["W"], -a.taken["W"])


def test_muon_orthogonalises_matrices_and_steps_the_rest_by_adamw():
    opt = optimizers.create("muon", lr=0.02, weight_decay=0.0)
    p, g, state = at_step_four(opt, np.random.default_rng(3))
    a = opt.anatomy(p, g, state)
    # Newton-Schulz pushes every singular value of the step to about lr * s_AB (s = sqrt(3/2) for 3x2).
    singular = np.linalg.svd(a.terms["orthogonalised momentum"]["W"], compute_uv=False) / (0.02 * np.sqrt(1.5))
    assert ((singular > 0.6) & (singular < 1.3)).all()
    assert not a.terms["orthogonalised momentum"]["b"].any() and not a.terms["gradient (rescaled)"]["W"].any()
    assert a.terms["gradient (rescaled)"]["b"].any() and a.terms["momentum (rescaled)"]["b"].any()


@pytest.mark.parametrize("name", ["sgd_schedulefree", "adamw_schedulefree"])
def test_schedule_free_describes_the_gradient_point_and_reports_the_average(name):
    opt = optimizers.create(name)
    p, g, state = at_step_four(opt, np.random.default_rng(4))
    a = opt.anatomy(p, g, state)
    assert a.terms["averaging pull"]["W"].any()
    new_p, new_state = opt.step(p, g, state)
    for k in p:  # the anatomy is y's step; x, where a user evaluates, is a value
        assert_allclose(a.values["x_t"][k], opt.eval_params(new_p, new_state)[k])
    first = first_step(optimizers.create("sgd_schedulefree", lr=0.5), np.array([1.0, -2.0]), np.ones(2))
    assert not first.terms["averaging pull"].any()  # z starts at y, and c_1 = 1: a plain gradient step
    assert_allclose(first.taken, -0.5 * np.array([1.0, -2.0]))


@pytest.mark.parametrize("name", [n for n in optimizers.available() if n != "muon"])  # Muon needs a matrix block
def test_the_equation_and_table_of_a_two_parameter_step_show_every_part(name):
    opt, p = with_weight_decay(name), np.array([0.5, -1.0])
    state = opt.init(p)
    for g in ([1.0, 2.0], [-0.5, 1.5]):
        p, state = opt.step(p, np.array(g), state)
    a = opt.anatomy(p, np.array([0.3, -0.2]), state)
    latex = anatomy_plots.anatomy_latex(a)
    assert all(rf"\text{{{term}}}" in latex for term in a.terms) and "nan" not in latex
    rows = anatomy_plots.anatomy_rows(a, ("x", "y"))
    # One column per value, scale and term (no name shadows another), every number finite.
    assert len(rows) == 2 and len(rows[0]) == 2 + len(a.values) + len(a.scales) + len(a.terms)
    assert all(np.isfinite(v) for row in rows for k, v in row.items() if k != "coordinate")
