"""Compare: several optimizers on one problem, from the same start on the same data.

The sidebar edits the comparison; the page shows what the library computed
for it: the trajectories played over the loss landscape, the loss curves,
the parameters over the steps, the results table and each optimizer's update
equations (a buggy updater's code).
"""
from dataclasses import replace

import streamlit as st

import optimizers
from playground_app import cached, compare_form, player_component, surface_panel, tune_panel, widgets
from playground.setups import cost
from playground.setups.comparison import VIEW, results_text
from playground.training.projection import VIEWS
from playground.training.run_spec import RunSpec
from playground.viz import plots

#: The view toggle's key: under the form's prefix, so a loaded comparison restarts it from its own view.
VIEW_KEY = compare_form.PREFIX + "view"
LOSS_AXES = {True: "loss − loss*", False: "loss"}
#: The step anatomy's toggle, run and step: under the form's prefix, as the other panels' toggles.
ANATOMY_SHOW, ANATOMY_RUN, ANATOMY_STEP = (compare_form.PREFIX + f"anatomy.{k}" for k in ("show", "run", "step"))

def _start_from_click(cmp, problem, click) -> None:
    """A click on the contours starts every run there: a two-parameter problem's parameters, or a network's point
    of the plane drawn (which then stays). The library refuses a point outside that plane or with no finite loss."""
    if click is not None:
        moved = replace(cmp, start=(round(click[0], 4), round(click[1], 4)))
        try:
            moved.start_params(problem, cached.start_plane(cached.runs_config(moved)))
        except ValueError as exc:
            widgets.alert(st.error, str(exc), icon=":material/error:")
        else:
            compare_form.STATE.load(moved)
            st.rerun()
    if cmp.start is not None:
        left, right = st.columns([3, 1])
        plane = "" if problem.dim == 2 else (" of this plane, which stays the one drawn for the runs from the "
                                             "problem's own start")
        left.caption(f"Every run starts where you clicked, at ({cmp.start[0]:g}, {cmp.start[1]:g}){plane}.")
        if right.button("Back to the problem's start", key="cmp.start.reset"):
            compare_form.STATE.load(replace(cmp, start=None))
            st.rerun()
    else:
        st.caption("Click the contours to start every run from that point.")


def _anatomy_choice(cmp, problem) -> tuple[int, int] | None:
    """The step anatomy's toggle and, when it is on, its run and step: (run, step), else None."""
    if not st.toggle("Show the anatomy of a step", key=ANATOMY_SHOW,
                     help="Replays a run to the step you choose and draws that step in its parts on the player."):
        return None
    st.caption("Arrows from the run's point at step k: the plain gradient step −lr·g (dashed), each part of the "
               "step the optimizer computed (gradient, velocity or momentum, rescaled for adaptive methods) and the "
               "step taken, with their numbers, and the per-coordinate rescaling, under the player. Pause or step "
               "the player to choose k: while the anatomy is shown, ‹ and › move one optimizer step, however few "
               "snapshots the run keeps."
               + ("" if problem.dim == 2 else " The arrows are the step's projection onto the picture's plane."))
    left, right = st.columns(2)
    which = left.selectbox("run", range(len(cmp.runs)), format_func=lambda i: cmp.runs[i].label, key=ANATOMY_RUN)
    widgets.start(ANATOMY_STEP, 0)
    step = right.number_input("step k (shows k → k + 1)", step=1, key=ANATOMY_STEP,
                              help=f"0 to {cmp.steps - 1}: the step from the parameters after k updates.")
    return int(which), int(step)


def _follow_player(cmp):
    """A step chosen in the player moves the anatomy's step input (its own ± then move on from there)."""
    def follow(step: int) -> None:
        st.session_state[ANATOMY_STEP] = min(step, cmp.steps - 1)
    return follow


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
    widgets.alert(st.error, link_error, "The link's comparison could not be loaded, so this is the default one. ")
if error:
    widgets.alert(st.error, error, icon=":material/error:")
    st.info("Change the setting named above in the sidebar; the results come back as soon as it is valid.")
    st.stop()

# The view toggle is drawn over the player, below; its value is part of the comparison, and of the link.
widgets.start(VIEW_KEY, shown.view)
cmp = replace(cmp, view=st.session_state[VIEW_KEY])
compare_form.STATE.publish(cmp)
config = cached.runs_config(cmp)
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
    cached.trajectories(config)  # first, outside every cached function, so that none records its progress bar
    rows = cached.results(config)
except ValueError as exc:  # a check only the runner makes: its message names the value
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.stop()
anatomy = None  # the chosen step in parts, once there is a player to draw it on
left, right = st.columns(2, gap="medium")
with left:
    st.subheader("Trajectories")
    try:
        cost.plane(problem).refuse_over("The loss over the picture's grid")
        plane = cached.plane(config, cmp.view)
    except ValueError as exc:  # too slow to draw here: a reason, like the ones plane() returns
        plane = str(exc)
    if widgets.figure_or_reason(plane, "No picture of the trajectories: ") is not None:
        st.radio(VIEW.title, VIEW.choices, key=VIEW_KEY, horizontal=True, format_func=VIEWS.get,
                 help="The runs that settle: a run that diverges or drifts away is drawn to the edge, marked "
                      "with the step at which it left the view. Every run: the view widens to hold them all.")
        # One container whatever it holds, so turning the anatomy on does not move (and so re-mount) the player.
        with st.container():
            choice = _anatomy_choice(cmp, problem)
            anatomy = None if choice is None else widgets.figure_or_reason(
                cached.step_anatomy(config, cmp.view, *choice), "", st.error, icon=":material/error:")
        events = player_component.show(cached.player_data(config, cmp.view), key="cmp.player",
                                       anatomy=None if anatomy is None else anatomy[0],
                                       on_step=_follow_player(cmp))
        _start_from_click(cmp, problem, events.click)
        st.caption("Every run plays once when the results appear; press ▶ Play to watch again, or drag the "
                   "slider to go to any step. Stars mark the known minima; a diamond on the edge marks a run "
                   "that left the view.")
        if problem.dim != 2:
            st.caption(f"The model has {problem.dim} parameters: the picture is the plane through the runs' mean "
                       "spanned by the two directions in which they moved most, and the contours are the loss "
                       "in that plane.")
        st.download_button("Trajectories (PNG)", lambda: cached.landscape_png(config, cmp.view), "trajectories.png",
                           "image/png", on_click="ignore", icon=":material/download:", key="dl.landscape")
with right:
    if anatomy is not None:  # the step's numbers beside its arrows
        _, equation, table = anatomy
        st.subheader(f"Step {choice[1]} → {choice[1] + 1} of {cmp.runs[choice[0]].label}")
        st.latex(equation)
        st.dataframe(table, hide_index=True, width="stretch")
    st.subheader("Loss")
    known = problem.optimal_loss() is not None
    suboptimal = known and st.radio(
        "loss axis", (True, False), key=compare_form.PREFIX + "suboptimal", horizontal=True,
        format_func=LOSS_AXES.get,
        help="loss − loss*: how far above the minimum's loss each run is, which keeps falling on the log axis "
             "where the loss itself flattens onto loss*.")
    loss_png = cached.loss_png(config, suboptimal)
    st.image(loss_png, width="stretch")
    st.download_button("Loss curves (PNG)", loss_png, "loss.png", "image/png",
                       on_click="ignore", icon=":material/download:", key="dl.loss")
    # A quadratic: theory predicts each eigendirection's decay (drawn on request: the page opens light).
    if problem.hessian is not None and st.toggle("Show the error per eigendirection, beside theory",
                                                 key=compare_form.PREFIX + "eigen.show"):
        eigen_png = widgets.figure_or_reason(cached.eigen_errors_png(config), "No per-direction errors: ")
        if eigen_png is not None:
            st.image(eigen_png, width="stretch")
            st.caption("The error along each eigenvector of the (constant) Hessian, measured (solid), and the "
                       "closed form's |e(0)| ρᵗ (dashed) for GD, heavy-ball and Nesterov momentum.")
surface_panel.show(config, cmp.view, plane)

st.subheader("Parameters over steps")
# Open by default where a run drifts without diverging (the gallery's updater): that drift is the picture to see.
widgets.start(compare_form.PREFIX + "parameters.show", any(r.updater is not None for r in cmp.runs))
if st.toggle("Show each parameter over the steps", key=compare_form.PREFIX + "parameters.show"):
    st.image(cached.parameters_png(config), width="stretch")
    st.caption(f"Each parameter against the step (each block's norm for a network or past "
               f"{plots.MAX_PARAMETER_PANELS} parameters): a run that drifts shows here even while its loss looks "
               "settled.")

st.subheader("Results")
shown_rows = [{k: v for k, v in row.items() if k != "status"} for row in results_text(rows)]
st.table(shown_rows, hide_index=True)
st.caption(f"steps to tol: the first recorded step within {cmp.tol:g} of the minimum's loss (of 0 when no "
           "minimum is known). distance to optimum: from the final parameters to the nearest known minimum. "
           "stable for lr below: the largest stable learning rate theory gives on a quadratic.")
for row in rows:
    if row["status"] != "ok":
        widgets.alert(st.warning, f"{row['status']}. The other runs are unaffected.",
                      f"**{widgets.literal(row['run'])}** ", icon=":material/warning:")
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
# Each schedule's formula: the lr the equations above take as gamma at step t.
for sched in dict.fromkeys(r.schedule for r in cmp.runs if r.schedule is not None):
    labels = ", ".join(f"run {i}" for i, r in enumerate(cmp.runs, start=1) if r.schedule == sched)
    st.markdown(f"**Schedule: {sched.title}** (`{sched.format()}`, {labels}; as `{sched.torch}`)")
    st.latex(sched.latex)
    for sub in getattr(sched, "schedules", ()):
        st.latex(rf"\text{{{sub.name}}}:\ {sub.latex}")
