"""Divergence explained in words.

Each optimizer knows its own step-size bound on a quadratic whose Hessian has
largest eigenvalue L (:meth:`optimizers.Optimizer.lr_bound` and its words,
``lr_bound_text``); a run past it is said to have diverged because of it.
"""
from __future__ import annotations

from ..problems import Problem
from .runner import Trajectory


def explain_divergence(traj: Trajectory, problem: Problem) -> str | None:
    """"diverged at step k" with the reason in words, or None if the run did not diverge.

    When the learning rate is past a known stability bound, that is the
    reason given ("lr = 0.5 is above the stability bound 2/L = 0.41");
    otherwise the runner's own reason.
    """
    if not traj.diverged:
        return None
    head = f"diverged at step {traj.diverged_at}"
    text = traj.optimizer.lr_bound_text(problem.lipschitz)
    lr = traj.optimizer.hp.get("lr")
    bound = traj.optimizer.lr_bound(problem.lipschitz)
    if text is not None and lr is not None and lr >= bound:
        return f"{head}: lr = {lr:g} is above the stability bound {text}"
    return f"{head}: {traj.diverged_reason}"
