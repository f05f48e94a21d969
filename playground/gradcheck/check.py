"""The gradient check itself: numeric derivatives by four methods, compared block by block."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from optimizers.tree import Tree, as_float_tree, check_same_structure, flatten, is_dict, leaves, tree_map, unflatten

from .diagnose import Reference, agrees, diagnose
from .evaluate import ROUNDING, Evaluator, GradcheckError, Layout, Points
from .layers import entrance, layer_order
from .report import BlockReport, Entry, GradcheckReport, format_eps, place, rel_error, verdict, worst_verdict

METHODS = ("central", "forward", "complex", "random")

#: Each near the step that balances truncation against round-off for a loss and
#: parameters of order 1: central error ~ eps² + u/eps, forward ~ eps + u/eps;
#: the complex step subtracts nothing, so its eps can be tiny.
DEFAULT_EPS = {"central": 1e-6, "forward": 3e-8, "complex": 1e-20, "random": 1e-6}

#: The steps of :func:`eps_sweep`: 1e-1 down to 1e-14, as the decimal literals
#: (10.0 ** -5 is not 1e-5, and these end up in tables and plot labels).
SWEEP_EPS = np.array([float(f"1e-{k}") for k in range(1, 15)])

#: Kink probes take one-sided slopes at these multiples of eps: a kink close
#: enough to spoil a difference with step eps lies inside every one of them.
KINK_STEPS = np.array([2.0, 8.0, 32.0])

#: Round-off in one value of f, in units of |f| times the rounding unit: a loss
#: sums many terms, so a few roundings rather than one.
LOSS_ROUNDINGS = 4

#: How many rounding errors of f one numeric value carries, per method: a central
#: difference subtracts two values of f over 2 eps, a forward one two over eps;
#: the complex step subtracts nothing.
NOISE_TERMS = {"central": 1, "random": 1, "forward": 2, "complex": 0}

#: The verdict a diagnosis implies, where it is not the thresholds': numeric
#: error and kinks are not evidence of a bug.
KIND_VERDICTS = {"kink": "kink", "round-off": "inconclusive", "truncation": "inconclusive"}

#: The step of the reference slopes when testing that f is complex-safe: small,
#: so that it rarely straddles a kink, yet far above round-off.
COMPLEX_TEST_STEP = 1e-7


def gradcheck(
    f: Callable[[Tree], Any],
    grad: Callable[[Tree], Tree],
    params: Any,
    method: str = "central",
    eps: Optional[float] = None,
    *,
    correct_tol: float = 1e-7,
    suspicious_tol: float = 1e-5,
    n_samples: Optional[int] = None,
    batched: bool = False,
    batch_size: Optional[int] = None,
    n_directions: int = 4,
    seed: int = 0,
    n_worst: int = 3,
    layers: Optional[Sequence[Any]] = None,
) -> GradcheckReport:
    """Compare ``grad(params)`` with numeric derivatives of ``f``; say where and how they differ.

    ``f(params)`` returns the loss, a real scalar; ``grad(params)`` returns the same
    structure as ``params`` (an array, or a dict of name -> array, one block each).

    Methods (``eps`` defaults in :data:`DEFAULT_EPS`):

    - "central": (f(x + eps e_i) - f(x - eps e_i)) / 2 eps for every entry i;
    - "forward": (f(x + eps e_i) - f(x)) / eps;
    - "complex": imag(f(x + i eps e_i)) / eps, free of subtractive round-off; f must
      be complex-safe (plain numpy arithmetic, no abs, float() or .real);
    - "random": per block, ``n_directions`` random unit directions v (drawn from
      ``seed``), g·v against central differences along v: a few evaluations of f
      per block, whatever the number of entries.

    ``rel_error`` is ``||a - n|| / (||a|| + ||n||)``. A block is "correct" up to
    ``correct_tol``, or when its difference is within the round-off the method is
    expected to have at this eps and that round-off is below ``suspicious_tol``
    (relative to the gradient); otherwise "suspicious" up to ``suspicious_tol``,
    else "wrong". A block that does not agree gets a diagnosis in words (see
    :mod:`playground.gradcheck.diagnose`), which can settle its verdict: "kink"
    when every mismatch sits at a kink of the loss, "inconclusive" when the
    mismatch is the numeric derivative's own error (truncation at too large an
    eps, found by measuring again at the method's default step; round-off at too
    small a one). The report's verdict is the worst block's, in the order of
    :data:`~playground.gradcheck.report.VERDICTS`. Give ``n_samples=m`` to have
    factors such as m, 1/m or 2/m recognised.

    ``layers`` gives the forward order of the blocks, for saying where in the
    backward pass an error enters: a list whose items are a block name or a list
    of the names in one layer, first layer first, e.g. ``[["W1", "b1"], ["W2",
    "b2"]]``. Blocks left out take no part. By default the order comes from one
    number in every name (W1, b1, W2, b2; theta1, theta2), when there is one.

    ``batched=True`` declares that f accepts params whose every block has a leading
    axis of length B and returns B losses: points are then sent ``batch_size`` at a
    time instead of one by one. This is verified once against single calls.

    Raises :class:`GradcheckError` (a ValueError) naming f, grad, the block or the
    entry when an input or a returned value is unusable. Integer params are checked
    at a float64 copy, with a warning and a note in the report.
    """
    if method not in METHODS:
        raise GradcheckError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    eps = _check_eps(DEFAULT_EPS[method] if eps is None else eps)
    _check_tols(correct_tol, suspicious_tol)
    _check_count("n_directions", n_directions, 1)
    _check_count("n_worst", n_worst, 0)
    if n_samples is not None:
        _check_count("n_samples", n_samples, 1)
    params, notes = _float_params(params)
    order = layer_order(Layout(params).names, layers)
    ev = Evaluator(f, params, batched, batch_size)
    g = _analytic(grad, params, ev.layout)
    if method == "complex":
        _check_complex_safe(ev)
    numeric = None if method == "random" else _numeric(ev, method, eps, np.arange(ev.x.size))
    noise = _noise(method, eps, ev.f0)
    # Kinks are probed with real one-sided steps; a complex step is far too small for that.
    probe = DEFAULT_EPS["central"] if method == "complex" else eps
    rng = np.random.default_rng(seed)
    blocks: dict[str, BlockReport] = {}
    measured = []
    for b, name in enumerate(ev.layout.names):
        m = _by_entry(ev, g, numeric, b) if numeric is not None else \
            _by_direction(ev, g, b, eps, _unit_directions(rng, n_directions, ev.layout.sizes[b]))
        measured.append(m)
        err = rel_error(m.analytic, m.numeric)
        ver = "correct" if agrees(m.analytic, m.numeric, noise, correct_tol, suspicious_tol) else \
            verdict(err, correct_tol, suspicious_tol)
        d = diagnose(
            m.analytic, m.numeric, verdict=ver, where=lambda k, m=m, name=name: place(name, m.index(k), m.unit),
            unit=m.unit, size=ev.layout.sizes[b], shape=ev.layout.shapes[b], transposed=m.transposed,
            theta=m.theta, noise=noise, eps=eps, correct_tol=correct_tol, fit_tol=suspicious_tol,
            n_samples=n_samples, reference=lambda m=m: _reference(ev, m, method, eps),
            kinks=lambda idx, m=m: _all_kinks(ev, m, idx, probe),
        )
        worst = np.argsort(-np.abs(m.analytic - m.numeric), kind="stable")[:n_worst]
        blocks[name] = BlockReport(
            name, ev.layout.shapes[b], err, KIND_VERDICTS.get(d.kind, ver), d.kind, d.text,
            tuple(Entry(m.index(int(k)), float(m.analytic[k]), float(m.numeric[k])) for k in worst), d.factor, m.unit,
        )
    # The overall verdict is the worst block's: were every block within its
    # tolerance, the rel error over all of them would be too (Minkowski).
    err = rel_error(np.concatenate([m.analytic for m in measured]), np.concatenate([m.numeric for m in measured]))
    return GradcheckReport(
        method, eps, err, worst_verdict([b.verdict for b in blocks.values()]), blocks, unflatten(g, params),
        None if numeric is None else unflatten(numeric, params), ev.n_evals, tuple(notes),
        order, entrance(blocks, order),
    )


def _noise(method: str, eps: float, f0: float) -> float:
    """The round-off a numeric value carries: f's own, divided by the step."""
    return NOISE_TERMS[method] * LOSS_ROUNDINGS * ROUNDING * abs(f0) / eps


def _reference(ev: Evaluator, m: "_Measured", method: str, eps: float) -> Optional[Reference]:
    """The block measured again at the default step of the method, or of central differences for
    forward ones: the more accurate derivative the truncation hypothesis is tested against.
    None when the check already used it, or when eps is below it (then round-off, not truncation,
    is the numeric error to fear).
    """
    ref_method = "central" if method == "forward" else method
    ref_eps = DEFAULT_EPS[ref_method]
    if (ref_method, ref_eps) == (method, eps) or (method != "forward" and eps < ref_eps):
        return None
    how = {"central": "central differences", "random": "central differences along the same directions",
           "complex": "complex steps"}[ref_method]
    too_large = eps > DEFAULT_EPS[method]
    if method != "forward":
        advice = f"Use a smaller eps, e.g. eps={format_eps(ref_eps)}"
    elif too_large:
        advice = f"Use a smaller eps (eps={format_eps(DEFAULT_EPS['forward'])} is forward's default), or method='central'"
    else:
        advice = "Use method='central' (or 'complex')"
    return Reference(f"{how} at eps={format_eps(ref_eps)}", m.measure(ref_method, ref_eps),
                     _noise(ref_method, ref_eps, ev.f0), too_large, advice)


@dataclass(frozen=True)
class _Measured:
    """One block's compared values, and how to name and probe value k."""

    analytic: np.ndarray
    numeric: np.ndarray
    transposed: Optional[np.ndarray]  # analytic values of the transposed gradient (square blocks)
    theta: np.ndarray                  # the parameters, measured alike
    unit: str                          # "entry" or "direction"
    index: Callable[[int], tuple[int, ...]]
    points: Callable[[np.ndarray, np.ndarray], Points]  # (values k, steps) -> points x + step * d_k
    measure: Callable[[str, float], np.ndarray]         # (method, eps) -> the numeric values again


def _by_entry(ev: Evaluator, g: np.ndarray, numeric: np.ndarray, b: int) -> _Measured:
    lay = ev.layout
    start, size, shape = lay.starts[b], lay.sizes[b], lay.shapes[b]
    gb = g[start:start + size]
    return _Measured(
        gb, numeric[start:start + size], _transpose(gb, shape), ev.x[start:start + size], "entry",
        lambda k: tuple(int(j) for j in np.unravel_index(k, shape)),
        lambda k, steps: Points(start + k, steps, lay.entry),
        lambda method, eps: _numeric(ev, method, eps, np.arange(start, start + size)),
    )


def _by_direction(ev: Evaluator, g: np.ndarray, b: int, eps: float, dirs: np.ndarray) -> _Measured:
    lay = ev.layout
    start, size, shape = lay.starts[b], lay.sizes[b], lay.shapes[b]
    gb, gt = g[start:start + size], _transpose(g[start:start + size], shape)

    def points(which: np.ndarray, steps: np.ndarray) -> Points:
        return Points(which, steps, lambda k: f"random direction {k} of {lay.block(lay.names[b])}", start, dirs)

    def central(_method: str, h: float) -> np.ndarray:
        k = len(dirs)
        v = ev.losses(points(np.repeat(np.arange(k), 2), np.tile([h, -h], k)))
        return (v[0::2] - v[1::2]) / (2 * h)

    return _Measured(
        dirs @ gb, central("random", eps), None if gt is None else dirs @ gt, dirs @ ev.x[start:start + size],
        "direction", lambda j: (j,), points, central,
    )


def _transpose(gb: np.ndarray, shape: tuple[int, ...]) -> Optional[np.ndarray]:
    # Only a square block can come back transposed with the right shape; a
    # non-square one is caught by the shape check, with a hint.
    if len(shape) == 2 and shape[0] == shape[1] > 1:
        return gb.reshape(shape).T.ravel()
    return None


def _unit_directions(rng: np.random.Generator, k: int, size: int) -> np.ndarray:
    d = rng.standard_normal((k, size))
    return d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), np.finfo(float).tiny)


def _numeric(ev: Evaluator, method: str, eps: float, i: np.ndarray) -> np.ndarray:
    """The numeric derivatives along the flat entries ``i``, one value each."""
    x = ev.x[i]
    # Divide by the step actually taken, (x + eps) - x after rounding, not by
    # eps: it removes the representation error of x + eps from the quotient.
    if method == "central":
        step = (x + eps) - (x - eps)
        _check_steps(ev, step, eps, i)
        v = ev.losses(Points(np.repeat(i, 2), np.tile([eps, -eps], i.size), ev.layout.entry))
        return (v[0::2] - v[1::2]) / step
    if method == "forward":
        step = (x + eps) - x
        _check_steps(ev, step, eps, i)
        return (ev.losses(Points(i, np.full(i.size, eps), ev.layout.entry)) - ev.f0) / step
    return np.imag(ev.losses(Points(i, np.full(i.size, 1j * eps), ev.layout.entry))) / eps


def _check_steps(ev: Evaluator, step: np.ndarray, eps: float, i: np.ndarray) -> None:
    if np.all(step > 0):
        return
    k = int(i[np.argmin(step > 0)])
    raise GradcheckError(
        f"eps={format_eps(eps)} is below the spacing of floats at {ev.layout.entry(k)} = {ev.x[k]:g}: "
        f"x + eps rounds back to x there. Use a larger eps."
    )


def _all_kinks(ev: Evaluator, m: _Measured, idx: np.ndarray, eps: float) -> bool:
    """Whether the loss has a kink, matched on one side by the analytic value, at every value in idx.

    Along each direction d, compare the one-sided slopes (f(x + h d) - f(x)) / h and
    (f(x) - f(x - h d)) / h for h in eps * KINK_STEPS. On a smooth loss their
    difference is about f''·h, so it shrinks with h; across a kink it stays near
    the jump in slope. The analytic derivative of a piecewise-smooth loss is the
    slope of the piece the point is on, so it must match one side.
    """
    hs = eps * KINK_STEPS
    steps = np.tile(np.column_stack([hs, -hs]).ravel(), len(idx))
    v = ev.losses(m.points(np.repeat(idx, 2 * len(hs)), steps)).reshape(len(idx), len(hs), 2)
    ahead, behind = (v[..., 0] - ev.f0) / hs, (ev.f0 - v[..., 1]) / hs
    jump = ahead - behind
    steady = np.abs(jump[:, 0]) >= 0.3 * np.abs(jump[:, -1])  # a smooth f gives 2/32 = 1/16
    # A jump of round-off size cannot pass this unless the mismatch is itself
    # round-off, which the diagnosis has already ruled out.
    a = m.analytic[idx]
    one_side = np.minimum(np.abs(a - ahead[:, -1]), np.abs(a - behind[:, -1])) <= 0.2 * np.abs(jump[:, -1])
    return bool(np.all(steady & one_side))


def _check_complex_safe(ev: Evaluator) -> None:
    """Raise unless f carries an imaginary step through to an imaginary part of the loss.

    Along one fixed direction the complex step must agree with central differences;
    a real result, a zero imaginary part or a different slope means f is not
    complex-safe (float(), .real, abs(), comparisons or conj() on complex values).
    """
    d = _unit_directions(np.random.default_rng(0), 1, ev.x.size)
    h = DEFAULT_EPS["complex"]

    def points(steps: list[complex]) -> Points:
        return Points(np.zeros(len(steps), dtype=int), np.array(steps), lambda k: "a test direction", 0, d)

    use_central = "Use method='central' (or make f complex-safe)."
    try:
        c = ev.losses(points([1j * h]))[0]
    except GradcheckError as e:
        raise GradcheckError(f"method='complex' needs f to accept complex parameters, but {e}. {use_central}") from e
    if not np.iscomplexobj(c):
        raise GradcheckError(
            "method='complex': f returned a real value for complex parameters, so it drops the imaginary "
            f"part the complex step needs (float(), .real, np.real, abs, or a float array). {use_central}"
        )
    step = COMPLEX_TEST_STEP
    plus, minus = ev.losses(points([step, -step]))
    got = c.imag / h
    # At a kink (a ReLU input at 0) the complex step takes the slope of one side,
    # so a one-sided slope is as good a witness as the central one.
    slopes = ((plus - minus) / (2 * step), (plus - ev.f0) / step, (ev.f0 - minus) / step)
    tol = 1e-4 * abs(slopes[0]) + 100 * LOSS_ROUNDINGS * ROUNDING * abs(ev.f0) / step
    if all(abs(got - s) > tol for s in slopes):
        why = "f drops the imaginary part" if got == 0 else "f is not complex-safe"
        raise GradcheckError(
            f"method='complex': {why}: along a test direction the complex step gives slope {got:.6g} but "
            f"central differences give {slopes[0]:.6g} (abs, .real, float(), comparisons or conj on complex "
            f"values break the complex step). {use_central}"
        )


def _float_params(params: Any) -> tuple[Tree, list[str]]:
    """A float64 copy of params, and notes (also warned) about casts the user should know of."""
    if is_dict(params) and not params:
        raise GradcheckError("params is an empty dict: it needs at least one block")
    lay_names = [f"params[{k!r}]" for k in params] if is_dict(params) else ["params"]
    notes = []
    for what, x in zip(lay_names, leaves(params)):
        dt = np.asarray(x).dtype
        if dt.kind == "c":
            raise GradcheckError(f"{what} is complex ({dt}): gradcheck needs real parameters "
                                 "(method='complex' adds the imaginary step itself)")
        if dt.kind not in "biuf":
            raise GradcheckError(f"{what} must hold numbers, got dtype {dt}")
        if np.size(x) == 0:  # no entry to compare: "correct" would be vacuous
            raise GradcheckError(f"{what} has shape {np.shape(x)}: no entries to check. Give every block at "
                                 "least one entry")
        if dt.kind in "biu":
            notes.append(f"{what} has dtype {dt}: checked at a float64 copy (integers cannot move by eps).")
    out = as_float_tree(params)
    for what, x in zip(lay_names, leaves(out)):
        _check_finite(x, what)
    for note in notes:
        warnings.warn(note, stacklevel=3)
    return out, notes


def _analytic(grad: Callable[[Tree], Tree], params: Tree, layout: Layout) -> np.ndarray:
    """grad(params), checked against params' structure, as a flat vector in params' block order."""
    if not callable(grad):
        raise GradcheckError(f"grad must be callable, got {type(grad).__name__}")
    try:
        g = grad(params)
    except Exception as e:  # noqa: BLE001  grad is user code: report any failure with where it happened
        raise GradcheckError(f"grad raised {type(e).__name__}: {e} (at params)") from e
    try:
        check_same_structure(params, g)
    except ValueError as e:
        raise GradcheckError(f"{e}{_transposed_hint(params, g)}") from None
    # tree_map walks params' keys, so a grad dict in another key order lines up.
    g = tree_map(lambda _, gb: gb, params, g)
    for name, x in zip(layout.names, leaves(g)):
        what = f"grad[{name!r}]" if is_dict(params) else "grad"
        dt = np.asarray(x).dtype
        if dt.kind not in "biuf":
            raise GradcheckError(f"{what} must hold real numbers, got dtype {dt}")
        _check_finite(np.asarray(x, dtype=float), what)
    return flatten(as_float_tree(g, "grad"))


def _transposed_hint(params: Tree, g: Any) -> str:
    if is_dict(params) and is_dict(g):
        pairs = [(f"params[{k!r}]", params[k], g[k]) for k in params if k in g]
    else:
        pairs = [("params", params, g)] if not is_dict(g) else []
    for what, p, gb in pairs:
        if np.ndim(p) == 2 and np.shape(gb) != np.shape(p) and np.shape(gb) == np.shape(p)[::-1]:
            return f" (the transpose of {what}'s shape: is the gradient transposed, e.g. a.T @ dz for dz @ a.T?)"
    return ""


def _check_finite(x: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(x)
    if np.any(bad):
        at = tuple(int(j) for j in np.unravel_index(int(np.argmax(bad)), np.shape(x)))
        raise GradcheckError(f"{what} contains {x[at]} at index {list(at)}: it must be finite")


def _check_eps(eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating, np.integer)) or not 0 < eps < np.inf:
        raise GradcheckError(f"eps must be a positive finite number, got {eps!r}")
    return float(eps)


def _check_tols(correct_tol: float, suspicious_tol: float) -> None:
    for name, t in (("correct_tol", correct_tol), ("suspicious_tol", suspicious_tol)):
        if isinstance(t, bool) or not isinstance(t, (int, float, np.floating, np.integer)) or not 0 <= t < np.inf:
            raise GradcheckError(f"{name} must be a finite number >= 0, got {t!r}")
    if correct_tol > suspicious_tol:
        raise GradcheckError(f"correct_tol={correct_tol:g} must not exceed suspicious_tol={suspicious_tol:g}")


def _check_count(name: str, k: Any, low: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < low:
        raise GradcheckError(f"{name} must be an integer >= {low}, got {k!r}")


@dataclass(frozen=True)
class EpsSweep:
    """Error of numeric derivatives against the analytic gradient, step by step.

    Each error is :func:`rel_error` between ``g·v`` and the numeric directional
    derivative, over a few random unit directions v, at each step in ``eps``.
    Central differences fall as eps² until round-off, which grows as 1/eps, takes
    over: a V on log axes. Forward differences fall only as eps. The complex step
    has no round-off term, so it flattens near machine precision and stays there.
    ``complex_step`` is None when f is not complex-safe (the reason is in ``notes``).
    """

    eps: np.ndarray
    central: np.ndarray
    forward: np.ndarray
    complex_step: Optional[np.ndarray]
    notes: tuple[str, ...] = ()


def eps_sweep(
    f: Callable[[Tree], Any],
    grad: Callable[[Tree], Tree],
    params: Any,
    eps: Any = None,
    *,
    n_directions: int = 4,
    seed: int = 0,
    batched: bool = False,
    batch_size: Optional[int] = None,
) -> EpsSweep:
    """Numeric-derivative error against step size, for central, forward and complex-step differences.

    ``eps`` defaults to :data:`SWEEP_EPS` (1e-1 down to 1e-14). f, grad, params,
    ``batched`` and ``batch_size`` are as for :func:`gradcheck`; the errors are
    measured along ``n_directions`` random unit directions drawn from ``seed``.
    """
    steps = np.asarray(SWEEP_EPS if eps is None else eps, dtype=float)
    if steps.ndim != 1 or steps.size == 0 or not np.all((steps > 0) & np.isfinite(steps)):
        raise GradcheckError(f"eps must be a non-empty 1-D sequence of positive finite steps, got {eps!r}")
    _check_count("n_directions", n_directions, 1)
    params, notes = _float_params(params)
    ev = Evaluator(f, params, batched, batch_size)
    g = _analytic(grad, params, ev.layout)
    d = _unit_directions(np.random.default_rng(seed), n_directions, ev.x.size)
    a = d @ g
    k, e = n_directions, len(steps)

    def along(step: np.ndarray, per_dir: int) -> np.ndarray:
        """f at x + step * d for every step (outer loop) and direction, ``per_dir`` steps each."""
        pts = Points(np.tile(np.repeat(np.arange(k), per_dir), e), step, lambda j: f"random direction {j}", 0, d)
        return ev.losses(pts).reshape(e, k, per_dir)

    v = along(np.repeat(steps, 2 * k) * np.tile([1.0, -1.0], e * k), 2)
    central = (v[..., 0] - v[..., 1]) / (2 * steps[:, None])
    forward = (v[..., 0] - ev.f0) / steps[:, None]
    try:
        _check_complex_safe(ev)
        complex_step = [rel_error(a, row) for row in along(np.repeat(1j * steps, k), 1)[..., 0].imag / steps[:, None]]
    except GradcheckError as err:
        notes.append(str(err))
        complex_step = None
    return EpsSweep(
        steps, np.array([rel_error(a, row) for row in central]), np.array([rel_error(a, row) for row in forward]),
        None if complex_step is None else np.array(complex_step), tuple(notes),
    )


