"""The cases of the schedule oracle, shared by its test and its recording script (numpy only).

``tests/data/record_schedules.py`` runs each case with torch (a
``torch.optim.lr_scheduler`` class driving a ``torch.optim`` optimizer) and
``tests/test_schedules_vs_torch.py`` with ``optimizers.schedules``, on the
same problem: a quadratic whose loss and gradient are computed in numpy at
each side's own iterate. ``tests/data/torch/schedules.npz`` holds, per case,
``traj/<case>`` (the parameters at steps 0..STEPS), ``lrs/<case>`` (the lr of
each step), ``momenta/<case>`` (the momentum or beta1 of each step, where the
schedule cycles it) and ``meta`` (JSON: the cases and the torch version).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

STEPS = 300
FILE = Path(__file__).parent / "data" / "torch" / "schedules.npz"

# Exact binary fractions, so every machine starts from the same bits.
START = np.array([1.5, -0.75, 0.25, -2.0])
CENTER = np.array([0.5, 0.5, -1.0, 1.0])
CURV = np.array([0.5, 1.0, 2.0, 4.0])

#: name -> (optimizer, its hyperparameters, schedule, its keywords). Keywords are torch's, and ours.
CASES: dict[str, tuple[str, dict[str, Any], str, dict[str, Any]]] = {
    "step": ("momentum", {"lr": 0.05, "momentum": 0.9}, "step", {"step_size": 60, "gamma": 0.5}),
    "multistep": ("adam", {"lr": 0.05}, "multistep", {"milestones": [50, 150, 250], "gamma": 0.3}),
    "constant": ("gd", {"lr": 0.05}, "constant", {"factor": 0.5, "total_iters": 40}),
    "linear": ("nesterov", {"lr": 0.02, "momentum": 0.9}, "linear",
               {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 100}),
    "exponential": ("rmsprop", {"lr": 0.01}, "exponential", {"gamma": 0.99}),
    "polynomial": ("adamw", {"lr": 0.05}, "polynomial", {"total_iters": 250, "power": 2.0}),
    "cosine": ("momentum", {"lr": 0.05, "momentum": 0.9}, "cosine", {"T_max": 120, "eta_min": 0.001}),
    "cosine_restarts": ("adam", {"lr": 0.05}, "cosine_restarts", {"T_0": 40, "T_mult": 2, "eta_min": 0.001}),
    "cyclic_momentum": ("momentum", {"lr": 0.05, "momentum": 0.9}, "cyclic",
                        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 30, "step_size_down": 20,
                         "mode": "triangular2"}),
    "cyclic_beta1": ("adam", {"lr": 0.05}, "cyclic",
                     {"base_lr": 0.005, "max_lr": 0.05, "step_size_up": 25, "mode": "exp_range", "gamma": 0.995}),
    "cyclic_gd": ("gd", {"lr": 0.05}, "cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 30}),
    "one_cycle_momentum": ("momentum", {"lr": 0.05, "momentum": 0.9}, "one_cycle", {"max_lr": 0.1,
                                                                                    "total_steps": 300}),
    "one_cycle_beta1": ("adam", {"lr": 0.05}, "one_cycle",
                        {"max_lr": 0.05, "total_steps": 320, "three_phase": True, "anneal_strategy": "linear"}),
    "one_cycle_gd": ("gd", {"lr": 0.05}, "one_cycle", {"max_lr": 0.2, "total_steps": 300, "pct_start": 0.25}),
    "plateau": ("momentum", {"lr": 0.1, "momentum": 0.9}, "plateau",
                {"factor": 0.5, "patience": 5, "threshold": 0.1, "cooldown": 3, "min_lr": 0.002}),
    "plateau_abs": ("adam", {"lr": 0.1}, "plateau", {"patience": 8, "threshold": 1e-3, "threshold_mode": "abs"}),
    "sequential": ("adam", {"lr": 0.05}, "sequential",
                   {"schedules": [("linear", {"start_factor": 0.1, "total_iters": 20}), ("cosine", {"T_max": 280})],
                    "milestones": [20]}),
    "sequential3": ("momentum", {"lr": 0.05, "momentum": 0.9}, "sequential",
                    {"schedules": [("constant", {"factor": 0.25, "total_iters": 10}),
                                   ("exponential", {"gamma": 0.98}), ("step", {"step_size": 40, "gamma": 0.5})],
                     "milestones": [30, 100]}),
}


def loss_and_grad(p: np.ndarray) -> tuple[float, np.ndarray]:
    """The quadratic 0.5 * sum(CURV * (p - CENTER)**2) and its gradient."""
    d = p - CENTER
    return float(0.5 * np.sum(CURV * d * d)), CURV * d


def load() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    with np.load(FILE) as data:
        return json.loads(str(data["meta"])), {k: data[k] for k in data.files if k != "meta"}
