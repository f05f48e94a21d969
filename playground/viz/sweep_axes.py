"""How a sweep's grid goes onto a figure: shared by every figure drawn from a :class:`SweepResult`.

::

    values, label = colour_values(result)          # NaN where a run diverged
    mesh = ax.pcolormesh(cell_edges(result.lrs, log=True), cell_edges(result.momenta, log=False),
                         ..., norm=colour_norm(values))

:func:`~playground.viz.stability_map.stability_map` and
:func:`~playground.viz.theory_plots.theory_beside_measured` both colour the
measured final losses with these, so the two figures read alike.
"""
from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm, Normalize

from ..training.sweep import SweepResult
from .plots import suboptimality

#: Points on a drawn boundary curve: enough to look smooth whatever the grid.
CURVE_POINTS = 200
#: A white line or mark with a dark edge reads on every part of the colour map.
OUTLINED = [patheffects.withStroke(linewidth=4, foreground="black")]


def colour_values(result: SweepResult) -> tuple[np.ndarray, str]:
    """What the picture shows per configuration, and its name; NaN where a run diverged.

    The final loss minus the optimum's loss when the problem knows its optimum
    (so fast and slow convergence differ by orders of magnitude), else the final loss.
    """
    if result.min_loss is None:
        return result.final_losses, "final loss"
    return suboptimality(result.final_losses, result.min_loss), "final loss − loss*"


def colour_norm(values: np.ndarray) -> Normalize:
    """The colour scale over the finite ``values``: logarithmic when :func:`log_scale` allows it."""
    finite = values[np.isfinite(values)]
    if not finite.size:  # every run diverged: nothing to colour
        return Normalize(0.0, 1.0)
    return (LogNorm if log_scale(values) else Normalize)(finite.min(), finite.max())


def log_scale(values: np.ndarray) -> bool:
    """Whether the finite values can go on a log scale (a loss can be negative, e.g. on the saddle)."""
    finite = values[np.isfinite(values)]
    return bool(finite.size) and finite.min() > 0


def cell_edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted ``centres``: midpoints (geometric on a log axis), the ends mirrored."""
    x = np.log(centres) if log else centres
    if len(x) == 1:
        half = 0.5 if log else 0.05
        edges = np.array([x[0] - half, x[0] + half])
    else:
        mid = (x[1:] + x[:-1]) / 2
        edges = np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])
    return np.exp(edges) if log else edges
