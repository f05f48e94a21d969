"""Pluggable numpy optimizers with the names, defaults and equations of ``torch.optim``.

::

    import optimizers
    opt = optimizers.create("adam", lr=0.01)     # or optimizers.Adam(lr=0.01)
    state = opt.init(params)
    params, state = opt.step(params, grad, state)

``params`` and ``grad`` are float64 arrays of any shape, or dicts of name ->
array. ``step`` is pure. Learning-rate schedules (``optimizers.schedule("cosine",
T_max=100)``) live in :mod:`optimizers.schedules`. See :mod:`optimizers.base` for the contract and
:mod:`optimizers.registry` for plugins.
"""
from .base import FAMILIES, Optimizer, State
from .hyperparams import HyperParam
from .registry import ENTRY_POINT_GROUP, available, create, get, register
from .schedules import Schedule, ScheduleState, schedule

# Registration order is the order users see in lists and menus, grouped by family.
# classic
from .sgd import GD, Momentum, Nesterov  # noqa: E402  isort: skip
from .asgd import ASGD  # noqa: E402  isort: skip
# adaptive
from .adam import Adam, AdamW  # noqa: E402  isort: skip
from .nadam import NAdam  # noqa: E402  isort: skip
from .radam import RAdam  # noqa: E402  isort: skip
from .adamax import Adamax  # noqa: E402  isort: skip
from .rmsprop import RMSProp  # noqa: E402  isort: skip
from .adagrad import AdaGrad  # noqa: E402  isort: skip
from .adadelta import Adadelta  # noqa: E402  isort: skip
from .adafactor import Adafactor  # noqa: E402  isort: skip
# sign-based
from .rprop import Rprop  # noqa: E402  isort: skip
from .lion import Lion  # noqa: E402  isort: skip
from .muon import Muon  # noqa: E402  isort: skip
# schedule-free
from .schedulefree import AdamWScheduleFree, SGDScheduleFree  # noqa: E402  isort: skip

__all__ = [
    "ASGD", "ENTRY_POINT_GROUP", "FAMILIES", "AdaGrad", "Adadelta", "Adafactor", "Adam", "AdamW",
    "AdamWScheduleFree", "Adamax", "GD", "HyperParam", "Lion", "Momentum", "Muon", "NAdam", "Nesterov", "Optimizer",
    "RAdam", "RMSProp", "Rprop", "SGDScheduleFree", "Schedule", "ScheduleState", "State", "available", "create", "get",
    "register", "schedule",
]
