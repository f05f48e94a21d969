"""The views of a run's plane: the choices of a comparison's ``view`` field, and what each fits, in words.

They are part of what a user configures (:data:`playground.setups.comparison.VIEW` offers them,
the app labels its radio with their words), so they live here; :func:`playground.viz.projection.fit_view`,
which draws a plane's window by them, imports them from here.
"""
from __future__ import annotations

from typing import Literal

View = Literal["settled", "all"]
#: The views of a plane, and what each fits, in words.
VIEWS: dict[str, str] = {"settled": "fit the runs that settle", "all": "fit every run"}
