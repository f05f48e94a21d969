"""The optimizer contract.

An optimizer is configured once and then used as a pure function::

    opt = Adam(lr=0.01)
    state = opt.init(params)
    params, state = opt.step(params, grad, state)

``step`` never mutates ``params``, ``grad`` or ``state`` and returns new
objects; the same inputs always give the same outputs. The step count ``t``
lives in the state (0 after ``init``, 1 after the first step).

A subclass declares ``hyperparams``, ``buffers`` (the names of its per-entry
state arrays), ``latex`` (its update equations, rendered by the app) and
writes the rule for one array in :meth:`Optimizer.update`; the base class lifts
it to dicts of arrays, like ``jax.example_libraries.optimizers`` does.

Hyperparameters may be 1-D arrays of length R when every parameter block has
a leading axis of length R: each run r then uses entry r. The vectorised sweep
advances R runs with one ``step`` this way.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping, NamedTuple

import numpy as np

from .hyperparams import HyperParam, validate_all
from .tree import Tree, as_float_tree, check_same_structure, is_dict, tree_map


class State(NamedTuple):
    """Optimizer state: the step count and one tree per buffer name."""

    t: int
    buffers: Mapping[str, Tree]


class Optimizer:
    """Base class of all update rules. See the module docstring for the contract."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    hyperparams: ClassVar[tuple[HyperParam, ...]] = ()
    buffers: ClassVar[tuple[str, ...]] = ()
    latex: ClassVar[str] = ""

    def __init__(self, **hp: Any) -> None:
        self.hp: dict[str, Any] = validate_all(self.hyperparams, hp, owner=f"optimizer {self.name!r}")
        self.check_hyperparams(self.hp)
        self._per_run = any(isinstance(v, np.ndarray) or (isinstance(v, tuple) and any(
            isinstance(x, np.ndarray) for x in v)) for v in self.hp.values())

    def check_hyperparams(self, hp: dict[str, Any]) -> None:
        """Cross-field checks beyond each value's own range; raise ValueError."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_show(v)}" for k, v in self.hp.items())
        return f"{type(self).__name__}({args})"

    def _key(self) -> tuple[Any, ...]:
        # The repr abbreviates per-run arrays, so equality compares the values themselves.
        def freeze(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return tuple(v.tolist())
            return tuple(freeze(x) for x in v) if isinstance(v, tuple) else v

        return (type(self),) + tuple((k, freeze(v)) for k, v in self.hp.items())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Optimizer) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def init_buffer(self, name: str, p: np.ndarray) -> np.ndarray:
        """Initial value of buffer ``name`` for parameter block ``p`` (zeros by default)."""
        return np.zeros_like(p)

    def init(self, params: Tree) -> State:
        params = as_float_tree(params)
        return State(0, {b: tree_map(lambda p, b=b: self.init_buffer(b, p), params) for b in self.buffers})

    def step(self, params: Tree, grad: Tree, state: State) -> tuple[Tree, State]:
        """One update. Returns new ``(params, state)``; the inputs are left untouched."""
        t = state.t + 1
        for b in self.buffers:  # a state made by init() for other params would fail deep in numpy
            if b not in state.buffers:
                raise ValueError(f"state has no buffer {b!r}: make it with {type(self).__name__}.init(params)")
            check_same_structure(params, state.buffers[b], ("params", f"state buffer {b!r}"))
        if not isinstance(params, dict):  # arrays first: the common case, run every step
            if type(grad) is not np.ndarray or type(params) is not np.ndarray or grad.shape != params.shape:
                check_same_structure(params, grad)  # raises, saying what differs
            hp = self._hp_for(params) if self._per_run else self.hp
            p, bufs = self.update(params, grad, state.buffers, t, hp)
            return p, State(t, bufs)
        check_same_structure(params, grad)
        new_p: dict[str, np.ndarray] = {}
        new_b: dict[str, dict[str, np.ndarray]] = {b: {} for b in self.buffers}
        for k in params:
            hp = self._hp_for(params[k]) if self._per_run else self.hp
            p, bufs = self.update(params[k], grad[k], {b: state.buffers[b][k] for b in self.buffers}, t, hp)
            new_p[k] = p
            for b in self.buffers:
                new_b[b][k] = bufs[b]
        return new_p, State(t, new_b)

    def _hp_for(self, p: np.ndarray) -> dict[str, Any]:
        """Hyperparameters shaped to broadcast against block ``p``.

        A per-run array of shape (R,) becomes (R, 1, ..., 1) so it pairs run r
        with ``p[r]``; scalars pass through untouched (the common, fast case).
        """
        shape = (-1,) + (1,) * (np.ndim(p) - 1)

        def fit(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                if np.ndim(p) == 0 or v.shape[0] != np.shape(p)[0]:
                    raise ValueError(
                        f"{type(self).__name__}: a hyperparameter has {v.shape[0]} values but the "
                        f"parameter block has shape {np.shape(p)}; the leading axis must match"
                    )
                return v.reshape(shape)
            if isinstance(v, tuple):
                return tuple(fit(x) for x in v)
            return v

        return {k: fit(v) for k, v in self.hp.items()}

    def update(
        self, p: np.ndarray, g: np.ndarray, bufs: dict[str, np.ndarray], t: int, hp: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The rule for one array: return the new ``p`` and new buffers, out of place.

        ``t`` is the index of this step, counting from 1.
        """
        raise NotImplementedError

    def select_runs(self, keep: np.ndarray) -> Optimizer:
        """This optimizer for the runs ``keep`` selects: per-run hyperparameters cut to them.

        ``keep`` indexes the R runs (a boolean mask of length R, or indices);
        hyperparameters shared by every run stay as they are. The values were
        validated when this optimizer was built, so they are not validated
        again: that is a Python loop per value, too slow for a sweep dropping
        the runs that diverge. The optimizer itself is left untouched.
        """
        def cut(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return v[keep]
            return tuple(cut(x) for x in v) if isinstance(v, tuple) else v

        kept = object.__new__(type(self))
        kept.__dict__.update(self.__dict__, hp={k: cut(v) for k, v in self.hp.items()})
        return kept


def nonzero(value: Any) -> bool:
    """Whether a hyperparameter (a float, or one value per run) is non-zero anywhere.

    Plain floats skip np.any, which costs microseconds on every step.
    """
    return bool(np.any(value)) if isinstance(value, np.ndarray) else value != 0


def lerp(start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    """``start + weight * (end - start)``, rounded as ``torch.lerp`` rounds it.

    torch switches formula at weight 1/2 (so that weight 1 gives ``end``
    exactly); moving averages written with lerp in torch.optim need the same
    switch here to agree to the last bit.
    """
    diff = end - start
    if np.ndim(weight) == 0:  # the usual scalar weight: compute one branch only
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


def _show(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array({v.shape[0]} values)"
    if isinstance(v, tuple):
        return "(" + ", ".join(_show(x) for x in v) + ")"
    return repr(v)
