"""RAdam (``torch.optim.RAdam``)."""
from __future__ import annotations

import numpy as np

from .adam import BETAS, EPS, momentum_parts
from .base import Optimizer, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("radam")
class RAdam(Optimizer):
    r"""RAdam, exactly as ``torch.optim.RAdam`` (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate").

    Early on, the second-moment estimate rests on few gradients and its
    variance is large. RAdam measures that by the length rho_t of the
    approximated simple moving average: while rho_t <= 5 it takes plain
    bias-corrected momentum steps, afterwards Adam steps scaled by the
    rectification r_t, a built-in warmup. Weight decay is L2, or AdamW's with
    ``decoupled_weight_decay``. The update equations are in :attr:`latex`.
    """

    title = "RAdam"
    family = "adaptive"
    hyperparams = (
        LR, BETAS, EPS, WEIGHT_DECAY,
        HyperParam("decoupled_weight_decay", False, "decay the weights directly, as AdamW, instead of L2",
                   kind="bool", label="decoupled_weight_decay (AdamW-style)"),
    )
    buffers = ("exp_avg", "exp_avg_sq")
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}"
        r"\quad (\text{decoupled: } \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda))\\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2,"
        r"\quad \hat m_t = \frac{m_t}{1-\beta_1^t}\\"
        r"\rho_\infty &= \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t}\\"
        r"r_t &= \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}\\"
        r"\theta_t &= \begin{cases}"
        r"\theta_{t-1} - \gamma\, \hat m_t\, r_t\, \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon} & \rho_t > 5\\"
        r"\theta_{t-1} - \gamma\, \hat m_t & \text{otherwise}\end{cases}"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        lr, (b1, b2), wd = hp["lr"], hp["betas"], hp["weight_decay"]
        if nonzero(wd):
            if hp["decoupled_weight_decay"]:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        m = lerp(bufs["exp_avg"], g, 1 - b1)
        v = b2 * bufs["exp_avg_sq"] + (1 - b2) * g * g
        bc2 = 1 - b2 ** t
        m_hat = m / (1 - b1 ** t)
        rho_inf, rho_t = _rho(b2, t)
        plain = m_hat * lr
        if np.ndim(rho_t) == 0 and not rho_t > 5.0:  # a lone run still in its warmup: no root of a negative
            return p - plain, {"exp_avg": m, "exp_avg_sq": v}
        with np.errstate(invalid="ignore", divide="ignore"):  # per-run: runs still warming up take `plain`
            rectified = plain * ((bc2 ** 0.5) / (np.sqrt(v) + hp["eps"])) * _rectification(rho_inf, rho_t)
        return p - np.where(rho_t > 5.0, rectified, plain), {"exp_avg": m, "exp_avg_sq": v}

    def parts(self, p, g, new_p, before, after, t, hp):
        # Adam's split: lr_eff = lr / (1 - beta1^t) times r_t sqrt(1 - beta2^t) / (sqrt(v_t) + eps) once
        # rho_t > 5, times 1 (a plain momentum step) before.
        b2, v = hp["betas"][1], after["exp_avg_sq"]
        rho_inf, rho_t = _rho(b2, t)
        rectified = rho_t > 5.0
        r_t = _rectification(rho_inf, rho_t) if rectified else 1.0
        per_coordinate = r_t * (1 - b2 ** t) ** 0.5 / (np.sqrt(v) + hp["eps"]) if rectified else np.ones_like(p)
        terms, scales, values = momentum_parts(p, g, before["exp_avg"], after["exp_avg"], t, hp["lr"],
                                               hp["betas"][0], hp["weight_decay"], hp["decoupled_weight_decay"],
                                               per_coordinate)
        values = {**values, "v_t": v, "rho_t": np.full_like(p, rho_t)}
        if rectified:
            values["r_t"] = np.full_like(p, r_t)
        return terms, scales, values


def _rho(b2, t):
    """rho_inf and rho_t, the length of the approximated simple moving average at step t."""
    rho_inf = 2 / (1 - b2) - 1
    return rho_inf, rho_inf - 2 * t * (b2 ** t) / (1 - b2 ** t)


def _rectification(rho_inf, rho_t):
    """r_t, the variance rectification: defined for rho_t > 4, used once rho_t > 5."""
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
