"""``l2-regularization-scale`` (a question's ``J2`` and ``backward_prop2``): an L2 penalty at the wrong scale.

The question's network: sigmoid layers with a bias column (theta1 is
(hidden, features + 1), its first column the bias), 10 one-hot classes, the
cross-entropy summed over classes, and an L2 penalty. Kept small here: 3
features, 4 hidden units, 6 samples. As in the question, X and the targets have
one row per sample, while the activations have one column per sample.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .activations import sigmoid
from ..gradcheck import Target
from .entry import GradientEntry

N_SAMPLES, N_FEATURES, N_HIDDEN, N_CLASSES = 6, 3, 4, 10
LAMB = 0.1
SEED = 0


def forward_prop2(X, theta1, theta2):
    a1 = np.transpose(X)
    z2 = np.matmul(theta1, a1)
    a2 = sigmoid(z2)
    a2 = np.append(np.ones((1, a2.shape[1])), a2, axis=0)
    z3 = np.matmul(theta2, a2)
    a3 = sigmoid(z3)
    return a1, a2, a3


def J2(y_target, y_pred, theta1, theta2, lamb):
    m = y_target.shape[1]
    cost = np.multiply(y_target, np.log(y_pred)) + np.multiply((1-y_target), np.log(1-y_pred))
    cost = np.sum(cost)
    cost = (-1/m)*cost
    reg = np.sum(np.square(theta1)) + np.sum(np.square(theta2))
    reg = (lamb/2*m)*reg
    J = cost + reg
    return J


def backward_prop2(y_vectors, a1, a2, a3, theta1, theta2, lamb):
    m = y_vectors.shape[1]
    delta3 = a3 - y_vectors.T
    delta2_matmul_term = np.matmul(np.transpose(theta2), delta3)
    delta2_dot_term = np.multiply(a2, np.ones(a2.shape)-a2)
    delta2 = np.multiply(delta2_matmul_term, delta2_dot_term)
    triangle2 = np.matmul(delta3, np.transpose(a2))
    triangle1 = np.matmul(delta2[1:, :], np.transpose(a1))
    reg2 = np.zeros((theta2.shape[0], 1))
    reg2 = np.append(reg2, theta2[:, 1:], axis=1)
    grad2 = (1/m)*triangle2 + lamb*reg2
    reg1 = np.zeros((theta1.shape[0], 1))
    reg1 = np.append(reg1, theta1[:, 1:], axis=1)
    grad1 = (1/m)*triangle1 + lamb*reg1
    return grad1, grad2


def J2_fixed(y_target, y_pred, theta1, theta2, lamb):
    m = y_target.shape[0]  # rows are samples
    cost = np.multiply(y_target, np.log(y_pred)) + np.multiply((1-y_target), np.log(1-y_pred))
    cost = np.sum(cost)
    cost = (-1/m)*cost
    # the bias columns are not penalised, as in the gradient
    reg = np.sum(np.square(theta1[:, 1:])) + np.sum(np.square(theta2[:, 1:]))
    reg = (lamb/(2*m))*reg
    J = cost + reg
    return J


def backward_prop2_fixed(y_vectors, a1, a2, a3, theta1, theta2, lamb):
    m = y_vectors.shape[0]  # rows are samples
    delta3 = a3 - y_vectors.T
    delta2_matmul_term = np.matmul(np.transpose(theta2), delta3)
    delta2_dot_term = np.multiply(a2, np.ones(a2.shape)-a2)
    delta2 = np.multiply(delta2_matmul_term, delta2_dot_term)
    triangle2 = np.matmul(delta3, np.transpose(a2))
    triangle1 = np.matmul(delta2[1:, :], np.transpose(a1))
    reg2 = np.zeros((theta2.shape[0], 1))
    reg2 = np.append(reg2, theta2[:, 1:], axis=1)
    grad2 = (1/m)*triangle2 + (lamb/m)*reg2  # the derivative of lamb/(2m) * sum(theta^2)
    reg1 = np.zeros((theta1.shape[0], 1))
    reg1 = np.append(reg1, theta1[:, 1:], axis=1)
    grad1 = (1/m)*triangle1 + (lamb/m)*reg1
    return grad1, grad2


def data() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The question's setup, small: X with its bias column, one-hot targets (one row per sample), theta."""
    rng = np.random.default_rng(SEED)
    # a bias column of ones, then the features
    X = np.column_stack([np.ones(N_SAMPLES), rng.standard_normal((N_SAMPLES, N_FEATURES))])
    y_vectors = np.eye(N_CLASSES)[rng.integers(0, N_CLASSES, N_SAMPLES)]  # one-hot, (samples, classes)
    theta = {"theta1": rng.uniform(-1, 1, (N_HIDDEN, N_FEATURES + 1)),
             "theta2": rng.uniform(-1, 1, (N_CLASSES, N_HIDDEN + 1))}
    return X, y_vectors, theta


def _cost(J, X, y_vectors, theta):
    a3 = forward_prop2(X, theta["theta1"], theta["theta2"])[2]
    return J(y_vectors, a3.T, theta["theta1"], theta["theta2"], LAMB)


def _gradient(backward, X, y_vectors, theta):
    grads = backward(y_vectors, *forward_prop2(X, theta["theta1"], theta["theta2"]), theta["theta1"],
                     theta["theta2"], LAMB)
    return dict(zip(("theta1", "theta2"), grads))


def _check(J, backward) -> Target:
    X, y_vectors, theta = data()
    return Target(partial(_cost, J, X, y_vectors), partial(_gradient, backward, X, y_vectors), theta,
                 method="central", n_samples=N_SAMPLES)


L2_REGULARIZATION_SCALE = GradientEntry(
    id="l2-regularization-scale",
    title="L2 regularisation at the wrong scale",
    source_kind="Stack Overflow question",
    source_title="[a network whose cost curve rises or wiggles depending on lambda]",
    what_the_user_saw=(
        "Training accuracy was around 90%, but the cost J plotted against iterations looked wrong: it fell "
        "oddly or rose, depending on the regularisation factor lambda, and still looked off with lambda = 1e-10."
    ),
    explanation=(
        "Three slips. `lamb/2*m` is read by Python as (lamb/2)*m, not lamb/(2m): the penalty is m² times "
        "too large, and the cost penalises the bias columns the gradient leaves out. The gradient adds "
        "lamb*theta where a penalty of lamb/(2m)·Σθ² has derivative (lamb/m)·theta. So, as soon as lamb > 0, "
        "the cost being plotted is not the function the gradient descends: the curve rises or wiggles "
        "depending on lambda. And m = y.shape[1] reads the class axis (10) when rows are samples; cost and "
        "gradient share that m, so it scales both alike, which is invisible to a gradient check but "
        "multiplies the effective step size by n_samples/10. Fix: m = y.shape[0], lamb/(2*m), no penalty "
        "on the bias columns, and (lamb/m)*theta in the gradient."
    ),
    buggy=(J2, backward_prop2),
    fixed=(J2_fixed, backward_prop2_fixed),
    setup_note=(
        "f is the question's cost J2 and grad its backward_prop2 (each fixed, for the fixed check), with "
        f"lamb = {LAMB:g}, on {N_SAMPLES} random samples of {N_FEATURES} features with one-hot targets over "
        f"{N_CLASSES} classes; central differences with gradcheck's default eps."
    ),
    buggy_check=_check(J2, backward_prop2),
    fixed_check=_check(J2_fixed, backward_prop2_fixed),
)
