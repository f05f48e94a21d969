"""Averaged SGD (``torch.optim.ASGD``)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .base import Optimizer, State, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY
from .tree import Tree, check_same_structure, tree_map


@register("asgd")
class ASGD(Optimizer):
    r"""Averaged SGD, exactly as ``torch.optim.ASGD`` (Polyak & Juditsky 1992).

    SGD with a slowly decaying step size eta_t and a decay of the weights
    by lambd * eta_t, plus a running average ax of the iterates, started at
    step ``t0``: before it ax just follows the iterate. The average is where
    a user evaluates, so :meth:`eval_params` returns it (torch keeps it in
    ``state["ax"]``). With the default t0 = 1e6 no playground run reaches
    the averaging. The update equations are in :attr:`latex`.
    """

    title = "Averaged SGD"
    family = "classic"
    hyperparams = (
        replace(LR, default=1e-2),
        HyperParam("lambd", 1e-4, "decay term: shrinks the weights and the step size over time", low=0.0,
                   widget_high=1.0, label="lambd (λ, decay term)"),
        HyperParam("alpha", 0.75, "power of the step-size decay", low=0.0, widget_high=1.0,
                   label="alpha (decay power)"),
        HyperParam("t0", 1e6, "step at which averaging starts", low=0.0, label="t0 (averaging start)"),
        WEIGHT_DECAY,
    )
    buffers = ("ax",)
    latex = (
        r"\begin{aligned}"
        r"\eta_t &= \frac{\gamma}{(1 + \lambda_d\, \gamma\, (t-1))^{\alpha}},"
        r"\quad \mu_t = \frac{1}{\max(1,\ t - 1 - t_0)}\\"
        r"g_t &\leftarrow g_t + \lambda\,\theta_{t-1}\\"
        r"\theta_t &= \theta_{t-1}(1 - \lambda_d\, \eta_t) - \eta_t\, g_t\\"
        r"\bar\theta_t &= \bar\theta_{t-1} + \mu_t\, (\theta_t - \bar\theta_{t-1})"
        r"\quad (\mu_t = 1:\ \bar\theta_t = \theta_t)"
        r"\end{aligned}"
    )

    def update(self, p, g, bufs, t, hp):
        eta, mu = _eta_mu(t, hp)
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        p = p * (1 - hp["lambd"] * eta) - eta * g
        # While mu is 1 torch copies the iterate rather than averaging, which would round.
        ax = np.where(mu == 1, p, bufs["ax"] + (p - bufs["ax"]) * mu)
        return p, {"ax": ax}

    def parts(self, p, g, new_p, before, after, t, hp):
        # theta_t - theta_{t-1} = -eta_t g_t - lambd eta_t theta_{t-1}: the gradient at the decaying step size
        # eta_t (each coordinate's effective lr), the decay lambd, and weight decay. The anatomy is the iterate's
        # step; the average bar_theta_t, where a user evaluates, is among the values.
        eta, mu = _eta_mu(t, hp)
        terms = {"gradient": -eta * g, "decay (lambd)": -hp["lambd"] * eta * p}
        if hp["weight_decay"]:
            terms["weight decay"] = -eta * hp["weight_decay"] * p
        return terms, {"effective lr": np.full_like(p, eta)}, {"g_t": g, "mu_t": np.full_like(p, mu),
                                                               "bar_theta_t": after["ax"]}

    def eval_params(self, params: Tree, state: State) -> Tree:
        if state.t == 0:  # no average yet (torch's ax starts at zeros and is first set by step 1)
            return params
        check_same_structure(params, state.buffers["ax"], ("params", "state buffer 'ax'"))
        return tree_map(np.copy, state.buffers["ax"])  # a copy: editing it must not reach into the state


def _eta_mu(t: int, hp: dict[str, Any]) -> tuple[Any, Any]:
    """eta_t, the step size, and mu_t, the averaging weight, at step t."""
    # torch keeps eta and mu in its state, each computed at the end of the
    # previous step from its count; they depend on t alone, so here they are
    # computed from it (at t = 1: eta = lr, mu = 1, torch's initial values).
    eta = hp["lr"] / ((1 + hp["lambd"] * hp["lr"] * (t - 1)) ** hp["alpha"])
    return eta, 1 / np.maximum(1, t - 1 - hp["t0"])
