"""Declared settings: name, default, valid range and meaning.

Optimizers declare their hyperparameters with :class:`HyperParam`, and
problems declare their settings the same way, so the app and the CLI can build
widgets and parse ``key=value`` options from the declaration alone, and every
bad value is rejected with one message format that names it and its range.

A spec string names something and its non-default values the same way in the
CLI and the URL: ``adam:lr=0.01,betas=0.9/0.999`` (:func:`parse_spec`,
:func:`format_spec`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping, Sequence

import numpy as np

KINDS = ("float", "int", "bool", "pair", "list", "choice")


@dataclass(frozen=True)
class HyperParam:
    """One declared setting.

    ``low``/``high`` bound the valid range; ``low_open``/``high_open`` exclude
    the bound itself. ``kind`` is ``"float"``, ``"int"``, ``"bool"``,
    ``"pair"`` (two floats, each in the range, e.g. Adam's ``betas``),
    ``"list"`` (one or more floats, each in the range, written ``a/b/c``) or
    ``"choice"`` (one of ``choices``). ``log`` hints that a widget should use a
    log scale; ``widget_high`` caps a widget whose valid range is unbounded.
    ``label`` is what a form calls it, in words ("learning rates"; the
    name by default). ``optional`` settings also take None, which means "absent" (``meaning``
    says what that does, e.g. a batch size of None is the full batch).
    A float setting accepts a 1-D array too (unless ``runs=False``): the
    vectorised sweep passes one value per run, and every entry is validated.
    A subclass for values of another kind (a schedule:
    :class:`optimizers.schedules.ScheduleParam`) names its kinds in ``kinds``
    and writes :meth:`validate`, :meth:`parse`, :meth:`format` and :meth:`plain`.
    """

    #: The kinds this class validates.
    kinds: ClassVar[tuple[str, ...]] = KINDS

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
    optional: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in self.kinds:
            raise ValueError(f"{type(self).__name__} {self.name!r}: kind {self.kind!r} is not one of {self.kinds}")

    @property
    def title(self) -> str:
        """What a form calls this setting: its ``label``, else its name."""
        return self.label or self.name

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

    def validate(self, value: Any, runs: bool = True) -> Any:
        """Return ``value`` in canonical form, or raise ValueError naming it and the range.

        ``runs=False`` refuses per-run arrays: a config or a form holds one value.
        """
        if value is None and self.optional:
            return None
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"Invalid {self.name}: {excerpt(value)}. Allowed: {self.range_text}")
            return bool(value)
        if self.kind == "choice":
            try:
                ok = value in self.choices
            except TypeError:  # e.g. a list, which is unhashable where choices are a dict's keys
                ok = False
            if not ok:
                raise ValueError(f"Invalid {self.name}: {excerpt(value)}. Allowed: {self.range_text}")
            return value
        if self.kind == "pair":
            if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") or len(value) != 2:
                raise ValueError(
                    f"Invalid {self.name}: {excerpt(value)}. Expected two numbers, each in {self.range_text}")
            a, b = value
            return (self._number(a, f"{self.name}[0]", runs), self._number(b, f"{self.name}[1]", runs))
        if self.kind == "list":
            if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") or not len(value):
                raise ValueError(f"Invalid {self.name}: {excerpt(value)}. Expected one or more numbers, each in "
                                 f"{self.range_text}")
            return tuple(self._number(v, f"{self.name}[{i}]", runs=False) for i, v in enumerate(value))
        return self._number(value, self.name, runs)

    def parse(self, text: str) -> Any:
        """Read a value written by :meth:`format` (``0.01``, ``true``, ``0.9/0.999``) and validate it."""
        text = text.strip()
        if self.optional and text.lower() in ("", "none"):
            return None
        if self.kind == "bool":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"Invalid {self.name}: {excerpt(text)}. Allowed: true or false")
            return self.validate(lowered in ("true", "1", "yes"))
        if self.kind == "choice":
            return self.validate(text)
        if self.kind == "pair":
            parts = text.split("/")
            if len(parts) != 2:
                raise ValueError(f"Invalid {self.name}: {excerpt(text)}. Write two numbers as a/b, e.g. 0.9/0.999")
            return self.validate(tuple(_to_number(self.name, t) for t in parts))
        if self.kind == "list":
            return self.validate(tuple(_to_number(self.name, t) for t in text.split("/")))
        return self.validate(_to_number(self.name, text))

    def format(self, value: Any) -> str:
        """The text :meth:`parse` reads back to ``value``."""
        if value is None:
            return ""
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind in ("pair", "list"):
            return "/".join(_fmt_exact(v) for v in value)
        if self.kind == "choice":
            return str(value)
        return _fmt_exact(value)

    def plain(self, value: Any) -> Any:
        """``value`` as plain JSON types, which :meth:`validate` reads back: a pair or list as a list."""
        return list(value) if isinstance(value, tuple) else value

    def _number(self, value: Any, label: str, runs: bool) -> Any:
        if isinstance(value, (bool, np.bool_, str, bytes)) or (not runs and not np.isscalar(value)):
            raise ValueError(f"Invalid {label}: {excerpt(value)}. Expected a number in {self.range_text}")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError, RecursionError, OverflowError):  # ragged or absurdly nested input
            arr = np.asarray(None)
        if arr.dtype.kind not in "biuf" or arr.ndim > 1 or arr.size == 0:
            raise ValueError(f"Invalid {label}: {excerpt(value)}. Expected a number in {self.range_text}")
        bad = [float(v) for v in np.atleast_1d(arr).astype(float) if not self._inside(float(v))]
        if bad:
            raise ValueError(f"Invalid {label}: {_fmt(bad[0])}. Allowed range: {self.range_text}")
        if self.kind == "int":
            if arr.ndim or float(value) != int(value):
                raise ValueError(f"Invalid {label}: {excerpt(value)}. Expected a whole number in {self.range_text}")
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
    # Whole numbers in full up to a billion (a step limit of 1e+06 reads as a float), others to 6 digits.
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e9 else f"{v:g}"


def _fmt_exact(v: Any) -> str:
    # repr round-trips a float exactly; :g would round to 6 digits.
    return str(int(v)) if isinstance(v, (int, np.integer)) else repr(float(v))


def _to_number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"Invalid {name}: {excerpt(text)} is not a number") from None


#: The longest excerpt of a bad value that a message quotes: a 50 MB name must not make a 50 MB message.
EXCERPT = 60


def excerpt(value: Any) -> str:
    """``repr(value)``, cut to :data:`EXCERPT` characters with the size of what was left out."""
    try:
        text = repr(value) if not isinstance(value, np.ndarray) or value.size <= 8 else f"array of shape {value.shape}"
    except RecursionError:  # a structure nested too deep to print
        return f"a {type(value).__name__} nested too deeply to show"
    if len(text) <= EXCERPT:
        return text
    return f"{text[:EXCERPT]}… ({len(text):,} characters)"


def known(specs: Iterable[HyperParam], keys: Iterable[str], owner: str) -> dict[str, HyperParam]:
    """The specs by name, once every key in ``keys`` is among them.

    ValueError names the first unknown key, ``owner`` (the optimizer or
    problem) and the valid keywords.
    """
    by_name = {s.name: s for s in specs}
    for key in keys:
        if key not in by_name:
            raise ValueError(f"Unknown keyword {excerpt(key)} for {owner}. "
                             f"Valid keywords: {', '.join(by_name) or 'none'}")
    return by_name


def validate_all(specs: Iterable[HyperParam], given: Mapping[str, Any], owner: str,
                 runs: bool = True) -> dict[str, Any]:
    """Fill defaults, validate every value, and reject unknown keywords (``runs``: as in :meth:`HyperParam.validate`)."""
    return {s.name: s.validate(given.get(s.name, s.default), runs)
            for s in known(specs, given, owner).values()}


def validate_given(specs: Iterable[HyperParam], given: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """Validate only the keys given, one value each (no per-run arrays): defaults stay implicit, so configs stay short."""
    if not isinstance(given, Mapping):
        raise ValueError(f"Invalid settings of {owner}: {excerpt(given)}. Expected an object of key: value")
    by_name = known(specs, given, owner)
    return {k: by_name[k].validate(v, runs=False) for k, v in given.items()}


def parse_spec(text: str, specs: Sequence[HyperParam], owner: str) -> dict[str, Any]:
    """``key=value,key=value`` -> typed, validated values (only the keys given)."""
    pairs: dict[str, str] = {}
    for item in split_top(text):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"Invalid setting {excerpt(item)} for {owner}: write key=value")
        if key.strip() in pairs:  # a silent "last one wins" would hide a typo
            raise ValueError(f"Invalid settings for {owner}: {excerpt(key.strip())} is given twice")
        pairs[key.strip()] = value
    by_name = known(specs, pairs, owner)
    return {k: by_name[k].parse(v) for k, v in pairs.items()}


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` cut at each ``sep`` outside parentheses, each piece stripped, empty ones dropped.

    Nested specs keep their own commas: ``a=1,schedule=cosine(T_max=9,eta_min=0)`` is two items.
    """
    items, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if c == sep and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [t.strip() for t in items if t.strip()]


def non_defaults(specs: Sequence[HyperParam], values: Mapping[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """The ``values`` that differ from their declared defaults, or are named in ``keep``, in declaration order.

    A form shows every setting; a config keeps only the ones that were
    changed, so URLs stay short and a run's label names only what sets it
    apart. ``keep`` names settings a loaded config spelled out, so editing
    it gives back that config exactly. Values are not validated here:
    :meth:`Comparison.validate` does that, naming the run a bad value belongs to.
    """
    def plain(v: Any) -> Any:
        return tuple(v) if isinstance(v, list) else v

    keep = set(keep)
    return {s.name: values[s.name] for s in specs
            if s.name in values and (s.name in keep or plain(values[s.name]) != plain(s.default))}


def format_spec(name: str, values: Mapping[str, Any], specs: Sequence[HyperParam]) -> str:
    """Inverse of :func:`parse_spec` with the name in front: ``adam:lr=0.01``."""
    by_name = {s.name: s for s in specs}
    body = ",".join(f"{k}={by_name[k].format(v)}" for k, v in values.items())
    return f"{name}:{body}" if body else name
