"""Compare: several optimizers on one problem, from the same start on the same data.

The sidebar edits the comparison; the page shows what the library computed
for it: the trajectories played over the loss landscape, the loss curves,
the results table and each optimizer's update equations.
"""
import streamlit as st

import optimizers
from playground_app import cached, compare_form, player_component, widgets
from playground.setups import cost

st.title("Compare optimizers")
st.markdown("Same problem, same start, same data order: only the optimizer differs. "
            "Edit the runs in the sidebar; the link in your address bar reproduces what you see.")

shown = compare_form.STATE.current()
with st.sidebar:
    cmp, problem, error = compare_form.edit(shown)
    compare_form.share(cmp)

link_error = compare_form.STATE.link_error()
if link_error:
    widgets.alert(st.error, link_error, "The link's comparison could not be loaded, so this is the default one. ")
if error:
    widgets.alert(st.error, error, icon=":material/error:")
    st.info("Change the setting named above in the sidebar; the results come back as soon as it is valid.")
    st.stop()

compare_form.STATE.publish(cmp)
config = cmp.to_json()
try:
    cmp.work(problem).refuse_over("This comparison")
except ValueError as exc:
    widgets.alert(st.warning, str(exc), icon=":material/hourglass_top:")
    st.stop()

facts = [f"**{problem.title}**", f"{problem.dim} parameters"]
if problem.n_samples > 1:
    facts.append(f"{problem.n_samples} samples")
if problem.lipschitz is not None:
    facts.append(f"largest curvature L = {problem.lipschitz:.3g} (each run's stable learning rates are in the "
                 "results table)")
formula = getattr(problem, "formula", None)
st.caption(" · ".join(facts) + (f" · ${formula}$" if formula else ""))

try:
    rows = cached.results(config)
except ValueError as exc:  # a check only the runner makes: its message names the value
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.stop()
for row in rows:
    if row["status"] != "ok":
        widgets.alert(st.warning, f"{row['status']}. The other runs are unaffected.",
                      f"**{widgets.literal(row['run'])}** ", icon=":material/warning:")

left, right = st.columns(2, gap="medium")
with left:
    st.subheader("Trajectories")
    try:
        cost.plane(problem).refuse_over("The loss over the picture's grid")
        plane = cached.plane(config)
    except ValueError as exc:  # too slow to draw here: a reason, like the ones plane() returns
        plane = str(exc)
    if isinstance(plane, str):
        widgets.alert(st.info, plane, "No picture of the trajectories: ")
    else:
        # The click (a start point) and the chosen step are for features to come.
        player_component.show(cached.player_data(config), key="cmp.player")
        st.caption("Every run plays once when the results appear; press ▶ Play to watch again, or drag the "
                   "slider to go to any step. Stars mark the known minima.")
        if problem.dim != 2:
            st.caption(f"The model has {problem.dim} parameters: the picture is the plane through the runs' mean "
                       "spanned by the two directions in which they moved most, and the contours are the loss "
                       "in that plane.")
        st.download_button("Trajectories (PNG)", lambda: cached.landscape_png(config), "trajectories.png",
                           "image/png", on_click="ignore", icon=":material/download:", key="dl.landscape")
with right:
    st.subheader("Loss")
    st.image(cached.loss_png(config), width="stretch")
    st.download_button("Loss curves (PNG)", cached.loss_png(config), "loss.png", "image/png",
                       on_click="ignore", icon=":material/download:", key="dl.loss")

st.subheader("Results")
st.dataframe(rows, hide_index=True, width="stretch", column_config={
    "final loss": st.column_config.NumberColumn(format="%.4e"),
    "distance to optimum": st.column_config.NumberColumn(format="%.3e",
                                                         help="Distance from the final parameters to the "
                                                              "nearest known minimum"),
    "steps to tol": st.column_config.NumberColumn(format="%d", help=f"First recorded step within {cmp.tol:g} of "
                                                                    "the minimum's loss"),
    "diverged at": st.column_config.NumberColumn(format="%d"),
    "wall time (s)": st.column_config.NumberColumn(format="%.3f"),
})
st.download_button("Trajectories and losses (CSV)", lambda: cached.trajectories_csv(config), "trajectories.csv",
                   "text/csv", on_click="ignore", icon=":material/download:", key="dl.csv")

st.subheader("Update equations")
st.caption("γ: lr · μ: momentum · τ: dampening · λ: weight_decay · β₁, β₂: betas · ε: eps · α: alpha · "
           "η: lr_decay · g_t: the (mini-batch) gradient at step t")
for name in dict.fromkeys(r.optimizer for r in cmp.runs):
    opt_cls = optimizers.get(name)
    labels = ", ".join(f"run {i}" for i, r in enumerate(cmp.runs, start=1) if r.optimizer == name)
    st.markdown(f"**{opt_cls.title or name}** ({labels})")
    if opt_cls.latex:
        st.latex(opt_cls.latex)
    else:
        st.caption("This optimizer declares no equations (its class has no `latex`).")
