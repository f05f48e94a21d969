"""Two ways linear regression by gradient descent diverges (a question's updater, and the textbook bound).

- ``linreg-divergent-updater``: the gradient is computed from the last sample's
  prediction only, so m and b drift apart forever;
- ``linreg-lr-too-large``: the gradient is right, the step is past 2/L.
"""
from __future__ import annotations

import numpy as np

import optimizers

from .. import problems
from ..setups.comparison import Comparison
from ..training.run_spec import RunSpec
from ..problems import LeastSquares
from ..training.runner import run
from ..training.stability import explain_divergence
from .drive import trace
from .entry import Result, TrajectoryEntry

# Data and step for the updater: 30 noisy points, y = 2x + 1 + N(0, 1), seeded so
# that the last sample sits at x ~ 1.4 and the error first falls by about 8x,
# as its user saw. The fixed updater converges at this lr long before STEPS.
UPDATER_DATA = dict(n=30, noise=1.0, seed=3)
UPDATER_LR = 0.1
UPDATER_STEPS = 500


def gradient_updater(mcurr, bcurr, x, y, learning_rate):
    N = len(x)
    for i in x:
        # gets the predicted y-value
        ypred = (mcurr * i) + bcurr
        # uses partial derivative formula to get new m and b
        new_m = -(2/N) * sum(x*(y - ypred))
        new_b = -(2/N) * sum(y - ypred)
    # applies the new b and m value
    mcurr = mcurr - (learning_rate * new_m)
    bcurr = bcurr - (learning_rate * new_b)
    return mcurr, bcurr


def gradient_updater_fixed(mcurr, bcurr, x, y, learning_rate):
    N = len(x)
    # one predicted y-value per sample: all of them enter the gradient
    ypred = (mcurr * x) + bcurr
    new_m = -(2/N) * sum(x*(y - ypred))
    new_b = -(2/N) * sum(y - ypred)
    mcurr = mcurr - (learning_rate * new_m)
    bcurr = bcurr - (learning_rate * new_b)
    return mcurr, bcurr


def _run_updater() -> Result:
    problem = problems.linear_regression(**UPDATER_DATA)
    x, y = problem.X[:, 0], problem.y

    def as_step(updater):
        return lambda theta: np.array(updater(theta[0], theta[1], x, y, UPDATER_LR))

    buggy = trace(problem, as_step(gradient_updater), UPDATER_LR, UPDATER_STEPS, "gradient_updater (the question's)")
    fixed = trace(problem, as_step(gradient_updater_fixed), UPDATER_LR, UPDATER_STEPS, "gradient_updater, fixed")
    losses, m, b = buggy.losses, buggy.params[:, 0], buggy.params[:, 1]
    k = int(np.argmin(losses))
    m_ls, b_ls = problem.optimum
    passes = np.flatnonzero(m > m_ls)
    negative = np.flatnonzero(b < 0)
    m_end, b_end = buggy.final_params
    dm, db = (buggy.params[-1] - buggy.params[-2]) / (buggy.steps[-1] - buggy.steps[-2])
    summary = (
        f"buggy: the loss falls {losses[0] / losses[k]:.3g}x (from {losses[0]:.3g} to {losses[k]:.3g} at step "
        f"{buggy.steps[k]}), then rises to {buggy.final_loss:.3g} by step {buggy.final_step}, "
        f"{buggy.final_loss / losses[k]:.3g}x its minimum. m passes the least-squares slope {m_ls:.3g} at step "
        f"{_first(buggy.steps, passes)} and b turns negative at step {_first(buggy.steps, negative)}; at the end "
        f"m = {m_end:.3g}, b = {b_end:.3g}, still moving apart by "
        f"{dm:+.3g} and {db:+.3g} per step: b falls {-db / dm:.3g} times as fast as m rises, and the last "
        f"sample's x is {x[-1]:.3g}, so its prediction m·x + b stays put while the line tilts.\n"
        f"fixed: m = {fixed.final_params[0]:.6g}, b = {fixed.final_params[1]:.6g}; least squares (lstsq) "
        f"m = {m_ls:.6g}, b = {b_ls:.6g}, a distance of {fixed.distance_to(problem.optimum):.2g}."
    )
    return Result(buggy, fixed, summary)


def _first(steps: np.ndarray, hits: np.ndarray) -> str:
    return str(int(steps[hits[0]])) if hits.size else "never"


DIVERGENT_UPDATER = TrajectoryEntry(
    id="linreg-divergent-updater",
    title="Linear regression: a gradient from the last sample only",
    source_kind="Stack Overflow question",
    source_title="[fitting y = m x + b by gradient descent: m and b run apart]",
    what_the_user_saw=(
        "The error first fell, by about 8 times, then grew again: m went past the value it should reach, "
        "b turned negative, and the two kept moving in opposite directions instead of settling."
    ),
    explanation=(
        "Inside `for i in x:` the prediction `ypred = mcurr*i + bcurr` is a single number, overwritten on "
        "every pass, so after the loop the gradient uses the last sample's prediction p for every sample. "
        "p itself settles, but the two partial derivatives then cancel only in the combination "
        "x_last*new_m + new_b = 0: each is a constant, nonzero amount, so every update moves m one way "
        "and b the other by the same amount, forever. The loss first falls while p settles, then grows "
        "as the line tilts further and further. Fix: predict every sample (`ypred = m*x + b`, a vector), "
        "take the gradient over all of them, update once per iteration."
    ),
    buggy=gradient_updater,
    fixed=gradient_updater_fixed,
    setup_note=(
        "The Compare page runs the question's updater (a buggy updater, with the same learning_rate) beside "
        "plain GD at that lr on the same data: plain GD is the fixed updater."
    ),
    compute=_run_updater,
    # The seed's gradient carries the mean's 2/N, so its learning_rate is GD's lr (playground.gallery.updaters).
    # Fitted to every run: the buggy run's drift out of the data's window is the point.
    comparison=Comparison("linreg", UPDATER_DATA, (RunSpec("updater:linreg-divergent-updater", {"lr": UPDATER_LR}),
                                                   RunSpec("gd", {"lr": UPDATER_LR})), steps=UPDATER_STEPS,
                          view="all"),
)


LR_STEPS = 1000


def step_size_within_the_bound(problem: LeastSquares) -> optimizers.GD:
    # just below the bound: 2% under it
    bound = optimizers.GD().lr_bound(problem.lipschitz)  # 2 / L
    return optimizers.GD(lr=0.98 * bound)


def step_size_past_the_bound(problem: LeastSquares) -> optimizers.GD:
    # just past the bound: 2% over it
    bound = optimizers.GD().lr_bound(problem.lipschitz)  # 2 / L
    return optimizers.GD(lr=1.02 * bound)


def _run_lr() -> Result:
    problem = problems.create("linreg")
    fixed = run(problem, step_size_within_the_bound(problem), LR_STEPS, label="lr just below 2/L")
    buggy = run(problem, step_size_past_the_bound(problem), LR_STEPS, label="lr just above 2/L")
    text = fixed.optimizer.lr_bound_text(problem.lipschitz)
    summary = (
        f"The bound: {text} (L = {problem.lipschitz:.3g}, the largest eigenvalue of the Hessian (2/N) XᵀX).\n"
        f"Just above: {explain_divergence(buggy, problem)}.\n"
        f"Just below: lr = {fixed.optimizer.hp['lr']:g} converges; after {fixed.final_step} steps it is "
        f"{fixed.distance_to(problem.optimum):.2g} from the least-squares solution."
    )
    return Result(buggy, fixed, summary)


def _lr_comparison() -> Comparison:
    problem = problems.create("linreg")
    return Comparison("linreg", {}, tuple(
        RunSpec("gd", {"lr": f(problem).hp["lr"]}) for f in (step_size_within_the_bound, step_size_past_the_bound)
    ), steps=LR_STEPS)


LR_TOO_LARGE = TrajectoryEntry(
    id="linreg-lr-too-large",
    title="Linear regression: a step size past 2/L",
    source_kind="textbook result",
    source_title="[the step-size bound of gradient descent on a quadratic, lr < 2/L]",
    what_the_user_saw=(
        "No single thread: it is what anyone sees who sets the step size past 2/L, and the other way the "
        "linear regression of the entry before diverges. The loss never settles; the iterates jump from one "
        "side of the minimum to the other, further each time, until they overflow."
    ),
    explanation=(
        "The gradient is right; the step is too large. For f(θ) = mean((Xθ - y)²) the Hessian "
        "H = (2/N) XᵀX is constant, and along its top eigenvector GD multiplies the error by (1 - lr·L) "
        "every step. Below lr = 2/L that factor is inside (-1, 1) and the run converges (oscillating "
        "when lr > 1/L); past 2/L it is below -1: the iterates flip sides with growing amplitude and "
        "soon overflow. With heavy-ball momentum μ the bound becomes lr·λ < 2 + 2μ for every eigenvalue λ."
    ),
    buggy=step_size_past_the_bound,
    fixed=step_size_within_the_bound,
    setup_note="The Compare page runs both: GD just below and just above 2/L on the default linear regression.",
    compute=_run_lr,
    comparison=_lr_comparison(),
)
