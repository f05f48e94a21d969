"""Gradient checking that says where the bug is and what kind.

::

    from playground.gradcheck import gradcheck
    report = gradcheck(f, grad, params, method="central")
    print(report)                      # verdict, one line per block, diagnoses
    report.blocks["W2"].diagnosis      # "analytic = 2 × numeric in every entry: ..."
    sweep = eps_sweep(f, grad, params)  # error against eps, for a plot

``f(params)`` is the loss, ``grad(params)`` the gradient being checked; params
are an array or a dict of name -> array. See :func:`gradcheck` for the methods
and :class:`GradcheckReport` for what comes back.
"""
from .check import DEFAULT_EPS, METHODS, SWEEP_EPS, EpsSweep, eps_sweep, gradcheck
from .evaluate import GradcheckError
from .report import BlockReport, Entry, GradcheckReport, rel_error
from .target import Target

__all__ = [
    "DEFAULT_EPS", "METHODS", "SWEEP_EPS", "BlockReport", "Entry", "EpsSweep", "GradcheckError",
    "GradcheckReport", "Target", "eps_sweep", "gradcheck", "rel_error",
]
