"""The runner: drives one optimizer on one problem and records a trajectory.

::

    traj = run(problem, optimizer, steps, batch_size=None, accumulate=1,
               shuffle=True, seed=0, params0=None, record=1000, schedule=None, grad_noise=0.0)
    traj.lrs        # the lr of the step that produced each snapshot after the start

Batching is right by construction: every step's gradient is the problem's
vectorised gradient over whole mini-batches, and an optimizer step happens
only after the gradients of ``accumulate`` consecutive mini-batches are
averaged, weighted by their sizes, so the accumulated gradient is exactly the
mean over every sample it saw. One step with ``batch_size=1,
accumulate=n_samples, shuffle=False`` is the batch-GD step (to round-off).

Data order depends only on ``seed`` (never on the optimizer), and so does the
default ``params0``, so runs compared with one seed start from the same point
and see the same mini-batches. The loop itself is :func:`~playground.training.loop.drive`,
the sweep's too: a run is its one-run case.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import optimizers
from optimizers import schedules
from optimizers import Optimizer, Schedule
from optimizers.tree import Tree, as_float_tree, leaves, tree_map

from ..problems import Problem
from .loop import (BLOWUP_FACTOR, Progress, batch_schedule, blowup_bound, check_settings, drive, healthy,
                   record_schedule)

# The loop's settings, schedules and divergence rule stay importable from here, where runs are made.
__all__ = ["BLOWUP_FACTOR", "Progress", "Trajectory", "batch_schedule", "blowup_bound", "check_settings", "healthy",
           "record_schedule", "run"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What a run produced.

    ``steps`` are the recorded step numbers (0 is the start, k is after k
    updates); ``params`` holds the parameters at those steps with a leading
    axis (an array (k, *shape), or a dict of such); ``losses`` the full-data
    loss there. A run that diverged stops at ``diverged_at``, which is then the
    last recorded step, and ``diverged_reason`` says why in words.

    ``lrs`` is aligned with ``steps[1:]``: the lr used by the step that
    produced each snapshot (one entry per step taken when every step is
    recorded); without a schedule, the optimizer's lr throughout.
    ``momenta`` holds a schedule's cycled momentum (or beta1) the same way,
    and is None when nothing cycles it. ``schedule`` is the run's schedule.
    For an optimizer that reports an averaged point (Schedule-Free, ASGD),
    ``params``, ``losses`` and ``final_params`` are at that point and
    ``gradient_params`` holds where the gradients were taken (None for others).
    """

    label: str
    problem: str
    optimizer: Optimizer
    steps: np.ndarray
    params: Tree
    losses: np.ndarray
    final_params: Tree
    diverged_at: int | None
    diverged_reason: str | None
    wall_time: float
    config: dict[str, Any] = field(default_factory=dict)
    schedule: Schedule | None = None
    lrs: np.ndarray = field(default_factory=lambda: np.empty(0))
    momenta: np.ndarray | None = None
    gradient_params: Tree | None = None

    def __repr__(self) -> str:
        end = f"diverged at step {self.diverged_at}" if self.diverged else f"final loss {self.final_loss:.6g}"
        return f"Trajectory({self.label!r} on {self.problem}: {len(self.steps)} snapshots, {end})"

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def final_step(self) -> int:
        return int(self.steps[-1])

    def steps_to(self, tol: float) -> int | None:
        """First recorded step whose loss is at or below ``tol``, or None."""
        hit = np.flatnonzero(self.losses <= tol)
        return int(self.steps[hit[0]]) if hit.size else None

    def distance_to(self, point: Tree) -> float:
        """Euclidean distance from the final parameters to ``point`` (all blocks together)."""
        return float(np.sqrt(sum(np.sum((a - b) ** 2) for a, b in
                                 zip(leaves(self.final_params), leaves(point)))))


def run(problem: Problem, optimizer: Optimizer | str, steps: int, batch_size: int | None = None,
        accumulate: int = 1, shuffle: bool = True, seed: int = 0, params0: Tree | None = None,
        record: int = 1000, label: str | None = None, progress: Progress | None = None,
        schedule: Schedule | str | None = None, grad_noise: float = 0.0) -> Trajectory:
    """Run ``optimizer`` on ``problem`` for ``steps`` updates and return the :class:`Trajectory`.

    - ``batch_size=None`` is full-batch GD; ``batch_size=b`` uses mini-batches
      of b samples, reshuffled every epoch from ``seed`` (unless ``shuffle`` is
      False); ``accumulate=k`` averages k consecutive mini-batch gradients into
      one step.
    - ``params0`` defaults to ``problem.init_params(seed)``.
    - ``record`` bounds memory: at most that many evenly spaced snapshots are
      kept, the start and the last step always among them.
    - ``progress(done, total)`` is called now and then on long runs.
    - ``schedule``: a :class:`~optimizers.Schedule` (or its spec string, e.g.
      ``"cosine:T_max=500"``) setting each step's lr, stepped once per step.
    - ``grad_noise=sigma`` adds Gaussian noise of that standard deviation to
      every gradient (2-D functions only), drawn from ``seed`` apart from the
      mini-batch order, so a run repeats bit for bit.

    A run stops at the first step whose loss or parameters are non-finite, or
    whose loss exceeds ``BLOWUP_FACTOR`` x max(1, |initial loss|), and reports
    it in ``diverged_at``/``diverged_reason``. Bad arguments raise ValueError
    before any work starts.
    """
    opt = optimizers.create(optimizer) if isinstance(optimizer, str) else optimizer
    if not isinstance(opt, Optimizer):
        raise ValueError(f"Invalid optimizer: {optimizer!r}. Pass an optimizer name or an Optimizer instance")
    config = check_settings(problem, steps, batch_size, accumulate, shuffle, seed, record, grad_noise)
    sched = schedules.from_value(schedule)
    steps = config["steps"]
    p0 = problem.init_params(config["seed"]) if params0 is None else as_float_tree(params0, "params0")
    if problem.batch_size_of(p0) is not None:
        raise ValueError("params0 has a leading batch axis; run() drives one run (use the sweep engine for many)")

    t0 = time.perf_counter()
    out = drive(problem, opt, p0, config, snapshots=True, every=max(1, steps // 100),
                progress=None if progress is None else lambda done: progress(done, steps), schedule=sched)
    wall = time.perf_counter() - t0
    if progress is not None:
        progress(steps, steps)

    # The outcome's row 0 is the one run.
    final, params = tree_map(lambda x: x[0], out.final_params), tree_map(lambda x: x[0], out.snapshots)
    gradient_params = None if out.gradient_snapshots is None else tree_map(lambda x: x[0], out.gradient_snapshots)
    losses, rec = out.losses[0], out.steps
    lrs = np.full(len(rec) - 1, float(opt.hp["lr"])) if out.lrs is None else out.lrs[0]
    momenta = None if out.momenta is None else out.momenta[0]
    at = int(out.diverged_at[0])
    if at >= 0:
        # The record stops at the step the run diverged at, ending with its loss and parameters there,
        # and with the lr (and momentum) of the last step taken.
        n = int(np.searchsorted(rec, at))
        rec, losses = np.append(rec[:n], at), np.append(losses[:n], out.final_losses[0])
        params = tree_map(lambda s, x: np.concatenate([s[:n], x[None]]), params, final)
        if gradient_params is not None:  # it diverged where the gradient is taken: that is its last point
            gradient_params = tree_map(lambda s, x: np.concatenate([s[:n], x[None]]), gradient_params, final)
        last = slice(0, max(n - 1, 0))
        lrs = (lrs[:len(rec) - 1] if out.lrs is None
               else np.append(lrs[last], out.final_lrs[0]) if at > 0 else lrs[:0])
        if momenta is not None:
            momenta = np.append(momenta[last], out.final_momenta[0]) if at > 0 else momenta[:0]
    return Trajectory(label=label or opt.name, problem=problem.name, optimizer=opt, steps=rec, params=params,
                      losses=losses, final_params=final, diverged_at=None if at < 0 else at,
                      diverged_reason=out.reasons[0], wall_time=wall, config=config, schedule=sched, lrs=lrs,
                      momenta=momenta, gradient_params=gradient_params)
