"""The app's expensive library calls, cached on the config they compute.

A comparison is keyed on its JSON text
(:meth:`~playground.setups.comparison.Comparison.to_json`) with the default view
(:func:`runs_config`): two configs that would run the same get the same entry,
a copied link hits the cache its author filled, and switching the contour view
recomputes the picture only, never the runs. Gradient checks are keyed on their (frozen) setups, sweeps on
their JSON text (:data:`BY_JSON`), gallery runs on the entry id. Figures are cached as PNG bytes and the player as its JSON
payload, so a rerun that hits the cache draws nothing again.

The trajectories and sweeps themselves are a shared resource (:func:`_held`,
``st.cache_resource``), not pickled data: each run holds its optimizer, whose
class may be a plugin defined where pickle cannot find it (a notebook, a
function), and a rerun then skips unpickling megabytes of snapshots. Nothing
modifies them. They are computed outside every cached function, with a
progress bar that no cache records (:func:`_held` says why).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, TypeVar

import streamlit as st

from playground import gallery
from playground.training import projection, replay, theory
from playground.viz import anatomy_plots, export, player, plots, stability_map, surface3d, theory_plots, tune_plots
from playground.setups.tune import TuneResult, tune_comparison
from playground.setups import cost
from playground.setups.check import CheckSetup
from playground.setups.comparison import VIEW, Comparison, results_table
from playground.gradcheck import GradcheckReport
from playground.training.projection import LossSurface
from playground.training.runner import Trajectory
from playground.training.sweep import SweepResult
from playground.setups.sweep import SweepSetup

#: Every cache keeps this many configs whose result is small (at most SMALL_RESULT bytes).
ENTRIES = 32
#: The largest result kept among ENTRIES. A big network's trajectories reach RECORD_ENTRIES float64 numbers
#: (160 MB), their CSV more, a big sweep's loss curves tens of MB: kept ENTRIES times, a user clicking through
#: links would hold gigabytes. Bigger results go to caches of their own with BIG_ENTRIES entries, so a result
#: cache holds at most ENTRIES x SMALL_RESULT + BIG_ENTRIES x the largest result allowed (for trajectories,
#: 32 x 8 MB + 2 x 160 MB, under 600 MB).
SMALL_RESULT = 8 * 2**20
BIG_ENTRIES = 2


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def result_bytes(config: str) -> int:
    """The size of the comparison's trajectories, known before they run: which cache they go to."""
    cmp = Comparison.from_json(config)
    return cost.trajectory_bytes(cmp, cmp.build_problem())


def runs_config(cmp: Comparison) -> str:
    """The key of ``cmp``'s runs: its JSON with the default view, which changes only the picture."""
    return replace(cmp, view=VIEW.default).to_json()


Held = TypeVar("Held")


def _held(kind: str, key: str, big: bool, compute: Callable[[], Held]) -> Held:
    """``compute()`` of the ``kind`` of result keyed ``key``, computed once and then held; ``big`` when it may be
    larger than :data:`SMALL_RESULT` (kept among :data:`BIG_ENTRIES`, else among :data:`ENTRIES`).

    The result is kept in a holder per key and computed outside of it, so
    that no cache records what ``compute`` draws (a progress bar): a cached
    function replays every element it drew on each hit, and a bar is a
    hundred updates. A page calls the public function (:func:`trajectories`,
    :func:`sweep`) before the cached functions that read its result, so that
    they find it held and draw nothing either. The kinds share the holders'
    entries, so all of them together stay within the bound of :data:`SMALL_RESULT`.
    """
    held = (_big_holder if big else _holder)(kind, key)
    if "value" not in held:  # a computation stopped by a rerun leaves the holder empty: the next call computes again
        held["value"] = compute()
    return held["value"]


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def _holder(kind: str, key: str) -> dict[str, Any]:
    return {}


@st.cache_resource(show_spinner=False, max_entries=BIG_ENTRIES)
def _big_holder(kind: str, key: str) -> dict[str, Any]:
    return {}


def trajectories(config: str) -> list[Trajectory]:
    """Every run of the comparison ``config``, with a progress bar while they run; held by size (:func:`_held`)."""
    return _held("runs", config, result_bytes(config) > SMALL_RESULT, lambda: _run(config))


def _run(config: str) -> list[Trajectory]:
    cmp = Comparison.from_json(config)
    plane = start_plane(config)  # before this bar: it may run the comparison from the problem's own start
    return _with_bar("Running the optimizers", lambda progress: cmp.run(progress=progress, plane=plane))


def _with_bar(what: str, compute: Callable[[Callable[[int, int], None]], Held]) -> Held:
    """``compute(progress)`` under a progress bar saying ``what``, step k of n; the bar goes when it is done."""
    bar = st.progress(0.0, text=f"{what}…")
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // total
        if percent != shown:  # one update per percent: each is a message to the browser
            shown = percent
            bar.progress(percent / 100, text=f"{what}… step {done} of {total}")

    result = compute(progress)
    bar.empty()
    return result


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def start_plane(config: str) -> projection.Plane | None:
    """:meth:`~playground.setups.comparison.Comparison.start_plane`, fitted to the cached runs from the problem's
    own start (the picture drawn before the click); None when the start needs no plane."""
    cmp = Comparison.from_json(config)
    problem = cmp.build_problem()
    home = cmp.start_home(problem)
    return None if home is None else cmp.start_plane(problem, trajectories(runs_config(home)))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def results(config: str) -> list[dict[str, Any]]:
    """:func:`~playground.setups.comparison.results_table` of the comparison's runs."""
    cmp = Comparison.from_json(config)
    return results_table(cmp.build_problem(), trajectories(config), cmp.tol)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def loss_png(config: str, suboptimal: bool) -> bytes:
    """The loss curves of every run as PNG: loss - loss* when ``suboptimal`` (and loss* is known), else the loss."""
    optimum = Comparison.from_json(config).build_problem().optimal_loss() if suboptimal else None
    return plots.to_png(plots.loss_curves(trajectories(config), optimum_loss=optimum))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def parameters_png(config: str) -> bytes:
    """Each parameter of every run (each block's norm for a network) against the step, as PNG."""
    names = Comparison.from_json(config).build_problem().axis_labels
    return plots.to_png(plots.parameter_curves(trajectories(config), names=names))


@st.cache_data(show_spinner="Computing the loss landscape…", max_entries=ENTRIES)
def plane(config: str, view: str) -> tuple[LossSurface, tuple[Any, ...]] | str:
    """:func:`~playground.training.projection.run_plane` of the runs in ``view`` (a network's in its :func:`start_plane`),
    or why there is none (a sentence)."""
    try:
        return projection.run_plane(Comparison.from_json(config).build_problem(), trajectories(config), view,
                                    start_plane(config))
    except ValueError as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def player_data(config: str, view: str) -> dict[str, Any]:
    """The trajectory player's payload, the runs over the loss landscape in ``view`` (needs a :func:`plane`)."""
    # Autoplay: the page opens on runs already moving, not on their start points.
    return player.for_trajectories(Comparison.from_json(config).build_problem(), trajectories(config),
                                   plane=plane(config, view), autoplay=True)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def surface_data(config: str, view: str) -> dict[str, Any]:
    """The 3-D surface's payload (:func:`~playground.viz.surface3d.surface_data`) over the :func:`plane` in ``view``."""
    surface, paths = plane(config, view)
    return surface3d.surface_data(surface, trajectories(config), paths)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def landscape_png(config: str, view: str) -> bytes:
    """The loss landscape in ``view`` with every run's whole path drawn, as PNG (needs a :func:`plane`)."""
    surface, paths = plane(config, view)
    return plots.to_png(plots.surface_figure(surface, trajectories(config), paths)[0])


def trajectories_csv(config: str) -> str:
    """:func:`~playground.viz.export.trajectories_csv` of the runs, kept by size like :func:`trajectories`."""
    return (_big_csv if result_bytes(config) > SMALL_RESULT else _csv)(config)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _csv(config: str) -> str:
    return export.trajectories_csv(Comparison.from_json(config).build_problem(), trajectories(config))


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def _big_csv(config: str) -> str:
    return export.trajectories_csv(Comparison.from_json(config).build_problem(), trajectories(config))


@st.cache_data(show_spinner="Checking the gradient…", max_entries=ENTRIES)
def gradcheck_report(setup: CheckSetup) -> GradcheckReport:
    """:meth:`~playground.setups.check.CheckSetup.run`: the gradient check."""
    return setup.run()


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def eps_sweep_png(setup: CheckSetup) -> bytes:
    """The error of every method against eps at the setup's point, with the setup's eps marked, as PNG."""
    return plots.to_png(plots.eps_sweep_figure(setup.sweep(), setup.step))


@st.cache_resource(show_spinner="Running the buggy and the fixed code…", max_entries=ENTRIES)
def gallery_result(entry_id: str) -> gallery.Result:
    """The entry's buggy and fixed outcome (:meth:`~playground.gallery.Entry.run`), shared like :func:`trajectories`."""
    return gallery.get(entry_id).run()


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def gallery_player(entry_id: str) -> tuple[dict[str, Any], bytes] | str:
    """A trajectory entry's player payload and loss-curve PNG, buggy run first; or why there is no picture.

    Drawn as the Compare page draws its runs: in the view of the entry's
    ``comparison``, with loss - loss* where loss* is known; the player plays on open.
    """
    plane = _gallery_plane(entry_id)
    if isinstance(plane, str):
        return plane
    runs, problem = _gallery_runs(entry_id), gallery.get(entry_id).comparison.build_problem()
    data = player.for_trajectories(problem, runs, plane=plane, autoplay=True)
    return data, plots.to_png(plots.loss_curves(runs, optimum_loss=problem.optimal_loss()))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def gallery_landscape_png(entry_id: str) -> bytes:
    """A trajectory entry's landscape with both runs' whole paths, as PNG: drawn when downloaded, not on view."""
    surface, paths = _gallery_plane(entry_id)
    return plots.to_png(plots.surface_figure(surface, _gallery_runs(entry_id), paths)[0])


def _gallery_runs(entry_id: str) -> list[Trajectory]:
    return [gallery_result(entry_id).buggy, gallery_result(entry_id).fixed]


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _gallery_plane(entry_id: str) -> tuple[LossSurface, tuple[Any, ...]] | str:
    """:func:`~playground.training.projection.run_plane` of the entry's two runs in its view, or why there is none."""
    entry = gallery.get(entry_id)
    try:
        return projection.run_plane(entry.comparison.build_problem(), _gallery_runs(entry_id), entry.comparison.view)
    except ValueError as exc:
        return str(exc)


#: Sweeps are keyed on their JSON: Streamlit's hasher cannot read a schedule, which the JSON holds as its spec.
BY_JSON = {SweepSetup: SweepSetup.to_json}


def sweep(setup: SweepSetup) -> SweepResult:
    """:meth:`~playground.setups.sweep.SweepSetup.run`, with a progress bar while it runs; held by size
    (:func:`_held`), keyed on its JSON as :data:`BY_JSON` keys the caches that read it."""
    return _held("sweep", setup.to_json(), cost.sweep_result_bytes(setup) > SMALL_RESULT,
                 lambda: _with_bar("Sweeping", lambda progress: setup.run(progress=progress)))


@st.cache_data(show_spinner=False, max_entries=ENTRIES, hash_funcs=BY_JSON)
def stability_map_png(setup: SweepSetup) -> bytes:
    """The sweep's stability map (:func:`playground.viz.stability_map.stability_map`) as PNG."""
    return plots.to_png(stability_map.stability_map(sweep(setup)))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def eigen_errors_png(config: str) -> bytes | str:
    """Every run's error per Hessian eigendirection beside its predicted rate
    (:func:`playground.viz.theory_plots.eigen_error_figure`) as PNG, or why there is none (a sentence)."""
    problem = Comparison.from_json(config).build_problem()
    try:
        curves = [theory.eigen_errors(problem, t) for t in trajectories(config)]
    except ValueError as exc:
        return str(exc)
    return plots.to_png(theory_plots.eigen_error_figure(curves))


@st.cache_data(show_spinner=False, max_entries=ENTRIES, hash_funcs=BY_JSON)
def theory_png(setup: SweepSetup) -> bytes | str:
    """The closed-form rate map beside the measured one
    (:func:`playground.viz.theory_plots.theory_beside_measured`) as PNG, or why there is none (a sentence)."""
    try:
        eigenvalues = theory.curvatures(setup.validate())[0]
        return plots.to_png(theory_plots.theory_beside_measured(sweep(setup), eigenvalues))
    except ValueError as exc:
        return str(exc)


@st.cache_data(show_spinner="Tuning every optimizer…", max_entries=ENTRIES)
def tune(config: str) -> TuneResult:
    """:func:`playground.setups.tune.tune_comparison` of the comparison ``config``."""
    return tune_comparison(Comparison.from_json(config))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def sensitivity_png(config: str) -> bytes:
    """The tuning's sensitivity curves (:func:`playground.viz.tune_plots.sensitivity_figure`) as PNG."""
    return plots.to_png(tune_plots.sensitivity_figure(tune(config)))


@st.cache_data(show_spinner="Replaying the run to that step…", max_entries=ENTRIES)
def step_anatomy(config: str, view: str, run: int, step: int) -> tuple[dict[str, Any], str, list[dict[str, Any]]] | str:
    """Run ``run``'s step ``step`` in parts (:func:`playground.training.replay.anatomy`), in the picture of ``view``
    (needs a :func:`plane`): the player's overlay of arrows, the equation with the step's numbers (LaTeX) and
    the quantities per coordinate of the picture's plane; or why not, in words."""
    cmp = Comparison.from_json(config)
    problem = cmp.build_problem()
    try:
        a = replay.anatomy(problem, cmp.runs[run], step, steps=cmp.steps, seed=cmp.seed, shuffle=cmp.shuffle,
                           params0=cmp.start_params(problem, start_plane(config)))
    except ValueError as exc:
        return str(exc)
    surface, _ = plane(config, view)
    flat = anatomy_plots.in_plane(a, surface)
    return (anatomy_plots.anatomy_overlay(player_data(config, view), a, surface, run=run, label=cmp.runs[run].label),
            anatomy_plots.anatomy_latex(flat), anatomy_plots.anatomy_rows(flat, surface.axis_labels))
