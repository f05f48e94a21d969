"""Sweep: final loss over a grid of learning rates (x momenta) for one optimizer, with the theory's stability bound."""
from dataclasses import replace

import streamlit as st

import optimizers
from playground_app import cached, compare_form, pages, widgets
from playground_app.state import PageState
from playground import problems
from playground.setups.comparison import Comparison
from playground.training.sweep import momentum_hyperparam
from playground.setups.sweep import (LR_POINTS, LR_RANGE, MOMENTUM_FIELDS, MOMENTUM_POINTS, MOMENTUM_RANGE, SEED,
                                     STEPS, SweepSetup)

#: The fields this page offers; the CLI has every field of the setup.
SHOWN = (LR_RANGE, LR_POINTS, MOMENTUM_RANGE, MOMENTUM_POINTS, STEPS, SEED)

PREFIX = "sw."
STATE = PageState("sweep", PREFIX, SweepSetup, SweepSetup.from_query, SweepSetup.to_query)

st.title("Sweep")
st.markdown("Run one optimizer at every learning rate (and momentum) of a grid, all at once, and see where it "
            "converges, how fast, and where it diverges, with the bound that theory predicts.")

first_visit = STATE.key not in st.session_state
shown = STATE.current()
if first_visit and compare_form.STATE.key not in st.session_state:
    # A link to this page names its problem: make it the session's, which the Compare page shows too.
    compare_form.STATE.load(Comparison(shown.problem, shown.settings))
cmp = compare_form.STATE.current()

with st.sidebar:
    st.header("Sweep")
    st.markdown(f"Problem: **{problems.spec(cmp.problem).title}**")
    st.page_link(pages.COMPARE.script, label="Change the problem on the Compare page", icon=":material/edit:")
    name = widgets.select("optimizer", optimizers.available(), PREFIX + "optimizer", shown.optimizers[0],
                          format_func=lambda n: f"{optimizers.get(n).title or n} ({n})")
    axis = momentum_hyperparam(name)
    values = {hp.name: widgets.declared(hp, PREFIX + hp.name, getattr(shown, hp.name))
              for hp in SHOWN if axis is not None or hp not in MOMENTUM_FIELDS}
    if axis is None:
        st.caption(f"{name} has no momentum or betas: the sweep varies the learning rate alone.")
    elif axis == "betas":
        st.caption("For this optimizer the momentum axis is beta1, the first of its betas.")

setup = replace(shown, problem=cmp.problem, settings=cmp.settings, optimizers=(name,), **values)
link_error = STATE.link_error()
if link_error:
    widgets.alert(st.error, link_error, "The link's sweep could not be loaded, so this is the default one. ")
try:
    problem = setup.validate()
except ValueError as exc:
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.info("Change the setting named above in the sidebar.")
    st.stop()
STATE.publish(setup)

try:
    setup.work(problem).refuse_over("This sweep")
except ValueError as exc:
    widgets.alert(st.warning, str(exc), icon=":material/hourglass_top:")
    st.stop()

try:
    result = cached.sweep(setup)
except ValueError as exc:  # a grid value the optimizer refuses, e.g. Nesterov at momentum 0
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.stop()

diverged = int(result.diverged.sum())
st.caption(f"{problem.title} · {len(result)} configurations of {setup.steps} steps · {diverged} diverged · "
           f"{result.wall_time:.2f} s")
png = cached.stability_map_png(setup)
st.image(png, width="content")
st.markdown("Colour is how close each run got to the minimum after its steps (darker is closer); red cells "
            "diverged, the brighter the sooner. The dashed line is the largest stable learning rate that theory "
            "gives for a quadratic (2/L for gradient descent, (2 + 2μ)/L for heavy-ball momentum); adaptive "
            "methods such as Adam have no such line.")
left, right = st.columns(2)
left.download_button("Stability map (PNG)", png, "stability_map.png", "image/png", on_click="ignore",
                     icon=":material/download:", key="dl.sweep.png")
right.download_button("Final losses (CSV)", lambda: cached.sweep(setup).to_csv(), "sweep.csv", "text/csv",
                      on_click="ignore", icon=":material/download:", key="dl.sweep.csv")
