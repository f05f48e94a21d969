"""The Compare page's sidebar form, and where its comparison comes from and goes to.

The comparison shown is :data:`STATE`'s, the last valid one: read from the
link on a session's first visit, replaced by a loaded JSON config or a
gallery button, and by every valid edit of the form.
"""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

import optimizers
from playground import problems
from optimizers.hyperparams import non_defaults
from playground.setups.comparison import RUN_COUNT, Comparison
from playground.training.run_spec import ACCUMULATE, BATCH_SIZE, SHUFFLE, RunSpec
from playground.problems import Problem

from . import widgets
from .state import PageState

PREFIX = "cmp."
STATE = PageState("comparison", PREFIX, Comparison, Comparison.from_query, Comparison.to_query)
#: Optimizers given to runs added with the "runs" input, in turn.
NEW_RUNS = ("gd", "momentum", "adam", "nesterov", "rmsprop", "adagrad")
BATCH_MODES = ("full batch", "mini-batch", "per-sample")


@st.cache_resource(show_spinner=False, max_entries=16)
def build_problem(name: str, settings: tuple[tuple[str, Any], ...]) -> Problem:
    """The problem, built once per settings: the form needs its size on every rerun."""
    return problems.create(name, **dict(settings))


def edit(cmp: Comparison) -> tuple[Comparison | None, Problem | None, str | None]:
    """Draw the form starting from ``cmp``; return the edited comparison and its problem, or why there is none.

    Every input is built from its declaration, and a refused value gets the
    library's message (which names it and its range) right under it. A run
    with a refused value is left out, so the other runs still show; a refused
    problem or training setting leaves nothing to run, and the message says so.
    """
    st.header("Problem")
    name = widgets.select("problem", problems.available(), PREFIX + "problem", cmp.problem,
                          format_func=lambda n: problems.spec(n).title)
    spec = problems.spec(name)
    given = cmp.settings if name == cmp.problem else {}
    settings: dict[str, Any] = {}
    if spec.settings:
        with st.expander("Problem settings", key=PREFIX + "settings.box"):
            for hp in spec.settings:
                settings[hp.name] = widgets.declared(hp, f"{PREFIX}problem.{name}.{hp.name}",
                                                      given.get(hp.name, hp.default))
    settings = non_defaults(spec.settings, settings, keep=given)
    problem = _checked(lambda: build_problem(name, tuple(sorted(settings.items()))))

    st.header("Runs")
    n_runs = widgets.declared(RUN_COUNT, PREFIX + "n_runs", len(cmp.runs))
    count = _checked(lambda: RUN_COUNT.validate(n_runs))
    has_data = spec.kind != "function"
    n_samples = problem.n_samples if problem is not None else None
    # Runs past the count keep their inputs in the session, so 3 -> 1 -> 3 gives back runs 2 and 3.
    runs = [_run_form(i, cmp.runs[i] if i < len(cmp.runs) else RunSpec(NEW_RUNS[i % len(NEW_RUNS)]),
                      has_data, n_samples) for i in range(count or len(cmp.runs))]

    st.header("Training")
    values, refused = {}, False
    for hp in Comparison.FIELDS:
        if hp is SHUFFLE and not has_data:
            continue
        value = widgets.declared(hp, PREFIX + hp.name, getattr(cmp, hp.name))
        values[hp.name] = _checked(lambda hp=hp, value=value: hp.validate(value, runs=False))
        refused |= values[hp.name] is None
    kept = tuple(r for r in runs if r is not None)
    if problem is None or count is None or refused or not kept:
        return None, None, "Nothing to run until the setting marked in the sidebar is changed."
    edited = Comparison(name, settings, kept, **values)
    try:
        edited.validate()
    except ValueError as exc:
        return None, None, str(exc)
    return edited, problem, None


def _checked(compute: Callable[[], Any]) -> Any:
    """``compute()``, or None with its ValueError shown here, under the input it is about."""
    try:
        return compute()
    except ValueError as exc:
        widgets.alert(st.error, str(exc), icon=":material/error:")
        return None


def _run_form(i: int, given: RunSpec, has_data: bool, n_samples: int | None) -> RunSpec | None:
    """Run ``i``'s inputs: optimizer, its declared hyperparameters, and how it batches the data.

    None, with the message under the run, when a value is refused.
    """
    key = f"{PREFIX}run{i}."
    widgets.start(key + "optimizer", given.optimizer)
    # Titled by the optimizer the select below holds; the key keeps the box open when that changes.
    with st.expander(f"Run {i + 1} · {_optimizer_title(st.session_state[key + 'optimizer'])}", expanded=True,
                     key=key + "box"):
        name = widgets.select("optimizer", optimizers.available(), key + "optimizer", given.optimizer,
                              format_func=_optimizer_title)
        opt_cls = optimizers.get(name)
        start = given.hp if name == given.optimizer else {}
        values = {hp.name: widgets.declared(hp, f"{key}{name}.{hp.name}", start.get(hp.name, hp.default))
                  for hp in opt_cls.hyperparams}
        batch_size, accumulate = None, 1
        if has_data:
            mode = {None: BATCH_MODES[0], 1: BATCH_MODES[2]}.get(given.batch_size, BATCH_MODES[1])
            widgets.start(key + "batches", mode)
            mode = st.radio("batches", BATCH_MODES, key=key + "batches", horizontal=True,
                            help="Full batch: every step sees all the data. Mini-batch: B samples per step, "
                                 "reshuffled each epoch. Per-sample: B = 1 (classic SGD).")
            if mode == BATCH_MODES[1]:
                batch_size = widgets.declared(BATCH_SIZE, key + "batch_size",
                                              given.batch_size or min(10, n_samples or 10))
            elif mode == BATCH_MODES[2]:
                batch_size = 1
            if mode != BATCH_MODES[0]:
                accumulate = widgets.declared(ACCUMULATE, key + "accumulate", given.accumulate)
        run = RunSpec(name, non_defaults(opt_cls.hyperparams, values, keep=start), batch_size, accumulate)
        return run if _checked(lambda: run.validate(n_samples or 1)) is not None else None


def _optimizer_title(name: str) -> str:
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
