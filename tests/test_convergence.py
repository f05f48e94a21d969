"""Every optimizer converges on an ill-conditioned quadratic, Rosenbrock and linear regression."""
import numpy as np
import pytest

import optimizers
from playground import problems, run

PROBLEMS = {
    "quadratic": problems.quadratic(cond=50.0),
    "rosenbrock": problems.rosenbrock(),
    "linreg": problems.linear_regression(),
}
# (lr per problem, distance to the optimum that counts as converged). RMSProp
# with a constant lr ends in a small limit cycle of size ~lr; the others settle.
TABLE = {
    "gd": ({"quadratic": 0.035, "rosenbrock": 0.002, "linreg": 0.3}, 1e-2),
    "momentum": ({"quadratic": 0.01, "rosenbrock": 0.001, "linreg": 0.01}, 1e-6),
    "nesterov": ({"quadratic": 0.01, "rosenbrock": 0.001, "linreg": 0.05}, 1e-6),
    "adam": ({"quadratic": 0.01, "rosenbrock": 0.05, "linreg": 0.01}, 1e-4),
    "adamw": ({"quadratic": 0.01, "rosenbrock": 0.05, "linreg": 0.01}, 1e-4),
    "rmsprop": ({"quadratic": 0.001, "rosenbrock": 0.001, "linreg": 0.001}, 1e-2),
    "adagrad": ({"quadratic": 1.0, "rosenbrock": 1.0, "linreg": 1.0}, 1e-3),
}


#: Enough for the slowest of these (Adagrad on Rosenbrock is within its tolerance from about step 13,000 on).
STEPS = 15_000


@pytest.mark.parametrize("problem_name", PROBLEMS)
@pytest.mark.parametrize("opt_name", TABLE)
def test_optimizer_converges(opt_name, problem_name):
    problem = PROBLEMS[problem_name]
    lrs, tol = TABLE[opt_name]
    hp = {"lr": lrs[problem_name]}
    if opt_name == "adamw":
        hp["weight_decay"] = 0.0  # decoupled decay moves the minimiser itself
    traj = run(problem, optimizers.create(opt_name, **hp), STEPS, record=10)
    assert not traj.diverged
    start = np.linalg.norm(problem.init_params(0) - problem.optimum)
    assert np.linalg.norm(traj.final_params - problem.optimum) < tol < start
