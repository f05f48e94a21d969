"""A stability-map sweep as the app sets it up: the grid's ranges, declared, and carried by a link.

::

    setup = SweepSetup("linreg", optimizer="momentum", lr_range=(1e-3, 3.0), lr_points=30)
    result = setup.run()                       # a playground.training.sweep.SweepResult
    fig = stability_map.stability_map(result)

The grid's settings are declared as :class:`~optimizers.HyperParam` (so the
app builds their inputs and every bad value is named with its range): learning
rates spaced geometrically over ``lr_range``, momenta (beta1 for Adam-type
optimizers) evenly over ``momentum_range``. An optimizer with neither, or
``momentum_points=0``, sweeps the learning rate alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

import optimizers
from optimizers import HyperParam
from optimizers.hyperparams import validate_all

from .. import problems
from optimizers.hyperparams import format_spec, parse_spec

from .comparison import CALL_OVERHEAD
from .fields import query_value
from ..problems import Problem
from ..training.runner import Progress
from ..training.sweep import SweepResult, momentum_hyperparam, sweep

SETTINGS = (
    HyperParam("lr_range", (1e-3, 3.0), "smallest and largest learning rate, spaced geometrically", low=0.0,
               low_open=True, kind="pair", log=True, widget_high=1e3),
    HyperParam("lr_points", 30, "learning rates in the grid", low=1, high=200, kind="int"),
    HyperParam("momentum_range", (0.0, 0.95), "smallest and largest momentum (beta1 for Adam-type optimizers), "
               "spaced evenly", low=0.0, high=1.0, high_open=True, kind="pair"),
    HyperParam("momentum_points", 20, "momenta in the grid; 0 sweeps the learning rate alone", low=0, high=200,
               kind="int"),
    HyperParam("steps", 200, "steps of every run", low=1, high=100_000, kind="int"),
    HyperParam("seed", 0, "draws a random problem's start and the order of mini-batches", low=0, kind="int"),
)


@dataclass(frozen=True)
class SweepSetup:
    """A grid of learning rates (x momenta) for one optimizer on one problem; see the module docstring."""

    problem: str = "linreg"
    settings: Mapping[str, Any] = field(default_factory=dict)
    optimizer: str = "momentum"
    lr_range: tuple[float, float] = (1e-3, 3.0)
    lr_points: int = 30
    momentum_range: tuple[float, float] = (0.0, 0.95)
    momentum_points: int = 20
    steps: int = 200
    seed: int = 0

    def values(self) -> dict[str, Any]:
        """The declared settings' values, by name."""
        return {s.name: getattr(self, s.name) for s in SETTINGS}

    def validate(self) -> Problem:
        """Check every value before any work and return the problem; ValueError names what is wrong."""
        values = validate_all(SETTINGS, self.values(), owner="sweep")
        for name in ("lr_range", "momentum_range"):
            low, high = values[name]
            if low > high:
                raise ValueError(f"Invalid {name}: {low:g}/{high:g}. The first value must not exceed the second")
        optimizers.get(self.optimizer)
        return problems.create(self.problem, **self.settings)

    @property
    def sweeps_momentum(self) -> bool:
        """Whether the grid has a momentum axis: the optimizer has one, and it has points."""
        return self.momentum_points > 0 and momentum_hyperparam(self.optimizer) is not None

    def lrs(self) -> np.ndarray:
        return np.geomspace(*self.lr_range, self.lr_points)

    def momenta(self) -> np.ndarray | None:
        return np.linspace(*self.momentum_range, self.momentum_points) if self.sweeps_momentum else None

    def configs(self) -> int:
        """Configurations in the grid."""
        return self.lr_points * (self.momentum_points if self.sweeps_momentum else 1)

    def work(self, problem: Problem) -> int:
        """Roughly the multiply-adds of the sweep, counted as :meth:`~playground.setups.comparison.Comparison.work` does.

        The runs advance together, so the per-step overhead is paid once per step, not per run.
        """
        return self.steps * (CALL_OVERHEAD + self.configs() * problem.n_samples * problem.dim)

    def run(self, progress: Progress | None = None) -> SweepResult:
        """The sweep (:func:`playground.training.sweep.sweep`), full batch; ``progress(done, total)`` counts steps."""
        problem = self.validate()
        return sweep(problem, self.optimizer, self.lrs(), self.momenta(), steps=self.steps, seed=self.seed,
                     progress=progress)

    def to_query(self) -> dict[str, str]:
        """URL query parameters: ``problem`` (as in a comparison's link), ``optimizer`` and each declared setting."""
        query = {"problem": format_spec(self.problem, self.settings, problems.spec(self.problem).settings),
                 "optimizer": self.optimizer}
        query.update({s.name: s.format(getattr(self, s.name)) for s in SETTINGS})
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str | Sequence[str]]) -> "SweepSetup":
        """Inverse of :meth:`to_query`; missing keys take the defaults, bad values raise ValueError."""
        name, _, body = (query_value(query, "problem") or cls.problem).partition(":")
        given = {s.name: s.parse(text) for s in SETTINGS if (text := query_value(query, s.name)) is not None}
        setup = cls(name, parse_spec(body, problems.spec(name).settings, f"problem {name!r}"),
                    query_value(query, "optimizer") or cls.optimizer, **given)
        setup.validate()
        return setup
