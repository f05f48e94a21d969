"""Theory beside measurement on a quadratic: the closed-form rate map next to the sweep's, and per-direction errors.

::

    fig = theory_beside_measured(result, eigenvalues)   # result: a SweepResult of gd, momentum or nesterov
    fig = eigen_error_figure([eigen_errors(problem, t) for t in trajectories])

Pure functions of library results (:mod:`playground.training.theory`); the
measured panel is coloured as :func:`~playground.viz.stability_map.stability_map` colours it
(both through :mod:`playground.viz.sweep_axes`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure

import optimizers

from ..training.sweep import SweepResult
from ..training.theory import DIVERGENT, OSCILLATING, EigenErrors, method_of, refuse_schedule, theory_map
from .plots import DPI, LOSS_SIZE, measured_figure, measured_layout, new_figure, run_color
from .sweep_axes import CURVE_POINTS, OUTLINED, cell_edges, colour_norm, colour_values, log_scale

#: The smallest 1 - rho coloured: slower rates share its colour (1e-4 is 10,000 steps per e-fold).
SPEED_FLOOR = 1e-4
_GREY = ListedColormap(["0.82"])


def theory_beside_measured(result: SweepResult, eigenvalues: np.ndarray, optimizer: str | None = None) -> Figure:
    """Two panels on the same axes: the closed-form rate ρ and the sweep's measured final loss.

    The theory panel colours 1 − ρ on a log scale, fast dark (divergent cells grey), draws the
    region boundaries (ρ = 1, and monotone | oscillating) and marks the
    optimum; the measured panel repeats the ρ = 1 boundary and the optimum, so
    the two can be read against each other. ``optimizer`` is one of the
    sweep's families, each of which must be gd, momentum or nesterov without
    dampening or weight decay; it may be left out when the sweep has one. The
    rates are those of a constant lr: a sweep with a schedule is refused.
    """
    refuse_schedule(result.schedule)
    name = optimizer or result.optimizers[0]
    result.grid(np.arange(len(result)), name)  # refuses a name the sweep did not run
    method = method_of(result.build(name, 1.0))
    if method is None:
        raise ValueError(f"Invalid optimizer {name!r}: the closed-form rates cover gd, momentum and nesterov without "
                         "dampening or weight decay")
    if result.momenta is None:
        return _lr_panels(result, name, eigenvalues, method)
    lr_edges, mu_edges = cell_edges(result.lrs, log=True), cell_edges(result.momenta, log=False)
    # A fine grid over the same window: the boundaries are smooth whatever the sweep's resolution.
    lrs = np.geomspace(lr_edges[0], lr_edges[-1], CURVE_POINTS)
    mus = np.linspace(max(mu_edges[0], 0.0), min(mu_edges[-1], 0.999), CURVE_POINTS)
    tm = theory_map(eigenvalues, lrs, mus, method)

    fig, (theory_ax, measured_ax) = measured_figure((11.5, 4.6), DPI, 2, sharey=True)
    bars = [fig.add_axes((0, 0, 1, 1)) for _ in range(2)]  # each panel's colour bar, placed beside it
    rate = tm.rate.T
    # 1 - rho on a log scale: near 1 the rate's digits barely move while the speed changes by decades.
    # Reversed, so fast is dark, as a low final loss is in the measured panel.
    speed = np.ma.masked_where(rate >= 1, np.maximum(1 - rate, SPEED_FLOOR))
    mesh = theory_ax.pcolormesh(lrs, mus, speed, norm=LogNorm(SPEED_FLOOR, 1.0), cmap="viridis_r",
                                shading="nearest")
    theory_ax.pcolormesh(lrs, mus, np.ma.masked_where(rate < 1, rate), cmap=_GREY, shading="nearest")
    theory_ax.contour(lrs, mus, (tm.region.T == OSCILLATING).astype(float), levels=[0.5], colors="white",
                      linewidths=1.2, linestyles=":")
    theory_ax.plot([], [], color="white", ls=":", label="monotone | oscillating")

    values, label = colour_values(result)
    measured = measured_ax.pcolormesh(lr_edges, mu_edges, np.ma.masked_invalid(result.grid(values, name).T),
                                      norm=colour_norm(values), cmap="viridis")
    div = result.grid(result.diverged, name).T
    measured_ax.pcolormesh(lr_edges, mu_edges, np.ma.masked_where(~div, div.astype(float)), cmap=_GREY)
    for ax in (theory_ax, measured_ax):
        ax.contour(lrs, mus, (tm.region.T == DIVERGENT).astype(float), levels=[0.5], colors="white", linewidths=2,
                   linestyles="--")
        ax.plot([], [], color="white", ls="--", label="ρ = 1 (divergent beyond)")
        _mark_optimum(ax, tm.optimum)
        ax.set(xscale="log", xlim=(lr_edges[0], lr_edges[-1]), ylim=(mu_edges[0], mu_edges[-1]),
               xlabel="learning rate")
        ax.legend(loc="lower left", fontsize="small", facecolor="0.3", labelcolor="white")
    theory_ax.set(ylabel="momentum", title=f"theory ({method}): rate ρ, grey diverges")
    measured_ax.set_title(f"measured after {result.run_settings['steps']} steps, grey diverged")
    fig.colorbar(mesh, cax=bars[0], label="1 − ρ (error shrinks as ρᵗ)")
    fig.colorbar(measured, cax=bars[1], label=label)
    _side_by_side(fig, (theory_ax, measured_ax), bars, result, name)
    return fig


def _side_by_side(fig: Figure, panels: Sequence[Any], bars: Sequence[Any], result: SweepResult, name: str) -> None:
    """Each of ``panels`` (with its colour bar, if ``bars`` has them) in an equal share of the width, under the
    title that says which optimizer's sweep of which problem they show."""
    suptitle = fig.suptitle(f"{optimizers.get(name).title} on {result.problem}: closed form beside the sweep")
    for i, ax in enumerate(panels):
        measured_layout(fig, [ax], bar_ax=bars[i] if bars else None, span=(i / len(panels), (i + 1) / len(panels)),
                        suptitle=suptitle)


def _lr_panels(result: SweepResult, name: str, eigenvalues: np.ndarray, method: str) -> Figure:
    """The lr-only case: ρ(lr) with its regions shaded, beside the measured final loss against lr."""
    lrs = np.geomspace(result.lrs[0], result.lrs[-1], CURVE_POINTS)
    # The momentum in effect for every run of the sweep: None (gd), else its fixed value.
    mu = result.configs[int(result.grid(np.arange(len(result)), name)[0])].momentum or 0.0
    if mu:
        # One column of the 2-D map; its optimum is over both axes, so it is not this line's to mark.
        column = theory_map(eigenvalues, lrs, [mu], method)
        tm = replace(column, momenta=None, rate=column.rate[:, 0], region=column.region[:, 0], optimum=None)
    else:
        tm = theory_map(eigenvalues, lrs, None, method)
    fig, (theory_ax, measured_ax) = measured_figure((11.0, 4.2), DPI, 2)
    theory_ax.plot(lrs, tm.rate, color=run_color(0))
    theory_ax.axhline(1.0, color="black", ls="--", lw=1)
    for code, color, text in ((OSCILLATING, "tab:orange", "oscillating"), (DIVERGENT, "0.6", "divergent")):
        theory_ax.fill_between(lrs, 0, 1, where=tm.region == code, color=color, alpha=0.25, label=text,
                               transform=theory_ax.get_xaxis_transform())
    values, label = colour_values(result)
    measured_ax.plot(result.lrs, result.grid(values, name), marker=".", color=run_color(0))
    if log_scale(values):
        measured_ax.set_yscale("log")
    for ax in (theory_ax, measured_ax):
        if tm.optimum is not None:
            ax.axvline(tm.optimum.lr, color="black", lw=1, ls=":", label=f"optimum lr = {tm.optimum.lr:.3g}")
        ax.set(xscale="log", xlabel="learning rate")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    # Linear and capped: past 1 only "divergent" matters, and a log axis would spend itself on how fast.
    theory_ax.set(ylabel="ρ", ylim=(0, min(1.5, 1.05 * float(tm.rate.max()))),
                  title=f"theory ({f'{method}, μ = {mu:g}' if mu else 'GD'}): rate ρ per step")
    measured_ax.set(ylabel=label, title=f"measured after {result.run_settings['steps']} steps")
    _side_by_side(fig, (theory_ax, measured_ax), (), result, name)
    return fig


def _mark_optimum(ax, opt) -> None:
    if opt is None:
        return
    ax.plot(opt.lr, opt.momentum, marker="*", ms=16, color="gold", mec="black", ls="none",
            label=f"optimum: lr {opt.lr:.3g}, μ {opt.momentum:.3g}, ρ {opt.rate:.3g}", path_effects=OUTLINED)


def eigen_error_figure(curves: Sequence[EigenErrors]) -> Figure:
    """One panel per run: the measured error along each eigenvector (solid) and |e_i(0)| ρ_i^t (dashed).

    A run whose optimizer has no closed form shows its measured errors alone.
    """
    if not curves:
        raise ValueError("Invalid curves: none given. Pass at least one run's EigenErrors")
    # Stacked at the loss curves' width: the app shows it in the loss curves' column, where panels side by side
    # were shrunk to text a few pixels high.
    fig = new_figure(figsize=(LOSS_SIZE[0], 0.9 + 2.5 * len(curves)))
    axes = fig.subplots(len(curves), 1, squeeze=False, sharex=True)[:, 0]  # each its own error range
    tiny = np.finfo(float).tiny
    for ax, c in zip(axes, curves):
        predicted = c.predicted()
        for i, lam in enumerate(c.eigenvalues):
            color = run_color(i)
            rate = "" if c.rates is None else f", ρ = {c.rates[i]:.3g}"
            ax.plot(c.steps, np.maximum(c.errors[:, i], tiny), color=color, label=f"λ = {lam:.3g}{rate}")
            if predicted is not None:
                ax.plot(c.steps, np.maximum(predicted[:, i], tiny), color=color, ls="--", lw=1)
        ax.set(yscale="log", ylabel="|error|", title=c.label if c.rates is not None else f"{c.label} (no closed form)")
        # Below round-off of the start's error the curves are noise (linreg's optimum is itself a solve).
        # A run that blew up has non-finite errors: the limits come from its finite ones.
        shown = c.errors[np.isfinite(c.errors) & (c.errors > 0)]
        if shown.size:
            ax.set_ylim(max(1e-16 * np.nanmax(np.where(np.isfinite(c.errors[0]), c.errors[0], np.nan)), shown.min()),
                        2 * shown.max())
        ax.legend(fontsize="small")
    axes[-1].set_xlabel("step")
    fig.suptitle("Error along each Hessian eigenvector:\nmeasured (solid), predicted |e(0)| ρᵗ (dashed)")
    return fig
