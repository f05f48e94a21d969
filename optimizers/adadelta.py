"""Adadelta (``torch.optim.Adadelta``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import Optimizer, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("adadelta")
class Adadelta(Optimizer):
    r"""Adadelta, exactly as ``torch.optim.Adadelta`` (Zeiler 2012).

    Each step is the gradient rescaled by the ratio of two running root mean
    squares, of past steps over past gradients, so the step has the units of
    the parameters and ``lr`` (1 by default, as in the paper) is only a
    scale. The update equations are in :attr:`latex`.
    """

    title = "Adadelta"
    family = "adaptive"
    hyperparams = (
        replace(LR, default=1.0),
        HyperParam("rho", 0.9, "decay rate of both running averages", low=0.0, high=1.0, label="rho (ρ, decay rate)"),
        HyperParam("eps", 1e-6, "added inside both square roots; sets the size of the first steps", low=0.0,
                   low_open=True, log=True, label="eps (ε)"),
        WEIGHT_DECAY,
    )
    buffers = ("square_avg", "acc_delta")
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2\\"
        r"\Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t\\"
        r"u_t &= \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2\\"
        r"\theta_t &= \theta_{t-1} - \gamma\, \Delta_t"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        rho, eps = hp["rho"], hp["eps"]
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        v = rho * bufs["square_avg"] + (1 - rho) * g * g
        delta = np.sqrt(bufs["acc_delta"] + eps) / np.sqrt(v + eps) * g
        u = rho * bufs["acc_delta"] + (1 - rho) * delta * delta
        return p - hp["lr"] * delta, {"square_avg": v, "acc_delta": u}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr Delta_t = -lr_eff g_t: the gradient at the per-coordinate lr
        # lr sqrt(u_{t-1} + eps) / sqrt(v_t + eps), the ratio of the two running RMS.
        eps, wd = hp["eps"], hp["weight_decay"]
        ratio = np.sqrt(before["acc_delta"] + eps) / np.sqrt(after["square_avg"] + eps)
        terms = {"gradient (rescaled)": -hp["lr"] * ratio * g}
        if wd:
            terms["weight decay"] = -hp["lr"] * ratio * wd * p
        values = {"g_t": g, "v_t": after["square_avg"], "Delta_t": ratio * (g + wd * p), "u_t": after["acc_delta"]}
        return terms, {"effective lr": hp["lr"] * ratio}, values
