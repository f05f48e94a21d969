"""Tune, then race: each optimizer's best learning rate (and momentum or beta1) by one vectorised sweep each.

::

    result = tune(problem, ["gd", "momentum", "adam"], steps=300, tol=1e-6)
    result.table()              # per optimizer: the tuned configuration and its criterion value
    result.tuned[0].curve       # final suboptimality against lr, at the tuned momentum
    cmp = result.comparison()   # the tuned runs as a playground.setups.comparison.Comparison
    trajectories = result.race()

**Fair by construction.** Every optimizer gets the same budget (``steps``),
the same seed (start and data), full-batch gradients and the same number of
configurations (``points``). Its lr grid is logarithmic, ``decades`` either
side of its own default lr (``optimizers.get(name)``'s ``lr`` default), so
Adam (1e-3) and Adadelta (1) are each searched where they live. An optimizer
with a momentum (or beta1, :func:`~playground.training.sweep.momentum_hyperparam`)
spends its points on ``points / len(momenta)`` learning rates x ``momenta``;
one without spends them all on learning rates.

**Criterion.** Suboptimality is the full-data loss minus the best known
minimum's (:func:`~playground.setups.comparison.min_known_loss`). A run
"reaches" the tolerance at the first step from which its suboptimality
stays at most ``tol`` to the end of the budget (a run that touches tol and
bounces out has not reached it), counted exactly: the tuning sweeps record
every step. The best
configuration is the one that reaches ``tol`` in the fewest steps (ties go
to the lower final suboptimality); if none reaches it, the one with the
lowest final suboptimality. Runs that diverge are never chosen.

An optimizer that refuses the problem (``muon`` on parameters without a
matrix block) is skipped, and ``skipped`` says why in its own words.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from optimizers import create, get

from ..problems import Problem
from ..training.run_spec import RunSpec, SEED, STEPS
from ..training.runner import Trajectory
from . import cost
from .comparison import NOT_REACHED, Comparison, min_known_loss, number_text
from .cost import Estimate
from .sweep import SweepSetup
from ..training.sweep import SweepResult, momentum_hyperparam, optimizer_names, sweep

#: Momenta (or beta1) tried for optimizers that have one; all > 0, as Nesterov requires.
MOMENTA = (0.5, 0.8, 0.9, 0.95)
#: Configurations per optimizer: 12 lrs x 4 momenta, or 48 lrs.
POINTS = 48
#: The lr grid spans this many decades either side of each optimizer's default.
DECADES = 3.0
#: The tuning table's steps: to within tol and staying there, the criterion, where a run's results table counts
#: the first step within tol; so a tuned run's race can show fewer.
STEPS_COLUMN = "steps to stay within tol"


@dataclass(frozen=True, eq=False)
class Tuned:
    """One optimizer's tuning: its best configuration, the criterion there, and its lr sensitivity.

    ``steps_to_tol`` is None when no configuration reached the tolerance;
    then the choice was by ``final_gap`` (final suboptimality, never below 0). ``lrs`` is the
    searched grid; ``curve`` and ``curve_steps`` the final suboptimality and
    the steps to tol (-1 for never) at each lr, at the tuned momentum (NaN and
    -1 where a run diverged). ``momentum`` is None for an optimizer without one.
    """

    optimizer: str
    default_lr: float
    lr: float
    momentum: float | None
    momentum_label: str | None
    steps_to_tol: int | None
    final_gap: float
    lrs: np.ndarray
    curve: np.ndarray
    curve_steps: np.ndarray
    spec: RunSpec

    @property
    def at_edge(self) -> bool:
        """Whether the tuned lr is the grid's smallest or largest: the best may lie outside, so widen ``decades``."""
        return self.lr in (self.lrs[0], self.lrs[-1])

    @property
    def criterion(self) -> str:
        """The criterion's value in words: steps to tol, else the final suboptimality at the budget."""
        if self.steps_to_tol is not None:
            return f"{self.steps_to_tol} steps to tol"
        return f"final gap {self.final_gap:.3g} (tol not reached)"


@dataclass(frozen=True, eq=False)
class TuneResult:
    """What :func:`tune` found; ``tuned`` follows the order asked, ``skipped`` maps a name to why."""

    problem: str
    settings: dict[str, Any]
    steps: int
    tol: float
    seed: int
    points: int
    momenta: tuple[float, ...]
    decades: float
    tuned: tuple[Tuned, ...]
    skipped: dict[str, str]
    wall_time: float

    @property
    def budget(self) -> str:
        """The shared budget in words, for every display of the result."""
        return (f"{self.steps} steps, seed {self.seed}, full batch, {self.points} configurations per optimizer "
                f"(lr over ±{self.decades:g} decades around its default; momentum or beta1 in "
                f"{'/'.join(f'{m:g}' for m in self.momenta)} where it has one), tol {self.tol:g}")

    def table(self) -> list[dict[str, Any]]:
        """One row per tuned optimizer, then one per skipped optimizer with its reason. Its steps are
        :data:`STEPS_COLUMN`'s: to tol and staying there, where a results table counts the first step within tol."""
        rows = [{"optimizer": t.optimizer, "default lr": t.default_lr, "tuned lr": t.lr,
                 "momentum/beta1": t.momentum, STEPS_COLUMN: t.steps_to_tol, "final gap": t.final_gap,
                 "note": _note(t)} for t in self.tuned]
        rows += [{"optimizer": name, "note": f"skipped: {reason}"} for name, reason in self.skipped.items()]
        return rows

    def table_text(self) -> list[dict[str, str]]:
        """:meth:`table` as a table shows it, every cell text: learning rates and momenta to 4 significant
        digits, the final gap in scientific notation, a tolerance never reached :data:`NOT_REACHED`, and
        every other missing number (a skipped optimizer's, a momentum the rule has not) :data:`NO_VALUE`."""
        def steps(row: dict[str, Any]) -> str:  # a skipped optimizer's row has no tuned lr
            return (NOT_REACHED if "tuned lr" in row and row[STEPS_COLUMN] is None
                    else number_text(row.get(STEPS_COLUMN), "d"))

        return [{"optimizer": row["optimizer"], "default lr": number_text(row.get("default lr"), ".4g"),
                 "tuned lr": number_text(row.get("tuned lr"), ".4g"),
                 "momentum/beta1": number_text(row.get("momentum/beta1"), ".4g"), STEPS_COLUMN: steps(row),
                 "final gap": number_text(row.get("final gap"), ".3e"), "note": row["note"]} for row in self.table()]

    def comparison(self) -> Comparison:
        """The tuned runs as a :class:`~playground.setups.comparison.Comparison` with the same budget, seed and tol."""
        if not self.tuned:
            raise ValueError(f"Invalid tuning: no optimizer could be tuned ({'; '.join(self.skipped.values())})")
        cmp = Comparison(self.problem, self.settings, tuple(t.spec for t in self.tuned), steps=self.steps,
                         seed=self.seed, tol=self.tol)
        cmp.validate()
        return cmp

    def race(self) -> list[Trajectory]:
        """The tuned runs side by side: :meth:`comparison` run."""
        return self.comparison().run()


def _note(t: Tuned) -> str:
    notes = ([] if t.steps_to_tol is not None else ["tol not reached: chosen by final gap"]) + (
        ["lr at the grid's edge: the best may lie beyond"] if t.at_edge else [])
    return "; ".join(notes)


def lr_grid(optimizer: str, n: int, decades: float = DECADES) -> np.ndarray:
    """``n`` learning rates spaced geometrically over default x 10^(±decades), the default lr of ``optimizer``,
    each to 4 significant digits: a tuned run's label and link then read "lr=0.1714", as a person writes it."""
    default = _default_lr(optimizer)
    return np.array([float(f"{lr:.4g}") for lr in np.geomspace(default * 10.0 ** -decades,
                                                                default * 10.0 ** decades, n)])


def tune(problem: Problem, optimizers: str | Sequence[str], steps: int, tol: float, points: int = POINTS,
         seed: int = 0, momenta: Sequence[float] = MOMENTA, decades: float = DECADES) -> TuneResult:
    """Tune every optimizer of ``optimizers`` (a name or several) on ``problem`` under one budget; see the module docstring.

    ``points`` must be a multiple of ``len(momenta)``. Bad arguments raise
    ValueError naming the value and its range before any work starts.
    """
    names = optimizer_names(optimizers)
    steps = STEPS.validate(steps, runs=False)
    seed = SEED.validate(seed, runs=False)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"Invalid tol: {tol!r}. Allowed range: (0, inf)")
    momenta = tuple(float(m) for m in momenta)
    if not momenta or not all(0 < m < 1 for m in momenta):
        raise ValueError(f"Invalid momenta: {momenta!r}. Expected one or more values in (0, 1)")
    if not (isinstance(points, (int, np.integer)) and points > 0 and points % len(momenta) == 0):
        raise ValueError(f"Invalid points: {points!r}. Allowed: a positive multiple of {len(momenta)} (the momenta)")
    if not (np.isfinite(decades) and decades > 0):
        raise ValueError(f"Invalid decades: {decades!r}. Allowed range: (0, inf)")

    p0 = problem.init_params(seed)
    f_star = min_known_loss(problem)
    tuned, skipped = [], {}
    t0 = time.perf_counter()
    for name in names:
        try:
            create(name).init(p0)
        except ValueError as exc:  # the optimizer refuses these parameters (muon without a matrix block)
            skipped[name] = str(exc)
            continue
        has_momentum = momentum_hyperparam(name) is not None
        lrs = lr_grid(name, points // len(momenta) if has_momentum else points, decades)
        # Every step recorded, so steps to tol are exact.
        result = sweep(problem, name, lrs, np.array(momenta) if has_momentum else None, steps=steps, seed=seed,
                       record=steps + 1)
        tuned.append(_best(result, name, f_star, tol))
    return TuneResult(problem.name, dict(problem.settings), steps, float(tol), seed, points, momenta, float(decades),
                      tuple(tuned), skipped, time.perf_counter() - t0)


def tune_comparison(cmp: Comparison, points: int = POINTS) -> TuneResult:
    """:func:`tune` of the distinct optimizers of ``cmp``'s runs, with its problem, steps, seed and tol."""
    problem = cmp.validate()
    return tune(problem, _distinct(cmp), cmp.steps, cmp.tol, points=points, seed=cmp.seed)


def work(cmp: Comparison, points: int = POINTS) -> Estimate:
    """The estimated time of :func:`tune_comparison` (:mod:`playground.setups.cost`): a full-batch sweep of
    ``points`` learning rates per distinct optimizer, for the comparison's steps."""
    problem = cmp.build_problem()
    grid = SweepSetup(cmp.problem, cmp.settings, _distinct(cmp), lr_points=points, momentum_points=0, steps=cmp.steps,
                      seed=cmp.seed)
    return cost.sweep(grid, problem)


def _distinct(cmp: Comparison) -> tuple[str, ...]:
    """The optimizers of ``cmp``'s runs, each once, in run order: two Adam runs are one tuning."""
    return tuple(dict.fromkeys(r.optimizer for r in cmp.runs))


def _best(result: SweepResult, name: str, f_star: float, tol: float) -> Tuned:
    """The best configuration of one optimizer's tuning sweep by the criterion, with its sensitivity curve."""
    within = result.losses - f_star <= tol  # NaN (after a divergence) compares False
    # Within tol from each step to the budget's end: a run that touches tol and bounces out has not reached it.
    stays = np.flip(np.logical_and.accumulate(np.flip(within, axis=1), axis=1), axis=1)
    first = np.where(stays[:, -1], np.argmax(stays, axis=1), -1)
    steps_to = np.where(first >= 0, result.steps[np.maximum(first, 0)], -1)
    # Round-off can put a loss a few ulps below loss*: that run is at the minimum, a gap of 0, not a negative one.
    final = np.where(result.diverged, np.nan, np.maximum(result.final_losses - f_star, 0.0))
    if (steps_to >= 0).any():
        # Fewest steps first, then the lower final gap: lexsort sorts by its last key first.
        candidates = np.flatnonzero(steps_to >= 0)
        best = candidates[np.lexsort((final[candidates], steps_to[candidates]))[0]]
    elif np.isfinite(final).any():
        best = int(np.nanargmin(final))
    else:
        raise ValueError(f"Every configuration of {name!r} diverged: lr {result.lrs[0]:.3g} to {result.lrs[-1]:.3g}. "
                         "Tune over more decades")
    config = result.configs[best]
    index = result.grid(np.arange(len(result)))
    column = index if result.momenta is None else index[:, list(result.momenta).index(config.momentum)]
    return Tuned(name, _default_lr(name), config.lr, None if result.momenta is None else config.momentum,
                 None if result.momenta is None else result.momentum_label,
                 int(steps_to[best]) if steps_to[best] >= 0 else None, float(final[best]), result.lrs,
                 final[column], steps_to[column], result.spec(best))


def _default_lr(optimizer: str) -> float:
    return float(next(h.default for h in get(optimizer).hyperparams if h.name == "lr"))
