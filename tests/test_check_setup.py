"""The app's gradient-check setups: models by name, links that round-trip, the numbers gradcheck computes."""
import numpy as np
import pytest

from playground import gallery, problems
from playground.viz import plots
from playground.setups.check import DEFAULT_MODEL, CheckSetup, models, target, title, worst_entries
from playground.gradcheck import DEFAULT_EPS, eps_sweep, gradcheck


def test_models_are_every_problem_and_each_gradient_bug_buggy_and_fixed():
    names = models()
    assert [n for n in names if n.startswith("problem:")] == [f"problem:{p}" for p in problems.available()]
    bugs = [e.id for e in gallery.entries() if e.kind == "gradcheck"]
    assert [n for n in names if n.startswith("gallery:")] == [f"gallery:{b}:{v}" for b in bugs for v in
                                                              ("buggy", "fixed")]
    assert title("problem:xor") == "Problem: " + problems.spec("xor").title
    assert title("gallery:mse-missing-factor:fixed").endswith("(fixed)")


def test_a_problem_model_is_its_own_loss_and_gradient_at_its_start():
    m = target("problem:relu-net", seed=2)
    p = problems.create("relu-net")
    start = p.init_params(2)
    assert all(np.array_equal(m.params[k], start[k]) for k in start)
    assert m.f(start) == p.loss(start) and m.batched and m.n_samples == p.n_samples


def test_a_setup_runs_gradcheck_with_its_method_and_eps():
    setup = CheckSetup("problem:sin-mlp", "forward", 1e-7, seed=1)
    m = setup.validate()
    expected = gradcheck(m.f, m.grad, m.params, method="forward", eps=1e-7, n_samples=m.n_samples, batched=True)
    report = setup.run()
    assert (report.verdict, report.rel_error, report.eps) == (expected.verdict, expected.rel_error, 1e-7)
    assert setup.step == 1e-7 and CheckSetup("problem:xor", "complex").step == DEFAULT_EPS["complex"]


def test_the_default_is_the_textbook_exercise_as_its_article_checked_it():
    setup = CheckSetup.for_model(DEFAULT_MODEL)
    entry = gallery.get("scaled-gradients")
    assert (setup.method, setup.eps) == (entry.buggy_check.method, entry.buggy_check.eps)
    report = setup.run()
    assert report.verdict == "wrong" and {b.name for b in report.blocks.values() if b.verdict == "wrong"} == {
        "W2", "b1"}
    assert setup.run().rel_error == entry.buggy_check.run().rel_error


def test_worst_entries_list_the_flagged_blocks_only():
    report = CheckSetup.for_model(DEFAULT_MODEL).run()
    rows = worst_entries(report)
    assert {r["block"] for r in rows} == {"W2", "b1"}
    worst = report.blocks["b1"].worst[0]
    first = next(r for r in rows if r["block"] == "b1")
    assert (first["analytic"], first["numeric"], first["|analytic − numeric|"]) == (
        worst.analytic, worst.numeric, worst.error)
    assert first["entry"] == report.blocks["b1"].where(worst)


@pytest.mark.parametrize("setup", [CheckSetup(), CheckSetup.for_model(DEFAULT_MODEL),
                                   CheckSetup("problem:xor", "complex", 1e-30, 3), CheckSetup("problem:beale")])
def test_links_round_trip(setup):
    assert CheckSetup.from_query(setup.to_query()) == setup


@pytest.mark.parametrize("query, message", [
    ({"model": "problem:nope"}, "Unknown problem 'nope'"),
    ({"model": "gallery:nope:buggy"}, "Unknown model 'gallery:nope:buggy'"),
    ({"method": "backward"}, "Invalid method: 'backward'. Allowed: one of 'central'"),
    ({"eps": "-1"}, r"Invalid eps: -1\. Allowed range: \(0, inf\)"),
    ({"eps": "tiny"}, "Invalid eps: 'tiny' is not a number"),
    ({"seed": "-3"}, r"Invalid seed: -3\. Allowed range: \[0, inf\)"),
])
def test_bad_links_name_the_value(query, message):
    with pytest.raises(ValueError, match=message):
        CheckSetup.from_query(query)


def test_eps_sweep_figure_draws_each_method_and_marks_the_eps_in_use():
    m = target("problem:xor")
    sweep = eps_sweep(m.f, m.grad, m.params, batched=True)
    ax = plots.eps_sweep_figure(sweep, 1e-6).axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert set(lines) == {"central", "forward", "complex step", "eps in use (1e-06)"}
    np.testing.assert_array_equal(lines["central"].get_xdata(), sweep.eps)
    np.testing.assert_array_equal(lines["forward"].get_ydata(), np.maximum(sweep.forward, np.finfo(float).tiny))
    assert ax.get_xscale() == ax.get_yscale() == "log"
    # central differences: a V, lowest in the middle of the range
    best = int(np.argmin(sweep.central))
    assert 0 < best < len(sweep.eps) - 1


def test_eps_sweep_figure_leaves_out_the_complex_step_when_f_is_not_complex_safe():
    def f(p):  # abs is not analytic: the complex step cannot differentiate it
        return np.sum(np.abs(p) ** 3) / 3

    sweep = eps_sweep(f, lambda p: p * np.abs(p), np.array([0.5, -1.0, 2.0]))
    assert sweep.complex_step is None
    labels = [ln.get_label() for ln in plots.eps_sweep_figure(sweep).axes[0].get_lines()]
    assert labels == ["central", "forward"]
