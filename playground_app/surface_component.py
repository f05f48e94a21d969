"""The 3-D loss surface in the app: :mod:`playground.viz.surface3d`'s viewer mounted as a Components v2 element."""
from __future__ import annotations

from typing import Any

from playground.viz import surface3d
from playground_app import web_component

_SURFACE = web_component.register("loss_surface", surface3d.assets())


def show(data: dict[str, Any], *, key: str) -> None:
    """Mount the viewer for ``data`` (a :func:`~playground.viz.surface3d.surface_data` payload).

    ``key`` names the viewer on its page; the element's key also carries the
    payload's id, so a rerun with the same surface keeps the view the user
    turned it to, and another surface gets a new viewer.
    """
    _SURFACE(key=f"{key}.{data['id']}", data=data)
