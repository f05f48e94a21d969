"""Schedules as part of a run: the API, the grammar, bad values, the loop, the sweep, and gradient noise."""
from __future__ import annotations

import numpy as np
import pytest

import optimizers
from optimizers import schedules
from playground import problems
from playground.training.loop import AHEAD
from playground.training.run_spec import RunSpec
from playground.training.runner import run
from playground.training.sweep import sweep

ROSEN = problems.create("rosenbrock")


def test_lrs_follow_the_schedule_one_per_step() -> None:
    sched = optimizers.schedule("one_cycle", max_lr=0.003, total_steps=200)
    traj = run(ROSEN, optimizers.create("momentum", lr=0.001), 200, schedule=sched)
    assert traj.lrs.shape == (200,) == traj.steps[1:].shape
    assert traj.lrs[0] == pytest.approx(0.003 / 25) and traj.lrs.max() == pytest.approx(0.003, rel=1e-3)
    assert traj.momenta[0] == 0.95 and traj.momenta.min() == pytest.approx(0.85, rel=1e-3)
    # Sparse records: the lr of the step that produced each snapshot.
    sparse = run(ROSEN, optimizers.create("momentum", lr=0.001), 200, schedule=sched, record=11)
    np.testing.assert_array_equal(sparse.lrs, traj.lrs[sparse.steps[1:] - 1])
    # No schedule: the optimizer's lr throughout.
    assert np.all(run(ROSEN, optimizers.create("gd", lr=0.001), 20).lrs == 0.001)


def test_momentum_cycling_moves_the_optimizer() -> None:
    opt = optimizers.create("momentum", lr=0.001)
    on = run(ROSEN, opt, 100, schedule="one_cycle:max_lr=0.003,total_steps=100")
    off = run(ROSEN, opt, 100, schedule="one_cycle:max_lr=0.003,total_steps=100,cycle_momentum=false")
    assert off.momenta is None and not np.allclose(on.final_params, off.final_params)
    assert run(ROSEN, "gd", 100, schedule="one_cycle:max_lr=0.003,total_steps=100").momenta is None


def test_plateau_does_not_depend_on_record() -> None:
    opt = optimizers.create("momentum", lr=0.001)
    dense = run(ROSEN, opt, 300, schedule="plateau:patience=2,threshold=0.01")
    sparse = run(ROSEN, opt, 300, schedule="plateau:patience=2,threshold=0.01", record=7)
    np.testing.assert_array_equal(dense.final_params, sparse.final_params)
    assert len(np.unique(dense.lrs)) > 1


def test_a_sweep_configuration_equals_its_run() -> None:
    for sched in ("plateau:patience=2,threshold=0.01", "cosine:T_max=50"):
        res = sweep(ROSEN, ["momentum", "adam"], lrs=[1e-3, 1e-2], momenta=[0.5, 0.9], steps=60, schedule=sched,
                    grad_noise=0.3)
        for i, c in enumerate(res.configs):
            hp = {"lr": c.lr, "betas": (c.momentum, 0.999)} if c.optimizer == "adam" else {"lr": c.lr,
                                                                                         "momentum": c.momentum}
            t = run(ROSEN, optimizers.create(c.optimizer, **hp), 60, schedule=sched, grad_noise=0.3)
            assert res.diverged_at[i] == (t.diverged_at if t.diverged else -1)
            if not t.diverged:
                assert res.final_losses[i] == pytest.approx(t.final_loss, rel=1e-12)


def test_each_step_takes_its_own_values_past_the_loops_lookahead_and_a_dropped_run() -> None:
    # The loop takes a schedule's values AHEAD steps at a time, and again for the runs kept when one diverges.
    steps = AHEAD + 40
    sched = optimizers.schedule("cosine", T_max=steps)
    traj = run(ROSEN, optimizers.create("gd", lr=1e-3), steps, schedule=sched)
    np.testing.assert_array_equal(traj.lrs, [sched.lr_at(k, 1e-3) for k in range(steps)])
    res = sweep(ROSEN, "momentum", lrs=[1e-3, 2e-3, 0.5], momenta=[0.9], steps=steps, schedule=sched)
    assert res.diverged_at.tolist()[:2] == [-1, -1] and 0 < res.diverged_at[2] < AHEAD
    for i, lr in enumerate([1e-3, 2e-3]):
        t = run(ROSEN, optimizers.create("momentum", lr=lr, momentum=0.9), steps, schedule=sched)
        assert res.final_losses[i] == pytest.approx(t.final_loss, rel=1e-12)


def test_grad_noise_repeats_with_its_seed_and_keeps_the_start() -> None:
    a = run(ROSEN, optimizers.create("gd", lr=1e-3), 50, grad_noise=0.5, seed=3)
    b = run(ROSEN, optimizers.create("gd", lr=1e-3), 50, grad_noise=0.5, seed=3)
    c = run(ROSEN, optimizers.create("gd", lr=1e-3), 50, grad_noise=0.5, seed=4)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.final_params, c.final_params)
    with pytest.raises(ValueError, match="grad_noise.*2-D functions only"):
        run(problems.create("linreg"), "gd", 5, grad_noise=0.1)
    with pytest.raises(ValueError, match=r"Invalid grad_noise: -1.*\[0, inf\)"):
        run(ROSEN, "gd", 5, grad_noise=-1)


@pytest.mark.parametrize("spec, message", [
    ("one_cycle:total_steps=50", r"Invalid total_steps of schedule 'one_cycle': 50\. Allowed range: \[100, inf\)"),
    ("multistep:milestones=70/20", r"milestones .*must increase: milestones\[1\] = 20 is not after 70"),
    ("step:gamma=0", r"Invalid gamma: 0\. Allowed range: \(0, inf\)"),
    ("cosine:T_max=0", r"Invalid T_max: 0\. Allowed range: \[1, inf\)"),
    ("cyclic:cycle_momentum=true", r"cycle_momentum .*optimizer 'gd' has no momentum"),
    ("sequential:linear+plateau,milestones=5", r"schedules\[1\] .*Allowed: one of step"),
    ("sequential:linear+cosine,milestones=5/9", r"2 schedules need 1 milestones, got 2"),
    ("warp:x=1", r"Unknown schedule 'warp'\. Available: step, multistep"),
])
def test_bad_values_are_named_with_their_range(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(ROSEN, "gd", 100, schedule=spec)


def test_schedule_free_refuses_a_schedule() -> None:
    with pytest.raises(ValueError, match="Schedule-Free methods replace"):
        run(ROSEN, "sgd_schedulefree", 10, schedule="cosine")


def test_grammar_round_trips_and_runspec_carries_it() -> None:
    text = "sequential:linear(start_factor=0.1,total_iters=20)+cosine(T_max=180),milestones=30"
    seq = schedules.parse(text)
    assert seq.format() == text and schedules.parse(seq.format_nested()) == seq
    assert seq.lr_at(0, 1.0) == pytest.approx(0.1) and seq.lr_at(30, 1.0) == 1.0
    spec = RunSpec.parse(f"momentum:lr=0.1,schedule={seq.format_nested()},grad_noise=0.5")
    assert spec.schedule == seq and spec.grad_noise == 0.5
    assert RunSpec.parse(spec.format()) == spec and RunSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["schedule"] == text
    assert "sequential" in spec.label


def test_step_overrides_are_pure_and_per_run() -> None:
    opt = optimizers.create("momentum", lr=0.1, momentum=0.9)
    p, g = np.ones(3), np.full(3, 2.0)
    state = opt.init(p)
    q, _ = opt.step(p, g, state, lr=0.01)
    np.testing.assert_allclose(q, p - 0.02) and opt.hp["lr"] == 0.1
    runs = optimizers.create("momentum", lr=np.array([0.1, 0.2]))
    P = np.ones((2, 3))
    Q, _ = runs.step(P, np.full((2, 3), 2.0), runs.init(P), lr=np.array([0.01, 0.02]))
    np.testing.assert_allclose(Q[:, 0], [0.98, 0.96])
    with pytest.raises(ValueError, match="Unknown override 'rate'"):
        opt.step(p, g, state, rate=1.0)
    # The loop's scheduled_step is step(**scheduled(...)) bit for bit: lr alone, a momentum, a beta1, per run.
    adam = optimizers.create("adam", lr=0.1)
    for o, x, lr, mom in [(opt, p, 0.01, None), (opt, p, 0.01, 0.5), (adam, p, 0.01, 0.8),
                          (runs, P, np.array([0.01, 0.02]), np.array([0.5, 0.7]))]:
        s0, gx = o.init(x), np.linspace(-1.0, 2.0, x.size).reshape(x.shape)
        s1, s2 = o.step(x, gx, s0, **o.scheduled(lr, mom)), o.scheduled_step(x, gx, s0, lr, mom)
        s1, s2 = o.step(s1[0], gx, s1[1], **o.scheduled(lr, mom)), o.scheduled_step(s2[0], gx, s2[1], lr, mom)
        assert s1[0].tobytes() == s2[0].tobytes() and not np.array_equal(s1[0], x)


def test_cli_attaches_each_schedule_to_the_opt_before_it() -> None:
    from playground.cli.common import parse_runs

    runs = parse_runs([("--opt", "momentum:lr=0.1"), ("--schedule", "cosine:T_max=50"), ("--opt", "gd:lr=0.1")])
    assert runs[0].schedule == optimizers.schedule("cosine", T_max=50) and runs[1].schedule is None
    with pytest.raises(ValueError, match="after an --opt"):
        parse_runs([("--schedule", "cosine")])
    with pytest.raises(ValueError, match="already has a schedule"):
        parse_runs([("--opt", "gd"), ("--schedule", "cosine"), ("--schedule", "step")])


def test_the_lr_panel_appears_with_a_schedule() -> None:
    from playground.viz import plots

    plain = run(ROSEN, "gd", 10)
    sched = run(ROSEN, "gd", 10, schedule="exponential")
    assert len(plots.loss_curves([plain]).axes) == 1 and len(plots.loss_curves([plain, sched]).axes) == 2
