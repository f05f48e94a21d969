"""Muon (``torch.optim.Muon``), with AdamW for the blocks that are not matrices."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .adam import adam_parts, adam_update
from .base import Optimizer, State, lerp
from .hyperparams import HyperParam
from .registry import register
from .sgd import LR
from .tree import Tree, leaves, names

# torch's defaults for the quintic Newton-Schulz polynomial (Keller Jordan's). Fixed:
# the playground's settings are numbers and pairs, and these three only trade
# accuracy for speed of the orthogonalisation.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def newton_schulz(g: np.ndarray, coefficients: tuple[float, float, float], steps: int, eps: Any) -> np.ndarray:
    """torch's ``_zeropower_via_newtonschulz`` in float64, batched over leading axes.

    Approximately U V^T for g = U S V^T: every singular value is pushed into
    roughly [0.7, 1.2] rather than exactly to 1 (the coefficients favour speed).
    """
    a, b, c = coefficients
    tall = g.shape[-2] > g.shape[-1]
    x = np.swapaxes(g, -1, -2) if tall else g  # iterate on the wide side: the Gram matrix is smaller
    x = x / np.maximum(np.sqrt(np.sum(x * x, axis=(-2, -1), keepdims=True)), eps)
    for _ in range(steps):
        gram = x @ np.swapaxes(x, -1, -2)
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return np.swapaxes(x, -1, -2) if tall else x


@register("muon")
class Muon(Optimizer):
    r"""Muon, "MomentUm Orthogonalized by Newton-schulz", as ``torch.optim.Muon`` (Keller Jordan 2024).

    For weight matrices: the (Nesterov) momentum of the gradient is
    orthogonalised by a few Newton-Schulz iterations, so the step moves
    every singular direction by about the same amount, lr times a shape
    factor. torch runs the iteration in bfloat16 for speed; here it runs in
    float64, since a playground shows the algorithm, not its rounding.

    Every 2-D block is a matrix; under the sweep's run axis that is the
    block's own rank (see :mod:`optimizers.base`). As in Keller Jordan's
    reference implementation, the other blocks (biases, scalars, tensors of
    other ranks) are stepped by AdamW with its own settings, ``adamw_lr``,
    ``adamw_betas``, ``adamw_eps`` and ``adamw_weight_decay`` (his defaults
    3e-4, (0.9, 0.95), 1e-10 and 0). Params with no matrix block at all are
    refused by :meth:`init`: there Muon would be plain AdamW. torch's
    ``ns_coefficients`` stay at their defaults, :data:`NS_COEFFICIENTS`, and
    its ``adjust_lr_fn=None`` is written "original". The update equations
    are in :attr:`latex`.
    """

    title = "Muon"
    # Newton-Schulz approximates the matrix sign function, U V^T: a sign-based method for matrices.
    family = "sign-based"
    hyperparams = (
        LR,
        HyperParam("weight_decay", 0.1, "decoupled weight decay of the matrices", low=0.0, widget_high=1.0,
                   label="weight_decay (weight decay)"),
        HyperParam("momentum", 0.95, "momentum factor mu", low=0.0, high=1.0, high_open=True, label="momentum (μ)"),
        HyperParam("nesterov", True, "orthogonalise Nesterov's look-ahead instead of the momentum", kind="bool"),
        HyperParam("eps", 1e-7, "floor of the norm the momentum is divided by before the iteration", low=0.0,
                   low_open=True, log=True, label="eps (ε)"),
        HyperParam("ns_steps", 5, "Newton-Schulz iterations", low=0, high=99, kind="int",
                   label="ns_steps (Newton-Schulz steps)"),
        HyperParam("adjust_lr_fn", "original",
                   "step-size shape factor: sqrt(max(1, rows/cols)), or 0.2 sqrt(max(rows, cols)) to match AdamW",
                   kind="choice", choices=("original", "match_rms_adamw"),
                   label="adjust_lr_fn (learning-rate scaling)"),
        replace(LR, name="adamw_lr", default=3e-4, meaning="AdamW's step size for the non-matrix blocks",
                label="adamw_lr (AdamW's learning rate)"),
        HyperParam("adamw_betas", (0.9, 0.95), "AdamW's (beta1, beta2) for the non-matrix blocks", low=0.0,
                   high=1.0, high_open=True, kind="pair", label="adamw_betas (AdamW's β₁, β₂)"),
        HyperParam("adamw_eps", 1e-10, "AdamW's eps for the non-matrix blocks", low=0.0, low_open=True, log=True,
                   label="adamw_eps (AdamW's ε)"),
        HyperParam("adamw_weight_decay", 0.0, "AdamW's decoupled weight decay for the non-matrix blocks", low=0.0,
                   widget_high=1.0, label="adamw_weight_decay (AdamW's weight decay)"),
    )
    buffers = ("momentum_buffer", "exp_avg", "exp_avg_sq")
    latex = (
        r"\begin{aligned}"
        r"&\text{2-D blocks } \theta \in \mathbb{R}^{A\times B}:\\"
        r"B_t &= \mu B_{t-1} + (1-\mu)\, g_t,"
        r"\quad \tilde B_t = \begin{cases} (1-\mu)\, g_t + \mu B_t & \text{nesterov}\\ B_t & \text{otherwise}"
        r"\end{cases}\\"
        r"O_t &= \mathrm{NS}_k\bigl(\tilde B_t / \max(\|\tilde B_t\|_F, \epsilon)\bigr),"
        r"\quad X \mapsto aX + (b\, XX^\top + c\, (XX^\top)^2)\, X \ \ (k \text{ times})\\"
        r"\theta_t &= \theta_{t-1}(1 - \gamma\lambda) - \gamma\, s_{A,B}\, O_t,"
        r"\quad s_{A,B} = \sqrt{\max(1, A/B)}\ \text{or}\ 0.2\sqrt{\max(A, B)}\\"
        r"&\text{other blocks: AdamW with } \gamma_{\mathrm{adamw}}, \beta_{\mathrm{adamw}},"
        r" \epsilon_{\mathrm{adamw}}, \lambda_{\mathrm{adamw}}"
        r"\end{aligned}"
    )

    def init(self, params: Tree, runs: int | None = None) -> State:
        state = super().init(params, runs)
        lead = int(state.batched)
        if not any(np.ndim(x) - lead == 2 for x in leaves(params)):
            shapes = ", ".join(f"{k!r}: {np.shape(x)}" if k else f"{np.shape(x)}"
                               for k, x in zip(names(params), leaves(params)))
            run_axis = " (after the leading run axis)" if lead else ""
            raise ValueError(
                f"muon: params have no matrix (2-D) block{run_axis} to orthogonalise, only {shapes}. Muon is for "
                f"weight matrices; use adamw for these params")
        return state

    def buffer_shape(self, name, shape, lead):
        matrix = len(shape) - lead == 2
        return shape if (name == "momentum_buffer") == matrix else shape[:lead] + (0,)

    def update_block(self, p, g, bufs, t, hp, lead):
        if p.ndim - lead != 2:
            new_p, adam = adam_update(p, g, {**bufs, "max_exp_avg_sq": None}, t, hp["adamw_lr"], hp["adamw_betas"],
                                      hp["adamw_eps"], hp["adamw_weight_decay"], amsgrad=False, decoupled=True)
            return new_p, {"momentum_buffer": bufs["momentum_buffer"], "exp_avg": adam["exp_avg"],
                           "exp_avg_sq": adam["exp_avg_sq"]}
        lr = hp["lr"]
        buf = lerp(bufs["momentum_buffer"], g, 1 - hp["momentum"])
        o = self._orthogonalised(g, buf, hp)
        p = p * (1 - lr * hp["weight_decay"]) - (lr * _shape_factor(p.shape[lead:], hp)) * o
        return p, {"momentum_buffer": buf, "exp_avg": bufs["exp_avg"], "exp_avg_sq": bufs["exp_avg_sq"]}

    def parts(self, p, g, new_p, before, after, t, hp):
        # A matrix: theta_t - theta_{t-1} = -lr s_AB O_t - lr wd theta_{t-1}, the orthogonalised momentum at
        # the effective lr lr s_AB (the same in every coordinate) and the decay. Newton-Schulz is not linear,
        # so O_t does not split into this gradient's share and the momentum's. Other blocks: AdamW's parts.
        if p.ndim != 2:
            return adam_parts(p, g, before, after, t, hp["adamw_lr"], hp["adamw_betas"], hp["adamw_eps"],
                              hp["adamw_weight_decay"], amsgrad=False, decoupled=True)
        lr, wd = hp["lr"], hp["weight_decay"]
        o = self._orthogonalised(g, after["momentum_buffer"], hp)
        step_size = lr * _shape_factor(p.shape, hp)
        terms = {"orthogonalised momentum": -step_size * o}
        if wd:
            terms["weight decay"] = p * (1 - lr * wd) - p
        return terms, {"effective lr": np.full_like(p, step_size)}, {"g_t": g, "B_t": after["momentum_buffer"],
                                                                     "O_t": o}

    @staticmethod
    def _orthogonalised(g: np.ndarray, buf: np.ndarray, hp: dict[str, Any]) -> np.ndarray:
        """O_t: Newton-Schulz of the momentum B_t, or of its Nesterov look-ahead."""
        u = lerp(g, buf, hp["momentum"]) if hp["nesterov"] else buf
        return newton_schulz(u, NS_COEFFICIENTS, hp["ns_steps"], hp["eps"])


def _shape_factor(shape: tuple[int, ...], hp: dict[str, Any]) -> float:
    """s_AB for a matrix of ``shape`` (A, B): sqrt(max(1, A/B)), or 0.2 sqrt(max(A, B)) to match AdamW's RMS."""
    rows, cols = shape
    return np.sqrt(max(1, rows / cols)) if hp["adjust_lr_fn"] == "original" else 0.2 * np.sqrt(max(rows, cols))
