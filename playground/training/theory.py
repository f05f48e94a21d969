r"""Convergence rates of GD, heavy-ball and Nesterov momentum on a quadratic, in closed form.

::

    lam, vecs = curvatures(problem)                     # the constant Hessian's eigen-decomposition
    tm = theory_map(lam, lrs, momenta, nesterov=False)  # rate and region over lr x momentum
    tm.rate, tm.region, tm.optimum
    curves = eigen_errors(problem, trajectory)          # measured error per eigendirection, and its prediction

On f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) + c every method here is linear, and in the
eigenbasis of H each direction, with eigenvalue λ, evolves on its own. With
torch's convention (``torch.optim.SGD``: b_{t+1} = μ b_t + g_t,
θ_{t+1} = θ_t − lr d_t, d_t = b_{t+1} for heavy ball, d_t = g_t + μ b_{t+1}
for Nesterov), the error e = θ − θ* along one direction and the velocity b
follow a 2×2 iteration matrix:

.. math::

    \text{heavy ball: } \begin{pmatrix} e \\ b \end{pmatrix}_{t+1}
    = \begin{pmatrix} 1 - \mathrm{lr}\,\lambda & -\mathrm{lr}\,\mu \\ \lambda & \mu \end{pmatrix}
      \begin{pmatrix} e \\ b \end{pmatrix}_t, \qquad
    \text{Nesterov: } \begin{pmatrix} 1 - \mathrm{lr}\,\lambda (1 + \mu) & -\mathrm{lr}\,\mu^2 \\
      \lambda & \mu \end{pmatrix}.

Its characteristic polynomial is z² − T z + D with, for heavy ball,
T = 1 + μ − lr λ and D = μ, and for Nesterov T = (1 + μ)(1 − lr λ) and
D = μ (1 − lr λ). The direction's rate is the spectral radius, the larger
|z| of the two roots; the problem's rate ρ is the largest over the
eigenvalues, and the error shrinks as ρ^t. GD is heavy ball at μ = 0 (roots
1 − lr λ and 0).

Eliminating b, heavy ball is Polyak's θ_{t+1} = θ_t − α g_t + β (θ_t − θ_{t−1})
with α = lr and β = μ (since lr b_t = θ_{t−1} − θ_t), and torch's Nesterov is
the classical y = θ_t + β (θ_t − θ_{t−1}), θ_{t+1} = y − α ∇f(y) with the same
α = lr, β = μ: both have the characteristic polynomials above. So the
textbook optima apply to torch's lr unchanged (κ = L / λ_min):

- GD: lr* = 2 / (L + λ_min), ρ* = (κ − 1) / (κ + 1);
- heavy ball: lr* = 4 / (√L + √λ_min)², μ* = ((√κ − 1) / (√κ + 1))², ρ* = (√κ − 1) / (√κ + 1);
- Nesterov (Lessard, Recht and Packard 2016): lr* = 4 / (3L + λ_min),
  μ* = (√(3κ + 1) − 2) / (√(3κ + 1) + 2), ρ* = 1 − 2 / √(3κ + 1).

Regions, judged on the root that sets ρ (the slowest direction's dominant
root, which the late error follows): **monotone** (real and positive: the
error decays without changing sign), **oscillating** (complex, or real and
negative: it overshoots), **divergent** (ρ ≥ 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

import optimizers
from optimizers import Optimizer, Schedule
from optimizers.tree import leaves

from ..problems import Problem
from .runner import Trajectory

MONOTONE, OSCILLATING, DIVERGENT = 0, 1, 2
#: Region names, indexed by the codes above.
REGIONS = ("monotone", "oscillating", "divergent")


def curvatures(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """The constant Hessian's eigenvalues (ascending) and eigenvectors (columns), from ``problem.hessian``.

    ValueError for a problem whose Hessian varies (it has no ``hessian``).
    """
    if problem.hessian is None:
        raise ValueError(f"Invalid problem {problem.name!r}: its Hessian is not constant, so it has no closed-form "
                         "rates. Use a quadratic problem such as 'linreg' or 'quadratic'")
    return np.linalg.eigh(problem.hessian)


def method_of(optimizer: Optimizer) -> str | None:
    """``"heavy ball"`` (GD included, at μ = 0) or ``"nesterov"``: the closed form ``optimizer`` follows, or None.

    The closed forms cover gd, momentum and nesterov without dampening or
    weight decay (both change the iteration matrix); any other optimizer is
    nonlinear in the gradient and has none.
    """
    if type(optimizer) is optimizers.GD:
        return "heavy ball"
    if not isinstance(optimizer, optimizers.Momentum):
        return None
    if np.any(np.asarray(optimizer.hp["dampening"]) != 0) or np.any(np.asarray(optimizer.hp["weight_decay"]) != 0):
        return None
    return "nesterov" if optimizer.hp["nesterov"] else "heavy ball"


def root_radius(lr: Any, momentum: Any, lam: Any, nesterov: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The spectral radius of the 2×2 iteration matrix for eigenvalue ``lam``, and whether its dominant root oscillates.

    The arguments broadcast against each other. Oscillating means the root of
    largest modulus is complex or real and negative (see the module docstring).
    """
    lr, mu, lam = (np.asarray(x, dtype=float) for x in (lr, momentum, lam))
    if nesterov:
        trace, det = (1 + mu) * (1 - lr * lam), mu * (1 - lr * lam)
    else:
        trace, det = 1 + mu - lr * lam, mu + 0 * lr * lam
    disc = trace * trace - 4 * det
    real = disc >= 0
    sq = np.sqrt(np.abs(disc))
    dominant = np.where(np.abs(trace + sq) >= np.abs(trace - sq), trace + sq, trace - sq) / 2
    # Complex roots are conjugates with |z|^2 = det.
    radius = np.where(real, np.abs(dominant), np.sqrt(np.abs(det)))
    return radius, ~real | (dominant < 0)


@dataclass(frozen=True, eq=False)
class Optimum:
    """The (lr, momentum) with the smallest rate, and that rate; ``momentum`` is 0 for GD."""

    lr: float
    momentum: float
    rate: float


def optimum(eigenvalues: np.ndarray, method: str = "heavy ball", momentum: bool = True) -> Optimum | None:
    """The closed-form optimum of ``method`` (module docstring); ``momentum=False`` gives GD's.

    None when the smallest eigenvalue is not positive (κ is infinite: no
    linear rate).
    """
    low, high = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    if low <= 0:
        return None
    kappa = high / low
    if not momentum:
        return Optimum(2 / (high + low), 0.0, (kappa - 1) / (kappa + 1))
    if method == "nesterov":
        s = np.sqrt(3 * kappa + 1)
        return Optimum(4 / (3 * high + low), float((s - 2) / (s + 2)), float(1 - 2 / s))
    q = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    return Optimum(float(4 / (np.sqrt(high) + np.sqrt(low)) ** 2), float(q * q), float(q))


@dataclass(frozen=True, eq=False)
class TheoryMap:
    """The rate ρ and region of every (lr, momentum) of a grid, shaped (lr, momentum), or (lr,) without momenta.

    ``region`` holds :data:`MONOTONE`, :data:`OSCILLATING` or :data:`DIVERGENT`.
    """

    eigenvalues: np.ndarray
    method: str
    lrs: np.ndarray
    momenta: np.ndarray | None
    rate: np.ndarray
    region: np.ndarray
    optimum: Optimum | None


def theory_map(eigenvalues: Sequence[float] | np.ndarray, lrs: Sequence[float] | np.ndarray,
               momenta: Sequence[float] | np.ndarray | None = None, method: str = "heavy ball") -> TheoryMap:
    """ρ(lr, μ) = max over eigenvalues λ of :func:`root_radius`, and its region, over the grid ``lrs`` x ``momenta``.

    ``momenta=None`` is GD (μ = 0) over ``lrs``. ``method`` is ``"heavy ball"``
    or ``"nesterov"`` (:func:`method_of`).
    """
    if method not in ("heavy ball", "nesterov"):
        raise ValueError(f"Invalid method: {method!r}. Allowed: 'heavy ball', 'nesterov'")
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    lrs = np.asarray(lrs, dtype=float)
    mu = np.zeros(1) if momenta is None else np.asarray(momenta, dtype=float)
    radius, osc = root_radius(lrs[:, None, None], mu[None, :, None], lam[None, None, :], method == "nesterov")
    slowest = np.argmax(radius, axis=-1)[..., None]
    rate = np.take_along_axis(radius, slowest, -1)[..., 0]
    region = np.where(rate >= 1, DIVERGENT, np.where(np.take_along_axis(osc, slowest, -1)[..., 0],
                                                      OSCILLATING, MONOTONE))
    if momenta is None:
        rate, region = rate[:, 0], region[:, 0]
    return TheoryMap(lam, method, lrs, None if momenta is None else mu, rate, region,
                     optimum(lam, method, momentum=momenta is not None))


# -- measured against predicted ----------------------------------------------------
@dataclass(frozen=True, eq=False)
class EigenErrors:
    """One run's error along each Hessian eigenvector, measured at its recorded steps, and its predicted rates.

    ``errors[k, i]`` is |v_iᵀ (θ_{steps[k]} − θ*)| for eigenvector v_i of
    eigenvalue ``eigenvalues[i]``; ``rates[i]`` is that direction's
    :func:`root_radius` for the run's lr and momentum, or ``rates`` is None
    when the optimizer has no closed form (:func:`method_of`).
    """

    label: str
    steps: np.ndarray
    eigenvalues: np.ndarray
    errors: np.ndarray
    rates: np.ndarray | None

    def predicted(self) -> np.ndarray | None:
        """|e_i(0)| ρ_i^t at the recorded steps: the envelope the measured errors should decay along."""
        if self.rates is None:
            return None
        return self.errors[0] * self.rates[None, :] ** self.steps[:, None]


def eigen_errors(problem: Problem, trajectory: Trajectory) -> EigenErrors:
    """The measured and predicted per-eigendirection errors of ``trajectory`` (:class:`EigenErrors`).

    Needs a constant Hessian (:func:`curvatures`) and a known optimum.
    """
    lam, vecs = curvatures(problem)
    if problem.optimum is None:
        raise ValueError(f"Invalid problem {problem.name!r}: its optimum is unknown, so there is no error to measure")
    theta = np.concatenate([x.reshape(len(trajectory.steps), -1) for x in leaves(trajectory.params)], axis=1)
    optimum_flat = np.concatenate([np.ravel(x) for x in leaves(problem.optimum)])
    errors = np.abs((theta - optimum_flat) @ vecs)
    opt = trajectory.optimizer
    method = method_of(opt)
    rates = None
    if method is not None:
        mu = opt.hp.get("momentum", 0.0)
        rates = root_radius(opt.hp["lr"], mu, lam, method == "nesterov")[0]
    return EigenErrors(trajectory.label, np.asarray(trajectory.steps), lam, errors, rates)


def measured_rate(steps: np.ndarray, errors: np.ndarray, window: int) -> float:
    """The per-step decay factor of ``errors`` over their last ``window`` recorded steps: exp(slope of log error).

    The slope is a least-squares fit of log error against step. An error that
    oscillates (complex or negative roots) is fitted through its local maxima
    when it has at least three: for e_t = C ρ^t cos(ωt + φ) every peak sits at
    the same phase, so the peaks decay exactly as ρ^t, where the dips would
    drag a fit through all points down.
    """
    if not 3 <= window <= len(errors):
        raise ValueError(f"Invalid window: {window}. Allowed range: [3, {len(errors)}] (the recorded errors)")
    t = np.asarray(steps[-window:], dtype=float)
    e = np.asarray(errors[-window:], dtype=float)
    inner = np.flatnonzero((e[1:-1] >= e[:-2]) & (e[1:-1] >= e[2:])) + 1
    use = inner if len(inner) >= 3 else np.arange(window)
    return float(np.exp(np.polyfit(t[use], np.log(e[use]), 1)[0]))


def refuse_schedule(schedule: Schedule | None) -> None:
    """ValueError for a sweep with a ``schedule``: the closed-form rates hold for a constant learning rate."""
    if schedule is not None:
        raise ValueError(f"The closed-form rates hold for a constant learning rate, and this sweep's schedule "
                         f"{schedule.format()!r} changes it every step: sweep without a schedule to compare with "
                         "theory")
