"""Parameter trees: a float64 ndarray, or a dict of name -> ndarray.

Optimizers, problems, the runner and the gradient check all accept either
form. These helpers are the one place that knows how to walk them, compare
their structure and flatten them to a vector.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Union

import numpy as np

Tree = Union[np.ndarray, "dict[str, np.ndarray]"]


def is_dict(tree: Any) -> bool:
    return isinstance(tree, dict)


def names(tree: Tree) -> list[str]:
    """Block names in order: the dict keys, or ``[""]`` for a bare array."""
    return list(tree) if is_dict(tree) else [""]


def leaves(tree: Tree) -> list[np.ndarray]:
    return list(tree.values()) if is_dict(tree) else [tree]


def tree_map(fn: Callable[..., Any], tree: Tree, *rest: Tree) -> Tree:
    """Apply ``fn`` leaf by leaf; ``rest`` must have the structure of ``tree``."""
    if is_dict(tree):
        return {k: fn(v, *(r[k] for r in rest)) for k, v in tree.items()}
    return fn(tree, *rest)


def as_float_tree(tree: Any, what: str = "params") -> Tree:
    """A float64 copy of ``tree``; complex input stays complex (complex-step checks)."""
    def conv(x: Any) -> np.ndarray:
        a = np.asarray(x)
        if a.dtype.kind == "c":
            return a.astype(np.complex128)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"{what} must hold numbers, got dtype {a.dtype}")
        return a.astype(np.float64)

    if is_dict(tree):
        if not tree:
            raise ValueError(f"{what} is an empty dict: it needs at least one block")
        return {str(k): conv(v) for k, v in tree.items()}
    return conv(tree)


def check_same_structure(a: Tree, b: Tree, what: tuple[str, str] = ("params", "grad")) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same keys and shapes."""
    # The common cases, checked first because they run every step.
    if type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape:
        return
    if type(a) is dict and type(b) is dict and a.keys() == b.keys():
        try:  # the leaves' own .shape: np.shape's dispatch cost more than the comparison itself
            if [x.shape for x in a.values()] == [b[k].shape for k in a]:
                return
        except AttributeError:  # a leaf that is not an array: compared below, by np.shape
            pass
    na, nb = what
    if is_dict(a) != is_dict(b):
        kind = lambda t: "a dict" if is_dict(t) else "an array"  # noqa: E731
        raise ValueError(f"{na} is {kind(a)} but {nb} is {kind(b)}")
    if is_dict(a):
        if set(a) != set(b):
            missing = sorted(set(a) - set(b))
            extra = sorted(set(b) - set(a))
            raise ValueError(
                f"{nb} keys do not match {na} keys: missing {missing}, unexpected {extra}"
            )
        for k in a:
            if np.shape(a[k]) != np.shape(b[k]):
                raise ValueError(
                    f"{nb}[{k!r}] has shape {np.shape(b[k])} but {na}[{k!r}] has shape {np.shape(a[k])}"
                )
    elif np.shape(a) != np.shape(b):
        raise ValueError(f"{nb} has shape {np.shape(b)} but {na} has shape {np.shape(a)}")


def size(tree: Tree) -> int:
    return int(sum(np.size(x) for x in leaves(tree)))


def flatten(tree: Tree) -> np.ndarray:
    """All entries as one 1-D vector, blocks in key order."""
    return np.concatenate([np.ravel(x) for x in leaves(tree)])


def unflatten(vec: np.ndarray, like: Tree) -> Tree:
    """Inverse of :func:`flatten`, shaped like ``like``.

    ``vec`` may carry leading axes, ``(..., size(like))``: each block then gets
    the same leading axes, ``(..., *shape)``, which is how R parameter sets are
    handed to a loss that accepts a batch axis. Blocks are views into ``vec``
    where numpy can make them.
    """
    vec = np.asarray(vec)
    lead = vec.shape[:-1]
    out, i = {}, 0
    for k, x in zip(names(like), leaves(like)):
        n = np.size(x)
        out[k] = np.reshape(vec[..., i:i + n], lead + np.shape(x))
        i += n
    return out if is_dict(like) else out[""]


def all_finite(tree: Tree) -> bool:
    # Summing is cheaper than isfinite on every entry, and any inf or nan
    # (or an overflow, which is a blow-up anyway) makes the sum non-finite.
    if type(tree) is np.ndarray:
        return math.isfinite(tree.sum())
    return all(math.isfinite(x.sum()) for x in leaves(tree))
