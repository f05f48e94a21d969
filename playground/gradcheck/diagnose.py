"""Saying what kind of mistake a block's gradient has, from its analytic and numeric values.

The values are entries of the block (full check) or projections on random
directions (random check); most patterns are the same either way. Each is a
hypothesis tested against the numbers, tried in this order: agreement;
disagreement at the level of round-off; truncation error (a more accurate
numeric derivative agrees); a zero analytic gradient ("missing"); a zero
numeric one (f ignores the block); a constant ratio ("scaled", or "sign" for
-1); a transpose; an error proportional to the parameters ("proportional");
kinks of the loss; an error confined to some rows, columns or entries
("slice"); and otherwise no pattern ("mismatch"). Only blocks that do not agree
get past the first test, so a correct gradient pays for none of the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, NamedTuple, Optional

import numpy as np

from .report import format_eps, rel_error

#: A kink diagnosis probes each mismatching value; past this many it is not a
#: handful of inputs sitting on a ReLU corner, so none are probed.
MAX_KINK_PROBES = 16

#: A ratio is written as a fraction p/q with q up to this, when it is one.
MAX_DENOMINATOR = 12

#: Relative tolerance for recognising a ratio as a fraction or a factor of m.
FACTOR_RTOL = 1e-3

#: A pattern fits when it leaves at most this fraction of the difference
#: analytic - numeric unexplained (by norm). The numeric error of a default
#: step is orders of magnitude below it; a chance fit of a wrong pattern is not.
FIT_RESIDUAL = 1e-3

#: A slice is named entry by entry up to this many entries.
MAX_NAMED = 6


@dataclass(frozen=True)
class Diagnosis:
    """A block's pattern: ``kind`` for programs, ``text`` for people, ``factor`` when a ratio or c fits."""

    kind: str
    text: str
    factor: Optional[float] = None


@dataclass(frozen=True)
class Reference:
    """The block measured again by a more accurate numeric derivative, to test the truncation hypothesis."""

    how: str              # "central differences at eps=1e-06"
    numeric: np.ndarray
    noise: float          # round-off expected in one of its values
    too_large: bool       # whether the check's eps is above its method's default
    advice: str           # "Use a smaller eps, e.g. eps=1e-06"


def agrees(a: np.ndarray, n: np.ndarray, noise: float, correct_tol: float, suspicious_tol: float) -> bool:
    """Whether analytic ``a`` and numeric ``n`` agree as far as the numeric derivative can tell.

    They agree when ``rel_error <= correct_tol``, or when ``||a - n||`` is within the
    round-off expected of n (``noise`` per value) and that round-off is itself fine
    enough, below ``suspicious_tol`` relative to the gradient, to catch a bug.
    """
    diff, scale = float(np.linalg.norm(a - n)), float(np.linalg.norm(a) + np.linalg.norm(n))
    return diff <= correct_tol * scale or diff <= noise * np.sqrt(len(a)) <= suspicious_tol * scale


def unexplained(residual: float, diff: float) -> str:
    """How sure a pattern is, in words: how much of the difference ``diff`` its ``residual`` leaves.

    In coarse steps, so that blocks with the same pattern share one sentence.
    """
    rho = residual / diff if diff > 0 else 0.0
    if rho <= 1e-6:
        return "(this explains the whole difference: less than 1e-6 of it is left)"
    if rho <= 1e-3:
        return "(this explains all but less than 0.1% of the difference)"
    return f"(this explains {100 * (1 - rho):.0f}% of the difference)"


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
    shape: Optional[tuple[int, ...]] = None,
    transposed: Optional[np.ndarray] = None,
    theta: Optional[np.ndarray] = None,
    noise: float = 0.0,
    eps: Optional[float] = None,
    correct_tol: float = 1e-7,
    fit_tol: float = 1e-5,
    n_samples: Optional[int] = None,
    reference: Optional[Callable[[], Optional[Reference]]] = None,
    kinks: Optional[Callable[[np.ndarray], bool]] = None,
) -> Diagnosis:
    """Name the pattern in analytic ``a`` against numeric ``n`` (1-D, same length).

    ``where(k)`` names value k for the text; ``size`` is the number of entries of
    the block (a block of one entry shows any ratio, so only a recognisable one
    counts) and ``shape`` its shape (rows and columns are named only for values
    that are entries); ``transposed`` holds the analytic values of the transposed
    gradient (square 2-D blocks), ``theta`` the parameter values measured the way
    a and n are; ``noise`` is the round-off expected in one numeric value at step
    ``eps``, ``fit_tol`` how closely a constant ratio must fit. ``reference()``
    measures the block again by a more accurate numeric derivative, or returns
    None when there is none; ``kinks(idx)`` says whether the loss has a kink,
    matched by the analytic value on one side, at every value in ``idx``. Both
    evaluate f, so each is asked only when the cheaper tests before it fail.
    """
    na, nn = np.linalg.norm(a), np.linalg.norm(n)
    diff = float(np.linalg.norm(a - n))
    if verdict == "correct":
        return Diagnosis("ok", "analytic and numeric agree.")
    step = "eps" if eps is None else f"eps={format_eps(eps)}"
    if diff <= noise * np.sqrt(len(a)):
        return Diagnosis("round-off", (
            f"round-off, not evidence of a bug: the differences (about {noise:.1g} per {unit}) are at the "
            f"level of the round-off in f divided by the step {step}, too coarse to judge a gradient this "
            f"small. Use a larger eps, or method='complex' (no round-off); eps_sweep shows the "
            f"best step."))
    ref = reference() if reference is not None else None
    if ref is not None and agrees(a, ref.numeric, ref.noise, correct_tol, fit_tol):
        left = unexplained(float(np.linalg.norm(a - ref.numeric)), diff)
        why = f"{step} is too large for a difference quotient here" if ref.too_large else \
            "the error of forward differences shrinks only in proportion to eps"
        return Diagnosis("truncation", (
            f"truncation error, not a bug: {why}, and {ref.how} agree with the analytic gradient {left}. "
            f"{ref.advice}."))
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
        sure = unexplained(float(np.linalg.norm(a - r * n)), diff)
        if fac.nice or evidence >= 2:
            every = f"in every {unit}" if evidence >= 2 else f"(one {unit} only)"
            if abs(r + 1) <= FACTOR_RTOL:
                return Diagnosis("sign", (
                    f"analytic = -1 × numeric {every}: the sign is flipped. Compare (prediction - target) "
                    f"with (target - prediction), and look for a minus sign applied twice or not at all "
                    f"{sure}."), r)
            if r < 0:
                return Diagnosis("sign", (
                    f"analytic = {text} {every}: the sign is flipped and the size is off by a "
                    f"constant factor {sure}."), r)
            return Diagnosis("scaled", (
                f"analytic = {text} {every}: the gradient is off by a constant factor. Look for "
                f"a factor the loss has and the backward pass lacks, or the other way round (1/m from "
                f"a mean, 2 from a square, 1/2 from x²/2) {sure}."), r)
    if transposed is not None and rel_error(transposed, n) <= fit_tol:
        return Diagnosis("transposed", (
            "analytic = numeric transposed (analytic[i, j] = numeric[j, i]): the gradient is "
            "transposed. For z = W a, dW = dz aᵀ has the shape of W; aᵀ dz would be its transpose "
            f"{unexplained(float(np.linalg.norm(transposed - n)), diff)}."))
    if theta is not None:
        fit = _proportional(a - n, theta, shape if unit == "entry" else None, unit)
        if fit is not None:
            return fit
    bad = mismatches(a, n, correct_tol)
    if kinks is not None and 0 < len(bad) <= MAX_KINK_PROBES and kinks(bad):
        return Diagnosis("kink", (
            f"{_off(len(bad), unit)}, and {'it sits' if len(bad) == 1 else 'each sits'} at a kink of the "
            f"loss (e.g. a ReLU "
            f"input within eps of 0): the one-sided slopes there differ by a jump that does not "
            f"shrink with the step, and the analytic value matches one side. Not a bug in the "
            f"gradient: use a smaller eps, or move the point (other parameters or data)."))
    if unit == "entry" and shape is not None:
        confined = _slice(a, n, bad, shape, where)
        if confined is not None:
            return confined
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
            f"(playground.gradcheck.eps_sweep) or use method='complex'."))
    return Diagnosis("mismatch", (
        f"analytic and numeric disagree with no simple pattern (not a constant factor, a sign, a "
        f"transpose, a multiple of the parameters, a slice or a kink): {_off(len(bad), unit, len(a))}, "
        f"{at}. Check this block's backward pass term by term."))


def _proportional(e: np.ndarray, theta: np.ndarray, shape: Optional[tuple[int, ...]],
                  unit: str = "entry") -> Optional[Diagnosis]:
    """The diagnosis "analytic - numeric = c θ", for the whole block or column by column, if it fits.

    ``e`` is analytic - numeric and ``theta`` the parameters, measured alike. Each
    column (2-D ``shape`` only) may have its own c; columns with c = 0 are right.
    A fit needs at least two values with clearly non-zero θ per multiple claimed.
    """
    diff = float(np.linalg.norm(e))
    big = np.abs(theta) > 1e-3 * np.abs(theta).max() if theta.size and np.any(theta) else np.zeros(len(e), bool)

    def fit(idx: np.ndarray) -> tuple[float, float]:
        t = theta[idx]
        c = float(e[idx] @ t / (t @ t)) if np.any(t) else 0.0
        return c, float(np.linalg.norm(e[idx] - c * t))

    c, res = fit(np.arange(len(e)))
    if res <= FIT_RESIDUAL * diff and big.sum() >= 2:
        return Diagnosis("proportional", (
            f"analytic - numeric ≈ {c:.3g} × θ in every {unit}: the error is proportional to the parameters "
            f"themselves. {_REGULARISATION} {unexplained(res, diff)}."), c)
    if shape is None or len(shape) != 2 or shape[1] < 2:
        return None
    cols = np.arange(len(e)).reshape(shape).T
    fits = [fit(col) for col in cols]
    res = float(np.sqrt(sum(r ** 2 for _, r in fits)))
    scale = max(abs(c) for c, _ in fits)
    if res > FIT_RESIDUAL * diff:
        return None
    # Columns whose c agree to FACTOR_RTOL share one multiple; c = 0 means the column is right.
    groups: dict[float, list[int]] = {}
    for j, (c, _) in enumerate(fits):
        if abs(c) <= FACTOR_RTOL * scale:
            continue
        key = next((k for k in groups if abs(c - k) <= FACTOR_RTOL * scale), c)
        groups.setdefault(key, []).append(j)
    if not all(big[cols[g].ravel()].sum() >= 2 for g in groups.values()):
        return None
    parts = [f"{np.mean([fits[j][0] for j in g]):.3g} × θ in {_columns(g)}" for g in groups.values()]
    right = [j for j in range(shape[1]) if not any(j in g for g in groups.values())]
    rest = f", and the other {_columns(right)} agree" if right else ""
    c_main = float(np.mean([fits[j][0] for j in max(groups.values(), key=len)]))
    return Diagnosis("proportional", (
        f"analytic - numeric ≈ {' and '.join(parts)}{rest}: the error is proportional to the parameters "
        f"themselves, column by column. {_REGULARISATION} {unexplained(res, diff)}."), c_main)


_REGULARISATION = (
    "A regularisation or weight-decay term has the wrong scale: compare the penalty's derivative "
    "(λ/(2m)·Σθ² gives (λ/m)·θ) with the gradient's term, and check which columns (e.g. a bias column) "
    "each of them includes; c is the gradient's multiple of θ minus the loss's")


def _columns(js: list[int]) -> str:
    return ("column " if len(js) == 1 else "columns ") + _span(js)


def _span(js: list[int]) -> str:
    """``0``, ``1-3``, ``0, 2, 5``: indices, consecutive runs written as ranges."""
    runs: list[list[int]] = []
    for j in sorted(js):
        if runs and j == runs[-1][-1] + 1:
            runs[-1].append(j)
        else:
            runs.append([j])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _slice(a: np.ndarray, n: np.ndarray, bad: np.ndarray, shape: tuple[int, ...],
           where: Callable[[int], str]) -> Optional[Diagnosis]:
    """The diagnosis "only these rows / columns / entries are off", when the rest of the block is right.

    ``bad`` are the fewest entries whose removal leaves the block agreeing. They
    count as a slice when they are at most half the block and the rest carries
    a gradient that is not zero (else "the rest agrees" says nothing).
    """
    size = len(a)
    rest = np.ones(size, bool)
    rest[bad] = False
    if not 0 < len(bad) <= size // 2 or not np.any(np.abs(n[rest]) > 1e-3 * np.abs(n).max()):
        return None
    sure = unexplained(float(np.linalg.norm((a - n)[rest])), float(np.linalg.norm(a - n)))
    if len(shape) == 2 and min(shape) >= 2:
        i, j = np.unravel_index(bad, shape)
        rows, cols = sorted(set(i.tolist())), sorted(set(j.tolist()))
        if len(bad) == len(rows) * shape[1]:
            it = "it" if len(rows) == 1 else "them"
            return Diagnosis("slice", (
                f"only {'row' if len(rows) == 1 else 'rows'} {_span(rows)} {'is' if len(rows) == 1 else 'are'} "
                f"off (every entry of {it}); the rest of the block agrees. Look for a slice off by one "
                f"(a[1:] for a[:-1]), a row that is never written (a loop that misses {it}), or an index "
                f"that skips {it} {sure}."))
        if len(bad) == len(cols) * shape[0]:
            it = "it" if len(cols) == 1 else "them"
            return Diagnosis("slice", (
                f"only {_columns(cols)} {'is' if len(cols) == 1 else 'are'} off (every entry of {it}); the "
                f"rest of the block agrees. Look for a sum or mean along the wrong axis, a bias column "
                f"handled like the weights (or the other way round), or a slice off by one {sure}."))
    if len(bad) > MAX_NAMED:
        return None
    named = ", ".join(where(int(k)) for k in sorted(bad))
    return Diagnosis("slice", (
        f"only {named} {'is' if len(bad) == 1 else 'are'} off; the rest of the block agrees. Look for the "
        f"one place that writes {'it' if len(bad) == 1 else 'them'}: an index off by one, a value "
        f"overwritten or updated in place, a loop bound that stops short {sure}."))


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
