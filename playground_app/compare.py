"""Compare: several optimizers on one problem, from the same start on the same data.

The sidebar edits the comparison; the page shows what the library computed
for it: the trajectories played over the loss landscape, the loss curves,
the parameters over the steps, the results table and each optimizer's update
equations (a buggy updater's code).
"""
import streamlit as st

import optimizers
from playground_app import cached, compare_form, player_component, tune_panel
from playground.training.run_spec import RunSpec
from playground.viz import plots, projection

st.title("Compare optimizers")
st.markdown("Same problem, same start, same data order: only the optimizer differs. "
            "Edit the runs in the sidebar; the link in your address bar reproduces what you see.")

shown = compare_form.STATE.current()
with st.sidebar:
    cmp, problem, error = compare_form.edit(shown)
    compare_form.share(cmp)

origin = st.session_state.pop(compare_form.FROM_GALLERY, None)
if origin:
    st.info(f"From the bug gallery: {origin}", icon=":material/bug_report:")
link_error = compare_form.STATE.link_error()
if link_error:
    st.error(f"The link's comparison could not be loaded, so this is the default one. {link_error}")
if error:
    st.error(error, icon=":material/error:")
    st.info("Change the setting named above in the sidebar; the results come back as soon as it is valid.")
    st.stop()

compare_form.STATE.publish(cmp)
config = cmp.to_json()
work = cmp.work(problem)
if work > cached.WORK_LIMIT:
    st.warning(f"This comparison would take too long here: about {work:.1e} multiply-adds for {len(cmp.runs)} "
               f"runs of {cmp.steps} steps on {problem.dim} parameters, and the page runs up to "
               f"{cached.WORK_LIMIT:.0e} (a few seconds). Reduce the steps or the runs, the number of samples, the "
               "batch size or accumulate, or the network's width or depth.", icon=":material/hourglass_top:")
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
    st.error(str(exc), icon=":material/error:")
    st.stop()
for row in rows:
    if row["status"] != "ok":
        st.warning(f"**{row['run']}** {row['status']}. The other runs are unaffected.", icon=":material/warning:")

left, right = st.columns(2, gap="medium")
with left:
    st.subheader("Trajectories")
    grid_work = projection.plane_work(problem)
    plane = cached.plane(config) if grid_work <= cached.WORK_LIMIT else None
    if plane is None:
        st.info(f"No picture of the trajectories: the loss over its grid would take about {grid_work:.1e} "
                "multiply-adds. Use fewer samples or a smaller network to see it.")
    elif isinstance(plane, str):
        st.info(f"No picture of the trajectories: {plane}")
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
    if problem.hessian is not None:  # a quadratic: theory predicts each eigendirection's decay
        eigen_png = cached.eigen_errors_png(config)
        if isinstance(eigen_png, str):
            st.info(f"No per-direction errors: {eigen_png}")
        else:
            st.image(eigen_png, width="stretch")
            st.caption("The error along each eigenvector of the (constant) Hessian, measured (solid), and the "
                       "closed form's |e(0)| ρᵗ (dashed) for GD, heavy-ball and Nesterov momentum.")

st.subheader("Parameters over steps")
st.image(cached.parameters_png(config), width="stretch")
st.caption(f"Each parameter against the step (each block's norm for a network or past "
           f"{plots.MAX_PARAMETER_PANELS} parameters): a run that drifts shows here even while its loss looks "
           "settled.")

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
tune_panel.show(cmp)

st.subheader("Update equations")
st.caption("γ: lr · μ: momentum · τ: dampening · λ: weight_decay · β₁, β₂: betas · ε: eps · α: alpha · "
           "η: lr_decay · g_t: the (mini-batch) gradient at step t")
for name in dict.fromkeys(r.optimizer for r in cmp.runs):
    labels = ", ".join(f"run {i}" for i, r in enumerate(cmp.runs, start=1) if r.optimizer == name)
    updater = RunSpec(name).updater
    if updater is not None:
        # Seed code has no equations: its code is the statement of what it does.
        st.markdown(f"**Buggy updater: {updater.title}** ({labels}; {updater.seed_lr})")
        st.code(updater.entry.buggy_code, language="python", wrap_lines=True)
        continue
    opt_cls = optimizers.get(name)
    st.markdown(f"**{opt_cls.title or name}** ({labels})")
    if opt_cls.latex:
        st.latex(opt_cls.latex)
    else:
        st.caption("This optimizer declares no equations (its class has no `latex`).")
