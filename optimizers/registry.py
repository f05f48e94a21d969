"""The optimizer registry: built-ins, user classes, and third-party plugins.

``@register("name")`` adds a class. Packages add optimizers through the
entry-point group ``optimizer_playground.optimizers``: each entry point names
an :class:`~optimizers.base.Optimizer` subclass, registered under the entry
point's name the first time the registry is read. Everything that lists or
builds optimizers (runner, CLI, app) goes through :func:`available` and
:func:`create`, so a registered optimizer appears everywhere with no other change.
"""
from __future__ import annotations

import warnings
from importlib.metadata import entry_points
from typing import Any, Callable, TypeVar

from .base import Optimizer
from .hyperparams import excerpt

ENTRY_POINT_GROUP = "optimizer_playground.optimizers"

_REGISTRY: dict[str, type[Optimizer]] = {}
_plugins_loaded = False

O = TypeVar("O", bound=type[Optimizer])


def register(name: str) -> Callable[[O], O]:
    """Class decorator: make ``cls`` available as ``optimizers.create(name)``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"Invalid optimizer name {name!r}: use a Python identifier such as 'my_sgd'")

    def add(cls: O) -> O:
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise TypeError(f"@register({name!r}) needs an Optimizer subclass, got {cls!r}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return add


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
            taken = _REGISTRY.get(ep.name, cls)
            if taken is not cls:  # e.g. a plugin named "adam": the built-in stays, and the author learns why
                raise ValueError(f"the name is taken by {taken.__module__}.{taken.__qualname__}")
            register(ep.name)(cls)
        except Exception as exc:  # a broken plugin must not take the playground down
            warnings.warn(f"optimizer plugin {ep.name!r} ({ep.value}) was not loaded: {exc}", stacklevel=3)


def available() -> list[str]:
    """Names of every registered optimizer, built-ins first, in registration order."""
    _load_plugins()
    return list(_REGISTRY)


def get(name: str) -> type[Optimizer]:
    """The class registered as ``name``; unknown names list the available ones."""
    _load_plugins()
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown optimizer {excerpt(name)}. Available: {', '.join(_REGISTRY)}") from None


def create(name: str, **hp: Any) -> Optimizer:
    """Build the optimizer registered as ``name`` with hyperparameters ``hp``."""
    return get(name)(**hp)
