"""Two-parameter test functions for trajectory pictures.

Each has no data (``n_samples`` = 1, ``idx`` is ignored), a fixed classic
starting point, a plotting window and its known minima. Every formula is a
polynomial in (x, y), so it is complex-safe and broadcasts over a leading
batch axis through ``params[..., 0]`` and ``params[..., 1]``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .base import Problem

ValueGrad = Callable[[Any, Any], tuple[Any, Any, Any]]


class Function2D(Problem):
    """f(x, y) with an analytic gradient; ``formula`` says it in LaTeX for the app."""

    def __init__(self, value_grad: ValueGrad, *, name: str, title: str, formula: str, start: tuple[float, float],
                 bounds: tuple[tuple[float, float], tuple[float, float]], minima: list[tuple[float, float]],
                 unique_minimum: bool, lipschitz: float | None = None, hessian: np.ndarray | None = None, settings: dict[str, Any]) -> None:
        super().__init__(np.zeros(2))
        self._vg = value_grad
        self.name, self.title, self.formula, self.settings = name, title, formula, settings
        self.start = np.array(start, dtype=float)
        self.bounds = bounds
        self.axis_labels = ("x", "y")
        self.minima = tuple(np.array(m, dtype=float) for m in minima)
        self.optimum = self.minima[0] if unique_minimum else None
        self.lipschitz = lipschitz
        self.hessian = hessian

    def init_params(self, seed: int = 0) -> np.ndarray:
        """The function's classic start (deterministic, so ``seed`` is unused)."""
        return self.start.copy()

    def _value_and_grad(self, p, idx):
        f, gx, gy = self._vg(p[..., 0], p[..., 1])
        return f, np.stack([gx, gy], axis=-1)


def quadratic(cond: float = 10.0, angle: float = 0.0, start: tuple[float, float] = (-4.0, 2.0)) -> Function2D:
    """f = 1/2 p^T A p with eigenvalues 1 and ``cond``, its axes rotated by ``angle`` degrees.

    The Hessian A is constant (``hessian``), so ``lipschitz`` = cond and GD needs lr < 2 / cond.
    """
    if not cond >= 1:
        raise ValueError(f"Invalid cond: {cond!r}. Allowed range: [1, inf)")
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([1.0, cond]) @ R.T

    def vg(x, y):
        gx = A[0, 0] * x + A[0, 1] * y
        gy = A[1, 0] * x + A[1, 1] * y
        return 0.5 * (x * gx + y * gy), gx, gy

    return Function2D(vg, name="quadratic", title=f"Quadratic (condition number {cond:g})",
                      formula=r"f = \tfrac12\, p^\top R\,\mathrm{diag}(1, \kappa)\,R^\top p", start=start,
                      bounds=((-5.0, 5.0), (-5.0, 5.0)), minima=[(0.0, 0.0)], unique_minimum=True,
                      lipschitz=float(cond), hessian=A, settings=dict(cond=cond, angle=angle, start=tuple(start)))


def rosenbrock(a: float = 1.0, b: float = 100.0, start: tuple[float, float] = (-1.5, 2.0)) -> Function2D:
    """f = (a - x)^2 + b (y - x^2)^2: a curved, flat-bottomed valley; minimum (a, a^2)."""
    def vg(x, y):
        u, v = a - x, y - x * x
        return u * u + b * v * v, -2 * u - 4 * b * x * v, 2 * b * v

    return Function2D(vg, name="rosenbrock", title="Rosenbrock", formula=r"f = (a - x)^2 + b\,(y - x^2)^2",
                      start=start, bounds=((-2.0, 2.0), (-1.0, 3.0)), minima=[(a, a * a)], unique_minimum=True,
                      settings=dict(a=a, b=b, start=tuple(start)))


def beale(start: tuple[float, float] = (-1.0, 1.5)) -> Function2D:
    """Beale's function: steep walls and flat plateaus; minimum (3, 0.5)."""
    cs = (1.5, 2.25, 2.625)

    def vg(x, y):
        f = gx = gy = 0.0
        for k, c in enumerate(cs, start=1):
            t = c - x + x * y**k
            f = f + t * t
            gx = gx + 2 * t * (y**k - 1)
            gy = gy + 2 * t * k * x * y ** (k - 1)
        return f, gx, gy

    return Function2D(vg, name="beale", title="Beale",
                      formula=r"f = \sum_{k=1}^{3} (c_k - x + x y^k)^2,\ c = (1.5, 2.25, 2.625)",
                      start=start, bounds=((-4.5, 4.5), (-4.5, 4.5)), minima=[(3.0, 0.5)], unique_minimum=True,
                      settings=dict(start=tuple(start)))


def _himmelblau_vg(x, y):
    u, v = x * x + y - 11, x + y * y - 7
    return u * u + v * v, 4 * x * u + 2 * v, 2 * u + 4 * y * v


def _newton_polish(vg: Callable, p: np.ndarray, iters: int = 50) -> np.ndarray:
    """Refine an approximate minimum to round-off with Newton steps on the gradient."""
    h = 1e-6
    for _ in range(iters):
        g = np.array(vg(*p)[1:])
        J = np.column_stack([(np.array(vg(*(p + h * e))[1:]) - np.array(vg(*(p - h * e))[1:])) / (2 * h)
                             for e in np.eye(2)])
        p = p - np.linalg.solve(J, g)
    return p


# Only (3, 2) has a closed form; the other three minima are roots of a cubic,
# found here from their textbook approximations so they are exact to round-off.
_HIMMELBLAU_MINIMA = [(3.0, 2.0)] + [
    tuple(_newton_polish(_himmelblau_vg, np.array(p)))
    for p in [(-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
]


def himmelblau(start: tuple[float, float] = (0.0, 0.0)) -> Function2D:
    """Himmelblau's function: four equal minima, so where a run ends depends on the optimizer."""
    return Function2D(_himmelblau_vg, name="himmelblau", title="Himmelblau",
                      formula=r"f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2", start=start,
                      bounds=((-5.0, 5.0), (-5.0, 5.0)), minima=_HIMMELBLAU_MINIMA, unique_minimum=False,
                      settings=dict(start=tuple(start)))


def saddle(start: tuple[float, float] = (-1.5, 0.01)) -> Function2D:
    """f = x^2 + y^4/4 - y^2/2: a saddle at the origin between minima (0, +-1).

    A start just off the ridge y = 0 shows how long each optimizer takes to
    escape the saddle.
    """
    def vg(x, y):
        return x * x + 0.25 * y**4 - 0.5 * y * y, 2 * x, y**3 - y

    return Function2D(vg, name="saddle", title="Saddle", formula=r"f = x^2 + \tfrac14 y^4 - \tfrac12 y^2",
                      start=start, bounds=((-2.0, 2.0), (-2.0, 2.0)), minima=[(0.0, 1.0), (0.0, -1.0)],
                      unique_minimum=False, settings=dict(start=tuple(start)))
