"""The runner: drives one optimizer on one problem and records a trajectory.

::

    traj = run(problem, optimizer, steps, batch_size=None, accumulate=1,
               shuffle=True, seed=0, params0=None, record=1000)

Batching is right by construction: every step's gradient is the problem's
vectorised gradient over whole mini-batches, and an optimizer step happens
only after the gradients of ``accumulate`` consecutive mini-batches are
averaged, weighted by their sizes, so the accumulated gradient is exactly the
mean over every sample it saw. One step with ``batch_size=1,
accumulate=n_samples, shuffle=False`` is the batch-GD step (to round-off).

Data order depends only on ``seed`` (never on the optimizer), and so does the
default ``params0``, so runs compared with one seed start from the same point
and see the same mini-batches.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

import optimizers
from optimizers import Optimizer
from optimizers.tree import Tree, all_finite, as_float_tree, is_dict, leaves, names, tree_map

from ..problems import Problem

#: A run is stopped as diverged once its loss exceeds this multiple of max(1, |initial loss|).
BLOWUP_FACTOR = 1e8

Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What a run produced.

    ``steps`` are the recorded step numbers (0 is the start, k is after k
    updates); ``params`` holds the parameters at those steps with a leading
    axis (an array (k, *shape), or a dict of such); ``losses`` the full-data
    loss there. A run that diverged stops at ``diverged_at``, which is then the
    last recorded step, and ``diverged_reason`` says why in words.
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


def batch_schedule(n_samples: int, batch_size: int | None, shuffle: bool,
                   rng: np.random.Generator) -> Iterator[np.ndarray | None]:
    """Sample indices of successive mini-batches, epoch after epoch, forever.

    Each epoch is a fresh permutation (or 0..n-1 without ``shuffle``) cut into
    batches of ``batch_size``; the last batch of an epoch is smaller when
    ``batch_size`` does not divide ``n_samples``, so every sample is used once
    per epoch. ``batch_size=None`` yields None: the full data.
    """
    if batch_size is None:
        while True:
            yield None
    while True:
        order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
        for start in range(0, n_samples, batch_size):
            yield order[start:start + batch_size]


def record_schedule(steps: int, record: int) -> np.ndarray:
    """At most ``record`` evenly spaced steps in 0..steps, always with 0 and ``steps``."""
    return np.unique(np.round(np.linspace(0, steps, min(record, steps + 1))).astype(np.int64))


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"Invalid {name}: {value!r}. Expected a whole number in [{low}, {high or 'inf'}]")
    if value < low or (high is not None and value > high):
        raise ValueError(f"Invalid {name}: {value}. Allowed range: [{low}, {high if high is not None else 'inf'}]")
    return int(value)


def check_settings(problem: Problem, steps: Any, batch_size: Any, accumulate: Any, shuffle: bool, seed: Any,
                   record: Any) -> dict[str, Any]:
    """The settings of a run (or of every run of a sweep), checked: ValueError names a bad value and its range."""
    return dict(steps=_check_int("steps", steps, 1),
                batch_size=None if batch_size is None else _check_int("batch_size", batch_size, 1, problem.n_samples),
                accumulate=_check_int("accumulate", accumulate, 1), shuffle=shuffle,
                seed=_check_int("seed", seed, 0), record=_check_int("record", record, 2))


def run(problem: Problem, optimizer: Optimizer | str, steps: int, batch_size: int | None = None,
        accumulate: int = 1, shuffle: bool = True, seed: int = 0, params0: Tree | None = None,
        record: int = 1000, label: str | None = None, progress: Progress | None = None) -> Trajectory:
    """Run ``optimizer`` on ``problem`` for ``steps`` updates and return the :class:`Trajectory`.

    - ``batch_size=None`` is full-batch GD; ``batch_size=b`` uses mini-batches
      of b samples, reshuffled every epoch from ``seed`` (unless ``shuffle`` is
      False); ``accumulate=k`` averages k consecutive mini-batch gradients into
      one step.
    - ``params0`` defaults to ``problem.init_params(seed)``.
    - ``record`` bounds memory: at most that many evenly spaced snapshots are
      kept, the start and the last step always among them.
    - ``progress(done, total)`` is called now and then on long runs.

    A run stops at the first step whose loss or parameters are non-finite, or
    whose loss exceeds ``BLOWUP_FACTOR`` x max(1, |initial loss|), and reports
    it in ``diverged_at``/``diverged_reason``. Bad arguments raise ValueError
    before any work starts.
    """
    opt = optimizers.create(optimizer) if isinstance(optimizer, str) else optimizer
    if not isinstance(opt, Optimizer):
        raise ValueError(f"Invalid optimizer: {optimizer!r}. Pass an optimizer name or an Optimizer instance")
    config = check_settings(problem, steps, batch_size, accumulate, shuffle, seed, record)
    steps, batch_size, accumulate = config["steps"], config["batch_size"], config["accumulate"]
    seed, record = config["seed"], config["record"]
    p = problem.init_params(seed) if params0 is None else as_float_tree(params0, "params0")
    if problem.batch_size_of(p) is not None:
        raise ValueError("params0 has a leading batch axis; run() drives one run (use the sweep engine for many)")
    label = label or opt.name

    rec_steps = record_schedule(steps, record)
    rec_iter = iter(rec_steps.tolist())
    next_rec = next(rec_iter)
    snaps = {k: np.empty((len(rec_steps),) + np.shape(x)) for k, x in zip(names(p), leaves(p))}
    losses = np.full(len(rec_steps), np.nan)
    n_rec = 0
    batches = batch_schedule(problem.n_samples, batch_size, shuffle, np.random.default_rng(seed))
    full_batch = batch_size is None
    state = opt.init(p)
    diverged_at = reason = None
    every = max(1, steps // 100)
    with np.errstate(all="ignore"):
        bound = blowup_bound(problem._loss(p, None))

    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            if k < steps:
                # probe: the loss at this step's params, over the data its gradient used.
                probe, g = (problem._value_and_grad(p, None) if full_batch
                            else _accumulated(problem, p, batches, accumulate))
            keep = k == next_rec
            # Full batch, the full-data loss comes free with the gradient; with
            # mini-batches it costs a pass over the data, so only when recorded.
            loss = probe if full_batch and k < steps else problem._loss(p, None) if keep else None
            # Divergence is judged on the loss of the data this step uses (the
            # full data after the last step), never on whether k is recorded,
            # so diverged_at does not depend on ``record``.
            check = probe if k < steps else loss
            reason = None if healthy(check, p, bound) else _divergence(k, p, check, bound)
            if reason is not None:
                diverged_at = k
                loss = problem._loss(p, None) if loss is None else loss
                keep = True
            if keep:
                for name, x in zip(names(p), leaves(p)):
                    snaps[name][n_rec] = x
                losses[n_rec] = loss
                n_rec += 1
                next_rec = next(rec_iter, -1)
            if reason is not None or k == steps:
                break
            p, state = opt.step(p, g, state)
            if progress is not None and k % every == 0:
                progress(k, steps)
    wall = time.perf_counter() - t0
    if progress is not None:
        progress(steps, steps)

    rec = rec_steps[:n_rec].copy()
    if diverged_at is not None:
        rec[-1] = diverged_at
    params = {k: v[:n_rec] for k, v in snaps.items()}
    return Trajectory(label=label, problem=problem.name, optimizer=opt, steps=rec,
                      params=params if is_dict(p) else params[""], losses=losses[:n_rec],
                      final_params=p, diverged_at=diverged_at, diverged_reason=reason, wall_time=wall,
                      config=config)


def blowup_bound(initial_loss: Any) -> float:
    """The loss above which a run counts as diverged: ``BLOWUP_FACTOR`` x max(1, |initial loss|)."""
    return BLOWUP_FACTOR * max(1.0, abs(float(initial_loss)))


def healthy(loss: Any, params: Tree, bound: float) -> bool | np.ndarray:
    """The divergence rule: whether the params are finite and the loss is finite and at most ``bound``.

    For one run ``loss`` is a number and the answer one bool. For R runs at
    once (the sweep) ``loss`` has shape (R,), every block of ``params`` a
    leading axis R, and the answer is one bool per run. Call it under
    ``np.errstate(all="ignore")``: the values tested may be on their way to
    overflow.
    """
    if type(loss) is np.ndarray and loss.ndim:
        ok = np.isfinite(loss) & (loss <= bound)
        for x in leaves(params):
            # Row sums, as in all_finite: any inf or nan in a run makes its sum non-finite.
            ok &= np.isfinite(x.reshape(len(loss), -1).sum(axis=1))
        return ok
    # The one-run case is tested inline: the runner calls this every step.
    return math.isfinite(loss) and loss <= bound and all_finite(params)


def _divergence(k: int, p: Tree, loss: Any, bound: float) -> str | None:
    """Why step ``k`` counts as diverged, in words, or None if it does not."""
    if not all_finite(p):
        return f"the parameters became non-finite at step {k}"
    if not np.isfinite(loss):
        return f"the loss became {float(np.real(loss))} at step {k}"
    if loss > bound:
        return f"the loss reached {float(loss):.3g} at step {k}, over {BLOWUP_FACTOR:g} x its start"
    return None


def _accumulated(problem: Problem, p: Tree, batches: Iterator[np.ndarray | None],
                 accumulate: int) -> tuple[float, Tree]:
    """Mean loss and gradient over ``accumulate`` mini-batches, each weighted by its size.

    Weighting by size makes the result the mean over every sample seen, even
    when an epoch's last batch is short.
    """
    idx = next(batches)
    value, g = problem._value_and_grad(p, idx)
    if accumulate == 1:
        return value, g
    total = len(idx)
    value, g = value * total, tree_map(lambda x: x * total, g)
    for _ in range(accumulate - 1):
        idx = next(batches)
        v, gi = problem._value_and_grad(p, idx)
        value += v * len(idx)
        g = tree_map(lambda a, b: a + b * len(idx), g, gi)
        total += len(idx)
    return value / total, tree_map(lambda x: x / total, g)
