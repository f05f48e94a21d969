"""The problem contract shared by every loss the playground can optimise.

A problem holds its data (if any) and exposes:

- ``loss(params, idx=None)`` and ``grad(params, idx=None)``: the mean over the
  sample indices ``idx``, or over all samples when ``idx`` is None;
  ``value_and_grad`` gives both from one forward pass;
- ``n_samples``, ``init_params(seed)``, ``optimum`` (exact minimiser, or
  None), ``lipschitz`` (largest Hessian eigenvalue where it is constant, else
  None), ``hessian`` (the constant Hessian as a (dim, dim) array where it is
  constant, else None), and for two-parameter problems ``axis_labels``, ``bounds`` and
  ``minima`` for pictures.

**Batch axis.** Every block of ``params`` may carry one extra leading axis of
length R. ``loss`` then returns R losses and ``grad`` R gradients (each block
(R, ...)), computed in one vectorised pass: subclasses write their maths with
``...``-broadcasting so the same expressions serve one run and R runs.
Parameters may be complex, for complex-step gradient checks.

**Fast path.** ``loss`` and ``value_and_grad`` check their arguments on every
call, which costs more than a step of a small problem. A loop that calls them
thousands of times checks its inputs once and then calls ``unchecked()``, a
:class:`FastPath` of the same maths with no checks. Its contract, which the
caller keeps: ``params`` have the problem's structure, with or without one
leading batch axis (as :meth:`Problem.batch_size_of` accepts them), and
``idx`` is None or a non-empty 1-D integer array of sample indices in
0..n_samples-1. It sets no ``np.errstate`` (the caller wraps its loop in one)
and returns values unconverted (for one run, a numpy scalar or a 0-d array).
Inputs outside the contract give wrong numbers or numpy errors, not the
checked path's messages.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from optimizers.tree import Tree, check_same_structure, is_dict, size


class FastPath(NamedTuple):
    """A problem's maths without its checks; see the module docstring for the contract the caller keeps.

    ``loss(params, idx)`` and ``value_and_grad(params, idx)`` compute what the
    problem's methods of those names compute.
    """

    loss: Callable[[Tree, np.ndarray | None], Any]
    value_and_grad: Callable[[Tree, np.ndarray | None], tuple[Any, Tree]]


class Problem:
    """Base class; subclasses set the attributes and write :meth:`_value_and_grad`."""

    name: str = ""
    title: str = ""
    n_samples: int = 1
    optimum: Tree | None = None
    lipschitz: float | None = None
    hessian: np.ndarray | None = None
    axis_labels: tuple[str, str] | None = None
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    # Immutable defaults: a class-level list or dict would be shared, and mutated, by every instance.
    minima: tuple[np.ndarray, ...] = ()
    settings: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, template: Tree) -> None:
        # Zeros shaped like one set of parameters: the reference for shape checks.
        self.template = template

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{type(self).__name__}({self.name!r}, {args})"

    @property
    def known_minima(self) -> tuple[Tree, ...]:
        """The known minimisers: ``optimum`` when there is one, else ``minima`` (empty when none is known)."""
        return (self.optimum,) if self.optimum is not None else tuple(self.minima)

    def optimal_loss(self) -> float | None:
        """loss*, the lowest loss at the known minima; None when none is known."""
        return min((float(self.loss(m)) for m in self.known_minima), default=None)

    @property
    def dim(self) -> int:
        """Number of scalar parameters."""
        return size(self.template)

    def init_params(self, seed: int = 0) -> Tree:
        """Starting parameters; random problems draw them from ``seed``."""
        raise NotImplementedError

    # -- evaluation ------------------------------------------------------
    def loss(self, params: Tree, idx: Sequence[int] | np.ndarray | None = None) -> float | np.ndarray:
        """Mean loss over samples ``idx`` (all when None); R losses for batched params."""
        self.batch_size_of(params)
        with np.errstate(all="ignore"):
            out = self._loss(params, self._indices(idx))
        return out if np.ndim(out) else out[()]

    def grad(self, params: Tree, idx: Sequence[int] | np.ndarray | None = None) -> Tree:
        """Gradient of :meth:`loss`, with the structure (and batch axis) of ``params``."""
        return self.value_and_grad(params, idx)[1]

    def value_and_grad(self, params: Tree, idx: Sequence[int] | np.ndarray | None = None) -> tuple[Any, Tree]:
        """``(loss, grad)`` from one pass over the data."""
        self.batch_size_of(params)
        with np.errstate(all="ignore"):
            value, g = self._value_and_grad(params, self._indices(idx))
        return (value if np.ndim(value) else value[()]), g

    def unchecked(self) -> FastPath:
        """The fast path: :meth:`loss` and :meth:`value_and_grad` for inputs the caller has checked once."""
        # The bound methods themselves, so a call on the fast path costs no more than the maths.
        return FastPath(self._loss, self._value_and_grad)

    def _loss(self, params: Tree, idx: np.ndarray | None) -> Any:
        return self._value_and_grad(params, idx)[0]

    def _value_and_grad(self, params: Tree, idx: np.ndarray | None) -> tuple[Any, Tree]:
        """The maths, on validated params and indices; broadcast over a leading batch axis."""
        raise NotImplementedError

    # -- checks ----------------------------------------------------------
    def batch_size_of(self, params: Tree) -> int | None:
        """R for batched params, None for one set; ValueError for anything else."""
        t = self.template
        if is_dict(params) != is_dict(t) or (is_dict(t) and set(params) != set(t)):
            check_same_structure(t, params, ("the problem's parameters", "params"))  # raises, naming the keys
        blocks = [(f"params[{k!r}]", params[k], t[k]) for k in t] if is_dict(t) else [("params", params, t)]
        batch: set[int | None] = set()
        for where, p, ref in blocks:
            shape, want = np.shape(p), np.shape(ref)
            if shape == want:
                batch.add(None)
            elif len(shape) == len(want) + 1 and shape[1:] == want:
                batch.add(shape[0])
            else:
                raise ValueError(
                    f"{where} has shape {shape}; {self.name} expects {want} (or (R, *{want}) for R runs at once)"
                )
        if len(batch) > 1:
            raise ValueError(f"params mix batched and unbatched blocks (leading sizes {sorted(batch, key=str)})")
        return batch.pop()

    def _indices(self, idx: Sequence[int] | np.ndarray | None) -> np.ndarray | None:
        if idx is None:
            return None
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
            raise ValueError(f"idx must be a non-empty 1-D array of sample indices, got {idx!r}")
        if idx.min() < 0 or idx.max() >= self.n_samples:
            raise ValueError(f"idx holds {idx.min() if idx.min() < 0 else idx.max()}, outside 0..{self.n_samples - 1}")
        return idx
