"""The optimizer contract.

An optimizer is configured once and then used as a pure function::

    opt = Adam(lr=0.01)
    state = opt.init(params)
    params, state = opt.step(params, grad, state)

``step`` never mutates ``params``, ``grad`` or ``state`` and returns new
objects; the same inputs always give the same outputs. The step count ``t``
lives in the state (0 after ``init``, 1 after the first step).

A subclass declares ``hyperparams``, ``buffers`` (the names of its per-entry
state arrays), ``latex`` (its update equations, rendered by the app),
``title`` and ``family`` (one of :data:`FAMILIES`, for grouping menus) and
writes the rule for one array in :meth:`Optimizer.update`; the base class lifts
it to dicts of arrays, like ``jax.example_libraries.optimizers`` does.

Hyperparameters may be 1-D arrays of length R when every parameter block has
a leading axis of length R: each run r then uses entry r. The vectorised sweep
advances R runs with one ``step`` this way.

The run axis. Some rules depend on a block's own rank: Muon orthogonalises
matrices and hands everything else to AdamW, Adafactor factors the second
moment of matrices only. Under the sweep a (2, 3) weight arrives as (R, 2, 3)
and a (3,) bias as (R, 3), so the array's ``ndim`` alone would misjudge them.
The state records the answer once: ``init(params, runs=R)`` (or per-run
hyperparameters, which imply it) sets ``State.batched``, meaning every block
carries a leading run axis. ``step`` then passes ``lead`` (1 with a run axis,
0 without) to :meth:`Optimizer.update_block` and :meth:`Optimizer.buffer_shape`,
so a rule sees a block's true shape as ``p.shape[lead:]``. Rules that do not
care about rank implement :meth:`Optimizer.update` and never see ``lead``.

Two more questions an optimizer answers about itself, so that callers need
not dispatch on names: :meth:`Optimizer.eval_params`, the point where a user
evaluates (the averaged point of Schedule-Free methods and ASGD; ``params``
itself otherwise), and :meth:`Optimizer.lr_bound`, the largest stable learning
rate on a quadratic, where one is known.
"""
from __future__ import annotations

import functools
from typing import Any, ClassVar, Mapping, NamedTuple

import numpy as np

from .anatomy import Anatomy
from .hyperparams import HyperParam, excerpt, validate_all
from .tree import Tree, as_float_tree, check_same_structure, is_dict, leaves, names, tree_map


FAMILIES = ("classic", "adaptive", "sign-based", "schedule-free")


#: How an optimizer's docstring introduces its equations, taken from its ``latex``.
EQUATIONS_HEAD = "Update equations (LaTeX, as the app renders them)::"


#: What :meth:`Optimizer.parts` returns for one block: named terms, per-coordinate scales, equation values.
Parts = tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]


class State(NamedTuple):
    """Optimizer state: the step count, one tree per buffer name, and whether blocks carry a run axis."""

    t: int
    buffers: Mapping[str, Tree]
    # A default, so State(t, buffers) written before the run axis existed still means "no run axis".
    batched: bool = False


class Optimizer:
    """Base class of all update rules. See the module docstring for the contract."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # One of FAMILIES, for grouping menus. Plugins should set it; "classic" is only a fallback.
    family: ClassVar[str] = "classic"
    hyperparams: ClassVar[tuple[HyperParam, ...]] = ()
    buffers: ClassVar[tuple[str, ...]] = ()
    latex: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The LaTeX is the one form of the equations: the docstring shows it, so help() and the docs carry them.
        super().__init_subclass__(**kwargs)
        if cls.latex and cls.__doc__ and EQUATIONS_HEAD not in cls.__doc__:
            cls.__doc__ = f"{cls.__doc__.rstrip()}\n\n    {EQUATIONS_HEAD}\n\n        {cls.latex}\n"

    def __init__(self, **hp: Any) -> None:
        self.hp: dict[str, Any] = validate_all(self.hyperparams, hp, owner=f"optimizer {self.name!r}")
        self.check_hyperparams(self.hp)
        self._per_run = any(_has_array(v) for v in self.hp.values())

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
        """Initial value of buffer ``name`` for parameter block ``p`` (zeros by default).

        Called for buffers shaped like their block; a buffer whose
        :meth:`buffer_shape` differs starts at zeros.
        """
        return np.zeros_like(p)

    def buffer_shape(self, name: str, shape: tuple[int, ...], lead: int) -> tuple[int, ...]:
        """The shape of buffer ``name`` for a block of ``shape`` whose first ``lead`` axes are runs.

        The block's shape by default. Override for factored or per-block
        buffers (Adafactor's row and column factors); a buffer a block does not
        use can be empty, ``shape[:lead] + (0,)``.
        """
        return shape

    def init(self, params: Tree, runs: int | None = None) -> State:
        """The state before the first step.

        ``runs=R`` declares that every block of ``params`` carries a leading
        axis of R runs; per-run (array) hyperparameters declare it too. See
        the module docstring.
        """
        params = as_float_tree(params)
        if runs is not None:
            if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
                raise ValueError(f"Invalid runs: {runs!r}. Allowed: a whole number >= 1")
            for k, p in zip(names(params), leaves(params)):
                if np.ndim(p) == 0 or np.shape(p)[0] != runs:
                    where = f"params[{k!r}]" if is_dict(params) else "params"
                    raise ValueError(f"runs={runs} but {where} has shape {np.shape(p)}: every block needs a "
                                     f"leading axis of {runs} runs")
        batched = runs is not None or self._per_run
        lead = int(batched)

        def start(name: str, p: np.ndarray) -> np.ndarray:
            shape = self.buffer_shape(name, np.shape(p), lead)
            return self.init_buffer(name, p) if shape == np.shape(p) else np.zeros(shape)

        return State(0, {b: tree_map(lambda p, b=b: start(b, p), params) for b in self.buffers}, batched)

    def eval_params(self, params: Tree, state: State) -> Tree:
        """The point where a user evaluates the model after a step: ``params`` itself by default.

        ``step`` returns the point where the next gradient is taken. Methods
        that average their iterates (Schedule-Free, ASGD) report the averaged
        point here, as torch's ``optimizer.eval()`` or ``state["ax"]`` do.
        """
        return params

    def lr_bound(self, L: float | None) -> float | np.ndarray | None:
        """The largest stable lr on a quadratic whose Hessian has largest eigenvalue ``L``.

        None when no bound is known (adaptive methods rescale each coordinate,
        so none applies), and for ``L`` None or not positive. With per-run
        hyperparameters, an array of one bound per run. The optimizer owns this
        knowledge, so callers never dispatch on registry names.
        """
        return None

    def lr_bound_text(self, L: float | None) -> str | None:
        """:meth:`lr_bound` as a formula with numbers, e.g. ``2/L = 0.41``; None without a single bound."""
        return None

    def anatomy(self, params: Tree, grad: Tree, state: State, **override: Any) -> Anatomy:
        """The step ``step(params, grad, state, **override)`` would take, in named parts (:mod:`optimizers.anatomy`).

        Pure, like :meth:`step`; for one run (no run axis). The parts come
        from :meth:`parts`, block by block; ``override`` is a schedule's
        hyperparameters for this step, as :meth:`step` takes them.
        """
        if state.batched or self._per_run:
            raise ValueError(f"{type(self).__name__}.anatomy describes one run; these params carry a run axis")
        new_params, new_state = self.step(params, grad, state, **override)
        hp = {**self.hp, **override}
        lr = hp.get("lr")
        blocks = [(k, p, g, q) for k, p, g, q in zip(names(params), leaves(params), leaves(grad), leaves(new_params))]
        split = {k: self.parts(p, g, q, {b: _block(state.buffers[b], k) for b in self.buffers},
                               {b: _block(new_state.buffers[b], k) for b in self.buffers}, new_state.t, hp)
                 for k, p, g, q in blocks}

        def gather(i: int) -> dict[str, Tree]:
            # Regroup the blocks' parts as one tree per part. A block stepped by another rule (Muon's
            # non-matrix blocks take AdamW's step) may not name a part: it is zero there.
            keys = dict.fromkeys(name for parts in split.values() for name in parts[i])
            return {name: _tree(params, {k: split[k][i].get(name, np.zeros_like(p)) for k, p, _, _ in blocks})
                    for name in keys}

        return Anatomy(t=new_state.t, start=params, taken=tree_map(lambda a, b: a - b, new_params, params),
                       gradient_step=None if lr is None else tree_map(lambda g: -lr * g, grad),
                       terms=gather(0), scales=gather(1), values=gather(2))

    def parts(self, p: np.ndarray, g: np.ndarray, new_p: np.ndarray, before: dict[str, np.ndarray],
              after: dict[str, np.ndarray], t: int, hp: dict[str, Any]) -> Parts:
        """One block's step ``new_p - p`` as (terms, scales, values); see :mod:`optimizers.anatomy`.

        Called once per block, with this run's hyperparameters ``hp`` (overrides applied) and the block's
        buffers ``before`` and ``after`` the step; every block is its own shape (no run axis). Blocks may
        name different parts; a part a block does not name is zero in that block. The default, for a rule
        that does not name its parts: the whole step as one term.
        """
        return {"step": new_p - p}, {}, {"g_t": g}

    def step(self, params: Tree, grad: Tree, state: State, **override: Any) -> tuple[Tree, State]:
        """One update. Returns new ``(params, state)``; the inputs are left untouched.

        ``override`` replaces declared hyperparameters for this call only, e.g.
        ``lr=0.05`` from a schedule (see :meth:`scheduled`): the optimizer is
        not rebuilt and stays as it was. The values are not validated (a
        schedule's are, by its own declarations); a float or one per run.

        ValueError, naming what is wrong, for a ``state`` that is not a :class:`State`, a ``grad`` that is not an
        array (or a dict of arrays) shaped like ``params``.
        """
        if not override:
            return self._checked_step(params, grad, state, self.hp, self._per_run)
        hp_all = {**self.hp, **override}
        if len(hp_all) != len(self.hp):  # an unknown key made the merge longer: checked in O(1) every step
            unknown = next(k for k in override if k not in self.hp)
            raise ValueError(f"Unknown override {unknown!r} for optimizer {self.name!r}. "
                             f"Valid keywords: {', '.join(self.hp)}")
        per_run = self._per_run or any(_has_array(v) for v in override.values())
        return self._checked_step(params, grad, state, hp_all, per_run)

    def scheduled_step(self, params: Tree, grad: Tree, state: State, lr: Any,
                       momentum: Any = None) -> tuple[Tree, State]:
        """``step(params, grad, state, **self.scheduled(lr, momentum))``, the same update bit for bit.

        A schedule's loop takes this every step, so it skips what ``step``
        does for any override: no keyword arguments to gather, no unknown
        key to look for (:meth:`scheduled` writes declared ones), and only
        ``lr`` and ``momentum`` to ask whether they hold one value per run.
        """
        hp_all = {**self.hp, **self.scheduled(lr, momentum)}
        per_run = self._per_run or isinstance(lr, np.ndarray) or isinstance(momentum, np.ndarray)
        return self._checked_step(params, grad, state, hp_all, per_run)

    def _checked_step(self, params: Tree, grad: Tree, state: State, hp_all: Mapping[str, Any],
                      per_run: bool) -> tuple[Tree, State]:
        """:meth:`step` with every hyperparameter in ``hp_all``; ``per_run`` whether any holds one value per run."""
        if not isinstance(state, State):  # one isinstance: this runs every step
            raise ValueError(f"Invalid state: {excerpt(state)}. Pass the State that {type(self).__name__}.init(params) "
                             "or the previous step returned")
        t = state.t + 1
        lead = 1 if state.batched or per_run else 0
        self._check_state(params, state, lead)
        if not isinstance(params, dict):  # arrays first: the common case, run every step
            if type(grad) is not np.ndarray or type(params) is not np.ndarray or grad.shape != params.shape:
                check_same_structure(params, grad)  # raises, saying what differs
                _check_array("grad", grad)
            hp = self._hp_for(params, hp_all) if per_run else hp_all
            p, bufs = self.update_block(params, grad, state.buffers, t, hp, lead)
            return p, State(t, bufs, state.batched)
        check_same_structure(params, grad)
        new_p: dict[str, np.ndarray] = {}
        new_b: dict[str, dict[str, np.ndarray]] = {b: {} for b in self.buffers}
        for k in params:
            if type(grad[k]) is not np.ndarray:
                _check_array(f"grad[{k!r}]", grad[k])
            hp = self._hp_for(params[k], hp_all) if per_run else hp_all
            p, bufs = self.update_block(params[k], grad[k], {b: state.buffers[b][k] for b in self.buffers}, t, hp,
                                        lead)
            new_p[k] = p
            for b in self.buffers:
                new_b[b][k] = bufs[b]
        return new_p, State(t, new_b, state.batched)

    @classmethod
    @functools.cache  # a schedule that cycles momentum asks every step; a class's declarations do not change
    def momentum_name(cls) -> str | None:
        """The hyperparameter that holds this rule's momentum: ``"momentum"``, ``"betas"`` (beta1), or None."""
        declared = {h.name for h in cls.hyperparams}
        return next((name for name in ("momentum", "betas") if name in declared), None)

    def scheduled(self, lr: Any, momentum: Any = None) -> dict[str, Any]:
        """The :meth:`step` overrides that set this step's ``lr`` and, unless None, its momentum (or beta1)."""
        if momentum is None:
            return {"lr": lr}
        if self.momentum_name() == "betas":
            return {"lr": lr, "betas": (momentum,) + self.hp["betas"][1:]}  # validated betas are a tuple
        return {"lr": lr, "momentum": momentum}

    def _check_state(self, params: Tree, state: State, lead: int) -> None:
        # A state made by init() for other params would fail deep in numpy: say which buffer differs.
        custom = type(self).buffer_shape is not Optimizer.buffer_shape
        for b in self.buffers:
            if b not in state.buffers:
                raise ValueError(f"state has no buffer {b!r}: make it with {type(self).__name__}.init(params)")
            if not custom:
                check_same_structure(params, state.buffers[b], ("params", f"state buffer {b!r}"))
                continue
            buf = state.buffers[b]
            if is_dict(params) != is_dict(buf) or (is_dict(params) and buf.keys() != params.keys()):
                check_same_structure(params, buf, ("params", f"state buffer {b!r}"))  # raises, naming the keys
            for k, p, x in zip(names(params), leaves(params), leaves(buf)):
                want = self.buffer_shape(b, np.shape(p), lead)
                if np.shape(x) != want:
                    where = f"[{k!r}]" if is_dict(params) else ""
                    raise ValueError(f"state buffer {b!r}{where} has shape {np.shape(x)} but params{where} of "
                                     f"shape {np.shape(p)} needs {want}: make the state with "
                                     f"{type(self).__name__}.init(params)")

    def _hp_for(self, p: np.ndarray, hp: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Hyperparameters (``hp``, else this optimizer's) shaped to broadcast against block ``p``.

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

        return {k: fit(v) for k, v in (self.hp if hp is None else hp).items()}

    def update_block(
        self, p: np.ndarray, g: np.ndarray, bufs: dict[str, np.ndarray], t: int, hp: dict[str, Any], lead: int
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """:meth:`update`, told that the first ``lead`` axes of ``p`` are runs (0 or 1).

        Override this instead of :meth:`update` when the rule depends on the
        block's own shape, ``p.shape[lead:]``.
        """
        return self.update(p, g, bufs, t, hp)

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
    if not isinstance(weight, np.ndarray) or weight.ndim == 0:  # the usual scalar weight: one branch only
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


def _has_array(v: Any) -> bool:
    """Whether a hyperparameter value holds one value per run (an array, or a pair with one)."""
    return isinstance(v, np.ndarray) or (isinstance(v, tuple) and any(isinstance(x, np.ndarray) for x in v))


def _check_array(what: str, g: Any) -> None:
    """ValueError unless ``g`` is a numpy array or scalar: a list would fail deep in an update rule."""
    if not isinstance(g, (np.ndarray, np.generic)):
        raise ValueError(f"Invalid {what}: a {type(g).__name__} ({excerpt(g)}). Expected a numpy array shaped like "
                         "the params, e.g. np.asarray(...)")


def _show(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array({v.shape[0]} values)"
    if isinstance(v, tuple):
        return "(" + ", ".join(_show(x) for x in v) + ")"
    return repr(v)


def _block(tree: Tree, key: str) -> np.ndarray:
    """Block ``key`` of ``tree`` (``""`` names the one block of a bare array, as :func:`tree.names` does)."""
    return tree[key] if is_dict(tree) else tree


def _tree(like: Tree, blocks: dict[str, np.ndarray]) -> Tree:
    """Blocks by name, shaped as ``like``: a dict for dict params, the one array otherwise."""
    return blocks if is_dict(like) else blocks[""]
