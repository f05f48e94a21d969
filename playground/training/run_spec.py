"""What one run is: an optimizer with its hyperparameter values, and how it batches the data.

Written as a spec string, the same in the CLI and the URL:
``adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import optimizers
from optimizers import Optimizer
from optimizers.hyperparams import HyperParam, format_spec, parse_spec

#: Run options that are not optimizer hyperparameters.
RUN_KEYS = ("batch_size", "accumulate")
_BATCH = HyperParam("batch_size", None, "mini-batch size (absent: full batch)", low=1, kind="int")
_ACCUMULATE = HyperParam("accumulate", 1, "mini-batches averaged into one step", low=1, kind="int")


@dataclass(frozen=True)
class RunSpec:
    """One run: an optimizer with its hyperparameters, and how it batches the data."""

    optimizer: str
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    accumulate: int = 1

    def build(self) -> Optimizer:
        return optimizers.create(self.optimizer, **self.hyperparams)

    @property
    def label(self) -> str:
        """Display name, e.g. ``adam lr=0.01, bs=16``: what distinguishes the run."""
        parts = [f"{k}={self._hp_spec(k).format(v)}" for k, v in self.hyperparams.items()]
        if self.batch_size is not None:
            parts.append(f"bs={self.batch_size}")
        if self.accumulate != 1:
            parts.append(f"acc={self.accumulate}")
        return f"{self.optimizer} " + ", ".join(parts) if parts else self.optimizer

    def _hp_spec(self, key: str) -> HyperParam:
        return {h.name: h for h in optimizers.get(self.optimizer).hyperparams}[key]

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        """Read ``name:key=value,...``; ``batch_size`` and ``accumulate`` are run options."""
        name, _, body = text.strip().partition(":")
        opt_cls = optimizers.get(name.strip())
        values = parse_spec(body, opt_cls.hyperparams + (_BATCH, _ACCUMULATE), f"optimizer {name.strip()!r}")
        run_opts = {k: values.pop(k) for k in RUN_KEYS if k in values}
        spec = cls(opt_cls.name, values, **run_opts)
        spec.build()  # cross-field checks, e.g. nesterov with dampening
        return spec

    def format(self) -> str:
        values = dict(self.hyperparams)
        if self.batch_size is not None:
            values["batch_size"] = self.batch_size
        if self.accumulate != 1:
            values["accumulate"] = self.accumulate
        return format_spec(self.optimizer, values, optimizers.get(self.optimizer).hyperparams + (_BATCH, _ACCUMULATE))
