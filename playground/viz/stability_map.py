"""Stability maps: where a sweep converged, where it diverged, and where theory puts the edge.

::

    fig = stability_map(sweep(problem, "momentum", lrs, momenta))

A pure function: a :class:`~playground.training.sweep.SweepResult` in, a
``matplotlib.figure.Figure`` out. With a momentum axis it draws one heatmap
per optimizer over lr x momentum; with lr alone, the final loss against lr,
one line per optimizer. Where :meth:`~optimizers.Optimizer.lr_bound` knows the
largest stable learning rate (GD and heavy-ball or Nesterov momentum on a
problem with a constant Hessian), it is drawn on top: 2/L for GD, the curve
lr L = 2 + 2 mu over the momentum axis for heavy ball. :func:`caption` says in
words what the colours, marks and lines of that figure mean.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

import optimizers

from .plots import FONT, new_figure, run_color, style_axes, wrapped
from .sweep_axes import CURVE_POINTS, OUTLINED, cell_edges, colour_norm, colour_values, log_scale
from ..training.sweep import SweepResult

BOUND_LABEL = "stability bound (theory)"
#: Characters per line of the schedule under a map's title: what a one-panel map's width holds.
TITLE_WIDTH = 50


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


def caption(result: SweepResult) -> str:
    """What :func:`stability_map` of ``result`` shows, in words that agree with its colour bars and marks."""
    _, label = colour_values(result)
    constant = "" if result.schedule is None else ", for a constant learning rate,"
    bound = (f"The dashed line{constant} is the largest stable learning rate that theory gives for a quadratic "
             "(2/L for gradient descent, (2 + 2μ)/L for heavy-ball momentum); adaptive methods such as Adam have none.")
    if result.schedule is not None:
        scaled = ("sets its own lr and ignores the optimizer's" if result.schedule.own_lr
                  else "scales each run's learning rate, so the axis is the lr it starts from")
        bound += f" Every run followed the learning-rate schedule {result.schedule.describe()}, which {scaled}."
    if result.momenta is None:
        return (f"Each dot is one learning rate's {label} after {result.run_settings['steps']} steps: the lower, the "
                "closer the run got to the minimum. Each × is a learning rate that diverged, at the step read on "
                f"the right-hand axis (the lower, the sooner). {bound}")
    return (f"Colour is each run's {label} after {result.run_settings['steps']} steps: the darker, the closer it got "
            "to the minimum. Red cells diverged, at the step read on the red bar: the darker, the sooner. "
            + bound)


def _title(result: SweepResult, label: str) -> str:
    """The figure's title: the problem, what the colour is, and below, the schedule where there is one."""
    title = f"{result.problem}: {label} after {result.run_settings['steps']} steps"
    if result.schedule is None:
        return title
    # Below, on lines of their own: a sequential schedule's spec is long.
    return "\n".join([title, wrapped(f"schedule {result.schedule.describe()}", TITLE_WIDTH)])


def _heatmaps(result: SweepResult) -> Figure:
    values, label = colour_values(result)
    norm = colour_norm(values)
    steps = result.run_settings["steps"]
    # Divergence mostly happens in the first few steps, so its scale is logarithmic too.
    div_norm = LogNorm(1, max(steps, 2))
    lr_edges, mu_edges = cell_edges(result.lrs, log=True), cell_edges(result.momenta, log=False)
    n = len(result.optimizers)
    fig = new_figure(figsize=(4.0 * n + 1.6, 4.8))
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
                    path_effects=OUTLINED)
            ax.legend(loc="lower left", fontsize=FONT["legend"])
        ax.set(xscale="log", xlim=(lr_edges[0], lr_edges[-1]), ylim=(mu_edges[0], mu_edges[-1]))
        style_axes(ax, xlabel="learning rate", title=optimizers.get(name).title)
    axes[0].set_ylabel(result.momentum_label, fontsize=FONT["label"])
    fig.suptitle(_title(result, label), fontsize=FONT["title"])
    # The loss's bar beside the maps, the divergence's under them: two bars side by side leave the maps too narrow.
    _colorbar(fig, loss_mesh, axes, label, "right")
    if result.diverged.any():
        _colorbar(fig, div_mesh, axes, "diverged at step", "bottom")
    return fig


def _colorbar(fig: Figure, mesh: Any, axes: Any, label: str, location: str) -> None:
    bar = fig.colorbar(mesh, ax=list(axes), location=location, shrink=0.9 if location == "right" else 0.8,
                       aspect=30 if location == "bottom" else 20)
    bar.set_label(label, fontsize=FONT["label"])
    bar.ax.tick_params(labelsize=FONT["tick"])


def _lr_curves(result: SweepResult) -> Figure:
    values, label = colour_values(result)
    fig = new_figure(figsize=(5.6, 4.6))
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
    if log_scale(values):
        ax.set_yscale("log")
    ax.set(xscale="log")
    style_axes(ax, xlabel="learning rate", ylabel=label,
               title=_title(result, label))
    handles = ax.get_legend_handles_labels()
    if steps_ax is not None:
        steps_ax.set(yscale="log")
        steps_ax.set_ylabel("diverged at step (×)", fontsize=FONT["label"])
        steps_ax.tick_params(labelsize=FONT["tick"])
        handles = tuple(a + b for a, b in zip(handles, steps_ax.get_legend_handles_labels()))
    # Under the plot, where it covers neither the curves nor the divergence marks.
    fig.legend(*handles, loc="outside lower center", fontsize=FONT["legend"], ncols=2, frameon=False)
    return fig
