"""Matplotlib figures as pure functions: data in, Figure out.

Figures are bare :class:`matplotlib.figure.Figure` objects with an Agg canvas,
never made through ``pyplot``: the app renders in worker threads, and pyplot's
global figure registry is not thread-safe and keeps every figure alive until it
is closed.

Run ``r`` of a list is drawn in :func:`run_color` ``(r)`` in every figure and in
the player, so a run keeps its colour from one view to the next.

``trajectories`` are :class:`playground.training.runner.Trajectory`-like records: they
need ``label``, ``steps``, ``params``, ``losses`` and ``diverged_at``.
"""
from __future__ import annotations

import io
from typing import Any, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap
from matplotlib.figure import Figure

from . import projection
from .projection import Bounds, LossSurface, Projection

# Okabe & Ito's colour-blind-safe palette, yellow last: it is the one that
# vanishes on the light contour background.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")

# Low loss light, high loss slate: runs end in the valleys, where they must stay visible.
LOSS_CMAP = LinearSegmentedColormap.from_list("loss", ["#ffffff", "#e3e8ee", "#b4bfcc", "#8391a3"])


#: The colour of the stars that mark known minima (the GIF keeps it exact in its palette).
MINIMUM_COLOR = "#ffd400"


def run_color(index: int) -> str:
    """The colour of run ``index`` (a hex string), cycling through :data:`PALETTE`."""
    return PALETTE[index % len(PALETTE)]


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), dpi: float = 100) -> Figure:
    """An empty constrained-layout Figure on its own Agg canvas (no pyplot)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the figure's own dpi, so pixel = display coordinate (y flipped)."""
    buf = io.BytesIO()
    # No "Software" text chunk: it carries a URL, and the offline player must hold none.
    fig.savefig(buf, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buf.getvalue()


def loss_curves(trajectories: Sequence[Any], *, title: str = "Full-data loss",
                figsize: tuple[float, float] = (6.4, 4.0), dpi: float = 100, lrs: bool | None = None) -> Figure:
    """Loss against step, one line per run, an X where a run diverged.

    The y axis is logarithmic when every loss is positive; otherwise (an
    unbounded-below function such as the saddle) it is ``symlog``, which stays
    logarithmic for large magnitudes of either sign and linear near zero.
    ``lrs=True`` adds a panel underneath with each run's learning rate
    against the step (:func:`draw_lrs`); by default it is there when any run
    has a schedule, and the figure grows by a third to hold it.
    """
    if lrs is None:
        lrs = any(getattr(t, "schedule", None) is not None for t in trajectories)
    if not lrs:
        fig = new_figure(figsize, dpi)
        ax = fig.add_subplot()
    else:
        fig = new_figure((figsize[0], figsize[1] * 4 / 3), dpi)
        ax, lr_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1)})
        draw_lrs(lr_ax, trajectories)
    finite_losses = []
    for i, t in enumerate(trajectories):
        losses = np.asarray(t.losses, dtype=np.float64)
        steps = np.asarray(t.steps)
        bad = ~np.isfinite(losses)
        n = int(np.argmax(bad)) if bad.any() else len(losses)
        ax.plot(steps[:n], losses[:n], color=run_color(i), lw=1.6, label=_run_label(t))
        if t.diverged_at is not None and n:
            ax.plot(steps[n - 1], losses[n - 1], "X", color=run_color(i), ms=9, mec="white")
            # Below and right of the mark: a blow-up puts it at the top edge, where text above is cut off.
            ax.annotate(f"diverged at step {t.diverged_at}", (steps[n - 1], losses[n - 1]), xytext=(7, -3),
                        textcoords="offset points", va="top", fontsize=8, color=run_color(i))
        finite_losses.append(losses[:n])
    values = np.concatenate(finite_losses) if finite_losses else np.empty(0)
    if len(values) and values.min() > 0:
        ax.set_yscale("log")
    elif np.any(values != 0):
        # Linear below the 10th percentile of |loss|: most points still get log spacing.
        ax.set_yscale("symlog", linthresh=float(np.percentile(np.abs(values[values != 0]), 10)))
    ax.set(xlabel="" if lrs else "step", ylabel="full-data loss", title=title)
    ax.grid(True, which="major", alpha=0.3)
    if len(trajectories):
        ax.legend(fontsize=8)
    return fig


def draw_lrs(ax: Axes, trajectories: Sequence[Any]) -> None:
    """Each run's learning rate against the step on ``ax``, in its run's colour.

    The lr of the step that produced each snapshot (``traj.lrs``, aligned
    with ``traj.steps[1:]``), drawn as steps; log scale when the lrs span more
    than a factor of 10.
    """
    values = []
    for i, t in enumerate(trajectories):
        lrs = np.asarray(getattr(t, "lrs", ()), dtype=np.float64)
        if lrs.size:
            ax.step(np.asarray(t.steps)[1:len(lrs) + 1], lrs, where="post", color=run_color(i), lw=1.3)
            values.append(lrs[np.isfinite(lrs)])
    pos = np.concatenate(values) if values else np.empty(0)
    pos = pos[pos > 0]
    if pos.size and pos.max() > 10 * pos.min():
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="learning rate")
    ax.grid(True, which="major", alpha=0.3)


def contour(problem: Any, trajectories: Sequence[Any] = (), bounds: Bounds | None = None, *,
            resolution: int = 101, levels: int = 25, figsize: tuple[float, float] = (6.4, 5.0),
            dpi: float = 100) -> tuple[Figure, Axes]:
    """Loss contours of a two-parameter problem, its minima starred, runs drawn on top.

    ``bounds`` defaults to ``problem.bounds``, else to a box around the runs'
    finite points and the minima. With no ``trajectories`` this is the
    player's background.
    """
    paths = [projection.finite_snapshots(t.params) for t in trajectories]
    for t, xy in zip(trajectories, paths):
        if xy.shape[1] != 2:
            raise ValueError(f"run {t.label!r} has {xy.shape[1]} parameters; contour draws 2 (see projected_contour)")
    if bounds is None:
        bounds = projection.parameter_bounds(problem, paths)
    return surface_figure(projection.parameter_plane(problem, bounds, resolution), trajectories, paths,
                          levels=levels, figsize=figsize, dpi=dpi)


def projected_contour(proj: Projection, trajectories: Sequence[Any] = (), *, levels: int = 25,
                      figsize: tuple[float, float] = (6.4, 5.0), dpi: float = 100) -> tuple[Figure, Axes]:
    """Loss contours on a :func:`playground.viz.projection.project` plane, runs drawn by their coordinates.

    ``trajectories`` are the runs ``proj`` was made from, in the same order (or
    none, for the player's background).
    """
    return surface_figure(proj.surface, trajectories, proj.coords[:len(trajectories)],
                          levels=levels, figsize=figsize, dpi=dpi)


def surface_figure(surface: LossSurface, trajectories: Sequence[Any] = (),
                   paths: Sequence[np.ndarray] = (), *, levels: int = 25,
                   figsize: tuple[float, float] = (6.4, 5.0), dpi: float = 100) -> tuple[Figure, Axes]:
    """Draw ``surface`` and, per run, its (T, 2) ``paths[r]`` labelled from ``trajectories[r]``.

    With :func:`playground.viz.projection.run_plane` this draws any problem's
    runs; with no ``trajectories`` it is the player's background.
    """
    z = np.ma.masked_invalid(surface.loss)
    if z.count() == 0:
        raise ValueError(f"the loss is not finite anywhere on the grid of {surface.title!r}")
    lv = contour_levels(z.compressed(), levels)
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    filled = ax.contourf(surface.xs, surface.ys, z, levels=lv, cmap=LOSS_CMAP,
                         norm=BoundaryNorm(lv, LOSS_CMAP.N))
    ax.contour(surface.xs, surface.ys, z, levels=lv, colors="#303a46", linewidths=0.5, alpha=0.35)
    bar = fig.colorbar(filled, ax=ax, label="loss", ticks=lv[:: max(1, len(lv) // 6)], format="{x:.3g}")
    bar.ax.tick_params(labelsize=8)
    if len(surface.minima):
        ax.plot(surface.minima[:, 0], surface.minima[:, 1], "*", ms=15, color=MINIMUM_COLOR,
                mec="black", mew=0.9, label="minimum", zorder=5)
    for i, (t, xy) in enumerate(zip(trajectories, paths)):
        _draw_path(ax, xy, run_color(i), _run_label(t), t.diverged_at is not None)
    ax.set(xlim=(surface.xs[0], surface.xs[-1]), ylim=(surface.ys[0], surface.ys[-1]),
           xlabel=surface.axis_labels[0], ylabel=surface.axis_labels[1], title=surface.title)
    if len(trajectories):
        ax.legend(fontsize=8, loc="upper right", framealpha=0.9)
    return fig, ax


def contour_levels(values: np.ndarray, n: int) -> np.ndarray:
    """``n`` increasing contour levels spanning the finite ``values``.

    Steep walls around a flat valley (Rosenbrock, Beale) put most of the
    grid far above the minimum: equal steps would spend nearly
    every level on the walls and leave the valley, where runs move, one flat
    band. There levels are spaced geometrically above the minimum instead,
    which also works for losses <= 0.
    """
    if n < 2:
        raise ValueError(f"levels must be at least 2, got {n}")
    lo, hi = float(np.min(values)), float(np.max(values))
    if not hi > lo:
        # A flat surface still needs two distinct levels to draw its one band.
        return np.array([lo - 0.5, lo + 0.5]) if lo == 0 else np.sort([lo * 0.99, lo * 1.01])
    if (np.median(values) - lo) / (hi - lo) < 0.2:
        return np.concatenate([[lo], lo + np.geomspace((hi - lo) * 1e-4, hi - lo, n - 1)])
    return np.linspace(lo, hi, n)


def _run_label(t: Any) -> str:
    return t.label if t.diverged_at is None else f"{t.label} (diverged at step {t.diverged_at})"


def _draw_path(ax: Axes, xy: np.ndarray, color: str, label: str, diverged: bool) -> None:
    """A run's path, a hollow ring at its start and a dot (an X if it diverged) at its end."""
    ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=1.8, label=label, zorder=3)
    if len(xy):
        ax.plot(*xy[0], "o", ms=6, mfc="white", mec=color, mew=1.5, zorder=4)
        ax.plot(*xy[-1], "X" if diverged else "o", ms=8, color=color, mec="white", zorder=4)


def eps_sweep_figure(sweep: Any, eps: float | None = None, *, figsize: tuple[float, float] = (6.4, 4.2),
              dpi: float = 100) -> Figure:
    """Numeric-gradient error against step size, from :func:`playground.gradcheck.eps_sweep`, on log-log axes.

    One line per method: central differences make a V (truncation error
    falling as eps² on the right, round-off growing as 1/eps on the left),
    forward differences fall only as eps, and the complex step (when ``f`` is
    complex-safe) flattens near machine precision. ``eps``, the step a check
    used, is marked with a vertical line. Errors of exactly 0 are drawn at the
    smallest positive float a log axis can show.
    """
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    floor = np.finfo(float).tiny
    methods = [("central", sweep.central), ("forward", sweep.forward), ("complex step", sweep.complex_step)]
    for i, (name, errors) in enumerate(methods):
        if errors is not None:
            ax.plot(sweep.eps, np.maximum(errors, floor), "o-", ms=4, lw=1.6, color=run_color(i), label=name)
    if eps is not None:
        ax.axvline(eps, color="#52606d", ls="--", lw=1, label=f"eps in use ({eps:g})")
    ax.set(xscale="log", yscale="log", xlabel="step eps", ylabel="relative error of the directional derivative",
           title="Round-off (small eps) against truncation (large eps)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
