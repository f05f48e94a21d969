"""Gradient checks the app offers: every problem's own backprop, and each gallery bug's buggy and fixed gradient.

::

    setup = CheckSetup("gallery:scaled-gradients:buggy", method="central")
    report = setup.run()               # a playground.gradcheck.GradcheckReport
    sweep = setup.sweep()              # error against eps, for plots.eps_sweep

A model is named by one string, the same in the URL: ``problem:<name>`` (the
problem with its default settings, checked at ``init_params(seed)``) or
``gallery:<entry id>:buggy`` / ``:fixed`` (the entry's own loss, gradient and
point). :meth:`CheckSetup.to_query` and :meth:`CheckSetup.from_query` carry a
setup through a link, as :class:`~playground.setups.comparison.Comparison` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from optimizers.tree import Tree

from .. import gallery, problems
from .fields import query_number, query_value
from ..gradcheck import DEFAULT_EPS, METHODS, EpsSweep, GradcheckReport, eps_sweep, gradcheck

VARIANTS = ("buggy", "fixed")


@dataclass(frozen=True, eq=False)
class Model:
    """What a check needs: the loss ``f``, the gradient ``grad`` under test, the point ``params``.

    ``n_samples`` lets the diagnosis recognise factors such as 1/m;
    ``batched`` says f takes a leading batch axis (the problems do), which
    makes the check one vectorised call; ``note`` says what is checked, in words.
    """

    f: Callable[[Tree], Any]
    grad: Callable[[Tree], Tree]
    params: Tree
    n_samples: int | None
    batched: bool
    note: str


def models() -> list[str]:
    """Every model name: the problems in menu order, then each gallery gradient bug, buggy and fixed."""
    return ([f"problem:{name}" for name in problems.available()]
            + [f"gallery:{e.id}:{v}" for e in gallery.entries() if e.kind == "gradcheck" for v in VARIANTS])


def title(name: str) -> str:
    """How the app lists model ``name``, e.g. ``Bug: Scaled gradients … (buggy)``."""
    kind, _, rest = name.partition(":")
    if kind == "problem":
        return f"Problem: {problems.spec(rest).title}"
    entry_id, _, variant = rest.rpartition(":")
    return f"Bug: {gallery.get(entry_id).title} ({variant})"


def model(name: str, seed: int = 0) -> Model:
    """The loss, gradient and point of model ``name``; ``seed`` draws a problem's point (gallery points are fixed)."""
    if name not in models():
        raise ValueError(f"Unknown model {name!r}. Known: {', '.join(models())}")
    kind, _, rest = name.partition(":")
    if kind == "problem":
        p = problems.create(rest)
        return Model(p.loss, p.grad, p.init_params(seed), p.n_samples, True,
                     f"The problem's own hand-written gradient, at its starting point for seed {seed}.")
    entry_id, _, variant = rest.rpartition(":")
    entry = gallery.get(entry_id)
    check = entry.buggy_check if variant == "buggy" else entry.fixed_check
    return Model(check.f, check.grad, check.params, check.n_samples, False, entry.setup_note)


DEFAULT_MODEL = "gallery:scaled-gradients:buggy"


@dataclass(frozen=True)
class CheckSetup:
    """One gradient check: a model, a method and its step ``eps`` (None: the method's default), a point seed."""

    model: str = DEFAULT_MODEL
    method: str = "central"
    eps: float | None = None
    seed: int = 0

    @classmethod
    def for_model(cls, name: str) -> "CheckSetup":
        """Model ``name`` with the method and eps its source used (a gallery entry's), else the defaults."""
        kind, _, rest = name.partition(":")
        if kind == "gallery" and name in models():
            check = gallery.get(rest.rpartition(":")[0]).buggy_check
            return cls(name, check.method, check.eps)
        return cls(name)

    @property
    def step(self) -> float:
        """The eps in effect."""
        return DEFAULT_EPS[self.method] if self.eps is None else self.eps

    def validate(self) -> Model:
        """Check the setup before any work and return its model; ValueError names what is wrong."""
        if self.method not in METHODS:
            raise ValueError(f"Invalid method {self.method!r}. Allowed: {', '.join(METHODS)}")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise ValueError(f"Invalid seed: {self.seed!r}. Allowed range: [0, inf)")
        if self.eps is not None and not 0 < self.eps < float("inf"):
            raise ValueError(f"Invalid eps: {self.eps!r}. Allowed range: (0, inf)")
        return model(self.model, self.seed)

    def run(self) -> GradcheckReport:
        """The check itself (:func:`playground.gradcheck.gradcheck`)."""
        m = self.validate()
        return gradcheck(m.f, m.grad, m.params, method=self.method, eps=self.eps, n_samples=m.n_samples,
                         batched=m.batched)

    def sweep(self) -> EpsSweep:
        """Error against eps for every method, at the same point (:func:`playground.gradcheck.eps_sweep`)."""
        m = self.validate()
        return eps_sweep(m.f, m.grad, m.params, batched=m.batched)

    def to_query(self) -> dict[str, str]:
        """URL query parameters: ``model``, ``method``, ``eps`` (when not the default) and ``seed``."""
        query = {"model": self.model, "method": self.method, "seed": str(self.seed)}
        if self.eps is not None:
            query["eps"] = repr(self.eps)
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str | Sequence[str]]) -> "CheckSetup":
        """Inverse of :meth:`to_query`; missing keys take the class defaults, bad values raise ValueError."""
        setup = cls(query_value(query, "model") or DEFAULT_MODEL, query_value(query, "method") or "central",
                    query_number(query, "eps", float, None), query_number(query, "seed", int, 0))
        setup.validate()
        return setup


def worst_entries(report: GradcheckReport) -> list[dict[str, Any]]:
    """One row per worst entry of every block that is not correct: where, analytic, numeric, their difference."""
    return [{"block": b.name, "entry": b.where(e), "analytic": e.analytic, "numeric": e.numeric,
             "|analytic − numeric|": e.error}
            for b in report.blocks.values() if b.verdict != "correct" for e in b.worst]
