"""``symmetric-init`` (the blog post's warning): every weight the same, so the hidden units never differ.

Trained on the post's XOR network ([2, 2, 2, 1], sigmoid everywhere, MSE) with
plain GD from two starts: every parameter equal, and every parameter drawn from
U(-epsilon, epsilon).
"""
from __future__ import annotations

import numpy as np

import optimizers

from .. import problems
from ..setups.comparison import Comparison
from ..training.run_spec import RunSpec
from ..training.runner import Trajectory, run
from .entry import Result, TrajectoryEntry

LR = 3.0
STEPS = 600
SEED = 0


def initialize_parameters_symmetric(layers):
    theta = {}
    for idx in range(1, len(layers)):
        # the same value everywhere: every unit of a layer starts as a copy of the others
        theta[f"W{idx}"] = np.full((layers[idx], layers[idx - 1]), 0.5)
        theta[f"b{idx}"] = np.full(layers[idx], 0.5)
    return theta


def initialize_parameters(layers, epsilon=1.0, seed=SEED):
    rng = np.random.default_rng(seed)
    theta = {}
    for idx in range(1, len(layers)):
        # random values in [-epsilon, epsilon] break the symmetry
        theta[f"W{idx}"] = rng.uniform(-epsilon, epsilon, (layers[idx], layers[idx - 1]))
        theta[f"b{idx}"] = rng.uniform(-epsilon, epsilon, layers[idx])
    return theta


def unit_spread(traj: Trajectory, layer: int) -> np.ndarray:
    """Per recorded step, how far apart the units of hidden ``layer`` are.

    A unit is its row of W and its bias; the spread is the largest difference
    between any unit and the first one, over all their parameters. Zero means
    the units are identical.
    """
    units = np.concatenate([traj.params[f"W{layer}"], traj.params[f"b{layer}"][..., None]], axis=-1)
    return np.abs(units - units[:, :1]).max(axis=(1, 2))


def _run() -> Result:
    net = problems.xor()
    buggy = run(net, optimizers.GD(lr=LR), STEPS, params0=initialize_parameters_symmetric(net.sizes),
                label="all weights equal")
    fixed = run(net, optimizers.GD(lr=LR), STEPS, params0=initialize_parameters(net.sizes),
                label="weights from U(-1, 1)")
    lines = []
    for label, traj in (("all equal", buggy), ("random", fixed)):
        spreads = ", ".join(f"{unit_spread(traj, l)[-1]:.3g} in layer {l}" for l in range(1, net.n_layers))
        outputs = np.array2string(net.forward(traj.final_params).ravel(), precision=3)
        lines.append(f"{label}: after {traj.final_step} steps the hidden units differ by at most {spreads}; "
                     f"loss {traj.final_loss:.3g}, outputs {outputs} for XOR targets {net.y.ravel().astype(int)}.")
    return Result(buggy, fixed, "\n".join(lines))


SYMMETRIC_INIT = TrajectoryEntry(
    id="symmetric-init",
    title="Symmetric initialisation: hidden units that never differ",
    source_kind="blog post",
    source_title="Backpropagation Implementation and Gradient Checking",
    what_the_user_saw=(
        "Not a bug report but the post's warning: when every weight starts at the same value, every neuron "
        "of a layer computes the same function and gets the same update, and the network learns nothing "
        "significant."
    ),
    explanation=(
        "If every weight starts at the same value, every unit of a hidden layer computes the same function "
        "of the same inputs, so backprop hands each the same gradient and the same update: they stay copies "
        "of each other for the whole of training, and the layer is worth one unit. XOR needs two different "
        "hidden units, so the symmetric network cannot learn it. Drawing the weights at random, e.g. from "
        "[-epsilon, epsilon], breaks the symmetry."
    ),
    buggy=initialize_parameters_symmetric,
    fixed=initialize_parameters,
    setup_note=(
        "The Compare page trains the same network with GD at the same lr, from the problem's own random "
        "initialisation (it cannot start from a chosen point): a random start, not this exact one."
    ),
    compute=_run,
    comparison=Comparison("xor", {}, (RunSpec("gd", {"lr": LR}),), steps=STEPS, seed=SEED),
)
