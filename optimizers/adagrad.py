"""AdaGrad (``torch.optim.Adagrad``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import Optimizer, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("adagrad")
class AdaGrad(Optimizer):
    r"""AdaGrad, exactly as ``torch.optim.Adagrad``."""

    title = "AdaGrad"
    family = "adaptive"
    hyperparams = (
        replace(LR, default=1e-2),
        HyperParam("lr_decay", 0.0, "learning-rate decay per step", low=0.0, widget_high=1.0,
                   label="lr_decay (learning-rate decay)"),
        WEIGHT_DECAY,
        HyperParam("initial_accumulator_value", 0.0, "starting value of the squared-gradient sum", low=0.0,
                   widget_high=1.0, label="initial_accumulator_value (starting sum)"),
        HyperParam("eps", 1e-10, "added to the denominator for stability", low=0.0, low_open=True, log=True,
                   label="eps (ε)"),
    )
    buffers = ("sum",)
    latex = (
        r"\begin{aligned}"
        r"\tilde\gamma_t &= \frac{\gamma}{1 + (t-1)\,\eta}\\"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"s_t &= s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value})\\"
        r"\theta_t &= \theta_{t-1} - \tilde\gamma_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}"
        r"\end{aligned}"
    )

    def init_buffer(self, name, p):
        # Shaped for p, so a per-run value fills run r's slice rather than broadcasting along the last axis.
        return np.full_like(p, self._hp_for(p)["initial_accumulator_value"])

    def update(self, p, g, bufs, t, hp):
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        s = bufs["sum"] + g * g
        clr = hp["lr"] / (1 + (t - 1) * hp["lr_decay"])
        return p - clr * g / (np.sqrt(s) + hp["eps"]), {"sum": s}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr_t g_t / (sqrt(s_t) + eps): the gradient at a per-coordinate lr.
        rescale = hp["lr"] / (1 + (t - 1) * hp["lr_decay"]) / (np.sqrt(after["sum"]) + hp["eps"])
        terms = {"gradient (rescaled)": -rescale * g}
        if hp["weight_decay"]:
            terms["weight decay"] = -rescale * hp["weight_decay"] * p
        return terms, {"effective lr": rescale}, {"g_t": g, "s_t": after["sum"]}
