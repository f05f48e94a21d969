"""The trajectory player in the app: the library's player mounted as a Custom Components v2 component.

No iframe: the player's markup, style and module (:func:`playground.viz.player.assets`)
are mounted in the page, in a shadow root, and its events come back to Python
as the component's values. Why v2 is the player's host is in the docstring of
:mod:`playground.viz.player`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from playground.viz import player
from playground_app import web_component

_PLAYER = web_component.register("trajectory_player", player.assets())


@dataclass(frozen=True)
class PlayerEvents:
    """What the user did in one player.

    ``click``: the data coordinates (x, y) of a click on the contours, in the
    rerun that click caused only, else None. (A chosen step goes to
    :func:`show`'s ``on_step``.)
    """

    click: tuple[float, float] | None


def show(data: dict[str, Any], *, key: str, anatomy: dict[str, Any] | None = None,
         on_step: Callable[[int], None] | None = None) -> PlayerEvents:
    """Mount the player for ``data`` (a :func:`~playground.viz.player.player_data` payload); return its events.

    ``key`` names the player on its page. The element's key also carries the
    payload's id, so other runs get a new player whose step starts unchosen,
    while a rerun with the same runs keeps the one playing. ``anatomy`` is an
    overlay (:func:`playground.viz.anatomy_plots.anatomy_overlay`) drawn by
    that same instance: a new one does not mount the player again.
    ``on_step`` is called with the step the user chose by pausing, stepping
    or scrubbing, before the page reruns, so widgets drawn above the player
    can follow it.
    """
    element = f"{key}.{data['id']}"

    def stepped() -> None:
        if on_step is not None:
            on_step(int(st.session_state[element].get("step")))

    result = _PLAYER(key=element, data=data if anatomy is None else {**data, "anatomy": anatomy},
                     on_click_change=lambda: None, on_step_change=stepped)
    click = result.click
    return PlayerEvents(None if click is None else (float(click["x"]), float(click["y"])))
