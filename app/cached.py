"""The app's expensive library calls, cached on the comparison's JSON config.

The JSON text (:meth:`~playground.comparison.Comparison.to_json`) is the key:
two configs that would run the same get the same entry, and a copied link
hits the cache its author filled. Results are figures as PNG bytes and the
player as HTML text, so a rerun that hits the cache draws nothing again.

The trajectories themselves are a shared resource (``st.cache_resource``),
not pickled data: each holds its optimizer, whose class may be a plugin
defined where pickle cannot find it (a notebook, a function), and a rerun
then skips unpickling megabytes of snapshots. Nothing modifies them.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from playground import export, player, plots, projection
from playground.comparison import Comparison, results_table
from playground.projection import LossSurface
from playground.runner import Trajectory

#: Every cache keeps this many configs; an MLP comparison's entries are a few MB.
ENTRIES = 32


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def trajectories(config: str) -> list[Trajectory]:
    """Every run of the comparison ``config``, with a progress bar while they run."""
    cmp = Comparison.from_json(config)
    bar = st.progress(0.0, text="Running the optimizers…")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // total
        if percent != shown[0]:  # one update per percent: each is a message to the browser
            shown[0] = percent
            bar.progress(percent / 100, text=f"Running the optimizers… step {done} of {total}")

    runs = cmp.run(progress=progress)
    bar.empty()
    return runs


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def results(config: str) -> list[dict[str, Any]]:
    """:func:`~playground.comparison.results_table` of the comparison's runs."""
    cmp = Comparison.from_json(config)
    return results_table(cmp.build_problem(), trajectories(config), cmp.tol)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def loss_png(config: str) -> bytes:
    """The loss curves of every run, as PNG."""
    return plots.to_png(plots.loss_curves(trajectories(config), figsize=(6.4, 4.6)))


@st.cache_data(show_spinner="Computing the loss landscape…", max_entries=ENTRIES)
def plane(config: str) -> tuple[LossSurface, tuple[Any, ...]] | str:
    """:func:`~playground.projection.run_plane` of the runs, or why there is none (a sentence)."""
    try:
        return projection.run_plane(Comparison.from_json(config).build_problem(), trajectories(config))
    except ValueError as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def player_page(config: str) -> str:
    """The trajectory player over the loss landscape, as one HTML page (needs a :func:`plane`)."""
    surface, paths = plane(config)
    fig, ax = plots.surface_figure(surface)
    return player.player_html(fig, ax, player.runs_from_trajectories(trajectories(config), paths))


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def landscape_png(config: str) -> bytes:
    """The loss landscape with every run's whole path drawn, as PNG (needs a :func:`plane`)."""
    surface, paths = plane(config)
    return plots.to_png(plots.surface_figure(surface, trajectories(config), paths)[0])


@st.cache_data(show_spinner=False, max_entries=ENTRIES)
def trajectories_csv(config: str) -> str:
    """:func:`~playground.export.trajectories_csv` of the runs."""
    return export.trajectories_csv(Comparison.from_json(config).build_problem(), trajectories(config))
