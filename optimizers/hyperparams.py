"""Declared settings: name, default, valid range and meaning.

Optimizers declare their hyperparameters with :class:`HyperParam`, and
problems declare their settings the same way, so the app and the CLI can build
widgets and parse ``key=value`` options from the declaration alone, and every
bad value is rejected with one message format that names it and its range.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

KINDS = ("float", "int", "bool", "pair", "choice")


@dataclass(frozen=True)
class HyperParam:
    """One declared setting.

    ``low``/``high`` bound the valid range; ``low_open``/``high_open`` exclude
    the bound itself. ``kind`` is ``"float"``, ``"int"``, ``"bool"``,
    ``"pair"`` (two floats, each in the range, e.g. Adam's ``betas``) or
    ``"choice"`` (one of ``choices``). ``log`` hints that a widget should use a
    log scale; ``widget_high`` caps a widget whose valid range is unbounded.
    A float setting accepts a 1-D array too: the vectorised sweep passes one
    value per run, and every entry is validated.
    """

    name: str
    default: Any
    meaning: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    kind: str = "float"
    log: bool = False
    widget_high: float | None = None
    choices: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"HyperParam {self.name!r}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def range_text(self) -> str:
        """The valid range in interval notation, e.g. ``(0, inf)`` or ``[0, 1)``."""
        if self.kind == "bool":
            return "True or False"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if self.low is None or self.low_open else "["
        right = ")" if self.high is None or self.high_open else "]"
        return f"{left}{lo}, {hi}{right}"

    def validate(self, value: Any) -> Any:
        """Return ``value`` in canonical form, or raise ValueError naming it and the range."""
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"Invalid {self.name}: {value!r}. Allowed: {self.range_text}")
            return bool(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"Invalid {self.name}: {value!r}. Allowed: {self.range_text}")
            return value
        if self.kind == "pair":
            try:
                a, b = value
            except (TypeError, ValueError):
                raise ValueError(
                    f"Invalid {self.name}: {value!r}. Expected two numbers, each in {self.range_text}"
                ) from None
            return (self._number(a, f"{self.name}[0]"), self._number(b, f"{self.name}[1]"))
        return self._number(value, self.name)

    def parse(self, text: str) -> Any:
        """Read a value written by :meth:`format` (``0.01``, ``true``, ``0.9/0.999``) and validate it."""
        text = text.strip()
        if self.kind == "bool":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"Invalid {self.name}: {text!r}. Allowed: true or false")
            return self.validate(lowered in ("true", "1", "yes"))
        if self.kind == "choice":
            return self.validate(text)
        if self.kind == "pair":
            parts = text.split("/")
            if len(parts) != 2:
                raise ValueError(f"Invalid {self.name}: {text!r}. Write two numbers as a/b, e.g. 0.9/0.999")
            return self.validate(tuple(_to_number(self.name, t) for t in parts))
        return self.validate(_to_number(self.name, text))

    def format(self, value: Any) -> str:
        """The text :meth:`parse` reads back to ``value``."""
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "pair":
            return "/".join(_fmt_exact(v) for v in value)
        if self.kind == "choice":
            return str(value)
        return _fmt_exact(value)

    def _number(self, value: Any, label: str) -> Any:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf" or arr.ndim > 1 or arr.size == 0 or isinstance(value, (bool, np.bool_)):
            raise ValueError(f"Invalid {label}: {value!r}. Expected a number in {self.range_text}")
        bad = [float(v) for v in np.atleast_1d(arr).astype(float) if not self._inside(float(v))]
        if bad:
            raise ValueError(f"Invalid {label}: {_fmt(bad[0])}. Allowed range: {self.range_text}")
        if self.kind == "int":
            if arr.ndim or float(value) != int(value):
                raise ValueError(f"Invalid {label}: {value!r}. Expected a whole number in {self.range_text}")
            return int(value)
        return float(arr) if arr.ndim == 0 else arr.astype(np.float64)

    def _inside(self, v: float) -> bool:
        if not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            return False
        return True


def _fmt(v: float) -> str:
    return f"{v:g}"


def _fmt_exact(v: Any) -> str:
    # repr round-trips a float exactly; :g would round to 6 digits.
    return str(int(v)) if isinstance(v, (int, np.integer)) else repr(float(v))


def _to_number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"Invalid {name}: {text!r} is not a number") from None


def known(specs: Iterable[HyperParam], keys: Iterable[str], owner: str) -> dict[str, HyperParam]:
    """The specs by name, once every key in ``keys`` is among them.

    ValueError names the first unknown key, ``owner`` (the optimizer or
    problem) and the valid keywords.
    """
    by_name = {s.name: s for s in specs}
    for key in keys:
        if key not in by_name:
            raise ValueError(f"Unknown keyword {key!r} for {owner}. Valid keywords: {', '.join(by_name) or 'none'}")
    return by_name


def validate_all(specs: Iterable[HyperParam], given: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """Fill defaults, validate every value, and reject unknown keywords."""
    return {s.name: s.validate(given.get(s.name, s.default)) for s in known(specs, given, owner).values()}
