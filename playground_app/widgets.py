"""Inputs built from declarations: one widget per :class:`~optimizers.HyperParam`.

A widget's value lives in ``st.session_state[key]``, set from a starting
value when the key is absent, rather than in the widget's ``value=``
argument. A loaded config (a link, a JSON file, a gallery button) can then
overwrite a value by clearing its key, and Streamlit never sees two sources
for one value.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Collection, Sequence, TypeVar

import streamlit as st

from optimizers import HyperParam, Schedule, schedules
from optimizers.hyperparams import non_defaults
from playground.gradcheck.report import VERDICTS


#: The schedule select's first option: the optimizer's own lr, constant.
NO_SCHEDULE = "none"

#: Characters that start Markdown in st.error, st.warning and st.info: emphasis, code, links and images
#: (``[``; a colour directive ``:red[...]`` needs one too), headings, HTML, LaTeX (``$``), strikethrough.
#: Escaped with a backslash, each shows as itself; the others (``(``, ``.``, ``:``) are only markup after these.
_MARKUP = re.compile(r"([\\`*_\[\]#<>$~])")


def literal(text: str) -> str:
    """``text`` with every Markdown character escaped, so an alert shows it exactly as written.

    A message can quote a value from a link or a config, e.g. ``[x](http://evil)``
    or ``![i](http://host/i.png)``: unescaped, the alert would render a link
    or make the browser fetch an outside image.
    """
    return _MARKUP.sub(r"\\\1", text)


def alert(box: Callable[..., Any], message: str, lead: str = "", **kwargs: Any) -> Any:
    """``box`` (st.error, st.warning, st.info) showing a library ``message`` as literal text after ``lead``.

    ``lead`` is the page's own wording and may use Markdown; ``message``
    (which may quote user input) never does. Every alert that carries a
    message from the library goes through here.
    """
    return box(lead + literal(message), **kwargs)


Shown = TypeVar("Shown")


def figure_or_reason(result: Shown | str, lead: str, box: Callable[..., Any] = st.info, **kwargs: Any) -> Shown | None:
    """``result`` of a cached function that returns a figure (PNG bytes, a payload) or the reason there is none.

    The figure is returned for the page to draw; a reason (a sentence) is shown
    here in ``box`` after ``lead`` (:func:`alert`), and None returned.
    """
    if isinstance(result, str):
        alert(box, result, lead, **kwargs)
        return None
    return result


def start(key: str, value: Any) -> None:
    """Give widget ``key`` its starting ``value`` unless it already has one."""
    if key not in st.session_state:
        st.session_state[key] = value


def clear(prefix: str) -> None:
    """Forget every widget value whose key starts with ``prefix``: they restart from a new config."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def forget_unchosen(prefix: str, options: Collection[str], select_key: str) -> Callable[[], None]:
    """An ``on_change`` for the select at ``select_key`` whose options each have inputs keyed
    ``prefix + option + "." + ...``: it forgets the inputs of every option but the one now chosen.

    An option's inputs are drawn only while it is chosen, so one chosen again
    starts afresh (from its suggestion). Their values would otherwise stay in
    the session for good, and every input Streamlit draws reads the whole
    session: each optimizer tried made every later rerun slower.
    """
    def forget() -> None:
        if select_key not in st.session_state:  # an earlier callback of this rerun cleared the page's inputs
            return
        others = set(options) - {st.session_state[select_key]}
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)
                    and k[len(prefix):].split(".", 1)[0] in others]:
            del st.session_state[key]
    return forget


def select(label: str, options: Sequence[Any], key: str, value: Any, *,
           format_func: Callable[[Any], str] = str, help: str | None = None,
           on_change: Callable[[], None] | None = None) -> Any:
    """A selectbox over ``options`` starting at ``value`` (the first option if ``value`` is not one).

    ``on_change`` is called, before the rerun, when the user picks another option.
    """
    start(key, value if value in options else options[0])
    if st.session_state[key] not in options:  # e.g. an optimizer plugin that is gone
        st.session_state[key] = options[0]
    return st.selectbox(label, options, key=key, format_func=format_func, help=help, on_change=on_change)


def number(label: str, key: str, value: int | float, *, step: int | float | None = None, help: str | None = None,
           fmt: str | None = None, label_visibility: str = "visible") -> Any:
    """A number input starting at ``value``; ints stay ints.

    It has no bounds of its own: Streamlit would refuse a value past them
    silently, with only a tooltip. The library's declaration is the one
    range, and its message names a refused value where the user typed it.
    """
    start(key, value)
    integer = isinstance(value, int) and not isinstance(value, bool)
    cast = int if integer else float
    return st.number_input(label, step=cast(1 if integer else 0.01) if step is None else step, key=key, help=help,
                           format=fmt or ("%d" if integer else "%g"), label_visibility=label_visibility)


def declared(hp: HyperParam, key: str, value: Any, help: str | None = None) -> Any:
    """The widget for setting ``hp``, starting at ``value``; returns its current value (a tuple for a pair).

    Labelled with ``hp.title``; the help says its meaning and range (``help`` replaces the meaning).
    """
    help_text = f"{help or hp.meaning}. Allowed: {hp.range_text}."
    if hp.kind == "bool":
        start(key, bool(value))
        return st.checkbox(hp.title, key=key, help=help_text)
    if hp.kind == "choice":
        return select(hp.title, list(hp.choices), key, value, help=help_text)
    if hp.kind == "pair":
        # One label over both inputs: "betas", then [0] and [1] side by side, as torch indexes them.
        st.markdown(f":small[{hp.title}]", help=help_text)
        values = []
        for i, (column, v) in enumerate(zip(st.columns(2), value)):
            with column:
                values.append(number(f"{hp.title}[{i}]", f"{key}.{i}", float(v),
                                     step=_step(hp, max(abs(float(x)) for x in hp.default or value)),
                                     label_visibility="collapsed"))
        return tuple(values)
    if hp.kind == "list":
        # Written as the CLI and the link write it (20/70); text that does not read back is returned as it is,
        # so the declaration's own check refuses it by name where it is used.
        start(key, hp.format(value))
        text = st.text_input(hp.title, key=key, help=f"{help_text} Write the values as a/b/c.")
        try:
            return hp.parse(text)
        except ValueError:
            return text
    if hp.kind == "int":
        return number(hp.title, key, int(value), step=1, help=help_text)
    return number(hp.title, key, float(value), step=_step(hp, float(value if hp.default is None else hp.default)),
                  help=help_text)


def checked(compute: Callable[[], Any]) -> Any:
    """``compute()``, or None with its ValueError shown here, under the input it is about."""
    try:
        return compute()
    except ValueError as exc:
        alert(st.error, str(exc), icon=":material/error:")
        return None


def schedule(key: str, given: Schedule | None, help: str | None = None) -> Schedule | None | bool:
    """A schedule select and its declared inputs: the schedule, None for none, False if refused (the message
    shown under the inputs). ``help`` is the select's (by default, what the schedules are).

    ``sequential`` nests schedules, which no flat form holds, so it is typed
    in its spec grammar (:data:`optimizers.schedules.GRAMMAR`).
    """
    current = NO_SCHEDULE if given is None else given.name
    name = select("learning-rate schedule", [NO_SCHEDULE] + schedules.available(), key + "name", current,
                  format_func=lambda n: n if n == NO_SCHEDULE else f"{schedules.get(n).title} ({n})",
                  help=help or "torch.optim.lr_scheduler's schedules, stepped once per optimizer step",
                  on_change=forget_unchosen(key, schedules.available(), key + "name"))
    if name == NO_SCHEDULE:
        return None
    cls = schedules.get(name)
    start_hp = given.hp if given is not None and given.name == name else {}
    if cls is schedules.Sequential:
        text = given.format() if given is not None and given.name == name else schedules.SEQUENTIAL_EXAMPLE
        start(key + "sequential", text)
        typed = st.text_input("sequential spec", key=key + "sequential", help=schedules.GRAMMAR)
        sched = checked(lambda: schedules.parse(typed))
        return False if sched is None else sched
    values = {hp.name: _schedule_input(hp, f"{key}{name}.{hp.name}", start_hp.get(hp.name, hp.default))
              for hp in cls.hyperparams}
    sched = checked(lambda: cls(**non_defaults(cls.hyperparams, values, keep=start_hp)))
    return False if sched is None else sched


def _schedule_input(hp: HyperParam, key: str, value: Any) -> Any:
    """:func:`declared`, with the unset state (None) of an optional setting as its own choice."""
    if not hp.optional:
        return declared(hp, key, value)
    if hp.kind == "bool":
        return select(hp.title, [None, True, False], key, value, help=f"{hp.meaning}.",
                      format_func=lambda v: "unset" if v is None else "on" if v else "off")
    start(key + ".set", value is not None)
    if not st.checkbox(f"set {hp.title}", key=key + ".set", help=f"{hp.meaning}."):
        return None
    return declared(hp, key, 1 if value is None else value)


def _step(hp: HyperParam, typical: float) -> float:
    """The +/- step: the decade of a log-scaled default, else a tenth of the default's decade (0.01 for 0)."""
    if typical <= 0 or not math.isfinite(typical):
        return 0.01
    decade = 10.0 ** math.floor(math.log10(typical))
    return decade if hp.log else decade / 10


#: The alert each gradient-check verdict is shown in: a pass, a numeric caveat, a doubt, a bug.
_VERDICT_BOXES = {"correct": st.success, "kink": st.info, "inconclusive": st.info, "suspicious": st.warning,
                  "wrong": st.error}
assert set(_VERDICT_BOXES) == set(VERDICTS), "every verdict the library gives has a box"


def verdict_box(verdict: str) -> Callable[..., Any]:
    """The alert a gradient-check verdict is shown in (st.success, st.info, st.warning or st.error)."""
    return _VERDICT_BOXES[verdict]
