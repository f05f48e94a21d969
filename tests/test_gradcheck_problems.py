"""playground.gradcheck on playground.problems: the real MLPs, and seed bugs planted in their backprop."""
from __future__ import annotations

import numpy as np
import pytest

from playground import problems
from playground.gradcheck import METHODS, gradcheck


def bench_mlp():
    """The benchmark's problem: [4, 32, 32, 1], ReLU, sigmoid output, cross-entropy, 64 samples."""
    return problems.mlp(sizes=[4, 32, 32, 1], hidden="relu", output="sigmoid", loss="bce", n=64, seed=0)


def with_bugs(problem, bugs):
    """problem.grad with ``bugs[name](g)`` applied to the named blocks."""
    def grad(p):
        g = problem.grad(p)
        return {k: bugs[k](v) if k in bugs else v for k, v in g.items()}
    return grad


def kinds(report):
    return {name: b.kind for name, b in report.blocks.items()}


@pytest.mark.parametrize("method", METHODS)
def test_the_mlp_gradient_passes_every_method(method):
    pb = bench_mlp()
    report = gradcheck(pb.loss, pb.grad, pb.init_params(0), method=method, batched=True)
    if method == "forward":
        # Forward differences keep about 8 digits: small blocks may read
        # "suspicious", but then only as round-off, never as a bug.
        assert report.verdict in ("correct", "suspicious"), report.summary()
        assert {b.kind for b in report.blocks.values()} <= {"ok", "round-off"}, report.summary()
    else:
        assert report.verdict == "correct", report.summary()
    if method == "complex":
        assert report.rel_error < 1e-14


@pytest.mark.parametrize("method", ["central", "complex"])
def test_batched_and_one_by_one_agree_on_the_mlp(method):
    pb = bench_mlp()
    p = pb.init_params(0)
    one = gradcheck(pb.loss, pb.grad, p, method=method)
    many = gradcheck(pb.loss, pb.grad, p, method=method, batched=True)
    for k in p:
        np.testing.assert_allclose(many.numeric[k], one.numeric[k], rtol=1e-12, atol=1e-15)


def moved(problem, seed=0, by=0.3):
    """Initial params moved at random: off the exact zeros that zero biases create."""
    rng = np.random.default_rng(seed)
    return {k: v + by * rng.standard_normal(v.shape) for k, v in problem.init_params(seed).items()}


def test_relu_net_with_zero_biases_sits_on_kinks():
    # Zero biases, and samples whose layer-1 ReLUs are all off, give layer-2 ReLU
    # inputs of exactly 0: the loss has a kink there, and the check must say so
    # rather than blame the (correct) gradient.
    pb = problems.relu_net()
    zero_bias = {k: np.zeros_like(v) if k.startswith("b") else v for k, v in pb.init_params(0).items()}
    report = gradcheck(pb.loss, pb.grad, zero_bias)
    assert report.blocks["b2"].kind == "kink"
    assert set(kinds(report).values()) <= {"ok", "kink"}
    # The problem's own start keeps ReLU biases off 0 for this reason.
    assert gradcheck(pb.loss, pb.grad, pb.init_params(0)).verdict == "correct"
    assert gradcheck(pb.loss, pb.grad, moved(pb)).verdict == "correct"


@pytest.mark.parametrize("method", ["central", "random"])
def test_seed_001_scaled_gradients_are_found_and_named(method):
    # dW2 doubled, and db1 = (4/m) sum(dZ1) where (1/m) was meant: a factor 4.
    pb = problems.relu_net()
    bugs = {"W2": lambda g: 2 * g, "b1": lambda g: 4 * g}
    report = gradcheck(pb.loss, with_bugs(pb, bugs), moved(pb), method=method,
                       n_samples=pb.n_samples, batched=True)
    assert report.verdict == "wrong"
    assert "analytic = 2 × numeric" in report.blocks["W2"].diagnosis
    assert "analytic = 4 × numeric" in report.blocks["b1"].diagnosis
    assert {k: v for k, v in kinds(report).items() if k not in bugs} == dict.fromkeys(["W1", "b2", "W3", "b3"], "ok")


def test_seed_002_mse_backprop_missing_2_over_m():
    # XOR, m = 4: backprop of mean((a - y)^2) without its 2/m is m/2 = 2 times too large
    # in every block ("divide by 2 and it matches").
    pb = problems.xor()
    m = pb.n_samples
    p = moved(pb)
    report = gradcheck(pb.loss, with_bugs(pb, dict.fromkeys(pb.shapes(), lambda g: g * m / 2)), p, n_samples=m)
    for block in report.blocks.values():
        assert block.kind == "scaled"
        assert "analytic = 2 × numeric (2 = m/2, a missing 2/m?)" in block.diagnosis


def test_a_relu_kink_in_the_mlp_is_not_called_a_bug():
    pb = bench_mlp()
    p = pb.init_params(0)
    unit, sample = 5, 7
    z = pb.X[sample] @ p["W1"].T + p["b1"]
    p["b1"][unit] += 3e-7 - z[unit]
    report = gradcheck(pb.loss, pb.grad, p, batched=True)
    assert report.blocks["b1"].kind == "kink"
    assert kinds(report)["W1"] in ("ok", "kink")
    assert {kinds(report)[k] for k in ("W2", "b2", "W3", "b3")} == {"ok"}
    assert gradcheck(pb.loss, pb.grad, p, method="complex", batched=True).verdict == "correct"
