"""Sweep: final loss over a grid of learning rates (x momenta) for one optimizer, with the theory's stability bound."""
from dataclasses import replace

import streamlit as st

import optimizers
from playground_app import cached, compare_form, pages, widgets
from playground_app.state import PageState
from playground import problems
from playground.training.sweep import momentum_hyperparam
from playground.setups.sweep import (LR_POINTS, LR_RANGE, MOMENTUM_RANGE, SCHEDULE, SEED, STEPS, SweepSetup,
                                     axis_fields, default_momentum_range)
from playground.viz import stability_map

#: The fields this page offers, around the momentum axis's range and points; the CLI has every field of the setup.
BEFORE_AXIS, AFTER_AXIS = (LR_RANGE, LR_POINTS), (STEPS, SEED)

PREFIX = "sw."
STATE = PageState("sweep", PREFIX, SweepSetup, SweepSetup.from_query, SweepSetup.to_query)

st.title("Sweep")
st.markdown("Run one optimizer at every learning rate (and momentum) of a grid, all at once, and see where it "
            "converges, how fast, and where it diverges, with the bound that theory predicts.")

first_visit = STATE.key not in st.session_state
shown = STATE.current()
if first_visit:
    # A link to this page names its problem: it becomes the session's, unless the session has one.
    compare_form.adopt_problem(shown.problem, shown.settings)
cmp = compare_form.STATE.current()

with st.sidebar:
    st.header("Sweep")
    st.markdown(f"Problem: **{problems.spec(cmp.problem).title}**")
    st.page_link(pages.COMPARE.script, label="Change the problem on the Compare page", icon=":material/edit:")
    name = widgets.select("optimizer", optimizers.available(), PREFIX + "optimizer", shown.optimizers[0],
                          format_func=lambda n: f"{optimizers.get(n).title or n} ({n})")
    axis = momentum_hyperparam(name)
    # The axis's inputs are named for what they set on this optimizer: momentum, or beta1 of its betas.
    axis_inputs = axis_fields(name)[:2] if axis is not None else ()
    values = {}
    for hp in (*BEFORE_AXIS, *axis_inputs, *AFTER_AXIS):
        key, value = PREFIX + hp.name, getattr(shown, hp.name)
        if hp.name == MOMENTUM_RANGE.name:
            # Each optimizer its own range: Nesterov's starts above the momentum 0 it refuses.
            key += "." + name
            if value is None or name != shown.optimizers[0]:
                value = default_momentum_range((name,), shown.hp)
        values[hp.name] = widgets.declared(hp, key, value)
    if values.get(MOMENTUM_RANGE.name) == default_momentum_range((name,), shown.hp):
        values[MOMENTUM_RANGE.name] = None  # the optimizer's default, left implicit as a link leaves it
    if axis is None:
        st.caption(f"{name} has no momentum or betas: the sweep varies the learning rate alone.")
    elif axis == "betas":
        st.caption("For this optimizer the second axis is beta1, the first of its betas.")
    schedule = widgets.schedule(PREFIX + "schedule.", shown.schedule, help=f"{SCHEDULE.meaning}.")

if schedule is False:  # refused: its message is under its inputs
    st.info("Change the schedule's setting named in the sidebar.")
    st.stop()
setup = replace(shown, problem=cmp.problem, settings=cmp.settings, optimizers=(name,), schedule=schedule, **values)
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
    result = cached.sweep(setup)  # first, outside every cached function, so that none records its progress bar
except ValueError as exc:  # a grid value the optimizer refuses, e.g. a Nesterov momentum of 0 typed in
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.stop()

diverged = int(result.diverged.sum())
schedule_text = "" if setup.schedule is None else f" · schedule {setup.schedule.describe()}"
st.caption(f"{problem.title} · {len(result)} configurations of {setup.steps} steps{schedule_text} · {diverged} "
           f"diverged · {result.wall_time:.2f} s")
png = cached.stability_map_png(setup)
st.image(png, width="content")
st.markdown(stability_map.caption(result))
if problem.hessian is not None:  # a quadratic: the closed-form rates, on the same axes
    theory_png = widgets.figure_or_reason(cached.theory_png(setup), "No closed-form map: ")
    if theory_png is not None:
        st.image(theory_png, width="content")
        st.markdown("Left, theory: how fast the error shrinks per step (ρ, from the Hessian's eigenvalues), "
                    "with the edge of divergence, where the error starts to overshoot (dotted), and the best "
                    "learning rate and momentum (star). Right, the same sweep measured, on the same axes.")
left, right = st.columns(2)
left.download_button("Stability map (PNG)", png, "stability_map.png", "image/png", on_click="ignore",
                     icon=":material/download:", key="dl.sweep.png")
right.download_button("Final losses (CSV)", lambda: cached.sweep(setup).to_csv(), "sweep.csv", "text/csv",
                      on_click="ignore", icon=":material/download:", key="dl.sweep.csv")
