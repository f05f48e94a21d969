"""The forward order of the parameter blocks, and where in the backward pass an error enters.

Backprop computes the gradients of the last layer first and hands a delta down
to each layer below. When the blocks of the upper layers are right and every
block of the layers below some point is wrong, the upper gradients show that
the delta arriving from above is right; the error enters where the delta is
passed down, between the last wrong layer and the first right one.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence

from .evaluate import GradcheckError
from .report import BlockReport, Entrance, Layers

#: Diagnoses that explain a block's error by the block's own formula (its own
#: regularisation term, a transpose, a missing or unused gradient): a wrong delta
#: from above would not give them, so they rule out the entrance diagnosis.
LOCAL_KINDS = frozenset({"proportional", "transposed", "missing", "constant"})


def layer_order(names: Sequence[str], layers: Optional[Sequence[Any]] = None) -> Layers:
    """The layers of blocks ``names``, first layer first; () when neither ``layers`` nor the names tell.

    ``layers`` is as for :func:`~playground.gradcheck.gradcheck`: items are a block
    name or a list of names. Without it, every name must hold exactly one number
    (W1, b1, theta2, layer3.weight), and blocks with the same number form a layer.
    Raises :class:`GradcheckError` naming an unknown, repeated or empty entry.
    """
    if layers is None:
        found = [re.findall(r"\d+", name) for name in names]
        if not all(len(f) == 1 for f in found):
            return ()
        numbers = sorted({int(f[0]) for f in found})
        if len(numbers) < 2:
            return ()
        return tuple(tuple(name for name, f in zip(names, found) if int(f[0]) == k) for k in numbers)
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise GradcheckError(f"layers must be a list of block names or of lists of them, got {layers!r}")
    out, seen = [], set()
    for item in layers:
        layer = (item,) if isinstance(item, str) else item
        if isinstance(layer, (bytes, Mapping)) or not isinstance(layer, Sequence) or not layer:
            raise GradcheckError(f"each item of layers must be a block name or a non-empty list of them, got {item!r}")
        for name in layer:
            if name not in names:
                raise GradcheckError(f"layers names {name!r}, which is not a block (the blocks: {', '.join(names)})")
            if name in seen:
                raise GradcheckError(f"layers names {name!r} more than once: a block belongs to one layer")
            seen.add(name)
        out.append(tuple(layer))
    return tuple(out)


def entrance(blocks: Mapping[str, BlockReport], layers: Layers) -> Optional[Entrance]:
    """Where the error enters, when the blocks of some first layers are all wrong and all later ones correct."""
    wrong = [all(blocks[n].verdict == "wrong" and blocks[n].kind not in LOCAL_KINDS for n in layer)
             for layer in layers]
    right = [all(blocks[n].verdict == "correct" for n in layer) for layer in layers]
    for j in range(1, len(layers)):
        if all(wrong[:j]) and all(right[j:]):
            below, above = layers[j - 1], layers[j]
            n_below, n_above = sum(map(len, layers[:j])), sum(map(len, layers[j:]))
            return Entrance(below, above, (
                f"the error enters in the backward pass between layer {_names(below)} and layer "
                f"{_names(above)}: {_blocks(n_above)} from {_names(above)} up {'is' if n_above == 1 else 'are'} "
                f"right, so the delta arriving there is right, and {_blocks(n_below)} below "
                f"{'is' if n_below == 1 else 'are'} wrong. Check what passes the "
                f"delta down to {_names(below)}: the activation derivative of that layer (evaluated at the "
                f"right point, e.g. at Z where it was written for A = σ(Z), as σ'(z) = a(1 - a) is; and of "
                f"the right activation), and the delta passed back (the transposed weights times the delta "
                f"from above, multiplied elementwise by that derivative)."))
    return None


def _blocks(k: int) -> str:
    return "the one block" if k == 1 else f"all {k} blocks"


def _names(layer: tuple[str, ...]) -> str:
    return layer[0] if len(layer) == 1 else "(" + ", ".join(layer) + ")"
