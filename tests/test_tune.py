"""Tune, then race: fair grids, an exact criterion, skipped optimizers, the tuned comparison, the CLI."""
import time

import numpy as np
import pytest

import optimizers
from playground import problems, run
from playground.cli import main
from playground.setups.comparison import NO_VALUE, NOT_REACHED, Comparison
from playground.setups.tune import DECADES, MOMENTA, STEPS_COLUMN, lr_grid, tune
from playground.viz.tune_plots import sensitivity_figure

SIX = ["gd", "momentum", "nesterov", "adam", "rmsprop", "adadelta"]


@pytest.fixture(scope="module")
def quad():
    return problems.create("quadratic")


@pytest.fixture(scope="module")
def tuned(quad):
    return tune(quad, SIX + ["muon"], steps=200, tol=1e-6)


def test_grids_are_fair_and_centred_on_each_default(tuned):
    for t in tuned.tuned:
        default = optimizers.get(t.optimizer)
        assert t.default_lr == next(h.default for h in default.hyperparams if h.name == "lr")
        np.testing.assert_allclose(np.sqrt(t.lrs[0] * t.lrs[-1]), t.default_lr)  # centred, in log
        np.testing.assert_allclose(t.lrs[-1] / t.lrs[0], 10 ** (2 * DECADES))
        configs = len(t.lrs) * (1 if t.momentum is None else len(MOMENTA))
        assert configs == tuned.points
    assert "200 steps, seed 0" in tuned.budget and "48 configurations" in tuned.budget


def test_muon_is_skipped_with_its_reason(tuned):
    assert [t.optimizer for t in tuned.tuned] == SIX
    assert "matrix" in tuned.skipped["muon"]
    assert tuned.table()[-1]["note"].startswith("skipped: muon")


def test_steps_to_tol_are_exact_and_the_best(quad, tuned):
    f_star = float(quad.loss(quad.optimum))
    for t in tuned.tuned[:3]:
        traj = run(quad, t.spec.build(), tuned.steps, record=tuned.steps + 1)
        gap = traj.losses - f_star
        assert gap[t.steps_to_tol] <= tuned.tol < gap[t.steps_to_tol - 1]
        assert (gap[t.steps_to_tol:] <= tuned.tol).all()
        assert t.steps_to_tol == t.curve_steps[list(t.lrs).index(t.lr)]
        assert (t.curve_steps[t.curve_steps >= 0] >= t.steps_to_tol).all()


def test_unreached_tol_falls_back_to_the_final_gap(quad):
    result = tune(quad, ["gd"], steps=5, tol=1e-12, points=8)
    t = result.tuned[0]
    assert t.steps_to_tol is None and "not reached" in t.criterion
    assert t.final_gap == np.nanmin(t.curve)


def test_the_table_as_shown_has_text_in_every_cell_and_a_dash_where_there_is_no_number(quad):
    result = tune(quad, ["gd", "muon", "adam"], steps=5, tol=1e-12, points=8)
    gd, adam, muon = result.table_text()
    assert (gd["momentum/beta1"], gd[STEPS_COLUMN]) == (NO_VALUE, NOT_REACHED)  # no momentum; tol not reached
    assert gd["tuned lr"] == f"{result.tuned[0].lr:.4g}" and gd["final gap"] == f"{result.tuned[0].final_gap:.3e}"
    assert adam["momentum/beta1"] == f"{result.tuned[1].momentum:g}"
    numbers = {muon[c] for c in muon if c not in ("optimizer", "note")}
    assert muon["note"].startswith("skipped: muon") and numbers == {NO_VALUE}


def test_a_loss_below_the_minimums_by_round_off_is_a_gap_of_zero_not_a_negative_one():
    # Linear regression's loss* comes from a solve: converged runs end a few ulps below it.
    result = tune(problems.linear_regression(), ["momentum", "rmsprop"], steps=200, tol=1e-6)
    assert [t.final_gap for t in result.tuned] == [0.0, 0.0]
    assert all((t.curve[np.isfinite(t.curve)] >= 0).all() for t in result.tuned)


def test_race_is_the_tuned_comparison(tuned):
    cmp = tuned.comparison()
    assert isinstance(cmp, Comparison)
    assert (cmp.steps, cmp.seed, cmp.tol) == (tuned.steps, tuned.seed, tuned.tol)
    assert [r.optimizer for r in cmp.runs] == SIX
    assert cmp.runs[3].hp["lr"] == tuned.tuned[3].lr


def test_lr_grid_is_logarithmic_around_the_default():
    np.testing.assert_allclose(lr_grid("adadelta", 3, 1.0), [0.1, 1.0, 10.0])
    grid = lr_grid("adam", 48)
    assert all(float(f"{lr:.4g}") == lr for lr in grid)  # each as a person writes it
    np.testing.assert_allclose(np.diff(np.log(grid)), 6 * np.log(10) / 47, atol=1e-3)  # still evenly spaced


@pytest.mark.parametrize("kwargs, match", [
    (dict(tol=0.0), "tol"), (dict(points=10), "multiple of 4"), (dict(momenta=(0.0,)), "momenta"),
    (dict(steps=0), "steps"),
])
def test_bad_arguments_are_named(quad, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tune(quad, ["gd"], **{"steps": 10, "tol": 1e-6, **kwargs})


def test_six_optimizers_tune_in_under_two_seconds(quad):
    t0 = time.perf_counter()
    tune(quad, SIX, steps=300, tol=1e-6)
    assert time.perf_counter() - t0 < 2.0


def test_sensitivity_figure(tuned):
    assert len(sensitivity_figure(tuned).axes) == 2


def test_cli_tune_prints_the_table_and_the_race(tmp_path, capsys):
    # No --png here: writing a PNG is write_png's, tested with the sweep's figures, and costs seconds.
    config = tmp_path / "tuned.json"
    code = main(["tune", "--problem", "quadratic", "--opt", "gd", "adam", "muon", "--steps", "100", "--points", "8",
                 "--save-config", str(config)])
    out = capsys.readouterr().out
    assert code == 0
    assert "100 steps, seed 0" in out and "skipped: muon" in out and "Race of the tuned runs" in out
    assert [r.optimizer for r in Comparison.from_json(config.read_text()).runs] == ["gd", "adam"]
    assert main(["tune", "--points", "6"]) == 2
    assert "multiple of 4" in capsys.readouterr().err


def test_tune_comparison_tunes_each_optimizer_once():
    from playground.training.run_spec import RunSpec
    from playground.setups.tune import tune_comparison, work
    cmp = Comparison("quadratic", runs=(RunSpec("adam", {"lr": 0.1}), RunSpec("adam"), RunSpec("gd")), steps=50)
    result = tune_comparison(cmp, points=8)
    assert [t.optimizer for t in result.tuned] == ["adam", "gd"] and result.steps == 50
    # Two optimizers for 50 steps: about a hundred times one optimizer for one step (the estimate is linear).
    one = work(Comparison("quadratic", runs=(RunSpec("gd"),), steps=1), 8).seconds
    assert work(cmp, points=8).seconds == pytest.approx(50 * 2 * one, rel=0.05)
