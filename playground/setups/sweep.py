"""A sweep as a user sets it up: optimizers, the grid's axes, and how every run trains, declared once.

::

    setup = SweepSetup("linreg", optimizers="momentum", lr_range=(1e-3, 3.0), lr_points=30)
    result = setup.run()                       # a playground.training.sweep.SweepResult
    fig = stability_map.stability_map(result)

The app's Sweep page and the ``playground sweep`` command share this setup:
the page shows a subset of its fields, the CLI all of them (each field's
``--option`` comes from its declaration). Learning rates are spaced
geometrically over ``lr_range``, or given as a list (``lr_values``); with
``lr_scale="lipschitz"`` they are multiples of 2/L, the largest stable GD step.
Momenta (beta1 for Adam-type optimizers) are spaced evenly over
``momentum_range`` (by default :func:`default_momentum_range`: 0 to 0.95, from
a small positive value for an optimizer that refuses 0, such as Nesterov) or
given as a list; an optimizer with neither, or
``momentum_points=0``, sweeps the learning rate alone. ``hp`` fixes the other
hyperparameters of every run.

``schedule`` (:data:`SCHEDULE`, written as ``playground compare --schedule``
writes it, e.g. ``cosine:T_max=200``) drives every run's lr, each run with its
own schedule state. A schedule derived from the optimizer's lr (all but
``cyclic`` and ``one_cycle``) scales each configuration's lr, so the lr axis
is the lr the schedule starts from. ``cyclic`` and ``one_cycle`` set their own
lrs and ignore the optimizer's, so every lr of a grid would run alike: they
are refused with more than one lr, and with a momentum axis while they cycle
the momentum (which overrides it).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np


import optimizers
from optimizers import HyperParam, schedules
from optimizers.hyperparams import excerpt, format_spec, parse_spec, validate_given
from optimizers.schedules import Schedule, ScheduleParam

from .. import problems
from ..problems import Problem
from ..training.run_spec import (ACCUMULATE, BATCH_SIZE, LR_SCALE, SEED, SHUFFLE, STEPS, check_batch_size,
                                 lr_multiplier)
from ..training.runner import Progress
from ..training.sweep import SweepResult, momentum_hyperparam, optimizer_names, sweep
from . import cost
from .cost import Estimate
from .fields import Declared, Query, parse_problem, problem_text, query_value, query_values, read_problem

#: Values per grid axis at most.
MAX_AXIS = 1000
#: Learning rates a sweep may try. Below 1e-12 no run moves in float64 within a million steps; above 1e6 every
#: run diverges at its first step. Inside, the map's log axis and its cell edges stay finite (1e-300/1e300
#: overflowed them).
LR_LOW, LR_HIGH = 1e-12, 1e6
LR_RANGE = HyperParam("lr_range", (1e-3, 3.0), "smallest and largest learning rate, spaced geometrically",
                      low=LR_LOW, high=LR_HIGH, kind="pair", log=True, label="learning rates")
LR_POINTS = HyperParam("lr_points", 30, "learning rates in the grid", low=1, high=MAX_AXIS, kind="int",
                       label="learning-rate points")
LR_VALUES = HyperParam("lr_values", None, "the learning rates themselves, instead of a range", low=LR_LOW,
                       high=LR_HIGH, kind="list", optional=True, label="learning-rate values")
#: The momentum axis when none is given, and where it starts instead of 0 for an optimizer that refuses 0.
DEFAULT_MOMENTA = (0.0, 0.95)
SMALLEST_MOMENTUM = 0.05
MOMENTUM_RANGE = HyperParam("momentum_range", None, "smallest and largest momentum (beta1 for Adam-type "
                            "optimizers), spaced evenly; by default 0 to 0.95, from 0.05 for an optimizer that "
                            "refuses momentum 0 (Nesterov)", low=0.0, high=1.0, high_open=True, kind="pair",
                            optional=True, label="momentum range")
MOMENTUM_POINTS = HyperParam("momentum_points", 20, "momenta in the grid; 0 sweeps the learning rate alone", low=0,
                             high=MAX_AXIS, kind="int", label="momentum points")
MOMENTUM_VALUES = HyperParam("momentum_values", None, "the momenta themselves, instead of a range", low=0.0,
                             high=1.0, high_open=True, kind="list", optional=True, label="momentum values")
#: The fields that describe the grid's momentum axis, which only optimizers with momentum or betas have.
MOMENTUM_FIELDS = (MOMENTUM_RANGE, MOMENTUM_POINTS, MOMENTUM_VALUES)
SCHEDULE = ScheduleParam("schedule", None, "the learning-rate schedule of every run (torch.optim.lr_scheduler's "
                         "names and keywords), each run with its own state; one derived from the optimizer's lr "
                         "scales each configuration's, so the lr axis is the lr it starts from; cyclic and "
                         "one_cycle set their own lrs, so they take one lr (lr_points=1) and, while they cycle the "
                         "momentum, no momentum axis", label="learning-rate schedule")


@dataclass(frozen=True)
class SweepSetup(Declared):
    """A grid of learning rates (x momenta) for one or more optimizers on one problem; see the module docstring.

    ``optimizers`` is a name or a tuple of names; ``schedule`` a
    :class:`~optimizers.Schedule`, or its spec (read with
    :func:`optimizers.schedules.parse`).
    """

    FIELDS = (LR_RANGE, LR_POINTS, MOMENTUM_RANGE, MOMENTUM_POINTS, STEPS, SEED, LR_VALUES, LR_SCALE,
              MOMENTUM_VALUES, BATCH_SIZE, ACCUMULATE, SHUFFLE, SCHEDULE)
    OWNER = "sweep"

    problem: str = "linreg"
    settings: Mapping[str, Any] = field(default_factory=dict)
    optimizers: tuple[str, ...] = ("momentum",)
    lr_range: tuple[float, float] = LR_RANGE.default
    lr_points: int = LR_POINTS.default
    momentum_range: tuple[float, float] | None = None
    momentum_points: int = MOMENTUM_POINTS.default
    steps: int = STEPS.default
    seed: int = SEED.default
    lr_values: tuple[float, ...] | None = None
    lr_scale: str = LR_SCALE.default
    momentum_values: tuple[float, ...] | None = None
    batch_size: int | None = None
    accumulate: int = ACCUMULATE.default
    shuffle: bool = SHUFFLE.default
    schedule: Schedule | None = None
    hp: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = (self.optimizers,) if isinstance(self.optimizers, str) else tuple(self.optimizers)
        object.__setattr__(self, "optimizers", names)
        if isinstance(self.schedule, str):
            object.__setattr__(self, "schedule", schedules.parse(self.schedule))

    def validate(self) -> Problem:
        """Check every value before any work and return the problem; ValueError names what is wrong.

        A sweep whose runs would hold more than :data:`~playground.setups.cost.MEMORY_LIMIT` bytes is refused
        too, naming what to reduce; the time it takes is :meth:`work`'s to judge.
        """
        self.check_fields()
        for f in (LR_RANGE, MOMENTUM_RANGE):
            if getattr(self, f.name) is None:
                continue
            low, high = getattr(self, f.name)
            if low > high:
                raise ValueError(f"Invalid {f.name}: {low:g}/{high:g}. The first value must not exceed the second")
        if not self.optimizers:
            raise ValueError("Invalid optimizers: none given. Name at least one, e.g. 'momentum'")
        for name in self.optimizers:
            optimizers.get(name)  # an unknown name lists the available ones
        problem = problems.create(self.problem, **self.settings)
        if self.lr_scale == "lipschitz" and problem.lipschitz is None:
            raise ValueError(f"lr_scale 'lipschitz' needs a constant curvature L, and {self.problem!r} has none "
                             "(its Hessian varies): give absolute learning rates")
        check_batch_size(self.batch_size, problem.n_samples)
        self._check_schedule()
        # Every run of a family is held at once (chunking the runs is future work of the sweep engine).
        cost.refuse_memory(self, problem)
        return problem

    def _check_schedule(self) -> None:
        """ValueError when the schedule cannot drive these runs (the schedule's own checks, with each
        optimizer and the steps), or would make an axis of the grid meaningless."""
        sched = self.schedule
        if sched is None:
            return
        lrs = len(self.lr_values) if self.lr_values is not None else self.lr_points
        if sched.own_lr and lrs > 1:
            derived = ", ".join(n for n in schedules.available() if not schedules.get(n).own_lr)
            raise ValueError(f"Invalid schedule {sched.format()!r} for a sweep of {lrs} learning rates: "
                             f"{sched.name} sets its own lr and ignores the optimizer's, so every learning rate "
                             f"of the grid would run alike. Sweep one learning rate (lr_points=1, or one of "
                             f"lr_values), or use a schedule that scales the optimizer's lr: {derived}")
        for name in self.optimizers:
            cycled = sched.init(optimizers.create(name, **self.hp), self.steps).momentum
            if cycled and self.sweeps_momentum:
                raise ValueError(f"Invalid schedule {sched.format()!r} for a sweep of momenta: it cycles the "
                                 f"momentum (or beta1) of {name!r}, which overrides the momentum axis. Add "
                                 "cycle_momentum=false to the schedule, or sweep the learning rate alone "
                                 "(momentum_points=0)")

    @property
    def sweeps_momentum(self) -> bool:
        """Whether the grid has a momentum axis: momenta listed, or points on it and every optimizer has one."""
        if self.momentum_values is not None:
            return True
        return self.momentum_points > 0 and all(momentum_hyperparam(n) is not None for n in self.optimizers)

    def lrs(self, problem: Problem | None = None) -> np.ndarray:
        """The learning rates; with ``lr_scale="lipschitz"``, scaled by 2/L of ``problem``."""
        values = np.asarray(self.lr_values if self.lr_values is not None else np.geomspace(*self.lr_range,
                                                                                         self.lr_points))
        if self.lr_scale != "absolute":
            if problem is None:
                raise ValueError("lr_scale 'lipschitz' needs the problem and its curvature L")
            values = values * lr_multiplier(self.lr_scale, problem.lipschitz)
        return values

    def momenta(self) -> np.ndarray | None:
        """The momenta (beta1 for Adam-type optimizers), or None for an lr-only sweep."""
        if not self.sweeps_momentum:
            return None
        if self.momentum_values is not None:
            return np.asarray(self.momentum_values)
        span = default_momentum_range(self.optimizers, self.hp) if self.momentum_range is None else self.momentum_range
        return np.linspace(*span, self.momentum_points)

    def configs(self) -> int:
        """Configurations in the grid."""
        lrs = len(self.lr_values) if self.lr_values is not None else self.lr_points
        momenta = self.momenta()
        return len(self.optimizers) * lrs * (1 if momenta is None else len(momenta))

    def work(self, problem: Problem) -> Estimate:
        """The seconds the sweep will take on this machine, term by term (:func:`playground.setups.cost.sweep`)."""
        return cost.sweep(self, problem)

    def run(self, progress: Progress | None = None) -> SweepResult:
        """The sweep (:func:`playground.training.sweep.sweep`); ``progress(done, total)`` counts steps."""
        problem = self.validate()
        return sweep(problem, self.optimizers, self.lrs(problem), self.momenta(), steps=self.steps,
                     batch_size=self.batch_size, accumulate=self.accumulate, shuffle=self.shuffle, seed=self.seed,
                     fixed_hyperparams=self.hp, progress=progress, schedule=self.schedule)

    # -- codecs ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the problem, its settings, the optimizers, ``hp`` and the fields (the schedule as its
        spec, e.g. ``"cosine:T_max=200"``)."""
        declared = {h.name: h for h in _declared(self.optimizers)}
        return {"problem": self.problem,
                "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in self.settings.items()},
                "optimizers": list(self.optimizers), "hp": {k: declared[k].plain(v) for k, v in self.hp.items()},
                **self.fields_to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> "SweepSetup":
        """Build from :meth:`to_dict` output; every value is read through its declaration, unknown keys refused."""
        data = cls.check_keys(data, ("problem", "settings", "optimizers", "hp"))
        name, settings = read_problem(data.get("problem", cls.problem), data.get("settings", {}))
        names = data.get("optimizers", list(cls.optimizers))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"Invalid optimizers: {excerpt(names)}. Expected a list of names such as [\"momentum\"]")
        names = optimizer_names(names)  # each known, none repeated
        hp = validate_given(_declared(names), data.get("hp", {}), f"optimizer {names[0]!r}")
        setup = cls(name, settings, names, hp=hp, **cls.fields_from_dict(data))
        setup.validate()
        return setup

    def to_query(self) -> dict[str, str | list[str]]:
        """URL query parameters: ``problem``, one ``optimizer`` per optimizer, ``hp`` when set, and each field."""
        query: dict[str, str | list[str]] = {"problem": problem_text(self.problem, self.settings),
                                             "optimizer": list(self.optimizers)}
        if self.hp:
            query["hp"] = format_spec("", self.hp, _declared(self.optimizers)).lstrip(":")
        query.update(self.fields_to_query())
        return query

    @classmethod
    def from_query(cls, query: Query) -> "SweepSetup":
        """Inverse of :meth:`to_query`; missing keys take the defaults, bad values raise ValueError."""
        name, settings = parse_problem(query_value(query, "problem") or cls.problem)
        names = tuple(query_values(query, "optimizer")) or cls.optimizers
        for n in names:
            optimizers.get(n)
        hp = parse_spec(query_value(query, "hp") or "", _declared(names), f"optimizer {names[0]!r}")
        setup = cls(name, settings, names, hp=hp, **cls.fields_from_query(query))
        setup.validate()
        return setup


def default_momentum_range(names: Sequence[str], fixed: Mapping[str, Any] | None = None) -> tuple[float, float]:
    """The momentum axis of a sweep of optimizers ``names`` (with hyperparameters ``fixed``) when none is given.

    :data:`DEFAULT_MOMENTA`, starting at :data:`SMALLEST_MOMENTUM` instead of 0
    when one of the optimizers refuses a momentum (or beta1) of 0: Nesterov's
    look-ahead needs a momentum, as in torch.
    """
    low, high = DEFAULT_MOMENTA
    for name in names:
        axis = momentum_hyperparam(name)
        if axis is None:
            continue
        hp = dict(fixed or {})
        if axis == "betas":
            hp["betas"] = (low, hp.get("betas", next(h.default for h in _declared([name]) if h.name == "betas"))[1])
        else:
            hp["momentum"] = low
        try:
            optimizers.create(name, **hp)
        except ValueError:
            return SMALLEST_MOMENTUM, high
    return low, high


def axis_fields(name: str) -> tuple[HyperParam, ...]:
    """:data:`MOMENTUM_FIELDS` labelled by what the axis sets on optimizer ``name``: momentum, or beta1 for betas."""
    axis = "beta1" if momentum_hyperparam(name) == "betas" else "momentum"
    return tuple(replace(f, label=f.title.replace("momentum", axis)) for f in MOMENTUM_FIELDS)


def _declared(names: Sequence[str]) -> tuple[HyperParam, ...]:
    """The hyperparameters ``hp`` may fix: those of the first optimizer (every family must accept them)."""
    return optimizers.get(names[0]).hyperparams
