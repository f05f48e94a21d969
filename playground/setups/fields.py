"""Reading a setup's fields from a URL query."""
from __future__ import annotations

from typing import Any, Mapping, Sequence


def query_value(query: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    """The value of URL parameter ``key``: the last one when it is repeated, None when absent."""
    value = query.get(key)
    if value is None or isinstance(value, str):
        return value
    return value[-1] if value else None


def query_number(query: Mapping[str, str | Sequence[str]], key: str, kind: type, default: Any) -> Any:
    """URL parameter ``key`` read as ``kind`` (int or float), ``default`` when absent; ValueError names a bad one."""
    text = query_value(query, key)
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"Invalid {key}: {text!r}. Expected a {'whole ' if kind is int else ''}number") from None
