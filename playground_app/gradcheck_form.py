"""The Gradient check page's sidebar form and its state (a :class:`~playground.setups.check.CheckSetup`)."""
from __future__ import annotations

import streamlit as st

from playground.gradcheck import DEFAULT_EPS, METHOD_TITLES, format_eps
from playground.setups import check
from playground.setups.check import EPS, METHOD, POINT_SEED, CheckSetup

from . import widgets
from .state import PageState

PREFIX = "gc."
STATE = PageState("gradcheck", PREFIX, lambda: CheckSetup.for_model(check.DEFAULT_MODEL), CheckSetup.from_query,
                  CheckSetup.to_query)


def edit(setup: CheckSetup) -> CheckSetup:
    """Draw the form starting from ``setup``; return the edited setup (checked later, by the library)."""
    st.header("Gradient check")
    model = widgets.select("model", check.models(), PREFIX + "model", setup.model, format_func=check.title,
                           help="A problem's own backprop (it should pass), or a seed bug's buggy or fixed one.")
    method = widgets.select(METHOD.title, list(METHOD.choices), PREFIX + "method", setup.method,
                            format_func=lambda m: METHOD_TITLES.get(m, m),
                            help="Central: (f(x+h) − f(x−h)) / 2h. Forward: (f(x+h) − f(x)) / h. Complex step: "
                                 "Im f(x+ih) / h, free of round-off. Random: a few random directions per block.")
    start = setup.step if method == setup.method else DEFAULT_EPS[method]
    eps = widgets.declared(EPS, f"{PREFIX}eps.{method}", float(start),
                           help=f"{EPS.meaning}: {format_eps(DEFAULT_EPS[method])} for this method.")
    seed = setup.seed
    if model.startswith("problem:"):
        seed = widgets.declared(POINT_SEED, PREFIX + "seed", setup.seed)
    # eps left at the method's default stays implicit, so a link says only what was changed.
    implicit = setup.eps is None and eps == DEFAULT_EPS[method]
    return CheckSetup(model, method, None if implicit else eps, seed)
