"""playground.gradcheck on small hand-written losses with planted bugs.

Each loss here accepts a leading batch axis (matmul broadcasting), so the same
function serves the batched and the one-by-one check.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.gradcheck import METHODS, eps_sweep, gradcheck, rel_error

M = 6  # samples in the small net: not 2 or 4, so m-factors don't collide with 2 and 4


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACTIVATIONS = {
    "tanh": (np.tanh, lambda z, a: 1 - a ** 2),
    # np.maximum keeps the imaginary part where the real part wins: complex-safe.
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(float)),
}


class Net:
    """A [3, 4, 4, 1] net: hidden activation, sigmoid output, mean squared error over M samples.

    W2 is square, so a transposed dW2 keeps its shape. ``loss`` accepts params
    whose blocks all carry a leading batch axis and then returns one loss each.
    """

    def __init__(self, act: str = "tanh", seed: int = 0, hidden: int = 4) -> None:
        rng = np.random.default_rng(seed)
        self.X, self.y, self.act = rng.normal(size=(M, 3)), rng.random(M), act
        sizes = [3, hidden, hidden, 1]
        self.params = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
            self.params[f"W{i}"] = rng.normal(size=(n_out, n_in))
            self.params[f"b{i}"] = 0.5 * rng.normal(size=n_out)

    def _forward(self, p):
        act = ACTIVATIONS[self.act][0]
        a, cache = self.X.T, [(None, self.X.T)]
        for i in (1, 2, 3):
            z = p[f"W{i}"] @ a + p[f"b{i}"][..., None]
            a = act(z) if i < 3 else sigmoid(z)
            cache.append((z, a))
        return cache

    def loss(self, p):
        yhat = self._forward(p)[-1][1][..., 0, :]
        return np.mean((yhat - self.y) ** 2, axis=-1)

    def grad(self, p):
        dact = ACTIVATIONS[self.act][1]
        cache = self._forward(p)
        a3 = cache[3][1]
        dz = 2 * (a3 - self.y) / M * a3 * (1 - a3)
        g = {}
        for i in (3, 2, 1):
            g[f"W{i}"] = dz @ cache[i - 1][1].T
            g[f"b{i}"] = dz.sum(axis=1)
            if i > 1:
                z, a = cache[i - 1]
                dz = (p[f"W{i}"].T @ dz) * dact(z, a)
        return {k: g[k] for k in p}

    def with_bug(self, block, bug):
        """A grad function with ``bug`` applied to one block."""
        def grad(p):
            g = self.grad(p)
            g[block] = bug(g[block])
            return g
        return grad

    def kinked(self, unit: int = 1, sample: int = 2, offset: float = 3e-7):
        """Params with the ReLU input of hidden ``unit`` on ``sample`` at ``offset`` from 0."""
        p = {k: v.copy() for k, v in self.params.items()}
        z = p["W1"] @ self.X[sample] + p["b1"]
        p["b1"][unit] += offset - z[unit]
        return p


def quadratic(seed: int = 0, n: int = 5):
    """f(x) = x·Ax/2 + b·x on a bare array, with its gradient; f takes a batch axis."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    a = a @ a.T
    b = rng.normal(size=n)
    def f(x):
        return 0.5 * np.einsum("...i,ij,...j->...", x, a, x) + x @ b
    return f, (lambda x: a @ x + b), rng.normal(size=n)


def kinds(report):
    return {name: b.kind for name, b in report.blocks.items()}


# --- correct gradients ------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("problem", ["quadratic", "tanh", "relu"])
def test_each_method_passes_a_correct_gradient(method, problem):
    if problem == "quadratic":
        f, grad, x = quadratic()
    else:
        net = Net(problem)
        f, grad, x = net.loss, net.grad, net.params
    report = gradcheck(f, grad, x, method=method)
    assert report.verdict == "correct", report.summary()
    assert set(kinds(report).values()) == {"ok"}


def test_complex_step_matches_to_machine_precision():
    net = Net("tanh")
    assert gradcheck(net.loss, net.grad, net.params, method="complex").rel_error < 1e-14


def test_bare_array_is_one_block_named_params():
    f, grad, x = quadratic()
    report = gradcheck(f, grad, x)
    assert list(report.blocks) == ["params"]
    assert report.blocks["params"].shape == (5,)
    assert report.numeric.shape == (5,)
    np.testing.assert_allclose(report.numeric, grad(x), rtol=1e-8)


def test_rel_error_is_zero_when_both_gradients_are_zero():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    report = gradcheck(lambda p: 1.5, lambda p: {"w": np.zeros(2)}, {"w": np.ones(2)})
    assert report.rel_error == 0.0
    assert report.verdict == "correct"


# --- planted bugs -----------------------------------------------------------------------

BUGS = [
    # block, bug, kind, words the diagnosis must contain
    ("W1", lambda g: 2 * g, "scaled", "analytic = 2 × numeric"),
    ("b1", lambda g: 4 * g, "scaled", "analytic = 4 × numeric"),
    ("W3", lambda g: M * g, "scaled", "analytic = 6 × numeric (6 = m, a missing 1/m?)"),
    ("b2", lambda g: g / 2, "scaled", "analytic = 1/2 × numeric"),
    ("b2", lambda g: -g, "sign", "sign"),
    ("W2", lambda g: g.T, "transposed", "transposed"),
    ("b1", lambda g: 0 * g, "missing", "missing"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("block,bug,kind,words", BUGS)
def test_planted_bug_is_named_on_its_block_only(method, block, bug, kind, words):
    net = Net("tanh")
    report = gradcheck(net.loss, net.with_bug(block, bug), net.params, method=method, n_samples=M)
    assert report.verdict == "wrong"
    assert report.blocks[block].verdict == "wrong"
    assert report.blocks[block].kind == kind
    assert words in report.blocks[block].diagnosis
    assert {k: v for k, v in kinds(report).items() if k != block} == dict.fromkeys(set(net.params) - {block}, "ok")


@pytest.mark.parametrize("factor,n_samples,words", [
    (3 / 4, None, "analytic = 3/4 × numeric"),
    (-2.0, None, "analytic = -2 × numeric"),
    (M, None, "analytic = 6 × numeric in every entry"),
    (1 / M, M, "analytic = 1/6 × numeric (1/6 = 1/m, an extra 1/m?)"),
    (M / 2, M, "analytic = 3 × numeric (3 = m/2, a missing 2/m?)"),
    (2 / M, M, "analytic = 1/3 × numeric (1/3 = 2/m, an extra 2/m?)"),
    (1.37, M, "analytic = 1.37 × numeric"),
])
def test_constant_factor_is_written_as_a_number(factor, n_samples, words):
    net = Net("tanh")
    report = gradcheck(net.loss, net.with_bug("W2", lambda g: factor * g), net.params, n_samples=n_samples)
    assert words in report.blocks["W2"].diagnosis
    assert report.blocks["W2"].factor == pytest.approx(factor, rel=1e-6)


def test_flipped_sign_with_a_factor_names_both():
    net = Net("tanh")
    d = gradcheck(net.loss, net.with_bug("W1", lambda g: -3 * g), net.params).blocks["W1"]
    assert d.kind == "sign" and "-3 × numeric" in d.diagnosis and "sign" in d.diagnosis


def test_a_single_wrong_entry_is_a_slice_that_names_the_entry():
    net = Net("tanh")
    def bug(g):
        g = g.copy()
        g[2, 1] += 0.5
        return g
    b = gradcheck(net.loss, net.with_bug("W2", bug), net.params).blocks["W2"]
    assert b.kind == "slice"
    assert "only W2[2, 1] is off" in b.diagnosis
    assert b.worst[0].index == (2, 1)
    assert b.worst[0].analytic - b.worst[0].numeric == pytest.approx(0.5, rel=1e-6)


def test_f_that_ignores_a_block_is_told_so():
    net = Net("tanh")
    frozen = net.params["W3"]
    def loss(p):
        return net.loss({**p, "W3": np.broadcast_to(frozen, np.shape(p["W3"]))})
    report = gradcheck(loss, net.grad, net.params)
    assert report.blocks["W3"].kind == "constant"
    assert "params argument" in report.blocks["W3"].diagnosis


# --- kinks --------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["central", "random"])
def test_mismatch_at_a_relu_kink_is_called_a_kink_not_a_bug(method):
    net = Net("relu")
    report = gradcheck(net.loss, net.grad, net.kinked(offset=3e-7), method=method)
    assert report.blocks["b1"].kind == "kink"
    assert report.blocks["b1"].verdict != "correct"
    words = report.blocks["b1"].diagnosis
    assert "kink" in words and "not a bug" in words.lower() and "smaller eps" in words and "move the point" in words
    # Only layer 1 feeds the kinked unit; nothing else may be blamed.
    assert {kinds(report)[k] for k in ("W2", "b2", "W3", "b3")} == {"ok"}
    assert kinds(report)["W1"] in ("ok", "kink")
    assert "not by a bug" in report.summary()


def test_a_kink_clears_with_a_smaller_eps():
    net = Net("relu")
    assert gradcheck(net.loss, net.grad, net.kinked(offset=3e-7), eps=1e-8).verdict == "correct"


def test_complex_step_exactly_on_a_kink_is_called_a_kink():
    net = Net("relu")
    report = gradcheck(net.loss, net.grad, net.kinked(offset=0.0), method="complex")
    assert report.blocks["b1"].kind == "kink"


def test_kink_is_not_claimed_when_a_real_bug_shares_the_block():
    net = Net("relu")
    def bug(g):
        g = g.copy()
        g[0] *= 1.5
        return g
    report = gradcheck(net.loss, net.with_bug("b1", bug), net.kinked(offset=3e-7))
    assert report.blocks["b1"].kind == "slice" and report.blocks["b1"].verdict == "wrong"
    assert "b1[0]" in report.blocks["b1"].diagnosis


def test_a_smooth_loss_never_looks_kinked():
    net = Net("tanh")
    def bug(g):
        g = g.copy()
        g[0] *= 1.001
        return g
    b1 = gradcheck(net.loss, net.with_bug("b1", bug), net.params).blocks["b1"]
    assert b1.kind == "slice" and "only b1[0] is off" in b1.diagnosis


@pytest.mark.parametrize("method", ["central", "random"])
@pytest.mark.parametrize("eps", [1e-2, 1e-1, 3e-1])
def test_a_large_eps_on_a_smooth_loss_is_not_blamed_on_kinks(method, eps):
    # Truncation error makes entries mismatch, and the one-sided slopes differ by
    # a lot at these steps; but the difference grows with the step: no kink.
    net = Net("tanh")
    report = gradcheck(net.loss, net.grad, net.params, method=method, eps=eps)
    assert report.verdict != "correct"
    assert "kink" not in kinds(report).values()


@pytest.mark.parametrize("method", ["central", "forward"])
def test_a_tiny_eps_is_diagnosed_as_round_off_not_as_a_bug(method):
    net = Net("tanh")
    report = gradcheck(net.loss, net.grad, net.params, method=method, eps=1e-11)
    assert report.verdict == "inconclusive"
    assert set(kinds(report).values()) <= {"round-off", "ok"}
    assert "method='complex'" in report.blocks["W1"].diagnosis and "eps=1e-11" in report.blocks["W1"].diagnosis


def test_numeric_derivative_divides_by_the_step_actually_taken():
    # Near 1.2e5, x + 1e-6 is off from the exact sum by up to ~1e-11; dividing by
    # 2 * eps would make this exactly linear loss look "suspicious".
    x = np.array([123456.789])
    report = gradcheck(lambda x: x[..., 0], lambda x: np.ones(1), x)
    assert report.rel_error < 1e-12


def test_a_block_of_one_entry_only_shows_a_recognisable_factor():
    net = Net("tanh")
    doubled = gradcheck(net.loss, net.with_bug("b3", lambda g: 2 * g), net.params).blocks["b3"]
    assert doubled.kind == "scaled" and "(one entry only)" in doubled.diagnosis
    # One number is always "a constant ratio" of another: 1.37 is no evidence of a factor.
    shifted = gradcheck(net.loss, net.with_bug("b3", lambda g: g + 0.37 * np.abs(g)), net.params).blocks["b3"]
    assert shifted.kind == "mismatch"


# --- thresholds ---------------------------------------------------------------------------

def test_thresholds_are_arguments():
    f, grad, x = quadratic()
    nearly = lambda x: grad(x) * (1 + 1e-6)  # noqa: E731  rel error about 5e-7
    assert gradcheck(f, nearly, x).verdict == "suspicious"
    assert gradcheck(f, nearly, x, correct_tol=1e-6).verdict == "correct"
    assert gradcheck(f, nearly, x, correct_tol=1e-8, suspicious_tol=1e-7).verdict == "wrong"


def test_overall_verdict_is_never_better_than_a_block():
    # b3 is one entry among ~80: off by 1e-4 it barely moves the overall error,
    # but the block itself is plainly wrong.
    net = Net("tanh", hidden=6)
    report = gradcheck(net.loss, net.with_bug("b3", lambda g: (1 + 1e-4) * g), net.params)
    assert report.rel_error <= 1e-5  # "suspicious" by the overall number alone
    assert report.blocks["b3"].verdict == "wrong"
    assert report.verdict == "wrong"


# --- batched evaluation -------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_batched_and_one_by_one_give_the_same_numbers(method):
    net = Net("relu")
    grad = net.with_bug("W2", lambda g: 2 * g)
    one = gradcheck(net.loss, grad, net.params, method=method)
    for batch_size in (None, 1, 7):
        many = gradcheck(net.loss, grad, net.params, method=method, batched=True, batch_size=batch_size)
        assert kinds(many) == kinds(one)
        for name in net.params:
            assert many.blocks[name].rel_error == pytest.approx(one.blocks[name].rel_error, rel=1e-6, abs=1e-13)
            if method != "random":
                np.testing.assert_allclose(many.numeric[name], one.numeric[name], rtol=1e-9, atol=1e-13)


# --- random directions --------------------------------------------------------------------

def test_random_directions_catch_a_scaled_gradient():
    net = Net("tanh")
    grad = lambda p: {k: 1.5 * v for k, v in net.grad(p).items()}  # noqa: E731
    report = gradcheck(net.loss, grad, net.params, method="random")
    assert report.verdict == "wrong"
    assert all(b.kind == "scaled" and "3/2 × numeric" in b.diagnosis for b in report.blocks.values())


def test_random_check_cost_does_not_grow_with_the_number_of_entries():
    small, large = Net("tanh", hidden=4), Net("tanh", hidden=40)
    n_small = gradcheck(small.loss, small.grad, small.params, method="random").n_evals
    n_large = gradcheck(large.loss, large.grad, large.params, method="random").n_evals
    n_full = gradcheck(large.loss, large.grad, large.params).n_evals
    assert n_small == n_large
    assert n_large * 20 < n_full


def test_random_check_is_deterministic_given_a_seed():
    net = Net("tanh")
    grad = net.with_bug("W1", lambda g: 2 * g)
    a, b, c = (gradcheck(net.loss, grad, net.params, method="random", seed=s) for s in (1, 1, 2))
    assert a.blocks["W1"].worst == b.blocks["W1"].worst
    assert a.blocks["W1"].worst != c.blocks["W1"].worst


# --- report -------------------------------------------------------------------------------

def test_report_reads_as_text_and_as_rows():
    net = Net("tanh")
    report = gradcheck(net.loss, net.with_bug("W2", lambda g: 2 * g), net.params, n_worst=2)
    text = report.summary()
    assert repr(report) == text == str(report)
    assert text.splitlines()[0].startswith("gradcheck: wrong")
    assert all(name in text for name in net.params)
    assert "analytic = 2 × numeric" in text
    rows = report.rows()
    assert [r["block"] for r in rows] == list(net.params)
    w2 = rows[2]
    assert w2["verdict"] == "wrong" and w2["kind"] == "scaled"
    assert w2["worst_analytic"] == pytest.approx(2 * w2["worst_numeric"], rel=1e-6)
    assert all(isinstance(v, (str, float)) for r in rows for v in r.values())
    worst = report.blocks["W2"].worst
    assert len(worst) == 2 and worst[0].error >= worst[1].error
    assert all(len(e.index) == 2 for e in worst)


def test_report_holds_both_gradients_by_block():
    net = Net("tanh")
    report = gradcheck(net.loss, net.grad, net.params)
    for name, g in net.grad(net.params).items():
        np.testing.assert_allclose(report.analytic[name], g)
        np.testing.assert_allclose(report.numeric[name], g, rtol=1e-6, atol=1e-9)
    assert gradcheck(net.loss, net.grad, net.params, method="random").numeric is None


# --- eps sweep ----------------------------------------------------------------------------

def test_eps_sweep_shows_truncation_against_round_off():
    net = Net("tanh")
    sweep = eps_sweep(net.loss, net.grad, net.params)
    assert sweep.eps.tolist() == [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13,
                                  1e-14]
    for errors in (sweep.central, sweep.forward, sweep.complex_step):
        assert errors.shape == (14,)
    # Central: falls (truncation ~ eps²), then rises (round-off ~ 1/eps).
    best = int(np.argmin(sweep.central))
    assert 0 < best < 13
    assert sweep.central[0] > 100 * sweep.central[best] and sweep.central[-1] > 100 * sweep.central[best]
    assert np.all(np.diff(sweep.central[:best + 1]) < 0)
    # Forward is never better than central at its best.
    assert sweep.forward.min() > sweep.central.min()
    # Complex step: truncation ~ eps² like central, but no round-off term, so it
    # flattens at machine precision and stays there.
    cs = dict(zip(sweep.eps, sweep.complex_step))
    assert cs[1e-4] / cs[1e-5] == pytest.approx(100, rel=0.1)
    flat = sweep.complex_step[sweep.eps <= 1e-8]
    assert flat.max() < 1e-15 and flat.max() < 5 * flat.min()
    assert sweep.complex_step.min() < sweep.central.min() / 100


def test_eps_sweep_without_complex_safety_still_gives_the_differences():
    f, grad, x = quadratic()
    sweep = eps_sweep(lambda x: np.real(f(x)), grad, x, eps=[1e-3, 1e-6])
    assert sweep.complex_step is None
    assert "central" in sweep.notes[0]
    assert sweep.central.shape == (2,) and sweep.central[1] < 1e-7


def test_eps_sweep_batched_matches_one_by_one():
    net = Net("tanh")
    one = eps_sweep(net.loss, net.grad, net.params)
    many = eps_sweep(net.loss, net.grad, net.params, batched=True)
    np.testing.assert_allclose(many.central, one.central, rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(many.complex_step, one.complex_step, rtol=1e-6, atol=1e-15)


# --- properties ---------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 8),
    factor=st.sampled_from([2.0, 3.0, 0.5, 0.25, -1.0, -2.0, 5.0, 2 / 3]),
)
def test_any_quadratic_with_a_scaled_gradient_gets_its_factor(seed, n, factor):
    f, grad, x = quadratic(seed, n)
    assert gradcheck(f, grad, x).verdict == "correct"
    report = gradcheck(f, lambda x: factor * grad(x), x)
    block = report.blocks["params"]
    assert block.kind == ("sign" if factor < 0 else "scaled")
    assert block.factor == pytest.approx(factor, rel=1e-6)
