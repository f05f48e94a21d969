"""Letting the runner drive seed code that updates parameters its own way.

Some seed bugs live in a hand-written training loop, not in a gradient: the
updater whose prediction is overwritten on every pass, the per-sample loop that
steps after every sample. Such code is a *step*: ``theta -> theta'``. Rather
than a second runner, :class:`SeedStep` presents it to the real runner as a
problem whose gradient is (theta - step(theta)) / lr, so that plain GD with that
lr retraces the seed code (to round-off), while the loss stays the problem's own.
The trajectory then has the runner's records and divergence detection, and
shows the loss the question's user was watching.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import optimizers

from ..problems import Problem
from ..training.runner import Trajectory, run

Step = Callable[[np.ndarray], np.ndarray]


class SeedStep(Problem):
    """``problem``'s loss, with the step of seed code as its (effective) gradient.

    Full batch and one run only: the seed code loops over the data itself.
    ``step`` receives a copy of theta, so seed code that updates in place
    (``theta[0] = ...``) cannot corrupt the runner's parameters.
    """

    def __init__(self, problem: Problem, step: Step, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"Invalid lr: {lr!r}. Allowed range: (0, inf)")
        super().__init__(problem.template)
        self.problem, self.step, self.lr = problem, step, lr
        # The runner checked theta once; this problem's maths is the wrapped one's, unchecked too.
        self._inner_loss = problem.unchecked().loss
        # What the app draws (optimum, window, labels) is the wrapped problem's. Not
        # its lipschitz: the step is not GD on this loss, so no stability bound applies.
        for attr in ("name", "title", "n_samples", "optimum", "minima", "bounds", "axis_labels", "settings"):
            setattr(self, attr, getattr(problem, attr))

    def init_params(self, seed: int = 0) -> np.ndarray:
        return self.problem.init_params(seed)

    def _loss(self, theta, idx):
        return self._inner_loss(theta, idx)

    def _value_and_grad(self, theta, idx):
        if idx is not None or np.ndim(theta) != np.ndim(self.template):
            raise ValueError("SeedStep drives one run on the full data: the seed code does its own looping")
        return self._inner_loss(theta, None), (theta - self.step(np.array(theta))) / self.lr


def trace(problem: Problem, step: Step, lr: float, steps: int, label: str) -> Trajectory:
    """The trajectory of ``steps`` calls of ``step``, each scored with ``problem``'s loss."""
    return run(SeedStep(problem, step, lr), optimizers.GD(lr=lr), steps, label=label)
