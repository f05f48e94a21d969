"""The Compare page's "tune these runs": tune each run's optimizer under one budget, then load the tuned race.

The tuning is :func:`playground.setups.tune.tune_comparison`'s (through
:func:`playground_app.cached.tune`); this module only lays it out: the
button, and, while the tuned comparison is the one shown, how it was tuned.
"""
from __future__ import annotations

import streamlit as st

from playground.setups.comparison import Comparison
from playground.setups import tune

from . import cached, compare_form, widgets

#: The comparison a tuning loaded, and the config it was tuned from, while that comparison is shown.
TUNED_KEY = "tune.loaded"


def show(cmp: Comparison) -> None:
    """The button, or why it is off; below it the tuning's table and sensitivity curves when they apply."""
    config = cmp.to_json()
    st.subheader("Tune, then race")
    st.caption(f"Search each run's learning rate (and momentum or beta1) with the same budget for all: "
               f"{cmp.steps} steps, seed {cmp.seed}, full batch, {tune.POINTS} configurations per optimizer on a "
               f"log grid of ±{tune.DECADES:g} decades around its own default. Best: fewest steps to reach "
               f"tol = {cmp.tol:g} and stay there, else the lowest final loss.")
    try:
        tune.work(cmp).refuse_over("Tuning these runs")
    except ValueError as exc:
        widgets.alert(st.info, str(exc))
    else:
        st.button("Tune these runs", icon=":material/tune:", key="tune.button", on_click=_load_tuned, args=(config,))
    loaded = st.session_state.get(TUNED_KEY)
    if loaded is None or loaded[0] != config:
        return
    result = cached.tune(loaded[1])
    st.caption(f"These runs were tuned ({result.wall_time:.2f} s). Budget: {result.budget}.")
    st.table(result.table_text())
    st.image(cached.sensitivity_png(loaded[1]), width="stretch")


def _load_tuned(config: str) -> None:
    # A callback, as the page's other loads are: the form's inputs restart from the tuned runs on this rerun.
    tuned = cached.tune(config).comparison()
    st.session_state[TUNED_KEY] = (tuned.to_json(), config)
    compare_form.STATE.load(tuned)
