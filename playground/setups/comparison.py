"""A comparison: one problem, one to six runs, and everything needed to repeat it.

The app, its URL, its JSON download and the CLI all describe a comparison with
this one class, so they always agree::

    cmp = Comparison.from_json(text)          # or Comparison() for the default
    trajectories = cmp.run()
    rows = results_table(cmp.build_problem(), trajectories, cmp.tol)

Its plain settings (steps, seed, shuffle, tol) are declared once in
``Comparison.FIELDS``, and every codec reads them through that declaration
(:mod:`playground.setups.fields`). Runs are written as specs, the same in the
CLI and the URL: ``adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2``
(:class:`~playground.training.run_spec.RunSpec`), and problems as
``linreg:n=200,noise=0.3``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from optimizers import HyperParam
from optimizers.hyperparams import excerpt

from .. import problems
from ..problems import Problem
from ..training.run_spec import SEED, SHUFFLE, STEPS, RunSpec
from ..training.runner import Trajectory, run
from ..training.stability import explain_divergence
from . import cost
from .cost import Estimate
from .fields import Declared, Query, load_json, parse_problem, problem_text, query_value, query_values, read_problem

MAX_RUNS = 6
RUN_COUNT = HyperParam("runs", 3, "optimizers compared, all from the same start on the same data", low=1,
                       high=MAX_RUNS, kind="int", label="number of runs")
#: Snapshots kept per run, unless the runs' parameters would then fill more than RECORD_ENTRIES numbers.
RECORD = 1000
RECORD_ENTRIES = 20_000_000  # 160 MB of float64
TOL = HyperParam("tol", 1e-6, "suboptimality (loss minus the minimum's loss) that counts as reaching the minimum",
                 low=0.0, low_open=True, log=True, label="tolerance")


def _default_runs() -> tuple[RunSpec, ...]:
    return (RunSpec("gd", {"lr": 0.1}), RunSpec("momentum", {"lr": 0.05}), RunSpec("adam", {"lr": 0.1}))


@dataclass(frozen=True)
class Comparison(Declared):
    """A whole comparison. The default is GD, momentum and Adam on linear regression.

    ``tol`` is the suboptimality (loss minus the optimum's loss, or the loss
    itself when no optimum is known) that counts as "reached" in the results.
    """

    FIELDS = (STEPS, SEED, SHUFFLE, TOL)
    OWNER = "comparison"

    problem: str = "linreg"
    settings: Mapping[str, Any] = field(default_factory=dict)
    runs: tuple[RunSpec, ...] = field(default_factory=_default_runs)
    steps: int = STEPS.default
    seed: int = SEED.default
    shuffle: bool = SHUFFLE.default
    tol: float = TOL.default

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))

    def validate(self) -> Problem:
        """Check everything before any work; return the built problem. ValueError names what is wrong."""
        RUN_COUNT.validate(len(self.runs))
        self.check_fields()
        problem = self.build_problem()
        for i, r in enumerate(self.runs, start=1):
            try:
                r.validate(problem.n_samples)
            except ValueError as exc:
                raise ValueError(f"Run {i} ({r.optimizer}): {exc}") from None
        return problem

    def build_problem(self) -> Problem:
        return problems.create(self.problem, **self.settings)

    def record_for(self, problem: Problem) -> int:
        """Snapshots per run: :data:`RECORD`, fewer for a big network, so every run's fit in :data:`RECORD_ENTRIES`."""
        return max(2, min(RECORD, RECORD_ENTRIES // (len(self.runs) * problem.dim)))

    def work(self, problem: Problem) -> Estimate:
        """The seconds the runs will take on this machine, term by term (:func:`playground.setups.cost.comparison`).

        ``work(problem).refuse_over("This comparison")`` refuses one that would
        take longer than :data:`~playground.setups.cost.LIMIT`, naming what to reduce.
        """
        return cost.comparison(self, problem)

    def run(self, progress: Callable[[int, int], None] | None = None,
            record: int | None = None) -> list[Trajectory]:
        """Run every spec from the same start and data order; ``progress(done, total)`` counts steps.

        ``record`` is the snapshots kept per run, :meth:`record_for` by default.
        """
        problem = self.validate()
        record = self.record_for(problem) if record is None else record
        out = []
        total = self.steps * len(self.runs)
        for i, r in enumerate(self.runs):
            def each(done: int, _: int, i: int = i) -> None:
                if progress is not None:
                    progress(i * self.steps + done, total)

            out.append(run(problem, r.build(), self.steps, batch_size=r.batch_size, accumulate=r.accumulate,
                           shuffle=self.shuffle, seed=self.seed, record=record, label=r.label, progress=each))
        return out

    # -- codecs ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: the problem, its settings, the runs (flat, as :meth:`RunSpec.to_dict`), the fields."""
        return {"problem": self.problem, "settings": {k: list(v) if isinstance(v, tuple) else v
                                                      for k, v in self.settings.items()},
                "runs": [r.to_dict() for r in self.runs], **self.fields_to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Comparison":
        """Build from :meth:`to_dict` output; every value is read through its declaration, unknown keys refused."""
        data = cls.check_keys(data, ("problem", "settings", "runs"))
        # A key that is absent takes the default; a null is a value, and refused like any other of the wrong type.
        name, settings = read_problem(data.get("problem", cls.problem), data.get("settings", {}))
        if "runs" in data and not (isinstance(data["runs"], list) and data["runs"]):
            raise ValueError(f"Invalid runs: {excerpt(data['runs'])}. Expected a list of 1 to {MAX_RUNS} runs such as "
                             '[{"optimizer": "adam", "lr": 0.01}]')
        parsed = tuple(_numbered(i, RunSpec.from_dict, r) for i, r in enumerate(data["runs"], 1)) \
            if "runs" in data else _default_runs()
        cmp = cls(name, settings, parsed, **cls.fields_from_dict(data))
        cmp.validate()
        return cmp

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Comparison":
        """A comparison from JSON text or UTF-8 bytes; ValueError says what is wrong, by name."""
        return cls.from_dict(load_json(text, cls.OWNER))

    def to_query(self) -> dict[str, str | list[str]]:
        """URL query parameters: ``problem``, the declared fields and one ``run`` per run."""
        return {"problem": problem_text(self.problem, self.settings), **self.fields_to_query(),
                "run": [r.format() for r in self.runs]}

    @classmethod
    def from_query(cls, query: Query) -> "Comparison":
        """Inverse of :meth:`to_query`; missing keys take the defaults, bad values raise ValueError."""
        name, settings = parse_problem(query_value(query, "problem") or cls.problem)
        runs = query_values(query, "run")
        cmp = cls(name, settings, tuple(_numbered(i, RunSpec.parse, r) for i, r in enumerate(runs, 1))
                  if runs else _default_runs(), **cls.fields_from_query(query))
        cmp.validate()
        return cmp


def _numbered(i: int, read: Callable[[Any], RunSpec], value: Any) -> RunSpec:
    """``read(value)``, with "Run i: " before its message, so a bad value is found among six runs."""
    try:
        return read(value)
    except ValueError as exc:
        raise ValueError(f"Run {i}: {exc}") from None


def results_table(problem: Problem, trajectories: Sequence[Trajectory], tol: float = 1e-6) -> list[dict[str, Any]]:
    """One row per run: final loss, distance to the optimum, steps to ``tol``, divergence, the stability bound
    theory gives on a quadratic (:meth:`~optimizers.Optimizer.lr_bound_text`), wall time.

    Distance is to the nearest known minimum (None when none is known).
    "Steps to tol" counts recorded steps whose suboptimality (loss minus the
    minimum's loss, or the loss itself when no minimum is known) is at most ``tol``.
    """
    minima = [problem.optimum] if problem.optimum is not None else list(problem.minima)
    f_star = min((float(problem.loss(m)) for m in minima), default=0.0)
    rows = []
    for t in trajectories:
        diverged = explain_divergence(t, problem)
        rows.append({
            "run": t.label,
            "final loss": None if t.diverged else t.final_loss,
            "distance to optimum": None if t.diverged or not minima else min(t.distance_to(m) for m in minima),
            "steps to tol": None if t.diverged else t.steps_to(f_star + tol),
            "diverged at": t.diverged_at,
            "stable for lr below": t.optimizer.lr_bound_text(problem.lipschitz),
            "status": diverged or "ok",
            "wall time (s)": t.wall_time,
        })
    return rows

