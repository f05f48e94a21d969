"""Matplotlib figures as pure functions: data in, Figure out.

Figures are bare :class:`matplotlib.figure.Figure` objects with an Agg canvas,
never made through ``pyplot``: the app renders in worker threads, and pyplot's
global figure registry is not thread-safe and keeps every figure alive until it
is closed.

Run ``r`` of a list is drawn in :func:`run_color` ``(r)`` in every figure and in
the player, so a run keeps its colour from one view to the next.

``trajectories`` are :class:`playground.training.runner.Trajectory`-like records: they
need ``label``, ``steps``, ``params``, ``losses`` and ``diverged_at``.

Sizes are for reading on a page, not in a paper: a figure is about five
inches wide, so a 10 pt legend stays about 11 CSS pixels tall where the app
shows it in a half-width column (some 450 pixels) or on a phone (about 360).
Font sizes are passed to each artist (:data:`FONT`), never set in
``rcParams``, which are global and shared by the app's threads.
"""
from __future__ import annotations

import io
import re
from typing import Any, Sequence

import numpy as np
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation

from ..gradcheck.report import format_eps
from ..training import projection
from ..training.projection import Bounds, LossSurface, Projection

# Okabe & Ito's colour-blind-safe palette, yellow last: it is the one that
# vanishes on the light contour background.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")

# Low loss light, high loss slate: runs end in the valleys, where they must stay visible.
LOSS_CMAP = LinearSegmentedColormap.from_list("loss", ["#ffffff", "#e3e8ee", "#b4bfcc", "#8391a3"])


#: The colour of the stars that mark known minima (the GIF keeps it exact in its palette).
MINIMUM_COLOR = "#ffd400"


#: Font sizes in points: axis labels, tick labels, legends and notes on the plot, titles.
FONT = {"label": 11, "tick": 10, "legend": 10, "note": 10, "title": 12}
#: Figure sizes in inches, and the dpi every figure is rendered at (sharp on a high-density screen).
CONTOUR_SIZE = (5.2, 4.4)
LOSS_SIZE = (5.2, 4.0)
DPI = 120
#: The sign that a run left the view: a diamond on the edge, where the path crosses it.
EXIT_MARKER = "D"


def run_color(index: int) -> str:
    """The colour of run ``index`` (a hex string), cycling through :data:`PALETTE`."""
    return PALETTE[index % len(PALETTE)]


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), dpi: float = DPI) -> Figure:
    """An empty constrained-layout Figure on its own Agg canvas (no pyplot)."""
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def style_axes(ax: Axes, *, xlabel: str = "", ylabel: str = "", title: str = "") -> None:
    """Label ``ax`` in the :data:`FONT` sizes."""
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.set_title(title, fontsize=FONT["title"])
    ax.tick_params(labelsize=FONT["tick"])


def legend_below(fig: Figure, ax: Axes) -> Any:
    """The legend of ``ax`` under the plot, where long labels cover no run; two columns when there are many.

    Returns it (None without labels): a figure placed by :func:`measured_layout` makes room for it there; under
    constrained layout it takes its room itself.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    where = "outside lower center" if fig.get_layout_engine() is not None else "lower center"

    def legend(labels: list[str]) -> Any:
        return fig.legend(handles, labels, loc=where, fontsize=FONT["legend"], ncols=2 if len(handles) > 3 else 1,
                          frameon=False)

    # A label wider than the figure (a run with a chained schedule) would be cut at both edges: the labels are
    # wrapped, shorter each time, until the legend fits.
    shown, room = legend(labels), fig.bbox.width - 2 * EDGE_PT * fig.dpi / 72
    chars = max(map(len, labels))
    renderer = fig.canvas.get_renderer()
    while (width := shown.get_window_extent(renderer).width) > room and chars > 12:
        chars = max(12, min(chars - 1, int(chars * room / width)))
        shown.remove()
        shown = legend([wrapped(label, chars) for label in labels])
    return shown


def wrapped(label: str, chars: int) -> str:
    """``label`` in lines of at most ``chars`` characters, broken after a space, a comma or a plus (a schedule's
    spec has no spaces), and inside a word only where it is longer than a line: for a legend or a title."""
    lines = [""]
    for piece in re.findall(r"[^ ,+]+[ ,+]*|[ ,+]+", label):  # each word with the separators after it
        if lines[-1] and len(lines[-1]) + len(piece.rstrip()) > chars:
            lines.append("")
        lines[-1] += piece
        while len(lines[-1]) > chars:
            lines[-1:] = [lines[-1][:chars], lines[-1][chars:]]
    return "\n".join(line.rstrip() for line in lines)


def suboptimality(losses: np.ndarray, optimum_loss: float) -> np.ndarray:
    """``losses - optimum_loss``, floored at the loss's own round-off so it can go on a log axis.

    Below about machine epsilon x max(1, |loss*|) the difference is noise in
    the last bits of the loss (it can even come out negative).
    """
    floor = np.finfo(float).eps * max(1.0, abs(optimum_loss))
    return np.maximum(np.asarray(losses, dtype=np.float64) - optimum_loss, floor)


class _TextPowers(LogFormatterSciNotation):
    """matplotlib's log-axis tick labels (10⁻³, 2×10⁻³, its choice of ticks and of which to label) as plain text
    with Unicode superscripts: parsing them as mathtext took half the draw time of the loss curves."""

    _SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

    def __call__(self, x: float, pos: int | None = None) -> str:
        label = super().__call__(x, pos)
        math = re.fullmatch(r"\$\\mathdefault\{(.*)\}\$", label)
        if math is None:
            return label
        powers = re.sub(r"\^\{(-?\d+)\}", lambda m: m.group(1).translate(self._SUPERSCRIPTS), math.group(1))
        return powers.replace(r"\times", "×").replace("-", "−")


def text_log_labels(fig: Figure) -> None:
    """Label every log axis of ``fig`` (colour bars too) as text (:class:`_TextPowers`), not mathtext.

    The formatter keeps its state (base, which minor ticks it labels): only
    how a label is written changes. Done before the labels are measured or
    drawn, by :func:`measured_layout` and :func:`to_png`.
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for formatter in (axis.get_major_formatter(), axis.get_minor_formatter()):
                if type(formatter) is LogFormatterSciNotation:
                    formatter.__class__ = _TextPowers


def to_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the figure's own dpi, so pixel = display coordinate (y flipped)."""
    text_log_labels(fig)
    buf = io.BytesIO()
    # No "Software" text chunk: it carries a URL, and the offline player must hold none.
    fig.savefig(buf, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buf.getvalue()


def loss_curves(trajectories: Sequence[Any], *, optimum_loss: float | None = None, title: str | None = None,
                figsize: tuple[float, float] = LOSS_SIZE, dpi: float = DPI, lrs: bool | None = None) -> Figure:
    """Loss against step, one line per run, an X where a run diverged.

    With ``optimum_loss`` (loss*, see :meth:`playground.problems.Problem.optimal_loss`) the curves are the
    suboptimality loss - loss* (:func:`suboptimality`), which keeps falling
    on a log axis where the loss itself flattens onto loss*; the y label says
    which is drawn. The y axis is logarithmic when every value is positive;
    otherwise (an unbounded-below function such as the saddle) it is
    ``symlog``, which stays logarithmic for large magnitudes of either sign
    and linear near zero. ``lrs=True`` adds a panel underneath with each run's
    learning rate against the step (:func:`draw_lrs`); by default it is there
    when any run has a schedule, and the figure grows by a third to hold it.
    """
    if lrs is None:
        lrs = any(getattr(t, "schedule", None) is not None for t in trajectories)
    fig, column = measured_figure((figsize[0], figsize[1] * 4 / 3) if lrs else figsize, dpi, 2 if lrs else 1)
    ax = column[0]
    if lrs:
        ax.xaxis.set_tick_params(labelbottom=False)  # the lr panel's step axis is the one read
        draw_lrs(column[1], trajectories)
    finite_values = []
    last_step = max((int(np.asarray(t.steps)[-1]) for t in trajectories if len(t.steps)), default=0)
    for i, t in enumerate(trajectories):
        losses = np.asarray(t.losses, dtype=np.float64)
        steps = np.asarray(t.steps)
        bad = ~np.isfinite(losses)
        n = int(np.argmax(bad)) if bad.any() else len(losses)
        values = losses[:n] if optimum_loss is None else suboptimality(losses[:n], optimum_loss)
        ax.plot(steps[:n], values, color=run_color(i), lw=1.6, label=_run_label(t))
        if t.diverged_at is not None and n:
            ax.plot(steps[n - 1], values[n - 1], "X", color=run_color(i), ms=9, mec="white")
            # Below the mark (a blow-up puts it at the top edge), on the side facing the middle of the axis,
            # so the text stays on the plot whether the run blew up early or late.
            early = steps[n - 1] < 0.5 * last_step
            ax.annotate(f"diverged at step {t.diverged_at}", (steps[n - 1], values[n - 1]),
                        xytext=(7 if early else -7, -5), textcoords="offset points", ha="left" if early else "right",
                        va="top", fontsize=FONT["note"], color=run_color(i))
        finite_values.append(values)
    values = np.concatenate(finite_values) if finite_values else np.empty(0)
    if len(values) and values.min() > 0:
        ax.set_yscale("log")
    elif np.any(values != 0):
        # Linear below the 10th percentile of |loss|: most points still get log spacing.
        ax.set_yscale("symlog", linthresh=float(np.percentile(np.abs(values[values != 0]), 10)))
    ylabel = "full-data loss" if optimum_loss is None else f"loss − loss*   (loss* = {optimum_loss:.4g})"
    default_title = "Full-data loss" if optimum_loss is None else "Distance above the minimum's loss"
    style_axes(ax, xlabel="" if lrs else "step", ylabel=ylabel, title=default_title if title is None else title)
    ax.grid(True, which="major", alpha=0.3)
    measured_layout(fig, column, heights=(3, 1) if lrs else None, legend=legend_below(fig, ax))
    return fig


#: Up to this many parameters, :func:`parameter_curves` draws each one; past it, each block's norm.
MAX_PARAMETER_PANELS = 6


def parameter_curves(trajectories: Sequence[Any], names: Sequence[str] | None = None, *,
                     figsize: tuple[float, float] | None = None, dpi: float = 100) -> Figure:
    """Each parameter against the step, one panel per parameter and one line per run, an X where a run diverged.

    For runs of at most :data:`MAX_PARAMETER_PANELS` parameters in one array
    (a line fit's m and b), a panel per parameter, titled by ``names`` (e.g.
    the problem's ``axis_labels``; θ[i] by default): a drift such as "m up, b
    down, forever" is then a picture. Otherwise (an MLP's dict of blocks, or a
    longer array) a panel per block with its Euclidean norm, ‖W1‖ and so on.
    A line stops at its run's first non-finite value. Every run must have the
    parameters of the first.
    """
    if not len(trajectories):
        raise ValueError("parameter_curves needs at least one run")
    first = trajectories[0].params
    blocks = not isinstance(first, np.ndarray) or first[0].size > MAX_PARAMETER_PANELS
    if blocks:
        keys = list(first) if isinstance(first, dict) else [None]
        titles = [f"‖{k}‖" if k is not None else "‖θ‖" for k in keys]
    else:
        count = first[0].size
        if names is not None and len(names) != count:
            raise ValueError(f"Invalid names: {len(names)} given for {count} parameters")
        titles = list(names) if names is not None else [f"θ[{i}]" for i in range(count)]

    def series(params: Any, panel: int) -> np.ndarray:
        if not blocks:
            return np.asarray(params, dtype=np.float64).reshape(len(params), -1)[:, panel]
        x = np.asarray(params if keys[panel] is None else params[keys[panel]], dtype=np.float64)
        return np.sqrt(np.sum(x.reshape(len(x), -1) ** 2, axis=1))

    n = len(titles)
    cols = 1 if n <= 3 else 2
    rows = -(-n // cols)
    fig = new_figure(figsize or (6.4, 1.2 + 1.6 * rows), dpi)
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False).ravel()
    for panel, (ax, title) in enumerate(zip(axes, titles)):
        for i, t in enumerate(trajectories):
            values, steps = series(t.params, panel), np.asarray(t.steps)
            bad = ~np.isfinite(values)
            end = int(np.argmax(bad)) if bad.any() else len(values)
            ax.plot(steps[:end], values[:end], color=run_color(i), lw=1.6, label=_run_label(t))
            if t.diverged_at is not None and end:
                ax.plot(steps[end - 1], values[end - 1], "X", color=run_color(i), ms=8, mec="white")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[max(0, n - cols):n]:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=7)
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
            view: projection.View = "settled", resolution: int = 101, levels: int = 25,
            figsize: tuple[float, float] = CONTOUR_SIZE, dpi: float = DPI) -> tuple[Figure, Axes]:
    """Loss contours of a two-parameter problem, its minima starred, runs drawn on top.

    ``bounds`` defaults to ``view``'s window
    (:func:`playground.training.projection.parameter_bounds`): the problem's own
    window grown to fit the runs that settle (or every run) and the minima.
    With no ``trajectories`` this is the player's background.
    """
    paths = [projection.finite_snapshots(t.params) for t in trajectories]
    for t, xy in zip(trajectories, paths):
        if xy.shape[1] != 2:
            raise ValueError(f"run {t.label!r} has {xy.shape[1]} parameters; contour draws 2 (see projected_contour)")
    if bounds is None:
        bounds = projection.parameter_bounds(problem, paths, [t.diverged_at is not None for t in trajectories], view)
    return surface_figure(projection.parameter_plane(problem, bounds, resolution), trajectories, paths,
                          levels=levels, figsize=figsize, dpi=dpi)


def projected_contour(proj: Projection, trajectories: Sequence[Any] = (), *, levels: int = 25,
                      figsize: tuple[float, float] = CONTOUR_SIZE, dpi: float = DPI) -> tuple[Figure, Axes]:
    """Loss contours on a :func:`playground.training.projection.project` plane, runs drawn by their coordinates.

    ``trajectories`` are the runs ``proj`` was made from, in the same order (or
    none, for the player's background).
    """
    return surface_figure(proj.surface, trajectories, proj.coords[:len(trajectories)],
                          levels=levels, figsize=figsize, dpi=dpi)


def surface_figure(surface: LossSurface, trajectories: Sequence[Any] = (),
                   paths: Sequence[np.ndarray] = (), *, levels: int = 25,
                   figsize: tuple[float, float] = CONTOUR_SIZE, dpi: float = DPI) -> tuple[Figure, Axes]:
    """Draw ``surface`` and, per run, its (T, 2) ``paths[r]`` labelled from ``trajectories[r]``.

    With :func:`playground.training.projection.run_plane` this draws any problem's
    runs; with no ``trajectories`` it is the player's background. A path that
    leaves the surface's window is cut at its edge, where a diamond and the
    words "left the view at step k" mark it
    (:func:`playground.training.projection.view_exit`).
    """
    z = np.ma.masked_invalid(surface.loss)
    if z.count() == 0:
        raise ValueError(f"the loss is not finite anywhere on the grid of {surface.title!r}")
    norm = loss_norm(z.compressed(), levels)
    lv = norm.boundaries
    fig, (ax,) = measured_figure(figsize, dpi)
    filled = ax.contourf(surface.xs, surface.ys, z, levels=lv, cmap=LOSS_CMAP, norm=norm)
    ax.contour(surface.xs, surface.ys, z, levels=lv, colors="#303a46", linewidths=0.5, alpha=0.35)
    bar = fig.colorbar(filled, cax=fig.add_axes((0, 0, 1, 1)), ticks=lv[:: max(1, len(lv) // 6)], format="{x:.3g}")
    bar.set_label("loss", fontsize=FONT["label"])
    bar.ax.tick_params(labelsize=FONT["tick"])
    if len(surface.minima):
        ax.plot(surface.minima[:, 0], surface.minima[:, 1], "*", ms=15, color=MINIMUM_COLOR,
                mec="black", mew=0.9, label="minimum", zorder=5)
    for i, (t, xy) in enumerate(zip(trajectories, paths)):
        _draw_path(ax, xy, run_color(i), _run_label(t), t.diverged_at is not None)
        exit_ = projection.view_exit(xy, np.asarray(t.steps)[:len(xy)], surface.bounds)
        if exit_ is not None:
            _mark_exit(ax, *exit_, surface.bounds, run_color(i))
    ax.set(xlim=(surface.xs[0], surface.xs[-1]), ylim=(surface.ys[0], surface.ys[-1]))
    style_axes(ax, xlabel=surface.axis_labels[0], ylabel=surface.axis_labels[1], title=surface.title)
    measured_layout(fig, [ax], bar_ax=bar.ax, legend=legend_below(fig, ax) if len(trajectories) else None)
    return fig, ax


#: Space around the figure's edges and between its parts, in points.
EDGE_PT, GAP_PT = 4.0, 8.0


def measured_figure(figsize: tuple[float, float], dpi: float, panels: int = 1, *,
                    sharey: bool = False) -> tuple[Figure, list[Axes]]:
    """A Figure on its own Agg canvas with ``panels`` axes sharing x (and y if ``sharey``, where only the first
    shows y tick labels), to be placed by :func:`measured_layout` once drawn on: one above the other in one
    call, or side by side in one call per panel's share of the width. The figures the app draws for every new
    set of runs, or sweep."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    first = fig.add_axes((0, 0, 1, 1))
    axes = [first] + [fig.add_axes((0, 0, 1, 1), sharex=first, sharey=first if sharey else None)
                      for _ in range(panels - 1)]
    if sharey:
        for ax in axes[1:]:
            ax.tick_params(labelleft=False)
    return fig, axes


def measured_layout(fig: Figure, column: Sequence[Axes], *, heights: Sequence[float] | None = None,
                    bar_ax: Axes | None = None, legend: Any = None, span: tuple[float, float] = (0.0, 1.0),
                    suptitle: Any = None) -> None:
    """Place the axes of ``column`` one above the other (height ratios ``heights``), the colour bar ``bar_ax``
    to their right and ``legend`` (a figure legend) under everything, within the share ``span`` of the
    figure's width (from, to; the whole width by default), under the figure's title ``suptitle`` if given.

    The margins are the measured extents of what sits outside the axes: the
    tick labels the axes' locators and formatters will draw, the axis labels,
    the title and the legend. Measuring those strings is one text layout each
    and needs no draw, where constrained layout draws every axis's ticks twice
    more than the draw itself does; these figures are drawn for every new set
    of runs (or sweep) the app shows. Panels side by side are one call per
    ``span``.
    """
    text_log_labels(fig)
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72  # pixels per point
    fig_w, height = fig.get_size_inches() * fig.dpi
    x0, width = span[0] * fig_w, (span[1] - span[0]) * fig_w
    edge, gap = EDGE_PT * px, GAP_PT * px

    def extent(text: Any) -> tuple[float, float]:
        if not (text.get_visible() and text.get_text()):
            return 0.0, 0.0
        box = text.get_window_extent(renderer)
        return box.width, box.height

    def labels(axis: Any) -> tuple[float, float]:
        """The widest and tallest tick label ``axis`` will draw (major and minor), in pixels."""
        ticks = axis.get_major_ticks()
        # label1 is the left (bottom) label, label2 the right (top) one, which a colour bar shows.
        shown = [t for t in (ticks[0].label1, ticks[0].label2) if t.get_visible()] if ticks else []
        if not shown:
            return 0.0, 0.0
        lo, hi = sorted(axis.get_view_interval())
        slack = 1e-9 * (hi - lo)
        texts = []
        for locator, formatter in ((axis.get_major_locator(), axis.get_major_formatter()),
                                   (axis.get_minor_locator(), axis.get_minor_formatter())):
            locs = [v for v in locator() if lo - slack <= v <= hi + slack]
            texts += [t for t in formatter.format_ticks(locs) if t]
        font = shown[0].get_fontproperties()
        sizes = [renderer.get_text_width_height_descent(t, font, ismath="$" in t)[:2] for t in texts]
        return max((w for w, _ in sizes), default=0.0), max((h for _, h in sizes), default=0.0)

    def ticks_out(axis: Any) -> float:
        ticks = axis.get_major_ticks()
        return ticks[0].get_tick_padding() * px + ticks[0].get_pad() * px if ticks else 0.0

    left = edge + max(extent(ax.yaxis.label)[0] + ax.yaxis.labelpad * px + labels(ax.yaxis)[0] + ticks_out(ax.yaxis)
                      for ax in column)
    bottom_ax, top_ax = column[-1], column[0]
    x_w, x_h = labels(bottom_ax.xaxis)
    legend_h = legend.get_window_extent(renderer).height + gap if legend is not None else 0.0
    bottom = edge + legend_h + extent(bottom_ax.xaxis.label)[1] + bottom_ax.xaxis.labelpad * px + x_h + \
        ticks_out(bottom_ax.xaxis)
    title_h = extent(top_ax.title)[1]
    top = edge + (title_h + rcParams["axes.titlepad"] * px if title_h else 0.0)
    if suptitle is not None:
        suptitle.set(y=1 - edge / height, verticalalignment="top")
        top += extent(suptitle)[1] + gap
    side = max(gap, x_w / 2 + edge)  # the last x tick label is centred on the axes' right edge
    inner = height - bottom - top - gap * (len(column) - 1)
    bar_w = 0.05 * inner  # matplotlib's colour bar aspect, 20
    right = edge + (extent(bar_ax.yaxis.label)[0] + bar_ax.yaxis.labelpad * px + labels(bar_ax.yaxis)[0] +
                    ticks_out(bar_ax.yaxis) + bar_w + side if bar_ax is not None else side)
    shares = np.asarray(heights if heights is not None else [1.0] * len(column), dtype=float)
    y = height - top
    for ax, share in zip(column, shares / shares.sum()):
        ax.set_position(((x0 + left) / fig_w, (y - share * inner) / height, (width - left - right) / fig_w,
                         share * inner / height))
        y -= share * inner + gap
    if bar_ax is not None:
        bar_ax.set_position(((x0 + width - right + side) / fig_w, bottom / height, bar_w / fig_w, inner / height))
    if legend is not None:
        legend.set_bbox_to_anchor((sum(span) / 2, edge / height), transform=fig.transFigure)


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
    if spans_decades(values):
        return np.concatenate([[lo], lo + np.geomspace((hi - lo) * 1e-4, hi - lo, n - 1)])
    return np.linspace(lo, hi, n)


def spans_decades(values: np.ndarray) -> bool:
    """Whether the finite ``values`` crowd near their minimum, under steep walls (Rosenbrock, Beale).

    True when the median lies in the lowest fifth of the range: drawn on a
    linear scale, the valley where runs move would then be one flat band.
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    return hi > lo and (np.median(values) - lo) / (hi - lo) < 0.2


def loss_norm(values: np.ndarray, levels: int = 25) -> BoundaryNorm:
    """The map from loss to :data:`LOSS_CMAP` of the contours: ``levels`` :func:`contour_levels` bands of ``values``."""
    return BoundaryNorm(contour_levels(values, levels), LOSS_CMAP.N)


def _run_label(t: Any) -> str:
    return t.label if t.diverged_at is None else f"{t.label} (diverged at step {t.diverged_at})"


def _draw_path(ax: Axes, xy: np.ndarray, color: str, label: str, diverged: bool) -> None:
    """A run's path, a hollow ring at its start and a dot (an X if it diverged) at its end."""
    ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=1.8, label=label, zorder=3)
    if len(xy):
        ax.plot(*xy[0], "o", ms=6, mfc="white", mec=color, mew=1.5, zorder=4)
        ax.plot(*xy[-1], "X" if diverged else "o", ms=8, color=color, mec="white", zorder=4)


def _mark_exit(ax: Axes, step: int, point: np.ndarray, bounds: Bounds, color: str) -> None:
    """A diamond where a path crosses the edge of the view, and "left the view at step k" beside it, inward."""
    ax.plot(*point, EXIT_MARKER, ms=8, color=color, mec="white", mew=1.2, zorder=6, clip_on=False)
    (x0, x1), (y0, y1) = bounds
    # Text on the inner side of the edge it crossed, so it stays on the plot.
    right, top = point[0] >= (x0 + x1) / 2, point[1] >= (y0 + y1) / 2
    ax.annotate(f"left the view at step {step}", point, xytext=(-8 if right else 8, -8 if top else 8),
                textcoords="offset points", ha="right" if right else "left", va="top" if top else "bottom",
                fontsize=FONT["note"], color=color, zorder=6,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})


def eps_sweep_figure(sweep: Any, eps: float | None = None, *, figsize: tuple[float, float] = (6.4, 4.2),
                     dpi: float = DPI) -> Figure:
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
        ax.axvline(eps, color="#52606d", ls="--", lw=1, label=f"eps in use ({format_eps(eps)})")
    ax.set(xscale="log", yscale="log")
    style_axes(ax, xlabel="step eps", ylabel="relative error of the directional derivative",
               title="Round-off (small eps) against truncation (large eps)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=FONT["legend"])
    return fig
