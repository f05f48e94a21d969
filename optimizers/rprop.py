"""Rprop (``torch.optim.Rprop``)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .base import Optimizer
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR


@register("rprop")
class Rprop(Optimizer):
    r"""Resilient backpropagation, exactly as ``torch.optim.Rprop`` (Riedmiller & Braun 1993).

    Only the sign of each gradient entry is used. Every entry keeps its own
    step size, starting at ``lr``: it grows by etaplus while the sign holds
    and shrinks by etaminus when it flips, within ``step_sizes``. After a
    flip the entry pauses for one step (its gradient is taken as 0), so the
    next step cannot flip back at once. Meant for full batches: mini-batch
    noise flips signs at random. The update equations are in :attr:`latex`.
    """

    title = "Rprop"
    family = "sign-based"
    hyperparams = (
        replace(LR, default=1e-2, meaning="initial step size of every entry"),
        HyperParam("etas", (0.5, 1.2), "(etaminus, etaplus): step-size factors after a sign flip / no flip",
                   low=0.0, low_open=True, kind="pair", widget_high=5.0, label="etas (η₋, η₊ step factors)"),
        HyperParam("step_sizes", (1e-6, 50.0), "(min, max) allowed step size", low=0.0, kind="pair", log=True,
                   label="step_sizes (min, max step)"),
    )
    buffers = ("prev", "step_size")
    latex = (
        r"\begin{aligned}"
        r"\Delta_0 &= \gamma,\quad s_t = \operatorname{sign}(g_t\, g'_{t-1})\\"
        r"\Delta_t &= \operatorname{clip}\Bigl(\Delta_{t-1} \cdot "
        r"\begin{cases}\eta_+ & s_t > 0\\ \eta_- & s_t < 0\\ 1 & s_t = 0\end{cases},"
        r"\ \Delta_{\min},\ \Delta_{\max}\Bigr)\\"
        r"g'_t &= \begin{cases} 0 & s_t < 0\\ g_t & \text{otherwise}\end{cases}\\"
        r"\theta_t &= \theta_{t-1} - \operatorname{sign}(g'_t)\, \Delta_t"
        r"\end{aligned}"
    )

    def check_hyperparams(self, hp: dict[str, Any]) -> None:
        # torch: "Invalid eta values", 0 < etaminus < 1 < etaplus.
        minus, plus = hp["etas"]
        if np.any(minus >= 1):
            raise ValueError(f"Invalid etas[0]: {minus}. Allowed range: (0, 1)")
        if np.any(plus <= 1):
            raise ValueError(f"Invalid etas[1]: {plus}. Allowed range: (1, inf)")
        lo, hi = hp["step_sizes"]
        if np.any(lo > hi):
            raise ValueError(f"Invalid step_sizes: {hp['step_sizes']}. The min must not exceed the max")

    def init_buffer(self, name, p):
        if name == "step_size":  # shaped for p, so a per-run lr fills run r's slice
            return np.full_like(p, self._hp_for(p)["lr"] if self._per_run else self.hp["lr"])
        return np.zeros_like(p)

    def update(self, p, g, bufs, t, hp):
        (minus, plus), (lo, hi) = hp["etas"], hp["step_sizes"]
        s = np.sign(g * bufs["prev"])
        factor = np.where(s > 0, plus, np.where(s < 0, minus, 1.0))
        step_size = np.clip(bufs["step_size"] * factor, lo, hi)
        g = np.where(s < 0, 0.0, g)
        return p - np.sign(g) * step_size, {"prev": g, "step_size": step_size}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -sign(g'_t) Delta_t: each coordinate moves by its own step size, or pauses
        # (g'_t = 0) the step after its gradient's sign flipped.
        sign = np.sign(after["prev"])
        return ({"sign step": -sign * after["step_size"]}, {"step size": after["step_size"], "sign": sign},
                {"g_t": g, "s_t": np.sign(g * before["prev"]), "g'_t": after["prev"]})
