"""Trajectories recorded from the reference implementations: an independent oracle.

Two oracles, neither needing torch at test time:

- Whole trajectories (``tests/data/torch/<name>.npz``): every optimizer, every
  step of 300, on a vector and on dict parameters (two weight matrices and a
  bias), recorded by ``tests/data/record_torch.py`` (run by hand in a scratch
  venv; see its docstring) from ``torch.optim`` and, for Lion and the
  Schedule-Free methods, the ``lion-pytorch`` and ``schedulefree`` packages.
  For averaging methods the evaluation point is recorded too. The same file
  keeps the reference's keyword defaults, which ours must equal.
- The final point after 40 steps on a 6-vector (``TORCH_RUNS`` below), the
  first oracle, produced with torch 2.13.0 (CPU, float64, ``foreach=False``)
  by this loop, with each row's keywords and torch class (``torch.optim.SGD``
  for gd, momentum and nesterov, given our defaults momentum=0.9 and, for the
  nesterov row, nesterov=True)::

    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], foreach=False, **hp)   # or SGD, AdamW, RMSprop, Adagrad
    for t in range(1, STEPS + 1):
        p.grad = torch.tensor(grad(p.detach().numpy(), t))
        opt.step()

The inputs are exact binary fractions so they are the same on every machine.
torch's CPU kernels fuse multiply-adds and its float64 sqrt is not correctly
rounded, so agreement is to a few units in the last place, not bit for bit.
Over 300 steps those units compound, so whole trajectories are compared with
``rtol=RTOL`` (1e-12) and an absolute floor of ``ATOL`` (1e-13) for entries
passing through zero (Muon, ten times looser: see ``TOLERANCE``); an error in an update rule (a misplaced bias
correction, eps inside instead of outside a root) moves them by 1e-4 or more.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers
import torch_oracle as oracle

STEPS = 40
P0 = np.array([1.5, -0.75, 0.25, -2.0, 3.0, 0.125])
CENTER = np.array([0.5, 0.5, -1.0, 1.0, 0.0, 2.0])
CURV = np.array([0.5, 1.0, 2.0, 4.0, 0.25, 8.0])


def grad(p, t):
    """A quadratic bowl plus a deterministic, exactly representable wobble."""
    i = np.arange(p.size)
    return CURV * (p - CENTER) + ((3 * t + 5 * i) % 7 - 3) / 8


TORCH_RUNS = [
    ("gd", {"lr": 0.05}, [
        0.8587427527031678, 0.33409800551448865, -0.9872770534281102,
        0.9984738066067725, 1.830397713354699, 1.9866535833183576]),
    ("momentum", {"lr": 0.02, "momentum": 0.9}, [
        0.3627612466656281, 0.43708421740286213, -0.9987694707205271,
        0.8506497101977987, 0.18856065126474358, 2.1583070299286624]),
    ("momentum", {"lr": 0.02, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1}, [
        1.0768537494874817, -0.025662783981934435, -0.7570862902671514,
        0.9088852719027583, 2.2662378277500563, 1.9725335009840248]),
    ("momentum", {"lr": 0.05, "momentum": 0.0, "dampening": 0.5}, [
        0.8587427527031678, 0.33409800551448865, -0.9872770534281102,
        0.9984738066067725, 1.830397713354699, 1.9866535833183576]),
    ("momentum", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, [
        0.37959360767913153, 0.4572094755220426, -0.9952015648577656,
        0.9718285711205509, 0.17308485732497705, 1.9910778581155517]),
    ("nesterov", {"lr": 0.02, "momentum": 0.8}, [
        0.5959547165109507, 0.5117141023103094, -0.9993572367330064,
        1.003927398049424, 1.1105857270644184, 1.9901164422452042]),
    ("adam", {"lr": 0.05}, [
        0.42932744685390306, 0.5750356967666899, -1.0931037145367772,
        -0.18687951553422616, 1.2820981148817383, 1.7668095622955569]),
    ("adam", {"lr": 0.05, "betas": (0.3, 0.7), "weight_decay": 0.1}, [
        0.44765064070807714, 0.4422981174081776, -0.9629516863998663,
        -0.08779148053777837, 1.209023790624252, 1.8763632715618106]),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 0.001, "amsgrad": True}, [
        0.5313753437386025, 0.4285007772394509, -0.9436365026946362,
        -0.26047207049127946, 1.3739760446618723, 1.6309697919270114]),
    ("adamw", {"lr": 0.05}, [
        0.42432383304966254, 0.5725152398317924, -1.0859739498282515,
        -0.16904496498119478, 1.246534523765101, 1.751181986806676]),
    ("adamw", {"lr": 0.05, "betas": (0.5, 0.6), "weight_decay": 0.3, "amsgrad": True}, [
        0.45700398051616936, 0.2642763293834458, -0.673535175670082,
        -0.0795946664046786, 0.8393315846214068, 1.1492774277922293]),
    ("rmsprop", {"lr": 0.01}, [
        0.768026759889055, 0.11686337388048156, -0.6419079274525368,
        -0.9263508176452787, 1.9790833160749812, 1.1295636031681875]),
    ("rmsprop", {"lr": 0.01, "alpha": 0.3, "centered": True, "momentum": 0.5, "weight_decay": 0.05}, [
        0.5148803704273214, 0.4620758869813631, -0.9909550969087288,
        0.9878179651502825, 0.8244333732428533, 1.9711371934091413]),
    ("rmsprop", {"lr": 0.02, "alpha": 0.9, "eps": 0.001, "momentum": 0.9}, [
        0.5623613322963354, 0.5157094286577153, -1.0839879004819888,
        0.9938241170872842, -0.23974771730950178, 1.8798854242290486]),
    ("adagrad", {"lr": 0.1}, [
        0.7851778761121335, 0.09207685632853946, -0.615774058365103,
        -0.9628409084377869, 2.0113656169311773, 1.0969385682591883]),
    ("adagrad", {"lr": 0.3, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.1, "eps": 0.001}, [
        0.4860791615967344, 0.3891409117131501, -0.9103149921845505,
        -0.1445169164349827, 1.230241440417092, 1.6889789639896842]),
]


@pytest.mark.parametrize("name, hp, expected", TORCH_RUNS, ids=[f"{n}-{h}" for n, h, _ in TORCH_RUNS])
def test_trajectory_matches_torch_optim(name, hp, expected):
    opt = optimizers.create(name, **hp)
    p, state = P0, opt.init(P0)
    for t in range(1, STEPS + 1):
        p, state = opt.step(p, grad(p, t), state)
    assert_allclose(p, expected, rtol=1e-13)


# --- whole trajectories ------------------------------------------------------------------------

RTOL, ATOL = 1e-12, 1e-13
# Muon's step has a fixed size whatever the size of its momentum. Near the optimum the
# momentum is a sum of gradients that nearly cancel (norm ~0.02 from gradients ~0.4), and the
# Newton-Schulz polynomial, of slope a = 3.4445 at zero per iteration, stretches the relative
# error of the smallest singular value further: round-off reaches ~1e-12 by step 200.
TOLERANCE = {"muon": (1e-11, 1e-12)}
ORACLE = [(name, label, hp, problem) for name, cases in oracle.CASES.items() for label, hp, problem in cases]


@lru_cache(maxsize=None)
def recorded(name):
    return oracle.load(name)


def walk(opt, problem):
    """Our trajectory (steps 0..STEPS) and evaluation points (steps 1..STEPS), block by block."""
    p = oracle.start(problem)
    state = opt.init(p)
    traj = {k: [v] for k, v in oracle.blocks(p).items()}
    evals = {k: [] for k in traj}
    same = True  # whether eval_params handed back the training point itself at every step
    for t in range(1, oracle.STEPS + 1):
        p, state = opt.step(p, oracle.grad(problem, p, t), state)
        x = opt.eval_params(p, state)
        same = same and x is p
        for k, v in oracle.blocks(p).items():
            traj[k].append(v)
            evals[k].append(oracle.blocks(x)[k])
    return {k: np.array(v) for k, v in traj.items()}, {k: np.array(v) for k, v in evals.items()}, same


@pytest.mark.parametrize("name, label, hp, problem", ORACLE, ids=[f"{n}-{lab}" for n, lab, _, _ in ORACLE])
def test_whole_trajectory_matches_the_reference(name, label, hp, problem):
    meta, arrays = recorded(name)
    case = next((c for c in meta["cases"] if c["label"] == label), None)
    assert case == {"label": label, "hp": hp, "problem": problem}, \
        "the case changed since it was recorded: rerun tests/data/record_torch.py"
    traj, evals, same = walk(optimizers.create(name, **hp), problem)
    assert set(traj) == set(oracle.blocks(oracle.start(problem)))
    rtol, atol = TOLERANCE.get(name, (RTOL, ATOL))
    for k in traj:
        assert_allclose(traj[k], arrays[f"traj/{label}/{k}"], rtol=rtol, atol=atol, err_msg=f"block {k!r}")
        if f"eval/{label}/{k}" in arrays:
            assert_allclose(evals[k], arrays[f"eval/{label}/{k}"], rtol=rtol, atol=atol, err_msg=f"eval {k!r}")
    averaged = any(key.startswith(f"eval/{label}/") for key in arrays)
    assert averaged != same, "eval_params must return the averaged point exactly when the reference keeps one"


# Where a default is not the reference's own, and why.
OWN_DEFAULTS = {
    # torch.optim.SGD defaults to momentum 0; a "momentum" entry in a menu means momentum.
    ("momentum", "momentum"): 0.9, ("nesterov", "momentum"): 0.9, ("nesterov", "nesterov"): True,
    # torch's eps1 None means the dtype's machine epsilon; the playground is float64.
    ("adafactor", "eps"): (np.finfo(np.float64).eps, 1e-3),
    # torch's None means "original"; a choice widget needs the name.
    ("muon", "adjust_lr_fn"): "original",
    # The AdamW for Muon's non-matrix blocks is not part of torch.optim.Muon: Keller Jordan's
    # MuonWithAuxAdam defaults.
    ("muon", "adamw_lr"): 3e-4, ("muon", "adamw_betas"): (0.9, 0.95), ("muon", "adamw_eps"): 1e-10,
    ("muon", "adamw_weight_decay"): 0.0,
}


@pytest.mark.parametrize("name", list(oracle.CASES))
def test_hyperparameters_take_the_references_names_and_defaults(name):
    meta, _ = recorded(name)
    ref = meta["reference_defaults"]
    for h in optimizers.get(name).hyperparams:
        if (name, h.name) in OWN_DEFAULTS:
            assert h.default == OWN_DEFAULTS[name, h.name]
            continue
        assert h.name in ref, f"{name}: {h.name!r} is not a keyword of {meta['reference']}"
        want = ref[h.name]
        assert (list(h.default) if isinstance(h.default, tuple) else h.default) == want, (h.name, want)
    if name == "muon":  # fixed rather than declared, but still torch's
        assert list(optimizers.muon.NS_COEFFICIENTS) == ref["ns_coefficients"]
