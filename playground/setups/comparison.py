"""A comparison: one problem, one to six runs, and everything needed to repeat it.

The app, its URL, its JSON download and the CLI all describe a comparison with
this one class, so they always agree::

    cmp = Comparison.from_json(text)          # or Comparison() for the default
    trajectories = cmp.run()
    rows = results_table(cmp.build_problem(), trajectories, cmp.tol)

Runs are written as specs, the same in the CLI and the URL:
``adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2``, and problems as
``linreg:n=200,noise=0.3``. Values are typed and range-checked by the
declared settings, so every bad value gets a message naming it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

import optimizers
from optimizers.hyperparams import HyperParam, format_spec, known, parse_spec

from .. import problems
from .fields import query_number, query_value
from ..problems import Problem
from ..training.run_spec import RunSpec
from ..training.runner import Trajectory, run
from ..training.stability import explain_divergence

MAX_RUNS = 6
#: Snapshots kept per run, unless the runs' parameters would then fill more than RECORD_ENTRIES numbers.
RECORD = 1000
RECORD_ENTRIES = 20_000_000  # 160 MB of float64
#: What one gradient call costs beyond its arithmetic (optimizer step, checks, records), counted in
#: multiply-adds: the runner's ~50 µs per step on small problems.
CALL_OVERHEAD = 100_000


def _default_runs() -> tuple[RunSpec, ...]:
    return (RunSpec("gd", {"lr": 0.1}), RunSpec("momentum", {"lr": 0.05}), RunSpec("adam", {"lr": 0.1}))


@dataclass(frozen=True)
class Comparison:
    """A whole comparison. The default is GD, momentum and Adam on linear regression.

    ``tol`` is the suboptimality (loss minus the optimum's loss, or the loss
    itself when no optimum is known) that counts as "reached" in the results.
    """

    problem: str = "linreg"
    settings: Mapping[str, Any] = field(default_factory=dict)
    runs: tuple[RunSpec, ...] = field(default_factory=_default_runs)
    steps: int = 200
    seed: int = 0
    shuffle: bool = True
    tol: float = 1e-6

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))

    def validate(self) -> Problem:
        """Check everything before any work; return the built problem. ValueError names what is wrong."""
        if not 1 <= len(self.runs) <= MAX_RUNS:
            raise ValueError(f"Invalid number of runs: {len(self.runs)}. Allowed range: [1, {MAX_RUNS}]")
        if not (isinstance(self.steps, int) and 1 <= self.steps <= 1_000_000):
            raise ValueError(f"Invalid steps: {self.steps!r}. Allowed range: [1, 1000000]")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise ValueError(f"Invalid seed: {self.seed!r}. Allowed range: [0, inf)")
        if not (np.isfinite(self.tol) and self.tol > 0):
            raise ValueError(f"Invalid tol: {self.tol!r}. Allowed range: (0, inf)")
        problem = self.build_problem()
        for i, r in enumerate(self.runs, start=1):
            try:
                r.build()
            except ValueError as exc:
                raise ValueError(f"Run {i} ({r.optimizer}): {exc}") from None
            if r.batch_size is not None and not 1 <= r.batch_size <= problem.n_samples:
                raise ValueError(f"Run {i} ({r.optimizer}): invalid batch_size {r.batch_size}. "
                                 f"Allowed range: [1, {problem.n_samples}] (the problem has {problem.n_samples} samples)")
            if not (isinstance(r.accumulate, int) and r.accumulate >= 1):
                raise ValueError(f"Run {i} ({r.optimizer}): invalid accumulate {r.accumulate!r}. Allowed range: [1, inf)")
        return problem

    def build_problem(self) -> Problem:
        return problems.create(self.problem, **self.settings)

    def record_for(self, problem: Problem) -> int:
        """Snapshots per run: :data:`RECORD`, fewer for a big network, so every run's fit in :data:`RECORD_ENTRIES`."""
        return max(2, min(RECORD, RECORD_ENTRIES // (len(self.runs) * problem.dim)))

    def work(self, problem: Problem) -> int:
        """Roughly the multiply-adds the runs take, to decide before running whether they are worth the wait.

        Per gradient call: samples x parameters, plus :data:`CALL_OVERHEAD`
        for the bookkeeping around it; a step makes ``accumulate`` calls on
        mini-batches, one on the full batch. Summed over steps and runs. Numpy
        does about 2e9 multiply-adds a second on one core of a laptop.
        """
        def per_step(r: RunSpec) -> int:
            if r.batch_size is None:
                return CALL_OVERHEAD + problem.n_samples * problem.dim
            return r.accumulate * (CALL_OVERHEAD + min(r.batch_size, problem.n_samples) * problem.dim)

        return sum(self.steps * per_step(r) for r in self.runs)

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

    # -- serialisation -----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem, "settings": _plain(dict(self.settings)),
            "runs": [{"optimizer": r.optimizer, "hyperparams": _plain(dict(r.hyperparams)),
                      "batch_size": r.batch_size, "accumulate": r.accumulate} for r in self.runs],
            "steps": self.steps, "seed": self.seed, "shuffle": self.shuffle, "tol": self.tol,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Comparison":
        """Build from :meth:`to_dict` output; every value is validated, unknown keys are refused."""
        known = {"problem", "settings", "runs", "steps", "seed", "shuffle", "tol"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"Unknown key {unknown[0]!r} in comparison config. Valid keys: {', '.join(sorted(known))}")
        base = cls()
        problem = str(data.get("problem", base.problem))
        pspec = problems.spec(problem)
        settings = _validated(pspec.settings, data.get("settings", {}), f"problem {problem!r}")
        runs = []
        for r in data.get("runs", [r.__dict__ for r in base.runs]):
            opt_cls = optimizers.get(r["optimizer"])
            hp = _validated(opt_cls.hyperparams, r.get("hyperparams", {}), f"optimizer {r['optimizer']!r}")
            runs.append(RunSpec(opt_cls.name, hp, r.get("batch_size"), r.get("accumulate", 1)))
        cmp = cls(problem, settings, tuple(runs), int(data.get("steps", base.steps)),
                  int(data.get("seed", base.seed)), bool(data.get("shuffle", base.shuffle)),
                  float(data.get("tol", base.tol)))
        cmp.validate()
        return cmp

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Comparison":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"The comparison config is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("The comparison config must be a JSON object")
        return cls.from_dict(data)

    def to_query(self) -> dict[str, str | list[str]]:
        """URL query parameters: ``problem``, ``steps``, ``seed``, ``shuffle``, ``tol`` and one ``run`` per run."""
        return {
            "problem": format_spec(self.problem, self.settings, problems.spec(self.problem).settings),
            "steps": str(self.steps), "seed": str(self.seed), "shuffle": "true" if self.shuffle else "false",
            "tol": repr(self.tol), "run": [r.format() for r in self.runs],
        }

    @classmethod
    def from_query(cls, query: Mapping[str, str | Sequence[str]]) -> "Comparison":
        """Inverse of :meth:`to_query`; missing keys take the defaults."""
        base = cls()
        text = query_value(query, "problem") or base.problem
        name, _, body = text.partition(":")
        settings = parse_spec(body, problems.spec(name).settings, f"problem {name!r}")
        runs = query.get("run")
        runs = [runs] if isinstance(runs, str) else list(runs or [])
        cmp = cls(
            name, settings, tuple(RunSpec.parse(r) for r in runs) if runs else base.runs,
            steps=query_number(query, "steps", int, base.steps),
            seed=query_number(query, "seed", int, base.seed),
            shuffle=(query_value(query, "shuffle") or "true").lower() != "false",
            tol=query_number(query, "tol", float, base.tol),
        )
        cmp.validate()
        return cmp

    def with_runs(self, runs: Sequence[RunSpec]) -> "Comparison":
        return replace(self, runs=tuple(runs))


def _validated(specs: Sequence[HyperParam], given: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """Validate the keys that are given (defaults stay implicit, so configs stay short)."""
    by_name = known(specs, given, owner)
    return {k: by_name[k].validate(v) for k, v in given.items()}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def results_table(problem: Problem, trajectories: Sequence[Trajectory], tol: float = 1e-6) -> list[dict[str, Any]]:
    """One row per run: final loss, distance to the optimum, steps to ``tol``, divergence, wall time.

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
            "status": diverged or "ok",
            "wall time (s)": t.wall_time,
        })
    return rows

