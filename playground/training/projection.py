"""Runs as paths in a plane, and the loss over that plane.

A two-parameter problem is drawn in its own parameter plane
(:func:`parameter_plane`). A problem with many parameters (an MLP) is drawn on
the plane through a centre spanned by the first two principal directions of
every recorded snapshot of every run (:func:`principal_plane`, drawn by
:func:`project`): the plane in which the runs moved the most. Other runs can be
drawn in a plane fitted to these (:meth:`Plane.place`), and a point clicked in
it is a parameter vector (:meth:`Plane.point`). Either way the result holds a :class:`LossSurface`, which
:mod:`playground.viz.plots` and :mod:`playground.viz.player` draw the same way.

The loss over a G x G grid is ONE call of ``problem.loss`` with params whose
every block has a leading batch axis of G*G rows: the problem's vectorised
path, instead of G*G Python-level calls. Only when that call would hold more
than :data:`CHUNK_ENTRIES` numbers (big data, big networks) is the grid cut
into a few calls, so memory stays bounded.

A snapshot is one recorded parameter tree flattened to a vector in the order of
:func:`optimizers.tree.flatten` (blocks in key order, entries in C order).

The view (:data:`VIEWS`, :func:`fit_view`): by default the plane's window fits
the runs that settle (:func:`settles`) and the known minima, so one run that
diverges or drifts away does not shrink every other run to a dot; a run that
leaves that window is drawn to its edge, where :func:`view_exit` says at which
step it left. The ``"all"`` view fits every run instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from optimizers import tree

View = Literal["settled", "all"]
#: The views of a plane, and what each fits, in words: the choices of a comparison's ``view`` field
#: (:data:`playground.setups.comparison.VIEW`), which the app labels its radio with.
VIEWS: dict[str, str] = {"settled": "fit the runs that settle", "all": "fit every run"}


Bounds = tuple[tuple[float, float], tuple[float, float]]

#: A run settles when the last SETTLE_TAIL of its path spans at most SETTLE_SHARE of the whole path's extent:
#: a converging run's tail is a speck of its path, a drifting or oscillating run's tail is a fair share of it.
SETTLE_TAIL = 0.25
SETTLE_SHARE = 0.1

#: Grid points per side: a two-parameter problem's own plane, and a principal plane (whose
#: grid holds copies of a network's activations, hence coarser).
PLANE_RESOLUTION = 101
PROJECTION_RESOLUTION = 41

#: Grid points x samples x parameters per batched loss call at most: about 130 MB of
#: float64 intermediates for least squares, a bound on the activations of an MLP.
CHUNK_ENTRIES = 2**24


def snapshot_rows(params: tree.Tree) -> np.ndarray:
    """A (k, D) matrix of k recorded snapshots, from a tree whose blocks have a leading axis k."""
    blocks = tree.leaves(params)
    k = np.shape(blocks[0])[0]
    return np.concatenate([np.reshape(b, (k, -1)) for b in blocks], axis=1).astype(np.float64)


def finite_snapshots(params: tree.Tree) -> np.ndarray:
    """The snapshots before the first one holding an inf or nan, as a (T, D) matrix.

    A diverged run is drawn up to its last finite point; everything after the
    first non-finite entry is noise from the blow-up, not a place it visited.
    """
    rows = snapshot_rows(params)
    bad = ~np.isfinite(rows).all(axis=1)
    return rows[: int(np.argmax(bad))] if bad.any() else rows


def box(points: np.ndarray, margin: float = 0.1) -> Bounds:
    """An axis-aligned box around (n, 2) ``points``, widened by ``margin`` of its size on every side."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        raise ValueError("box needs at least one point, got none")
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = hi - lo
    # A flat side (runs moving along a line, or a single point) would give a grid
    # of zero height: give it a quarter of the other side, or unit size if both are flat.
    floor = 0.25 * span.max() if span.max() > 0 else max(1.0, float(np.abs(pts).max()))
    half = np.maximum(span, floor) * (0.5 + margin)
    mid = (lo + hi) / 2
    return ((mid[0] - half[0], mid[0] + half[0]), (mid[1] - half[1], mid[1] + half[1]))


def _extent(points: np.ndarray) -> float:
    """The longer side of the axis-aligned box around ``points``."""
    return float(np.max(points.max(axis=0) - points.min(axis=0))) if len(points) else 0.0


def settles(path: np.ndarray, diverged: bool) -> bool:
    """Whether a run with (T, 2) ``path`` settles: it did not diverge, and its path's tail is short.

    Short: the last :data:`SETTLE_TAIL` of the points span at most
    :data:`SETTLE_SHARE` of the whole path's extent. A run that never moved
    settles; one that drifts at a steady pace, or oscillates without
    shrinking, does not.
    """
    if diverged:
        return False
    whole = _extent(path)
    if whole == 0.0:
        return True
    tail = path[int(len(path) * (1 - SETTLE_TAIL)):]
    return _extent(tail) <= SETTLE_SHARE * whole


def fit_view(paths: Sequence[np.ndarray], diverged: Sequence[bool], view: View = "settled", *,
             home: Bounds | None = None, marks: np.ndarray = np.empty((0, 2)), margin: float = 0.1) -> Bounds:
    """The window in which to draw the (T_r, 2) ``paths`` of runs that ``diverged`` or not.

    ``view="settled"`` fits the paths that :func:`settles` and the (M, 2)
    ``marks`` (minima); ``"all"`` fits every path and the marks. The box
    around them (:func:`box`, widened by ``margin``) is grown to hold
    ``home``, the problem's own window, when it has one. With neither points
    nor ``home`` (nothing settled, no minimum known), it fits every path.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(map(repr, VIEWS))}, got {view!r}")
    if len(diverged) != len(paths):
        raise ValueError(f"got {len(diverged)} divergence flags for {len(paths)} paths")
    marks = np.asarray(marks, dtype=np.float64).reshape(-1, 2)
    chosen = [p for p, down in zip(paths, diverged) if view == "all" or settles(p, down)]
    points = np.concatenate([*(np.reshape(p, (-1, 2)) for p in chosen), marks])
    if not len(points):
        if home is not None:
            return home
        points = np.concatenate([np.reshape(p, (-1, 2)) for p in paths]) if paths else points
        if not len(points):
            raise ValueError("there is nothing to fit a view to: no run has a point and no minimum is known")
    fitted = box(points, margin)
    if home is None:
        return fitted
    (x0, x1), (y0, y1) = fitted
    (hx0, hx1), (hy0, hy1) = home
    return ((min(x0, hx0), max(x1, hx1)), (min(y0, hy0), max(y1, hy1)))


def inside(points: np.ndarray, bounds: Bounds) -> np.ndarray:
    """Per (n, 2) point, whether it lies in the closed box ``bounds``."""
    (x0, x1), (y0, y1) = bounds
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)


def view_exit(path: np.ndarray, steps: np.ndarray, bounds: Bounds) -> tuple[int, np.ndarray] | None:
    """When and where a run first leaves the view ``bounds``: ``(step, point on the edge)``, or None if it never does.

    ``path`` (T, 2) holds the run's points at ``steps`` (T,). The step is the
    first recorded one outside the box; the point is where the straight
    segment from the point before crosses the box's edge (the first point
    itself, pulled onto the edge, when the run starts outside).
    """
    pts = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    out = np.flatnonzero(~inside(pts, bounds))
    if not len(out):
        return None
    i = int(out[0])
    lo, hi = np.array([bounds[0][0], bounds[1][0]]), np.array([bounds[0][1], bounds[1][1]])
    if i == 0:
        return int(steps[0]), np.clip(pts[0], lo, hi)
    a, b = pts[i - 1], pts[i]
    delta = b - a
    # The largest t in [0, 1] with a + t * delta still in the box: the first wall the segment meets.
    with np.errstate(divide="ignore", invalid="ignore"):
        walls = np.where(delta > 0, (hi - a) / delta, np.where(delta < 0, (lo - a) / delta, np.inf))
    t = float(np.clip(np.min(walls), 0.0, 1.0))
    return int(steps[i]), np.clip(a + t * delta, lo, hi)


def plane_loss(problem: Any, centre: np.ndarray, directions: np.ndarray,
               xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Loss at ``centre + x * directions[0] + y * directions[1]`` for every x in ``xs``, y in ``ys``.

    Returns a (len(ys), len(xs)) array, ``loss[j, i]`` at ``(xs[i], ys[j])``
    (the layout matplotlib's ``contour`` expects), from one batched call of
    ``problem.loss`` (a few, for a grid too big for one; see :data:`CHUNK_ENTRIES`).
    """
    a, b = np.meshgrid(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    rows = centre + a.reshape(-1, 1) * directions[0] + b.reshape(-1, 1) * directions[1]
    like = problem.init_params(0)
    chunk = max(1, CHUNK_ENTRIES // (problem.n_samples * rows.shape[1]))
    parts = []
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        loss = np.asarray(problem.loss(tree.unflatten(part, like)), dtype=np.float64)
        if loss.shape != (len(part),):
            raise ValueError(
                f"{problem.name}.loss returned shape {loss.shape} for a batch of {len(part)} params; "
                f"expected ({len(part)},): its loss must accept a leading batch axis on every block"
            )
        parts.append(loss)
    return np.concatenate(parts).reshape(a.shape)


@dataclass(frozen=True, eq=False)
class LossSurface:
    """The loss on a grid of a plane: ``loss[j, i]`` at ``(xs[i], ys[j])``; ``minima`` (M, 2) to mark.

    The plane is ``centre + x * directions[0] + y * directions[1]`` in the
    space of flattened parameter vectors: ``centre`` (D,), ``directions``
    (2, D) orthonormal (the origin and the identity for a two-parameter
    problem's own plane).
    """

    xs: np.ndarray
    ys: np.ndarray
    loss: np.ndarray
    axis_labels: tuple[str, str]
    title: str
    minima: np.ndarray
    centre: np.ndarray
    directions: np.ndarray

    @property
    def bounds(self) -> Bounds:
        """The window the grid spans: ``((x0, x1), (y0, y1))``."""
        return ((float(self.xs[0]), float(self.xs[-1])), (float(self.ys[0]), float(self.ys[-1])))

    def coords(self, points: np.ndarray) -> np.ndarray:
        """(n, D) flattened parameter vectors as (n, 2) coordinates in the plane: their orthogonal projection."""
        return (np.asarray(points, dtype=np.float64) - self.centre) @ self.directions.T


def _grid(bounds: Bounds, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(resolution, (int, np.integer)) and resolution >= 2):
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    (x0, x1), (y0, y1) = bounds
    if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
        raise ValueError(f"bounds must be finite ((x0, x1), (y0, y1)) with x0 < x1 and y0 < y1, got {bounds!r}")
    return np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)


def minima_points(problem: Any) -> np.ndarray:
    """A two-parameter problem's ``minima`` and flattened ``optimum`` (once), as (M, 2)."""
    marks = [np.asarray(m, dtype=np.float64).reshape(2) for m in
             (problem.minima if problem.minima is not None else [])]
    if problem.optimum is not None:
        opt = tree.flatten(problem.optimum).astype(np.float64)
        if not any(np.allclose(opt, m) for m in marks):
            marks.append(opt)
    return np.array(marks).reshape(-1, 2)


def parameter_bounds(problem: Any, paths: Sequence[np.ndarray] = (), diverged: Sequence[bool] | None = None,
                     view: View = "settled") -> Bounds:
    """Where to draw a two-parameter problem's (T, 2) ``paths``: :func:`fit_view` around its ``bounds`` and minima.

    ``diverged`` flags the runs that diverged (none, by default).
    """
    return fit_view(paths, [False] * len(paths) if diverged is None else diverged, view,
                    home=getattr(problem, "bounds", None), marks=minima_points(problem))


def parameter_plane(problem: Any, bounds: Bounds, resolution: int = PLANE_RESOLUTION) -> LossSurface:
    """The loss of a two-parameter problem over ``bounds``, with its :func:`minima_points`."""
    if problem.dim != 2:
        raise ValueError(
            f"parameter_plane draws two-parameter problems; {problem.name!r} has {problem.dim}: "
            "use project() for a problem with many parameters"
        )
    xs, ys = _grid(bounds, resolution)
    labels = tuple(getattr(problem, "axis_labels", None) or ("θ₀", "θ₁"))
    centre, directions = np.zeros(2), np.eye(2)
    return LossSurface(
        xs=xs, ys=ys, loss=plane_loss(problem, centre, directions, xs, ys), axis_labels=labels,
        title=problem.title, minima=minima_points(problem), centre=centre, directions=directions,
    )


@dataclass(frozen=True, eq=False)
class Plane:
    """The plane ``centre + a * directions[0] + b * directions[1]`` of parameter space, fitted to some runs.

    ``directions`` (2, D) are orthonormal; ``explained_variance_ratio`` is the
    share of the fitted runs' squared distance from ``centre`` that each
    direction carries. ``coords`` are those runs' (T_r, 2) paths in the plane,
    ``diverged`` which of them diverged, and ``marks`` the (M, 2) projected
    optimum: what a window of the plane fits (:meth:`window`). Other runs are
    placed in the same plane with :meth:`place`, and a point of the plane is
    a parameter vector with :meth:`point`.
    """

    centre: np.ndarray
    directions: np.ndarray
    explained_variance_ratio: np.ndarray
    coords: tuple[np.ndarray, ...]
    diverged: tuple[bool, ...]
    marks: np.ndarray
    margin: float = 0.25

    @property
    def axis_labels(self) -> tuple[str, str]:
        evr = self.explained_variance_ratio
        return (f"PC1 ({evr[0]:.1%} of variance)", f"PC2 ({evr[1]:.1%})")

    def window(self, view: View = "settled") -> Bounds:
        """The (a, b) window drawn in ``view``: :func:`fit_view` of the fitted runs and the marks."""
        return fit_view(self.coords, self.diverged, view, marks=self.marks, margin=self.margin)

    def point(self, a: float, b: float) -> np.ndarray:
        """The flat parameter vector (as :func:`optimizers.tree.flatten`) at plane coordinates (a, b)."""
        return self.centre + a * self.directions[0] + b * self.directions[1]

    def place(self, trajectories: Sequence[Any]) -> tuple[np.ndarray, ...]:
        """Each run's (T_r, 2) path in this plane: its finite snapshots (:func:`finite_snapshots`), projected."""
        return tuple((finite_snapshots(t.params) - self.centre) @ self.directions.T for t in trajectories)


def principal_plane(problem: Any, trajectories: Sequence[Any], *, centre: Literal["mean"] | int = "mean",
                    margin: float = 0.25) -> Plane:
    """The plane of the first two principal directions of every finite snapshot of every run, through ``centre``.

    ``centre`` is ``"mean"`` (the mean snapshot) or the index of a run whose
    final finite snapshot becomes the origin (the loss-landscape convention:
    the contours then pass through the point that run reached). Its windows
    have ``margin`` on every side. No loss is computed. ValueError when there
    is no plane: no finite snapshot, fewer than 2 parameters, runs that never moved.
    """
    paths = [finite_snapshots(t.params) for t in trajectories]
    if not paths or not sum(len(p) for p in paths):
        raise ValueError(f"project needs at least one finite snapshot, got {len(paths)} runs with none")
    points = np.concatenate(paths)
    if points.shape[1] < 2:
        raise ValueError(f"project needs at least 2 parameters to span a plane, got {points.shape[1]}")
    if centre == "mean":
        origin = points.mean(axis=0)
    elif isinstance(centre, (int, np.integer)) and 0 <= centre < len(paths) and len(paths[centre]):
        origin = paths[centre][-1]
    else:
        raise ValueError(
            f"centre must be 'mean' or the index of a run with a finite snapshot (0..{len(paths) - 1}), "
            f"got {centre!r}"
        )
    _, sing, vt = np.linalg.svd(points - origin, full_matrices=False)
    spread = float(np.sqrt(np.sum(sing**2)))
    # Rounding alone leaves identical snapshots ~1e-16 * |theta| apart; anything
    # this small has no direction worth drawing, and would divide by ~zero below.
    if spread <= 1e-9 * max(1.0, float(np.abs(points).max())) * np.sqrt(len(points)):
        raise ValueError(
            f"all {len(points)} parameter snapshots are (nearly) identical (spread {spread:.3g}): "
            "the runs did not move, so there is no plane to project them on"
        )
    directions = vt[:2] * _orientation(vt[:2], paths)[:, None]
    marks = np.empty((0, 2))
    if problem.optimum is not None:
        marks = ((tree.flatten(problem.optimum) - origin) @ directions.T).reshape(1, 2)
    return Plane(centre=origin, directions=directions, explained_variance_ratio=sing[:2] ** 2 / spread**2,
                 coords=tuple((p - origin) @ directions.T for p in paths),
                 diverged=tuple(t.diverged_at is not None for t in trajectories), marks=marks, margin=margin)


@dataclass(frozen=True, eq=False)
class Projection:
    """Runs projected on a :class:`Plane`, with the loss over its window.

    ``coords[r]`` is run r's (T_r, 2) path in the plane (its finite snapshots,
    as :func:`finite_snapshots`); ``surface`` is the loss on the plane's
    window, with the problem's optimum projected into it when known.
    ``centre``, ``directions`` and ``explained_variance_ratio`` are the plane's.
    """

    plane: Plane
    coords: tuple[np.ndarray, ...]
    surface: LossSurface

    @property
    def centre(self) -> np.ndarray:
        return self.plane.centre

    @property
    def directions(self) -> np.ndarray:
        return self.plane.directions

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        return self.plane.explained_variance_ratio


def project(problem: Any, trajectories: Sequence[Any], *, centre: Literal["mean"] | int = "mean",
            resolution: int = PROJECTION_RESOLUTION, margin: float = 0.25, view: View = "settled",
            plane: Plane | None = None) -> Projection:
    """Project every run on the first two principal directions of all their snapshots (:func:`principal_plane`).

    ``centre`` and ``margin`` are :func:`principal_plane`'s. ``plane``, when
    given, is the plane to draw in instead (fitted to other runs, with
    ``centre`` and ``margin`` its own): the runs are placed in it and the
    grid is its window, so the picture is the one drawn for the runs it was
    fitted to. The grid spans the window of ``view`` (:meth:`Plane.window`);
    keep ``resolution`` modest, because the one batched loss call holds
    ``resolution**2`` copies of the network's activations (in chunks of
    :data:`CHUNK_ENTRIES` at most).
    """
    if plane is None:
        plane = principal_plane(problem, trajectories, centre=centre, margin=margin)
    xs, ys = _grid(plane.window(view), resolution)
    surface = LossSurface(
        xs=xs, ys=ys, loss=plane_loss(problem, plane.centre, plane.directions, xs, ys),
        axis_labels=plane.axis_labels, title=problem.title, minima=plane.marks,
        centre=plane.centre, directions=plane.directions,
    )
    return Projection(plane=plane, coords=plane.place(trajectories), surface=surface)


def _orientation(directions: np.ndarray, paths: list[np.ndarray]) -> np.ndarray:
    """Signs (+1/-1) that make the first moving run go right and up, so a plot does not flip on reruns.

    SVD directions are defined only up to sign; without this, adding a run could
    mirror the whole picture.
    """
    moved = next((p[-1] - p[0] for p in paths if len(p) > 1 and np.any(p[-1] != p[0])), None)
    signs = np.ones(len(directions))
    for k, d in enumerate(directions):
        along = float(d @ moved) if moved is not None else 0.0
        ref = along if along != 0.0 else d[np.argmax(np.abs(d))]
        signs[k] = -1.0 if ref < 0 else 1.0
    return signs


def run_plane(problem: Any, trajectories: Sequence[Any], view: View = "settled",
              plane: Plane | None = None) -> tuple[LossSurface, tuple[np.ndarray, ...]]:
    """The plane in which to draw and play ``trajectories`` of ``problem``, and each run's (T_r, 2) path in it.

    A two-parameter problem is drawn in its own parameter plane
    (:func:`parameter_plane` over :func:`parameter_bounds`); any other on the
    plane of the runs' first two principal directions (:func:`project`), or
    on ``plane`` when given (fitted to other runs: the runs are then drawn in
    that plane's own window). Either way a path holds a run's finite
    snapshots, and the window is ``view``'s (:func:`fit_view`). Raises
    ValueError when there is no plane to draw (runs that never moved, a loss
    that is nowhere finite on the grid).
    """
    if problem.dim == 2:
        paths = tuple(finite_snapshots(t.params) for t in trajectories)
        bounds = parameter_bounds(problem, paths, [t.diverged_at is not None for t in trajectories], view)
        return parameter_plane(problem, bounds), paths
    proj = project(problem, trajectories, view=view, plane=plane)
    return proj.surface, proj.coords
