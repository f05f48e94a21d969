"""Sweeps: every configuration equals its own run, per-run divergence, the theoretical boundary, CSV."""
import csv
import io
import warnings

import numpy as np
import pytest

import optimizers
from playground import problems, run
from playground.training.loop import check_settings, drive
from playground.training.run_spec import RunSpec
from playground.training.sweep import sweep

LIN = problems.linear_regression(n=60, seed=1)
L = LIN.lipschitz
NET = problems.relu_net(n=16)

# The optimizers a user sweeps, each with its momentum axis: its momentum, or
# beta1 (betas[0]) for Adam. The largest learning rates are past the
# stability bound, so some runs diverge (Adam's only on the MLP).
FAMILIES = {
    "gd": (None, lambda lr, m: optimizers.GD(lr=lr)),
    "momentum": ([0.3, 0.8], lambda lr, m: optimizers.Momentum(lr=lr, momentum=m)),
    "nesterov": ([0.3, 0.8], lambda lr, m: optimizers.Nesterov(lr=lr, momentum=m)),
    "adam": ([0.5, 0.9], lambda lr, m: optimizers.Adam(lr=lr, betas=(m, 0.99))),
}
LRS = {"linreg": np.array([0.3, 1.0, 4.0]) / L, "relu-net": np.array([0.01, 0.1, 1e4])}
BATCHING = {"full batch": dict(batch_size=None, accumulate=1), "mini-batch": dict(batch_size=5, accumulate=2)}


@pytest.mark.parametrize("batching", BATCHING)
@pytest.mark.parametrize("problem", [LIN, NET], ids=["linreg", "relu-net"])
@pytest.mark.parametrize("name", FAMILIES)
def test_each_configuration_equals_a_separate_run(name, problem, batching):
    momenta, build = FAMILIES[name]
    steps, batch = 40, BATCHING[batching]
    fixed = {"betas": (0.0, 0.99)} if name == "adam" else None  # beta2 from here, beta1 from the axis
    result = sweep(problem, name, LRS[problem.name], momenta, steps=steps, seed=3, record=steps + 1,
                   fixed_hyperparams=fixed, **batch)
    assert len(result) == len(LRS[problem.name]) * len(momenta or [None])
    for i, c in enumerate(result.configs):
        opt = build(c.lr, c.momentum)
        assert result.spec(i).build() == opt
        traj = run(problem, opt, steps, seed=3, record=steps + 1, **batch)
        assert result.diverged_at[i] == (-1 if traj.diverged_at is None else traj.diverged_at)
        alive = result.steps < (steps + 1 if traj.diverged_at is None else traj.diverged_at)
        np.testing.assert_allclose(result.losses[i, alive], traj.losses[:alive.sum()], rtol=1e-10, atol=1e-14)
        assert np.isnan(result.losses[i, ~alive]).all()
        if traj.diverged:
            assert np.isnan(result.final_losses[i])
        else:
            assert result.final_losses[i] == pytest.approx(traj.final_loss, rel=1e-10, abs=1e-14)
    if problem is NET or name != "adam":
        assert result.diverged.any() and not result.diverged.all()  # both kinds were compared


def test_several_optimizers_run_as_one_grid_in_order():
    lrs, momenta = np.array([0.01, 0.1]), np.array([0.5, 0.9])
    both = sweep(LIN, ["momentum", "adam"], lrs, momenta, steps=30)
    apart = [sweep(LIN, name, lrs, momenta, steps=30) for name in ("momentum", "adam")]
    assert [c.optimizer for c in both.configs] == ["momentum"] * 4 + ["adam"] * 4
    np.testing.assert_allclose(both.final_losses, np.concatenate([r.final_losses for r in apart]), rtol=1e-12)
    assert both.momentum_label == "momentum/beta1"
    index = both.grid(np.arange(len(both)), "adam")
    assert index.shape == (2, 2)
    c = both.configs[index[1, 0]]
    assert (c.optimizer, c.lr, c.momentum) == ("adam", 0.1, 0.5)


def test_diverged_runs_are_frozen_and_raise_no_warnings():
    stable = np.array([0.5, 1.5]) / L
    lrs = np.concatenate([stable, np.array([2.5, 1e3, 1e12]) / L])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or NaN in a diverged run would raise here
        result = sweep(LIN, "gd", lrs, steps=300, record=301)
        alone = sweep(LIN, "gd", stable, steps=300, record=301)
        for i, lr in enumerate(lrs):
            traj = run(LIN, optimizers.GD(lr=lr), 300)
            assert result.diverged_at[i] == (-1 if traj.diverged_at is None else traj.diverged_at)
    assert list(result.diverged) == [False, False, True, True, True]
    for i in np.flatnonzero(result.diverged):
        k = result.diverged_at[i]
        assert 1 <= k < 300 and np.isnan(result.final_losses[i])
        assert np.isfinite(result.losses[i, :k]).all() and np.isnan(result.losses[i, k:]).all()
    # The runs that kept going are untouched by the ones that stopped.
    np.testing.assert_allclose(result.losses[:2], alone.losses, rtol=1e-12)
    np.testing.assert_allclose(result.final_losses[:2], alone.final_losses, rtol=1e-12)


def test_a_diverged_run_of_a_batch_says_why_as_its_own_run_does():
    lrs = np.array([0.5, 2.5, 1e12]) / L
    out = drive(LIN, optimizers.GD(lr=lrs), LIN.init_params(0), check_settings(LIN, 300, 7, 1, True, 0, 50), runs=3)
    for i, lr in enumerate(lrs):
        traj = run(LIN, optimizers.GD(lr=lr), 300, batch_size=7, record=50)
        assert out.reasons[i] == traj.diverged_reason
        assert out.diverged_at[i] == (-1 if traj.diverged_at is None else traj.diverged_at)
        np.testing.assert_allclose(out.final_params[i], traj.final_params, rtol=1e-12)
        assert out.final_losses[i] == pytest.approx(traj.final_loss, rel=1e-12)
    assert out.reasons[0] is None and "non-finite" not in out.reasons[1]


def test_select_runs_cuts_per_run_hyperparameters_and_leaves_the_optimizer_alone():
    adam = optimizers.Adam(lr=np.array([0.1, 0.2, 0.3]), betas=(np.array([0.5, 0.6, 0.7]), 0.99), eps=1e-6)
    kept = adam.select_runs(np.array([True, False, True]))
    assert kept == optimizers.Adam(lr=np.array([0.1, 0.3]), betas=(np.array([0.5, 0.7]), 0.99), eps=1e-6)
    assert adam == optimizers.Adam(lr=np.array([0.1, 0.2, 0.3]), betas=(np.array([0.5, 0.6, 0.7]), 0.99), eps=1e-6)
    p, g = np.ones((2, 3)), np.full((2, 3), 0.5)
    stepped, _ = kept.step(p, g, kept.init(p))
    np.testing.assert_array_equal(stepped[1], optimizers.Adam(lr=0.3, betas=(0.7, 0.99), eps=1e-6).step(
        p[1], g[1], optimizers.Adam().init(p[1]))[0])


def boundary_index(lrs, diverged):
    """Index of the first diverged lr, checking that every larger lr diverged too."""
    first = int(np.argmax(diverged)) if diverged.any() else len(lrs)
    assert not diverged[:first].any() and diverged[first:].all(), diverged
    return first


def test_gd_diverges_within_one_grid_cell_of_2_over_L():
    lrs = np.geomspace(0.5, 8.0, 41) / L  # neighbouring cells differ by 7%
    result = sweep(LIN, "gd", lrs, steps=1000)
    theory = np.searchsorted(lrs, 2 / L)
    assert abs(boundary_index(lrs, result.diverged) - theory) <= 1


def test_heavy_ball_diverges_within_one_grid_cell_of_its_bound_at_every_momentum():
    lrs, momenta = np.geomspace(0.5, 8.0, 41) / L, np.linspace(0.0, 0.9, 10)
    result = sweep(LIN, "momentum", lrs, momenta, steps=1000)
    diverged = result.grid(result.diverged)
    for m, mu in enumerate(momenta):
        theory = np.searchsorted(lrs, (2 + 2 * mu) / L)
        assert abs(boundary_index(lrs, diverged[:, m]) - theory) <= 1, mu


def test_progress_counts_steps_over_every_optimizer():
    calls = []
    sweep(LIN, ["gd", "adam"], [0.01, 0.1], steps=500, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1000, 1000)
    assert 10 <= len(calls) <= 200
    assert all(a < b for (a, _), (b, _) in zip(calls, calls[1:]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(lrs=[]), r"Invalid lrs: the grid axis is empty"),
    (dict(lrs=[0.1, -1.0]), r"Invalid lr: -1\. Allowed range: \(0, inf\)"),
    (dict(lrs=[0.0]), r"Invalid lr: 0\. Allowed range: \(0, inf\)"),
    (dict(lrs=[[0.1, 0.2]]), r"Invalid lrs: .*Expected a 1-D list of numbers"),
    (dict(momenta=[]), r"Invalid momenta: the grid axis is empty"),
    (dict(momenta=[0.5, 1.0]), r"Invalid momentum: 1\. Allowed range: \[0, 1\)"),
    (dict(momenta=[-0.1]), r"Invalid momentum: -0\.1\. Allowed range: \[0, 1\)"),
    (dict(optimizer="sgdd"), r"Unknown optimizer 'sgdd'\. Available: gd"),
    (dict(optimizer=[]), r"Invalid optimizer: an empty list"),
    (dict(optimizer=["momentum", "momentum"]), r"'momentum' appears more than once"),
    (dict(optimizer="gd"), r"Invalid momenta for optimizer 'gd': it has no momentum or betas.*momentum, nesterov"),
    (dict(optimizer=["momentum", "adagrad"]), r"optimizer 'adagrad': it has no momentum"),
    (dict(optimizer="nesterov", momenta=[0.0, 0.5]), r"Invalid momentum: 0\.0 with nesterov=True\. Allowed range: \(0, inf\)"),
    (dict(fixed_hyperparams={"lr": 0.1}), r"'lr' is swept"),
    (dict(fixed_hyperparams={"momentum": 0.5}), r"'momentum' is swept"),
    (dict(optimizer="adam", fixed_hyperparams={"dampening": 0.5}), r"Unknown keyword 'dampening' for optimizer 'adam'"),
    (dict(steps=0), r"Invalid steps: 0\. Allowed range: \[1, 1000000\]"),
    (dict(batch_size=61), r"Invalid batch_size: 61\. Allowed range: \[1, 60\]"),
])
def test_bad_arguments_name_the_value_and_its_range_before_any_work(kwargs, message):
    args = dict(optimizer="momentum", lrs=[0.01, 0.1], momenta=[0.5], steps=10) | kwargs
    calls = []
    with pytest.raises(ValueError, match=message):
        sweep(LIN, progress=lambda *a: calls.append(a), **args)
    assert calls == []


def test_a_beta1_axis_keeps_a_fixed_beta2():
    result = sweep(LIN, "adam", [0.01], [0.5, 0.8], steps=5, fixed_hyperparams={"betas": (0.9, 0.95)})
    assert result.spec(1) == RunSpec("adam", {"betas": (0.8, 0.95), "lr": 0.01})
    assert [c.momentum for c in result.configs] == [0.5, 0.8]


def test_an_lr_only_sweep_reports_the_momentum_in_effect_and_reruns_exactly():
    result = sweep(NET, "momentum", [0.3, 0.03, 0.1], steps=50, batch_size=4, fixed_hyperparams={"momentum": 0.7})
    assert list(result.lrs) == [0.03, 0.1, 0.3]  # axes come back sorted
    assert [c.momentum for c in result.configs] == [0.7] * 3
    traj = result.rerun(NET, 2)
    assert traj.optimizer == optimizers.Momentum(lr=0.3, momentum=0.7)
    np.testing.assert_array_equal(traj.steps, result.steps)
    np.testing.assert_allclose(traj.losses, result.losses[2], rtol=1e-10)


def test_csv_has_a_header_and_one_exact_row_per_configuration():
    result = sweep(LIN, ["gd", "adam"], np.array([0.5, 3.0]) / L, steps=200)
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert list(rows[0]) == ["optimizer", "lr", "beta1", "final_loss", "diverged_at"]
    assert len(rows) == len(result) == 4
    for row, c, loss, k in zip(rows, result.configs, result.final_losses, result.diverged_at):
        assert row["optimizer"] == c.optimizer and float(row["lr"]) == c.lr
        assert row["beta1"] == ("" if c.optimizer == "gd" else "0.9")
        if k >= 0:
            assert row["final_loss"] == "" and int(row["diverged_at"]) == k
        else:
            assert float(row["final_loss"]) == loss and row["diverged_at"] == ""
    assert rows[1]["optimizer"] == "gd" and rows[1]["diverged_at"] != ""  # 3/L is past 2/L
