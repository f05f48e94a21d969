"""Small multilayer perceptrons with a hand-written forward and backward pass.

Parameters are a dict ``{"W1": (n1, n0), "b1": (n1,), "W2": ..., ...}``, with
weights shaped (out, in) as in ``torch.nn.Linear``. Rows of ``X`` are samples.
Every expression broadcasts over a leading batch axis on the parameters
(R runs at once), and works on complex parameters for complex-step checks
(ReLU tests the real part; the BCE is written as an analytic softplus).

Losses are means over every entry of the output:

- ``"mse"``: mean((a_L - y)^2);
- ``"bce"``: binary cross-entropy of a sigmoid output, computed from the logits
  as mean(softplus(z_L) - y z_L) so it never takes log(0), with
  dL/dz_L = (sigmoid(z_L) - y) / (n * n_out).

An optional ``l2`` adds (l2 / 2) * sum of squared weights (biases are not
penalised), with gradient l2 * W.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .base import Problem
from .least_squares import sin_data


def _sigmoid(z):
    # exp(-z) overflows to inf for very negative z, and 1 / inf is the right 0;
    # the caller runs under np.errstate(all="ignore").
    return 1.0 / (1.0 + np.exp(-z))


def _relu(z):
    # Multiplying by the mask (rather than np.maximum) works on complex input
    # and lets a NaN through instead of hiding it as 0.
    return z * (z.real > 0)


def _softplus(z):
    if not np.iscomplexobj(z):
        return np.logaddexp(0.0, z)
    # Split on the sign of the real part so neither branch overflows where it
    # is used; both are analytic, which the complex step needs.
    return np.where(z.real > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))


# name -> (activation, derivative as a function of (z, a))
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "relu": (_relu, lambda z, a: z.real > 0),
    "sigmoid": (_sigmoid, lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "identity": (lambda z: z, lambda z, a: 1.0),
}
LOSSES = ("mse", "bce")


class MLP(Problem):
    """A fully connected network on fixed data; see the module docstring for the maths."""

    def __init__(self, sizes: Sequence[int], hidden: str, output: str, loss: str, X: np.ndarray, y: np.ndarray,
                 *, l2: float = 0.0, name: str = "mlp", title: str = "MLP", settings: dict[str, Any]) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"Invalid sizes: {sizes!r}. Need at least [n_in, n_out], every size >= 1")
        for label, act in (("hidden", hidden), ("output", output)):
            if act not in ACTIVATIONS:
                raise ValueError(f"Invalid {label} activation {act!r}. Allowed: {', '.join(ACTIVATIONS)}")
        if loss not in LOSSES:
            raise ValueError(f"Invalid loss {loss!r}. Allowed: {', '.join(LOSSES)}")
        if loss == "bce" and output != "sigmoid":
            raise ValueError(f"loss='bce' needs output='sigmoid' (got {output!r}): it is the log-likelihood of a "
                             "probability in (0, 1)")
        if l2 < 0:
            raise ValueError(f"Invalid l2: {l2!r}. Allowed range: [0, inf)")
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        y = y.reshape(len(y), -1)
        if X.shape != (len(y), sizes[0]) or y.shape[1] != sizes[-1]:
            raise ValueError(f"data shapes X {X.shape}, y {y.shape} do not fit sizes {sizes}: "
                             f"need X (n, {sizes[0]}) and y (n, {sizes[-1]})")
        self.sizes, self.hidden, self.output, self.loss_name, self.l2 = sizes, hidden, output, loss, float(l2)
        self.X, self.y = X, y
        self.n_samples = len(y)
        self.n_layers = len(sizes) - 1
        self.name, self.title, self.settings = name, title, settings
        # Per layer: weight and bias names, activation and its derivative.
        self._layers = [(f"W{l}", f"b{l}", *ACTIVATIONS[self._activation_name(l)])
                        for l in range(1, self.n_layers + 1)]
        super().__init__({k: np.zeros(s) for k, s in self.shapes().items()})

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Block name -> shape, in layer order W1, b1, W2, b2, ..."""
        out: dict[str, tuple[int, ...]] = {}
        for l in range(1, self.n_layers + 1):
            out[f"W{l}"] = (self.sizes[l], self.sizes[l - 1])
            out[f"b{l}"] = (self.sizes[l],)
        return out

    def init_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Random weights, N(0, gain / fan_in) with gain 2 for ReLU layers (He) and 1 otherwise.

        Biases start at 0, except ReLU layers' at 0.01: with zero biases a sample
        whose units are all off feeds exactly 0 to the next ReLU, right on its
        kink, where a numeric gradient check cannot agree with backprop.
        """
        rng = np.random.default_rng(seed)
        params = {}
        for l in range(1, self.n_layers + 1):
            fan_in = self.sizes[l - 1]
            gain = 2.0 if self._activation_name(l) == "relu" else 1.0
            params[f"W{l}"] = rng.normal(0.0, np.sqrt(gain / fan_in), (self.sizes[l], fan_in))
            params[f"b{l}"] = np.full(self.sizes[l], 0.01 if self._activation_name(l) == "relu" else 0.0)
        return params

    def _activation_name(self, layer: int) -> str:
        return self.output if layer == self.n_layers else self.hidden

    def forward(self, params: dict[str, np.ndarray], X: np.ndarray | None = None) -> np.ndarray:
        """Network output for inputs ``X`` (the problem's data by default)."""
        self.batch_size_of(params)
        with np.errstate(all="ignore"):
            return self._forward(params, self.X if X is None else np.asarray(X, dtype=float))[-1][1]

    def _forward(self, params, X):
        """[(z_l, a_l)] for l = 0..L, with (None, X) first."""
        cache = [(None, X)]
        a = X
        for w, b, act, _ in self._layers:
            z = a @ params[w].mT + params[b][..., None, :]
            a = act(z)
            cache.append((z, a))
        return cache

    def _data_loss(self, z, a, y):
        if self.loss_name == "bce":
            return np.mean(_softplus(z) - y * z, axis=(-2, -1))
        r = a - y
        return np.mean(r * r, axis=(-2, -1))

    def _penalty(self, params):
        if not self.l2:
            return 0.0
        return 0.5 * self.l2 * sum(np.sum(params[f"W{l}"] ** 2, axis=(-2, -1)) for l in range(1, self.n_layers + 1))

    def _select(self, idx):
        return (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])

    def _loss(self, params, idx):
        X, y = self._select(idx)
        z, a = self._forward(params, X)[-1]
        return self._data_loss(z, a, y) + self._penalty(params)

    def _value_and_grad(self, params, idx):
        X, y = self._select(idx)
        cache = self._forward(params, X)
        z, a = cache[-1]
        value = self._data_loss(z, a, y) + self._penalty(params)
        n_entries = y.shape[0] * y.shape[1]
        if self.loss_name == "bce":
            dz = (a - y) / n_entries
        else:
            dz = (2.0 / n_entries) * (a - y) * self._layers[-1][3](z, a)
        grads = {}
        for l in range(self.n_layers, 0, -1):
            w, b, _, _ = self._layers[l - 1]
            z_prev, a_prev = cache[l - 1]
            W = params[w]
            grads[w] = dz.mT @ a_prev + self.l2 * W if self.l2 else dz.mT @ a_prev
            grads[b] = dz.sum(axis=-2)
            if l > 1:
                dz = (dz @ W) * self._layers[l - 2][3](z_prev, a_prev)
        return value, {k: grads[k] for k in self.template}


def _teacher_targets(X: np.ndarray, n_out: int, loss: str, output: str, rng: np.random.Generator) -> np.ndarray:
    """Targets from a random one-hidden-layer tanh 'teacher', so the task is learnable."""
    A = rng.standard_normal((X.shape[1], 8)) / np.sqrt(X.shape[1])
    c = rng.standard_normal((8, n_out)) / np.sqrt(8)
    t = np.tanh(X @ A) @ c
    if loss == "bce":
        return (t > np.median(t, axis=0)).astype(float)
    return _sigmoid(t) if output == "sigmoid" else t


def _generated_data(sizes: Sequence[int], loss: str, output: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if n < 1:
        raise ValueError(f"Invalid n: {n!r}. Allowed range: [1, inf)")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]))
    return X, _teacher_targets(X, sizes[-1], loss, output, rng)


def mlp(sizes: Sequence[int] = (4, 32, 32, 1), hidden: str = "relu", output: str = "sigmoid", loss: str = "bce",
        n: int = 64, seed: int = 0, X: np.ndarray | None = None, y: np.ndarray | None = None,
        l2: float = 0.0) -> MLP:
    """An MLP on ``X, y``, or on ``n`` generated samples: X ~ N(0, 1), targets from a random teacher."""
    sizes = list(sizes)
    if (X is None) != (y is None):
        raise ValueError("pass both X and y, or neither (to generate data)")
    if X is None:
        X, y = _generated_data(sizes, loss, output, n, seed)
    settings = dict(sizes=sizes, hidden=hidden, output=output, loss=loss, n=len(X), seed=seed, l2=l2)
    return MLP(sizes, hidden, output, loss, X, y, l2=l2, name="custom-mlp",
               title=f"MLP {sizes} {hidden}/{output}, {loss.upper()}",
               settings=settings)


def generated_mlp(width: int = 32, depth: int = 2, hidden: str = "relu", n: int = 64, seed: int = 0) -> MLP:
    """[4, width x depth, 1] with a sigmoid output and cross-entropy, on generated data."""
    sizes = [4] + [width] * depth + [1]
    X, y = _generated_data(sizes, "bce", "sigmoid", n, seed)
    return MLP(sizes, hidden, "sigmoid", "bce", X, y, name="mlp", title=f"MLP {sizes} {hidden}, cross-entropy",
               settings=dict(width=width, depth=depth, hidden=hidden, n=n, seed=seed))


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def xor() -> MLP:
    """Seed 002: XOR with layers [2, 2, 2, 1], sigmoid everywhere, mean squared error."""
    return MLP([2, 2, 2, 1], "sigmoid", "sigmoid", "mse", XOR_X, XOR_Y, name="xor",
               title="XOR [2, 2, 2, 1] sigmoid, MSE (seed 002)", settings={})


def relu_net(n: int = 32, seed: int = 0) -> MLP:
    """Seed 001: [4, 5, 3, 1], LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID, cross-entropy, on generated data."""
    sizes = [4, 5, 3, 1]
    X, y = _generated_data(sizes, "bce", "sigmoid", n, seed)
    return MLP(sizes, "relu", "sigmoid", "bce", X, y, name="relu-net",
               title="[4, 5, 3, 1] ReLU net, cross-entropy (seed 001)", settings=dict(n=n, seed=seed))


def sin_mlp(n: int = 100, width: int = 16, seed: int = 0) -> MLP:
    """An MLP [1, width, width, 1] (tanh, linear output, MSE) that regresses seed 004's sin target."""
    u, y = sin_data(n, seed)
    return MLP([1, width, width, 1], "tanh", "identity", "mse", u[:, None], y, name="sin-mlp",
               title=f"MLP [1, {width}, {width}, 1] on the sin target", settings=dict(n=n, width=width, seed=seed))
