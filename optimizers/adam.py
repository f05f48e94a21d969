"""Adam and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``)."""
from __future__ import annotations

import numpy as np

from .base import Optimizer, lerp, nonzero
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


class _AdamBase(Optimizer):
    """Shared Adam core; subclasses differ only in how weight decay enters."""

    buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    decoupled = False

    def update(self, p, g, bufs, t, hp):
        return adam_update(p, g, bufs, t, hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"], hp["amsgrad"],
                           self.decoupled)

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr_eff * m_t, with the per-coordinate effective lr
        # lr_eff = lr / ((1 - beta1^t) (sqrt(v_hat) + eps)); m_t = beta1 m_{t-1} + (1 - beta1) g_t
        # splits the step into this gradient's share and the momentum carried over.
        lr, (b1, b2), eps, wd = hp["lr"], hp["betas"], hp["eps"], hp["weight_decay"]
        v = after["max_exp_avg_sq"] if hp["amsgrad"] else after["exp_avg_sq"]
        rescale = lr / ((1 - b1 ** t) * (np.sqrt(v) / (1 - b2 ** t) ** 0.5 + eps))
        terms = {"gradient (rescaled)": -rescale * (1 - b1) * g,
                 "momentum (rescaled)": -rescale * b1 * before["exp_avg"]}
        if wd:  # AdamW shrinks theta first; Adam adds wd * theta to the gradient
            terms["weight decay"] = p * (1 - lr * wd) - p if self.decoupled else -rescale * (1 - b1) * wd * p
        return terms, {"effective lr": rescale}, {"g_t": g, "m_t": after["exp_avg"], "v_t": v}


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
