"""RMSProp (``torch.optim.RMSprop``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import Optimizer, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("rmsprop")
class RMSProp(Optimizer):
    r"""RMSProp, exactly as ``torch.optim.RMSprop`` (eps outside the square root)."""

    title = "RMSProp"
    family = "adaptive"
    hyperparams = (
        replace(LR, default=1e-2),
        HyperParam("alpha", 0.99, "smoothing constant of the squared-gradient average", low=0.0, high=1.0,
                   label="alpha (smoothing constant)"),
        HyperParam("eps", 1e-8, "added to the denominator for stability", low=0.0, low_open=True, log=True,
                   label="eps (ε)"),
        HyperParam("momentum", 0.0, "momentum factor", low=0.0, widget_high=0.999, label="momentum (μ)"),
        HyperParam("centered", False, "normalise by the estimated variance instead of the raw second moment",
                   kind="bool"),
        WEIGHT_DECAY,
    )
    buffers = ("square_avg", "grad_avg", "momentum_buffer")
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2\\"
        r"\tilde v_t &= v_t - \bar g_t^2 \ \text{(centered, } \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t)"
        r"\ \text{else}\ v_t\\"
        r"b_t &= \mu\, b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}\\"
        r"\theta_t &= \theta_{t-1} - \gamma\, b_t \quad (\mu = 0:\ b_t = g_t / (\sqrt{\tilde v_t} + \epsilon))"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        alpha, mu, wd = hp["alpha"], hp["momentum"], hp["weight_decay"]
        if nonzero(wd):
            g = g + wd * p
        v = alpha * bufs["square_avg"] + (1 - alpha) * g * g
        a = bufs["grad_avg"]
        if hp["centered"]:
            a = lerp(a, g, 1 - alpha)  # as torch writes it, to round the same
            avg = np.sqrt(v - a * a) + hp["eps"]
        else:
            avg = np.sqrt(v) + hp["eps"]
        # With momentum 0 the buffer is just g / avg, in a vectorised sweep and a lone run alike.
        b = mu * bufs["momentum_buffer"] + g / avg
        # torch rounds its momentum-free step as lr * g / avg; lr * b would differ in the last bit.
        p = p - hp["lr"] * b if nonzero(mu) else p - hp["lr"] * g / avg
        return p, {"square_avg": v, "grad_avg": a, "momentum_buffer": b}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr (g_t / avg + mu b_{t-1}): the rescaled gradient and the velocity;
        # lr / avg is each coordinate's effective learning rate.
        lr, mu, wd = hp["lr"], hp["momentum"], hp["weight_decay"]
        v, a = after["square_avg"], after["grad_avg"]
        avg = (np.sqrt(v - a * a) if hp["centered"] else np.sqrt(v)) + hp["eps"]
        terms = {"gradient (rescaled)": -lr * g / avg, "velocity": -lr * mu * before["momentum_buffer"]}
        if wd:
            terms["weight decay"] = -lr * wd * p / avg
        return terms, {"effective lr": lr / avg}, {"g_t": g, "v_t": v}
