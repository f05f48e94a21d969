"""``adam-t0-bias-correction`` (an answer on Adam for a style-transfer tutorial): t counted from 0.

The answer's Adam sits in ``for i in range(num_iterations):`` and divides by
1 - beta**i, which is 0 on the first pass. Both versions are optimizers the
runner drives, deliberately left out of the public registry; each is written
out whole, as the answer wrote it, so the two can be read side by side.
"""
from __future__ import annotations

import numpy as np

import optimizers
from optimizers import Optimizer

from .. import problems
from ..setups.comparison import Comparison
from ..training.run_spec import RunSpec
from ..training.runner import run
from .entry import Result, TrajectoryEntry

PROBLEM = "rosenbrock"
LR = 0.05
STEPS = 1000

# lr, betas and eps as torch.optim.Adam declares them (betas (0.9, 0.999), eps 1e-8).
_HYPERPARAMS = tuple(h for h in optimizers.Adam.hyperparams if h.name in ("lr", "betas", "eps"))


class AnswerAdam(Optimizer):
    title = "Adam with t from 0 (the answer's)"
    hyperparams = _HYPERPARAMS
    buffers = ("first_moment", "second_moment")

    def update(self, p, g, bufs, t, hp):
        step_size, (beta1, beta2) = hp["lr"], hp["betas"]
        i = t - 1  # the answer's loop index: for i in range(num_iterations), so 0 on the first step
        # Calculate moments
        first_moment = beta1 * bufs["first_moment"] + (1 - beta1) * g
        second_moment = beta2 * bufs["second_moment"] + (1 - beta2) * g * g
        # Bias correction steps
        first_unbias = first_moment / (1 - beta1 ** i)
        second_unbias = second_moment / (1 - beta2 ** i)
        p = p - step_size * first_unbias / (np.sqrt(second_unbias) + hp["eps"])
        return p, {"first_moment": first_moment, "second_moment": second_moment}


class AnswerAdamFixed(Optimizer):
    title = "Adam with t from 1"
    hyperparams = _HYPERPARAMS
    buffers = ("first_moment", "second_moment")

    def update(self, p, g, bufs, t, hp):
        step_size, (beta1, beta2) = hp["lr"], hp["betas"]
        i = t  # count steps from 1: the counter goes up before the bias correction
        # Calculate moments
        first_moment = beta1 * bufs["first_moment"] + (1 - beta1) * g
        second_moment = beta2 * bufs["second_moment"] + (1 - beta2) * g * g
        # Bias correction steps
        first_unbias = first_moment / (1 - beta1 ** i)
        second_unbias = second_moment / (1 - beta2 ** i)
        p = p - step_size * first_unbias / (np.sqrt(second_unbias) + hp["eps"])
        return p, {"first_moment": first_moment, "second_moment": second_moment}


def _run() -> Result:
    problem = problems.create(PROBLEM)
    buggy = run(problem, AnswerAdam(lr=LR), STEPS, label="Adam, t from 0")
    fixed = run(problem, AnswerAdamFixed(lr=LR), STEPS, label="Adam, t from 1")
    start = problem.init_params()
    g = problem.grad(start)
    summary = (
        f"t from 0: step 1 divides by 1 - beta**0 = 0; the runner stops at step {buggy.diverged_at}: "
        f"{buggy.diverged_reason}.\n"
        f"t from 1: step 1 moves θ by {np.array2string(fixed.params[1] - start, precision=6)} with lr = {LR:g} "
        f"and gradient signs {np.sign(g).astype(int)}: lr·sign(g) in each coordinate, whatever the gradient's "
        f"size ({np.array2string(np.abs(g), precision=3)}). After {fixed.final_step} steps the loss is "
        f"{fixed.final_loss:.3g} at {np.array2string(fixed.final_params, precision=4)}."
    )
    return Result(buggy, fixed, summary)


ADAM_T0 = TrajectoryEntry(
    id="adam-t0-bias-correction",
    title="Adam: bias correction with t starting at 0",
    source_kind="Stack Overflow question and answer",
    source_title="[replacing plain gradient descent with Adam in a style-transfer tutorial]",
    what_the_user_saw=(
        "The asker, trying the answer's Adam update with beta1 and beta2 set to 0, got an error that a Tensor "
        "has no attribute sqrt. The update as answered also divides by 1 - beta1**0 = 0 on the first pass "
        "of its loop, so the image becomes NaN or inf on its first step."
    ),
    explanation=(
        "Adam's moments start at 0, so after t steps they are shrunk by (1 - beta^t); bias correction "
        "divides that back out. The answer used its loop index, which starts at 0: on the first step "
        "1 - beta^0 = 0 and the update is 0/0 or x/0, so the parameters become NaN or inf at once. "
        "Count steps from 1 (increment before the correction). Then the first step is "
        "m̂/√v̂ = g/|g|: each coordinate moves by about lr, against its gradient's sign. (The thread's "
        "user also set beta1 = beta2 = 0, which divides by 1 - 0^0 = 0 just the same, and called tf.sqrt "
        "on a numpy value; the usual values are beta1 = 0.9, beta2 = 0.999, eps = 1e-8.)"
    ),
    buggy=AnswerAdam,
    fixed=AnswerAdamFixed,
    setup_note=(
        "The Compare page runs the answer's Adam (a buggy updater, not a registered optimizer) beside the "
        "registered Adam (torch.optim's) at the same lr: the fixed version, step for step."
    ),
    compute=_run,
    comparison=Comparison(PROBLEM, {}, (RunSpec("updater:adam-t0-bias-correction", {"lr": LR}),
                                        RunSpec("adam", {"lr": LR})), steps=STEPS),
)
