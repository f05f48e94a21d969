"""Saying what kind of mistake a block's gradient has, from its analytic and numeric values.

The values are entries of the block (full check) or projections on random
directions (random check); the patterns are the same either way. In the order
they are tried: agreement; disagreement at the level of round-off; a zero
analytic gradient ("missing"); a zero numeric one (f ignores the block); a
constant ratio ("scaled", or "sign" for -1); a transpose; kinks of the loss;
and otherwise no pattern ("mismatch").
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, NamedTuple, Optional

import numpy as np

from .report import rel_error

#: A kink diagnosis probes each mismatching value; past this many it is not a
#: handful of inputs sitting on a ReLU corner, so none are probed.
MAX_KINK_PROBES = 16

#: A ratio is written as a fraction p/q with q up to this, when it is one.
MAX_DENOMINATOR = 12

#: Relative tolerance for recognising a ratio as a fraction or a factor of m.
FACTOR_RTOL = 1e-3


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    text: str
    factor: Optional[float] = None


class Factor(NamedTuple):
    """A ratio as a learner would recognise it."""

    number: str   # "2", "1/2", "-3", "1.37"
    hint: str     # "= m, a missing 1/m?" when the number is built from n_samples, else ""
    nice: bool    # a small fraction or a factor of m, not just digits


def describe_factor(r: float, n_samples: Optional[int] = None) -> Factor:
    """``r`` as a fraction p/q (q <= 12), as a factor of ``n_samples`` with a hint, or in 3 digits."""
    sign, x = ("-" if r < 0 else ""), abs(r)
    if n_samples is not None and n_samples >= 2:
        m = n_samples
        for value, expr, hint in (
            (Fraction(m), "m", "a missing 1/m?"), (Fraction(1, m), "1/m", "an extra 1/m?"),
            (Fraction(m, 2), "m/2", "a missing 2/m?"), (Fraction(2, m), "2/m", "an extra 2/m?"),
            (Fraction(2 * m), "2m", "a missing 1/(2m)?"), (Fraction(1, 2 * m), "1/(2m)", "an extra 1/(2m)?"),
        ):
            if abs(x - float(value)) <= FACTOR_RTOL * x:
                return Factor(f"{sign}{value}", f"= {expr}, {hint}", True)
    q = Fraction(x).limit_denominator(MAX_DENOMINATOR)
    if q > 0 and abs(x - float(q)) <= FACTOR_RTOL * x:
        return Factor(f"{sign}{q}", "", True)
    return Factor(f"{r:.3g}", "", False)


def mismatches(a: np.ndarray, n: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the fewest values whose removal would leave ``rel_error <= tol``, worst first."""
    err = np.abs(a - n)
    order = np.argsort(-err, kind="stable")
    budget = tol * (np.linalg.norm(a) + np.linalg.norm(n))
    # rest[k] is the error norm left after dropping the k worst values.
    rest = np.sqrt(np.maximum(np.cumsum((err[order] ** 2)[::-1])[::-1], 0.0))
    rest = np.append(rest, 0.0)
    return order[:int(np.argmax(rest <= budget))]


def diagnose(
    a: np.ndarray,
    n: np.ndarray,
    *,
    verdict: str,
    where: Callable[[int], str],
    unit: str = "entry",
    size: Optional[int] = None,
    transposed: Optional[np.ndarray] = None,
    noise: float = 0.0,
    correct_tol: float = 1e-7,
    fit_tol: float = 1e-5,
    n_samples: Optional[int] = None,
    kinks: Optional[Callable[[np.ndarray], bool]] = None,
) -> Diagnosis:
    """Name the pattern in analytic ``a`` against numeric ``n`` (1-D, same length).

    ``where(k)`` names value k for the text; ``size`` is the number of entries of
    the block (a block of one entry shows any ratio, so only a recognisable one
    counts); ``transposed`` holds the analytic values of the transposed gradient
    (square 2-D blocks), ``noise`` the round-off expected in one numeric value,
    ``fit_tol`` how closely a pattern must fit. ``kinks(idx)`` says whether the
    loss has a kink, matched by the analytic value on one side, at every value in
    ``idx`` (it evaluates f, so it is asked last).
    """
    na, nn = np.linalg.norm(a), np.linalg.norm(n)
    if verdict == "correct":
        return Diagnosis("ok", "analytic and numeric agree.")
    if np.linalg.norm(a - n) <= noise * np.sqrt(len(a)):
        return Diagnosis("round-off", (
            f"the differences (about {noise:.1g} per {unit}) are at the level of round-off in f, "
            f"divided by the step eps, and this block's gradient is small (norm {na:.1g}). Not evidence "
            f"of a bug: try method='complex', or another eps (gradcheck.eps_sweep)."))
    k_worst = int(np.argmax(np.abs(n)))
    if na <= correct_tol * nn:
        return Diagnosis("missing", (
            f"the analytic gradient is zero but the numeric one is not (e.g. {n[k_worst]:.3g} at "
            f"{where(k_worst)}): this block's gradient is missing. Does backprop compute it, and return "
            f"it under this block's name?"), 0.0)
    if nn <= correct_tol * na:
        return Diagnosis("constant", (
            "the numeric gradient is zero: the loss does not change when this block moves, yet the "
            "analytic gradient is not zero. Does f read this block from its params argument (and not "
            "from a global or a copy made earlier)?"))
    r = float(a @ n / (n @ n))
    if abs(r - 1) > FACTOR_RTOL and rel_error(a, r * n) <= fit_tol:
        fac = describe_factor(r, n_samples)
        text = f"{fac.number} × numeric" + (f" ({fac.number} {fac.hint})" if fac.hint else "")
        evidence = min(int(np.sum(np.abs(n) > 1e-3 * np.abs(n).max())), size or len(a))
        if fac.nice or evidence >= 2:
            every = f"in every {unit}" if evidence >= 2 else f"(one {unit} only)"
            if abs(r + 1) <= FACTOR_RTOL:
                return Diagnosis("sign", (
                    f"analytic = -1 × numeric {every}: the sign is flipped. Compare (prediction - target) "
                    f"with (target - prediction), and look for a minus sign applied twice or not at all."), r)
            if r < 0:
                return Diagnosis("sign", (
                    f"analytic = {text} {every}: the sign is flipped and the size is off by a "
                    f"constant factor."), r)
            return Diagnosis("scaled", (
                f"analytic = {text} {every}: the gradient is off by a constant factor. Look for "
                f"a factor the loss has and the backward pass lacks, or the other way round (1/m from "
                f"a mean, 2 from a square, 1/2 from x²/2)."), r)
    if transposed is not None and rel_error(transposed, n) <= fit_tol:
        return Diagnosis("transposed", (
            "analytic = numeric transposed (analytic[i, j] = numeric[j, i]): the gradient is "
            "transposed. For z = W a, dW = dz aᵀ has the shape of W; aᵀ dz would be its transpose."))
    bad = mismatches(a, n, correct_tol)
    if kinks is not None and 0 < len(bad) <= MAX_KINK_PROBES and kinks(bad):
        return Diagnosis("kink", (
            f"{_off(len(bad), unit)}, and {'it sits' if len(bad) == 1 else 'each sits'} at a kink of the "
            f"loss (e.g. a ReLU "
            f"input within eps of 0): the one-sided slopes there differ by a jump that does not "
            f"shrink with the step, and the analytic value matches one side. Not a bug in the "
            f"gradient: use a smaller eps, or move the point (other parameters or data)."))
    opposite = _opposite_signs(a, n)
    if opposite is not None:
        lo, hi = opposite
        return Diagnosis("sign", (
            f"the sign is flipped in every {unit}, and the size is off by a factor that varies "
            f"(analytic / numeric from {lo:.3g} to {hi:.3g}): a minus sign too many or too few, together "
            f"with a term that depends on the {unit}, e.g. an extra derivative such as σ'(z) multiplied "
            f"in where the loss's own derivative already accounts for it."), float(np.median([lo, hi])))
    worst = int(bad[0]) if len(bad) else int(np.argmax(np.abs(a - n)))
    at = f"worst at {where(worst)} (analytic {a[worst]:.6g}, numeric {n[worst]:.6g})"
    if verdict == "suspicious":
        return Diagnosis("mismatch", (
            f"a small disagreement with no simple pattern, {at}. It may be the truncation or "
            f"round-off error of the numeric derivative rather than a bug: compare several eps "
            f"(gradcheck.eps_sweep) or use method='complex'."))
    return Diagnosis("mismatch", (
        f"analytic and numeric disagree with no simple pattern (not a constant factor, a sign, a "
        f"transpose or a kink): {_off(len(bad), unit, len(a))}, {at}. Check this "
        f"block's backward pass term by term."))


def _opposite_signs(a: np.ndarray, n: np.ndarray) -> Optional[tuple[float, float]]:
    """The range of a/n when every clearly non-zero value has the opposite sign, else None."""
    scale = 1e-3 * max(np.abs(a).max(), np.abs(n).max())
    clear = (np.abs(a) > scale) & (np.abs(n) > scale)
    if clear.sum() < 2 or np.any(a[clear] * n[clear] > 0) or np.any((np.abs(a) > scale) != clear):
        return None
    ratios = a[clear] / n[clear]
    return float(ratios.min()), float(ratios.max())


def _off(k: int, unit: str, total: Optional[int] = None) -> str:
    """"3 entries are off", "1 of 32 directions is off"."""
    plural = {"entry": "entries", "direction": "directions"}[unit]
    of = f" of {total}" if total is not None else ""
    return f"{k}{of} {unit if k == 1 and not of else plural} {'is' if k == 1 else 'are'} off"
