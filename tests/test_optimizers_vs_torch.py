"""Trajectories recorded from torch.optim itself: an independent oracle for 40 steps.

The numbers below were produced with torch 2.13.0 (CPU, float64, ``foreach=False``)
by this loop, with each row's keywords and torch class (``torch.optim.SGD`` for
gd, momentum and nesterov, given our defaults momentum=0.9 and, for the
nesterov row, nesterov=True)::

    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], foreach=False, **hp)   # or SGD, AdamW, RMSprop, Adagrad
    for t in range(1, STEPS + 1):
        p.grad = torch.tensor(grad(p.detach().numpy(), t))
        opt.step()

The inputs are exact binary fractions so they are the same on every machine.
torch's CPU kernels fuse multiply-adds and its float64 sqrt is not correctly
rounded, so agreement is to a few units in the last place, not bit for bit.
torch is not a dependency of this project; rerun the loop above to refresh.
"""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers

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
