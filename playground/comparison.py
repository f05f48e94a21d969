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
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

import optimizers
from optimizers import Optimizer
from optimizers.hyperparams import HyperParam, known

from . import problems
from .problems import Problem
from .runner import Trajectory, run
from .stability import explain_divergence

MAX_RUNS = 6
#: Snapshots kept per run, unless the runs' parameters would then fill more than RECORD_ENTRIES numbers.
RECORD = 1000
RECORD_ENTRIES = 20_000_000  # 160 MB of float64
#: What one gradient call costs beyond its arithmetic (optimizer step, checks, records), counted in
#: multiply-adds: the runner's ~50 µs per step on small problems.
CALL_OVERHEAD = 100_000
#: Run options that are not optimizer hyperparameters.
RUN_KEYS = ("batch_size", "accumulate")


def parse_spec(text: str, specs: Sequence[HyperParam], owner: str) -> dict[str, Any]:
    """``key=value,key=value`` -> typed, validated values (only the keys given)."""
    pairs = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"Invalid setting {item!r} for {owner}: write key=value")
        pairs.append((key.strip(), value))
    by_name = known(specs, (k for k, _ in pairs), owner)
    return {k: by_name[k].parse(v) for k, v in pairs}


def non_defaults(specs: Sequence[HyperParam], values: Mapping[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """The ``values`` that differ from their declared defaults, or are named in ``keep``, in declaration order.

    A form shows every setting; a config keeps only the ones that were
    changed, so URLs stay short and a run's label names only what sets it
    apart. ``keep`` names settings a loaded config spelled out, so editing
    it gives back that config exactly. Values are not validated here:
    :meth:`Comparison.validate` does that, naming the run a bad value belongs to.
    """
    def plain(v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    keep = set(keep)
    return {s.name: values[s.name] for s in specs
            if s.name in values and (s.name in keep or plain(values[s.name]) != plain(s.default))}


def format_spec(name: str, values: Mapping[str, Any], specs: Sequence[HyperParam]) -> str:
    """Inverse of :func:`parse_spec` with the name in front: ``adam:lr=0.01``."""
    by_name = {s.name: s for s in specs}
    body = ",".join(f"{k}={by_name[k].format(v)}" for k, v in values.items())
    return f"{name}:{body}" if body else name


_BATCH = HyperParam("batch_size", None, "mini-batch size (absent: full batch)", low=1, kind="int")
_ACCUMULATE = HyperParam("accumulate", 1, "mini-batches averaged into one step", low=1, kind="int")


@dataclass(frozen=True)
class RunSpec:
    """One run: an optimizer with its hyperparameters, and how it batches the data."""

    optimizer: str
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    accumulate: int = 1

    def build(self) -> Optimizer:
        return optimizers.create(self.optimizer, **self.hyperparams)

    @property
    def label(self) -> str:
        """Display name, e.g. ``adam lr=0.01, bs=16``: what distinguishes the run."""
        parts = [f"{k}={self._hp_spec(k).format(v)}" for k, v in self.hyperparams.items()]
        if self.batch_size is not None:
            parts.append(f"bs={self.batch_size}")
        if self.accumulate != 1:
            parts.append(f"acc={self.accumulate}")
        return f"{self.optimizer} " + ", ".join(parts) if parts else self.optimizer

    def _hp_spec(self, key: str) -> HyperParam:
        return {h.name: h for h in optimizers.get(self.optimizer).hyperparams}[key]

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        """Read ``name:key=value,...``; ``batch_size`` and ``accumulate`` are run options."""
        name, _, body = text.strip().partition(":")
        opt_cls = optimizers.get(name.strip())
        values = parse_spec(body, opt_cls.hyperparams + (_BATCH, _ACCUMULATE), f"optimizer {name.strip()!r}")
        run_opts = {k: values.pop(k) for k in RUN_KEYS if k in values}
        spec = cls(opt_cls.name, values, **run_opts)
        spec.build()  # cross-field checks, e.g. nesterov with dampening
        return spec

    def format(self) -> str:
        values = dict(self.hyperparams)
        if self.batch_size is not None:
            values["batch_size"] = self.batch_size
        if self.accumulate != 1:
            values["accumulate"] = self.accumulate
        return format_spec(self.optimizer, values, optimizers.get(self.optimizer).hyperparams + (_BATCH, _ACCUMULATE))


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


def query_value(query: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    """The value of URL parameter ``key``: the last one when it is repeated, None when absent."""
    value = query.get(key)
    if value is None or isinstance(value, str):
        return value
    return value[-1] if value else None


def query_number(query: Mapping[str, str | Sequence[str]], key: str, kind: type, default: Any) -> Any:
    """URL parameter ``key`` read as ``kind`` (int or float), ``default`` when absent; ValueError names a bad one."""
    text = query_value(query, key)
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"Invalid {key}: {text!r}. Expected a {'whole ' if kind is int else ''}number") from None


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

