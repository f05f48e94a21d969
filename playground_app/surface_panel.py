"""The Compare page's 3-D surface, on request: the loss over the player's plane with the runs' paths on it.

Off by default, so the page's first view sends no more than before: the
viewer's script goes with its element, which exists only while the toggle is on.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from playground_app import cached, compare_form, surface_component, widgets

SHOW_KEY = compare_form.PREFIX + "surface.show"


def show(config: str, view: str, plane: tuple[Any, Any] | str) -> None:
    """The toggle, and under it the surface of ``config``'s runs in ``view``; ``plane`` is :func:`cached.plane`'s
    result, or the reason there is none (a sentence), shown instead."""
    if not st.toggle("Show the loss as a 3-D surface", key=SHOW_KEY,
                     help="The contours' loss as heights, the runs' paths drawn on it. Drag to turn it."):
        return
    if widgets.figure_or_reason(plane, "No 3-D surface: ") is None:
        return
    surface_component.show(cached.surface_data(config, view), key="cmp.surface")
    st.caption("The loss over the player's plane, in the contours' colours, lit from the upper left; each run's path "
               "lies on it, a ring at its start and a dot at its end. Drag (or use the arrow keys) to turn it, wheel, "
               "pinch or +/− to zoom.")
