"""The gallery's buggy training code as runs of the Compare page: a kind of run of its own, not an optimizer.

::

    from playground.gallery import updaters
    updaters.available()                          # names: the ids of their gallery entries
    u = updaters.get("linreg-divergent-updater")
    u.refusal(problem)                            # None, or why the seed code does not run on that problem
    opt = u.build(problem, {"lr": 0.1})           # an Optimizer the one training loop drives

A run names one as ``updater:<name>``, e.g. ``updater:linreg-divergent-updater:lr=0.1``
(:class:`~playground.training.run_spec.RunSpec`). They are never registered as
optimizers, so ``optimizers.available()`` does not list them.

Each runs its entry's own seed code, unchanged, as the ``step`` of a
:class:`SeedUpdate`: the training loop (:func:`~playground.training.loop.drive`)
computes the problem's gradient as for any optimizer, and the seed code, which
takes its own from the data, ignores it. Its ``lr`` means what GD's lr means on
the problem's loss, mean((Xθ - y)²), whose gradient is (2/N) Xᵀ(Xθ - y), so
that "the same lr" compares like with like; ``seed_lr`` says which constant
the seed code receives for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

import optimizers
from optimizers import HyperParam, Optimizer
from optimizers.hyperparams import excerpt, validate_all

from ..problems import LeastSquares, Problem
from .adam import ADAM_T0, AnswerAdam
from .entry import TrajectoryEntry
from .linreg import DIVERGENT_UPDATER, gradient_updater
from .sgd import SGD_NO_ACCUMULATION, gradientDescent2

#: Seed code's step: the parameters after one call, from the parameters and the run's lr (GD's lr).
Step = Callable[[np.ndarray, float], np.ndarray]

_LR = tuple(h for h in optimizers.GD.hyperparams if h.name == "lr")


class SeedUpdate(Optimizer):
    """Seed code that updates the parameters itself, as a pure update rule: ``step(theta, lr) -> theta'``.

    The gradient the loop hands it is ignored: the seed code computes its own
    from the data it was built with. ``step`` receives a copy of theta, so
    seed code that updates in place (``theta[0] = ...``) cannot touch the
    loop's parameters. One run at a time: ``lr`` is a number, not per-run values.
    """

    hyperparams = _LR

    def __init__(self, name: str, title: str, step: Step, **hp: Any) -> None:
        self.name, self.title, self._step = name, title, step
        super().__init__(**hp)
        if self._per_run:
            raise ValueError(f"Invalid lr for updater {name!r}: {excerpt(hp['lr'])}. Seed code runs one lr at a time")

    def _key(self) -> tuple[Any, ...]:
        # Two updaters with the same lr are still different code.
        return super()._key() + (self.name,)

    def update(self, p, g, bufs, t, hp):
        return np.asarray(self._step(np.array(p), hp["lr"]), dtype=float), {}


@dataclass(frozen=True)
class Updater:
    """A gallery entry's buggy training code, as a run: where it runs, its settings, and how to build it.

    ``entry`` is its gallery entry, whose id is its name. ``hyperparams`` are its run's settings;
    ``seed_lr`` says, in a formula, which constant the seed code receives for
    the run's ``lr``. ``batches`` says whether it takes the run's mini-batch
    options (an update rule does; seed code that loops over the data itself
    does not). ``runs_on(problem)`` is None where the seed code runs, else why not.
    ``work(problem)`` is what one step of the seed code's own Python loops costs,
    in seconds (timed on this project's machine), on top of the gradient the
    loop computes; :mod:`playground.setups.cost` adds it to a comparison's estimate.
    """

    entry: TrajectoryEntry
    hyperparams: tuple[HyperParam, ...]
    seed_lr: str
    batches: bool
    runs_on: Callable[[Problem], str | None]
    make: Callable[[Problem, Mapping[str, Any]], Optimizer]
    work: Callable[[Problem], float]

    @property
    def name(self) -> str:
        return self.entry.id

    @property
    def title(self) -> str:
        return self.entry.title

    def check(self, hp: Mapping[str, Any]) -> dict[str, Any]:
        """Every setting read through its declaration, defaults filled; ValueError names a bad one and its range."""
        return validate_all(self.hyperparams, hp, owner=f"updater {self.name!r}", runs=False)

    def refusal(self, problem: Problem) -> str | None:
        """Why the seed code does not run on ``problem``, naming it; None where it does."""
        why = self.runs_on(problem)
        return None if why is None else f"the buggy updater {self.name!r} does not run on {problem.name!r}: {why}"

    def build(self, problem: Problem, hp: Mapping[str, Any]) -> Optimizer:
        """The update rule on ``problem``'s data; ValueError if the seed code does not run there, or a bad setting."""
        why = self.refusal(problem)
        if why is not None:
            raise ValueError(why[0].upper() + why[1:])
        return self.make(problem, self.check(hp))


def _line_fit(problem: Problem) -> str | None:
    # gradient_updater fits y = m*x + b: one feature x beside the intercept, as linreg's X = [x, 1] is.
    return None if problem.name == "linreg" else "it fits y = m·x + b to one feature x, the problem linreg"


def _two_features(problem: Problem) -> str | None:
    # gradientDescent2 reads x[i][0] and x[i][1]: a linear model on exactly two features.
    if isinstance(problem, LeastSquares) and problem.X.shape[1] == 2:
        return None
    return "it reads the two features x[i][0] and x[i][1] of a linear model: linreg, or sin with degree 1"


def _divergent(problem: LeastSquares, hp: Mapping[str, Any]) -> SeedUpdate:
    x, y = problem.X[:, 0], problem.y
    # Its gradient carries the 2/N of the mean squared error, the problem's loss: learning_rate is lr itself.
    return SeedUpdate(DIVERGENT_UPDATER.id, DIVERGENT_UPDATER.title,
                      lambda theta, lr: np.array(gradient_updater(theta[0], theta[1], x, y, lr)), **hp)


def _per_sample(problem: LeastSquares, hp: Mapping[str, Any]) -> SeedUpdate:
    x, y, n = problem.X, problem.y, problem.n_samples
    # Its steps take the summed gradient Σ r_i x_i, the mean loss's (2/N) Σ r_i x_i times N/2: alpha = 2·lr/N.
    return SeedUpdate(SGD_NO_ACCUMULATION.id, SGD_NO_ACCUMULATION.title,
                      lambda theta, lr: gradientDescent2(x, y, theta, 2 * lr / n), **hp)


_UPDATERS = {u.name: u for u in (
    # For each of the N samples, two builtin sums over N numpy scalars: about 1.5 µs per pair.
    Updater(DIVERGENT_UPDATER, _LR, "seed's learning_rate = lr", False, _line_fit, _divergent,
            lambda problem: 1.5e-6 * problem.n_samples ** 2),
    # For each sample, a dot product and two scalar updates in Python: about 10 µs.
    Updater(SGD_NO_ACCUMULATION, _LR, "seed's alpha = 2·lr/n", False, _two_features, _per_sample,
            lambda problem: 10e-6 * problem.n_samples),
    # The answer's Adam is an update rule already: it runs wherever an optimizer does, batches included.
    Updater(ADAM_T0, AnswerAdam.hyperparams, "answer's step_size = lr", True,
            lambda problem: None, lambda problem, hp: AnswerAdam(**hp), lambda problem: 0.0),
)}


def available() -> list[str]:
    """Names of every buggy updater, in the gallery's order."""
    return list(_UPDATERS)


def offered(problem: Problem) -> list[str]:
    """Names of the buggy updaters whose seed code runs on ``problem``."""
    return [name for name, u in _UPDATERS.items() if u.runs_on(problem) is None]


def get(name: str) -> Updater:
    """The buggy updater ``name``; an unknown name lists the known ones."""
    try:
        return _UPDATERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown buggy updater {excerpt(name)}. Available: {', '.join(_UPDATERS)}") from None
