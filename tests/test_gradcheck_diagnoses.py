"""The diagnoses that say where a bug entered, on a small MLP whose backprop is written here, bugs included.

Each bug is a slip users make: an L2 term at the wrong scale, a loop that
skips a row or a column, one entry written by another formula, an activation
derivative evaluated at Z instead of A. Also: kinks and numeric error are not
called bugs, and the checks a user's own test suite runs.
"""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from playground import problems
from playground.cli import main
from playground.gradcheck import GradcheckError, GradientMismatch, assert_gradients_match, gradcheck

M = 5  # samples
ROOT = Path(__file__).resolve().parents[1]

ACT = {  # activation, and its derivative written in terms of A = act(Z), as backprop code usually has it
    "tanh": (np.tanh, lambda a: 1 - a ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda a: (a > 0).astype(float)),
}


class MLP:
    """A [3, 4, 4, 2] net: hidden activation, linear output, squared error averaged over M samples,
    plus the penalty lam/(2M)·ΣW² on the weights. ``grad(p, bug)`` plants one of the named bugs.
    """

    def __init__(self, act: str = "tanh", lam: float = 0.0, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.act, self.lam = act, lam
        self.X, self.Y = rng.normal(size=(M, 3)), rng.normal(size=(M, 2))
        sizes = [3, 4, 4, 2]
        self.params = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
            self.params[f"W{i}"] = rng.normal(size=(n_out, n_in))
            self.params[f"b{i}"] = 0.5 * rng.normal(size=n_out)

    def forward(self, p):
        act = ACT[self.act][0]
        a, cache = self.X, [(None, self.X)]
        for i in (1, 2, 3):
            z = a @ p[f"W{i}"].T + p[f"b{i}"]
            a = act(z) if i < 3 else z
            cache.append((z, a))
        return cache

    def loss(self, p):
        out = self.forward(p)[-1][1]
        penalty = sum(np.sum(p[f"W{i}"] ** 2) for i in (1, 2, 3))
        return np.sum((out - self.Y) ** 2) / M + self.lam / (2 * M) * penalty

    def grad(self, p, bug=None):
        dact = ACT[self.act][1]
        cache = self.forward(p)
        dz = 2 * (cache[3][1] - self.Y) / M
        g = {}
        for i in (3, 2, 1):
            a_prev = cache[i - 1][1]
            decay = self.lam if bug == "l2-scale" else self.lam / M  # lam·W: the 1/M of the penalty forgotten
            if bug == "row-never-written" and i == 2:
                g["W2"] = np.zeros_like(p["W2"])
                for r in range(len(g["W2"]) - 1):  # stops one row short
                    g["W2"][r] = dz[:, r] @ a_prev
            elif bug == "first-column-skipped" and i == 1:
                g["W1"] = np.zeros_like(p["W1"])
                for c in range(1, g["W1"].shape[1]):  # starts at 1, as if column 0 were a bias column
                    g["W1"][:, c] = dz.T @ a_prev[:, c]
            else:
                g[f"W{i}"] = dz.T @ a_prev
            g[f"W{i}"] = g[f"W{i}"] + decay * p[f"W{i}"]
            g[f"b{i}"] = dz.sum(axis=0)
            if bug == "one-entry-averaged" and i == 2:
                g["b2"][0] = dz[:, 0].mean()  # a mean where the other entries sum
            if i > 1:
                z, a = cache[i - 1]
                at = z if bug == "derivative-at-z" and i == 3 else a  # layer 2's derivative, at Z2
                dz = (dz @ p[f"W{i}"]) * dact(at)
        return {k: g[k] for k in p}

    def buggy(self, bug):
        return lambda p: self.grad(p, bug)

    def kinked(self, unit: int = 2, sample: int = 0, offset: float = 3e-7):
        """Params with the ReLU input of hidden ``unit`` on ``sample`` at ``offset`` from 0."""
        p = {k: v.copy() for k, v in self.params.items()}
        z = self.X[sample] @ p["W1"].T + p["b1"]
        p["b1"][unit] += offset - z[unit]
        return p


def verdicts(report):
    return {name: b.verdict for name, b in report.blocks.items()}


def test_the_test_network_is_right_without_a_bug():
    net = MLP(lam=0.3)
    assert gradcheck(net.loss, net.grad, net.params).verdict == "correct"
    assert gradcheck(MLP("relu").loss, MLP("relu").grad, MLP("relu").params).verdict == "correct"


def test_a_correct_gradient_pays_for_no_diagnosis():
    # One call of f at the point, then two per entry for central differences and
    # one per entry for forward ones: no second measurement, no probe.
    net = MLP()
    dim = sum(v.size for v in net.params.values())
    assert gradcheck(net.loss, net.grad, net.params).n_evals == 1 + 2 * dim
    assert gradcheck(net.loss, net.grad, net.params, method="forward").n_evals == 1 + dim


# --- error proportional to the parameters -------------------------------------------------

@pytest.mark.parametrize("method", ["central", "random"])
def test_an_l2_term_at_the_wrong_scale_is_named_with_its_multiple_of_theta(method):
    lam = 0.3
    net = MLP(lam=lam)
    report = gradcheck(net.loss, net.buggy("l2-scale"), net.params, method=method)
    c = lam - lam / M  # the gradient adds lam·W where the penalty's derivative is (lam/M)·W
    for name in ("W1", "W2", "W3"):
        block = report.blocks[name]
        assert block.verdict == "wrong" and block.kind == "proportional"
        assert block.factor == pytest.approx(c, rel=1e-4)
        assert f"≈ {c:.3g} × θ" in block.diagnosis and "regularisation or weight-decay" in block.diagnosis
        assert "this explains the whole difference" in block.diagnosis
    assert {verdicts(report)[b] for b in ("b1", "b2", "b3")} == {"correct"}
    assert report.enters is None  # a block's own penalty term says nothing about the delta


def test_the_gallery_l2_bug_gives_minus_0_9_theta_on_weights_and_minus_1_on_bias_columns():
    from playground import gallery
    report = gallery.get("l2-regularization-scale").run().buggy
    for name, last in (("theta1", 3), ("theta2", 4)):
        block = report.blocks[name]
        assert block.kind == "proportional" and block.factor == pytest.approx(-0.9, rel=1e-6)
        assert f"≈ -1 × θ in column 0 and -0.9 × θ in columns 1-{last}" in block.diagnosis


# --- error confined to a slice ------------------------------------------------------------

@pytest.mark.parametrize("bug, block, words", [
    ("row-never-written", "W2", "only row 3 is off (every entry of it)"),
    ("first-column-skipped", "W1", "only column 0 is off (every entry of it)"),
    ("one-entry-averaged", "b2", "only b2[0] is off"),
])
def test_an_error_confined_to_a_slice_names_the_rows_columns_or_entries(bug, block, words):
    net = MLP()
    report = gradcheck(net.loss, net.buggy(bug), net.params)
    assert report.blocks[block].kind == "slice"
    assert words in report.blocks[block].diagnosis and "the rest of the block agrees" in report.blocks[block].diagnosis
    assert {b for b, v in verdicts(report).items() if v != "correct"} == {block}


# --- where the error enters -------------------------------------------------------------

def test_an_activation_derivative_at_z_is_located_between_the_layers_with_its_culprits():
    net = MLP()
    report = gradcheck(net.loss, net.buggy("derivative-at-z"), net.params)
    assert verdicts(report) == {"W1": "wrong", "b1": "wrong", "W2": "wrong", "b2": "wrong",
                                "W3": "correct", "b3": "correct"}
    assert report.layers == (("W1", "b1"), ("W2", "b2"), ("W3", "b3"))
    enters = report.enters
    assert (enters.below, enters.above) == (("W2", "b2"), ("W3", "b3"))
    assert "between layer (W2, b2) and layer (W3, b3)" in enters.text
    assert "activation derivative" in enters.text and "at Z" in enters.text and "delta passed back" in enters.text
    assert "where: the error enters" in report.summary()


def test_no_entrance_is_claimed_when_every_layer_is_wrong():
    net = MLP()
    report = gradcheck(net.loss, lambda p: {k: 2 * v for k, v in net.grad(p).items()}, net.params)
    assert report.verdict == "wrong" and report.enters is None


RENAME = {"W1": "enc_w", "b1": "enc_b", "W2": "hid_w", "b2": "hid_b", "W3": "out_w", "b3": "out_b"}


def renamed(net, bug):
    """The net with blocks named without layer numbers."""
    back = {v: k for k, v in RENAME.items()}
    f = lambda p: net.loss({back[k]: v for k, v in p.items()})  # noqa: E731
    grad = lambda p: {RENAME[k]: v for k, v in net.grad({back[k]: v for k, v in p.items()}, bug).items()}  # noqa: E731
    return f, grad, {RENAME[k]: v for k, v in net.params.items()}


def test_the_layer_order_can_be_given_where_the_names_do_not_show_it():
    f, grad, params = renamed(MLP(), "derivative-at-z")
    assert gradcheck(f, grad, params).enters is None  # no numbers in the names: no order to read
    layers = [["enc_w", "enc_b"], ["hid_w", "hid_b"], ["out_w", "out_b"]]
    report = gradcheck(f, grad, params, layers=layers)
    assert report.layers == tuple(map(tuple, layers))
    assert report.enters.below == ("hid_w", "hid_b") and report.enters.above == ("out_w", "out_b")


@pytest.mark.parametrize("layers, words", [
    ([["enc_w", "enc_b"], ["W9"]], r"layers names 'W9', which is not a block \(the blocks: enc_w, enc_b"),
    ([["enc_w"], ["enc_w", "hid_w"]], "layers names 'enc_w' more than once"),
    ([["enc_w"], []], "a block name or a non-empty list of them, got \\[\\]"),
    ("enc_w", "layers must be a list of block names or of lists of them, got 'enc_w'"),
])
def test_a_bad_layer_order_is_refused_by_name(layers, words):
    f, grad, params = renamed(MLP(), None)
    with pytest.raises(GradcheckError, match=words):
        gradcheck(f, grad, params, layers=layers)


# --- numeric error and kinks are not bugs ---------------------------------------------------

def test_a_report_whose_only_mismatches_are_kinks_has_the_verdict_kink():
    net = MLP("relu")
    report = gradcheck(net.loss, net.grad, net.kinked())
    assert report.verdict == "kink" and report.blocks["b1"].verdict == "kink"
    assert set(verdicts(report).values()) <= {"correct", "kink"}
    assert report.passes(strict=True)
    assert assert_gradients_match(net.loss, net.grad, net.kinked(), strict=True).verdict == "kink"


def test_a_correct_backprop_at_a_too_large_eps_is_truncation_error_not_a_bug():
    pb = problems.xor()
    report = gradcheck(pb.loss, pb.grad, pb.init_params(0), eps=1.0)
    assert report.verdict == "inconclusive" and report.passes()
    assert {b.kind for b in report.blocks.values()} == {"truncation"}
    text = report.blocks["W1"].diagnosis
    assert "truncation error, not a bug" in text and "eps=1 is too large" in text and "eps=1e-06" in text


@pytest.mark.parametrize("problem", [problems.xor, problems.sin_mlp])
def test_forward_differences_at_their_default_eps_call_the_projects_backprops_correct(problem):
    pb = problem()
    assert gradcheck(pb.loss, pb.grad, pb.init_params(0), method="forward", batched=True).verdict == "correct"


def test_the_cli_exits_0_on_kinks_and_numeric_error_and_1_on_a_bug(tmp_path, capsys):
    (tmp_path / "kinked_mod.py").write_text(textwrap.dedent("""
        import numpy as np
        def f(x):
            return np.sum(np.abs(x))
        def g(x):
            return np.sign(x)
        def wrong(x):
            return 2 * np.sign(x)
        def start():
            return np.array([1.0, 3e-7, -2.0])  # within eps of the kink of |x| at 0
    """))
    own = ["gradcheck", "--path", str(tmp_path), "--loss", "kinked_mod:f", "--params-from", "kinked_mod:start"]
    assert main(own + ["--grad", "kinked_mod:g"]) == 0
    assert "gradcheck: kink" in capsys.readouterr().out
    assert main(own + ["--grad", "kinked_mod:wrong"]) == 1
    assert "gradcheck: wrong" in capsys.readouterr().out
    assert main(["gradcheck", "xor", "--eps", "1"]) == 0
    assert "gradcheck: inconclusive" in capsys.readouterr().out


# --- the report's text ---------------------------------------------------------------------

def test_a_diagnosis_shared_by_blocks_is_said_once_naming_them():
    net = MLP()
    report = gradcheck(net.loss, lambda p: {k: 2 * v for k, v in net.grad(p).items()}, net.params)
    text = report.summary()
    assert text.count("analytic = 2 × numeric in every entry") == 1
    assert "  W1, b1, W2, b2, W3, b3: analytic = 2 × numeric in every entry" in text
    assert report.diagnoses()[0][0] == ("W1", "b1", "W2", "b2", "W3", "b3")


def test_eps_is_written_one_way_everywhere():
    pb = problems.xor()
    report = gradcheck(pb.loss, pb.grad, pb.init_params(0), method="forward", eps=1e-5)
    text = report.summary()
    assert "eps=1e-05" in text.splitlines()[0] and "eps=1e-05 is too large" in text and "eps=3e-08" in text
    assert not re.search(r"eps\s*=\s*(1e-5\b|1\.0e-05|0\.00001)", text)


# --- in the user's test suite -----------------------------------------------------------------

def test_assert_gradients_match_fails_on_wrong_and_carries_the_report():
    net = MLP()
    assert assert_gradients_match(net.loss, net.grad, net.params).verdict == "correct"
    with pytest.raises(GradientMismatch) as e:
        assert_gradients_match(net.loss, net.buggy("one-entry-averaged"), net.params, method="central")
    assert isinstance(e.value, AssertionError)
    assert e.value.report.blocks["b2"].kind == "slice"
    assert "only b2[0] is off" in str(e.value) and "gradcheck: wrong" in str(e.value)


def test_assert_gradients_match_fails_on_suspicious_only_when_strict():
    net = MLP()
    nearly = lambda p: {k: v * (1 + 1e-6) for k, v in net.grad(p).items()}  # noqa: E731  rel error ~5e-7
    assert assert_gradients_match(net.loss, nearly, net.params).verdict == "suspicious"
    with pytest.raises(GradientMismatch) as e:
        assert_gradients_match(net.loss, nearly, net.params, strict=True)
    assert e.value.report.verdict == "suspicious"


def test_a_pytest_user_sees_the_diagnosis_in_the_failure_message(tmp_path):
    (tmp_path / "test_user_backprop.py").write_text(textwrap.dedent("""
        import numpy as np
        from playground.gradcheck import assert_gradients_match

        X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.3]])
        y = np.array([1.0, -2.0, 0.5])

        def loss(p):
            return np.mean((X @ p["w"] + p["b"] - y) ** 2)

        def grad(p):
            r = X @ p["w"] + p["b"] - y
            return {"w": X.T @ r / len(y), "b": 2 * np.mean(r)}   # dw lacks the 2 of the square

        def test_backprop():
            assert_gradients_match(loss, grad, {"w": np.array([0.3, -0.2]), "b": np.array(0.1)})
    """))
    run = subprocess.run([sys.executable, "-m", "pytest", "test_user_backprop.py"], cwd=tmp_path,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "GradientMismatch" in run.stdout
    assert "w: analytic = 1/2 × numeric in every entry" in run.stdout
    assert re.search(r"b\s+\(\)\s+rel error \S+\s+correct", run.stdout)
    assert "raise GradientMismatch" not in run.stdout  # the traceback ends at the user's line, not ours


# --- notebook display ----------------------------------------------------------------------

class _Tags(HTMLParser):
    """The open/close structure of an HTML text, and every attribute seen."""

    def __init__(self) -> None:
        super().__init__()
        self.stack, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_report_is_a_self_contained_escaped_table_of_blocks():
    net = MLP()
    # A block name that is markup: shown as text, never as a tag.
    back = lambda p: {k.replace("<b1>", "b1"): v for k, v in p.items()}  # noqa: E731
    g = lambda p: {k.replace("b1", "<b1>"): v for k, v in net.grad(back(p), "derivative-at-z").items()}  # noqa: E731
    params = {k.replace("b1", "<b1>"): v for k, v in net.params.items()}
    report = gradcheck(lambda p: net.loss(back(p)), g, params)
    page = report._repr_html_()
    tags = _Tags()
    tags.feed(page)
    assert tags.stack == []  # every tag closed
    assert "<b1>" not in page and "&lt;b1&gt;" in page
    assert page.count("<tr>") == 1 + len(params)
    assert {k for k, _ in tags.attrs} == {"class"}  # no inline styles, no links to fetch
    assert not re.search(r"https?:|src=|href=|@import", page)
    text = "".join(tags.text)
    for b in report.blocks.values():
        assert b.verdict in text
    assert report.blocks["W1"].diagnosis in text and "the error enters" in text
