r"""Learning-rate schedules with the names, keywords and defaults of ``torch.optim.lr_scheduler``.

::

    sched = optimizers.schedule("one_cycle", max_lr=0.3, total_steps=500)
    state = sched.init(opt, steps=500)           # one state per run; the schedule itself is frozen
    lr, momentum = sched.values(state)           # what the next step uses (momentum None: not cycled)
    params, opt_state = opt.scheduled_step(params, grad, opt_state, lr, momentum)  # step(..., **opt.scheduled(...))
    state = sched.advance(state, loss)           # after the step; ``loss`` is the step's probe loss

A :class:`Schedule` is a reusable description: its hyperparameters are
declared (:class:`~optimizers.hyperparams.HyperParam`), validated once, and
never change. Everything that changes lives in a :class:`ScheduleState`, so
runs that share one schedule never share its progress, and every method is a
pure function of its arguments. The schedule is stepped once per optimizer
step, as ``scheduler.step()`` after ``optimizer.step()`` in torch.

The lr is absolute, as in torch: derived from the optimizer's own lr (the
"base lr", one value per run under the sweep, so every run scales by the
same factor), except for ``cyclic`` and ``one_cycle``, whose torch classes
take their own lrs and ignore the optimizer's. Those two also cycle the
momentum (or beta1) in antiphase, on by default where the rule has one
(``cycle_momentum`` left unset); asking for it on a rule without one is
refused by name.

A setup declares its schedule as a :class:`ScheduleParam`, which reads and
writes it in the same grammar (:data:`GRAMMAR`).

Known limits, where torch's optimizer reads its lr outside the step itself:
Rprop takes its lr once, as the initial step size, so a schedule does not
move it; ASGD's torch code uses the previous step's lr in its eta. Schedule-
Free methods replace a schedule and refuse one.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Sequence

import numpy as np

from .hyperparams import HyperParam, excerpt, format_spec, parse_spec, split_top, validate_all

if TYPE_CHECKING:
    from .base import Optimizer


#: Makes a NamedTuple from a tuple of its fields, without the class's own ``__new__``, a Python function: a
#: schedule's state is made every step, and that call cost more than the rest of ``advance``.
_make = tuple.__new__


class ScheduleState(NamedTuple):
    """One run's progress through a schedule.

    ``t`` counts the optimizer steps taken; ``base_lr`` is the optimizer's lr
    (a float, or one per run); ``momentum`` whether the momentum is cycled for
    this optimizer; ``data`` what a stateful schedule (``plateau``) carries.
    """

    t: int
    base_lr: Any
    momentum: bool = False
    data: Any = None


class Schedule:
    """Base class of every schedule. Subclasses declare ``hyperparams``, ``latex`` and ``torch``
    (the class they follow) and write :meth:`lr_at`; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    torch: ClassVar[str] = ""
    latex: ClassVar[str] = ""
    hyperparams: ClassVar[tuple[HyperParam, ...]] = ()
    #: Whether the schedule sets its own lrs and ignores the optimizer's (torch's CyclicLR and OneCycleLR).
    own_lr: ClassVar[bool] = False
    #: Whether the values follow the losses seen (``plateau``), so that :meth:`advance` must see every step's
    #: loss and :meth:`values_ahead` cannot look ahead. Otherwise they follow the step alone: ``advance`` only
    #: counts steps, and ``state._replace(t=k)`` is the state after ``k`` of them.
    follows_loss: ClassVar[bool] = False

    def __init__(self, **hp: Any) -> None:
        values = validate_all(self.hyperparams, hp, owner=f"schedule {self.name!r}", runs=False)
        self.check_hyperparams(values)
        object.__setattr__(self, "hp", values)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"a schedule is frozen: make a new one with optimizers.schedule({self.name!r}, ...)")

    def check_hyperparams(self, hp: dict[str, Any]) -> None:
        """Cross-field checks beyond each value's own range; raise ValueError."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.hp.items())})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.hp == self.hp  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.hp.items())))

    # -- the state machine ---------------------------------------------------------
    def init(self, opt: "Optimizer", steps: int | None = None) -> ScheduleState:
        """The state before the first step of ``opt`` over a run of ``steps`` steps.

        ValueError when the schedule cannot drive that run: ``total_steps``
        shorter than the run, momentum cycling on a rule without a momentum or
        beta1, or a Schedule-Free rule (which replaces a schedule).
        """
        if opt.family == "schedule-free":
            raise ValueError(f"Invalid schedule {self.name!r} for optimizer {opt.name!r}: Schedule-Free methods "
                             "replace a learning-rate schedule (use their warmup_steps instead)")
        if steps is not None:
            self.check_steps(steps)
        return ScheduleState(0, opt.hp["lr"], self._cycles_momentum(opt))

    def check_steps(self, steps: int) -> None:
        """ValueError when the schedule is not defined for ``steps`` steps (``one_cycle``'s ``total_steps``)."""

    def values(self, state: ScheduleState) -> tuple[Any, Any]:
        """The lr and momentum (None: the optimizer's own) of step ``state.t + 1``."""
        return self._values_at(state.t, state.base_lr, state.momentum)

    def values_ahead(self, state: ScheduleState, n: int) -> list[tuple[Any, Any]]:
        """:meth:`values` of ``state`` and of the ``n - 1`` states :meth:`advance` would make from it.

        For a loop with a step's numpy work between two schedule calls: one
        call for ``n`` steps costs it less than ``n`` calls, and the state
        need not be advanced step by step. ValueError for a schedule that
        :attr:`follows_loss`, whose later values wait on the losses.
        """
        if self.follows_loss:
            raise ValueError(f"schedule {self.name!r} follows the loss: its values are known one step at a time "
                             "(values, then advance with the step's loss)")
        t, base, momentum = state.t, state.base_lr, state.momentum
        return [self._values_at(k, base, momentum) for k in range(t, t + n)]

    def _values_at(self, k: int, base: Any, momentum: bool) -> tuple[Any, Any]:
        """The lr of the step after ``k`` steps, from the base lr ``base``, and its momentum if ``momentum``."""
        return self.lr_at(k, base), self.momentum_at(k) if momentum else None

    def advance(self, state: ScheduleState, loss: Any) -> ScheduleState:
        """The state after a step whose probe loss was ``loss`` (one value, or one per run)."""
        return _make(ScheduleState, (state.t + 1, state.base_lr, state.momentum, state.data))

    def select_runs(self, state: ScheduleState, keep: np.ndarray) -> ScheduleState:
        """The state of the runs ``keep`` selects, as :meth:`Optimizer.select_runs` cuts per-run values."""
        def cut(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return v[keep]
            if isinstance(v, tuple):
                return type(v)(*map(cut, v)) if hasattr(v, "_fields") else tuple(map(cut, v))
            return v

        return state._replace(base_lr=cut(state.base_lr), data=cut(state.data))

    def lr_at(self, k: int, base: Any) -> Any:
        """The lr of the step after ``k`` steps, from the optimizer's lr ``base``: the closed form."""
        raise NotImplementedError

    def momentum_at(self, k: int) -> float:
        """The momentum (or beta1) of the step after ``k`` steps, for schedules that cycle it."""
        raise NotImplementedError

    def _cycles_momentum(self, opt: "Optimizer") -> bool:
        return False

    # -- codecs ---------------------------------------------------------------------
    def non_defaults(self) -> dict[str, Any]:
        """The values that differ from their declared defaults, in declaration order."""
        return {h.name: self.hp[h.name] for h in self.hyperparams if self.hp[h.name] != h.default}

    def format(self) -> str:
        """The CLI form :func:`parse` reads back: ``one_cycle:max_lr=0.3``."""
        return format_spec(self.name, self.non_defaults(), self.hyperparams)

    def format_nested(self) -> str:
        """The form inside a run's spec or ``sequential``: ``one_cycle(max_lr=0.3)``."""
        name, _, body = self.format().partition(":")
        return f"{name}({body})" if body else name

    def describe(self) -> str:
        """Short label, e.g. ``one_cycle max_lr=0.3``."""
        return self.format().replace(":", " ", 1)


class _CyclesMomentum(Schedule):
    """``cyclic`` and ``one_cycle``: their own lrs, and the momentum (or beta1) cycled against them.

    Subclasses write :meth:`_values_at`, both values at once: a step asks for
    the lr and the momentum of one ``k``, and they share its place in the cycle.
    """

    own_lr = True

    def lr_at(self, k, base):
        return self._values_at(k, base, False)[0]

    def momentum_at(self, k):
        return self._values_at(k, None, True)[1]

    def _values_at(self, k, base, momentum):
        raise NotImplementedError

    def _cycles_momentum(self, opt: "Optimizer") -> bool:
        asked = self.hp["cycle_momentum"]
        has = opt.momentum_name() is not None
        if asked and not has:
            raise ValueError(f"Invalid cycle_momentum for schedule {self.name!r}: optimizer {opt.name!r} has no "
                             "momentum or beta1 to cycle. Leave cycle_momentum unset (off for it) or use an "
                             "optimizer with momentum or betas")
        return has if asked is None else asked


def _int(name: str, default: int, meaning: str, low: int = 1, **kw: Any) -> HyperParam:
    return HyperParam(name, default, meaning, low=low, kind="int", **kw)


GAMMA = HyperParam("gamma", 0.1, "multiplicative factor of the lr decay", low=0.0, low_open=True)
ETA_MIN = HyperParam("eta_min", 0.0, "the lowest lr", low=0.0)
CYCLE_MOMENTUM = HyperParam("cycle_momentum", None, "cycle momentum (or beta1) against the lr; unset: on where "
                            "the optimizer has one", kind="bool", optional=True)


def _momentum_range(base: float, top: float, *, top_where: str) -> tuple[HyperParam, HyperParam]:
    """The momentum (or beta1) a cycling schedule moves between: ``base_momentum`` at the lr's peak, and
    ``max_momentum`` where the lr is lowest (``top_where`` says where that is)."""
    return (HyperParam("base_momentum", base, "the lower momentum, at the lr's peak", low=0.0, high=1.0,
                       high_open=True),
            HyperParam("max_momentum", top, f"the upper momentum, {top_where}", low=0.0, high=1.0, high_open=True))


def _milestones(default: tuple[float, ...], meaning: str) -> HyperParam:
    return HyperParam("milestones", default, meaning, low=1, kind="list")


def _check_milestones(owner: str, milestones: Sequence[float]) -> tuple[int, ...]:
    """Milestones as whole step numbers, once they are whole and in increasing order."""
    for i, m in enumerate(milestones):
        if m != int(m):
            raise ValueError(f"Invalid milestones[{i}] of schedule {owner!r}: {m:g}. Expected a whole step number")
    bad = next((i for i in range(1, len(milestones)) if milestones[i] <= milestones[i - 1]), None)
    if bad is not None:
        raise ValueError(f"Invalid milestones of schedule {owner!r}: {'/'.join(f'{m:g}' for m in milestones)}. "
                         f"They must increase: milestones[{bad}] = {milestones[bad]:g} is not after "
                         f"{milestones[bad - 1]:g}")
    return tuple(int(m) for m in milestones)


_REGISTRY: dict[str, type[Schedule]] = {}


def _register(cls: type[Schedule]) -> type[Schedule]:
    _REGISTRY[cls.name] = cls
    return cls


@_register
class Step(Schedule):
    name, title, torch = "step", "Step decay", "torch.optim.lr_scheduler.StepLR"
    latex = r"\eta_t = \eta_0\, \gamma^{\lfloor t / \text{step\_size} \rfloor}"
    hyperparams = (_int("step_size", 30, "steps between decays (torch requires it; 30 here)"), GAMMA)

    def lr_at(self, k, base):
        return base * self.hp["gamma"] ** (k // self.hp["step_size"])


@_register
class MultiStep(Schedule):
    name, title, torch = "multistep", "Multi-step decay", "torch.optim.lr_scheduler.MultiStepLR"
    latex = r"\eta_t = \eta_0\, \gamma^{\#\{m_i \le t\}}"
    hyperparams = (_milestones((30, 80), "steps at which the lr decays, increasing (torch requires them)"),
                   GAMMA)

    def check_hyperparams(self, hp):
        hp["milestones"] = _check_milestones(self.name, hp["milestones"])

    def lr_at(self, k, base):
        return base * self.hp["gamma"] ** bisect_right(self.hp["milestones"], k)


@_register
class Constant(Schedule):
    name, title, torch = "constant", "Constant factor, then the lr", "torch.optim.lr_scheduler.ConstantLR"
    latex = r"\eta_t = \eta_0 \cdot \begin{cases} f & t < T \\ 1 & t \ge T \end{cases}"
    hyperparams = (HyperParam("factor", 1.0 / 3, "the lr's factor until total_iters", low=0.0, high=1.0),
                   _int("total_iters", 5, "steps at the reduced lr", low=0))

    def lr_at(self, k, base):
        f = self.hp["factor"]
        return base * (f + (k >= self.hp["total_iters"]) * (1 - f))


@_register
class Linear(Schedule):
    name, title, torch = "linear", "Linear ramp (warmup)", "torch.optim.lr_scheduler.LinearLR"
    latex = r"\eta_t = \eta_0 \left(f_s + (f_e - f_s)\,\frac{\min(t, T)}{T}\right)"
    hyperparams = (HyperParam("start_factor", 1.0 / 3, "the lr's factor at the start", low=0.0, low_open=True,
                              high=1.0),
                   HyperParam("end_factor", 1.0, "the lr's factor from total_iters on", low=0.0, high=1.0),
                   _int("total_iters", 5, "steps of the ramp"))

    def lr_at(self, k, base):
        s, e, n = self.hp["start_factor"], self.hp["end_factor"], self.hp["total_iters"]
        return base * (s + (e - s) * min(n, k) / n)


@_register
class Exponential(Schedule):
    name, title, torch = "exponential", "Exponential decay", "torch.optim.lr_scheduler.ExponentialLR"
    latex = r"\eta_t = \eta_0\, \gamma^{t}"
    hyperparams = (HyperParam("gamma", 0.99, "the lr's factor per step (torch requires it; 0.99 here)", low=0.0,
                              low_open=True),)

    def lr_at(self, k, base):
        return base * self.hp["gamma"] ** k


@_register
class Polynomial(Schedule):
    name, title, torch = "polynomial", "Polynomial decay", "torch.optim.lr_scheduler.PolynomialLR"
    latex = r"\eta_t = \eta_0 \left(1 - \frac{\min(t, T)}{T}\right)^{p}"
    hyperparams = (_int("total_iters", 5, "steps until the lr reaches 0"),
                   HyperParam("power", 1.0, "power of the polynomial", low=0.0))

    def lr_at(self, k, base):
        n = self.hp["total_iters"]
        return base * (1.0 - min(n, k) / n) ** self.hp["power"]


@_register
class Cosine(Schedule):
    name, title, torch = "cosine", "Cosine annealing", "torch.optim.lr_scheduler.CosineAnnealingLR"
    latex = r"\eta_t = \eta_{min} + \tfrac12 (\eta_0 - \eta_{min}) \left(1 + \cos\frac{\pi t}{T_{max}}\right)"
    hyperparams = (_int("T_max", 100, "steps of the half cosine (torch requires it; 100 here)"), ETA_MIN)

    def lr_at(self, k, base):
        e = self.hp["eta_min"]
        return e + (base - e) * (1 + math.cos(math.pi * k / self.hp["T_max"])) / 2


@_register
class CosineRestarts(Schedule):
    name, title, torch = ("cosine_restarts", "Cosine annealing with warm restarts",
                          "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts")
    latex = (r"\eta_t = \eta_{min} + \tfrac12 (\eta_0 - \eta_{min}) \left(1 + \cos\frac{\pi T_{cur}}{T_i}\right),"
             r"\quad T_i = T_0 T_{mult}^{\,i}")
    hyperparams = (_int("T_0", 50, "steps until the first restart (torch requires it; 50 here)"),
                   _int("T_mult", 1, "factor by which each cycle is longer than the last"), ETA_MIN)

    def lr_at(self, k, base):
        # torch counts T_cur up by one per step and restarts at T_i: the same, in whole numbers.
        t_cur, t_i = k, self.hp["T_0"]
        while t_cur >= t_i:
            t_cur -= t_i
            t_i *= self.hp["T_mult"]
        e = self.hp["eta_min"]
        return e + (base - e) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


@_register
class Cyclic(_CyclesMomentum):
    name, title, torch = "cyclic", "Cyclical lr (triangular)", "torch.optim.lr_scheduler.CyclicLR"
    latex = (r"x = 1 + \frac{t}{S} - c,\ c = \left\lfloor 1 + \frac{t}{S} \right\rfloor,\ "
             r"h = \begin{cases} x / r & x \le r \\ (x-1)/(r-1) & x > r \end{cases}\\"
             r"\eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\, h\, s(c \text{ or } t),\quad "
             r"\beta_t = \beta_{max} - (\beta_{max} - \beta_{base})\, h\, s(\cdot)")
    hyperparams = (
        HyperParam("base_lr", 1e-3, "the lower lr of the cycle (torch requires it)", low=0.0, log=True),
        HyperParam("max_lr", 0.1, "the upper lr of the cycle (torch requires it)", low=0.0, log=True),
        _int("step_size_up", 2000, "steps of the rising half"),
        _int("step_size_down", None, "steps of the falling half; unset: step_size_up", optional=True),
        HyperParam("mode", "triangular", "triangular: constant height; triangular2: halved each cycle; "
                   "exp_range: scaled by gamma**t", kind="choice", choices=("triangular", "triangular2", "exp_range")),
        HyperParam("gamma", 1.0, "exp_range's factor per step", low=0.0, low_open=True, high=1.0),
        CYCLE_MOMENTUM,
        *_momentum_range(0.8, 0.9, top_where="at the lr's trough"),
    )

    def check_hyperparams(self, hp):
        # The cycle's length and rising share, computed once: every step needs them.
        up = float(hp["step_size_up"])
        down = float(hp["step_size_down"]) if hp["step_size_down"] is not None else up
        object.__setattr__(self, "_cycle", (up + down, up / (up + down)))

    def _values_at(self, k, base, momentum):
        # torch's scale factor h and the scale s of step k, then the lr rising and the momentum falling with h * s.
        hp = self.hp
        total, ratio = self._cycle
        cycle = math.floor(1 + k / total)
        x = 1.0 + k / total - cycle
        h = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        mode = hp["mode"]
        # triangular2 scales by cycle, exp_range by step: torch's scale_mode for each.
        s = 1.0 if mode == "triangular" else 1 / (2.0 ** (cycle - 1)) if mode == "triangular2" else hp["gamma"] ** k
        lr = hp["base_lr"] + (hp["max_lr"] - hp["base_lr"]) * h * s
        if not momentum:
            return lr, None
        return lr, hp["max_momentum"] - (hp["max_momentum"] - hp["base_momentum"]) * h * s


@_register
class OneCycle(_CyclesMomentum):
    name, title, torch = "one_cycle", "One-cycle policy", "torch.optim.lr_scheduler.OneCycleLR"
    latex = (r"\eta_0 = \eta_{max}/d,\ \eta_{min} = \eta_0 / d_f;\ "
             r"\eta_t:\ \eta_0 \nearrow \eta_{max} \text{ over } p\,T \text{ steps}, \text{ then } "
             r"\searrow \eta_{min} \text{ at } T;\ \text{anneal}(a, b, x) = b + \tfrac{a - b}{2}(1 + \cos \pi x)"
             r"\\ \beta_t:\ \beta_{max} \searrow \beta_{base} \nearrow \beta_{max}")
    hyperparams = (
        HyperParam("max_lr", 0.1, "the peak lr (torch requires it)", low=0.0, low_open=True, log=True),
        _int("total_steps", 100, "steps of the cycle, at least the run's (torch requires it; 100 here)"),
        HyperParam("pct_start", 0.3, "fraction of the cycle spent raising the lr", low=0.0, high=1.0),
        HyperParam("anneal_strategy", "cos", "cos or linear annealing", kind="choice", choices=("cos", "linear")),
        CYCLE_MOMENTUM,
        *_momentum_range(0.85, 0.95, top_where="at the start and end"),
        HyperParam("div_factor", 25.0, "initial lr = max_lr / div_factor", low=0.0, low_open=True),
        HyperParam("final_div_factor", 1e4, "final lr = initial lr / final_div_factor", low=0.0, low_open=True),
        HyperParam("three_phase", False, "a third phase annealing to the final lr", kind="bool"),
    )

    def check_steps(self, steps):
        if self.hp["total_steps"] < steps:
            raise ValueError(f"Invalid total_steps of schedule 'one_cycle': {self.hp['total_steps']}. Allowed range: "
                             f"[{steps}, inf) (the run takes {steps} steps)")

    def check_hyperparams(self, hp):
        # torch's phases, (end step, start, end) with "i" the initial, "M" the max, "m" the min lr, kept as
        # (end step, lr at start, lr at end, momentum at start, at end): computed once, looked up every step.
        n, p = hp["total_steps"], hp["pct_start"]
        phases = ([(float(p * n) - 1, "i", "M"), (float(2 * p * n) - 2, "M", "i"), (n - 1, "i", "m")]
                  if hp["three_phase"] else [(float(p * n) - 1, "i", "M"), (n - 1, "M", "m")])
        initial = hp["max_lr"] / hp["div_factor"]
        lrs = {"i": initial, "M": hp["max_lr"], "m": initial / hp["final_div_factor"]}
        # Momentum runs against the lr: max where the lr starts and ends, base at its peak.
        momenta = {"i": hp["max_momentum"], "M": hp["base_momentum"], "m": hp["max_momentum"]}
        object.__setattr__(self, "_phases", tuple((end, lrs[a], lrs[b], momenta[a], momenta[b])
                                                  for end, a, b in phases))
        object.__setattr__(self, "_cos", hp["anneal_strategy"] == "cos")

    def _values_at(self, k, base, momentum):
        start, last = 0.0, len(self._phases) - 1
        for i, (end, lr_start, lr_end, m_start, m_end) in enumerate(self._phases):
            if k <= end or i == last:  # the last phase always matches, so the loop always breaks
                break
            start = end
        pct = (k - start) / (end - start)
        # The weight of the phase's start: cos(pi pct) + 1 for cos annealing (one for both values), pct for linear.
        w = math.cos(math.pi * pct) + 1 if self._cos else pct
        return self._anneal(w, lr_start, lr_end), self._anneal(w, m_start, m_end) if momentum else None

    def _anneal(self, w: float, start: float, end: float) -> float:
        """The value between ``start`` and ``end`` where the phase's weight is ``w`` (see :meth:`_values_at`)."""
        if self._cos:
            return end + (start - end) / 2.0 * w
        return (end - start) * w + start


class PlateauData(NamedTuple):
    """``plateau``'s progress: the current lr, the best loss, bad steps in a row, cooldown steps left."""

    lr: Any
    best: Any
    bad: Any
    cooldown: Any


@_register
class Plateau(Schedule):
    name, title, torch = "plateau", "Reduce on plateau", "torch.optim.lr_scheduler.ReduceLROnPlateau"
    latex = (r"\text{after } p+1 \text{ steps without } \ell_t < \ell_{best}(1 - \theta):\ "
             r"\eta \leftarrow \max(f\,\eta,\ \eta_{min}) \text{ (if it drops by more than } \epsilon)")
    hyperparams = (
        HyperParam("mode", "min", "min: the loss should fall; max: rise", kind="choice", choices=("min", "max")),
        HyperParam("factor", 0.1, "the lr's factor at each reduction", low=0.0, high=1.0, high_open=True),
        _int("patience", 10, "bad steps tolerated before a reduction", low=0),
        HyperParam("threshold", 1e-4, "how much better counts as better", low=0.0),
        HyperParam("threshold_mode", "rel", "rel: relative to the best; abs: absolute", kind="choice",
                   choices=("rel", "abs")),
        _int("cooldown", 0, "steps after a reduction during which bad steps are not counted", low=0),
        HyperParam("min_lr", 0.0, "the lowest lr", low=0.0),
        HyperParam("eps", 1e-8, "reductions smaller than this are skipped", low=0.0),
    )
    follows_loss = True

    def init(self, opt, steps=None):
        state = super().init(opt, steps)
        base = state.base_lr
        worse = math.inf if self.hp["mode"] == "min" else -math.inf
        if isinstance(base, np.ndarray):
            n = len(base)
            data = PlateauData(base.copy(), np.full(n, worse), np.zeros(n, np.int64), np.zeros(n, np.int64))
        else:
            data = PlateauData(base, worse, 0, 0)
        return state._replace(data=data)

    def values(self, state):
        return state.data.lr, None

    def advance(self, state, loss):
        hp, (lr, best, bad, cooldown) = self.hp, state.data
        if hp["mode"] == "min":
            better = loss < (best * (1.0 - hp["threshold"]) if hp["threshold_mode"] == "rel"
                             else best - hp["threshold"])
        else:
            better = loss > (best * (hp["threshold"] + 1.0) if hp["threshold_mode"] == "rel"
                             else best + hp["threshold"])
        if isinstance(lr, np.ndarray):
            best = np.where(better, loss, best)
            bad = np.where(better, 0, bad + 1)
            cooling = cooldown > 0
            cooldown = np.where(cooling, cooldown - 1, cooldown)
            bad = np.where(cooling, 0, bad)
            reduce = bad > hp["patience"]
            new = np.maximum(lr * hp["factor"], hp["min_lr"])
            lr = np.where(reduce & (lr - new > hp["eps"]), new, lr)
            cooldown = np.where(reduce, hp["cooldown"], cooldown)
            bad = np.where(reduce, 0, bad)
        else:
            best, bad = (float(loss), 0) if better else (best, bad + 1)
            if cooldown > 0:
                cooldown, bad = cooldown - 1, 0
            if bad > hp["patience"]:
                new = max(lr * hp["factor"], hp["min_lr"])
                lr = new if lr - new > hp["eps"] else lr
                cooldown, bad = hp["cooldown"], 0
        return _make(ScheduleState, (state.t + 1, state.base_lr, state.momentum,
                                     _make(PlateauData, (lr, best, bad, cooldown))))


#: Schedules that ``sequential`` can chain: those derived from the optimizer's lr with a closed form,
#: which is how torch's SequentialLR restarts each one at its milestone.
CHAINABLE = ("step", "multistep", "constant", "linear", "exponential", "polynomial", "cosine", "cosine_restarts")


@_register
class Sequential(Schedule):
    name, title, torch = "sequential", "Sequential (e.g. warmup, then cosine)", "torch.optim.lr_scheduler.SequentialLR"
    latex = r"\eta_t = \text{schedule}_i(t - m_{i-1}) \quad \text{for } m_{i-1} \le t < m_i"
    hyperparams = (_milestones((20,), "steps at which the next schedule starts, increasing"),)

    def __init__(self, schedules: Sequence[Schedule] = (), **hp: Any) -> None:
        subs = tuple(schedules)
        for i, s in enumerate(subs):
            if not isinstance(s, Schedule) or s.name not in CHAINABLE:
                raise ValueError(f"Invalid schedules[{i}] of schedule 'sequential': {excerpt(s)}. "
                                 f"Allowed: one of {', '.join(CHAINABLE)}")
        object.__setattr__(self, "schedules", subs)
        super().__init__(**hp)

    def check_hyperparams(self, hp):
        hp["milestones"] = _check_milestones(self.name, hp["milestones"])
        if len(self.schedules) != len(hp["milestones"]) + 1:
            raise ValueError(f"Invalid schedule 'sequential': {len(self.schedules)} schedules need "
                             f"{len(self.schedules) - 1} milestones, got {len(hp['milestones'])}")

    def __repr__(self):
        return f"Sequential(schedules={list(self.schedules)!r}, milestones={self.hp['milestones']!r})"

    def __eq__(self, other):
        return super().__eq__(other) and other.schedules == self.schedules  # type: ignore[attr-defined]

    def __hash__(self):
        return hash((super().__hash__(), self.schedules))

    def lr_at(self, k, base):
        milestones = self.hp["milestones"]
        i = bisect_right(milestones, k)
        return self.schedules[i].lr_at(k - (milestones[i - 1] if i else 0), base)

    def format(self):
        chain = "+".join(s.format_nested() for s in self.schedules)
        rest = format_spec("", self.non_defaults(), self.hyperparams).lstrip(":")
        return f"{self.name}:{chain}" + (f",{rest}" if rest else "")


SEQUENTIAL_EXAMPLE = "sequential:linear(start_factor=0.1,total_iters=20)+cosine(T_max=180),milestones=20"

GRAMMAR = (f"NAME:key=value,... with NAME one of {', '.join(_REGISTRY)}; lists as 20/70. "
           f"sequential chains schedules with +, each NAME(key=value,...): {SEQUENTIAL_EXAMPLE}")


def available() -> list[str]:
    """Schedule names, in the order menus show them."""
    return list(_REGISTRY)


def get(name: str) -> type[Schedule]:
    """The schedule class registered as ``name``; ValueError lists the names."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"Unknown schedule {excerpt(name)}. Available: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def schedule(name: str, **hp: Any) -> Schedule:
    """The schedule ``name`` with torch's keywords, e.g. ``schedule("step", step_size=30, gamma=0.1)``."""
    return get(name)(**hp)


def parse(text: str) -> Schedule:
    """Read ``name:key=value,...`` or ``name(key=value,...)`` (:data:`GRAMMAR`); ValueError names what is wrong."""
    text = text.strip()
    if text.endswith(")") and "(" in text and (":" not in text or text.index("(") < text.index(":")):
        name, _, body = text[:-1].partition("(")
    else:
        name, _, body = text.partition(":")
    cls = get(name.strip())
    owner = f"schedule {cls.name!r}"
    if cls is not Sequential:
        return cls(**parse_spec(body, cls.hyperparams, owner))
    items = split_top(body)
    chains = [t for t in items if "=" not in t.split("(")[0]]
    if len(chains) != 1:
        raise ValueError(f"Invalid schedule 'sequential': write its schedules once, joined by +, e.g. "
                         f"{SEQUENTIAL_EXAMPLE}")
    subs = [parse(s) for s in split_top(chains[0], "+")]
    return Sequential(subs, **parse_spec(",".join(t for t in items if t not in chains), cls.hyperparams, owner))


def from_value(value: Any) -> Schedule | None:
    """A schedule from a :class:`Schedule`, its spec string, or None/"" (no schedule)."""
    if value is None or value == "" or isinstance(value, Schedule):
        return value or None
    if isinstance(value, str):
        return parse(value)
    raise ValueError(f"Invalid schedule: {excerpt(value)}. Expected a spec such as 'cosine:T_max=100'")


@dataclass(frozen=True)
class ScheduleParam(HyperParam):
    """A declared setting whose value is a schedule (or None, no schedule): a setup's field.

    Written as its spec (:data:`GRAMMAR`) in the CLI, the URL and a dict, as
    :meth:`Schedule.format` writes it; read with :func:`parse`, so a bad
    spec is refused with the schedule's own message. A setup holds the
    :class:`Schedule` itself.
    """

    kinds: ClassVar[tuple[str, ...]] = ("schedule",)
    kind: str = "schedule"
    optional: bool = True

    @property
    def range_text(self) -> str:
        return f"absent, or NAME:key=value,... with NAME one of {', '.join(_REGISTRY)}"

    def validate(self, value: Any, runs: bool = True) -> Schedule | None:
        return from_value(value)

    def parse(self, text: str) -> Schedule | None:
        return None if text.strip().lower() in ("", "none") else parse(text)

    def format(self, value: Schedule | None) -> str:
        return "" if value is None else value.format()

    def plain(self, value: Schedule | None) -> str | None:
        return None if value is None else value.format()
