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

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from optimizers import HyperParam, tree
from optimizers.hyperparams import excerpt

from .. import problems
from ..problems import Problem
from ..training.run_spec import SEED, SHUFFLE, STEPS, RunSpec
from ..training.runner import Trajectory, run
from ..training.stability import explain_divergence
from ..training.suggest import default_runs
from ..training import projection
from ..training.projection import VIEWS, Plane
from . import cost
from .cost import Estimate
from .fields import Declared, Query, parse_problem, problem_text, query_value, query_values, read_problem

MAX_RUNS = 6
RUN_COUNT = HyperParam("runs", 3, "optimizers compared, all from the same start on the same data", low=1,
                       high=MAX_RUNS, kind="int", label="number of runs")
#: Snapshots kept per run, unless the runs' parameters would then fill more than RECORD_ENTRIES numbers.
RECORD = 1000
RECORD_ENTRIES = 20_000_000  # 160 MB of float64
VIEW = HyperParam("view", "settled", "what the contour view fits: 'settled', the runs that settle and the minimum "
                  "(a run that leaves it is drawn to its edge); 'all', every run", kind="choice",
                  choices=tuple(VIEWS), label="contour view")
START = HyperParam("start", None, "where every run starts, the point (x, y) clicked in the picture: a "
                   "two-parameter problem's parameters; a network's plane coordinates (a, b), the point "
                   "mean + a·PC1 + b·PC2 of the plane drawn for its runs from their own start (which stays the "
                   "picture); absent: the problem's own start", low=-1e6, high=1e6, kind="pair", optional=True,
                   label="start point")
TOL = HyperParam("tol", 1e-6, "suboptimality (loss minus the minimum's loss) that counts as reaching the minimum",
                 low=0.0, low_open=True, log=True, label="tolerance")


@dataclass(frozen=True)
class Comparison(Declared):
    """A whole comparison. The default is GD, momentum and Adam on linear regression.

    ``runs`` None (the default) gives the problem's suggested default runs:
    GD, momentum and Adam, each with the learning rate the problem suggests
    for it (:func:`~playground.training.suggest.default_runs`).

    ``tol`` is the suboptimality (loss minus the optimum's loss, or the loss
    itself when no optimum is known) that counts as "reached" in the results.
    ``view`` is what the contour view fits
    (:data:`playground.training.projection.VIEWS`); it changes the picture, not the runs.
    """

    FIELDS = (STEPS, SEED, SHUFFLE, TOL, VIEW, START)
    OWNER = "comparison"

    problem: str = "linreg"
    settings: Mapping[str, Any] = field(default_factory=dict)
    runs: tuple[RunSpec, ...] | None = None
    steps: int = STEPS.default
    seed: int = SEED.default
    shuffle: bool = SHUFFLE.default
    tol: float = TOL.default
    view: str = VIEW.default
    start: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        runs = default_runs(self.problem, self.settings) if self.runs is None else self.runs
        object.__setattr__(self, "runs", tuple(runs))

    def validate(self) -> Problem:
        """Check everything before any work; return the built problem. ValueError names what is wrong.

        A network's ``start`` is checked against its plane when the runs need it (:meth:`start_params`): that
        plane is fitted to runs, which are work.
        """
        RUN_COUNT.validate(len(self.runs))
        self.check_fields()
        problem = self.build_problem()
        if problem.dim == 2:
            self.start_params(problem)
        for i, r in enumerate(self.runs, start=1):
            try:
                r.validate(problem, self.steps)
            except ValueError as exc:
                raise ValueError(f"Run {i} ({r.optimizer}): {exc}") from None
        return problem

    def start_home(self, problem: Problem) -> "Comparison | None":
        """The comparison whose runs a network's ``start`` plane is fitted to: this one from the problem's own
        start. None when there is no start, or the problem has two parameters (its plane is its parameters)."""
        return None if self.start is None or problem.dim == 2 else replace(self, start=None)

    def start_plane(self, problem: Problem, home_runs: Sequence[Trajectory] | None = None) -> Plane | None:
        """The plane a network's ``start`` lies in, and which its runs are drawn in; None when
        :meth:`start_home` is.

        It is the principal plane (:func:`~playground.training.projection.principal_plane`) of the runs of
        :meth:`start_home`: the picture drawn before any click, so a click does not move it. ``home_runs`` are
        those runs when the caller has them, else they run now. ValueError when they did not move.
        """
        home = self.start_home(problem)
        if home is None:
            return None
        return projection.principal_plane(problem, home.run() if home_runs is None else home_runs)

    def start_params(self, problem: Problem, plane: Plane | None = None) -> Any:
        """The runs' common start as a parameter tree, None for the problem's own.

        ``start`` is a two-parameter problem's (x, y), or a network's (a, b) on :meth:`start_plane`
        (``plane``, computed when not given). ValueError names the point when it lies outside the plane's
        drawn domain (the window holding every run from the problem's own start) or the loss is not finite there.
        """
        if self.start is None:
            return None
        a, b = map(float, self.start)
        if problem.dim == 2:
            flat = np.array([a, b])
        else:
            plane = self.start_plane(problem) if plane is None else plane
            (x0, x1), (y0, y1) = domain = plane.window("all")
            if not projection.inside(np.array([a, b]), domain)[0]:
                raise ValueError(f"Invalid start: ({a:g}, {b:g}). It lies outside the drawn plane: a in "
                                 f"[{x0:.4g}, {x1:.4g}], b in [{y0:.4g}, {y1:.4g}]; pick a point in the picture")
            flat = plane.point(a, b)
        params = tree.unflatten(flat, problem.template)
        loss = float(problem.loss(params))
        if not np.isfinite(loss):
            raise ValueError(f"Invalid start: ({a:g}, {b:g}). The loss there is {loss}; pick a point where it is "
                             "finite")
        return params

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
            record: int | None = None, plane: Plane | None = None) -> Results:
        """Run every spec from the same start and data order; ``progress(done, total)`` counts steps.

        ``record`` is the snapshots kept per run, :meth:`record_for` by default.
        ``plane`` is :meth:`start_plane` when the caller has it (else a
        network's start computes it). The trajectories come as
        :class:`Results`: a list, one per run in order, that shows itself in
        a notebook.
        """
        problem = self.validate()
        record = self.record_for(problem) if record is None else record
        plane = self.start_plane(problem) if plane is None else plane
        start = self.start_params(problem, plane)
        out = []
        total = self.steps * len(self.runs)
        for i, r in enumerate(self.runs):
            def each(done: int, _: int, i: int = i) -> None:
                if progress is not None:
                    progress(i * self.steps + done, total)

            out.append(run(problem, r.build(problem), self.steps, batch_size=r.batch_size, accumulate=r.accumulate,
                           shuffle=self.shuffle, seed=self.seed, params0=start, record=record, label=r.label,
                           progress=each, schedule=r.schedule, grad_noise=r.grad_noise))
        return Results(out, self, problem, plane)

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
        runs = data.get("runs")
        if "runs" in data and not (isinstance(runs, list) and runs):
            raise ValueError(f"Invalid runs: {excerpt(runs)}. Expected a list of 1 to {MAX_RUNS} runs such as "
                             '[{"optimizer": "adam", "lr": 0.01}]')
        # No runs given: the problem's suggested default runs.
        parsed = None if runs is None else tuple(_numbered(i, RunSpec.from_dict, r) for i, r in enumerate(runs, 1))
        cmp = cls(name, settings, parsed, **cls.fields_from_dict(data))
        cmp.validate()
        return cmp

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
                  if runs else None, **cls.fields_from_query(query))
        cmp.validate()
        return cmp


class Results(list):
    """The trajectories of :meth:`Comparison.run`, one per run in order: a list that also shows itself.

    ``comparison`` is the comparison that ran, ``problem`` the problem it
    built and ``plane`` the plane a network's start lies in
    (:meth:`Comparison.start_plane`, None without one), which the runs are
    drawn in; :meth:`table` is their :func:`results_table`. In Jupyter the
    results display as the trajectory player over the loss landscape, the
    loss curves and the table (``_repr_html_``, see
    :func:`playground.viz.notebook.comparison_html`).
    """

    def __init__(self, trajectories: Sequence[Trajectory], comparison: Comparison, problem: Problem,
                 plane: Plane | None = None) -> None:
        super().__init__(trajectories)
        self.comparison = comparison
        self.problem = problem
        self.plane = plane

    def table(self) -> list[dict[str, Any]]:
        """:func:`results_table` of these runs, at the comparison's ``tol``."""
        return results_table(self.problem, self, self.comparison.tol)

    def _repr_html_(self) -> str:
        # playground.viz draws what this layer computes and sits above it: imported when shown, not here.
        from ..viz.notebook import comparison_html
        return comparison_html(self)


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
    minima = problem.known_minima
    f_star = min_known_loss(problem)
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



def min_known_loss(problem: Problem) -> float:
    """The loss at the best known minimum, 0 when none is known: where suboptimality ("within tol") is measured from."""
    f_star = problem.optimal_loss()
    return 0.0 if f_star is None else f_star


#: What a results cell says where there is no number: nothing to measure (no minimum known, or the run
#: diverged), or a tolerance the run never got within.
NO_VALUE = "—"
NOT_REACHED = "not reached"


def number_text(value: float | None, fmt: str) -> str:
    """``value`` as a table cell shows it, in ``format`` spec ``fmt``; :data:`NO_VALUE` for None."""
    return NO_VALUE if value is None else format(value, fmt)


def results_text(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """:func:`results_table` rows as a table shows them: every cell text, and no cell None.

    Losses and distances in scientific notation (4 and 3 decimals), wall
    times in milliseconds' precision, counts as integers. "steps to tol" of a
    run that did not diverge but never came within tol says
    :data:`NOT_REACHED`; every other missing number is :data:`NO_VALUE`.
    """
    return [{
        "run": row["run"],
        "final loss": number_text(row["final loss"], ".4e"),
        "distance to optimum": number_text(row["distance to optimum"], ".3e"),
        "steps to tol": (NOT_REACHED if row["steps to tol"] is None and row["diverged at"] is None
                         else number_text(row["steps to tol"], "d")),
        "diverged at": number_text(row["diverged at"], "d"),
        "stable for lr below": row["stable for lr below"] or NO_VALUE,
        "status": row["status"],
        "wall time (s)": number_text(row["wall time (s)"], ".3f"),
    } for row in rows]
