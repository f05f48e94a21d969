"""The sigmoid and its derivative, as the sources' hand-written networks use them."""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    # the derivative with respect to z, sigma(z) * (1 - sigma(z))
    return sigmoid(z) * (1 - sigmoid(z))
