"""Tuning's sensitivity curves: each optimizer's final suboptimality and steps to tol against its learning rate.

::

    fig = sensitivity_figure(tune(problem, ["gd", "adam"], steps=300, tol=1e-6))

A pure function of a :class:`~playground.setups.tune.TuneResult`.
"""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from ..setups.tune import TuneResult
from .plots import new_figure, run_color


def sensitivity_figure(result: TuneResult) -> Figure:
    """Left: final suboptimality against lr (log-log, tol dashed); right: steps to tol against lr.

    One line per tuned optimizer, at its tuned momentum (or beta1), each over
    its own grid around its default lr; the tuned lr is a large dot. Diverged
    runs leave gaps. The title states the shared budget.
    """
    if not result.tuned:
        raise ValueError("Invalid result: no optimizer was tuned, so there is no curve to draw")
    fig = new_figure(figsize=(11.5, 4.6))
    gap_ax, steps_ax = fig.subplots(1, 2, sharex=True)
    # Below round-off the suboptimality is noise (even negative); the floor keeps it on the log axis.
    floor = np.finfo(float).eps
    for i, t in enumerate(result.tuned):
        color = run_color(i)
        mom = "" if t.momentum is None else f", {t.momentum_label} {t.momentum:g}"
        label = f"{t.optimizer}{mom}: lr {t.lr:.3g}"
        gap_ax.plot(t.lrs, np.maximum(t.curve, floor), marker=".", color=color, label=label)
        gap_ax.plot(t.lr, max(t.final_gap, floor), "o", ms=9, color=color, mec="black")
        reached = t.curve_steps >= 0
        steps_ax.plot(t.lrs[reached], t.curve_steps[reached], marker=".", color=color, label=label)
        if t.steps_to_tol is not None:
            steps_ax.plot(t.lr, t.steps_to_tol, "o", ms=9, color=color, mec="black")
    gap_ax.axhline(result.tol, color="black", ls="--", lw=1, label=f"tol {result.tol:g}")
    gap_ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="final loss − minimum's loss",
               title=f"after {result.steps} steps (gaps: diverged)")
    steps_ax.set(xscale="log", xlabel="learning rate", ylabel="steps to tol (and staying)",
                 ylim=(0, result.steps), title="steps to tol (missing: never reached)")
    gap_ax.legend(fontsize="small")
    fig.suptitle("\n".join(textwrap.wrap(f"Tuning on {result.problem}: {result.budget}", 110)), fontsize="medium")
    return fig
