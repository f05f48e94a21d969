"""One step in parts, drawn: arrows from the step's start over the local loss contours, and its equation in numbers.

The parts are the optimizer's own (:meth:`optimizers.Optimizer.anatomy`, replayed
by :func:`playground.training.replay.anatomy`); this module only draws them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from optimizers.anatomy import Anatomy

from . import projection
from .plots import DPI, contour_levels, legend_below, new_figure, run_color, style_axes

#: The plain gradient step and the step taken, drawn beside the optimizer's own terms.
REFERENCE = {"gradient step": ("−lr·g: the plain gradient step", "#7f7f7f", "--"),
             "taken": ("the step taken", "#111111", "-")}


def anatomy_figure(problem: Any, a: Anatomy, *, figsize: tuple[float, float] = (5.2, 4.6),
                   dpi: float = DPI) -> Figure:
    """Arrows from the step's start (a two-parameter problem's point): each term of ``a``, the plain gradient
    step and the step taken, over the loss contours of a window sized to the longest arrow."""
    before = np.asarray(a.start, dtype=float)
    arrows = [(name, np.asarray(term, dtype=float)) for name, term in a.terms.items()]
    reference = [("gradient step", np.asarray(a.gradient_step, dtype=float))] if a.gradient_step is not None else []
    reference.append(("taken", np.asarray(a.taken, dtype=float)))
    reach = max([float(np.hypot(*v)) for _, v in arrows + reference] + [1e-12])
    half = 1.4 * reach
    bounds = ((before[0] - half, before[0] + half), (before[1] - half, before[1] + half))
    surface = projection.parameter_plane(problem, bounds, 61)
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    finite = surface.loss[np.isfinite(surface.loss)]
    if finite.size and finite.max() > finite.min():
        ax.contour(surface.xs, surface.ys, surface.loss, levels=contour_levels(finite, 14), colors="#b8c4d6",
                   linewidths=0.8)
    for i, (name, v) in enumerate(arrows):
        _arrow(ax, before, v, run_color(i + 2), "-", name)
    for name, v in reference:
        label, colour, style = REFERENCE[name]
        _arrow(ax, before, v, colour, style, label)
    ax.plot(*before, "o", color="#111111", ms=5)
    ax.set_aspect("equal")
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    labels = problem.axis_labels or ("x", "y")
    style_axes(ax, xlabel=labels[0], ylabel=labels[1], title=f"Step {a.t - 1} → {a.t}, in parts")
    legend_below(fig, ax)
    return fig


def _arrow(ax: Any, start: np.ndarray, v: np.ndarray, colour: str, style: str, label: str) -> None:
    ax.annotate("", xy=start + v, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8, "linestyle": style, "shrinkA": 0,
                            "shrinkB": 0})
    ax.plot([], [], color=colour, ls=style, lw=1.8, label=label)  # the annotation has no legend entry


def anatomy_latex(a: Anatomy) -> str:
    """``θ_t = θ_{t-1} + term + term ... `` with this step's numbers, each part named under its vector."""
    def vec(v: Any) -> str:
        x, y = np.asarray(v, dtype=float).ravel()[:2]
        return rf"\begin{{pmatrix}}{x:.4g}\\ {y:.4g}\end{{pmatrix}}"

    parts = " + ".join(rf"\underbrace{{{vec(t)}}}_{{\text{{{name}}}}}" for name, t in a.terms.items())
    after = np.asarray(a.start, dtype=float) + np.asarray(a.taken, dtype=float)
    return rf"\theta_{{{a.t}}} = \underbrace{{{vec(a.start)}}}_{{\theta_{{{a.t - 1}}}}} + {parts} = {vec(after)}"


def anatomy_rows(a: Anatomy, names: tuple[str, str]) -> list[dict[str, Any]]:
    """The step's quantities, one row per coordinate: each value of the equation, each per-coordinate scale
    (Adam's effective lr, Lion's sign) and each term."""
    columns = {**{f"{k}": v for k, v in a.values.items()}, **a.scales, **a.terms, "taken": a.taken}
    return [{"coordinate": names[i], **{k: float(np.asarray(v, dtype=float).ravel()[i]) for k, v in columns.items()}}
            for i in range(2)]

