"""Linear least squares: linear regression and the sin-target dataset of seed 004.

Loss: f(theta) = mean_i (x_i . theta - y_i)^2, so grad = (2/N) X^T (X theta - y)
and the Hessian H = (2/N) X^T X is constant: ``lipschitz`` is its largest
eigenvalue and plain GD converges iff 0 < lr < 2 / lipschitz.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Problem


class LeastSquares(Problem):
    """Mean squared error of a linear model ``X @ theta`` against targets ``y``."""

    def __init__(self, X: np.ndarray, y: np.ndarray, start: np.ndarray, *, name: str, title: str,
                 axis_labels: tuple[str, str] | None, settings: dict[str, Any]) -> None:
        super().__init__(np.zeros(X.shape[1]))
        self.X, self.y = X, y
        self.n_samples = len(y)
        self.name, self.title, self.settings = name, title, settings
        self.axis_labels = axis_labels
        self.start = start
        self.hessian = (2.0 / len(y)) * (X.T @ X)
        eig = np.linalg.eigvalsh(self.hessian)
        self.lipschitz = float(eig[-1])
        self.condition_number = float(eig[-1] / eig[0]) if eig[0] > 0 else float("inf")
        self.optimum = np.linalg.lstsq(X, y, rcond=None)[0]
        self.minima = (self.optimum,)
        if X.shape[1] == 2:
            self.bounds = _box_around(self.start, self.optimum)

    def init_params(self, seed: int = 0) -> np.ndarray:
        """The fixed start of the source documents (no randomness, so ``seed`` is unused)."""
        return self.start.copy()

    def _loss(self, theta, idx):
        return self._value_and_grad(theta, idx, with_grad=False)

    def _value_and_grad(self, theta, idx, with_grad=True):
        # One function for both: the runner calls it every step, where each
        # extra Python call is a measurable share of a small problem's step.
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        r = theta @ X.T - y
        n = len(y)
        # r @ r (not abs(r)**2) stays analytic for complex-step checks, and for
        # one run it is several times faster than np.mean.
        value = (r @ r if r.ndim == 1 else np.einsum("...i,...i->...", r, r)) / n
        return (value, (2.0 / n) * (r @ X)) if with_grad else value


def _box_around(*points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """A plotting window holding every point, with a margin of half the span."""
    pts = np.array(points)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.5 * np.maximum(hi - lo, 1.0)
    return ((float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1])))


def linear_regression(n: int = 100, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.5,
                      x_range: tuple[float, float] = (0.0, 2.0), seed: int = 0) -> LeastSquares:
    """y = slope * x + intercept + noise * N(0, 1), with x ~ U(x_range); params theta = [m, b].

    The x-range sets the conditioning: the further it sits from 0 (e.g.
    (10, 12)), the more m and b are coupled and the larger
    ``condition_number``. Starts at m = b = 0, like the source documents.
    """
    lo, hi = x_range
    if not hi > lo:
        raise ValueError(f"Invalid x_range: {x_range!r}. Needs low < high")
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    settings = dict(n=n, slope=slope, intercept=intercept, noise=noise, x_range=(lo, hi), seed=seed)
    return LeastSquares(np.column_stack([x, np.ones(n)]), y, np.zeros(2), name="linreg",
                        title="Linear regression", axis_labels=("m", "b"), settings=settings)


def sin_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seed 004's ``genData``: u ~ U(0, 1) and y = sin(2 pi u) + U(-0.1, 0.1), drawn from ``seed``."""
    if n < 2:
        raise ValueError(f"Invalid n: {n!r}. Allowed range: [2, inf)")
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    return u, np.sin(2 * np.pi * u) + rng.uniform(-0.1, 0.1, n)


def sin_dataset(seed: int = 0, degree: int = 1, n: int = 100) -> LeastSquares:
    """The data of seed 004's ``genData``: x = [1, u], u ~ U(0, 1), y = sin(2 pi u) + U(-0.1, 0.1).

    The model is linear in features [1, u, u^2, ..., u^degree]; it starts at
    theta = ones, as in the source.
    """
    if degree < 1:
        raise ValueError(f"Invalid degree: {degree!r}. Allowed range: [1, inf)")
    u, y = sin_data(n, seed)
    X = u[:, None] ** np.arange(degree + 1)
    labels = ("θ0", "θ1") if degree == 1 else None
    return LeastSquares(X, y, np.ones(degree + 1), name="sin", title="Sin target (seed 004)",
                        axis_labels=labels, settings=dict(seed=seed, degree=degree, n=n))
