"""The training loop, written once for one run and for many.

::

    out = drive(problem, opt, params0, settings)             # one run: run()
    out = drive(problem, opt, params0, settings, runs=R)     # R runs at once: sweep()

Every run starts at ``params0``, sees the same mini-batches (drawn from the
seed of ``settings``, never from the optimizer) and is judged by one
divergence rule, :func:`healthy`. With ``runs=None`` the parameters carry no
batch axis: the one run of :func:`~playground.training.runner.run`, whose
checks take the fast scalar path. With ``runs=R`` they carry a leading axis
of R copies, the optimizer holds one value per run of any hyperparameter
that differs between runs, and one ``step`` advances them all; a run that
diverges is dropped from the batch at that step, so it never computes again,
cannot raise warnings or touch the other runs, and the others get cheaper.

Each step: the probe (the loss and gradient at the step's parameters over the
data its gradient uses: all samples, or ``accumulate`` mini-batches averaged
by size, so the result is the mean over every sample seen even when an
epoch's last batch is short), the divergence check on that probe loss (the
full-data loss after the last step), the record of the full-data loss (free
with a full-batch gradient, an extra pass otherwise, so only at recorded
steps), then the update. ``diverged_at`` is judged on the probe, never on
whether a step is recorded, so it does not depend on ``record``.

Features plug into this loop rather than a second one:

- a learning-rate schedule (:mod:`optimizers.schedules`) hands step k's lr
  (and momentum, where it cycles one) to the one ``opt.scheduled_step``
  call, so the step stays pure and no optimizer is rebuilt; a schedule of
  the step alone hands over its values ``AHEAD`` steps at a time (one call,
  not one between every two steps' numpy work), and one that follows the
  loss (``plateau``) keeps a state per run, advanced with the step's probe
  loss (so it never depends on ``record``);
- gradient noise (``settings["grad_noise"]`` = sigma > 0) is added to ``g``
  right after the probe, drawn from its own generator seeded from
  ``settings["seed"]`` so the data order is unchanged; every run of a batch
  gets the same draw, as its own run() would;
- an optimizer whose reported point differs from where its gradient is taken
  (schedule-free) has the recorded losses and snapshots taken at
  ``opt.eval_params(p, state)``, while divergence is still checked at ``p``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from optimizers import Optimizer, Schedule
from optimizers.tree import Tree, all_finite, leaves, names, tree_map

from ..problems import Problem
from .run_spec import ACCUMULATE, RECORD, SEED, SHUFFLE, STEPS, check_batch_size, check_grad_noise

#: A run is stopped as diverged once its loss exceeds this multiple of max(1, |initial loss|).
BLOWUP_FACTOR = 1e8

#: Steps of a schedule's values computed at once (Schedule.values_ahead): few calls, and memory that stays flat.
AHEAD = 256

#: ``progress(done, total)``: steps done so far out of the total.
Progress = Callable[[int, int], None]


#: Mixed into the seed of the gradient-noise generator, so its draws are not the mini-batch generator's.
NOISE_STREAM = 0x6E6F697365


def check_settings(problem: Problem, steps: Any, batch_size: Any, accumulate: Any, shuffle: Any, seed: Any,
                   record: Any, grad_noise: Any = 0.0) -> dict[str, Any]:
    """The settings of a run (or of every run of a sweep), each read through its one declaration
    (:mod:`playground.training.run_spec`): ValueError names a bad value and its range."""
    return dict(steps=STEPS.validate(steps, runs=False), batch_size=check_batch_size(batch_size, problem.n_samples),
                accumulate=ACCUMULATE.validate(accumulate, runs=False), shuffle=SHUFFLE.validate(shuffle),
                seed=SEED.validate(seed, runs=False), record=RECORD.validate(record, runs=False),
                grad_noise=check_grad_noise(grad_noise, problem))


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


def blowup_bound(initial_loss: Any) -> float:
    """The loss above which a run counts as diverged: ``BLOWUP_FACTOR`` x max(1, |initial loss|)."""
    return BLOWUP_FACTOR * max(1.0, abs(float(initial_loss)))


def healthy(loss: Any, params: Tree, bound: float) -> bool | np.ndarray:
    """The divergence rule: whether the params are finite and the loss is finite and at most ``bound``.

    For one run ``loss`` is a number and the answer one bool. For R runs at
    once ``loss`` has shape (R,), every block of ``params`` a leading axis R,
    and the answer is one bool per run. Call it under
    ``np.errstate(all="ignore")``: the values tested may be on their way to
    overflow.
    """
    if type(loss) is np.ndarray and loss.ndim:
        ok = np.isfinite(loss) & (loss <= bound)
        for x in leaves(params):
            # Row sums, as in all_finite: any inf or nan in a run makes its sum non-finite.
            ok &= np.isfinite(x.reshape(len(loss), -1).sum(axis=1))
        return ok
    # The one-run case is tested inline: the loop calls this every step.
    return math.isfinite(loss) and loss <= bound and all_finite(params)


def divergence(k: int, params: Tree, loss: Any, bound: float) -> str | None:
    """Why step ``k`` of one run counts as diverged, in words, or None if it does not."""
    if not all_finite(params):
        return f"the parameters became non-finite at step {k}"
    if not np.isfinite(loss):
        return f"the loss became {float(np.real(loss))} at step {k}"
    if loss > bound:
        return f"the loss reached {float(loss):.3g} at step {k}, over {BLOWUP_FACTOR:g} x its start"
    return None


@dataclass(frozen=True, eq=False)
class Outcome:
    """What :func:`drive` produced; row r of every array is run r (one row for ``runs=None``).

    ``steps`` are the recorded steps (:func:`record_schedule`); ``losses``
    (R, len(steps)) the full-data loss there, NaN from a run's divergence on;
    ``snapshots`` the parameters there, each block (R, len(steps), *shape), or
    None when not asked for. ``final_params`` and ``final_losses`` are each
    run's parameters and full-data loss at its last step: ``settings["steps"]``,
    or the step it diverged at. ``diverged_at`` is that step, -1 for none, and
    ``reasons`` says why in words (None for none).

    With a schedule, ``lrs`` (R, len(steps) - 1) holds the lr of the step
    that produced each recorded snapshot after the start (NaN for steps not
    taken) and ``final_lrs`` (R,) the lr of each run's last step taken;
    ``momenta`` and ``final_momenta`` the same for a cycled momentum (or
    beta1). Each is None where it does not apply.

    For an optimizer that reports an averaged point (Schedule-Free, ASGD:
    :meth:`~optimizers.Optimizer.eval_params`), ``losses``, ``snapshots``
    and the final values are at that point, while divergence is judged where
    the gradients are taken; ``gradient_snapshots`` holds those points.
    ``inspected`` is what ``inspect=k`` kept.
    """

    steps: np.ndarray
    losses: np.ndarray
    snapshots: Tree | None
    final_params: Tree
    final_losses: np.ndarray
    diverged_at: np.ndarray
    reasons: list[str | None]
    gradient_snapshots: Tree | None = None
    inspected: tuple[Tree, Tree, Any, dict[str, Any]] | None = None
    lrs: np.ndarray | None = None
    final_lrs: np.ndarray | None = None
    momenta: np.ndarray | None = None
    final_momenta: np.ndarray | None = None


def drive(problem: Problem, opt: Optimizer, params0: Tree, settings: Mapping[str, Any], *, runs: int | None = None,
          snapshots: bool = False, progress: Callable[[int], None] | None = None, every: int = 1,
          schedule: Schedule | None = None, inspect: int | None = None) -> Outcome:
    """Run ``opt`` on ``problem`` from ``params0`` (one set of parameters, no batch axis) and record it.

    ``settings`` are :func:`check_settings`'s, already checked; ``params0``
    fits the problem and ``opt`` (with ``runs=R``) holds R values of each
    per-run hyperparameter: the callers check both before calling.
    ``snapshots`` keeps the parameters at the recorded steps.
    ``progress(done)`` is called after every ``every``-th step but the last
    (the caller reports the end). ``schedule`` sets each step's lr (the same
    description for every run, one state per run). ``inspect=k`` (one run)
    keeps what step k+1 is taken from, for :func:`~playground.training.replay.anatomy`:
    the parameters, gradient, state and schedule override at step k. See the
    module docstring for the loop.
    """
    steps, accumulate = settings["steps"], settings["accumulate"]
    full_batch = settings["batch_size"] is None
    loss_at, value_and_grad = problem.unchecked()
    batches = batch_schedule(problem.n_samples, settings["batch_size"], settings["shuffle"],
                             np.random.default_rng(settings["seed"]))
    single = runs is None
    n_runs = 1 if single else runs
    with np.errstate(all="ignore"):
        bound = blowup_bound(loss_at(params0, None))
    p = params0 if single else tree_map(lambda x: np.repeat(x[None], n_runs, axis=0), params0)
    state = opt.init(p)
    # The schedule's state is made here, per run: init checks that it can drive this optimizer this long.
    sched = None if schedule is None else schedule.init(opt, steps)
    sigma = settings.get("grad_noise", 0.0)
    noise = np.random.default_rng((NOISE_STREAM, settings["seed"])) if sigma else None

    rec_steps = record_schedule(steps, settings["record"])
    rec = {s: j for j, s in enumerate(rec_steps.tolist())}
    losses = np.full((n_runs, len(rec_steps)), np.nan)
    blocks = list(zip(names(params0), leaves(params0)))
    snaps = ({name: np.full((n_runs, len(rec_steps)) + x.shape, np.nan, x.dtype) for name, x in blocks}
             if snapshots else None)
    final_p = {name: np.full((n_runs,) + x.shape, np.nan, x.dtype) for name, x in blocks}
    final_loss = np.full(n_runs, np.nan)
    diverged_at = np.full(n_runs, -1)
    reasons: list[str | None] = [None] * n_runs
    lrs = moms = final_lr = final_mom = None
    if sched is not None:
        lrs, final_lr = np.full((n_runs, len(rec_steps) - 1), np.nan), np.full(n_runs, np.nan)
        if sched.momentum:
            moms, final_mom = np.full_like(lrs, np.nan), np.full(n_runs, np.nan)
    # Where each row of the batch writes: run 0 for one run, else the runs still in the batch.
    rows: int | np.ndarray = 0 if single else np.arange(n_runs)
    # Schedule-Free and ASGD report an averaged point: losses and snapshots are taken there, and the
    # gradient point's snapshots are kept beside them; the base method is the identity, so others pay nothing.
    averaged = type(opt).eval_params is not Optimizer.eval_params
    gsnaps = ({name: np.full((n_runs, len(rec_steps)) + x.shape, np.nan, x.dtype) for name, x in blocks}
              if snapshots and averaged else None)
    inspected = None

    # The lr and momentum of the last step taken, for the runs in ``rows``: written to final_lr and final_mom
    # when a run stops, not on every step.
    last_lr = last_mom = None
    # A schedule of the step alone hands its values over AHEAD steps at a time, ``ahead[i]`` those of step
    # ``ahead_at + i``; its state is not advanced (its state after k steps is ``sched._replace(t=k)``). One that
    # follows the loss (plateau) goes step by step.
    follows = schedule is not None and schedule.follows_loss
    ahead: list[tuple[Any, Any]] = []
    ahead_at = 0

    def finish(at: int | np.ndarray, p: Tree, loss: Any, keep: np.ndarray | None = None) -> None:
        for name, x in zip(names(p), leaves(p)):
            final_p[name][at] = x
        final_loss[at] = loss
        if last_lr is not None:  # ``keep``: which of the current rows stop here (an lr per run is cut with it)
            final_lr[at] = last_lr if keep is None else _per_run(last_lr, keep)
            if final_mom is not None:
                final_mom[at] = last_mom if keep is None else _per_run(last_mom, keep)

    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            if k < steps:
                probe, g = (value_and_grad(p, None) if full_batch
                            else _accumulated(value_and_grad, p, batches, accumulate))
                if noise is not None:
                    # One draw shaped like one run's parameters, shared by every run of the batch.
                    g = tree_map(lambda x: x + sigma * noise.standard_normal(x.shape[0 if single else 1:]), g)
            j = rec.get(k)
            if j and lrs is not None:  # the lr (and momentum) of the step that produced this record
                lrs[rows, j - 1] = last_lr
                if moms is not None:
                    moms[rows, j - 1] = last_mom
            # The full-data loss comes free with a full-batch gradient; with
            # mini-batches it costs a pass over the data, so only when recorded.
            loss = probe if full_batch and k < steps else loss_at(p, None) if j is not None else None
            check = probe if k < steps else loss
            ok = healthy(check, p, bound)
            if single:
                if not ok:
                    finish(0, p, loss_at(p, None) if loss is None else loss)
                    diverged_at[0], reasons[0] = k, divergence(k, p, check, bound)
                    break
            elif not ok.all():
                bad = ~ok
                at, p_bad, check_bad = rows[bad], _rows(p, bad), check[bad]
                finish(at, p_bad, loss_at(p_bad, None) if loss is None else loss[bad], bad)
                diverged_at[at] = k
                for i, r in enumerate(at.tolist()):
                    reasons[r] = divergence(k, tree_map(lambda x: x[i], p_bad), check_bad[i], bound)
                if not ok.any():
                    break
                rows, p, g, opt = rows[ok], _rows(p, ok), _rows(g, ok), opt.select_runs(ok)
                probe = probe[ok]
                if sched is not None:
                    sched = schedule.select_runs(sched, ok)
                    ahead, ahead_at = [], k  # values known ahead, of every run: asked again for the runs kept
                    last_lr, last_mom = _per_run(last_lr, ok), _per_run(last_mom, ok)
                state = state._replace(buffers={b: _rows(t, ok) for b, t in state.buffers.items()})
                loss = None if loss is None else loss[ok]
            if j is not None:
                shown, shown_loss = p, loss
                if averaged:
                    shown = opt.eval_params(p, state)
                    shown_loss = loss_at(shown, None)
                    if gsnaps is not None:
                        for name, x in zip(names(p), leaves(p)):
                            gsnaps[name][rows, j] = x
                losses[rows, j] = shown_loss
                if snaps is not None:
                    for name, x in zip(names(shown), leaves(shown)):
                        snaps[name][rows, j] = x
            if k == steps:  # always recorded, so shown is this step's
                finish(rows, shown, shown_loss)
                break
            if follows:
                lr, mom = schedule.values(sched)
            elif sched is not None:
                if k - ahead_at == len(ahead):
                    ahead, ahead_at = schedule.values_ahead(sched._replace(t=k), min(AHEAD, steps - k)), k
                lr, mom = ahead[k - ahead_at]
            if k == inspect:
                inspected = (p, g, state, {} if sched is None else opt.scheduled(lr, mom))
            if sched is None:
                p, state = opt.step(p, g, state)
            else:
                p, state = opt.scheduled_step(p, g, state, lr, mom)
                if follows:
                    sched = schedule.advance(sched, probe)
                last_lr, last_mom = lr, mom
            if progress is not None and (k + 1) % every == 0 and k + 1 < steps:
                progress(k + 1)

    def tree(blocks: dict[str, np.ndarray]) -> Tree:
        return blocks if isinstance(params0, dict) else blocks[""]

    return Outcome(steps=rec_steps, losses=losses, snapshots=None if snaps is None else tree(snaps),
                   final_params=tree(final_p), final_losses=final_loss, diverged_at=diverged_at, reasons=reasons,
                   lrs=lrs, final_lrs=final_lr, momenta=moms, final_momenta=final_mom,
                   gradient_snapshots=None if gsnaps is None else tree(gsnaps), inspected=inspected)


def _rows(tree: Tree, which: np.ndarray) -> Tree:
    return tree_map(lambda x: x[which], tree)


def _per_run(value: Any, which: np.ndarray) -> Any:
    """A scheduled value for the runs ``which`` selects: one per run is cut, one shared by all (or None) kept."""
    return value if np.ndim(value) == 0 else value[which]


def _accumulated(value_and_grad: Callable[[Tree, np.ndarray | None], tuple[Any, Tree]], p: Tree,
                 batches: Iterator[np.ndarray | None], accumulate: int) -> tuple[Any, Tree]:
    """Mean loss and gradient over ``accumulate`` mini-batches, each weighted by its size.

    Weighting by size makes the result the mean over every sample seen, even
    when an epoch's last batch is short.
    """
    idx = next(batches)
    value, g = value_and_grad(p, idx)
    if accumulate == 1:
        return value, g
    total = len(idx)
    value, g = value * total, tree_map(lambda x: x * total, g)
    for _ in range(accumulate - 1):
        idx = next(batches)
        v, gi = value_and_grad(p, idx)
        value += v * len(idx)
        g = tree_map(lambda a, b: a + b * len(idx), g, gi)
        total += len(idx)
    return value / total, tree_map(lambda x: x / total, g)
