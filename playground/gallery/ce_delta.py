"""``ce-delta-times-sigmoid-prime`` (the Stack Overflow question "Backpropagation bug").

A (2, 2, 1) network of sigmoid units without biases and a cross-entropy loss,
on the XOR inputs. The question's code already uses the problems' layout
(params_l1 is (hidden, inputs), rows of X are samples); its weights are the
blocks W1 and W2, and the loss is ``problems.mlp``'s with the biases held at 0.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .. import problems
from ..problems.mlp import XOR_X, XOR_Y
from .activations import sigmoid
from .activations import sigmoid_prime as dsigmoid
from ..gradcheck import Target
from .entry import GradientEntry

SEED = 2


def forward(X, params):
    z2 = params["W1"].dot(X.T)
    a2 = sigmoid(z2)
    z3 = params["W2"].dot(a2)
    a3 = sigmoid(z3)
    return a3, z2, a2, z3


def backward(X, y, params):
    n_examples = len(X)
    yh, Z2, A2, Z3 = forward(X, params)
    delta3 = np.multiply(-(yh - y), dsigmoid(Z3))
    delta2 = (np.dot(params["W2"].T, delta3))*dsigmoid(Z2)
    de3 = np.dot(delta3, A2.T)
    de2 = np.dot(delta2, X)
    return {"W1": de2 / n_examples, "W2": de3 / n_examples}


def backward_fixed(X, y, params):
    n_examples = len(X)
    yh, Z2, A2, Z3 = forward(X, params)
    delta3 = yh - y  # dL/dz3 for cross-entropy on a sigmoid output: no sigmoid' and no minus sign
    delta2 = (np.dot(params["W2"].T, delta3))*dsigmoid(Z2)
    de3 = np.dot(delta3, A2.T)
    de2 = np.dot(delta2, X)
    return {"W1": de2 / n_examples, "W2": de3 / n_examples}


def _loss(net, weights):
    return net.loss({"W1": weights["W1"], "b1": np.zeros(2), "W2": weights["W2"], "b2": np.zeros(1)})


def _check(grad) -> Target:
    net = problems.mlp([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="bce", X=XOR_X, y=XOR_Y)
    # Weights from N(0, 1): large enough that the samples' outputs, and so their
    # factors σ'(z3), differ visibly (near 0 every σ'(z3) is close to 1/4).
    rng = np.random.default_rng(SEED)
    weights = {"W1": rng.standard_normal((2, 2)), "W2": rng.standard_normal((1, 2))}
    # y as a row, (1, n_examples), like the question's a3
    return Target(partial(_loss, net), partial(grad, net.X, net.y.T), weights, method="central",
                 n_samples=net.n_samples)


CE_DELTA = GradientEntry(
    id="ce-delta-times-sigmoid-prime",
    title="Cross-entropy delta multiplied by σ'(z) again, with the sign flipped",
    source_kind="Stack Overflow question",
    source_title="Backpropagation bug",
    what_the_user_saw=(
        "The cost kept decreasing, yet the gradient check gave a difference of 0.767. Computing delta3 as just "
        "yh - y brought it down to 1.7e-10, and the asker wanted to know why."
    ),
    explanation=(
        "For cross-entropy on a sigmoid output, dL/dz3 = ŷ - y: the sigmoid's derivative σ'(z3) = ŷ(1 - ŷ) "
        "cancels against the loss's 1/(ŷ(1 - ŷ)). The question's delta3 = -(ŷ - y)·σ'(z3) multiplies by "
        "σ'(z3) a second time (that is the delta of a squared error) and flips the sign. Each sample's "
        "delta is off by its own factor -σ'(z3), so no single ratio describes the blocks, and the error "
        "reaches every block through delta3. Its author found that `delta3 = yh - y` made the check pass "
        "and asked why: the cancellation above is the reason."
    ),
    buggy=backward,
    fixed=backward_fixed,
    setup_note=(
        "The question's network has no biases: f is the (2, 2, 1) sigmoid network's mean cross-entropy on "
        "the XOR inputs with the biases held at 0, as a function of W1 and W2, drawn from N(0, 1); central "
        "differences with gradcheck's default eps."
    ),
    buggy_check=_check(backward),
    fixed_check=_check(backward_fixed),
)
