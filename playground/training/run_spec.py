"""What one run is, and the declarations of every setting a run takes.

A run is an optimizer with its hyperparameter values and how it batches the
data (:class:`RunSpec`). Written as a spec string, the same in the CLI and
the URL: ``adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2``; as a
dict (JSON), the same keys flat: ``{"optimizer": "adam", "lr": 0.01,
"batch_size": 16}``.

The settings shared by the runs of a comparison or a sweep (``STEPS``,
``SEED``, ``SHUFFLE``, ``RECORD``) are declared here once, so the runner, the
setups, the app's inputs and the CLI all hold one range for each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import optimizers
from optimizers import HyperParam, Optimizer
from optimizers.hyperparams import excerpt, format_spec, parse_spec, validate_given

STEPS = HyperParam("steps", 200, "optimizer updates per run", low=1, high=1_000_000, kind="int")
SEED = HyperParam("seed", 0, "draws a random problem's start and the order of mini-batches", low=0, kind="int")
SHUFFLE = HyperParam("shuffle", True, "reshuffle the data every epoch (mini-batches only)", kind="bool",
                     label="reshuffle the data every epoch")
RECORD = HyperParam("record", 1000, "snapshots kept per run, evenly spaced, the start and the end among them",
                    low=2, high=100_000, kind="int")
BATCH_SIZE = HyperParam("batch_size", None, "samples per mini-batch; absent: the full batch", low=1, kind="int",
                        optional=True, label="batch size B")
ACCUMULATE = HyperParam("accumulate", 1, "mini-batch gradients averaged into one step", low=1, high=10_000,
                        kind="int")
#: Settings of a run that are not optimizer hyperparameters.
RUN_OPTIONS = (BATCH_SIZE, ACCUMULATE)


@dataclass(frozen=True)
class RunSpec:
    """One run: optimizer ``optimizer`` with hyperparameter values ``hp`` (only those that differ from
    the defaults, or were spelled out), and how it batches the data.

    Its keys are the optimizer's declared ``hyperparams`` plus :data:`RUN_OPTIONS`.
    """

    optimizer: str
    hp: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    accumulate: int = 1

    def build(self) -> Optimizer:
        """The optimizer, validated by its own declarations (cross-field checks included)."""
        return optimizers.create(self.optimizer, **self.hp)

    def validate(self, n_samples: int) -> Optimizer:
        """Check every value for a problem with ``n_samples`` samples; return the optimizer.

        ValueError names the bad value and its range.
        """
        opt = self.build()
        batch_size = BATCH_SIZE.validate(self.batch_size, runs=False)
        ACCUMULATE.validate(self.accumulate, runs=False)
        if batch_size is not None and batch_size > n_samples:
            raise ValueError(f"Invalid batch_size: {batch_size}. Allowed range: [1, {n_samples}] "
                             f"(the problem has {n_samples} samples)")
        return opt

    @property
    def label(self) -> str:
        """Display name, e.g. ``adam lr=0.01, bs=16``: what distinguishes the run."""
        declared = {h.name: h for h in optimizers.get(self.optimizer).hyperparams}
        parts = [f"{k}={declared[k].format(v)}" for k, v in self.hp.items()]
        if self.batch_size is not None:
            parts.append(f"bs={self.batch_size}")
        if self.accumulate != 1:
            parts.append(f"acc={self.accumulate}")
        return f"{self.optimizer} " + ", ".join(parts) if parts else self.optimizer

    # -- codecs: one set of keys, the declarations --------------------------------
    def values(self) -> dict[str, Any]:
        """Every key that is set: the hyperparameters, then the run options that differ from their defaults."""
        out = dict(self.hp)
        out.update({o.name: getattr(self, o.name) for o in RUN_OPTIONS if getattr(self, o.name) != o.default})
        return out

    @classmethod
    def _from_values(cls, name: str, values: Mapping[str, Any]) -> "RunSpec":
        values = dict(values)
        options = {o.name: values.pop(o.name) for o in RUN_OPTIONS if o.name in values}
        spec = cls(name, values, **options)
        spec.build()  # cross-field checks, e.g. nesterov with dampening
        return spec

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        """Read ``name:key=value,...``; ValueError names a bad key or value."""
        name, _, body = text.strip().partition(":")
        opt_cls = optimizers.get(name.strip())
        return cls._from_values(opt_cls.name, parse_spec(body, opt_cls.hyperparams + RUN_OPTIONS,
                                                         f"optimizer {opt_cls.name!r}"))

    def format(self) -> str:
        """The spec string :meth:`parse` reads back."""
        return format_spec(self.optimizer, self.values(), optimizers.get(self.optimizer).hyperparams + RUN_OPTIONS)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, flat: ``{"optimizer": "adam", "lr": 0.01, "batch_size": 16}``."""
        return {"optimizer": self.optimizer,
                **{k: list(v) if isinstance(v, tuple) else v for k, v in self.values().items()}}

    @classmethod
    def from_dict(cls, data: Any) -> "RunSpec":
        """Inverse of :meth:`to_dict`; every value is read through its declaration, unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise ValueError(f"Invalid run: {excerpt(data)}. Expected an object such as "
                             '{"optimizer": "adam", "lr": 0.01}')
        if "optimizer" not in data:
            raise ValueError(f"Invalid run {excerpt(dict(data))}: it names no optimizer. "
                             f"Add \"optimizer\": one of {', '.join(optimizers.available())}")
        opt_cls = optimizers.get(data["optimizer"])
        if "hyperparams" in data and "hyperparams" not in {h.name for h in opt_cls.hyperparams}:
            raise ValueError(f"Invalid run: {excerpt(dict(data))}. A run has no 'hyperparams' key: write each "
                             'hyperparameter flat beside the optimizer, e.g. {"optimizer": "adam", "lr": 0.01}')
        given = {k: v for k, v in data.items() if k != "optimizer"}
        return cls._from_values(opt_cls.name, validate_given(opt_cls.hyperparams + RUN_OPTIONS, given,
                                                             f"optimizer {opt_cls.name!r}"))
