"""A gradient check for the user's own test suite: an AssertionError that carries the report."""
from __future__ import annotations

from typing import Any, Callable

from optimizers.tree import Tree

from .check import gradcheck
from .report import GradcheckReport


class GradientMismatch(AssertionError):
    """Raised by :func:`assert_gradients_match`: the message is the report's summary, ``report`` the report."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(f"the gradient does not match its numeric derivative\n{report.summary()}")
        self.report = report


def assert_gradients_match(
    f: Callable[[Tree], Any], grad: Callable[[Tree], Tree], params: Any, *args: Any, strict: bool = False,
    **kwargs: Any,
) -> GradcheckReport:
    """Run :func:`~playground.gradcheck.gradcheck` with the same arguments; raise unless it passes.

    By default only a "wrong" block fails; with ``strict=True`` a "suspicious" or
    "inconclusive" one fails too (see :meth:`GradcheckReport.passes`). Raises
    :class:`GradientMismatch`, an AssertionError whose message holds the whole
    summary (verdicts, diagnoses, worst entries), so a test runner shows it as
    is; the report is its ``report``. Returns the report when the check passes.
    """
    __tracebackhide__ = True  # pytest then shows the user's test line, not this one
    report = gradcheck(f, grad, params, *args, **kwargs)
    if not report.passes(strict):
        raise GradientMismatch(report)
    return report
