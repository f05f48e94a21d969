"""The problems: least squares, MLPs with hand-written backprop, and 2-D test functions.

Build one directly (``problems.linear_regression(n=50)``) or by name
(``problems.create("linreg", n=50)``): both read every setting through its
declaration, so ``n=0`` or ``noise=nan`` is refused by name. ``available()``
lists the names and ``spec(name).settings`` declares each setting's default,
range and meaning, which the app and the CLI turn into widgets and options.
See :mod:`playground.problems.base` for the contract every problem keeps.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable

from optimizers.hyperparams import HyperParam, excerpt, validate_all

from .base import FastPath, Problem
from .functions2d import Function2D, beale, himmelblau, quadratic, rosenbrock, saddle
from .least_squares import LeastSquares, linear_regression, sin_data, sin_dataset
from .mlp import MLP, generated_mlp, mlp, relu_net, sin_mlp, xor

__all__ = [
    "MLP", "FastPath", "Function2D", "LeastSquares", "Problem", "ProblemSpec", "available", "beale", "create",
    "generated_mlp", "himmelblau", "linear_regression", "mlp", "quadratic", "relu_net", "rosenbrock", "saddle",
    "sin_data", "sin_dataset", "sin_mlp", "spec", "xor",
]


@dataclass(frozen=True)
class ProblemSpec:
    """A named problem: its factory, its declared settings, and its kind.

    ``kind`` is ``"regression"`` (linear least squares), ``"mlp"`` or
    ``"function"`` (a 2-D test function with no data).
    """

    name: str
    title: str
    kind: str
    factory: Callable[..., Problem]
    settings: tuple[HyperParam, ...] = ()


def _seed(default: int = 0) -> HyperParam:
    return HyperParam("seed", default, "random seed of the generated data", low=0, kind="int", label="data seed")


def _n(default: int, low: int = 2) -> HyperParam:
    return HyperParam("n", default, "number of samples", low=low, high=100_000, kind="int")


def _start(default: tuple[float, float]) -> HyperParam:
    return HyperParam("start", default, "starting point (x, y)", low=-1e3, high=1e3, kind="pair")


_SPECS = [
    ProblemSpec("linreg", "Linear regression", "regression", linear_regression, (
        _n(100), HyperParam("slope", 2.0, "true slope m", low=-1e3, high=1e3),
        HyperParam("intercept", 1.0, "true intercept b", low=-1e3, high=1e3),
        HyperParam("noise", 0.5, "standard deviation of the noise on y", low=0.0, high=1e3),
        HyperParam("x_range", (0.0, 2.0), "x is drawn uniformly from this interval; far from 0 is ill-conditioned",
                   low=-1e3, high=1e3, kind="pair"),
        _seed())),
    ProblemSpec("sin", "Sin target, linear model (seed 004)", "regression", sin_dataset, (
        _seed(), HyperParam("degree", 1, "polynomial degree of the features [1, u, ..., u^degree]", low=1, high=9,
                            kind="int"), _n(100))),
    ProblemSpec("xor", "XOR MLP [2, 2, 2, 1] (seed 002)", "mlp", xor),
    ProblemSpec("relu-net", "ReLU MLP [4, 5, 3, 1] (seed 001)", "mlp", relu_net, (_n(32, low=1), _seed())),
    ProblemSpec("sin-mlp", "MLP on the sin target", "mlp", sin_mlp, (
        _n(100), HyperParam("width", 16, "hidden units per layer", low=1, high=256, kind="int"), _seed())),
    ProblemSpec("mlp", "MLP on generated data", "mlp", generated_mlp, (
        HyperParam("width", 32, "hidden units per layer", low=1, high=256, kind="int"),
        HyperParam("depth", 2, "number of hidden layers", low=1, high=6, kind="int"),
        HyperParam("hidden", "relu", "hidden activation", kind="choice", choices=("relu", "tanh", "sigmoid")),
        _n(64, low=1), _seed())),
    ProblemSpec("quadratic", "Ill-conditioned quadratic", "function", quadratic, (
        HyperParam("cond", 10.0, "condition number: ratio of the curvatures", low=1.0, high=1e6, log=True),
        HyperParam("angle", 0.0, "rotation of the axes, in degrees", low=-90.0, high=90.0),
        _start((-4.0, 2.0)))),
    ProblemSpec("rosenbrock", "Rosenbrock", "function", rosenbrock, (
        HyperParam("a", 1.0, "minimum at (a, a^2)", low=-2.0, high=2.0),
        HyperParam("b", 100.0, "steepness of the valley walls", low=0.0, high=1e4),
        _start((-1.5, 2.0)))),
    ProblemSpec("beale", "Beale", "function", beale, (_start((-1.0, 1.5)),)),
    ProblemSpec("himmelblau", "Himmelblau", "function", himmelblau, (_start((0.0, 0.0)),)),
    ProblemSpec("saddle", "Saddle", "function", saddle, (_start((-1.5, 0.01)),)),
]
_REGISTRY = {s.name: s for s in _SPECS}


def _validating(s: ProblemSpec) -> Callable[..., Problem]:
    """``s.factory`` with every argument, positional or keyword, read through ``s.settings`` first."""
    order = list(inspect.signature(s.factory).parameters)
    owner = f"problem {s.name!r}"

    @functools.wraps(s.factory)
    def factory(*args: Any, **settings: Any) -> Problem:
        if len(args) > len(order):
            raise ValueError(f"{owner} takes at most {len(order)} settings, got {len(args)}: {excerpt(args)}")
        for name, value in zip(order, args):
            if name in settings:
                raise ValueError(f"{owner}: {name} is given twice")
            settings[name] = value
        return s.factory(**validate_all(s.settings, settings, owner=owner))

    return factory


# The factories the package exports are the validating ones: the README shows them called directly.
_FACTORIES = {s.name: _validating(s) for s in _SPECS}
linear_regression, sin_dataset, xor, relu_net, sin_mlp, generated_mlp = (
    _FACTORIES[n] for n in ("linreg", "sin", "xor", "relu-net", "sin-mlp", "mlp"))
quadratic, rosenbrock, beale, himmelblau, saddle = (
    _FACTORIES[n] for n in ("quadratic", "rosenbrock", "beale", "himmelblau", "saddle"))


def available() -> list[str]:
    """Problem names, in menu order."""
    return list(_REGISTRY)


def spec(name: str) -> ProblemSpec:
    """The declaration of problem ``name``; unknown names list the available ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown problem {excerpt(name)}. Available: {', '.join(_REGISTRY)}") from None


def create(name: str, **settings: Any) -> Problem:
    """Build problem ``name``; every setting is validated against its declared range."""
    return _FACTORIES[spec(name).name](**settings)
