"""The Compare page's sidebar form, and where its comparison comes from and goes to.

The comparison shown is :data:`STATE`'s, the last valid one: read from the
link on a session's first visit, replaced by a loaded JSON config or a
gallery button, and by every valid edit of the form.

Learning rates start from the problem's suggestions
(:mod:`playground.training.suggest`): a new run, an optimizer picked for a
run, and every run when the user switches problem; the "Reset runs to
suggested" button applies them to every run again.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

import streamlit as st

import optimizers
from playground import problems
from optimizers.hyperparams import non_defaults
from playground.gallery import updaters
from playground.setups.comparison import RUN_COUNT, START, VIEW, Comparison
from playground.training.run_spec import ACCUMULATE, BATCH_SIZE, GRAD_NOISE, SHUFFLE, UPDATER, RunSpec
from playground.training.suggest import suggested_run, suggested_runs
from playground.problems import Problem

from . import widgets
from .state import PageState

PREFIX = "cmp."
STATE = PageState("comparison", PREFIX, Comparison, Comparison.from_query, Comparison.to_query)
#: Optimizers given to runs added with the "runs" input, in turn.
NEW_RUNS = ("gd", "momentum", "adam", "nesterov", "rmsprop", "adagrad")
BATCH_MODES = ("full batch", "mini-batch", "per-sample")
#: Session key of the gallery entry a comparison was opened from: its title, shown once on the Compare page.
FROM_GALLERY = "cmp.from_gallery"


@st.cache_resource(show_spinner=False, max_entries=16)
def build_problem(name: str, settings: tuple[tuple[str, Any], ...]) -> Problem:
    """The problem, built once per settings: the form needs its size on every rerun."""
    return problems.create(name, **dict(settings))


def adopt_problem(name: str, settings: Mapping[str, Any]) -> None:
    """Make problem ``name`` the session's, unless the session already has a comparison.

    The session's problem is the Compare page's; the Sweep page opened from a
    link hands the link's problem over here rather than writing this page's state.
    """
    if STATE.key not in st.session_state:
        STATE.load(Comparison(name, settings))


def edit(cmp: Comparison) -> tuple[Comparison | None, Problem | None, str | None]:
    """Draw the form starting from ``cmp``; return the edited comparison and its problem, or why there is none.

    Every input is built from its declaration, and a refused value gets the
    library's message (which names it and its range) right under it. A run
    with a refused value is left out, so the other runs still show; a refused
    problem or training setting leaves nothing to run, and the message says so.
    """
    st.header("Problem")
    name = widgets.select("problem", problems.available(), PREFIX + "problem", cmp.problem,
                          format_func=lambda n: problems.spec(n).title, on_change=_switch_problem)
    spec = problems.spec(name)
    given = cmp.settings if name == cmp.problem else {}
    settings: dict[str, Any] = {}
    if spec.settings:
        with st.expander("Problem settings", key=PREFIX + "settings.box"):
            for hp in spec.settings:
                settings[hp.name] = widgets.declared(hp, f"{PREFIX}problem.{name}.{hp.name}",
                                                      given.get(hp.name, hp.default))
    settings = non_defaults(spec.settings, settings, keep=given)
    problem = widgets.checked(lambda: build_problem(name, tuple(sorted(settings.items()))))

    st.header("Runs")
    n_runs = widgets.declared(RUN_COUNT, PREFIX + "n_runs", len(cmp.runs))
    count = widgets.checked(lambda: RUN_COUNT.validate(n_runs))
    st.button("Reset runs to suggested", on_click=_reset_runs, key="runs.reset", icon=":material/restart_alt:",
              help="Give every run the learning rate this problem suggests for its optimizer (the other "
                   "hyperparameters at their defaults), then run again.")
    has_data = spec.kind != "function"

    def suggested(optimizer: str) -> RunSpec:
        """A new run of ``optimizer``: its suggestion for this problem, its defaults while the problem is refused."""
        return RunSpec(optimizer) if problem is None else suggested_run(name, settings, optimizer)

    # Every run drawn is parked under the form's prefix, so 3 -> 1 -> 3 gives back runs 2 and 3 as they were
    # (a loaded config clears the prefix, and starts from its own runs).
    parked = st.session_state.setdefault(PREFIX + "parked", {})
    runs = [_run_form(i, cmp.runs[i] if i < len(cmp.runs) else parked.get(i) or suggested(NEW_RUNS[i % len(NEW_RUNS)]),
                      has_data, problem, suggested, cmp.steps) for i in range(count or len(cmp.runs))]
    parked.update({i: r for i, r in enumerate(runs) if r is not None})

    st.header("Training")
    values, refused = {}, False
    for hp in Comparison.FIELDS:
        # The view and the start point are set on the picture: a toggle over the player, a click on it.
        if hp in (VIEW, START) or (hp is SHUFFLE and not has_data):
            continue
        value = widgets.declared(hp, PREFIX + hp.name, getattr(cmp, hp.name))
        values[hp.name] = widgets.checked(lambda hp=hp, value=value: hp.validate(value, runs=False))
        refused |= values[hp.name] is None
    kept = tuple(r for r in runs if r is not None)
    if problem is None or count is None or refused or not kept:
        return None, None, "Nothing to run until the setting marked in the sidebar is changed."
    # A start point belongs to the problem it was clicked on.
    edited = Comparison(name, settings, kept, **values, view=cmp.view, start=cmp.start if name == cmp.problem else None)
    try:
        edited.validate()
    except ValueError as exc:
        return None, None, str(exc)
    return edited, problem, None


def _switch_problem() -> None:
    """On a new problem, every run restarts from that problem's suggestions: an lr that suits one problem
    may diverge on another."""
    name = st.session_state.get(PREFIX + "problem")
    if name is None:  # an earlier callback of this rerun loaded a config, which holds its own problem
        return
    cmp = _on_screen()
    STATE.load(replace(cmp, problem=name, settings={}, runs=suggested_runs(name, {}, cmp.runs)))


def _reset_runs() -> None:
    cmp = _on_screen()
    STATE.load(replace(cmp, runs=suggested_runs(cmp.problem, cmp.settings, cmp.runs)))


def _on_screen() -> Comparison:
    """The comparison as the sidebar shows it, refused inputs included: the session's comparison is the last
    valid one, without a refused run or value, and starting a callback from it would silently undo them.

    The training fields are as typed; each run is its last valid self (parked), or a new run of the optimizer
    now chosen for it.
    """
    cmp = STATE.current()
    typed = {hp.name: st.session_state[PREFIX + hp.name] for hp in Comparison.FIELDS if PREFIX + hp.name in st.session_state}
    parked = st.session_state.get(PREFIX + "parked", {})
    runs = []
    for i in range(st.session_state.get(PREFIX + "n_runs") or len(cmp.runs)):
        last = parked.get(i) or (cmp.runs[i] if i < len(cmp.runs) else None)
        chosen = st.session_state.get(f"{PREFIX}run{i}.optimizer", None if last is None else last.optimizer)
        if chosen is not None:
            runs.append(last if last is not None and last.optimizer == chosen else RunSpec(chosen))
    return replace(cmp, runs=tuple(runs) or cmp.runs, **typed)


def _run_form(i: int, given: RunSpec, has_data: bool, problem: Problem | None,
              suggested: Callable[[str], RunSpec], cmp_steps: int) -> RunSpec | None:
    """Run ``i``'s inputs: optimizer (or buggy updater), its declared hyperparameters, how it batches the data,
    its schedule, and for a problem with a known curvature L whether its lr is a multiple of 2/L.

    The gallery's buggy updaters are offered after the optimizers, on the
    problems where their seed code runs. An optimizer picked for the run
    starts from ``suggested(name)``. None, with the message under the run,
    when a value is refused, or when the optimizer refuses the problem (Muon
    on a problem with no weight matrix).
    """
    key = f"{PREFIX}run{i}."
    choices = _by_family(optimizers.available()) + ([UPDATER + u for u in updaters.offered(problem)] if problem else [])
    widgets.start(key + "optimizer", given.optimizer)
    # Titled by the optimizer the select below holds; the key keeps the box open when that changes.
    with st.expander(f"Run {i + 1} · {_optimizer_title(st.session_state[key + 'optimizer'])}", expanded=True,
                     key=key + "box"):
        # Streamlit's select has no option groups: the options come grouped by family, each labelled with it,
        # then the bug gallery's buggy updaters whose seed code runs on this problem.
        name = widgets.select("optimizer", choices, key + "optimizer", given.optimizer,
                              format_func=_grouped_title,
                              on_change=widgets.forget_unchosen(key, choices, key + "optimizer"),
                              help="The optimizers by family, then the bug gallery's buggy updaters whose seed code "
                                   "runs on this problem: their lr means what GD's lr means here.")
        updater = RunSpec(name).updater
        declared = optimizers.get(name).hyperparams if updater is None else updater.hyperparams
        lipschitz = None if problem is None else problem.lipschitz
        has_lr = updater is None and any(hp.name == "lr" for hp in declared)
        lr_scale = given.lr_scale if has_lr else "absolute"
        # Shown where L is known, and where a loaded run asks for it, so that it can be unticked.
        if has_lr and (lipschitz is not None or lr_scale != "absolute"):
            widgets.start(key + "lr_scale", lr_scale != "absolute")
            relative = st.checkbox("lr as a multiple of 2/L", key=key + "lr_scale",
                                   on_change=_rescale_lr, args=(key, name, lipschitz),
                                   help="2/L is plain GD's largest stable step on this problem, L its largest "
                                        "curvature. Ticking it keeps the same step and shows it as a multiple.")
            lr_scale = "lipschitz" if relative else "absolute"
        if name != given.optimizer:
            given = RunSpec(name) if updater is not None else suggested(name)
            if lr_scale != "absolute" and lipschitz is not None:  # the suggested step, as a multiple of 2/L
                given = given.rescaled(lr_scale, lipschitz)
        start = given.hp
        values = {hp.name: widgets.declared(hp, f"{key}{name}.{hp.name}", start.get(hp.name, hp.default))
                  for hp in declared}
        batch_size, accumulate = None, 1
        if updater is not None:
            st.caption(f"The buggy code of the bug gallery's entry, run as it was written: {updater.seed_lr}.")
        if has_data and (updater is None or updater.batches):
            mode = {None: BATCH_MODES[0], 1: BATCH_MODES[2]}.get(given.batch_size, BATCH_MODES[1])
            widgets.start(key + "batches", mode)
            mode = st.radio("batches", BATCH_MODES, key=key + "batches", horizontal=True,
                            help="Full batch: every step sees all the data. Mini-batch: B samples per step, "
                                 "reshuffled each epoch. Per-sample: B = 1 (classic SGD).")
            if mode == BATCH_MODES[1]:
                batch_size = widgets.declared(BATCH_SIZE, key + "batch_size",
                                              given.batch_size or min(10, problem.n_samples if problem else 10))
            elif mode == BATCH_MODES[2]:
                batch_size = 1
            if mode != BATCH_MODES[0]:
                accumulate = widgets.declared(ACCUMULATE, key + "accumulate", given.accumulate)
        # Without data to sample, noise is what a learner can add to see SGD-like behaviour.
        grad_noise = 0.0 if has_data else widgets.declared(GRAD_NOISE, key + "grad_noise", given.grad_noise)
        sched = widgets.schedule(key + "schedule.", given.schedule) if updater is None else None
        if sched is False:
            return None
        run = RunSpec(name, non_defaults(declared, values, keep=start), batch_size, accumulate, grad_noise, sched,
                      lr_scale)
        try:
            # The steps shown are the last valid comparison's: a schedule is checked against a run that long.
            run.check() if problem is None else run.validate(problem, cmp_steps)
        except ValueError as exc:
            st.error(str(exc), icon=":material/error:")
            return None
        return run


def _by_family(names: list[str]) -> list[str]:
    """``names`` grouped by family in :data:`optimizers.FAMILIES` order, registration order within each."""
    rank = {f: i for i, f in enumerate(optimizers.FAMILIES)}
    return sorted(names, key=lambda n: rank.get(optimizers.get(n).family, len(rank)))


def _grouped_title(name: str) -> str:
    """The select's label, e.g. ``Adaptive · Adam (adam)``: the family shows the group."""
    if name.startswith(UPDATER):
        return _optimizer_title(name)
    try:
        family = optimizers.get(name).family
    except ValueError:
        return name
    return f"{family.capitalize()} · {_optimizer_title(name)}"


def _rescale_lr(key: str, name: str, lipschitz: float | None) -> None:
    """The lr input of run ``key`` after its scale checkbox changed: the same step, in the new scale."""
    lr_key = f"{key}{name}.lr"
    ticked = st.session_state.get(key + "lr_scale")
    # No L: a loaded run on a problem without one, nothing to convert with, so the value stays. No inputs:
    # an earlier callback of this rerun (a problem switch) loaded a config, whose lr is already in its scale.
    if lipschitz is None or ticked is None or lr_key not in st.session_state:
        return
    before = RunSpec(name, {"lr": st.session_state[lr_key]}, lr_scale="absolute" if ticked else "lipschitz")
    st.session_state[lr_key] = before.rescaled("lipschitz" if ticked else "absolute", lipschitz).hp["lr"]


def _optimizer_title(name: str) -> str:
    if name.startswith(UPDATER):
        return f"buggy updater: {RunSpec(name).updater.title}"
    try:
        title = optimizers.get(name).title
    except ValueError:  # a plugin that was unregistered: the select falls back to the first optimizer
        return name
    return f"{title} ({name})" if title else name


def share(cmp: Comparison | None) -> None:
    """Download the comparison as JSON, or load one from a file or pasted text."""
    with st.expander("Save or load this comparison", key="io.box"):
        st.caption("The link in your address bar reproduces this comparison too.")
        if cmp is not None:
            st.download_button("Download config (JSON)", cmp.to_json(), "comparison.json", "application/json",
                               on_click="ignore", icon=":material/download:")
        st.file_uploader("Load a config file (JSON)", type=["json"], key="io.upload", on_change=_load_upload)
        st.text_area("…or paste a config", key="io.paste", height=120,
                     placeholder='{"problem": "rosenbrock", "runs": [{"optimizer": "adam"}]}')
        st.button("Load pasted config", on_click=_load_paste, key="io.paste_button")
        message = st.session_state.pop("io.error", None)
        if message:
            widgets.alert(st.error, message, "Could not load that config: ")


def _load_text(text: str | bytes) -> None:
    try:
        STATE.load(Comparison.from_json(text))
    except ValueError as exc:  # the library's message names what is wrong (not UTF-8, a bad field, ...)
        st.session_state["io.error"] = str(exc)


def _load_upload() -> None:
    upload = st.session_state.get("io.upload")
    if upload is not None:
        _load_text(upload.getvalue())  # bytes: from_json says by name when they are not UTF-8


def _load_paste() -> None:
    _load_text(st.session_state.get("io.paste", ""))
