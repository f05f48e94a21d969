"""The anatomy of one step: the named parts of the update an optimizer computed.

::

    a = opt.anatomy(params, grad, state)
    a.start            # params: where the step starts
    a.taken            # new params - params: the step actually taken
    a.gradient_step    # -lr * g: the plain gradient step, for comparison
    a.terms            # named parts that add up to ``taken``, e.g. {"gradient": ..., "velocity": ...}
    a.scales           # per-coordinate factors, e.g. {"effective lr": lr / (sqrt(v_hat) + eps)} or {"sign": ...}
    a.values           # the quantities of the update equation at this step (g_t, b_t, m_t, v_t, ...)

Every optimizer reports its anatomy through :meth:`Optimizer.anatomy`; one
that does not describe its parts (a plugin, say) reports the whole step as one
term, ``"step"``. Weight decay, where a rule has it, is a term of its own. A
rule that steps some blocks differently (Muon: matrices orthogonalised, other
blocks by AdamW) names different parts per block; a part is zero in the blocks
that do not name it. Schedule-Free methods describe the step of y, the point
where the gradient is taken (what ``step`` returns), not the average x. The parts are computed by the optimizer from the same step,
so a player or a table only shows them, never recomputes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .tree import Tree


@dataclass(frozen=True)
class Anatomy:
    """One step, in parts. ``terms`` add up to ``taken`` up to round-off; see the module docstring."""

    t: int
    start: Tree
    taken: Tree
    gradient_step: Tree | None
    terms: Mapping[str, Tree]
    scales: Mapping[str, Tree] = field(default_factory=dict)
    values: Mapping[str, Tree] = field(default_factory=dict)
