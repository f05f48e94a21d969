"""Schedule-Free SGD and AdamW (Defazio et al. 2024, the ``schedulefree`` package)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .adam import EPS
from .base import Optimizer, State, lerp, nonzero
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR, WEIGHT_DECAY
from .tree import Tree, check_same_structure, is_dict

_SCHEDULE = (
    HyperParam("warmup_steps", 0, "linear learning-rate warmup over this many steps", low=0, kind="int",
               widget_high=1000, label="warmup_steps (learning-rate warm-up)"),
    HyperParam("r", 0.0, "the average weights step t by t^r (0: every step alike)", low=0.0, widget_high=4.0,
               label="r (averaging power)"),
    HyperParam("weight_lr_power", 2.0, "the average weights step t by lr_t^power", low=0.0, widget_high=4.0,
               label="weight_lr_power (averaging weight power)"),
)

_AVERAGE_LATEX = (
    r"\gamma_t &= \gamma \min(1, t / \text{warmup}),\quad w_t = t^{r}\, \gamma_t^{p},"
    r"\quad c_t = \frac{w_t}{\sum_{i\le t} w_i}\\"
)


class _ScheduleFree(Optimizer):
    """Shared core: y (the params, where gradients are taken), z (the SGD sequence), x (the average).

    ``step`` returns y, torch's ``p`` in train mode; :meth:`eval_params`
    returns x, torch's ``p`` after ``optimizer.eval()``.

    The anatomy (:meth:`parts`) is y's step, from where this gradient was
    taken to where the next one is: with y_t = (1 - beta) z_t + beta x_t it is
    (1 - beta) times the z-step plus beta times the average's move, regrouped
    as the equations' two causes. "z step" is all of -lr_t g_t's share, which
    reaches y with weight 1 - beta + beta c_t ((1 - beta) through z, beta c_t
    through x); "averaging pull" is c_t (z_{t-1} - y_{t-1}) = beta c_t
    (z_{t-1} - x_{t-1}), the average moving towards the previous z. Weight
    decay (lambda y, part of g_t) is its own term; z_t and x_t are among the
    values.
    """

    family = "schedule-free"
    buffers = ("z", "weight_sum")

    def beta(self, hp: dict[str, Any]) -> Any:
        """The interpolation weight between z and x (momentum or beta1)."""
        raise NotImplementedError

    def init_buffer(self, name, p):
        # schedulefree starts z at a copy of the params on the first step; weight_sum starts at 0.
        return p.copy() if name == "z" else np.zeros_like(p)

    def buffer_shape(self, name, shape, lead):
        # The sum of averaging weights is one number per block (per run under the sweep).
        return shape[:lead] + (1,) * (len(shape) - lead) if name == "weight_sum" else shape

    def _weights(self, bufs, t, hp):
        """This step's lr and averaging coefficient c_t, and the new weight sum."""
        warmup = hp["warmup_steps"]
        lr = hp["lr"] * (t / warmup if t - 1 < warmup else 1.0)
        # schedulefree keeps lr_max = max(lr_t, lr_max); the warmup only rises, so that is lr_t.
        weight = (t ** hp["r"]) * (lr ** hp["weight_lr_power"])
        weight_sum = bufs["weight_sum"] + weight
        return lr, weight / weight_sum, weight_sum

    def _move(self, y, z, g, lr, ckp1, beta):
        y = lerp(y, z, ckp1)
        y = y + (lr * (beta * (1 - ckp1) - 1)) * g
        return y, z - lr * g

    def _parts(self, p, g, new_p, rescale, before, after, t, hp):
        """The parts of y's step (see the class docstring); ``rescale`` divides g_t (AdamW's RMS, or 1)."""
        lr, ckp1, _ = self._weights(before, t, hp)
        beta = self.beta(hp)
        reach = lr * (1 - beta + beta * ckp1)  # the z-step's weight in y
        terms = {"z step": -reach * g / rescale, "averaging pull": ckp1 * (before["z"] - p)}
        if hp["weight_decay"]:
            terms["weight decay"] = -reach * hp["weight_decay"] * p
        values = {"g_t": g, "z_t": after["z"], "x_t": self._average(new_p, after["z"], hp),
                  "c_t": np.full_like(p, ckp1)}
        return terms, {"effective lr": np.full_like(p, reach) / rescale}, values

    def _average(self, y, z, hp):
        """x from y and z: what schedulefree's eval() does to p."""
        return lerp(y, z, 1 - 1 / self.beta(hp))

    def eval_params(self, params: Tree, state: State) -> Tree:
        check_same_structure(params, state.buffers["z"], ("params", "state buffer 'z'"))

        def x(y, z):
            return self._average(y, z, self._hp_for(y) if self._per_run else self.hp)

        if not is_dict(params):
            return x(params, state.buffers["z"])
        return {k: x(params[k], state.buffers["z"][k]) for k in params}


@register("sgd_schedulefree")
class SGDScheduleFree(_ScheduleFree):
    r"""Schedule-Free SGD, exactly as ``schedulefree.SGDScheduleFree`` (Defazio et al. 2024).

    "The Road Less Scheduled": no learning-rate schedule, yet the guarantees
    of one. Three sequences: z takes plain SGD steps; x, a weighted running
    average of z, is where the model is evaluated; the gradient is taken at
    y, an interpolation between them that plays the role of momentum.
    :meth:`step` returns y, :meth:`eval_params` returns x; :meth:`anatomy`
    describes y's step, as the z step's share and the pull of the average.
    The update equations are in :attr:`latex`.
    """

    title = "Schedule-Free SGD"
    hyperparams = (
        replace(LR, default=1.0),
        HyperParam("momentum", 0.9, "interpolation beta between the SGD sequence z and the average x",
                   low=0.0, high=1.0, low_open=True, high_open=True, label="momentum (β, interpolation)"),
        WEIGHT_DECAY,
        *_SCHEDULE,
    )
    latex = (
        r"\begin{aligned}"
        + _AVERAGE_LATEX
        + r"g_t &\leftarrow \nabla f(y_{t-1}) + \lambda\, y_{t-1}\\"
        r"z_t &= z_{t-1} - \gamma_t\, g_t\\"
        r"x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t\\"
        r"\theta_t = y_t &= (1-\beta)\, z_t + \beta\, x_t"
        r"\end{aligned}"
    )

    def beta(self, hp):
        return hp["momentum"]

    def update(self, p, g, bufs, t, hp):
        lr, ckp1, weight_sum = self._weights(bufs, t, hp)
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        y, z = self._move(p, bufs["z"], g, lr, ckp1, hp["momentum"])
        return y, {"z": z, "weight_sum": weight_sum}

    def parts(self, p, g, new_p, before, after, t, hp):
        return self._parts(p, g, new_p, 1.0, before, after, t, hp)


@register("adamw_schedulefree")
class AdamWScheduleFree(_ScheduleFree):
    r"""Schedule-Free AdamW, exactly as ``schedulefree.AdamWScheduleFree`` (Defazio et al. 2024).

    Schedule-Free SGD (see :class:`SGDScheduleFree`) on the gradient divided
    by Adam's bias-corrected root mean square; beta1 is the interpolation
    weight, and there is no first moment. Weight decay is applied at y.
    :meth:`step` returns y, :meth:`eval_params` returns the average x;
    :meth:`anatomy` describes y's step, as the z step's share and the pull of
    the average. The update equations are in :attr:`latex`.
    """

    title = "Schedule-Free AdamW"
    hyperparams = (
        replace(LR, default=0.0025),
        HyperParam("betas", (0.9, 0.999), "(beta1, beta2): interpolation between z and x; second-moment decay",
                   low=0.0, high=1.0, high_open=True, kind="pair", label="betas (β₁, β₂)"),
        EPS,
        WEIGHT_DECAY,
        *_SCHEDULE,
    )
    buffers = ("z", "weight_sum", "exp_avg_sq")
    latex = (
        r"\begin{aligned}"
        + _AVERAGE_LATEX
        + r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, \nabla f(y_{t-1})^2\\"
        r"g_t &= \frac{\nabla f(y_{t-1})}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon} + \lambda\, y_{t-1}\\"
        r"z_t &= z_{t-1} - \gamma_t\, g_t\\"
        r"x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t\\"
        r"\theta_t = y_t &= (1-\beta_1)\, z_t + \beta_1\, x_t"
        r"\end{aligned}"
    )

    def check_hyperparams(self, hp: dict[str, Any]) -> None:
        # The average is recovered from y and z by dividing by beta1, so beta1 = 0 has no average to show.
        if np.any(np.asarray(hp["betas"][0]) == 0):
            raise ValueError(f"Invalid betas[0]: {hp['betas'][0]}. Allowed range: (0, 1)")

    def beta(self, hp):
        return hp["betas"][0]

    def update(self, p, g, bufs, t, hp):
        b1, b2 = hp["betas"]
        lr, ckp1, weight_sum = self._weights(bufs, t, hp)
        v = bufs["exp_avg_sq"] * b2 + (1 - b2) * g * g
        g = g / _rms(v, t, hp)
        if nonzero(hp["weight_decay"]):
            g = g + hp["weight_decay"] * p
        y, z = self._move(p, bufs["z"], g, lr, ckp1, b1)
        return y, {"z": z, "weight_sum": weight_sum, "exp_avg_sq": v}

    def parts(self, p, g, new_p, before, after, t, hp):
        # g_t is the gradient over its bias-corrected RMS, so the z step's effective lr is rescaled per coordinate.
        v = after["exp_avg_sq"]
        terms, scales, values = self._parts(p, g, new_p, _rms(v, t, hp), before, after, t, hp)
        return terms, scales, {**values, "v_t": v}


def _rms(v: np.ndarray, t: int, hp: dict[str, Any]) -> np.ndarray:
    """sqrt(v_t / (1 - beta2^t)) + eps: what Schedule-Free AdamW divides the gradient by."""
    return np.sqrt(v / (1 - hp["betas"][1] ** t)) + hp["eps"]
