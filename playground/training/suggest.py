"""Suggested hyperparameters: a learning rate per problem and optimizer that converges rather than diverges.

::

    s = suggest("rosenbrock", {}, "momentum")
    s.hp, s.source, s.reason        # {"lr": 0.001}, "pilot", "best of 13 learning rates (1e-06 to 1) ..."
    runs = suggested_runs("beale", {}, runs)   # each run's optimizer with its suggestion

Only the learning rate is suggested; every other hyperparameter keeps its
declared default, the setting the suggestion was found for. The rules, in
order:

1. ``lipschitz``: the problem has a constant curvature L and the optimizer
   states its own stability bound on a quadratic
   (:meth:`~optimizers.Optimizer.lr_bound`): lr = :data:`BOUND_FRACTION` of
   it. For GD that is the classic 1/L.
2. ``pilot``: a short vectorised sweep (:func:`~playground.training.sweep.sweep`,
   one batched run per learning rate) over a log grid around the optimizer's
   default lr: the lr with the lowest final loss among those at least
   :data:`MARGIN` times below the smallest lr that diverged. Every registered
   optimizer, plugins included, gets one this way. The tests check that
   none of these diverges in a 200-step comparison of any problem, so no
   hand-chosen values are needed yet.
3. ``defaults``: an optimizer that declares no ``lr`` keeps its defaults.

An optimizer that refuses the problem's parameters (Muon on a problem with no
weight matrix) is "not applicable": its suggestion has ``hp`` None and its
refusal as the reason. Values are rounded down to two significant digits, so
labels stay readable. Suggestions are computed once per problem, settings and
optimizer class (an ``lru_cache``): the pilot is for the default training
settings (full batch, seed 0, :data:`PILOT_STEPS` steps).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

import optimizers
from optimizers import Optimizer
from optimizers.hyperparams import validate_all

from .. import problems
from ..problems import Problem
from .run_spec import RunSpec
from .sweep import sweep

#: The optimizers of a comparison's default runs, in order.
DEFAULT_TRIO = ("gd", "momentum", "adam")
#: The suggested lr where a stability bound is known: this fraction of it (GD: 1/L).
BOUND_FRACTION = 0.5
#: The pilot's learning rates: the optimizer's default lr times these, half a decade apart.
PILOT_FACTORS = np.logspace(-3.0, 3.0, 13)
#: Steps of the pilot sweep: few, so that all optimizers take well under a second on a 2-D function.
PILOT_STEPS = 50
#: The pilot's mini-batch size on problems with more samples: its cost does not grow with the data.
PILOT_BATCH = 256
#: The pilot keeps learning rates at least this factor below the smallest one that diverged: an lr that
#: survives the short pilot at the edge of stability may not survive a longer run.
MARGIN = 3.0


@dataclass(frozen=True)
class Suggestion:
    """The suggested hyperparameters ``hp`` of ``optimizer`` on one problem, or None where it does not apply.

    ``source`` is ``"lipschitz"``, ``"pilot"``, ``"defaults"`` or
    ``"not applicable"`` (see the module docstring); ``reason`` says in words
    where the value comes from, or why the optimizer does not apply.
    """

    optimizer: str
    hp: Mapping[str, Any] | None
    source: str
    reason: str

    @property
    def applicable(self) -> bool:
        return self.hp is not None

    def apply(self, run: RunSpec) -> RunSpec:
        """``run`` with its hyperparameters replaced by these (its batching kept); ``run`` itself if not applicable."""
        if self.hp is None:
            return run
        return replace(run, optimizer=self.optimizer, hp=dict(self.hp), lr_scale="absolute")


def suggest(problem: str, settings: Mapping[str, Any], optimizer: str) -> Suggestion:
    """The suggestion for ``optimizer`` on problem ``problem`` with ``settings``.

    ValueError names an unknown problem or optimizer, or a refused setting.
    """
    spec = problems.spec(problem)
    full = validate_all(spec.settings, settings, owner=f"problem {problem!r}")
    opt_cls = optimizers.get(optimizer)
    # The class is part of the key: a plugin registered again under the same name is a new optimizer.
    return _suggest(spec.name, tuple(sorted(full.items())), opt_cls.name, opt_cls)


def suggest_all(problem: str, settings: Mapping[str, Any]) -> dict[str, Suggestion]:
    """The suggestion of every registered optimizer on the problem, by name, in registry order."""
    return {name: suggest(problem, settings, name) for name in optimizers.available()}


def suggested_runs(problem: str, settings: Mapping[str, Any], runs: Sequence[RunSpec]) -> tuple[RunSpec, ...]:
    """``runs`` with each run's hyperparameters replaced by its optimizer's suggestion (batching kept).

    A run whose optimizer does not apply to the problem is kept as it is, so
    the check that refuses it still says why. A bug gallery's buggy updater
    keeps its lr, which means GD's there, where its seed code runs on the
    problem, and becomes GD with GD's suggestion where it does not.
    """
    built = problems.create(problem, **settings)

    def suggested(r: RunSpec) -> RunSpec:
        if r.updater is None:
            return suggest(problem, settings, r.optimizer).apply(r)
        return r if r.updater.runs_on(built) is None else suggested_run(problem, settings, "gd")

    return tuple(suggested(r) for r in runs)


def suggested_run(problem: str, settings: Mapping[str, Any], optimizer: str) -> RunSpec:
    """A full-batch run of ``optimizer`` with its suggestion (its defaults where it does not apply)."""
    return suggest(problem, settings, optimizer).apply(RunSpec(optimizer))


def default_runs(problem: str, settings: Mapping[str, Any]) -> tuple[RunSpec, ...]:
    """The runs a comparison on the problem starts with: :data:`DEFAULT_TRIO`, each with its suggestion."""
    return tuple(suggested_run(problem, settings, name) for name in DEFAULT_TRIO)


@lru_cache(maxsize=1024)
def _suggest(problem: str, settings: tuple[tuple[str, Any], ...], name: str, opt_cls: type[Optimizer]) -> Suggestion:
    built = problems.create(problem, **dict(settings))
    default = opt_cls()
    try:
        default.init(built.init_params(0))
    except ValueError as exc:  # e.g. Muon on params with no matrix block: its own message says why
        return Suggestion(name, None, "not applicable", str(exc))
    if "lr" not in default.hp:
        return Suggestion(name, {}, "defaults", f"{name} declares no lr: its defaults")
    bound = default.lr_bound(built.lipschitz)
    if bound is not None:
        lr = round_down(BOUND_FRACTION * float(bound))
        return Suggestion(name, {"lr": lr}, "lipschitz",
                          f"lr = {BOUND_FRACTION:g} × {default.lr_bound_text(built.lipschitz) or f'{bound:.3g}'}, "
                          f"the stability bound on a quadratic with L = {built.lipschitz:.3g}")
    return _pilot(built, name, float(default.hp["lr"]))


def _pilot(problem: Problem, name: str, default_lr: float) -> Suggestion:
    """The pilot sweep's choice (rule 2 of the module docstring)."""
    # Mini-batches of at most PILOT_BATCH samples: the pilot of a 100,000-sample problem stays as quick as any other.
    batch = None if problem.n_samples <= PILOT_BATCH else PILOT_BATCH
    result = sweep(problem, name, lrs=default_lr * PILOT_FACTORS, steps=PILOT_STEPS, batch_size=batch, seed=0,
                   record=2)
    lrs, losses, diverged = result.lrs, result.final_losses, result.diverged
    first_diverged = lrs[diverged].min() if diverged.any() else math.inf
    safe = ~diverged & (lrs * MARGIN <= first_diverged)
    where = (f"best of {len(lrs)} learning rates ({lrs[0]:.2g} to {lrs[-1]:.2g}) after a {PILOT_STEPS}-step "
             f"pilot sweep")
    if not safe.any():
        # Even the smallest lr is too close to divergence: go a margin below it.
        lr = round_down(lrs[0] / MARGIN)
        return Suggestion(name, {"lr": lr}, "pilot", f"{where}: every one was too close to diverging, so "
                                                     f"{MARGIN:g}× below the smallest")
    best = int(np.flatnonzero(safe)[np.argmin(losses[safe])])
    note = "" if math.isinf(first_diverged) else f", at least {MARGIN:g}× below {first_diverged:.2g}, which diverged"
    return Suggestion(name, {"lr": round_down(float(lrs[best]))}, "pilot", where + note)


def round_down(x: float, digits: int = 2) -> float:
    """``x`` > 0 rounded towards zero to ``digits`` significant digits: 0.2068 -> 0.2, 3.929 -> 3.9."""
    exponent = math.floor(math.log10(x)) - digits + 1
    mantissa = math.floor(x / 10.0 ** exponent * (1 + 1e-12))  # 1e-12: 0.3 / 0.1 is 2.9999999999999996
    return float(f"{mantissa}e{exponent}")
