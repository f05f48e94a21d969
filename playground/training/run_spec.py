"""What one run is, and the declarations of every setting a run takes.

A run is an optimizer with its hyperparameter values, how it batches the
data, its learning-rate schedule and its gradient noise (:class:`RunSpec`).
Written as a spec string, the same in the CLI and the URL:
``adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2``, with a schedule
in its nested form ``momentum:lr=0.1,schedule=one_cycle(max_lr=0.3)``; as a
dict (JSON), the same keys flat: ``{"optimizer": "adam", "lr": 0.01,
"batch_size": 16, "schedule": "one_cycle:max_lr=0.3"}`` (the schedule as its
spec string, :data:`optimizers.schedules.GRAMMAR`).

A run can instead be one of the bug gallery's buggy updaters
(:mod:`playground.gallery.updaters`), named with the prefix ``updater:``:
``updater:linreg-divergent-updater:lr=0.1``, or ``{"optimizer":
"updater:linreg-divergent-updater", "lr": 0.1}``. It is not an optimizer: it
runs on a problem's data, so it is built for a problem, and only on those where
its seed code runs.

The settings shared by the runs of a comparison or a sweep (``STEPS``,
``SEED``, ``SHUFFLE``, ``RECORD``) are declared here once, so the runner, the
setups, the app's inputs and the CLI all hold one range for each.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, Mapping

import optimizers
from optimizers import HyperParam, Optimizer, Schedule, schedules
from optimizers.hyperparams import excerpt, format_spec, parse_spec, split_top, validate_given

from ..problems import Function2D, Problem

if TYPE_CHECKING:
    from ..gallery.updaters import Updater

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
GRAD_NOISE = HyperParam("grad_noise", 0.0, "standard deviation of Gaussian noise added to each gradient, drawn "
                        "from the seed (2-D functions only: they have no data to sample)", low=0.0,
                        widget_high=10.0, label="gradient noise sigma")
LR_SCALE = HyperParam("lr_scale", "absolute", "'lipschitz': learning rates are multiples of 2/L, the largest "
                      "stable GD step (problems with a constant curvature L only)", kind="choice",
                      choices=("absolute", "lipschitz"), label="learning-rate scale")
#: The key of a run's learning-rate schedule in its spec string and dict; its value is a schedule spec.
SCHEDULE_KEY = "schedule"
#: Settings of a run that are not optimizer hyperparameters.
RUN_OPTIONS = (BATCH_SIZE, ACCUMULATE, GRAD_NOISE, LR_SCALE)
#: What a run's name starts with when it names a buggy updater of the gallery rather than an optimizer.
UPDATER = "updater:"


def _updaters() -> ModuleType:
    # The gallery's seed code builds RunSpecs itself, so its registry is imported when a run first needs it.
    from ..gallery import updaters
    return updaters


def _declared(name: str) -> tuple[tuple[HyperParam, ...], str]:
    """The run settings of run name ``name`` (an optimizer's hyperparameters and, where it takes them,
    :data:`RUN_OPTIONS`) and its name in messages; ValueError for an unknown name, listing the known ones."""
    if isinstance(name, str) and name.startswith(UPDATER):
        updater = _updaters().get(name[len(UPDATER):])
        return updater.hyperparams + (RUN_OPTIONS if updater.batches else ()), f"updater {updater.name!r}"
    opt_cls = optimizers.get(name)
    return opt_cls.hyperparams + RUN_OPTIONS, f"optimizer {opt_cls.name!r}"


def check_batch_size(batch_size: Any, n_samples: int) -> int | None:
    """``batch_size`` read through its declaration and checked against a problem of ``n_samples`` samples."""
    batch_size = BATCH_SIZE.validate(batch_size, runs=False)
    if batch_size is not None and batch_size > n_samples:
        raise ValueError(f"Invalid batch_size: {batch_size}. Allowed range: [1, {n_samples}] "
                         f"(the problem has {n_samples} samples)")
    return batch_size


def check_grad_noise(grad_noise: Any, problem: Problem) -> float:
    """``grad_noise`` read through its declaration; refused on a problem with data, whose mini-batches are its noise."""
    sigma = GRAD_NOISE.validate(grad_noise, runs=False)
    if sigma and not isinstance(problem, Function2D):
        raise ValueError(f"Invalid grad_noise: {sigma:g}. It applies to the 2-D functions only; problem "
                         f"{problem.name!r} has data, so use batch_size for noisy gradients (grad_noise=0)")
    return sigma


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

    Its keys are the optimizer's declared ``hyperparams`` plus :data:`RUN_OPTIONS`
    and ``schedule`` (:data:`SCHEDULE_KEY`). ``optimizer`` may instead be
    ``updater:<name>``, a buggy updater of the gallery, with its own declared
    settings (see the module docstring).
    With ``lr_scale="lipschitz"``, ``hp["lr"]`` (its default if not given) is
    a multiple of 2/L of the problem the run is built for.
    """

    optimizer: str
    hp: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    accumulate: int = 1
    grad_noise: float = 0.0
    schedule: Schedule | None = None
    lr_scale: str = LR_SCALE.default

    @property
    def updater(self) -> Updater | None:
        """The :class:`~playground.gallery.updaters.Updater` this run names, or None for an optimizer."""
        return _updaters().get(self.optimizer[len(UPDATER):]) if self.optimizer.startswith(UPDATER) else None

    def build(self, problem: Problem | None = None) -> Optimizer | None:
        """The optimizer, validated by its own declarations (cross-field checks included).

        An lr given as a multiple of 2/L (``lr_scale="lipschitz"``) is made
        absolute with the problem's curvature L: ValueError without a problem
        that has one. An updater runs on a problem's data: it is built for
        ``problem``, and refused by name where its seed code does not run;
        without a problem its settings are only checked, and None is returned.
        """
        hp = dict(self.hp)
        if self.lr_scale != "absolute":
            lr = self._lr()
            hp["lr"] = lr.validate(hp.get("lr", lr.default), runs=False) * lr_multiplier(
                self.lr_scale, None if problem is None else problem.lipschitz)
        updater = self.updater
        if updater is None:
            return optimizers.create(self.optimizer, **hp)
        if problem is None:
            updater.check(hp)
            return None
        return updater.build(problem, hp)

    def _lr(self) -> HyperParam:
        """The run's declared lr, which ``lr_scale`` scales; ValueError if it has none."""
        lr = next((h for h in _declared(self.optimizer)[0] if h.name == "lr"), None)
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

    def validate(self, problem: Problem, steps: int | None = None) -> Optimizer | None:
        """Check every value for ``problem``; return :meth:`build`'s result.

        The optimizer must accept the problem's parameters (Muon refuses
        params with no matrix block), an updater must run on it, and gradient
        noise needs a problem with no data; with ``steps``, the schedule is
        checked against a run that long (and this optimizer). ValueError
        names the bad value and its range.
        """
        opt = self.build(problem)
        updater = self.updater
        if updater is not None and not updater.batches and (self.batch_size is not None or self.accumulate != 1):
            raise ValueError(f"Invalid run options for updater {updater.name!r}: its seed code loops over the "
                             "full data itself, so it takes no batch_size or accumulate")
        check_batch_size(self.batch_size, problem.n_samples)
        ACCUMULATE.validate(self.accumulate, runs=False)
        check_grad_noise(self.grad_noise, problem)
        if updater is None:
            opt.init(problem.template)
        if self.schedule is not None and opt is not None:
            self.schedule.init(opt, steps)
        return opt

    @property
    def label(self) -> str:
        """Display name, e.g. ``adam lr=0.01, bs=16``: what distinguishes the run.

        An updater's says it is buggy and which constant its seed code receives,
        e.g. ``updater:sgd-no-accumulation lr=0.25 (buggy; seed's alpha = 2·lr/n)``.
        """
        specs, _ = _declared(self.optimizer)
        declared = {h.name: h for h in specs}
        parts = [f"{k}={declared[k].format(v)}" for k, v in self.hp.items()]
        if self.lr_scale == "lipschitz":  # "lr=0.5×2/L", also when lr is its default
            lr = f"lr={declared['lr'].format(self.hp.get('lr', declared['lr'].default))}×2/L"
            parts = [lr] + [p for k, p in zip(self.hp, parts) if k != "lr"]
        if self.batch_size is not None:
            parts.append(f"bs={self.batch_size}")
        if self.accumulate != 1:
            parts.append(f"acc={self.accumulate}")
        if self.grad_noise:
            parts.append(f"noise={self.grad_noise:g}")
        if self.schedule is not None:
            parts.append(self.schedule.describe())
        label = f"{self.optimizer} " + ", ".join(parts) if parts else self.optimizer
        updater = self.updater
        return label if updater is None else f"{label} (buggy; {updater.seed_lr})"

    # -- codecs: one set of keys, the declarations --------------------------------
    def values(self) -> dict[str, Any]:
        """Every key that is set: the hyperparameters, then the run options that differ from their defaults."""
        out = dict(self.hp)
        out.update({o.name: getattr(self, o.name) for o in RUN_OPTIONS if getattr(self, o.name) != o.default})
        return out

    @classmethod
    def _from_values(cls, name: str, values: Mapping[str, Any], schedule: Schedule | None = None) -> "RunSpec":
        values = dict(values)
        options = {o.name: values.pop(o.name) for o in RUN_OPTIONS if o.name in values}
        spec = cls(name, values, **options, schedule=schedule)
        spec.check()
        return spec

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        """Read ``name:key=value,...,schedule=NAME(key=value,...)`` (``updater:name:...`` for an updater);
        ValueError names a bad key or value."""
        text = text.strip()
        prefix = UPDATER if text.startswith(UPDATER) else ""
        name, _, body = text[len(prefix):].partition(":")
        name = prefix + name.strip()
        specs, owner = _declared(name)
        items = split_top(body)
        sched = [t for t in items if t.partition("=")[0].strip() == SCHEDULE_KEY]
        if len(sched) > 1:
            raise ValueError(f"Invalid settings for {owner}: 'schedule' is given twice")
        rest = ",".join(t for t in items if t not in sched)
        return cls._from_values(name, parse_spec(rest, specs, owner),
                                schedules.parse(sched[0].partition("=")[2]) if sched else None)

    def format(self) -> str:
        """The spec string :meth:`parse` reads back."""
        text = format_spec(self.optimizer, self.values(), _declared(self.optimizer)[0])
        if self.schedule is None:
            return text
        return f"{text}{',' if ':' in text[len(UPDATER) if self.updater else 0:] else ':'}{SCHEDULE_KEY}=" \
               f"{self.schedule.format_nested()}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, flat: ``{"optimizer": "adam", "lr": 0.01, "batch_size": 16}``."""
        out = {"optimizer": self.optimizer,
               **{k: list(v) if isinstance(v, tuple) else v for k, v in self.values().items()}}
        if self.schedule is not None:
            out[SCHEDULE_KEY] = self.schedule.format()
        return out

    @classmethod
    def from_dict(cls, data: Any) -> "RunSpec":
        """Inverse of :meth:`to_dict`; every value is read through its declaration, unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise ValueError(f"Invalid run: {excerpt(data)}. Expected an object such as "
                             '{"optimizer": "adam", "lr": 0.01}')
        if "optimizer" not in data:
            raise ValueError(f"Invalid run {excerpt(dict(data))}: it names no optimizer. "
                             f"Add \"optimizer\": one of {', '.join(optimizers.available())}")
        name = data["optimizer"]
        specs, owner = _declared(name)
        if "hyperparams" in data and "hyperparams" not in {h.name for h in specs}:
            raise ValueError(f"Invalid run: {excerpt(dict(data))}. A run has no 'hyperparams' key: write each "
                             'hyperparameter flat beside the optimizer, e.g. {"optimizer": "adam", "lr": 0.01}')
        given = {k: v for k, v in data.items() if k not in ("optimizer", SCHEDULE_KEY)}
        return cls._from_values(name, validate_given(specs, given, owner),
                                schedules.from_value(data.get(SCHEDULE_KEY)))
