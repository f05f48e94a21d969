"""Gradient descent, heavy-ball momentum and Nesterov momentum (``torch.optim.SGD``)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .base import Optimizer, nonzero
from .hyperparams import HyperParam
from .registry import register

LR = HyperParam("lr", 1e-3, "step size", low=0.0, low_open=True, log=True, widget_high=10.0, label="lr (learning rate)")
WEIGHT_DECAY = HyperParam("weight_decay", 0.0, "L2 penalty added to the gradient", low=0.0, widget_high=1.0,
                          label="weight_decay (weight decay)")


@register("gd")
class GD(Optimizer):
    r"""Plain (batch or stochastic) gradient descent."""

    title = "Gradient descent"
    family = "classic"
    hyperparams = (LR,)
    latex = r"\theta_t = \theta_{t-1} - \gamma\, g_t"

    def update(self, p, g, bufs, t, hp):
        return p - hp["lr"] * g, {}

    def parts(self, p, g, new_p, before, after, t, hp):
        return {"gradient": -hp["lr"] * g}, {}, {"g_t": g}

    def lr_bound(self, L):
        # Per eigenvalue the error is multiplied by 1 - lr * L each step: stable iff lr * L < 2.
        return None if L is None or L <= 0 else 2.0 / L

    def lr_bound_text(self, L):
        bound = self.lr_bound(L)
        return None if bound is None else f"2/L = {bound:.3g}"


@register("momentum")
class Momentum(Optimizer):
    r"""SGD with heavy-ball momentum, exactly as ``torch.optim.SGD``.

    torch's convention puts the learning rate outside the velocity
    (b = mu*b + g, theta -= lr*b), and the first step starts the buffer at the
    gradient itself rather than at (1 - dampening) * g.
    """

    title = "Momentum"
    family = "classic"
    hyperparams = (
        LR,
        HyperParam("momentum", 0.9, "momentum factor mu", low=0.0, widget_high=0.999, label="momentum (μ)"),
        HyperParam("dampening", 0.0, "damping of the gradient added to the velocity", low=0.0, high=1.0,
                   label="dampening (τ)"),
        HyperParam("nesterov", False, "use Nesterov's look-ahead gradient", kind="bool"),
        WEIGHT_DECAY,
    )
    buffers = ("velocity",)
    latex = (
        r"\begin{aligned}"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \quad (b_1 = g_1)\\"
        r"d_t &= \begin{cases} g_t + \mu\, b_t & \text{nesterov}\\ b_t & \text{otherwise}\end{cases}\\"
        r"\theta_t &= \theta_{t-1} - \gamma\, d_t"
        r"\end{aligned}"
    )

    def check_hyperparams(self, hp: dict[str, Any]) -> None:
        # torch rejects these too: "Nesterov momentum requires a momentum and zero dampening".
        if hp["nesterov"] and np.any(hp["momentum"] <= 0):
            raise ValueError(f"Invalid momentum: {hp['momentum']} with nesterov=True. Allowed range: (0, inf)")
        if hp["nesterov"] and np.any(hp["dampening"] != 0):
            raise ValueError(f"Invalid dampening: {hp['dampening']} with nesterov=True. Allowed: 0")

    def update(self, p, g, bufs, t, hp):
        mu, wd = hp["momentum"], hp["weight_decay"]
        if nonzero(wd):
            g = g + wd * p
        # A copy, as torch clones: the caller may reuse its gradient array in place.
        b = g.copy() if t == 1 else mu * bufs["velocity"] + (1 - hp["dampening"]) * g
        d = g + mu * b if hp["nesterov"] else b
        # torch bypasses the buffer, and so dampening, when momentum is 0. (A float
        # is tested first: np.any would cost microseconds on every step.)
        if isinstance(mu, np.ndarray) or mu == 0:
            d = np.where(mu == 0, g, d)
        return p - hp["lr"] * d, {"velocity": b}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -lr d_t, split by where d_t comes from: this gradient, weight decay,
        # and the velocity carried over from earlier steps (none on the first step, or at momentum 0).
        lr, mu, tau, wd = hp["lr"], hp["momentum"], hp["dampening"], hp["weight_decay"]
        b = after["velocity"]
        if mu == 0:
            fresh, carried = 1.0, 0.0 * g
        elif hp["nesterov"]:  # d = g + mu b_t = (1 + mu (1 - tau)) g + mu^2 b_{t-1}, with b_1 = g
            fresh = 1 + mu if t == 1 else 1 + mu * (1 - tau)
            carried = 0.0 * g if t == 1 else mu * mu * before["velocity"]
        else:
            fresh = 1.0 if t == 1 else 1 - tau
            carried = 0.0 * g if t == 1 else mu * before["velocity"]
        terms = {"gradient": -lr * fresh * g, "velocity": -lr * carried}
        if wd:
            terms["weight decay"] = -lr * fresh * wd * p
        return terms, {}, {"g_t": g, "b_t": b}

    def lr_bound(self, L):
        """Jury's conditions on the 2x2 iteration matrix of (theta, velocity) per eigenvalue, torch's form.

        Heavy ball: lr * L * (1 - dampening) < 2 + 2 mu. Nesterov: lr * L <
        (2 + 2 mu) / (1 + 2 mu). None with weight decay (it shifts the
        curvature) or mu >= 1 (never stable). With momentum 0 torch keeps no
        velocity, so dampening has no effect and the bound is GD's 2/L.
        """
        if L is None or L <= 0 or nonzero(self.hp["weight_decay"]):
            return None
        mu = np.asarray(self.hp["momentum"], dtype=float)
        if np.any(mu >= 1):
            return None
        if self.hp["nesterov"]:
            bound = (2 + 2 * mu) / ((1 + 2 * mu) * L)
        else:
            # dampening 1 keeps every new gradient out of the velocity: no step is too large (an infinite bound).
            with np.errstate(divide="ignore"):
                bound = (2 + 2 * mu) / ((1 - np.asarray(self.hp["dampening"], dtype=float)) * L)
            bound = np.where(mu == 0, 2.0 / L, bound)
        return float(bound) if bound.ndim == 0 else bound

    def lr_bound_text(self, L):
        bound = self.lr_bound(L)
        if bound is None or np.ndim(bound):
            return None
        mu, tau = self.hp["momentum"], self.hp["dampening"]
        if self.hp["nesterov"]:
            return f"(2 + 2μ)/((1 + 2μ) L) = {bound:.3g} (μ = {mu:g})"
        if tau and mu == 0:
            return f"2/L = {bound:.3g} (μ = 0: no velocity, so τ = {tau:g} has no effect)"
        if tau:
            return f"(2 + 2μ)/((1 - τ) L) = {bound:.3g} (μ = {mu:g}, τ = {tau:g})"
        return f"(2 + 2μ)/L = {bound:.3g} (μ = {mu:g})"


@register("nesterov")
class Nesterov(Momentum):
    r"""Nesterov momentum: :class:`Momentum` with ``nesterov=True`` by default."""

    title = "Nesterov"
    hyperparams = tuple(replace(h, default=True) if h.name == "nesterov" else h for h in Momentum.hyperparams)
