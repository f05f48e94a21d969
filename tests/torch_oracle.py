"""The problems and cases of the whole-trajectory oracle, shared by its test and its recording script.

Numpy only: ``tests/data/record_torch.py`` imports this module in a scratch
venv that has torch, and ``tests/test_optimizers_vs_torch.py`` imports it in
the project's environment, so both sides step the same cases on the same
gradients. One file per optimizer, ``tests/data/torch/<name>.npz``, holds:

- ``traj/<case>/<block>``: the parameters at steps 0..STEPS, shape (STEPS + 1, *block shape);
- ``eval/<case>/<block>``: for averaging methods, the evaluation point after steps 1..STEPS;
- ``meta``: JSON with each case's hyperparameters, the reference it ran, its
  version, and the reference's keyword defaults.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

STEPS = 300
DATA = Path(__file__).parent / "data" / "torch"

# Exact binary fractions, so every machine starts from the same bits.
VECTOR0 = np.array([1.5, -0.75, 0.25, -2.0])
VECTOR_CENTER = np.array([0.5, 0.5, -1.0, 1.0])
VECTOR_CURV = np.array([0.5, 1.0, 2.0, 4.0])

# A small two-layer "network": weight matrices of both orientations (Muon
# transposes tall ones) and a bias vector (which Adafactor does not factor and
# Muon leaves to AdamW).
DICT0 = {
    "W1": np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5]]),
    "b1": np.array([0.75, -1.25]),
    "W2": np.array([[0.5, -1.0, 1.5], [-0.25, 0.75, -2.0]]),
}
DICT_CENTER = {
    "W1": np.array([[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75]]),
    "b1": np.array([0.5, -0.25]),
    "W2": np.array([[0.25, 0.5, -1.0], [1.0, -0.5, 0.5]]),
}
# Symmetric positive definite row couplings: a weight's gradient mixes its rows,
# as a layer's does, so the matrix methods see a genuinely matrix-shaped problem.
COUPLING = {
    "W1": np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 0.5]]),
    "b1": np.array([1.0, 0.5]),
    "W2": np.array([[1.0, 0.5], [0.5, 2.0]]),
}


def wobble(t: int, n: int, offset: int = 0) -> np.ndarray:
    """A deterministic, exactly representable perturbation that keeps the iterates moving."""
    i = np.arange(offset, offset + n)
    return ((3 * t + 5 * i) % 7 - 3) / 8


def start(problem: str) -> Any:
    if problem == "vector":
        return VECTOR0.copy()
    if problem == "matrix":
        return DICT0["W1"].copy()
    return {k: v.copy() for k, v in DICT0.items()}


def grad(problem: str, p: Any, t: int) -> Any:
    """The gradient at ``p`` for step ``t`` (counting from 1)."""
    if problem == "vector":
        return VECTOR_CURV * (p - VECTOR_CENTER) + wobble(t, p.size)
    if problem == "matrix":
        return _block_grad("W1", p, t, 0)
    out, offset = {}, 0
    for k in DICT0:
        out[k] = _block_grad(k, p[k], t, offset)
        offset += p[k].size
    return out


def _block_grad(k: str, x: np.ndarray, t: int, offset: int) -> np.ndarray:
    a, d = COUPLING[k], x - DICT_CENTER[k]
    return (a @ d if x.ndim == 2 else a * d) + wobble(t, x.size, offset).reshape(x.shape)


# name -> [(case label, hyperparameters, problem)]. Every hyperparameter a
# case gives is passed to both sides; the rest are the defaults, which the
# test checks against the reference's own.
CASES: dict[str, list[tuple[str, dict[str, Any], str]]] = {
    "gd": [("dict", {"lr": 0.05}, "dict"), ("vector", {"lr": 0.05}, "vector")],
    "momentum": [
        ("dict", {"lr": 0.02}, "dict"),
        ("damped-wd", {"lr": 0.02, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1}, "vector"),
        ("mu0-damped", {"lr": 0.05, "momentum": 0.0, "dampening": 0.5}, "vector"),
        ("nesterov-wd", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, "vector"),
    ],
    "nesterov": [("dict", {"lr": 0.02, "momentum": 0.8}, "dict")],
    "adam": [
        ("dict", {"lr": 0.05}, "dict"),
        ("wd", {"lr": 0.05, "betas": [0.3, 0.7], "weight_decay": 0.1}, "vector"),
        ("amsgrad", {"lr": 0.05, "betas": [0.8, 0.9], "eps": 0.001, "amsgrad": True}, "vector"),
    ],
    "adamw": [
        ("dict", {"lr": 0.05}, "dict"),
        ("amsgrad-wd", {"lr": 0.05, "betas": [0.5, 0.6], "weight_decay": 0.3, "amsgrad": True}, "vector"),
    ],
    "rmsprop": [
        ("dict", {"lr": 0.01}, "dict"),
        ("centered", {"lr": 0.01, "alpha": 0.3, "centered": True, "momentum": 0.5, "weight_decay": 0.05}, "vector"),
        ("momentum", {"lr": 0.02, "alpha": 0.9, "eps": 0.001, "momentum": 0.9}, "vector"),
    ],
    "adagrad": [
        ("dict", {"lr": 0.1}, "dict"),
        ("decay", {"lr": 0.3, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.1,
                   "eps": 0.001}, "vector"),
    ],
    "asgd": [
        ("dict", {"lr": 0.05}, "dict"),
        # averaging from step 100, with a step size that visibly decays
        ("averaged", {"lr": 0.1, "lambd": 0.05, "alpha": 0.6, "t0": 100.0, "weight_decay": 0.01}, "vector"),
    ],
    "nadam": [
        ("dict", {"lr": 0.02}, "dict"),
        ("wd", {"lr": 0.02, "betas": [0.8, 0.9], "momentum_decay": 0.05, "weight_decay": 0.1}, "vector"),
        ("decoupled", {"lr": 0.02, "weight_decay": 0.3, "decoupled_weight_decay": True}, "vector"),
    ],
    "radam": [
        # beta2 = 0.999 keeps rho_t <= 5 for the first 6 steps, then rectifies
        ("dict", {"lr": 0.02}, "dict"),
        ("wd", {"lr": 0.02, "betas": [0.5, 0.9], "eps": 0.001, "weight_decay": 0.1}, "vector"),
        ("decoupled", {"lr": 0.02, "weight_decay": 0.3, "decoupled_weight_decay": True}, "vector"),
    ],
    "adamax": [
        ("dict", {"lr": 0.02}, "dict"),
        ("wd", {"lr": 0.05, "betas": [0.5, 0.8], "eps": 0.001, "weight_decay": 0.1}, "vector"),
    ],
    "adadelta": [
        ("dict", {}, "dict"),
        ("wd", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}, "vector"),
    ],
    "rprop": [
        ("dict", {"lr": 0.01}, "dict"),
        ("clipped", {"lr": 0.1, "etas": [0.25, 1.5], "step_sizes": [0.001, 0.2]}, "vector"),
    ],
    "lion": [
        ("dict", {"lr": 0.001}, "dict"),
        ("wd", {"lr": 0.003, "betas": [0.8, 0.95], "weight_decay": 0.5}, "vector"),
        ("decoupled", {"lr": 0.003, "weight_decay": 0.001, "decoupled_weight_decay": True}, "vector"),
    ],
    "adafactor": [
        # the weights are factored (row and column means), the bias is not
        ("dict", {}, "dict"),
        ("wd", {"lr": 0.05, "beta2_decay": -0.5, "eps": [1e-10, 0.01], "d": 1.5, "weight_decay": 0.1}, "vector"),
        ("matrix", {"lr": 0.05, "beta2_decay": -0.6}, "matrix"),
    ],
    "muon": [
        # matrices by torch.optim.Muon (Newton-Schulz in float64), the bias by torch.optim.AdamW
        ("dict", {"lr": 0.02, "adamw_lr": 0.01}, "dict"),
        ("dict-plain", {"lr": 0.01, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0,
                        "adjust_lr_fn": "match_rms_adamw", "ns_steps": 3, "adamw_lr": 0.02,
                        "adamw_betas": [0.8, 0.99], "adamw_eps": 1e-8, "adamw_weight_decay": 0.1}, "dict"),
        ("matrix", {"lr": 0.02}, "matrix"),
    ],
    "sgd_schedulefree": [
        ("dict", {"lr": 0.05}, "dict"),
        ("warmup", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.01, "warmup_steps": 20, "r": 1.0,
                    "weight_lr_power": 1.0}, "vector"),
    ],
    "adamw_schedulefree": [
        ("dict", {"lr": 0.02}, "dict"),
        ("warmup", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1, "warmup_steps": 10,
                    "r": 0.5}, "vector"),
    ],
}


def load(name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The recorded meta and arrays of optimizer ``name``."""
    with np.load(DATA / f"{name}.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "meta"}
        meta = json.loads(str(data["meta"]))
    return meta, arrays


def blocks(tree: Any) -> dict[str, np.ndarray]:
    return tree if isinstance(tree, dict) else {"array": tree}
