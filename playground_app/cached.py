"""The app's expensive library calls, cached on the config they compute.

A comparison is keyed on its JSON text
(:meth:`~playground.setups.comparison.Comparison.to_json`): two configs that would
run the same get the same entry, and a copied link hits the cache its author
filled. Gradient checks and sweeps are keyed on their (frozen) setups, gallery
runs on the entry id. Figures are cached as PNG bytes and the player as its JSON
payload, so a rerun that hits the cache draws nothing again.

The trajectories themselves are a shared resource (``st.cache_resource``),
not pickled data: each holds its optimizer, whose class may be a plugin
defined where pickle cannot find it (a notebook, a function), and a rerun
then skips unpickling megabytes of snapshots. Nothing modifies them.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from playground import gallery
from playground.viz import export, player, plots, projection, stability_map
from playground.setups import cost
from playground.setups.check import CheckSetup
from playground.setups.comparison import Comparison, results_table
from playground.gradcheck import GradcheckReport
from playground.viz.projection import LossSurface
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
#: Multiply-adds a page computes without asking (Comparison.work, SweepSetup.work,
#: projection.plane_work): about five seconds of numpy on this project's 2-core machine.
WORK_LIMIT = 1e10


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def result_bytes(config: str) -> int:
    """The size of the comparison's trajectories, known before they run: which cache they go to."""
    cmp = Comparison.from_json(config)
    return cost.trajectory_bytes(cmp, cmp.build_problem())


def trajectories(config: str) -> list[Trajectory]:
    """Every run of the comparison ``config``, with a progress bar while they run; kept by size (:data:`SMALL_RESULT`)."""
    return (_big_trajectories if result_bytes(config) > SMALL_RESULT else _trajectories)(config)


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def _trajectories(config: str) -> list[Trajectory]:
    return _run(config)


@st.cache_resource(show_spinner=False, max_entries=BIG_ENTRIES)
def _big_trajectories(config: str) -> list[Trajectory]:
    return _run(config)


def _run(config: str) -> list[Trajectory]:
    cmp = Comparison.from_json(config)
    bar = st.progress(0.0, text="Running the optimizers…")
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        percent = 100 * done // total
        if percent != shown:  # one update per percent: each is a message to the browser
            shown = percent
            bar.progress(percent / 100, text=f"Running the optimizers… step {done} of {total}")

    runs = cmp.run(progress=progress)
    bar.empty()
    return runs


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def results(config: str) -> list[dict[str, Any]]:
    """:func:`~playground.setups.comparison.results_table` of the comparison's runs."""
    cmp = Comparison.from_json(config)
    return results_table(cmp.build_problem(), trajectories(config), cmp.tol)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def loss_png(config: str) -> bytes:
    """The loss curves of every run, as PNG."""
    return plots.to_png(plots.loss_curves(trajectories(config), figsize=(6.4, 4.6)))


@st.cache_data(show_spinner="Computing the loss landscape…", max_entries=ENTRIES)
def plane(config: str) -> tuple[LossSurface, tuple[Any, ...]] | str:
    """:func:`~playground.viz.projection.run_plane` of the runs, or why there is none (a sentence)."""
    try:
        return projection.run_plane(Comparison.from_json(config).build_problem(), trajectories(config))
    except ValueError as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def player_data(config: str) -> dict[str, Any]:
    """The trajectory player's payload, the runs over the loss landscape (needs a :func:`plane`)."""
    surface, paths = plane(config)
    fig, ax = plots.surface_figure(surface)
    # Autoplay: the page opens on runs already moving, not on their start points.
    return player.player_data(fig, ax, player.runs_from_trajectories(trajectories(config), paths), autoplay=True)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def landscape_png(config: str) -> bytes:
    """The loss landscape with every run's whole path drawn, as PNG (needs a :func:`plane`)."""
    surface, paths = plane(config)
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
def gallery_player(entry_id: str) -> tuple[dict[str, Any], bytes, bytes] | str:
    """A trajectory entry's player payload, landscape PNG and loss-curve PNG, buggy run first; or why there is no picture."""
    entry = gallery.get(entry_id)
    runs = [gallery_result(entry_id).buggy, gallery_result(entry_id).fixed]
    try:
        surface, paths = projection.run_plane(entry.comparison.build_problem(), runs)
    except ValueError as exc:
        return str(exc)
    fig, ax = plots.surface_figure(surface)
    data = player.player_data(fig, ax, player.runs_from_trajectories(runs, paths))
    landscape = plots.to_png(plots.surface_figure(surface, runs, paths)[0])
    return data, landscape, plots.to_png(plots.loss_curves(runs, figsize=(6.4, 4.6)))


def sweep(setup: SweepSetup) -> SweepResult:
    """:meth:`~playground.setups.sweep.SweepSetup.run`, with a progress bar while it runs; kept by size."""
    return (_big_sweep if cost.sweep_result_bytes(setup) > SMALL_RESULT else _sweep)(setup)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def _sweep(setup: SweepSetup) -> SweepResult:
    return _run_sweep(setup)


@st.cache_data(show_spinner=False, max_entries=BIG_ENTRIES)
def _big_sweep(setup: SweepSetup) -> SweepResult:
    return _run_sweep(setup)


def _run_sweep(setup: SweepSetup) -> SweepResult:
    bar = st.progress(0.0, text="Sweeping…")

    def progress(done: int, total: int) -> None:  # the sweep calls it about a hundred times
        bar.progress(done / total, text=f"Sweeping… step {done} of {total}")

    result = setup.run(progress=progress)
    bar.empty()
    return result


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def stability_map_png(setup: SweepSetup) -> bytes:
    """The sweep's stability map (:func:`playground.viz.stability_map.stability_map`) as PNG."""
    return plots.to_png(stability_map.stability_map(sweep(setup)))
