"""Each schedule drives its optimizer as ``torch.optim.lr_scheduler`` does, over the whole trajectory.

The reference is ``tests/data/torch/schedules.npz``, recorded by
``tests/data/record_schedules.py`` from the cases of ``tests/schedule_oracle.py``.
"""
from __future__ import annotations

import numpy as np
import pytest
import schedule_oracle as oracle

import optimizers
from optimizers import schedules

META, DATA = oracle.load()


def build(name: str, kw: dict) -> optimizers.Schedule:
    if name == "sequential":
        return schedules.Sequential([build(n, k) for n, k in kw["schedules"]], milestones=kw["milestones"])
    return optimizers.schedule(name, **kw)


def drive(case: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The case with the numpy optimizer and schedule, stepped as the recording steps torch."""
    opt_name, hp, sched_name, kw = oracle.CASES[case]
    opt, sched = optimizers.create(opt_name, **hp), build(sched_name, kw)
    p = oracle.START.copy()
    state, s = opt.init(p), sched.init(opt, oracle.STEPS)
    traj, lrs, moms = [p], [], []
    for _ in range(oracle.STEPS):
        loss, g = oracle.loss_and_grad(p)
        lr, mom = sched.values(s)
        lrs.append(lr)
        moms.append(np.nan if mom is None else mom)
        p, state = opt.step(p, g, state, **opt.scheduled(lr, mom))
        s = sched.advance(s, loss)
        traj.append(p)
    return np.array(traj), np.array(lrs), np.array(moms)


def test_every_schedule_is_recorded() -> None:
    assert {c[2] for c in oracle.CASES.values()} == set(schedules.available())
    assert META["steps"] >= 300 and META["torch"].startswith("2.13")


@pytest.mark.parametrize("case", list(oracle.CASES))
def test_matches_torch(case: str) -> None:
    traj, lrs, moms = drive(case)
    np.testing.assert_allclose(lrs, DATA[f"lrs/{case}"], rtol=1e-13, atol=0)
    if not np.all(np.isnan(moms)):  # a cycled momentum: it is what torch's param group held
        np.testing.assert_allclose(moms, DATA[f"momenta/{case}"], rtol=1e-13, atol=0)
    np.testing.assert_allclose(traj, DATA[f"traj/{case}"], rtol=1e-12, atol=1e-14)


def test_values_ahead_are_the_values_step_by_step() -> None:
    # The loop takes a schedule's values ahead, from the state _replace(t=k): the values and states that
    # values() and advance() give one step at a time. Plateau follows the loss, so it cannot look ahead.
    for case, (opt_name, hp, sched_name, kw) in oracle.CASES.items():
        sched = build(sched_name, kw)
        s = start = sched.init(optimizers.create(opt_name, **hp), oracle.STEPS)
        if sched.follows_loss:
            with pytest.raises(ValueError, match="follows the loss"):
                sched.values_ahead(s, 2)
            continue
        step_by_step = []
        for _ in range(oracle.STEPS):
            step_by_step.append(sched.values(s))
            s = sched.advance(s, 1.0)
        assert sched.values_ahead(start, oracle.STEPS) == step_by_step, case
        assert sched.values_ahead(start._replace(t=90), 7) == step_by_step[90:97], case


def test_plateau_reduces_in_the_recording() -> None:
    # The plateau cases are only a test if torch actually reduced the lr in them.
    for case in ("plateau", "plateau_abs"):
        assert len(np.unique(DATA[f"lrs/{case}"])) > 2
