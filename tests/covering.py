"""Covering designs for the app's widget tests: interesting values read from declarations, and a greedy cover.

A random sequence of edits spends most of its reruns on values and pairs it
has already seen. Here every input's interesting values come from its
:class:`~optimizers.HyperParam` (its default, each bound the widget takes, a
value between or a few decades off), the values the widget takes but the
library refuses (an open bound) are kept apart, and rows are chosen greedily
so that each covers as many not yet covered targets (values, pairs of
values) as possible.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Collection, Hashable, Iterable, Mapping, Sequence, TypeVar

from optimizers import HyperParam

Row = TypeVar("Row")
#: An unbounded int (a seed): a large value, as a user pasting a timestamp would give.
LARGE_INT = 2**31 - 1
#: How many optional targets one required target is worth to :func:`greedy`.
REQUIRED_WEIGHT = 20


@dataclass(frozen=True)
class Input:
    """One widget of a declared setting: ``suffix`` is appended to the setting's key (``.0`` for a pair's first)."""

    label: str          # as the library's messages name it: "lr", "betas[1]"
    suffix: str
    valid: tuple[Any, ...]
    refused: tuple[Any, ...]


def inputs(hp: HyperParam, default: Any = None) -> list[Input]:
    """The widgets the app draws for ``hp`` and their interesting values (one Input, two for a pair).

    ``default`` replaces ``hp.default`` where the form starts from another value: an optional pair whose
    default None means a computed range (the Sweep page's momentum range).
    """
    default = hp.default if default is None else default
    if hp.kind == "bool":
        return [Input(hp.name, "", (False, True), ())]
    if hp.kind == "choice":
        return [Input(hp.name, "", tuple(hp.choices), ())]
    if hp.kind == "pair":
        return [Input(f"{hp.name}[{i}]", f".{i}", *_numbers(hp, float(d))) for i, d in enumerate(default)]
    return [Input(hp.name, "", *_numbers(hp, default))]


def _numbers(hp: HyperParam, default: float) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Valid and refused values of a number: bounds, a middle value, decades off a log default.

    The app's number inputs have no bounds of their own (the library's message names a value out of range), so
    the interesting values are the declaration's: its bounds, ``widget_high`` as the largest value worth typing
    where the range is unbounded, and an open bound as a refused value.
    """
    integer = hp.kind == "int"
    top = hp.high if hp.high is not None else hp.widget_high
    valid: list[Any] = [default]
    refused: list[Any] = []
    if hp.low is not None:
        (refused if hp.low_open else valid).append(hp.low)
    if top is not None:
        (refused if hp.high is not None and hp.high_open else valid).append(top)
    if hp.log and default > 0:
        valid.append(default / 100)
        if top is None:
            valid.append(default * 100)
    elif hp.low is not None and top is not None:
        valid.append((hp.low + top) // 2 if integer else (hp.low + top) / 2)
    elif integer:
        valid.append(LARGE_INT)
    cast = int if integer else float
    inside = [v for v in valid if (hp.low is None or v >= hp.low) and (top is None or v <= top)]
    return tuple(dict.fromkeys(cast(v) for v in inside)), tuple(cast(v) for v in refused)


def pairs(items: Iterable[tuple[str, Any]]) -> set[tuple[Any, ...]]:
    """Every pair of (name, value) items, as targets: ``(name1, value1, name2, value2)`` in name order."""
    items = sorted(items, key=lambda kv: kv[0])
    return {(a, va, b, vb) for i, (a, va) in enumerate(items) for b, vb in items[i + 1:]}


def greedy(make: Callable[[random.Random, int, set[Hashable]], Row | None], targets: Callable[[Row], set[Hashable]], rows: int,
           rng: random.Random, tries: int = 200, required: Collection[Hashable] = (),
           cost: Callable[[Row], float] = lambda row: 0.0) -> tuple[list[Row], set[Hashable]]:
    """``rows`` rows, each the best of ``tries`` candidates ``make(rng, i, covered)``: the one covering most new
    targets. ``make`` may use ``covered``, the targets of the rows before, to draw values not covered yet.

    A new ``required`` target counts as much as :data:`REQUIRED_WEIGHT` others, so that the many optional ones
    (pairs of hyperparameters) do not crowd out a value that must be covered. ``make`` returns None for a
    candidate it cannot use (one the library would refuse, or too slow). Returns the rows and every target they
    cover. Of two rows that score the same, the one of lower ``cost`` wins. Deterministic for a seeded ``rng``.
    """
    covered: set[Hashable] = set()
    chosen: list[Row] = []
    required = set(required)
    for i in range(rows):
        best, gain = None, (-1, 0.0)
        for _ in range(tries):
            row = make(rng, i, covered)
            if row is None:
                continue
            new = targets(row) - covered
            score = (len(new) + (REQUIRED_WEIGHT - 1) * len(new & required), -cost(row))
            if score > gain:
                best, gain = row, score
        if best is None:
            raise ValueError(f"row {i}: no usable candidate in {tries} tries")
        chosen.append(best)
        covered |= targets(best)
    return chosen, covered


def missing(wanted: Iterable[Hashable], covered: set[Hashable]) -> list[Hashable]:
    """The wanted targets not covered, sorted by their text (for a readable failure message)."""
    return sorted((t for t in wanted if t not in covered), key=repr)


def walk(values: Mapping[Hashable, Sequence[Any]]) -> list[dict[Hashable, Any]]:
    """Edits that give each key each of its ``values`` once, all keys stepping together: edit ``j`` sets every
    key that has a ``j``-th value. As many edits as the longest list: the cheapest way to try every value of
    many inputs when their combinations do not matter (each input is checked on its own)."""
    out: list[dict[Hashable, Any]] = []
    for key, vs in values.items():
        for j, v in enumerate(vs):
            if j == len(out):
                out.append({})
            out[j][key] = v
    return out


def choose(rng: random.Random, values: Sequence[Any]) -> Any:
    return values[rng.randrange(len(values))]
