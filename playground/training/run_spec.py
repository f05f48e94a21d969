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

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import optimizers
from optimizers import HyperParam, Optimizer
from optimizers.hyperparams import excerpt, format_spec, parse_spec, validate_given

from ..problems import Problem

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
LR_SCALE = HyperParam("lr_scale", "absolute", "'lipschitz': learning rates are multiples of 2/L, the largest "
                      "stable GD step (problems with a constant curvature L only)", kind="choice",
                      choices=("absolute", "lipschitz"), label="learning-rate scale")
#: Settings of a run that are not optimizer hyperparameters.
RUN_OPTIONS = (BATCH_SIZE, ACCUMULATE, LR_SCALE)


def lr_multiplier(lr_scale: str, lipschitz: float | None) -> float:
    """What a learning rate given in ``lr_scale`` (:data:`LR_SCALE`) is multiplied by to be absolute: 1, or 2/L.

    ValueError for ``"lipschitz"`` on a problem with no known curvature L (``lipschitz`` None).
    """
    if LR_SCALE.validate(lr_scale, runs=False) == "absolute":
        return 1.0
    if lipschitz is None:
        raise ValueError("Invalid lr_scale: 'lipschitz' makes lr a multiple of 2/L, and this problem has no "
                         "constant curvature L (its Hessian varies). Use lr_scale 'absolute'")
    return 2.0 / lipschitz


@dataclass(frozen=True)
class RunSpec:
    """One run: optimizer ``optimizer`` with hyperparameter values ``hp`` (only those that differ from
    the defaults, or were spelled out), and how it batches the data.

    Its keys are the optimizer's declared ``hyperparams`` plus :data:`RUN_OPTIONS`.
    With ``lr_scale="lipschitz"``, ``hp["lr"]`` (its default if not given) is
    a multiple of 2/L of the problem the run is built for.
    """

    optimizer: str
    hp: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    accumulate: int = 1
    lr_scale: str = LR_SCALE.default

    def build(self, lipschitz: float | None = None) -> Optimizer:
        """The optimizer, validated by its own declarations (cross-field checks included).

        ``lipschitz`` is the problem's curvature L, which turns an lr given
        as a multiple of 2/L into an absolute one; ValueError when that scale
        is asked for and L is None, or the optimizer has no lr.
        """
        hp = dict(self.hp)
        if self.lr_scale != "absolute":
            lr = self._lr()
            hp["lr"] = lr.validate(hp.get("lr", lr.default), runs=False) * lr_multiplier(self.lr_scale, lipschitz)
        return optimizers.create(self.optimizer, **hp)

    def _lr(self) -> HyperParam:
        """The optimizer's declared lr, which ``lr_scale`` scales; ValueError if it has none."""
        lr = next((h for h in optimizers.get(self.optimizer).hyperparams if h.name == "lr"), None)
        if lr is None:
            raise ValueError(f"Invalid lr_scale: {self.lr_scale!r}. Optimizer {self.optimizer!r} has no lr to "
                             "scale; use lr_scale 'absolute'")
        return lr

    def check(self) -> None:
        """Check what can be checked without a problem: each value's range and the optimizer's cross-field
        rules (nesterov with dampening); ValueError names the bad value.

        A multiple of 2/L is checked as an lr (both lie in (0, inf)), and only for there being an lr to scale.
        """
        replace(self, lr_scale="absolute").build()
        if LR_SCALE.validate(self.lr_scale, runs=False) != "absolute":
            self._lr()

    def rescaled(self, lr_scale: str, lipschitz: float | None) -> "RunSpec":
        """The same run with its lr given in ``lr_scale`` instead: the same absolute lr on a problem with curvature L."""
        if lr_scale == self.lr_scale:
            return self
        lr = self._lr()
        absolute = self.hp.get("lr", lr.default) * lr_multiplier(self.lr_scale, lipschitz)
        return replace(self, hp={**self.hp, "lr": absolute / lr_multiplier(lr_scale, lipschitz)}, lr_scale=lr_scale)

    def validate(self, problem: Problem) -> Optimizer:
        """Check every value for ``problem``; return the optimizer.

        The optimizer must accept the problem's parameters (Muon refuses
        params with no matrix block). ValueError names the bad value and its range.
        """
        opt = self.build(problem.lipschitz)
        batch_size = BATCH_SIZE.validate(self.batch_size, runs=False)
        ACCUMULATE.validate(self.accumulate, runs=False)
        n_samples = problem.n_samples
        if batch_size is not None and batch_size > n_samples:
            raise ValueError(f"Invalid batch_size: {batch_size}. Allowed range: [1, {n_samples}] "
                             f"(the problem has {n_samples} samples)")
        opt.init(problem.template)
        return opt

    @property
    def label(self) -> str:
        """Display name, e.g. ``adam lr=0.01, bs=16``: what distinguishes the run."""
        declared = {h.name: h for h in optimizers.get(self.optimizer).hyperparams}
        parts = [f"{k}={declared[k].format(v)}" for k, v in self.hp.items()]
        if self.lr_scale == "lipschitz":  # "lr=0.5×2/L", also when lr is its default
            lr = f"lr={declared['lr'].format(self.hp.get('lr', declared['lr'].default))}×2/L"
            parts = [lr] + [p for k, p in zip(self.hp, parts) if k != "lr"]
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
        spec.check()
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
        given = {k: v for k, v in data.items() if k != "optimizer"}
        return cls._from_values(opt_cls.name, validate_given(opt_cls.hyperparams + RUN_OPTIONS, given,
                                                             f"optimizer {opt_cls.name!r}"))
