"""Two backprop bugs in ReLU networks with a sigmoid output and cross-entropy (a Cross Validated question, a tutorial article).

- ``sigmoid-derivative-of-z``: the sigmoid derivative applied to Z3 instead of
  A3, and no 1/m, in a backward pass that computes only dW3;
- ``scaled-gradients``: the article's exercise, dW2 doubled and db1 with 4/m.

Each network is a problem from :mod:`playground.problems`, whose loss is the
function checked; the backward passes are written the way their sources wrote
them, for the problems' layout: rows of X are samples, W is (out, in), b is (out,).
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .. import problems
from .activations import sigmoid
from ..gradcheck import Target
from .entry import GradientEntry


def forward_propagation(X: np.ndarray, parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The cache of a forward pass: ``Z1, A1, ..., ZL, AL`` (ReLU hidden layers, sigmoid output)."""
    L = len(parameters) // 2
    cache = {"A0": X}
    for l in range(1, L + 1):
        Z = np.dot(cache[f"A{l - 1}"], parameters[f"W{l}"].T) + parameters[f"b{l}"]
        cache[f"Z{l}"], cache[f"A{l}"] = Z, (np.maximum(0, Z) if l < L else sigmoid(Z))
    return cache


# -- sigmoid-derivative-of-z ---------------------------------------------------

def sigmoid_back(a):
    # the derivative of the sigmoid, written in terms of its output a = sigmoid(z)
    return a * (1 - a)


def back_propagation(X, y, caches):
    m = X.shape[0]
    grads = {}
    dzl = - (np.divide(y, caches["A3"]) - np.divide(1 - y, 1 - caches["A3"]))
    dzl *= sigmoid_back(caches["Z3"])
    grads["W3"] = (dzl.T.dot(caches["A2"]))
    return grads


def back_propagation_fixed(X, y, caches):
    m = X.shape[0]
    grads = {}
    dzl = - (np.divide(y, caches["A3"]) - np.divide(1 - y, 1 - caches["A3"]))
    dzl *= sigmoid_back(caches["A3"])  # simplifies to A3 - y
    grads["W3"] = (1 / m) * (dzl.T.dot(caches["A2"]))
    return grads


SIGMOID_NET = dict(sizes=(5, 4, 3, 1), hidden="relu", output="sigmoid", loss="bce", n=16, seed=0)
SIGMOID_EPS = 1e-4  # the question's epsilon


def _loss_in_w3(net, params, w3):
    return net.loss({**params, "W3": w3["W3"]})


def _w3_gradient(backward, net, params, w3):
    return backward(net.X, net.y, forward_propagation(net.X, {**params, "W3": w3["W3"]}))


def _w3_check(backward) -> Target:
    net = problems.mlp(**SIGMOID_NET)
    params = net.init_params(SIGMOID_NET["seed"])
    return Target(partial(_loss_in_w3, net, params), partial(_w3_gradient, backward, net, params),
                 {"W3": params["W3"]}, method="central", eps=SIGMOID_EPS, n_samples=net.n_samples)


SIGMOID_DERIVATIVE_OF_Z = GradientEntry(
    id="sigmoid-derivative-of-z",
    title="The sigmoid derivative applied to Z instead of A, and no 1/m",
    source_kind="Cross Validated question",
    source_title="Backpropagation gradients don't match approximated gradients",
    what_the_user_saw=(
        "For the third weight of W3 the central-difference check gave -0.000651293417531 and backprop "
        "0.000076791652: a different size and the other sign. The asker wondered whether that was close enough."
    ),
    explanation=(
        "sigmoid_back(s) = s*(1 - s) is the sigmoid's derivative written in terms of its output: it "
        "expects a3 = sigmoid(z3). Given z3 it computes z3*(1 - z3), a different number that can even have "
        "the other sign, so the gradient is off by no constant factor. The cost is a mean over the m "
        "examples, so its gradient needs the 1/m as well. With sigmoid_back(a3) the output delta "
        "simplifies to a3 - y, and dW3 = (1/m) dZ3ᵀ a2. (The thread also suggests the complex step, "
        "imag(f(x + ih))/h, which has no subtractive round-off: method='complex' on the Gradient check page.)"
    ),
    buggy=back_propagation,
    fixed=back_propagation_fixed,
    setup_note=(
        "The question's backward pass computes only dW3, so the check is of W3 alone: f is the network's "
        "mean cross-entropy as a function of W3, the other blocks held at their initial values; central "
        "differences with the question's eps = 1e-4."
    ),
    buggy_check=_w3_check(back_propagation),
    fixed_check=_w3_check(back_propagation_fixed),
)


# -- scaled-gradients --------------------------------------------------------------

def backward_propagation_n(X, Y, parameters, cache):
    m = X.shape[0]
    W2, W3 = parameters["W2"], parameters["W3"]
    A1, A2, A3 = cache["A1"], cache["A2"], cache["A3"]

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3.T, A2)
    db3 = 1. / m * np.sum(dZ3, axis=0)

    dA2 = np.dot(dZ3, W3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2.T, A1) * 2
    db2 = 1. / m * np.sum(dZ2, axis=0)

    dA1 = np.dot(dZ2, W2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1.T, X)
    db1 = 4. / m * np.sum(dZ1, axis=0)

    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}


def backward_propagation_n_fixed(X, Y, parameters, cache):
    m = X.shape[0]
    W2, W3 = parameters["W2"], parameters["W3"]
    A1, A2, A3 = cache["A1"], cache["A2"], cache["A3"]

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3.T, A2)
    db3 = 1. / m * np.sum(dZ3, axis=0)

    dA2 = np.dot(dZ3, W3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2.T, A1)
    db2 = 1. / m * np.sum(dZ2, axis=0)

    dA1 = np.dot(dZ2, W2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1.T, X)
    db1 = 1. / m * np.sum(dZ1, axis=0)

    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}


SCALED_NET = dict(n=16, seed=0)
SCALED_EPS = 1e-7  # the article's


def _gradient(backward, X, Y, parameters):
    return backward(X, Y, parameters, forward_propagation(X, parameters))


def _scaled_check(backward) -> Target:
    net = problems.relu_net(**SCALED_NET)
    # Every block drawn from N(0, 1), as in the article's test case: biases of
    # that size keep every ReLU input well away from its kink at 0.
    rng = np.random.default_rng(SCALED_NET["seed"])
    params = {name: rng.standard_normal(shape) for name, shape in net.shapes().items()}
    return Target(net.loss, partial(_gradient, backward, net.X, net.y), params, method="central", eps=SCALED_EPS,
                 n_samples=net.n_samples)


SCALED_GRADIENTS = GradientEntry(
    id="scaled-gradients",
    title="Scaled gradients: dW2 doubled, db1 with 4/m",
    source_kind="tutorial article",
    source_title="Gradient Checking",
    what_the_user_saw=(
        "The article plants the two mistakes on purpose: its check over all 47 parameters reports a difference "
        "above its 2e-7 threshold, a mistake in the backward pass, and passes once the two lines are corrected."
    ),
    explanation=(
        "The exercise plants two mistakes in an otherwise correct backward pass: dW2 is multiplied by 2 "
        "and db1 uses 4/m instead of 1/m. A single relative error over all 47 parameters only says that "
        "something is wrong; checking block by block says where (W2 and b1, and nothing else) and what: "
        "a constant factor, 2 and 4, which points straight at the stray '* 2' and '4.'. The article's "
        "check: centered differences with eps = 1e-7, difference ||g - g_approx|| / (||g|| + ||g_approx||), "
        "read as correct up to 1e-7, suspicious up to 1e-5 and wrong above."
    ),
    buggy=backward_propagation_n,
    fixed=backward_propagation_n_fixed,
    setup_note=(
        "f is the relu_net problem's loss (mean cross-entropy); grad runs a forward pass and then this "
        "backward pass; the point is drawn from N(0, 1); central differences, eps = 1e-7."
    ),
    buggy_check=_scaled_check(backward_propagation_n),
    fixed_check=_scaled_check(backward_propagation_n_fixed),
)
