"""Declared fields: each setting of a setup declared once, and every form of it derived from that.

A setup (a :class:`~playground.setups.comparison.Comparison`, a
:class:`~playground.setups.check.CheckSetup`, a
:class:`~playground.setups.sweep.SweepSetup`) is a frozen dataclass whose
plain settings are declared in ``FIELDS`` as :class:`~optimizers.HyperParam`
(name, default, range, meaning). :class:`Declared` derives from ``FIELDS``:

- validation, with messages that name the bad value and its range;
- the dict (JSON) codec, strict about types: ``10.7`` is not a step count,
  ``"false"`` is not a bool, and nothing is silently rounded or coerced;
- the URL codec (``steps=200&shuffle=false``);
- the CLI options (``--steps``, ``--shuffle``), with the range in their help.

The app builds its inputs from the same ``FIELDS``, so no input has bounds of
its own. What is not a plain setting (the problem with its settings, the
runs) has its own codec beside the setup, built from the same declarations.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, ClassVar, Mapping, Sequence

from optimizers import HyperParam
from optimizers.hyperparams import excerpt, format_spec, parse_spec, validate_given

from .. import problems

#: The largest config accepted, in characters: a setup is a few hundred; this stops a 50 MB paste early.
MAX_CONFIG = 1_000_000

Query = Mapping[str, "str | Sequence[str]"]


class Declared:
    """Codecs of a frozen dataclass's declared ``FIELDS``; ``OWNER`` names the setup in messages."""

    FIELDS: ClassVar[tuple[HyperParam, ...]] = ()
    OWNER: ClassVar[str] = "setup"

    def to_json(self) -> str:
        """The setup as JSON text: its ``to_dict()``, which the subclass defines."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Any:
        """A setup from JSON text or UTF-8 bytes, through the subclass's ``from_dict``; ValueError says what is
        wrong, by name."""
        return cls.from_dict(load_json(text, cls.OWNER))

    def check_fields(self) -> None:
        """ValueError for the first field whose value is outside its declaration."""
        for f in self.FIELDS:
            f.validate(getattr(self, f.name), runs=False)

    def fields_to_dict(self) -> dict[str, Any]:
        """The declared fields as plain JSON types (pairs as lists)."""
        return {f.name: f.plain(getattr(self, f.name)) for f in self.FIELDS}

    @classmethod
    def fields_from_dict(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """The declared fields present in ``data``, each read through its declaration."""
        return {f.name: f.validate(data[f.name], runs=False) for f in cls.FIELDS if f.name in data}

    def fields_to_query(self) -> dict[str, str]:
        """The declared fields as URL parameters (None-valued optional fields left out)."""
        return {f.name: f.format(getattr(self, f.name)) for f in self.FIELDS if getattr(self, f.name) is not None}

    @classmethod
    def fields_from_query(cls, query: Query) -> dict[str, Any]:
        """The declared fields present in a URL query, each parsed through its declaration."""
        return {f.name: f.parse(text) for f in cls.FIELDS if (text := query_value(query, f.name)) is not None}

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser | Any, skip: Sequence[str] = ()) -> None:
        """One ``--name`` option per declared field (:func:`add_option`), except those in ``skip``."""
        for f in cls.FIELDS:
            if f.name not in skip:
                add_option(parser, f)

    @classmethod
    def fields_from_args(cls, args: argparse.Namespace) -> dict[str, Any]:
        """The declared fields given on the command line, each read through its declaration."""
        return {f.name: value for f in cls.FIELDS if (value := read_option(args, f)) is not None}

    @classmethod
    def check_keys(cls, data: Any, composite: Sequence[str]) -> Mapping[str, Any]:
        """``data`` as a mapping whose keys are all known: the ``composite`` ones and the declared fields."""
        if not isinstance(data, Mapping):
            raise ValueError(f"The {cls.OWNER} config must be a JSON object, got {excerpt(data)}")
        valid = list(composite) + [f.name for f in cls.FIELDS]
        unknown = [k for k in data if k not in valid]
        if unknown:
            raise ValueError(f"Unknown key {excerpt(unknown[0])} in {cls.OWNER} config. Valid keys: {', '.join(valid)}")
        return data


def option_name(f: HyperParam) -> str:
    """The CLI option of a declared field: ``--lr-points`` for ``lr_points``."""
    return "--" + f.name.replace("_", "-")


def add_option(parser: argparse.ArgumentParser | Any, f: HyperParam) -> None:
    """``--name VALUE`` for declaration ``f`` (``--name/--no-name`` for a bool), its help from the declaration.

    Values stay text until :func:`read_option`, so a bad one is refused with
    the declaration's own message, not argparse's.
    """
    default = "absent" if f.default is None else f.format(f.default)
    help_text = f"{f.meaning}; {f.range_text} (default: {default})"
    if f.kind == "bool":
        parser.add_argument(option_name(f), dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                            help=help_text)
    else:
        metavar = {"pair": "A/B", "choice": "|".join(map(str, f.choices)), "int": "N",
                   "schedule": "SPEC"}.get(f.kind, "X")
        parser.add_argument(option_name(f), dest=f.name, metavar=metavar, default=None, help=help_text)


def read_option(args: argparse.Namespace, f: HyperParam) -> Any:
    """The value of declaration ``f``'s option, read through it; None when the option was not given."""
    value = getattr(args, f.name, None)
    if value is None or isinstance(value, bool):
        return value
    try:
        return f.parse(value)
    except ValueError as exc:  # name the option as the user typed it
        message = str(exc)
        for tail in (":", "["):  # "Invalid lr_range[0]: ..." is about an entry of --lr-range
            message = message.replace(f"Invalid {f.name}{tail}", f"Invalid {option_name(f)}{tail}", 1)
        raise ValueError(message) from None


def load_json(text: str | bytes, owner: str) -> Any:
    """JSON text (or UTF-8 bytes, e.g. an uploaded file) as Python values; ValueError says what is wrong.

    Refused by name: text that is not UTF-8, longer than :data:`MAX_CONFIG`,
    not JSON, nested too deeply, or with a key given twice (JSON keeps the last
    silently, which would hide a typo).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"The {owner} config is not UTF-8 text (byte {exc.start} is {text[exc.start]:#04x})") \
                from None
    if len(text) > MAX_CONFIG:
        raise ValueError(f"The {owner} config has {len(text):,} characters; at most {MAX_CONFIG:,} are accepted")

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise ValueError(f"The {owner} config gives the key {excerpt(k)} twice")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_repeats)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The {owner} config is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"The {owner} config is nested too deeply to be a {owner}") from None


# -- the problem: a name and its settings --------------------------------------
def problem_text(name: str, settings: Mapping[str, Any]) -> str:
    """``linreg:n=200,noise=0.3``: the problem as the URL and the CLI write it."""
    return format_spec(name, settings, problems.spec(name).settings)


def parse_problem(text: str) -> tuple[str, dict[str, Any]]:
    """Inverse of :func:`problem_text`; ValueError names an unknown problem, key or a bad value."""
    name, _, body = text.strip().partition(":")
    spec = problems.spec(name.strip())
    return spec.name, parse_spec(body, spec.settings, f"problem {spec.name!r}")


def read_problem(name: Any, settings: Any) -> tuple[str, dict[str, Any]]:
    """A problem name and its settings (an object; null is refused) from a config, each read through its declaration."""
    spec = problems.spec(name)
    return spec.name, validate_given(spec.settings, settings, f"problem {spec.name!r}")


# -- URL queries ---------------------------------------------------------------
def query_value(query: Query, key: str) -> str | None:
    """The value of URL parameter ``key``, None when absent; ValueError when it is given twice."""
    value = query.get(key)
    if value is None or isinstance(value, str):
        return value
    if len(value) > 1:  # a silent "last one wins" would hide which one the page shows
        raise ValueError(f"Invalid link: {key} is given {len(value)} times; give it once")
    return value[0] if value else None


def query_values(query: Query, key: str) -> list[str]:
    """Every value of a repeatable URL parameter (``run=...&run=...``), in order."""
    value = query.get(key)
    return [value] if isinstance(value, str) else list(value or [])
