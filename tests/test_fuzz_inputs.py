"""Malformed values generated from the declarations themselves, fed through every door.

Every declared setting (the setups' ``FIELDS``, the run options, each
registered optimizer's ``hyperparams``, each problem's settings) gets bad
values made from its kind and range: wrong types, out of range, NaN and
infinities, a huge string, deeply nested lists. Each goes through the JSON
config (``Comparison.from_dict``/``from_json``, and ``compare --config``;
``SweepSetup.from_dict``/``from_json`` for a sweep's fields), the
URL (``from_query``) and the command line (``main``). Every refusal must be a
ValueError (the CLI: exit 2 and one short line ``playground: error: ...``);
nothing else may reach a user. A new declaration is fuzzed without anyone
writing a case for it. Cases are sampled with a fixed seed to stay fast.
"""
from __future__ import annotations

import json
import random
from typing import Any, Iterator

import pytest

import optimizers
from optimizers import HyperParam
from playground import problems
from playground.cli import anatomy, main
from playground.setups.check import CheckSetup
from playground.setups.comparison import Comparison
from playground.setups.fields import option_name
from playground.setups.sweep import SweepSetup
from playground.training.run_spec import RUN_OPTIONS

SEED = 20240601
#: Bad values tried per declaration and door; the whole file runs in a few seconds.
PER_DECLARATION = 3
HUGE = "x" * 100_000
MAX_LINE = 300


def nested(depth: int) -> Any:
    value: Any = 1.0
    for _ in range(depth):
        value = [value]
    return value


def bad_values(hp: HyperParam) -> list[Any]:
    """Values ``hp`` must refuse, as Python (JSON) values: wrong types, out of range, non-finite, huge, nested."""
    values: list[Any] = [HUGE, nested(50), {"a": 1}, float("nan"), float("inf"), -float("inf")]
    if not hp.optional:
        values.append(None)
    if hp.kind in ("float", "int"):
        values += ["1", True, [1.0]]
        if hp.low is not None:
            values.append(hp.low if hp.low_open else hp.low - 1)
        if hp.high is not None:
            values.append(hp.high if hp.high_open else hp.high + 1)
        if hp.kind == "int":
            values += [2.5, 10.7]
    elif hp.kind == "bool":
        values += ["false", "true", 1, 0]
    elif hp.kind == "choice":
        values += [123, [hp.choices[0]], "not-a-choice"]
    elif hp.kind == "pair":
        values += [[0.5], [0.5, 0.5, 0.5], "0.5/0.5", 0.5, [True, False], [float("nan"), 0.5]]
    elif hp.kind == "list":
        values += [[], "0.5", [[0.5]], [float("inf")]]
    elif hp.kind == "schedule":
        values += [123, ["cosine"], "warmup", "cosine:T_max=0", "multistep:milestones=5/1"]
    return values


def bad_texts(hp: HyperParam) -> list[str]:
    """Text (a URL value, a CLI option) ``hp`` must refuse."""
    texts = [HUGE, "[" * 50 + "1" + "]" * 50, "nan", "inf", "-inf", "1e400", "{}", "abc"]
    if hp.kind in ("float", "int"):
        if hp.low is not None:
            texts.append(repr(hp.low if hp.low_open else hp.low - 1))
        if hp.high is not None:
            texts.append(repr(hp.high if hp.high_open else hp.high + 1))
        if hp.kind == "int":
            texts += ["2.5", "true"]
    elif hp.kind == "bool":
        texts += ["maybe", "2"]
    elif hp.kind == "pair":
        texts += ["0.5", "0.5/0.5/0.5", "nan/0.5"]
    elif hp.kind == "list":
        texts += ["0.5/abc", "inf/0.5"]
    elif hp.kind == "schedule":
        texts += ["cosine:T_max=0", "multistep:milestones=5/1", "cosine(T_max=1", "sequential:cosine+step+linear"]
    return [t for t in texts if not (hp.kind == "choice" and t in map(str, hp.choices))]


def sample(values: list[Any], rng: random.Random) -> list[Any]:
    return rng.sample(values, min(PER_DECLARATION, len(values)))


# -- where each declaration lives: how to put a value (or a text) in each door ----------------------------------
def declarations() -> Iterator[tuple[str, HyperParam, dict[str, Any]]]:
    """(owner, declaration, where): ``where`` says which setup, optimizer or problem holds it."""
    for owner, cls in (("comparison", Comparison), ("check", CheckSetup), ("sweep", SweepSetup)):
        for f in cls.FIELDS:
            yield owner, f, {}
    for hp in RUN_OPTIONS:
        yield "run", hp, {"optimizer": "gd"}
    for name in optimizers.available():
        for hp in optimizers.get(name).hyperparams:
            yield "run", hp, {"optimizer": name}
    for name in problems.available():
        for hp in problems.spec(name).settings:
            yield "problem", hp, {"problem": name}


def config_for(owner: str, hp: HyperParam, where: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """A comparison config with ``value`` in ``hp``'s place, or None when the comparison has no such place."""
    if owner == "comparison":
        return {hp.name: value}
    if owner == "run":
        return {"runs": [{"optimizer": where["optimizer"], hp.name: value}]}
    if owner == "problem":
        return {"problem": where["problem"], "settings": {hp.name: value}}
    return None


def query_for(owner: str, hp: HyperParam, where: dict[str, Any], text: str) -> tuple[Any, dict[str, Any]]:
    """The setup class and a URL query with ``text`` in ``hp``'s place."""
    if owner == "run":
        return Comparison, {"run": f"{where['optimizer']}:{hp.name}={text}"}
    if owner == "problem":
        return Comparison, {"problem": f"{where['problem']}:{hp.name}={text}"}
    return {"comparison": Comparison, "check": CheckSetup, "sweep": SweepSetup}[owner], {hp.name: text}


def argv_for(owner: str, hp: HyperParam, where: dict[str, Any], text: str) -> list[str] | None:
    """A command line with ``text`` in ``hp``'s place (None for a bool field: its option takes no value)."""
    if owner == "run":
        return ["compare", "--opt", f"{where['optimizer']}:{hp.name}={text}"]
    if owner == "problem":
        return ["compare", "--problem", where["problem"], "--set", f"{hp.name}={text}"]
    if hp.kind == "bool":
        return None
    command = {"comparison": ["compare"], "check": ["gradcheck", "xor"], "sweep": ["sweep"]}[owner]
    return [*command, f"{option_name(hp)}={text}"]


def expect_value_error(call: Any, *args: Any) -> None:
    """``call(*args)`` refuses with a ValueError, or accepts; any other exception fails the test."""
    try:
        call(*args)
    except ValueError:
        pass


def expect_one_line(capsys: Any, argv: list[str]) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    short = [a if len(a) < 80 else a[:40] + "…" for a in argv]
    assert code == 2, (short, err[:300])
    assert err.startswith("playground: error: ") and err.count("\n") == 1, (short, err[:300])
    assert len(err) < MAX_LINE, (short, err[:400])


CASES = list(declarations())


def test_every_kind_of_declaration_is_fuzzed():
    kinds = {hp.kind for _, hp, _ in CASES}
    assert kinds == {"float", "int", "bool", "pair", "list", "choice", "schedule"}
    assert {owner for owner, _, _ in CASES} == {"comparison", "check", "sweep", "run", "problem"}


def test_a_bad_value_in_a_config_is_a_value_error(tmp_path, capsys):
    rng = random.Random(SEED)
    for owner, hp, where in CASES:
        for value in sample(bad_values(hp), rng):
            if owner == "sweep":  # a sweep config of its own
                expect_value_error(SweepSetup.from_dict, {hp.name: value})
                expect_value_error(SweepSetup.from_json, json.dumps({hp.name: value}))
            config = config_for(owner, hp, where, value)
            if config is None:
                continue
            expect_value_error(Comparison.from_dict, config)
            expect_value_error(Comparison.from_json, json.dumps(config))
    # The CLI reads the same configs: a sample of them, each refused in one line.
    for i, (owner, hp, where) in enumerate(rng.sample(CASES, 25)):
        value = rng.choice([v for v in bad_values(hp) if v is not None or not hp.optional])
        config = config_for(owner, hp, where, value)
        if config is not None:
            path = tmp_path / f"config{i}.json"
            path.write_text(json.dumps(config))
            expect_one_line(capsys, ["compare", "--config", str(path)])


def test_a_bad_value_in_a_link_is_a_value_error():
    rng = random.Random(SEED + 1)
    for owner, hp, where in CASES:
        for text in sample(bad_texts(hp), rng):
            cls, query = query_for(owner, hp, where, text)
            with pytest.raises(ValueError):
                cls.from_query(query)


def test_a_bad_value_on_the_command_line_is_one_short_line(capsys):
    rng = random.Random(SEED + 2)
    for owner, hp, where in CASES:
        for text in sample(bad_texts(hp), rng):
            argv = argv_for(owner, hp, where, text)
            if argv is not None:
                expect_one_line(capsys, argv)


def test_a_bad_value_of_an_anatomy_option_is_one_short_line(capsys):
    # ``anatomy`` reads its run's settings through the comparison's declarations, and --coords through its own.
    rng = random.Random(SEED + 3)
    for hp in (*anatomy.RUN_FIELDS, anatomy.COORDS):
        if hp.kind != "bool":
            for text in sample(bad_texts(hp), rng):
                expect_one_line(capsys, ["anatomy", "--opt", "gd", "--step", "0", f"{option_name(hp)}={text}"])


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"steps": 1e400}', '{"runs": [{}]}', "\ufeff{}",
                                  '{"settings": null, "problem": "linreg"}', '{"runs": [1]}', '{"steps": null}'])
def test_structurally_bad_json_is_a_value_error(text):
    expect_value_error(Comparison.from_json, text)
    expect_value_error(Comparison.from_json, text.encode("utf-8"))
