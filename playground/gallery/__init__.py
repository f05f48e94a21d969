"""Bugs from public threads and articles, each buggy and fixed, runnable: the bug catalogue.

::

    from playground import gallery
    gallery.ids()                                   # in catalogue order
    entry = gallery.get("linreg-divergent-updater")
    entry.title, entry.explanation
    entry.source_kind, entry.source_title, entry.what_the_user_saw   # its public source
    entry.buggy_code, entry.fixed_code              # the code as its source wrote it
    result = entry.run()                            # result.buggy, result.fixed, result.summary

A trajectory entry's results are :class:`~playground.training.runner.Trajectory` objects
and its ``comparison`` repeats the setup on the Compare page; a gradient
entry's are :class:`~playground.gradcheck.GradcheckReport` objects and its
``buggy_check``/``fixed_check`` hold the arguments of the check. See
:mod:`playground.gallery.entry`.

The buggy and fixed code of each entry is written the way its source wrote it
(its names, its comments, no type hints), so that a learner recognises it; the
two versions of an entry are deliberately whole copies that differ only where
the bug is, for reading side by side. Everything around them (data, checks,
summaries) follows the project's own style.
"""
from __future__ import annotations

from .adam import ADAM_T0
from .ce_delta import CE_DELTA
from .entry import Entry, GradientEntry, Result, TrajectoryEntry
from .l2 import L2_REGULARIZATION_SCALE
from .linreg import DIVERGENT_UPDATER, LR_TOO_LARGE
from .mse import MSE_MISSING_FACTOR
from .relu_nets import SCALED_GRADIENTS, SIGMOID_DERIVATIVE_OF_Z
from .sgd import SGD_NO_ACCUMULATION
from .symmetric import SYMMETRIC_INIT

# The catalogue order, which docs/bug-catalogue.md follows (tests/test_gallery.py checks it).
_CATALOGUE: tuple[Entry, ...] = (
    DIVERGENT_UPDATER, LR_TOO_LARGE, SGD_NO_ACCUMULATION, ADAM_T0, SIGMOID_DERIVATIVE_OF_Z, SCALED_GRADIENTS,
    MSE_MISSING_FACTOR, CE_DELTA, L2_REGULARIZATION_SCALE, SYMMETRIC_INIT,
)
_BY_ID = {e.id: e for e in _CATALOGUE}

__all__ = ["Entry", "GradientEntry", "Result", "TrajectoryEntry", "entries", "get", "ids"]


def ids() -> list[str]:
    """Entry ids, in the order of the catalogue."""
    return list(_BY_ID)


def entries() -> list[Entry]:
    """Every entry, in the order of the catalogue."""
    return list(_CATALOGUE)


def get(entry_id: str) -> Entry:
    """The entry ``entry_id``; an unknown id lists the known ones."""
    try:
        return _BY_ID[entry_id]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown gallery entry {entry_id!r}. Known: {', '.join(_BY_ID)}") from None
