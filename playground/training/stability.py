"""Step-size stability bounds on quadratics, and divergence explained in words.

On a quadratic whose Hessian has largest eigenvalue L (``problem.lipschitz``),
the linear optimizers converge exactly when the learning rate is below a bound
that follows from the 2x2 iteration matrix of (theta, velocity) per eigenvalue
(Jury's stability conditions):

- GD:                 lr * L < 2
- heavy-ball momentum mu, dampening tau (torch form):  lr * L * (1 - tau) < 2 + 2 mu
- Nesterov (torch form):                                lr * L < (2 + 2 mu) / (1 + 2 mu)

Momentum needs mu < 1 as well. Adaptive methods (Adam, RMSProp, AdaGrad)
rescale each coordinate by its gradient history, so no such bound applies.
"""
from __future__ import annotations

import numpy as np

from optimizers import Optimizer

from ..problems import Problem
from .runner import Trajectory


def lr_bound(optimizer: Optimizer, lipschitz: float | None) -> float | None:
    """The largest stable learning rate for ``optimizer`` on a quadratic with curvature ``lipschitz``.

    None when no bound is known: an adaptive optimizer, a non-constant
    Hessian, or momentum >= 1 (never stable). Works with per-run
    (array) hyperparameters, returning an array.
    """
    if lipschitz is None or lipschitz <= 0:
        return None
    hp = optimizer.hp
    name = optimizer.name
    if name == "gd":
        return 2.0 / lipschitz
    if name in ("momentum", "nesterov") and not hp.get("weight_decay"):
        mu = np.asarray(hp["momentum"], dtype=float)
        if np.any(mu >= 1):
            return None
        if hp["nesterov"]:
            bound = (2 + 2 * mu) / ((1 + 2 * mu) * lipschitz)
        else:
            bound = (2 + 2 * mu) / ((1 - np.asarray(hp["dampening"], dtype=float)) * lipschitz)
        return float(bound) if bound.ndim == 0 else bound
    return None


def bound_text(optimizer: Optimizer, lipschitz: float | None) -> str | None:
    """The bound as a formula with numbers, e.g. ``2/L = 0.41``; None when there is none."""
    bound = lr_bound(optimizer, lipschitz)
    if bound is None or np.ndim(bound):
        return None
    if optimizer.name == "gd":
        return f"2/L = {bound:.3g}"
    mu, tau = optimizer.hp["momentum"], optimizer.hp["dampening"]
    if optimizer.hp["nesterov"]:
        return f"(2 + 2μ)/((1 + 2μ) L) = {bound:.3g} (μ = {mu:g})"
    if tau:
        return f"(2 + 2μ)/((1 - τ) L) = {bound:.3g} (μ = {mu:g}, τ = {tau:g})"
    return f"(2 + 2μ)/L = {bound:.3g} (μ = {mu:g})"


def explain_divergence(traj: Trajectory, problem: Problem) -> str | None:
    """"diverged at step k" with the reason in words, or None if the run did not diverge.

    When the learning rate is past a known stability bound, that is the
    reason given ("lr = 0.5 is above the stability bound 2/L = 0.41");
    otherwise the runner's own reason.
    """
    if not traj.diverged:
        return None
    head = f"diverged at step {traj.diverged_at}"
    text = bound_text(traj.optimizer, problem.lipschitz)
    lr = traj.optimizer.hp.get("lr")
    bound = lr_bound(traj.optimizer, problem.lipschitz)
    if text is not None and lr is not None and lr >= bound:
        return f"{head}: lr = {lr:g} is above the stability bound {text}"
    return f"{head}: {traj.diverged_reason}"
