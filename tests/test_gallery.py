"""The gallery: every bug of the catalogue, buggy and fixed, with its source and the effect its user saw."""
import re
from pathlib import Path

import numpy as np
import pytest

import optimizers
from playground import gallery, problems, run
from playground.gradcheck import GradcheckReport, gradcheck
from playground.training.runner import Trajectory
from playground.training.stability import explain_divergence

CATALOGUE = Path(__file__).resolve().parents[1] / "docs" / "bug-catalogue.md"
BUG_KIND = {"trajectory": "training bug", "gradcheck": "gradient bug"}


def catalogue_sections(text):
    """The catalogue page's entries, in order: (id, title, {field: value}) per ``## `id` · title`` heading.

    The fields are the ``- **Name:** value`` lines under the heading, up to the next heading.
    """
    sections = []
    for line in text.splitlines():
        heading = re.fullmatch(r"## `([a-z0-9-]+)` · (.+)", line)
        if heading:
            sections.append((heading[1], heading[2], {}))
        elif sections and (field := re.fullmatch(r"- \*\*([^*]+):\*\* (.+)", line)):
            sections[-1][2][field[1]] = field[2]
    return sections


def test_the_catalogue_page_lists_every_entry_once_in_order_as_the_code_cites_it():
    sections = catalogue_sections(CATALOGUE.read_text(encoding="utf-8"))
    assert [entry_id for entry_id, _, _ in sections] == gallery.ids()
    for (entry_id, title, fields), entry in zip(sections, gallery.entries()):
        assert title == entry.title, entry_id
        assert fields["Source"] == entry.source, entry_id  # its kind and its title
        assert fields["What its user saw"] == entry.what_the_user_saw, entry_id
        assert fields["Kind of bug"].startswith(BUG_KIND[entry.kind]), entry_id
        assert fields["Cause"] and fields["Fix"], entry_id


def test_catalogue_parser_reads_headings_and_their_fields_and_nothing_else():
    text = ("# title\n\nsee `c-bug` here\n\n## `b-bug` · B\n\n- **Source:** blog post \"X\"\n- plain item\n\n"
            "## `a-bug` · A: the second\n- **Fix:** this\n")
    assert catalogue_sections(text) == [("b-bug", "B", {"Source": 'blog post "X"'}),
                                        ("a-bug", "A: the second", {"Fix": "this"})]


def test_ids_start_with_the_divergent_updater_and_are_unique():
    ids = gallery.ids()
    assert ids[0] == "linreg-divergent-updater"
    assert len(set(ids)) == len(ids) == len(gallery.entries())


def test_unknown_id_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="Unknown gallery entry 'nope'. Known: linreg-divergent-updater"):
        gallery.get("nope")


@pytest.mark.parametrize("entry_id", gallery.ids())
def test_every_entry_describes_itself_and_shows_two_different_pieces_of_code(entry_id):
    entry = gallery.get(entry_id)
    assert entry.id == entry_id
    assert entry.title and entry.explanation and entry.setup_note
    assert entry.source_kind and entry.source_title and entry.what_the_user_saw
    assert entry.source_title in entry.source and entry.source.startswith(entry.source_kind)
    assert entry.buggy_code != entry.fixed_code
    for code, objs in ((entry.buggy_code, entry.buggy), (entry.fixed_code, entry.fixed)):
        for obj in objs if isinstance(objs, tuple) else (objs,):
            assert re.search(rf"^(def|class) {obj.__name__}\b", code, flags=re.MULTILINE)
        compile(code, entry_id, "exec")


@pytest.mark.parametrize("entry_id", gallery.ids())
def test_every_entry_runs_deterministically(entry_id):
    entry = gallery.get(entry_id)
    first = entry.run()
    second = entry.run()
    kind = Trajectory if entry.kind == "trajectory" else GradcheckReport
    assert isinstance(first.buggy, kind) and isinstance(first.fixed, kind)
    assert first.summary == second.summary and first.buggy is not second.buggy


@pytest.mark.parametrize("entry_id", [e.id for e in gallery.entries() if e.kind == "trajectory"])
def test_trajectory_entries_comparison_is_valid_and_on_the_same_problem(entry_id):
    entry = gallery.get(entry_id)
    problem = entry.comparison.validate()
    result = entry.run()
    assert result.buggy.problem == result.fixed.problem == problem.name == entry.comparison.problem


def test_seed_code_is_driven_on_the_full_data_only():
    problem = problems.linear_regression(n=10)
    seed_step = gallery.drive.SeedStep(problem, lambda theta: theta - 0.1 * problem.grad(theta), 0.1)
    np.testing.assert_allclose(run(seed_step, optimizers.GD(lr=0.1), 5).final_params,
                               run(problem, optimizers.GD(lr=0.1), 5).final_params, rtol=1e-12)
    with pytest.raises(ValueError, match="full data"):
        run(seed_step, optimizers.GD(lr=0.1), 5, batch_size=2)
    with pytest.raises(ValueError, match=r"Invalid lr: 0\. Allowed range: \(0, inf\)"):
        gallery.drive.SeedStep(problem, lambda theta: theta, 0)


# -- linreg-divergent-updater ------------------------------------------------

def updater_setup():
    entry = gallery.get("linreg-divergent-updater")
    problem = entry.comparison.build_problem()
    return entry, problem, problem.X[:, 0], problem.y


def test_the_buggy_updater_scores_every_sample_against_the_last_ones_prediction():
    _, problem, x, y = updater_setup()
    m, b, lr, n = 0.7, -0.3, 0.1, len(x)
    p = m * x[-1] + b
    want = (m + lr * 2 / n * np.sum(x * (y - p)), b + lr * 2 / n * np.sum(y - p))
    np.testing.assert_allclose(gallery.linreg.gradient_updater(m, b, x, y, lr), want, rtol=1e-12)
    step = gallery.linreg.gradient_updater_fixed(m, b, x, y, lr)
    np.testing.assert_allclose(step, np.array([m, b]) - lr * problem.grad(np.array([m, b])), rtol=1e-12)


def test_divergent_updater_falls_then_rises_while_m_and_b_drift_apart():
    entry, problem, x, y = updater_setup()
    result = entry.run()
    buggy = result.buggy
    losses, m, b = buggy.losses, buggy.params[:, 0], buggy.params[:, 1]
    k = int(np.argmin(losses))
    assert losses[0] >= 5 * losses[k]                 # first it falls by several times...
    assert buggy.final_loss >= 10 * losses[k]         # ...then it grows
    assert np.all(np.diff(losses[k + 50:]) > 0)
    m_ls, b_ls = np.linalg.lstsq(problem.X, problem.y, rcond=None)[0]
    assert m[-1] > m_ls and b[-1] < 0
    # Without bound: over the last hundred steps m still rises and b still falls, by the same amount
    # every step, and nothing overflows, so the runner has nothing to report.
    dm, db = np.diff(m[-100:]), np.diff(b[-100:])
    assert np.all(dm > 0) and np.all(db < 0)
    np.testing.assert_allclose(dm, dm[-1], rtol=1e-6)
    assert not buggy.diverged
    np.testing.assert_allclose(buggy.params[1], gallery.linreg.gradient_updater(0.0, 0.0, x, y, 0.1), rtol=1e-12)
    np.testing.assert_allclose(result.fixed.final_params, [m_ls, b_ls], atol=1e-6)


def test_divergent_updater_comparison_repeats_the_buggy_and_the_fixed_run():
    entry = gallery.get("linreg-divergent-updater")
    buggy, gd = entry.comparison.run()
    result = entry.run()
    np.testing.assert_allclose(buggy.params, result.buggy.params, rtol=1e-10)
    np.testing.assert_allclose(gd.final_params, result.fixed.final_params, rtol=1e-10)


# -- linreg-lr-too-large ---------------------------------------------------------

def test_lr_runs_sit_just_either_side_of_2_over_L_and_behave_accordingly():
    entry = gallery.get("linreg-lr-too-large")
    problem = entry.comparison.build_problem()
    L = np.linalg.eigvalsh(2 / len(problem.y) * problem.X.T @ problem.X).max()
    result = entry.run()
    above, below = result.buggy.optimizer.hp["lr"], result.fixed.optimizer.hp["lr"]
    assert 2 / L < above <= 1.05 * 2 / L and 0.95 * 2 / L <= below < 2 / L
    assert result.buggy.diverged
    text = result.buggy.optimizer.lr_bound_text(problem.lipschitz)
    assert text in explain_divergence(result.buggy, problem) and text in result.summary
    assert not result.fixed.diverged
    assert result.fixed.distance_to(np.linalg.lstsq(problem.X, problem.y, rcond=None)[0]) < 1e-6


def test_lr_comparison_repeats_both_runs():
    entry = gallery.get("linreg-lr-too-large")
    result = entry.run()
    below, above = entry.comparison.run()
    assert above.diverged_at == result.buggy.diverged_at and not below.diverged
    np.testing.assert_array_equal(below.final_params, result.fixed.final_params)


# -- sgd-no-accumulation -----------------------------------------------------

def test_one_pass_of_per_sample_steps_is_not_the_batch_step_but_the_accumulated_pass_is():
    entry = gallery.get("sgd-no-accumulation")
    data = problems.sin_dataset(seed=entry.comparison.settings["seed"])  # the question's genData
    X, y, alpha = data.X, data.y, 0.005
    theta0 = np.ones(2)
    batch_step = theta0 - alpha * X.T @ (X @ theta0 - y)
    result = entry.run()
    np.testing.assert_array_equal(result.buggy.params[0], theta0)
    theta = theta0.copy()
    for i in range(len(y)):
        theta = theta - alpha * (X[i] @ theta - y[i]) * X[i]
    np.testing.assert_allclose(result.buggy.params[1], theta, rtol=1e-12)
    assert np.abs(result.buggy.params[1] - batch_step).max() > 0.1
    np.testing.assert_allclose(result.fixed.params[1], batch_step, rtol=1e-13, atol=1e-15)
    # Pass after pass, the accumulated loop is the seed's batch gradientDescent.
    theta = theta0.copy()
    for _ in range(result.fixed.final_step):
        theta = theta - alpha * X.T @ (X @ theta - y)
    np.testing.assert_allclose(result.fixed.final_params, theta, rtol=1e-12)


def test_sgd_comparison_repeats_the_per_sample_loop_the_batch_and_the_accumulated_runs():
    entry = gallery.get("sgd-no-accumulation")
    result = entry.run()
    per_sample, *fixed_runs = entry.comparison.run()
    np.testing.assert_allclose(per_sample.params, result.buggy.params, rtol=1e-12)
    for traj in fixed_runs:
        np.testing.assert_allclose(traj.final_params, result.fixed.final_params, rtol=1e-12)


# -- adam-t0-bias-correction ---------------------------------------------------

def test_adam_with_t_from_0_is_non_finite_on_step_1_and_the_runner_says_so():
    result = gallery.get("adam-t0-bias-correction").run()
    assert result.buggy.diverged_at == 1
    assert "non-finite" in result.buggy.diverged_reason
    assert result.buggy.diverged_reason in result.summary


def test_adam_with_t_from_1_first_moves_each_coordinate_by_lr_against_the_gradient():
    entry = gallery.get("adam-t0-bias-correction")
    problem = entry.comparison.build_problem()
    result = entry.run()
    lr = result.fixed.optimizer.hp["lr"]
    start = problem.init_params()
    move = result.fixed.params[1] - start
    np.testing.assert_allclose(move, -lr * np.sign(problem.grad(start)), rtol=1e-6)
    assert not result.fixed.diverged and result.fixed.final_loss < 1e-3 * problem.loss(start)


def test_adam_entries_stay_out_of_the_registry_and_the_fix_is_torchs_adam():
    entry = gallery.get("adam-t0-bias-correction")
    registered = {optimizers.get(name) for name in optimizers.available()}
    result = entry.run()
    assert type(result.buggy.optimizer) not in registered and type(result.fixed.optimizer) not in registered
    answers_adam, torch_adam = entry.comparison.run()
    assert answers_adam.diverged_at == result.buggy.diverged_at == 1
    np.testing.assert_allclose(result.fixed.params, torch_adam.params, rtol=1e-12, atol=1e-14)


# -- symmetric-init ----------------------------------------------------------

def hidden_units(traj, layer):
    """Each recorded step's units of hidden ``layer``: rows of [W | b], shape (steps, units, fan_in + 1)."""
    return np.concatenate([traj.params[f"W{layer}"], traj.params[f"b{layer}"][..., None]], axis=-1)


def test_symmetric_hidden_units_stay_identical_and_random_ones_do_not():
    entry = gallery.get("symmetric-init")
    result = entry.run()
    net = entry.comparison.build_problem()
    for layer in range(1, net.n_layers):
        same = hidden_units(result.buggy, layer)
        assert same.shape[0] == len(result.buggy.steps) > 100
        assert np.abs(same - same[:, :1]).max() <= 1e-12 * np.abs(same).max()
        assert np.abs(same[-1] - same[0]).max() > 0.01  # they did train, in lockstep
        different = hidden_units(result.fixed, layer)
        assert np.abs(different[-1] - different[-1, :1]).max() > 0.1
    # XOR needs two different hidden units: only the random start learns it.
    assert result.fixed.final_loss < 0.01 < 0.1 < result.buggy.final_loss


# -- the gradient bugs -------------------------------------------------------------

# entry id -> {block: words its diagnosis must contain, or None when no pattern is expected}.
# Every block not listed must pass.
GRADIENT_BUGS = {
    "sigmoid-derivative-of-z": {"W3": None},
    "scaled-gradients": {"W2": "analytic = 2 × numeric", "b1": "analytic = 4 × numeric"},
    "mse-missing-factor": {b: "analytic = 2 × numeric (2 = m/2, a missing 2/m?)"
                           for b in ("W1", "b1", "W2", "b2", "W3", "b3")},
    # delta3 = -(yh - y) * sigma'(Z3): the output layer sees the flipped sign
    # times a per-sample factor; the layer below mixes samples, so no pattern.
    "ce-delta-times-sigmoid-prime": {"W1": None, "W2": "the sign is flipped in every entry"},
    # The penalty's gradient is off by a multiple of theta: -0.9 on the weights, -1 on the bias column.
    "l2-regularization-scale": {b: "≈ -1 × θ in column 0 and -0.9 × θ in columns 1-" for b in ("theta1", "theta2")},
}


def test_gradient_bugs_are_the_catalogues_gradient_entries():
    assert set(GRADIENT_BUGS) == {e.id for e in gallery.entries() if e.kind == "gradcheck"}


@pytest.mark.parametrize("entry_id", GRADIENT_BUGS)
def test_buggy_gradient_is_wrong_in_exactly_the_affected_blocks_and_the_fix_is_correct(entry_id):
    expected = GRADIENT_BUGS[entry_id]
    result = gallery.get(entry_id).run()
    assert result.buggy.verdict == "wrong"
    assert {name for name, b in result.buggy.blocks.items() if b.verdict != "correct"} == set(expected)
    for name, words in expected.items():
        block = result.buggy.blocks[name]
        assert block.verdict == "wrong"
        if words is None:
            assert block.kind == "mismatch", block.diagnosis  # no clean factor is claimed
        else:
            assert words in block.diagnosis
    assert result.fixed.verdict == "correct", result.fixed.summary()
    assert result.fixed.blocks.keys() == result.buggy.blocks.keys()


def test_scaled_gradients_checks_the_articles_47_parameter_network():
    entry = gallery.get("scaled-gradients")
    shapes = {k: np.shape(v) for k, v in entry.buggy_check.params.items()}
    assert shapes == {"W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,), "W3": (1, 3), "b3": (1,)}
    assert entry.buggy_check.eps == 1e-7 and entry.buggy_check.method == "central"
    blocks = entry.run().buggy.blocks
    assert blocks["W2"].factor == pytest.approx(2, rel=1e-6) and blocks["b1"].factor == pytest.approx(4, rel=1e-6)


def test_sigmoid_of_z_checks_only_w3_because_the_seeds_backprop_returns_only_dw3():
    entry = gallery.get("sigmoid-derivative-of-z")
    for check in (entry.buggy_check, entry.fixed_check):
        assert set(check.params) == {"W3"} and set(check.grad(check.params)) == {"W3"}
    result = entry.run()
    # The fixed gradient is the numeric one, and the buggy one misses it by no constant factor.
    np.testing.assert_allclose(result.fixed.analytic["W3"], result.buggy.numeric["W3"], rtol=1e-6)
    ratio = result.buggy.analytic["W3"] / result.buggy.numeric["W3"]
    assert np.ptp(ratio) > 0.1 * np.abs(ratio).max()


def test_l2_penalty_is_the_only_mismatch_and_the_wrong_axis_scales_cost_and_gradient_alike():
    l2 = gallery.l2
    X, y, theta = l2.data()

    def cost(J, lamb, theta=theta):
        a3 = l2.forward_prop2(X, theta["theta1"], theta["theta2"])[2]
        return J(y, a3.T, theta["theta1"], theta["theta2"], lamb)

    def grads(backward, lamb, theta=theta):
        cache = l2.forward_prop2(X, theta["theta1"], theta["theta2"])
        return dict(zip(("theta1", "theta2"), backward(y, *cache, theta["theta1"], theta["theta2"], lamb)))

    # Without the penalty the question's cost and gradient agree with each other...
    report = gradcheck(lambda p: cost(l2.J2, 0.0, p), lambda p: grads(l2.backward_prop2, 0.0, p), theta)
    assert report.verdict == "correct"
    # ...because both divide by the class count instead of the sample count: n_samples / 10 too large.
    n, classes = y.shape
    assert cost(l2.J2, 0.0) == pytest.approx(n / classes * cost(l2.J2_fixed, 0.0), rel=1e-12)
    bad, good = grads(l2.backward_prop2, 0.0), grads(l2.backward_prop2_fixed, 0.0)
    for name in bad:
        np.testing.assert_allclose(bad[name], n / classes * good[name], rtol=1e-12)
    # (lamb/2*m) is (lamb/2)*m, over every entry including the bias columns.
    lamb = 0.1
    squares = sum(np.sum(t ** 2) for t in theta.values())
    assert cost(l2.J2, lamb) - cost(l2.J2, 0.0) == pytest.approx(lamb / 2 * classes * squares, rel=1e-12)
