"""Replaying a run to look inside one of its steps.

::

    a = anatomy(problem, spec, k, steps=200, seed=0)     # step k -> k+1 of a run, in named parts
    a.terms["gradient"], a.terms["velocity"], a.taken     # see optimizers.anatomy

A trajectory keeps at most ``record`` snapshots, and no optimizer state, so a
step is looked at by running the run again, deterministically, up to it: the
same loop (:func:`~playground.training.loop.drive`) with the same seed, data
order, schedule and noise, stopped after step k + 1. Stepping forward or back
by one optimizer step is then one replay each, whatever the record.
"""
from __future__ import annotations

from optimizers.anatomy import Anatomy
from optimizers.tree import Tree, as_float_tree

from ..problems import Problem
from .loop import check_settings, drive
from .run_spec import STEPS, RunSpec


def anatomy(problem: Problem, spec: RunSpec, k: int, *, steps: int, seed: int = 0, shuffle: bool = True,
            params0: Tree | None = None) -> Anatomy:
    """The anatomy of step ``k`` (from the parameters after k updates to those after k + 1) of run ``spec``.

    ``steps`` is the run's own length (its schedule is built for it);
    ``k`` lies in [0, steps - 1]. ``params0`` defaults to the run's start,
    ``problem.init_params(seed)``. ValueError names a bad ``k`` or a run
    that diverged before step k.
    """
    steps = STEPS.validate(steps, runs=False)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < steps:
        raise ValueError(f"Invalid step: {k!r}. Allowed range: [0, {steps - 1}] (the run has {steps} steps)")
    opt = spec.validate(problem, steps)
    if spec.updater is not None:
        raise ValueError(f"{spec.label} is a buggy updater, not an optimizer: its seed code names no parts of a step")
    settings = check_settings(problem, k + 1, spec.batch_size, spec.accumulate, shuffle, seed, 2, spec.grad_noise)
    start = problem.init_params(seed) if params0 is None else as_float_tree(params0, "params0")
    # A schedule's lr at step k depends on k and its own settings only, so the shorter replay gives the same lrs.
    out = drive(problem, opt, start, settings, schedule=spec.schedule, inspect=k)
    if out.inspected is None:
        raise ValueError(f"Invalid step: {k}. The run diverged at step {int(out.diverged_at[0])}, before it")
    p, g, state, override = out.inspected
    return opt.anatomy(p, g, state, **override)

