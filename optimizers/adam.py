"""Adam and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``)."""
from __future__ import annotations

import numpy as np

from .base import Optimizer, Parts, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


BETAS = HyperParam("betas", (0.9, 0.999), "decay rates (beta1, beta2) of the moment estimates",
                   low=0.0, high=1.0, high_open=True, kind="pair", label="betas (β₁, β₂)")
EPS = HyperParam("eps", 1e-8, "added to the denominator for stability", low=0.0, low_open=True, log=True,
                 label="eps (ε)")


def _adam_hyperparams(weight_decay: HyperParam) -> tuple[HyperParam, ...]:
    return (
        LR,
        BETAS,
        EPS,
        weight_decay,
        HyperParam("amsgrad", False, "use the running maximum of the second moment", kind="bool"),
    )


def adam_update(p, g, bufs, t, lr, betas, eps, wd, amsgrad: bool, decoupled: bool):
    """torch's Adam/AdamW rule for one block: the new ``p`` and its three moment buffers.

    Shared with Muon, whose non-matrix blocks take this AdamW step.
    """
    b1, b2 = betas
    if nonzero(wd):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
    m = lerp(bufs["exp_avg"], g, 1 - b1)  # as torch writes it; rounds unlike b1*m + (1-b1)*g
    v = b2 * bufs["exp_avg_sq"] + (1 - b2) * g * g
    vmax = np.maximum(bufs["max_exp_avg_sq"], v) if amsgrad else bufs["max_exp_avg_sq"]
    # Bias correction: t counts from 1, so 1 - beta**t is never 0. torch takes
    # the root with ** 0.5, which can round differently from sqrt.
    step_size = lr / (1 - b1 ** t)
    denom = np.sqrt(vmax if amsgrad else v) / (1 - b2 ** t) ** 0.5 + eps
    return p - step_size * m / denom, {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax}


def momentum_parts(p, g, m_prev, m, t, lr, b1, wd, decoupled: bool, per_coordinate) -> Parts:
    """One block's parts of a step ``-lr / (1 - beta1^t) * per_coordinate * m_t`` (the Adam family's).

    m_t = beta1 m_{t-1} + (1 - beta1) g_t splits the step into this gradient's
    share and the momentum carried over; ``lr / (1 - beta1^t) * per_coordinate``
    (the bias-corrected lr times the rule's own rescaling) is each coordinate's
    effective lr. L2 decay (``decoupled`` False) is the share of ``wd * p`` in
    the gradient; decoupled decay is the shrinking of theta before the step.
    Shared by Adam, AdamW, Adamax, RAdam and Muon's AdamW blocks.
    """
    rescale = lr / (1 - b1 ** t) * per_coordinate
    terms = {"gradient (rescaled)": -rescale * (1 - b1) * g, "momentum (rescaled)": -rescale * b1 * m_prev}
    if wd:
        terms["weight decay"] = p * (1 - lr * wd) - p if decoupled else -rescale * (1 - b1) * wd * p
    return terms, {"effective lr": rescale}, {"g_t": g, "m_t": m}


def adam_parts(p, g, before, after, t, lr, betas, eps, wd, amsgrad: bool, decoupled: bool) -> Parts:
    """The parts (:meth:`Optimizer.parts`) of :func:`adam_update`'s step, from the buffers before and after it."""
    b1, b2 = betas
    v = after["max_exp_avg_sq"] if amsgrad else after["exp_avg_sq"]
    terms, scales, values = momentum_parts(p, g, before["exp_avg"], after["exp_avg"], t, lr, b1, wd, decoupled,
                                           1 / (np.sqrt(v) / (1 - b2 ** t) ** 0.5 + eps))
    return terms, scales, {**values, "v_t": v}


class _AdamBase(Optimizer):
    """Shared Adam core; subclasses differ only in how weight decay enters."""

    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    decoupled = False

    def update(self, p, g, bufs, t, hp):
        return adam_update(p, g, bufs, t, hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"], hp["amsgrad"],
                           self.decoupled)

    def parts(self, p, g, new_p, before, after, t, hp):
        return adam_parts(p, g, before, after, t, hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"],
                          hp["amsgrad"], self.decoupled)


@register("adam")
class Adam(_AdamBase):
    r"""Adam with bias correction, exactly as ``torch.optim.Adam``.

    Weight decay is L2: added to the gradient before the moments.
    """

    title = "Adam"
    family = "adaptive"
    hyperparams = _adam_hyperparams(WEIGHT_DECAY)
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\"
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\"
        r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t}\\"
        r"\theta_t &= \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"
        r"\end{aligned}"
    )


@register("adamw")
class AdamW(_AdamBase):
    r"""AdamW: Adam with decoupled weight decay, exactly as ``torch.optim.AdamW``."""

    title = "AdamW"
    family = "adaptive"
    decoupled = True
    hyperparams = _adam_hyperparams(
        HyperParam("weight_decay", 1e-2, "decoupled weight decay", low=0.0, widget_high=1.0,
                   label="weight_decay (weight decay)")
    )
    latex = (
        r"\begin{aligned}"
        r"\theta' &= \theta_{t-1}\,(1 - \gamma\lambda)\\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\"
        r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\"
        r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t}\\"
        r"\theta_t &= \theta' - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"
        r"\end{aligned}"
    )
