"""What a gradient check returns: numbers per block, a verdict and a diagnosis in words."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from optimizers.tree import Tree

VERDICTS = ("correct", "suspicious", "wrong")


def rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / (||a|| + ||n||)``, the deeplearning.ai measure; 0 when both are 0.

    It lies in [0, 1] for real vectors: 1 means no agreement at all (one side zero,
    or opposite signs), and it does not depend on the scale of the loss.
    """
    a, n = np.ravel(analytic), np.ravel(numeric)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


def verdict(err: float, correct_tol: float, suspicious_tol: float) -> str:
    """"correct" if ``err <= correct_tol``, "suspicious" if ``err <= suspicious_tol``, else "wrong"."""
    if err <= correct_tol:
        return "correct"
    return "suspicious" if err <= suspicious_tol else "wrong"


def worst_verdict(verdicts: list[str]) -> str:
    return max(verdicts, key=VERDICTS.index)


def place(name: str, index: tuple[int, ...], unit: str = "entry") -> str:
    """``W1[2, 3]`` for an entry, ``W1 direction 2`` for a random direction."""
    if unit == "direction":
        return f"{name} direction {index[0]}"
    return f"{name}[{', '.join(map(str, index))}]"


@dataclass(frozen=True)
class Entry:
    """One compared value: an entry of a block (full check) or a direction (random check)."""

    index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


@dataclass(frozen=True)
class BlockReport:
    """The check of one parameter block.

    ``kind`` names the diagnosis for programs ("ok", "scaled", "sign", "transposed",
    "missing", "constant", "kink", "round-off", "mismatch"); ``diagnosis`` says it
    in words for people; ``factor`` is analytic / numeric when that ratio is constant.
    ``worst`` holds the entries with the largest ``|analytic - numeric|``, largest
    first. ``unit`` is "entry", or "direction" for the random check, whose values
    are projections on random directions and whose indices are ``(k,)``, the k-th.
    """

    name: str
    shape: tuple[int, ...]
    rel_error: float
    verdict: str
    kind: str
    diagnosis: str
    worst: tuple[Entry, ...]
    factor: Optional[float] = None
    unit: str = "entry"

    def where(self, entry: Entry) -> str:
        return place(self.name, entry.index, self.unit)


@dataclass(frozen=True, repr=False)
class GradcheckReport:
    """Result of :func:`playground.gradcheck.gradcheck`.

    ``rel_error`` is taken over every compared value of every block. ``verdict`` is
    the worst of the overall verdict and the block verdicts, so a small block that is
    wrong is never hidden by large blocks that are right. ``numeric`` is the numeric
    gradient (same structure as the params) for the full methods, None for "random".
    ``n_evals`` counts the parameter sets f was evaluated at, checks of f included.
    """

    method: str
    eps: float
    rel_error: float
    verdict: str
    blocks: Mapping[str, BlockReport]
    analytic: Tree
    numeric: Optional[Tree]
    n_evals: int
    notes: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        """One plain dict per block, for tables (``st.table``, ``pandas.DataFrame``)."""
        rows = []
        for b in self.blocks.values():
            w = b.worst[0] if b.worst else None
            rows.append({
                "block": b.name,
                "shape": str(b.shape),
                "rel_error": b.rel_error,
                "verdict": b.verdict,
                "kind": b.kind,
                "diagnosis": b.diagnosis,
                "worst": b.where(w) if w else "",
                "worst_analytic": w.analytic if w else float("nan"),
                "worst_numeric": w.numeric if w else float("nan"),
            })
        return rows

    @property
    def numerical_only(self) -> bool:
        """Whether some block disagrees and every disagreement is explained by kinks or round-off, not by a bug."""
        bad = [b.kind for b in self.blocks.values() if b.verdict != "correct"]
        return bool(bad) and set(bad) <= {"kink", "round-off"}

    def summary(self) -> str:
        """A few lines of text: the verdict, one line per block, details for the bad ones."""
        how = {
            "central": "central differences", "forward": "forward differences",
            "complex": "complex step", "random": "central differences along random directions",
        }[self.method]
        lines = [
            f"gradcheck: {self.verdict} (rel error {self.rel_error:.1e}; {how}, eps={self.eps:g}, "
            f"{self.n_evals} evaluations of f)"
        ]
        if self.numerical_only:
            lines.append("  every disagreement is explained by kinks of the loss or round-off, "
                         "not by a bug in the gradient (see below)")
        width = max(len(name) for name in self.blocks)
        shapes = {name: str(b.shape) for name, b in self.blocks.items()}
        swidth = max(len(s) for s in shapes.values())
        for name, b in self.blocks.items():
            lines.append(f"  {name:<{width}}  {shapes[name]:<{swidth}}  rel error {b.rel_error:.1e}  {b.verdict}")
            if b.verdict != "correct":
                lines.append(f"      {b.diagnosis}")
            if b.verdict != "correct" and b.worst:
                lines.append("      worst: " + "; ".join(
                    f"{b.where(e)} analytic {e.analytic:.6g}, numeric {e.numeric:.6g}" for e in b.worst
                ))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()
