"""``sgd-no-accumulation`` (the question "Gradient Descent Variation doesn't work"): per-sample steps taken as if they were the batch step.

The question's batch ``gradientDescent`` steps with the summed gradient Xᵀ(Xθ - y);
its ``gradientDescent2`` walks the samples and steps after each one. Its user
expected the same θ. One pass of per-sample steps is a different algorithm
(SGD); accumulating the per-sample gradients and stepping once after the loop
is exactly the batch step.
"""
from __future__ import annotations

import numpy as np

from .. import problems
from ..setups.comparison import Comparison
from ..training.run_spec import RunSpec
from .drive import trace
from .entry import Result, TrajectoryEntry

SEED = 0        # of genData, through problems.sin_dataset
ALPHA = 0.005   # the question's step size, on the summed gradient
PASSES = 99     # the question's number of iterations


def gradientDescent2(x, y, theta, alpha):
    for i in range(len(x)):
        hypothesis = np.dot(x[i], theta)
        loss = hypothesis - y[i]
        gradientThetaZero = loss * x[i][0]
        gradientThetaOne = loss * x[i][1]
        theta[0] = theta[0] - alpha * gradientThetaZero
        theta[1] = theta[1] - alpha * gradientThetaOne
    return theta


def gradientDescent2_fixed(x, y, theta, alpha):
    gradientThetaZero = 0.0
    gradientThetaOne = 0.0
    for i in range(len(x)):
        hypothesis = np.dot(x[i], theta)
        loss = hypothesis - y[i]
        # accumulate: every sample's gradient, at the same theta
        gradientThetaZero += loss * x[i][0]
        gradientThetaOne += loss * x[i][1]
    # one step, after the loop
    theta[0] = theta[0] - alpha * gradientThetaZero
    theta[1] = theta[1] - alpha * gradientThetaOne
    return theta


def _run() -> Result:
    problem = problems.sin_dataset(seed=SEED)
    x, y = problem.X, problem.y
    buggy = trace(problem, lambda theta: gradientDescent2(x, y, theta, ALPHA), ALPHA, PASSES,
                  "per-sample steps (gradientDescent2)")
    fixed = trace(problem, lambda theta: gradientDescent2_fixed(x, y, theta, ALPHA), ALPHA, PASSES,
                  "accumulated, one step per pass")
    theta0 = problem.init_params()
    batch_step = theta0 - ALPHA * x.T @ (x @ theta0 - y)
    summary = (
        f"From θ = {_fmt(theta0)} on the {len(y)} samples of genData, one pass with alpha = {ALPHA:g}:\n"
        f"  per-sample steps  θ = {_fmt(buggy.params[1])}, "
        f"{np.abs(buggy.params[1] - batch_step).max():.3g} from the batch step;\n"
        f"  the batch step    θ = {_fmt(batch_step)};\n"
        f"  accumulated       θ = {_fmt(fixed.params[1])}, {np.abs(fixed.params[1] - batch_step).max():.1g} "
        f"from the batch step (round-off).\n"
        f"After {PASSES} passes: per-sample θ = {_fmt(buggy.final_params)} (loss {buggy.final_loss:.6g}), "
        f"accumulated θ = {_fmt(fixed.final_params)} (loss {fixed.final_loss:.6g}); "
        f"least squares θ = {_fmt(problem.optimum)} (loss {problem.loss(problem.optimum):.6g})."
    )
    return Result(buggy, fixed, summary)


def _fmt(v: np.ndarray) -> str:
    return np.array2string(v, precision=4)


def _comparison() -> Comparison:
    n = problems.sin_dataset(seed=SEED).n_samples
    # The problem's loss is a mean, mean((Xθ - y)²), whose gradient (2/N) Xᵀ(Xθ - y)
    # is 2/N times the question's sum: its alpha is lr = alpha * N / 2 here.
    lr = ALPHA * n / 2
    return Comparison("sin", {"seed": SEED}, (
        RunSpec("updater:sgd-no-accumulation", {"lr": lr}),
        RunSpec("gd", {"lr": lr}),
        RunSpec("gd", {"lr": lr}, batch_size=1, accumulate=n),
    ), steps=PASSES, shuffle=False)


SGD_NO_ACCUMULATION = TrajectoryEntry(
    id="sgd-no-accumulation",
    title="Per-sample steps are not the batch step",
    source_kind="Stack Overflow question",
    source_title="Gradient Descent Variation doesn't work",
    what_the_user_saw=(
        "Two loops that look alike gave different results on the same generated sin data: the batch loop "
        "found the right theta, the loop with one update per sample did not, and its author could not see "
        "why, since both seemed to do the same thing."
    ),
    explanation=(
        "The batch version takes one step per iteration with the gradient summed over all samples, "
        "Xᵀ(Xθ - y). The per-sample version steps after every sample, so each sample's gradient is taken "
        "at a θ the previous samples have already moved: that is stochastic gradient descent, a different "
        "algorithm, which settles near the optimum only with shuffling, several epochs and usually a "
        "decaying step. (The question's loops run over range(0, 99) on 100 rows, which also skips the last "
        "sample; here both loops visit every row.) Fix: accumulate (+=) the per-sample gradients inside "
        "the loop, all at the same θ, and step once after it: exactly the batch step. Each step of these "
        "trajectories is one pass over the data."
    ),
    buggy=gradientDescent2,
    fixed=gradientDescent2_fixed,
    setup_note=(
        "The Compare page runs the buggy loop (a buggy updater: one of its steps is one pass of per-sample "
        "steps), the question's batch gradientDescent and the fix (batch size 1, accumulating every sample "
        "into one step), all with lr = alpha·N/2, because its loss is the mean, not the sum, of squared "
        "errors: the buggy loop then receives the question's alpha = 2·lr/N."
    ),
    compute=_run,
    comparison=_comparison(),
)
