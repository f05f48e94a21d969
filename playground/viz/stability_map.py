"""Stability maps: where a sweep converged, where it diverged, and where theory puts the edge.

::

    fig = stability_map(sweep(problem, "momentum", lrs, momenta))

A pure function: a :class:`~playground.training.sweep.SweepResult` in, a
``matplotlib.figure.Figure`` out. With a momentum axis it draws one heatmap
per optimizer over lr x momentum; with lr alone, the final loss against lr,
one line per optimizer. Where :meth:`~optimizers.Optimizer.lr_bound` knows the
largest stable learning rate (GD and heavy-ball or Nesterov momentum on a
problem with a constant Hessian), it is drawn on top: 2/L for GD, the curve
lr L = 2 + 2 mu over the momentum axis for heavy ball.
"""
from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

import optimizers

from .plots import new_figure, run_color
from ..training.sweep import SweepResult

#: Points on a drawn boundary curve: enough to look smooth whatever the grid.
CURVE_POINTS = 200
BOUND_LABEL = "stability bound (theory)"
# A white line with a dark edge reads on every part of the colour map.
_OUTLINED = [patheffects.withStroke(linewidth=4, foreground="black")]


def stability_map(result: SweepResult) -> Figure:
    """The sweep's final losses over its grid, diverged runs marked, theoretical bounds drawn.

    The colour is the final loss minus the optimum's loss when the problem
    knows its optimum (so fast and slow convergence differ by orders of
    magnitude), else the final loss; log-scaled when every value is positive.
    Diverged cells are coloured by the step at which they diverged, on a
    separate red scale.
    """
    if result.momenta is None:
        return _lr_curves(result)
    return _heatmaps(result)


def _heatmaps(result: SweepResult) -> Figure:
    values, label = _colour_values(result)
    norm = _norm(values)
    steps = result.run_settings["steps"]
    # Divergence mostly happens in the first few steps, so its scale is logarithmic too.
    div_norm = LogNorm(1, max(steps, 2))
    lr_edges, mu_edges = _edges(result.lrs, log=True), _edges(result.momenta, log=False)
    n = len(result.optimizers)
    fig = new_figure(figsize=(4.6 * n + 2.4, 4.4))
    axes = fig.subplots(1, n, squeeze=False, sharey=True)[0]
    for ax, name in zip(axes, result.optimizers):
        # grid() is (lr, momentum); pcolormesh wants rows along y (momentum).
        loss = result.grid(values, name).T
        div = result.grid(result.diverged_at, name).T
        loss_mesh = ax.pcolormesh(lr_edges, mu_edges, np.ma.masked_invalid(loss), norm=norm, cmap="viridis")
        div_mesh = ax.pcolormesh(lr_edges, mu_edges, np.ma.masked_where(div < 0, np.maximum(div, 1)),
                                 norm=div_norm, cmap="Reds_r")
        mu = np.linspace(result.momenta[0], result.momenta[-1], CURVE_POINTS)
        bound = result.build(name, 1.0, mu).lr_bound(result.lipschitz)
        if bound is not None:
            ax.plot(np.broadcast_to(bound, mu.shape), mu, color="white", lw=2, ls="--", label=BOUND_LABEL,
                    path_effects=_OUTLINED)
            ax.legend(loc="lower left", fontsize="small")
        ax.set(xscale="log", xlim=(lr_edges[0], lr_edges[-1]), ylim=(mu_edges[0], mu_edges[-1]),
               xlabel="learning rate", title=optimizers.get(name).title)
    axes[0].set_ylabel(result.momentum_label)
    fig.suptitle(f"{result.problem}: {label} after {steps} steps")
    if result.diverged.any():
        fig.colorbar(div_mesh, ax=list(axes), label="diverged at step")
    fig.colorbar(loss_mesh, ax=list(axes), label=label)
    return fig


def _lr_curves(result: SweepResult) -> Figure:
    values, label = _colour_values(result)
    fig = new_figure(figsize=(7.0, 4.4))
    ax = fig.subplots()
    # Diverged runs have no final loss; their divergence step goes on a second y axis instead.
    steps_ax = ax.twinx() if result.diverged.any() else None
    for i, name in enumerate(result.optimizers):
        color = run_color(i)
        ax.plot(result.lrs, result.grid(values, name), marker=".", color=color, label=optimizers.get(name).title)
        diverged = result.grid(result.diverged, name)
        if steps_ax is not None and diverged.any():
            steps_ax.plot(result.lrs[diverged], result.grid(result.diverged_at, name)[diverged], "x", color=color,
                          label=f"{name}: diverged at step")
        opt = result.build(name, 1.0)
        bound = opt.lr_bound(result.lipschitz)
        if bound is not None:
            ax.axvline(bound, color=color, ls="--", label=f"{name}: {opt.lr_bound_text(result.lipschitz)}")
    if _log_scale(values):
        ax.set_yscale("log")
    ax.set(xscale="log", xlabel="learning rate", ylabel=label,
           title=f"{result.problem}: {label} after {result.run_settings['steps']} steps")
    handles = ax.get_legend_handles_labels()
    if steps_ax is not None:
        steps_ax.set(yscale="log", ylabel="diverged at step (x)")
        handles = tuple(a + b for a, b in zip(handles, steps_ax.get_legend_handles_labels()))
    # On the top axes, so the divergence marks do not cover the legend.
    (steps_ax or ax).legend(*handles, fontsize="small")
    return fig


def _colour_values(result: SweepResult) -> tuple[np.ndarray, str]:
    """What the picture shows per configuration, and its name; NaN where a run diverged."""
    if result.min_loss is None:
        return result.final_losses, "final loss"
    # Below the loss's own round-off the difference is noise; the floor keeps it on a log scale.
    floor = np.finfo(float).eps * max(1.0, abs(result.min_loss))
    return np.maximum(result.final_losses - result.min_loss, floor), "final loss − optimum's loss"


def _norm(values: np.ndarray) -> Normalize:
    finite = values[np.isfinite(values)]
    if not finite.size:  # every run diverged: nothing to colour
        return Normalize(0.0, 1.0)
    return (LogNorm if _log_scale(values) else Normalize)(finite.min(), finite.max())


def _log_scale(values: np.ndarray) -> bool:
    """Whether the finite values can go on a log scale (a loss can be negative, e.g. on the saddle)."""
    finite = values[np.isfinite(values)]
    return bool(finite.size) and finite.min() > 0


def _edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted ``centres``: midpoints (geometric on a log axis), the ends mirrored."""
    x = np.log(centres) if log else centres
    if len(x) == 1:
        half = 0.5 if log else 0.05
        edges = np.array([x[0] - half, x[0] + half])
    else:
        mid = (x[1:] + x[:-1]) / 2
        edges = np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])
    return np.exp(edges) if log else edges
