"""Adafactor (``torch.optim.Adafactor``)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .base import Optimizer, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR

# torch's eps1 default, None, means the machine epsilon of the parameters' dtype: float64 here.
FLOAT64_EPS = float(np.finfo(np.float64).eps)


def _sq_norm(x: np.ndarray, axis, n: float) -> np.ndarray:
    # torch writes the mean of squares as norm(x, dim)^2 / n, which rounds unlike mean(x * x).
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=True)) ** 2 / n


@register("adafactor")
class Adafactor(Optimizer):
    r"""Adafactor, exactly as ``torch.optim.Adafactor`` (Shazeer & Stern 2018).

    Adam's second moment costs as much memory as the parameters. For a
    matrix (any block of rank >= 2, over its last two axes) Adafactor keeps
    only its row and column means, R and C, and rebuilds a rank-1 estimate
    R C / mean(R); vectors keep the full second moment. There is no first
    moment. The step is relative: its size is the parameters' RMS times
    rho_t = min(lr, 1/sqrt(t)), after clipping the update's own RMS to ``d``.
    ``eps`` is (eps1, eps2): eps1 floors the second moment, eps2 the RMS of
    the parameters (torch's eps1 default, None, is the machine epsilon of
    float64, written here as its value). Under the sweep's run axis, every
    norm and mean is taken per run. The update equations are in :attr:`latex`.
    """

    title = "Adafactor"
    family = "adaptive"
    hyperparams = (
        replace(LR, default=1e-2, meaning="caps the relative step size rho_t = min(lr, 1/sqrt(t))"),
        HyperParam("beta2_decay", -0.8, "second-moment decay: beta2_t = 1 - t^beta2_decay", high=0.0,
                   label="beta2_decay (second-moment decay)"),
        HyperParam("eps", (FLOAT64_EPS, 1e-3), "(eps1, eps2): floor of the second moment, of the parameters' RMS",
                   low=0.0, kind="pair", log=True, label="eps (ε)"),
        HyperParam("d", 1.0, "clipping threshold of the update's RMS", low=1.0, widget_high=10.0,
                   label="d (clipping threshold)"),
        HyperParam("weight_decay", 0.0, "decoupled weight decay", low=0.0, widget_high=1.0,
                   label="weight_decay (weight decay)"),
    )
    buffers = ("row_var", "col_var", "variance")
    latex = (
        r"\begin{aligned}"
        r"\hat\beta_{2,t} &= 1 - t^{\tau},\quad \rho_t = \min(\gamma, 1/\sqrt t),"
        r"\quad \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\, \rho_t\\"
        r"\theta' &= \theta_{t-1}\,(1 - \gamma\lambda)\\"
        r"\text{matrix: } R_t &= \hat\beta_{2,t} R_{t-1} + (1-\hat\beta_{2,t})\, \mathrm{mean}_{\text{cols}}(g_t^2),"
        r"\quad C_t = \hat\beta_{2,t} C_{t-1} + (1-\hat\beta_{2,t})\, \mathrm{mean}_{\text{rows}}(g_t^2),"
        r"\quad \hat V_t = \frac{R_t C_t}{\max(\mathrm{mean}(R_t), \epsilon_1)}\\"
        r"\text{vector: } \hat V_t &= \hat\beta_{2,t} \hat V_{t-1} + (1-\hat\beta_{2,t})\, g_t^2\\"
        r"U_t &= \frac{g_t}{\sqrt{\max(\hat V_t, \epsilon_1^2)}},"
        r"\quad \hat U_t = \frac{U_t}{\max(1, \mathrm{RMS}(U_t)/d)}\\"
        r"\theta_t &= \theta' - \alpha_t\, \hat U_t"
        r"\end{aligned}"
    )

    def buffer_shape(self, name, shape, lead):
        factored = len(shape) - lead >= 2
        if name == "variance":
            return shape[:lead] + (0,) if factored else shape  # a matrix keeps no full second moment
        if not factored:
            return shape[:lead] + (0,)
        if name == "row_var":
            return shape[:-1] + (1,)
        return shape[:-2] + (1,) + shape[-1:]

    def update_block(self, p, g, bufs, t, hp, lead):
        lr, eps1, wd = hp["lr"], hp["eps"][0], hp["weight_decay"]
        own = tuple(range(lead, p.ndim))  # the block's own axes: norms are per run
        n = float(np.prod(p.shape[lead:]))
        one_minus_beta2 = t ** hp["beta2_decay"]
        _, alpha = _relative_step(p, t, hp, own, n)
        if nonzero(wd):
            p = p * (1 - lr * wd)
        if p.ndim - lead >= 2:
            row = lerp(bufs["row_var"], _sq_norm(g, -1, g.shape[-1]), one_minus_beta2)
            col = lerp(bufs["col_var"], _sq_norm(g, -2, g.shape[-2]), one_minus_beta2)
            var = _factored(row, col, eps1)
            bufs = {"row_var": row, "col_var": col, "variance": bufs["variance"]}
        else:
            var = lerp(bufs["variance"], g * g, one_minus_beta2)
            bufs = {"row_var": bufs["row_var"], "col_var": bufs["col_var"], "variance": var}
        u = g / np.sqrt(np.maximum(var, eps1 * eps1))
        return p - (alpha / _clip(u, own, n, hp["d"])) * u, bufs

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta' = -alpha_t U_hat_t = -lr_eff g_t: the gradient divided by its RMS estimate
        # rms_t = sqrt(max(V_hat_t, eps1^2)) (for a matrix the factored R_t C_t / mean(R_t)), times the relative
        # step alpha_t, over the clipping max(1, RMS(U_t) / d); weight decay shrinks theta first.
        lr, eps1, wd = hp["lr"], hp["eps"][0], hp["weight_decay"]
        own, n = tuple(range(p.ndim)), float(np.prod(p.shape))
        var = _factored(after["row_var"], after["col_var"], eps1) if p.ndim >= 2 else after["variance"]
        rms = np.sqrt(np.maximum(var, eps1 * eps1))
        rho, alpha = _relative_step(p, t, hp, own, n)
        clip = _clip(g / rms, own, n, hp["d"])
        terms = {"gradient (rescaled)": -(alpha / clip) * (g / rms)}
        if wd:
            terms["weight decay"] = p * (1 - lr * wd) - p
        values = {"g_t": g, "V_hat_t": var, "U_hat_t": g / rms / clip, "rho_t": np.full_like(p, rho),
                  "alpha_t": np.broadcast_to(alpha, p.shape).copy()}
        return terms, {"effective lr": alpha / clip / rms, "gradient rms": rms}, values


def _relative_step(p: np.ndarray, t: int, hp: dict[str, Any], own: tuple[int, ...], n: float) -> tuple[Any, Any]:
    """rho_t = min(lr, 1/sqrt(t)) and the step size alpha_t = max(eps2, RMS(p)) rho_t, RMS over the axes ``own``."""
    rho = np.minimum(hp["lr"], 1 / (t ** 0.5))
    return rho, np.maximum(hp["eps"][1], np.sqrt(np.sum(p * p, axis=own, keepdims=True)) / n ** 0.5) * rho


def _factored(row: np.ndarray, col: np.ndarray, eps1: Any) -> np.ndarray:
    """A matrix's second-moment estimate from its row and column means: R C / max(mean(R), eps1)."""
    return (row @ col) / np.maximum(row.mean(axis=-2, keepdims=True), eps1)


def _clip(u: np.ndarray, own: tuple[int, ...], n: float, d: Any) -> np.ndarray:
    """The update's clipping divisor max(1, RMS(u) / d), RMS over the axes ``own``."""
    return np.maximum(1.0, np.sqrt(np.sum(u * u, axis=own, keepdims=True)) / (n ** 0.5 * d))
