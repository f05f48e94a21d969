"""Adamax (``torch.optim.Adamax``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .adam import BETAS, EPS, momentum_parts
from .base import Optimizer, lerp, nonzero
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("adamax")
class Adamax(Optimizer):
    r"""Adamax, exactly as ``torch.optim.Adamax`` (Kingma & Ba 2015, section 7.1).

    Adam with the infinity norm in place of the root mean square: each entry
    is divided by a decaying maximum of past ``|g|``, which needs no bias
    correction. The update equations are in :attr:`latex`.
    """

    title = "Adamax"
    family = "adaptive"
    hyperparams = (replace(LR, default=2e-3), BETAS, EPS, WEIGHT_DECAY)
    buffers = ("exp_avg", "exp_inf")
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\"
        r"u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon)\\"
        r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\, \frac{m_t}{u_t}"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        b1, b2 = hp["betas"]
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        m = lerp(bufs["exp_avg"], g, 1 - b1)
        # torch adds eps inside the max, so u_t >= eps and the division is always defined.
        u = np.maximum(bufs["exp_inf"] * b2, np.abs(g) + hp["eps"])
        clr = hp["lr"] / (1 - b1 ** t)
        return p - clr * (m / u), {"exp_avg": m, "exp_inf": u}

    def parts(self, p, g, new_p, before, after, t, hp):
        # Adam's split, with the infinity norm u_t in place of sqrt(v_hat) + eps: lr_eff = lr / ((1 - beta1^t) u_t).
        u = after["exp_inf"]
        terms, scales, values = momentum_parts(p, g, before["exp_avg"], after["exp_avg"], t, hp["lr"],
                                               hp["betas"][0], hp["weight_decay"], False, 1 / u)
        return terms, scales, {**values, "u_t": u}
