"""Trajectories as CSV, for spreadsheets and notebooks: the app's download and the CLI write the same text.

One row per run and recorded step: the run's number and label, the step,
the full-data loss there, then one column per parameter. Parameter columns
are named after the problem: its axis labels for a two-parameter problem
(``m``, ``b``; ``x``, ``y``), else block and index (``W1[0,2]``, ``theta[3]``).
A diverged run's last row is the step it diverged at.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Sequence

import numpy as np

from optimizers import tree

from ..training.projection import snapshot_rows


def parameter_names(problem: Any) -> list[str]:
    """One column name per scalar parameter, in the order of :func:`optimizers.tree.flatten`."""
    labels = getattr(problem, "axis_labels", None)
    if problem.dim == 2 and labels:
        return list(labels)
    names = []
    for name, block in zip(tree.names(problem.template), tree.leaves(problem.template)):
        base = name or "theta"
        names += [f"{base}[{','.join(map(str, i))}]" for i in np.ndindex(np.shape(block))]
    return names


def trajectories_csv(problem: Any, trajectories: Sequence[Any]) -> str:
    """The recorded steps, losses and parameters of every run of ``problem`` as CSV text (header first)."""
    columns = parameter_names(problem)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run", "label", "step", "loss", *columns])
    for number, t in enumerate(trajectories, start=1):
        rows = snapshot_rows(t.params)
        if rows.shape[1] != len(columns):
            raise ValueError(f"run {t.label!r} has {rows.shape[1]} parameters but {problem.name!r} has {len(columns)}")
        for step, loss, row in zip(t.steps, t.losses, rows):
            # repr round-trips a float exactly; inf and nan stay readable as "inf" and "nan".
            writer.writerow([number, t.label, int(step), repr(float(loss)), *map(repr, row.tolist())])
    return out.getvalue()
