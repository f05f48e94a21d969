"""Lion (Chen et al. 2023, the ``lion-pytorch`` package)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import Optimizer, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR


@register("lion")
class Lion(Optimizer):
    r"""Lion, "EvoLved Sign Momentum", exactly as ``lion_pytorch.Lion``.

    Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms". Every
    entry moves by exactly ``lr`` per step, in the direction of the sign of an
    interpolation between the momentum and the gradient; the momentum itself
    is updated afterwards with a slower beta2. Because the steps are as large
    as lr in every coordinate, Lion wants a learning rate 3-10x smaller than
    AdamW's (hence the default 1e-4) and a larger weight decay. The update
    equations are in :attr:`latex`.
    """

    title = "Lion"
    family = "sign-based"
    hyperparams = (
        replace(LR, default=1e-4),
        HyperParam("betas", (0.9, 0.99), "(beta1, beta2): interpolation for the step, decay of the momentum",
                   low=0.0, high=1.0, kind="pair", label="betas (β₁, β₂)"),
        HyperParam("weight_decay", 0.0, "decoupled weight decay", low=0.0, widget_high=1.0,
                   label="weight_decay (weight decay)"),
        HyperParam("decoupled_weight_decay", False,
                   "divide weight_decay by the initial lr, so the decay does not scale with lr", kind="bool",
                   label="decoupled_weight_decay (AdamW-style)"),
    )
    buffers = ("exp_avg",)
    latex = (
        r"\begin{aligned}"
        r"\theta' &= \theta_{t-1}\,(1 - \gamma\lambda)"
        r"\quad (\text{decoupled\_weight\_decay: } 1 - \lambda)\\"
        r"c_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\"
        r"\theta_t &= \theta' - \gamma\, \operatorname{sign}(c_t)\\"
        r"m_t &= \beta_2 m_{t-1} + (1-\beta_2)\, g_t"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        lr, (b1, b2), wd = hp["lr"], hp["betas"], hp["weight_decay"]
        if nonzero(wd):
            # lion-pytorch divides by the lr the optimizer was built with; with no
            # scheduler here that is lr itself, so the decay is lr * wd / lr.
            p = p * (1.0 - lr * (wd / lr if hp["decoupled_weight_decay"] else wd))
        c = bufs["exp_avg"] * b1 + (1.0 - b1) * g
        m = bufs["exp_avg"] * b2 + (1.0 - b2) * g
        return p - lr * np.sign(c), {"exp_avg": m}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr sign(c_t) (after weight decay): every coordinate moves by exactly lr.
        lr, (b1, _), wd = hp["lr"], hp["betas"], hp["weight_decay"]
        c = before["exp_avg"] * b1 + (1.0 - b1) * g
        terms = {"sign step": -lr * np.sign(c)}
        if wd:
            terms["weight decay"] = -p * lr * (wd / lr if hp["decoupled_weight_decay"] else wd)
        return terms, {"sign": np.sign(c)}, {"g_t": g, "c_t": c}
