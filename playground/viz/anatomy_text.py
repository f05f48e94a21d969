"""One step in parts as plain text and JSON, for any number of parameters: the update, and tables of its numbers.

The parts are the optimizer's own (:meth:`optimizers.Optimizer.anatomy`,
replayed by :func:`playground.training.replay.anatomy`); this module only
lays them out, for ``playground anatomy`` and a notebook::

    names = coordinate_names(a.start, problem.axis_labels)   # "x", "y"; or "W1[0,2]", ...
    update_lines(a, names)             # θ_41 = θ_40 + gradient + ..., then each part's numbers (or norm)
    coordinate_rows(a, names, limit)   # one row per coordinate: g_t, ..., each scale, each term, taken, −lr·g
    block_rows(a)                      # one row per block of a network: its size and each part's norm
    anatomy_dict(a)                    # every part, block by block, as JSON lists

Each row's columns are the step's parts under their own names, so a table
shows what the optimizer computed and nothing recomputed.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from optimizers import tree
from optimizers.anatomy import Anatomy
from optimizers.tree import Tree

#: The column and line of the plain gradient step, shown beside the optimizer's own parts.
GRADIENT_STEP = "−lr·g"
TAKEN = "taken"


def coordinate_names(params: Tree, labels: Sequence[str] | None = None) -> list[str]:
    """One name per entry of ``params``, in :func:`optimizers.tree.flatten`'s order.

    ``labels`` (a two-parameter problem's ``axis_labels``) name a bare
    array of as many entries; otherwise a block's entries are ``W1[0,2]``
    and a bare array's ``θ[3]``.
    """
    if not tree.is_dict(params) and labels is not None and len(labels) == np.size(params):
        return list(labels)
    out = []
    for name, leaf in zip(tree.names(params), tree.leaves(params)):
        block = name or "θ"
        out += [f"{block}[{','.join(map(str, i))}]" for i in np.ndindex(np.shape(leaf))] if np.ndim(leaf) else [block]
    return out


def _columns(a: Anatomy) -> dict[str, Tree]:
    """The per-coordinate parts in table order: the equation's values, the scales, the terms, the step taken and
    the plain gradient step (when the rule has an lr)."""
    columns = {**a.values, **a.scales, **a.terms, TAKEN: a.taken}
    if a.gradient_step is not None:
        columns[GRADIENT_STEP] = a.gradient_step
    return columns


def coordinate_rows(a: Anatomy, names: Sequence[str], limit: int | None = None) -> list[dict[str, Any]]:
    """One row per coordinate (the first ``limit``, all when None): its name, then each part's entry."""
    flat = {k: tree.flatten(v).astype(np.float64) for k, v in _columns(a).items()}
    count = len(names) if limit is None else min(limit, len(names))
    return [{"coordinate": names[i], **{k: float(v[i]) for k, v in flat.items()}} for i in range(count)]


def block_rows(a: Anatomy) -> list[dict[str, Any]]:
    """One row per block of the parameters: its name, shape and size, each part's norm over the block, and each
    per-coordinate scale's range (its min and max over the block) as text."""
    rows = []
    for name in tree.names(a.start):
        def block(v: Tree) -> np.ndarray:
            return np.asarray(v[name] if tree.is_dict(v) else v, dtype=np.float64)
        shape = np.shape(block(a.start))
        row: dict[str, Any] = {"block": name or "θ", "shape": "×".join(map(str, shape)) or "scalar",
                               "size": int(np.prod(shape, dtype=int))}
        for key, v in _columns(a).items():
            x = block(v)
            if key in a.scales:
                row[f"{key} (range)"] = f"{x.min():.3g} to {x.max():.3g}"
            else:
                row[f"‖{key}‖"] = float(np.linalg.norm(x))
        rows.append(row)
    return rows


def update_lines(a: Anatomy, names: Sequence[str], *, full: bool) -> list[str]:
    """The update in symbols, then each part with its numbers: the whole vector when ``full``, else its norm.

    ``θ_{k+1} = θ_k + term + ...`` names the optimizer's terms; then θ_k, each
    term, the step taken (their sum), θ_{k+1}, and the plain gradient step −lr·g
    for comparison.
    """
    k = a.t - 1
    after = tree.flatten(a.start).astype(np.float64) + tree.flatten(a.taken).astype(np.float64)
    parts = [(f"θ_{k}", a.start), *((f"+ {name}", v) for name, v in a.terms.items()),
             ("= step taken", a.taken), (f"θ_{k + 1}", after)]
    if a.gradient_step is not None:
        parts.append((f"{GRADIENT_STEP} (plain gradient step)", a.gradient_step))
    width = max(len(label) for label, _ in parts)
    what = f"in ({', '.join(names)})" if full else f"as norms over the {len(names):,} parameters"
    lines = [f"θ_{k + 1} = θ_{k} + " + " + ".join(a.terms) + f", {what}:"]
    for label, v in parts:
        flat = tree.flatten(v).astype(np.float64)
        numbers = "(" + ", ".join(f"{x:.6g}" for x in flat) + ")" if full else f"{np.linalg.norm(flat):.6g}"
        lines.append(f"  {label:<{width}}  {numbers}")
    return lines


def anatomy_dict(a: Anatomy) -> dict[str, Any]:
    """Every part as plain JSON types, each a tree as the parameters are: a list, or block name -> nested lists.

    Keys: ``step`` (k, for the step k → k + 1), ``start`` (θ_k), ``taken``,
    ``gradient_step`` (None when the rule has no lr), ``terms``, ``scales``
    and ``values``, the last three by their names.
    """
    def plain(v: Tree) -> Any:
        return tree.tree_map(lambda x: np.asarray(x, dtype=np.float64).tolist(), v)

    return {"step": a.t - 1, "start": plain(a.start), "taken": plain(a.taken),
            "gradient_step": None if a.gradient_step is None else plain(a.gradient_step),
            **{key: {k: plain(v) for k, v in getattr(a, key).items()} for key in ("terms", "scales", "values")}}
