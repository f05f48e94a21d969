"""Evaluating the loss at many perturbed copies of the parameters.

Every numeric derivative in the gradient check is built from values
f(x + t d): x is the flat parameter vector, d a unit vector (one entry) or a
direction, t a real or imaginary step. :class:`Points` describes a list of
such points and :class:`Evaluator` turns it into loss values: one call of f per
point, or, when f accepts a leading batch axis, many points per call.
"""
from __future__ import annotations

import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from optimizers.tree import Tree, flatten, is_dict, leaves, names, unflatten

from .report import format_eps

#: Rounding unit of float64: the relative error of one rounded operation.
ROUNDING = np.finfo(np.float64).eps / 2

#: Memory for one call of f on a chunk of points: the parameter copies plus what
#: f allocates while it runs (measured once). Large enough that f's fixed cost
#: per call is shared by many points, small enough to stay near the caches.
BATCH_BYTES = 1 << 23

#: glibc serves allocations above its mmap threshold (128 KiB at start) with a
#: fresh mmap, so every large temporary of f page-faults on every call, which
#: costs more than the arithmetic. Freeing one mmapped block raises the
#: threshold to that block's size (up to 32 MiB): :func:`prime_allocator`.
MMAP_THRESHOLD_MAX = 32 << 20

#: At most this many points per chunk, however little memory they take.
MAX_BATCH = 1024


def prime_allocator(nbytes: int) -> None:
    """Let temporaries of up to ``nbytes`` be reused instead of mmapped afresh on every call.

    Allocating and freeing one block of that size raises glibc's mmap
    threshold (see :data:`MMAP_THRESHOLD_MAX`); ``np.empty`` touches no pages,
    so this costs one mmap and munmap. Elsewhere it is harmless.
    """
    block = np.empty(min(int(nbytes), MMAP_THRESHOLD_MAX), dtype=np.uint8)
    del block


class GradcheckError(ValueError):
    """Bad input to a gradient check: the message names the function, block or entry at fault."""


class Layout:
    """Where each block sits in the flat vector, and how to name an entry of it."""

    def __init__(self, params: Tree) -> None:
        self.is_dict = is_dict(params)
        self.names = names(params) if self.is_dict else ["params"]
        self.shapes = [np.shape(x) for x in leaves(params)]
        sizes = [int(np.prod(s, dtype=int)) for s in self.shapes]
        self.starts = list(np.cumsum([0] + sizes[:-1]))
        self.sizes = sizes

    def block(self, name: str) -> str:
        """How the user would write the block: ``params['W1']``, or ``params``."""
        return f"params[{name!r}]" if self.is_dict else "params"

    def entry(self, i: int) -> str:
        """The flat entry ``i`` as the user would write it: ``params['W1'][2, 3]``."""
        b = int(np.searchsorted(self.starts, i, side="right")) - 1
        idx = np.unravel_index(i - self.starts[b], self.shapes[b])
        return self.block(self.names[b]) + (f"[{', '.join(str(int(j)) for j in idx)}]" if idx else "")


@dataclass(frozen=True)
class Points:
    """The points ``x + steps[j] * d[which[j]]``, j = 0 .. len(steps) - 1.

    Direction k is ``dirs[k]`` (shape ``(n_dirs, L)``) on the slice ``[start,
    start + L)`` of the flat vector and zero elsewhere. ``dirs=None`` means unit
    vectors: ``which[j]`` is then the flat index of the entry that moves, and it
    becomes ``x[i] + t``, rounded as a caller's ``x + t`` is, so the step
    actually taken can be recovered. ``label(k)`` names direction (or entry) k
    in error messages.
    """

    which: np.ndarray
    steps: np.ndarray
    label: Callable[[int], str]
    start: int = 0
    dirs: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.steps)

    def rows(self, x: np.ndarray, j0: int, j1: int) -> np.ndarray:
        """The flat parameter vectors of points ``j0 .. j1 - 1``, shape ``(j1 - j0, x.size)``."""
        t = self.steps[j0:j1]
        out = np.repeat(x[None].astype(np.result_type(x, t)), j1 - j0, axis=0)
        if self.dirs is None:
            out[np.arange(j1 - j0), self.which[j0:j1]] += t
        else:
            d = self.dirs[self.which[j0:j1]]
            out[:, self.start:self.start + d.shape[1]] += t[:, None] * d
        return out

    def name(self, j: int) -> str:
        t = self.steps[j]
        step = f"{format_eps(t.imag)}i" if np.iscomplexobj(t) else format_eps(abs(t))
        sign = "-" if np.real(t) < 0 else "+"
        return f"{self.label(int(self.which[j]))} {sign} {step}" if self.dirs is None else \
            f"params {sign} {step} × {self.label(int(self.which[j]))}"


class Evaluator:
    """Calls f on points near ``params``, checks what it returns, counts the calls.

    With ``batched=True`` f receives blocks with a leading axis of length B and
    must return B losses; points are sent in chunks of ``batch_size``. By
    default a chunk is as many points as fit in :data:`BATCH_BYTES`, counting
    what f allocates per point, measured once with :mod:`tracemalloc` (unless
    the caller is tracing already: then parameter copies alone are counted).
    """

    def __init__(self, f: Callable[[Tree], Any], params: Tree, batched: bool = False,
                 batch_size: Optional[int] = None) -> None:
        if not callable(f):
            raise GradcheckError(f"f must be callable, got {type(f).__name__}")
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise GradcheckError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        self.f, self.like, self.batched = f, params, bool(batched)
        self.layout = Layout(params)
        self.x = flatten(params)
        self.n_evals = 0
        # A copy: a loss that writes into its input must not move the point.
        self.f0 = float(self._call(unflatten(self.x.copy(), params), "params (the unperturbed point)", None))
        # Complex points take 16 bytes per entry.
        per_point = 16 * max(1, self.x.size) + (self._check_batched() if self.batched else 0)
        self.batch_size = int(batch_size or max(1, min(MAX_BATCH, BATCH_BYTES // per_point)))
        if self.batched:
            prime_allocator(per_point * self.batch_size)

    def losses(self, points: Points) -> np.ndarray:
        """f at every point: float, or complex if f returned complex values."""
        out: list[np.ndarray] = []
        for j0 in range(0, len(points), self.batch_size):
            j1 = min(len(points), j0 + self.batch_size)
            rows = points.rows(self.x, j0, j1)
            if self.batched:
                where = points.name(j0) if j1 - j0 == 1 else \
                    f"a batch of {j1 - j0} points, {points.name(j0)} to {points.name(j1 - 1)}"
                out.append(self._call(unflatten(rows, self.like), where, j1 - j0,
                                      lambda k, j0=j0: points.name(j0 + k)))
            else:
                out.extend(self._call(unflatten(r, self.like), points.name(j0 + k), None)
                           for k, r in enumerate(rows))
        return np.hstack(out) if out else np.zeros(0)

    def _call(self, params: Tree, where: str, batch: Optional[int],
              name_row: Optional[Callable[[int], str]] = None) -> np.ndarray:
        complex_in = np.iscomplexobj(leaves(params)[0])
        try:
            value = self.f(params)
        except Exception as e:  # noqa: BLE001  f is user code: any failure is reported with its point
            raise GradcheckError(f"f raised {type(e).__name__}: {e} (evaluating the loss at {where})") from e
        self.n_evals += batch or 1
        value = np.asarray(value)
        if value.dtype.kind not in "biufc":
            raise GradcheckError(
                f"f must return a number, got {type(value).__name__} of dtype {value.dtype} at {where}")
        want = (batch,) if batch else ()
        if value.shape != want:
            hint = " (one number per parameter set: does f accept a leading batch axis?)" if batch else \
                " (if it holds one number, return float(...) or np.squeeze(...))"
            raise GradcheckError(f"f must return {'shape ' + str(want) if batch else 'a scalar loss'}, "
                                 f"got shape {value.shape} at {where}{hint}")
        if not complex_in and np.iscomplexobj(value):
            if np.any(value.imag != 0):
                raise GradcheckError(f"f returned a complex value {value.ravel()[0]} for real parameters at {where}")
            value = value.real
        bad = ~np.isfinite(value)
        if np.any(bad):
            k = int(np.argmax(bad))
            at = name_row(k) if name_row else where
            raise GradcheckError(f"f returned {value.ravel()[k]} at {at}: the loss must be finite")
        return value

    def _check_batched(self) -> int:
        """Check that f treats the leading axis as a batch; return the bytes f allocates per point.

        A loss that reduces over the batch axis too (np.mean over everything)
        still returns B numbers when broadcasting is lucky, and every numeric
        derivative would silently be wrong: compare two sets, one call each way.
        """
        d = np.random.default_rng(0).standard_normal(self.x.size) * 1e-3
        pts = Points(np.array([0, 0]), np.array([0.0, 1.0]), lambda k: "a test direction", 0, d[None])
        rows = unflatten(pts.rows(self.x, 0, 2), self.like)
        tracing = tracemalloc.is_tracing()
        if not tracing:
            tracemalloc.start()
        try:
            batch = self._call(rows, "a batch of 2 test points", 2)
            per_point = 0 if tracing else tracemalloc.get_traced_memory()[1] // 2
        finally:
            if not tracing:
                tracemalloc.stop()
        single = np.array([self.f0, self._call(unflatten(self.x + d, self.like), "a test point", None)])
        if not np.allclose(batch, single, rtol=1e-9, atol=1e-12 * abs(self.f0)):
            raise GradcheckError(
                f"batched=True, but f on a batch of 2 parameter sets returned {batch.tolist()} while f on each "
                f"set alone returned {single.tolist()}: f must treat the leading axis as a batch axis "
                f"(reduce only over the other axes), or use batched=False"
            )
        return per_point
