"""The loss as a 3-D surface with the runs' paths on it, turned and zoomed in the browser.

:func:`surface_data` computes every number the viewer draws from a
:func:`~playground.training.projection.run_plane` result, the grid and paths the
player's contours use: each grid point's height, each grid cell's colour
(the contours' :data:`~playground.viz.plots.LOSS_CMAP` bands, shaded by a fixed
light so the shape reads), the tick positions and labels of the three axes,
and each run's path lifted onto the surface in its
:func:`~playground.viz.plots.run_color`. The browser only projects and draws.

The viewer is this package's ``surface3d.html`` (the markup of one viewer),
``surface3d.css`` and ``surface3d.js``, an ES module with no dependency: a
canvas 2-D renderer that rotates the grid, draws its cells back to front
(painter's algorithm) and the paths on top. No WebGL, so it draws in headless
Chromium and on machines without a GPU; nothing is loaded from the network.
Hosts: a notebook cell (:class:`Surface`, :func:`fragment_html`) and the app
(``playground_app.surface_component``, Components v2, as the player).

Heights: a loss that :func:`~playground.viz.plots.spans_decades` (Rosenbrock)
is drawn on a log scale by default (:data:`LOG_FLOOR`); its axis says
"log scale" and its ticks name losses.

What a browser test can rely on, inside the viewer's root ``.s3-viewer``:
``.s3-canvas`` (focusable; arrows turn, + and - zoom, 0 resets), the buttons
``.s3-zoom-in``, ``.s3-zoom-out``, ``.s3-reset``, and ``.s3-legend``. The root's
``surface`` property is the instance: ``id``, ``view()`` (``{azimuth,
elevation, zoom}``, degrees and a factor), ``setView(view)``, ``draws()`` (frames
drawn so far) and ``destroy()``.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Sequence

import numpy as np
from matplotlib.colors import LightSource, to_hex
from matplotlib.ticker import MaxNLocator

from ...training import projection
from .. import plots, web_assets
from ...training.projection import LossSurface

Height = Literal["auto", "linear", "log"]
#: The height of the drawn box, as a share of its width: the viewer's, and the shading's, geometry.
BOX_HEIGHT = 0.8
#: Where the light comes from (matplotlib's LightSource angles, degrees): the upper left, high up.
LIGHT = {"azdeg": 315, "altdeg": 50}
#: Log heights are ``log10(loss - min + LOG_FLOOR * (max - min))``: three decades. A deeper floor makes a
#: narrow valley (Rosenbrock's) a crease too sharp for the grid, drawn as a row of teeth.
LOG_FLOOR = 1e-3
#: Grid lines drawn over the surface per side, at most: enough to read its shape, few enough to see its colours.
WIRES = 12
#: No x or y tick this close to a corner (a share of the side): the height axis stands there.
CORNER = 0.04
#: Significant digits of the numbers sent: the canvas draws well below a thousandth of a pixel's worth of them.
DIGITS = 6


def surface_data(surface: LossSurface, trajectories: Sequence[Any] = (), paths: Sequence[np.ndarray] = (), *,
                 height: Height = "auto") -> dict[str, Any]:
    """The viewer's JSON payload: ``surface`` in 3-D, and per run its (T, 2) ``paths[r]`` labelled from ``trajectories[r]``.

    ``surface`` and ``paths`` are a :func:`~playground.training.projection.run_plane`
    result. ``height`` is ``"linear"`` (heights are the losses), ``"log"``
    (see the module's docstring) or ``"auto"``: log where the loss spans
    decades. A path that leaves the surface's window is cut where it crosses
    the edge (:func:`~playground.training.projection.view_exit`), as the contours
    cut it. Grid points with no finite loss, and the cells and path points on
    them, are ``None``: the viewer leaves them out.

    Payload: ``x`` and ``y`` the grid's coordinates, ``z`` the heights
    row by row (``z[j * len(x) + i]`` at ``(x[i], y[j])``), ``colors`` one per
    cell in the same order (``None`` where a corner has no height),
    ``zRange``, ``boxHeight``, ``wireEvery``, ``axes`` (``x``, ``y``, ``z``:
    ``label`` and ``ticks``, pairs of position and text), ``runs`` (``label``,
    ``color``, ``xyz`` flat triples) and ``minima`` (flat triples). ``id`` is a
    digest of the rest, so a host keeps a viewer shown again with the same data.
    """
    if height not in ("auto", "linear", "log"):
        raise ValueError(f"height must be 'auto', 'linear' or 'log', got {height!r}")
    if len(paths) != len(trajectories):
        raise ValueError(f"got {len(paths)} paths for {len(trajectories)} trajectories")
    loss = np.asarray(surface.loss, dtype=np.float64)
    finite = loss[np.isfinite(loss)]
    if not finite.size:
        raise ValueError(f"the loss is not finite anywhere on the grid of {surface.title!r}")
    log = height == "log" or (height == "auto" and plots.spans_decades(finite))
    lo, hi = float(finite.min()), float(finite.max())
    floor = max(hi - lo, 1e-300) * LOG_FLOOR
    with np.errstate(invalid="ignore"):
        z = np.log10(loss - lo + floor) if log else loss.copy()
    z[~np.isfinite(loss)] = np.nan
    z_range = (float(np.nanmin(z)), float(np.nanmax(z)))
    if not z_range[1] > z_range[0]:  # a flat loss: give the box some height to draw in
        z_range = (z_range[0] - 0.5, z_range[0] + 0.5)
    xs, ys = np.asarray(surface.xs, dtype=np.float64), np.asarray(surface.ys, dtype=np.float64)
    data = {
        "title": surface.title, "x": _rounded(xs), "y": _rounded(ys), "z": _rounded(z.ravel()),
        "zRange": list(z_range), "boxHeight": BOX_HEIGHT, "log": bool(log),
        "colors": _cell_colors(loss, z, z_range, finite),
        "wireEvery": max(1, -(-(len(xs) - 1) // WIRES)),
        "axes": {
            "x": {"label": surface.axis_labels[0], "ticks": _linear_ticks(xs[0], xs[-1], CORNER)},
            "y": {"label": surface.axis_labels[1], "ticks": _linear_ticks(ys[0], ys[-1], CORNER)},
            "z": {"label": "loss (log scale)" if log else "loss",
                  "ticks": _log_ticks(lo, hi, floor) if log else _linear_ticks(lo, hi)},
        },
        "minimumColor": plots.MINIMUM_COLOR,
        "minima": _rounded(_lift(surface, z, _within(surface.minima, surface.bounds)).ravel()),
        "runs": [
            {"label": t.label, "color": to_hex(plots.run_color(i)),
             "xyz": _rounded(_lift(surface, z, _cut(xy, np.asarray(t.steps)[:len(xy)], surface.bounds)).ravel())}
            for i, (t, xy) in enumerate(zip(trajectories, paths))
        ],
    }
    data["id"] = hashlib.sha1(json.dumps(data, separators=(",", ":")).encode()).hexdigest()[:16]
    return data


def for_trajectories(problem: Any, trajectories: Sequence[Any], *,
                     plane: tuple[LossSurface, Sequence[np.ndarray]] | None = None,
                     view: projection.View = "settled", height: Height = "auto") -> dict[str, Any]:
    """The payload for runner ``trajectories`` of ``problem`` on :func:`~playground.training.projection.run_plane`.

    ``plane`` is that function's result when the caller has it already (it
    costs a loss grid); else it is computed in ``view``. Raises ValueError,
    saying why, when there is no plane to draw.
    """
    surface, paths = projection.run_plane(problem, trajectories, view) if plane is None else plane
    return surface_data(surface, trajectories, paths, height=height)


def _rounded(values: np.ndarray) -> list[float | None]:
    """``values`` to :data:`DIGITS` significant digits, as JSON numbers; non-finite ones as None."""
    return [float(f"{v:.{DIGITS}g}") if np.isfinite(v) else None for v in np.asarray(values, dtype=np.float64)]


def _cell_colors(loss: np.ndarray, z: np.ndarray, z_range: tuple[float, float],
                 finite: np.ndarray) -> list[str | None]:
    """Per grid cell, the contours' colour of its mean loss, shaded by :data:`LIGHT` on the drawn box's slopes."""
    cells = (loss[:-1, :-1] + loss[1:, :-1] + loss[:-1, 1:] + loss[1:, 1:]) / 4
    ok = np.isfinite(cells)
    rgb = plots.LOSS_CMAP(plots.loss_norm(finite)(np.where(ok, cells, finite.min())))[..., :3]
    # Slopes as the viewer draws them: x and y span 2 units, z spans BOX_HEIGHT.
    ny, nx = loss.shape
    drawn = (np.nan_to_num(z, nan=z_range[0]) - z_range[0]) / (z_range[1] - z_range[0]) * BOX_HEIGHT
    cell_z = (drawn[:-1, :-1] + drawn[1:, :-1] + drawn[:-1, 1:] + drawn[1:, 1:]) / 4
    # hillshade takes its array for a picture, rows running down; the grid's rows run up in y.
    light = (LightSource(**LIGHT).hillshade(cell_z[::-1], dx=2 / (nx - 1), dy=2 / (ny - 1))[::-1]
             if min(cell_z.shape) >= 2 else np.ones_like(cell_z))
    shaded = rgb * (0.55 + 0.45 * light)[..., None]
    hexes = np.array([to_hex(c) for c in shaded.reshape(-1, 3)], dtype=object).reshape(cells.shape)
    return [h if good else None for h, good in zip(hexes.ravel(), ok.ravel())]


def _linear_ticks(lo: float, hi: float, inset: float = 0.0) -> list[list[Any]]:
    """About five round values within [lo, hi], as [value, text] pairs; none within ``inset`` of the range of an end."""
    margin = inset * (hi - lo)
    values = [v for v in MaxNLocator(5).tick_values(lo, hi) if lo + margin <= v <= hi - margin]
    return [[float(v), f"{v:.3g}"] for v in values]


def _log_ticks(lo: float, hi: float, floor: float) -> list[list[Any]]:
    """Decades above the minimum ``lo``: [height, text] pairs, the text the loss ``lo + 10^k`` at height ``k``."""
    first, last = int(np.ceil(np.log10(floor))), int(np.floor(np.log10(hi - lo + floor)))
    return [[float(np.log10(10.0**k + floor)), f"{lo + 10.0**k:.3g}"] for k in range(first, last + 1)]


def _within(points: np.ndarray, bounds: projection.Bounds) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts[projection.inside(pts, bounds)]


def _cut(xy: np.ndarray, steps: np.ndarray, bounds: projection.Bounds) -> np.ndarray:
    """The (T, 2) path up to where it first leaves ``bounds``, ending on the edge it crosses."""
    exit_ = projection.view_exit(xy, steps, bounds)
    if exit_ is None:
        return np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    k = int(np.searchsorted(steps, exit_[0]))
    return np.vstack([np.reshape(xy[:k], (-1, 2)), exit_[1]])


def _lift(surface: LossSurface, z: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """(n, 3) points: the (n, 2) ``xy`` (inside the grid) at the height of the surface ``z`` under them (bilinear)."""
    xs, ys = surface.xs, surface.ys
    fi = np.interp(xy[:, 0], xs, np.arange(len(xs)))
    fj = np.interp(xy[:, 1], ys, np.arange(len(ys)))
    i = np.minimum(fi.astype(int), len(xs) - 2)
    j = np.minimum(fj.astype(int), len(ys) - 2)
    u, v = fi - i, fj - j
    h = ((1 - u) * (1 - v) * z[j, i] + u * (1 - v) * z[j, i + 1]
         + (1 - u) * v * z[j + 1, i] + u * v * z[j + 1, i + 1])
    return np.column_stack([xy, h])


def assets() -> web_assets.WebAssets:
    """The viewer's files as this package holds them, read now. The module's default export mounts a viewer:
    it takes ``{parentElement, data}``, finds the markup's ``.s3-viewer`` root in ``parentElement`` and draws
    ``data`` (a :func:`surface_data` payload)."""
    return web_assets.read(__name__, "surface3d")


def fragment_html(data: dict[str, Any]) -> str:
    """One viewer for the payload ``data`` as a self-contained HTML fragment (a notebook cell, a page's body)."""
    return web_assets.fragment_html(assets(), data, "s3")


class Surface:
    """A 3-D surface to show in a notebook (its ``_repr_html_``); arguments as for :func:`for_trajectories`."""

    def __init__(self, problem: Any, trajectories: Sequence[Any], **options: Any) -> None:
        self.data = for_trajectories(problem, trajectories, **options)

    def _repr_html_(self) -> str:
        return fragment_html(self.data)
