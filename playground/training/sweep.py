"""Sweeps: a grid of configurations on one problem, all runs of a family in one vectorised pass.

::

    result = sweep(problem, "momentum", lrs=np.geomspace(1e-3, 1.0, 50), momenta=np.linspace(0, 0.95, 50))
    result.final_losses, result.diverged_at        # one entry per configuration
    result.grid(result.diverged_at)                 # the same, shaped (lr, momentum)
    fig = stability_map(result)                     # playground.viz.stability_map
    text = result.to_csv()

The configurations are the grid optimizer x lr x momentum, where "momentum"
is the optimizer's ``momentum`` or, for Adam-type optimizers, beta1 (the
first entry of ``betas``). Each optimizer family runs as one batch: the
parameters carry a leading axis of R runs (the problems' batch axis) and the
optimizer holds one lr and momentum per run (hyperparameters broadcast over
that axis), so one ``step`` advances every run.

Every run equals a separate :func:`~playground.training.runner.run` of its
configuration to round-off, because both are the one loop,
:func:`~playground.training.loop.drive`: the same start
``problem.init_params(seed)``, the same mini-batches (from the same seed,
shared by all runs), and the same divergence rule
(:func:`~playground.training.loop.healthy`). A run that diverges is dropped
from the batch at that step, so it never computes again: it cannot raise
warnings or touch the other runs, and the remaining runs get cheaper.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

import optimizers
from optimizers import HyperParam, Optimizer, Schedule, schedules

from .run_spec import RunSpec
from ..problems import Problem
from .loop import Progress, check_settings, drive
from .runner import Trajectory, run

#: Every value of a momentum axis. It stays below 1, as beta1 must: at momentum 1 the velocity never
#: decays and no learning rate is stable, so the map would hold nothing to see.
MOMENTUM_AXIS = HyperParam("momentum", 0.9, "momentum, or beta1 of an optimizer with betas", low=0.0, high=1.0,
                           high_open=True)


@dataclass(frozen=True)
class Config:
    """One configuration: an optimizer, its lr, and its momentum (or beta1); None if it has neither."""

    optimizer: str
    lr: float
    momentum: float | None


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What a sweep produced, one entry per configuration.

    ``configs`` lists the configurations in grid order (optimizer, then lr,
    then momentum, the last varying fastest); ``final_losses``,
    ``diverged_at`` and the rows of ``losses`` follow it. ``final_losses`` is
    the full-data loss after the last step, NaN for a run that diverged;
    ``diverged_at`` the step at which a run diverged, -1 for none;
    ``losses[i]`` the full-data loss of run i at the recorded ``steps``, NaN
    from its divergence on. ``momenta`` is None when only lr was swept; then
    ``Config.momentum`` holds the fixed value in effect. ``lipschitz`` and
    ``min_loss`` (the loss at the known optimum) come from the problem, for
    the stability map. ``run_settings`` are the settings every run shared
    (steps, batch_size, accumulate, shuffle, seed, record, grad_noise), and
    ``schedule`` the learning-rate schedule every run followed (None: none).
    """

    problem: str
    optimizers: tuple[str, ...]
    lrs: np.ndarray
    momenta: np.ndarray | None
    configs: tuple[Config, ...]
    final_losses: np.ndarray
    diverged_at: np.ndarray
    steps: np.ndarray
    losses: np.ndarray
    fixed_hyperparams: Mapping[str, Any]
    run_settings: dict[str, Any]
    lipschitz: float | None
    min_loss: float | None
    wall_time: float
    schedule: Schedule | None = None

    def __repr__(self) -> str:
        return (f"SweepResult({', '.join(self.optimizers)} on {self.problem}: {len(self)} configurations, "
                f"{int(self.diverged.sum())} diverged)")

    def __len__(self) -> int:
        return len(self.configs)

    @property
    def diverged(self) -> np.ndarray:
        """One bool per configuration."""
        return self.diverged_at >= 0

    @property
    def momentum_label(self) -> str:
        """What the momentum column holds: ``momentum``, ``beta1``, or ``momentum/beta1`` for a mix."""
        names = {"momentum": "momentum", "betas": "beta1", None: None}
        labels = dict.fromkeys(names[momentum_hyperparam(n)] for n in self.optimizers)
        return "/".join(label for label in labels if label) or "momentum"

    def grid(self, values: np.ndarray, optimizer: str | None = None) -> np.ndarray:
        """Per-configuration ``values`` of one optimizer family, shaped (lr,) or (lr, momentum).

        ``optimizer`` may be left out when the sweep has one family.
        ``grid(np.arange(len(result)))`` gives the configuration index of each cell.
        """
        if optimizer is None and len(self.optimizers) == 1:
            optimizer = self.optimizers[0]
        if optimizer not in self.optimizers:
            raise ValueError(f"Invalid optimizer {optimizer!r}: this sweep ran {', '.join(self.optimizers)}")
        shape = (len(self.optimizers), len(self.lrs)) + (() if self.momenta is None else (len(self.momenta),))
        return np.asarray(values).reshape(shape + np.shape(values)[1:])[self.optimizers.index(optimizer)]

    def build(self, optimizer: str, lr: Any, momentum: Any = None) -> Optimizer:
        """Optimizer ``optimizer`` with this sweep's fixed hyperparameters and the given lr and momentum.

        Floats give one configuration; arrays give one per run, as the sweep
        uses them and as :meth:`~optimizers.Optimizer.lr_bound` reads them.
        ``momentum=None`` leaves momentum (or beta1) at its fixed or default value.
        """
        return _build(optimizer, lr, momentum, self.fixed_hyperparams)

    def spec(self, i: int) -> RunSpec:
        """Configuration ``i`` as the :class:`~playground.setups.comparison.RunSpec` of a separate run."""
        c = self.configs[i]
        momentum = None if self.momenta is None else c.momentum
        return RunSpec(c.optimizer, _hyperparams(c.optimizer, c.lr, momentum, self.fixed_hyperparams),
                       self.run_settings["batch_size"], self.run_settings["accumulate"],
                       self.run_settings["grad_noise"], self.schedule)

    def rerun(self, problem: Problem, i: int, record: int | None = None,
              progress: Progress | None = None) -> Trajectory:
        """Configuration ``i`` as a separate :func:`~playground.training.runner.run`, with its parameter trajectory.

        ``record`` (how many snapshots to keep) defaults to the sweep's own.
        """
        spec = self.spec(i)
        s = self.run_settings
        return run(problem, spec.build(), s["steps"], batch_size=spec.batch_size, accumulate=spec.accumulate,
                   shuffle=s["shuffle"], seed=s["seed"], record=record or s["record"], label=spec.label,
                   progress=progress, schedule=spec.schedule, grad_noise=spec.grad_noise)

    def to_csv(self) -> str:
        """One row per configuration: optimizer, lr, momentum (or beta1), final loss, diverged at.

        Numbers are written exactly (repr); a diverged run has no final loss,
        and a run that did not diverge, or a family with no momentum, leaves
        that cell empty.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["optimizer", "lr", self.momentum_label, "final_loss", "diverged_at"])
        for c, loss, k in zip(self.configs, self.final_losses.tolist(), self.diverged_at.tolist()):
            writer.writerow([c.optimizer, repr(c.lr), "" if c.momentum is None else repr(c.momentum),
                             "" if k >= 0 else repr(loss), k if k >= 0 else ""])
        return out.getvalue()

    # Jupyter shows a sweep as its stability map. playground.viz draws it and imports this module, so
    # it is imported when a sweep is shown, not before.
    def _repr_png_(self) -> bytes:
        from ..viz.notebook import sweep_png
        return sweep_png(self)

    def _repr_html_(self) -> str:
        from ..viz.notebook import sweep_html
        return sweep_html(self)


def momentum_hyperparam(optimizer: str) -> str | None:
    """The hyperparameter a momentum axis sets on ``optimizer``: ``"momentum"``, ``"betas"`` (beta1), or None."""
    return optimizers.get(optimizer).momentum_name()


def sweep(problem: Problem, optimizer: str | Sequence[str], lrs: Sequence[float] | np.ndarray,
          momenta: Sequence[float] | np.ndarray | None = None, steps: int = 500, batch_size: int | None = None,
          accumulate: int = 1, shuffle: bool = True, seed: int = 0,
          fixed_hyperparams: Mapping[str, Any] | None = None, record: int = 100,
          progress: Progress | None = None, schedule: Schedule | str | None = None,
          grad_noise: float = 0.0) -> SweepResult:
    """Run every configuration of the grid ``optimizer`` x ``lrs`` x ``momenta`` on ``problem``.

    - ``optimizer``: a registered name, or several (one batched run each).
    - ``lrs``, ``momenta``: the axes; each is sorted and duplicates dropped.
      ``momenta=None`` sweeps lr only. Momentum values lie in [0, 1) and set
      ``momentum``, or beta1 for optimizers with ``betas``.
    - ``fixed_hyperparams``: the other hyperparameters, the same for every
      configuration (each family must accept them); with a beta1 axis, a
      fixed ``betas`` supplies beta2.
    - ``steps``, ``batch_size``, ``accumulate``, ``shuffle``, ``seed``: as in
      :func:`~playground.training.runner.run`, shared by every run.
    - ``record`` bounds the loss curves to that many evenly spaced steps.
    - ``progress(done, total)`` counts steps over all families.
    - ``schedule``, ``grad_noise``: as in :func:`~playground.training.runner.run`,
      the same for every configuration. Where the schedule derives its lr
      from the optimizer's, each configuration's lr scales with it; each run
      keeps its own schedule state (``plateau`` watches each run's loss).

    Bad arguments raise ValueError, naming the value and its range, before any work starts.
    """
    names = optimizer_names(optimizer)
    lrs = _axis("lrs", lrs)
    momenta = None if momenta is None else _axis("momenta", momenta)
    fixed = _fixed(fixed_hyperparams, momenta is not None)
    settings = check_settings(problem, steps, batch_size, accumulate, shuffle, seed, record, grad_noise)
    sched = schedules.from_value(schedule)
    in_effect = {name: _check_family(name, lrs, momenta, fixed) for name in names}

    mom_values = [None] if momenta is None else momenta.tolist()
    configs = tuple(Config(name, lr, in_effect[name] if m is None else m)
                    for name in names for lr in lrs.tolist() for m in mom_values)
    lr_runs = np.repeat(lrs, len(mom_values))
    mom_runs = None if momenta is None else np.tile(momenta, len(lrs))

    batched = [_build(name, lr_runs, mom_runs, fixed) for name in names]
    steps = settings["steps"]
    total = steps * len(names)
    p0 = problem.init_params(settings["seed"])
    t0 = time.perf_counter()
    # Each family is one batch of the loop; about a hundred progress reports over the whole sweep.
    outs = [drive(problem, opt, p0, settings, runs=len(lr_runs), every=max(1, total // 100),
                  progress=_counted_from(progress, g * steps, total), schedule=sched)
            for g, opt in enumerate(batched)]
    wall = time.perf_counter() - t0
    if progress is not None:
        progress(total, total)

    diverged_at = np.concatenate([o.diverged_at for o in outs])
    optimum = problem.optimum
    return SweepResult(
        problem=problem.name, optimizers=names, lrs=lrs, momenta=momenta, configs=configs,
        final_losses=np.where(diverged_at >= 0, np.nan, np.concatenate([o.final_losses for o in outs])),
        diverged_at=diverged_at, steps=outs[0].steps, losses=np.concatenate([o.losses for o in outs]),
        fixed_hyperparams=fixed, run_settings=settings, lipschitz=problem.lipschitz,
        min_loss=None if optimum is None else float(problem.loss(optimum)), wall_time=wall, schedule=sched)


def _counted_from(progress: Progress | None, start: int, total: int) -> Callable[[int], None] | None:
    """The loop's ``progress(done in this family)`` as the sweep's ``progress(start + done, total)``.

    ``start`` is the steps of the families before this one.
    """
    if progress is None:
        return None
    return lambda done: progress(start + done, total)


# -- arguments ---------------------------------------------------------------
def _build(optimizer: str, lr: Any, momentum: Any, fixed: Mapping[str, Any]) -> Optimizer:
    return optimizers.create(optimizer, **_hyperparams(optimizer, lr, momentum, fixed))


def _hyperparams(optimizer: str, lr: Any, momentum: Any, fixed: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``optimizer`` for one configuration (floats) or many (arrays)."""
    hp = dict(fixed, lr=lr)
    if momentum is None:
        return hp
    if momentum_hyperparam(optimizer) == "betas":
        beta2 = hp.get("betas", _default(optimizer, "betas"))[1]
        hp["betas"] = (momentum, beta2)
    else:
        hp["momentum"] = momentum
    return hp


def _default(optimizer: str, name: str) -> Any:
    return next(h.default for h in optimizers.get(optimizer).hyperparams if h.name == name)


def optimizer_names(optimizer: str | Sequence[str]) -> tuple[str, ...]:
    """A name, or several, as a tuple of registered names; ValueError for none, an unknown one or a repeat."""
    names = (optimizer,) if isinstance(optimizer, str) else tuple(optimizer)
    if not names:
        raise ValueError("Invalid optimizer: an empty list. Name at least one, e.g. 'gd'")
    for name in names:
        optimizers.get(name)  # unknown names are refused, listing the available ones
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"Invalid optimizer list: {repeated[0]!r} appears more than once")
    return names


def _axis(name: str, values: Any) -> np.ndarray:
    """A grid axis as a sorted float array without duplicates; each value is checked by the optimizers."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:
        raise ValueError(f"Invalid {name}: {values!r}. Expected a 1-D list of numbers")
    if arr.size == 0:
        raise ValueError(f"Invalid {name}: the grid axis is empty. A sweep needs at least one value")
    return np.unique(arr.astype(np.float64))


def _fixed(fixed: Mapping[str, Any] | None, momentum_axis: bool) -> dict[str, Any]:
    fixed = dict(fixed or {})
    swept = ["lr"] + (["momentum"] if momentum_axis else [])
    clash = next((k for k in swept if k in fixed), None)
    if clash is not None:
        raise ValueError(f"Invalid fixed_hyperparams: {clash!r} is swept, so it cannot also be fixed")
    return fixed


def _check_family(name: str, lrs: np.ndarray, momenta: np.ndarray | None, fixed: Mapping[str, Any]) -> float | None:
    """Check every axis value against ``name``'s own rules; return the momentum (or beta1) in effect.

    One optimizer per value, built with the optimizer's own validation, so a
    bad value is named alone with its range, cross-field rules included
    (Nesterov needs momentum > 0).
    """
    axis = momentum_hyperparam(name)
    if momenta is not None:
        if axis is None:
            able = [n for n in optimizers.available() if momentum_hyperparam(n)]
            raise ValueError(f"Invalid momenta for optimizer {name!r}: it has no momentum or betas. "
                             f"Pass momenta=None, or use one of: {', '.join(able)}")
        MOMENTUM_AXIS.validate(momenta)
    first_m = None if momenta is None else momenta[0]
    base = _build(name, lrs[0], first_m, fixed)
    for lr in lrs[1:]:
        _build(name, lr, first_m, fixed)
    for m in [] if momenta is None else momenta[1:]:
        _build(name, lrs[0], m, fixed)
    if axis is None:
        return None
    return float(base.hp["betas"][0] if axis == "betas" else base.hp["momentum"])
