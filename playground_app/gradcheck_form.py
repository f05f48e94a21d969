"""The Gradient check page's sidebar form and its state (a :class:`~playground.setups.check.CheckSetup`)."""
from __future__ import annotations

import streamlit as st

from playground.setups import check
from playground.setups.check import CheckSetup
from playground.gradcheck import DEFAULT_EPS, METHODS

from . import widgets
from .state import PageState

PREFIX = "gc."
STATE = PageState("gradcheck", PREFIX, lambda: CheckSetup.for_model(check.DEFAULT_MODEL), CheckSetup.from_query,
                  CheckSetup.to_query)
METHOD_TITLES = {
    "central": "central differences", "forward": "forward differences", "complex": "complex step",
    "random": "central differences along random directions",
}


def edit(setup: CheckSetup) -> CheckSetup:
    """Draw the form starting from ``setup``; return the edited setup (checked later, by the library)."""
    st.header("Gradient check")
    model = widgets.select("model", check.models(), PREFIX + "model", setup.model, format_func=check.title,
                           help="A problem's own backprop (it should pass), or a seed bug's buggy or fixed one.")
    method = widgets.select("method", list(METHODS), PREFIX + "method", setup.method,
                            format_func=lambda m: METHOD_TITLES.get(m, m),
                            help="Central: (f(x+h) − f(x−h)) / 2h. Forward: (f(x+h) − f(x)) / h. Complex step: "
                                 "Im f(x+ih) / h, free of round-off. Random: a few random directions per block.")
    start = setup.step if method == setup.method else DEFAULT_EPS[method]
    eps = widgets.number("eps (step h)", f"{PREFIX}eps.{method}", float(start), low=0.0,
                         step=DEFAULT_EPS[method],
                         help=f"The finite-difference step; {DEFAULT_EPS[method]:g} is the default for this method.")
    seed = setup.seed
    if model.startswith("problem:"):
        seed = int(widgets.number("point seed", PREFIX + "seed", setup.seed, low=0,
                                  help="Draws the point the gradient is checked at (the problem's starting point)."))
    # eps left at the method's default stays implicit, so a link says only what was changed.
    implicit = setup.eps is None and eps == DEFAULT_EPS[method]
    return CheckSetup(model, method, None if implicit else float(eps), seed)
