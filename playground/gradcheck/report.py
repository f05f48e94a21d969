"""What a gradient check returns: numbers per block, a verdict and a diagnosis in words."""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from optimizers.tree import Tree

#: Blocks in forward order, grouped by layer: ``(("W1", "b1"), ("W2", "b2"))``.
Layers = tuple[tuple[str, ...], ...]

#: From best to worst. "kink": every mismatch sits at a kink of the loss, where the
#: analytic value is the slope of one side. "inconclusive": the numeric derivative
#: is too inaccurate at this eps to judge the gradient (truncation or round-off).
#: Neither is evidence of a bug; "suspicious" and "wrong" may be.
VERDICTS = ("correct", "kink", "inconclusive", "suspicious", "wrong")
#: Each method in words, as reports and forms name it.
METHOD_TITLES = {"central": "central differences", "forward": "forward differences", "complex": "complex step",
                 "random": "central differences along random directions"}


def format_eps(eps: float) -> str:
    """A step as every text of the check writes it: ``1e-06``, ``3e-08``, ``0.01``, ``1``."""
    return f"{eps:g}"


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
    """The last of ``verdicts`` in the order of :data:`VERDICTS`."""
    return max(verdicts, key=VERDICTS.index)


def place(name: str, index: tuple[int, ...], unit: str = "entry") -> str:
    """``W1[2, 3]`` for an entry, ``W1 direction 2`` for a random direction."""
    if unit == "direction":
        return f"{name} direction {index[0]}"
    return f"{name}[{', '.join(map(str, index))}]"


#: Verdicts that fail a check: always, and also with ``strict=True``. A kink passes
#: either way: the analytic value is the slope of one side, as it should be.
FAILING = frozenset({"wrong"})
FAILING_STRICT = FAILING | {"suspicious", "inconclusive"}

#: The HTML of a report: scoped by its class, so that it styles nothing else on the page.
HTML_STYLE = (".gradcheck-report td, .gradcheck-report th {text-align: left; vertical-align: top; padding: 2px 8px}"
              " .gradcheck-report .wrong {color: #b00020} .gradcheck-report .suspicious {color: #a15c00}")


@dataclass(frozen=True)
class Entrance:
    """The error enters the backward pass between the layer of blocks ``below`` and that of ``above``."""

    below: tuple[str, ...]
    above: tuple[str, ...]
    text: str


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

    ``verdict`` is one of :data:`VERDICTS`. ``kind`` names the diagnosis for programs
    ("ok", "round-off", "truncation", "missing", "constant", "scaled", "sign",
    "transposed", "proportional", "kink", "slice", "mismatch"); ``diagnosis`` says it
    in words for people; ``factor`` is analytic / numeric when that ratio is constant,
    or c when analytic - numeric = c θ ("proportional": c of the most columns).
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
    ``layers`` is the forward order of the blocks used (empty when unknown), and
    ``enters`` says where in the backward pass the error enters, when the blocks
    show it (see :mod:`playground.gradcheck.layers`).
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
    layers: Layers = ()
    enters: Optional[Entrance] = None

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
        """Whether some block disagrees and every disagreement is explained by kinks or numeric error, not by a bug."""
        return self.verdict in ("kink", "inconclusive")

    def passes(self, strict: bool = False) -> bool:
        """Whether no block is "wrong"; with ``strict``, none "suspicious" or "inconclusive" either.

        "kink" passes: there the analytic value is one of the one-sided slopes.
        """
        failing = FAILING_STRICT if strict else FAILING
        return not any(b.verdict in failing for b in self.blocks.values())

    def diagnoses(self) -> list[tuple[tuple[str, ...], str]]:
        """The diagnoses of the blocks that are not correct, each once: (the blocks that share it, the text)."""
        shared: dict[str, list[str]] = {}
        for b in self.blocks.values():
            if b.verdict != "correct":
                shared.setdefault(b.diagnosis, []).append(b.name)
        return [(tuple(names), text) for text, names in shared.items()]

    def headline(self) -> str:
        """The first line: the verdict, the rel error, the method, eps and the cost."""
        how = METHOD_TITLES[self.method]
        return (f"gradcheck: {self.verdict} (rel error {self.rel_error:.1e}; {how}, eps={format_eps(self.eps)}, "
                f"{self.n_evals} evaluations of f)")

    def summary(self) -> str:
        """A few lines of text: the verdict, one line per block, each diagnosis once, where the error enters."""
        lines = [self.headline()]
        if self.numerical_only:
            lines.append("  every disagreement is explained by kinks of the loss or by the numeric derivative's "
                         "own error (truncation or round-off), not by a bug in the gradient (see below)")
        width = max(len(name) for name in self.blocks)
        shapes = {name: str(b.shape) for name, b in self.blocks.items()}
        swidth = max(len(s) for s in shapes.values())
        for name, b in self.blocks.items():
            lines.append(f"  {name:<{width}}  {shapes[name]:<{swidth}}  rel error {b.rel_error:.1e}  {b.verdict}")
        for names, text in self.diagnoses():
            lines.append(f"  {', '.join(names)}: {text}")
            lines += ["      worst: " + "; ".join(
                f"{b.where(e)} analytic {e.analytic:.6g}, numeric {e.numeric:.6g}" for e in b.worst
            ) for b in (self.blocks[n] for n in names) if b.worst]
        if self.enters is not None:
            lines.append(f"  where: {self.enters.text}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The report as self-contained HTML, for notebooks: the headline, a table of blocks, the diagnoses."""
        esc = html.escape
        rows = []
        done: set[str] = set()
        shared = {name: names for names, _ in self.diagnoses() for name in names}
        for name, b in self.blocks.items():
            cells = [esc(name), esc(str(b.shape)), f"{b.rel_error:.1e}", f'<span class="{esc(b.verdict)}">'
                     f"{esc(b.verdict)}</span>"]
            if b.verdict == "correct":
                cells.append("")
            elif name not in done:
                # A diagnosis shared by several blocks is written once, naming them.
                names = shared[name]
                done.update(names)
                cells.append((f"<b>{esc(', '.join(names))}:</b> " if len(names) > 1 else "") + esc(b.diagnosis))
            else:
                cells.append(f"see {esc(shared[name][0])}")
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        extra = ([f"<p>where: {esc(self.enters.text)}</p>"] if self.enters is not None else []) + \
            [f"<p>note: {esc(n)}</p>" for n in self.notes]
        return (f'<div class="gradcheck-report"><style>{HTML_STYLE}</style><p><b>{esc(self.headline())}</b></p>'
                "<table><thead><tr><th>block</th><th>shape</th><th>rel error</th><th>verdict</th>"
                f"<th>diagnosis</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{''.join(extra)}</div>")
