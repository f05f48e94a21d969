"""Gradient checks as a user sets them up: every problem's own backprop, and each gallery bug's buggy and fixed one.

::

    setup = CheckSetup("gallery:scaled-gradients:buggy", method="central")
    report = setup.run()               # a playground.gradcheck.GradcheckReport
    sweep = setup.sweep()              # error against eps, for plots.eps_sweep_figure

A model is named by one string, the same in the URL and the CLI:
``problem:<name>[:settings]`` (the problem's own loss and gradient, e.g.
``problem:sin-mlp:width=8``, checked at ``init_params(seed)`` or at a random
point drawn from the seed) or ``gallery:<entry id>:buggy`` / ``:fixed`` (the
entry's own loss, gradient and point). The other settings are declared once in
``CheckSetup.FIELDS``, so the link, the page's inputs and the CLI read them alike.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizers import HyperParam
from optimizers.hyperparams import excerpt
from optimizers.tree import tree_map

from .. import gallery, problems
from ..gradcheck import DEFAULT_EPS, METHODS, EpsSweep, GradcheckReport, Target
from ..training.run_spec import SEED
from .fields import Declared, Query, parse_problem, problem_text, query_value

VARIANTS = ("buggy", "fixed")
METHOD = HyperParam("method", "central", "how the numeric derivatives are taken: central, forward or complex-step "
                    "differences per entry, or a few random directions", kind="choice", choices=METHODS)
EPS = HyperParam("eps", None, "the finite-difference step h; absent: the method's own default", low=0.0,
                 low_open=True, log=True, optional=True, label="eps (step h)")
POINT = HyperParam("at", "init", "where a problem's gradient is checked: its starting point init_params(seed), or "
                   "standard normal entries drawn from the seed", kind="choice", choices=("init", "random"))
POINT_SEED = replace(SEED, meaning="draws the point a problem is checked at", label="point seed")


def models() -> list[str]:
    """Every model the app lists: the problems in menu order, then each gallery gradient bug, buggy and fixed."""
    return ([f"problem:{name}" for name in problems.available()]
            + [f"gallery:{e.id}:{v}" for e in gallery.entries() if e.kind == "gradcheck" for v in VARIANTS])


def title(name: str) -> str:
    """How the app lists model ``name``, e.g. ``Bug: Scaled gradients … (buggy)``."""
    kind, _, rest = name.partition(":")
    if kind == "problem":
        return f"Problem: {problems.spec(rest.partition(':')[0]).title}"
    entry_id, _, variant = rest.rpartition(":")
    return f"Bug: {gallery.get(entry_id).title} ({variant})"


def target(name: str, seed: int = 0, at: str = "init") -> Target:
    """The loss, gradient and point of model ``name``; ValueError names an unknown model.

    A problem is checked at ``init_params(seed)`` or, with
    ``at="random"``, at standard normal entries drawn from ``seed``;
    a gallery entry at its own point.
    """
    kind, _, rest = name.partition(":") if isinstance(name, str) else ("", "", "")
    if kind == "problem":
        problem_name, settings = parse_problem(rest)
        p = problems.create(problem_name, **settings)
        params = p.init_params(seed)
        where = f"its starting point for seed {seed}"
        if at == "random":
            rng = np.random.default_rng(seed)
            params = tree_map(lambda x: rng.standard_normal(np.shape(x)), params)
            where = f"a random point drawn from seed {seed}"
        # Problems take a leading batch axis, so the check sends its points in batches.
        return Target(p.loss, p.grad, params, p.n_samples, batched=True,
                      label=f"{problem_text(problem_name, settings)} at "
                            f"{'a random point' if at == 'random' else 'init_params'}, seed {seed}",
                      note=f"The problem's own hand-written gradient, at {where}.")
    entry_id, _, variant = rest.rpartition(":")
    entry = gallery.get(entry_id) if kind == "gallery" and entry_id in gallery.ids() else None
    if entry is None or entry.kind != "gradcheck" or variant not in VARIANTS:
        raise ValueError(f"Unknown model {excerpt(name)}. Write problem:<name> or gallery:<gradient bug>:buggy|fixed, "
                         f"one of: {', '.join(models())}")
    check = entry.buggy_check if variant == "buggy" else entry.fixed_check
    return replace(check, label=f"{entry_id} ({variant})", note=entry.setup_note)


DEFAULT_MODEL = "gallery:scaled-gradients:buggy"


@dataclass(frozen=True)
class CheckSetup(Declared):
    """One gradient check: a model, a method and its step ``eps`` (None: the method's default), and a point."""

    FIELDS = (METHOD, EPS, POINT_SEED, POINT)
    OWNER = "gradient check"

    model: str = DEFAULT_MODEL
    method: str = METHOD.default
    eps: float | None = EPS.default
    seed: int = POINT_SEED.default
    at: str = POINT.default

    @classmethod
    def for_model(cls, name: str) -> "CheckSetup":
        """Model ``name`` with the method and eps its source used (a gallery entry's), else the defaults."""
        source = target(name)
        return cls(name, source.method, source.eps)

    @property
    def step(self) -> float:
        """The eps in effect."""
        return DEFAULT_EPS[self.method] if self.eps is None else self.eps

    def validate(self) -> Target:
        """Check the setup before any work and return its target; ValueError names what is wrong."""
        self.check_fields()
        return target(self.model, self.seed, self.at)

    def run(self) -> GradcheckReport:
        """The check itself (:func:`playground.gradcheck.gradcheck`) by this setup's method and eps."""
        return self.validate().run(self.method, self.step)

    def sweep(self) -> EpsSweep:
        """Error against eps for every method, at the same point (:func:`playground.gradcheck.eps_sweep`)."""
        return self.validate().eps_sweep()

    def to_query(self) -> dict[str, str]:
        """URL query parameters: ``model`` and the declared fields."""
        return {"model": self.model, **self.fields_to_query()}

    @classmethod
    def from_query(cls, query: Query) -> "CheckSetup":
        """Inverse of :meth:`to_query`; missing keys take the class defaults, bad values raise ValueError."""
        setup = cls(query_value(query, "model") or DEFAULT_MODEL, **cls.fields_from_query(query))
        setup.validate()
        return setup


def worst_entries(report: GradcheckReport) -> list[dict[str, Any]]:
    """One row per worst entry of every block that is not correct: where, analytic, numeric, their difference."""
    return [{"block": b.name, "entry": b.where(e), "analytic": e.analytic, "numeric": e.numeric,
             "|analytic − numeric|": e.error}
            for b in report.blocks.values() if b.verdict != "correct" for e in b.worst]
