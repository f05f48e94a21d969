"""NAdam (``torch.optim.NAdam``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .adam import BETAS, EPS
from .base import Optimizer, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY


@register("nadam")
class NAdam(Optimizer):
    r"""NAdam, exactly as ``torch.optim.NAdam`` (Dozat 2016): Adam with Nesterov momentum.

    The step looks ahead: it mixes this gradient and the next step's
    momentum, with a momentum coefficient mu_t that warms up from beta1 / 2
    towards beta1 at a rate set by ``momentum_decay``. Weight decay is L2, or
    AdamW's decoupled decay with ``decoupled_weight_decay``. The update
    equations are in :attr:`latex`.
    """

    title = "NAdam"
    family = "adaptive"
    hyperparams = (
        replace(LR, default=2e-3),
        BETAS,
        EPS,
        WEIGHT_DECAY,
        HyperParam("momentum_decay", 4e-3, "how fast the momentum coefficient warms up to beta1 (psi)", low=0.0,
                   widget_high=0.1, label="momentum_decay (ψ, momentum warm-up)"),
        HyperParam("decoupled_weight_decay", False, "decay the weights directly, as AdamW, instead of L2",
                   kind="bool", label="decoupled_weight_decay (AdamW-style)"),
    )
    buffers = ("exp_avg", "exp_avg_sq", "mu_product")
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}"
        r"\quad (\text{decoupled: } \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda))\\"
        r"\mu_t &= \beta_1 \bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr)\\"
        r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\"
        r"\hat v_t &= \frac{v_t}{1-\beta_2^t}\\"
        r"\theta_t &= \theta_{t-1}"
        r" - \gamma\,\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\,\frac{g_t}{\sqrt{\hat v_t}+\epsilon}"
        r" - \gamma\,\frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,\frac{m_t}{\sqrt{\hat v_t}+\epsilon}"
        r"\end{aligned}"
    )

    def buffer_shape(self, name, shape, lead):
        # The running product of mu_t is one number per block (per run under the sweep).
        return shape[:lead] + (1,) * (len(shape) - lead) if name == "mu_product" else shape

    def update(self, p, g, bufs, t, hp):
        lr, (b1, b2), wd, psi = hp["lr"], hp["betas"], hp["weight_decay"], hp["momentum_decay"]
        if nonzero(wd):
            if hp["decoupled_weight_decay"]:
                p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        mu, mu_next = _mu(b1, psi, t), _mu(b1, psi, t + 1)
        # torch starts the product at 1; the buffer starts at 0, so step 1 starts it here.
        prod = (np.ones_like(bufs["mu_product"]) if t == 1 else bufs["mu_product"]) * mu
        m = lerp(bufs["exp_avg"], g, 1 - b1)
        v = b2 * bufs["exp_avg_sq"] + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2 ** t)) + hp["eps"]
        # The two terms are added one after the other, as torch's two addcdiv_ calls round them.
        p = p + (-lr * (1.0 - mu) / (1.0 - prod)) * (g / denom)
        p = p + ((-lr * mu_next) / (1.0 - prod * mu_next)) * (m / denom)
        return p, {"exp_avg": m, "exp_avg_sq": v, "mu_product": prod}

    def parts(self, p, g, new_p, before, after, t, hp):
        # The equation's two terms, each at the effective lr lr / (sqrt(v_hat) + eps): this gradient, weighted
        # (1 - mu_t) / (1 - prod mu_i), and the look-ahead momentum m_t, weighted mu_{t+1} / (1 - prod mu_i mu_{t+1}).
        # L2 decay is wd * theta's share of both, and so its own term; m_t here is the gradients' share of m_t.
        lr, (b1, b2), wd, psi = hp["lr"], hp["betas"], hp["weight_decay"], hp["momentum_decay"]
        m, v, prod = after["exp_avg"], after["exp_avg_sq"], after["mu_product"]
        mu, mu_next = _mu(b1, psi, t), _mu(b1, psi, t + 1)
        rescale = lr / (np.sqrt(v / (1 - b2 ** t)) + hp["eps"])
        now, ahead = (1.0 - mu) / (1.0 - prod), mu_next / (1.0 - prod * mu_next)
        l2 = wd if wd and not hp["decoupled_weight_decay"] else 0.0
        terms = {"gradient (rescaled)": -rescale * now * g,
                 "momentum look-ahead (rescaled)": -rescale * ahead * (m - (1 - b1) * l2 * p)}
        if wd:
            terms["weight decay"] = (p * (1 - lr * wd) - p if hp["decoupled_weight_decay"]
                                     else -rescale * (now + ahead * (1 - b1)) * wd * p)
        return terms, {"effective lr": rescale}, {"g_t": g, "m_t": m, "v_t": v, "mu_t": np.full_like(p, mu)}


def _mu(b1, psi, t):
    """mu_t, the momentum coefficient at step t: it warms up from beta1 / 2 towards beta1."""
    return b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
