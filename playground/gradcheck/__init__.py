"""Gradient checking that says where the bug is and what kind.

::

    from playground.gradcheck import gradcheck
    report = gradcheck(f, grad, params, method="central")
    print(report)                      # verdict, one line per block, diagnoses
    report.blocks["W2"].diagnosis      # "analytic = 2 × numeric in every entry: ..."
    report.enters                      # where in the backward pass the error enters, if the blocks show it
    sweep = eps_sweep(f, grad, params)  # error against eps, for a plot

    from playground.gradcheck import assert_gradients_match
    assert_gradients_match(f, grad, params)        # in a test: AssertionError carrying the report

``f(params)`` is the loss, ``grad(params)`` the gradient being checked; params
are an array or a dict of name -> array. See :func:`gradcheck` for the methods
and :class:`GradcheckReport` for what comes back.
"""
from .assertion import GradientMismatch, assert_gradients_match
from .check import DEFAULT_EPS, METHODS, SWEEP_EPS, EpsSweep, eps_sweep, gradcheck
from .evaluate import GradcheckError
from .report import METHOD_TITLES, VERDICTS, BlockReport, Entrance, Entry, GradcheckReport, format_eps, rel_error
from .target import Target

__all__ = [
    "DEFAULT_EPS", "METHODS", "METHOD_TITLES", "SWEEP_EPS", "VERDICTS", "BlockReport", "Entrance", "Entry", "EpsSweep",
    "GradcheckError", "GradcheckReport", "GradientMismatch", "Target", "assert_gradients_match", "eps_sweep",
    "format_eps", "gradcheck", "rel_error",
]
