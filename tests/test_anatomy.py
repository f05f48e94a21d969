"""The anatomy of a step: every optimizer's named parts add up to the step it takes."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers
from optimizers import GD, Adam, Lion, Momentum, Optimizer
from playground import problems, run
from playground.training import replay
from playground.training.run_spec import RunSpec


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


@pytest.mark.parametrize("name", optimizers.available())
def test_the_terms_add_up_to_the_step_taken(name):
    opt = optimizers.create(name, **({"weight_decay": 0.1} if any(h.name == "weight_decay" for h in
                                                                    optimizers.get(name).hyperparams) else {}))
    p, g, state = at_step_four(opt, np.random.default_rng(0))
    a = opt.anatomy(p, g, state)
    new_p, _ = opt.step(p, g, state)
    for k in p:
        assert_allclose(sum(term[k] for term in a.terms.values()), a.taken[k], rtol=1e-9, atol=1e-12)
        assert_allclose(a.taken[k], new_p[k] - p[k])
    assert a.t == 4


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
