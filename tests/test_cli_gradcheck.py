"""``playground gradcheck``: a user's own loss and gradient, the presets, the exit code and the JSON report."""
import json
import re
import sys
import textwrap

import numpy as np
import pytest

from playground.cli import main

# A least-squares loss with two blocks; BUG is replaced to plant a bug in the gradient.
USER_MODULE = """
import numpy as np

X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.3], [-1.5, 0.7]])
y = np.array([1.0, -2.0, 0.5, 3.0])


def loss(p):
    r = X @ p["w"] + p["b"] - y
    return np.mean(r ** 2)


def grad(p):
    r = X @ p["w"] + p["b"] - y
    return {"w": BUG * X.T @ r / len(y), "b": np.array(2 * np.mean(r))}


def start():
    return {"w": np.array([0.3, -0.2]), "b": np.array(0.1)}
"""


@pytest.fixture
def user_module(tmp_path):
    """Write the user's module with the given factor in the w gradient; return its importable name."""
    def write(factor):
        # A fresh name per test: Python caches imported modules by name.
        name = "usermod_" + re.sub(r"\W", "_", tmp_path.name)
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(USER_MODULE).replace("BUG", factor))
        np.savez(tmp_path / "params.npz", w=np.array([0.3, -0.2]), b=np.array(0.1))
        return name
    return write


def test_a_correct_user_gradient_passes_with_exit_code_0(user_module, tmp_path, capsys):
    mod = user_module("2")
    code = main(["gradcheck", "--path", str(tmp_path), "--loss", f"{mod}:loss", "--grad", f"{mod}:grad",
                 "--params", str(tmp_path / "params.npz")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "gradcheck: correct" in out
    assert re.search(r"^\s+w\s+\(2,\)\s+rel error \S+\s+correct$", out, re.M)
    assert str(tmp_path) not in sys.path  # the search path is the user's only while the check runs


def test_a_buggy_user_gradient_fails_with_exit_code_1_and_names_block_and_factor(user_module, tmp_path, capsys):
    mod = user_module("1")  # the 2 from the square is missing
    code = main(["gradcheck", "--path", str(tmp_path), "--loss", f"{mod}:loss", "--grad", f"{mod}:grad",
                 "--params-from", f"{mod}:start", "--n-samples", "4", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["verdict"] == "wrong"
    blocks = {b["block"]: b for b in report["blocks"]}
    assert blocks["b"]["verdict"] == "correct"
    assert blocks["w"]["verdict"] == "wrong" and blocks["w"]["kind"] == "scaled"
    assert blocks["w"]["factor"] == pytest.approx(0.5)
    worst = blocks["w"]["worst"][0]
    assert worst["where"].startswith("w[") and worst["analytic"] == pytest.approx(worst["numeric"] / 2)


def test_one_unnamed_array_in_npy_or_npz_is_the_params_array(tmp_path, capsys):
    (tmp_path / "quad_mod.py").write_text("def f(x):\n    return (x ** 2).sum()\n\n\ndef g(x):\n    return 2 * x\n")
    np.save(tmp_path / "x.npy", np.array([1.0, -2.0, 3.0]))
    np.savez(tmp_path / "x.npz", np.array([1.0, -2.0, 3.0]))
    for params in ("x.npy", "x.npz"):
        assert main(["gradcheck", "--path", str(tmp_path), "--loss", "quad_mod:f", "--grad", "quad_mod:g",
                     "--params", str(tmp_path / params), "--method", "complex"]) == 0
        assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("preset, code", [("xor", 0), ("linreg:n=20", 0), ("mse-missing-factor", 1)])
def test_presets_check_a_problem_or_a_gallery_bug(preset, code, capsys):
    assert main(["gradcheck", preset]) == code
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("gradcheck: " + ("correct" if code == 0 else "wrong"))


def test_a_gallery_bug_passes_once_fixed_and_the_diagnosis_names_the_factor(capsys):
    assert main(["gradcheck", "mse-missing-factor", "--fixed"]) == 0
    assert main(["gradcheck", "mse-missing-factor"]) == 1
    out = capsys.readouterr().out
    assert "mse-missing-factor (fixed)\ngradcheck: correct" in out
    assert "mse-missing-factor (buggy)\ngradcheck: wrong" in out and "a missing 2/m?" in out


def test_a_random_point_and_the_random_direction_method(capsys):
    assert main(["gradcheck", "relu-net", "--at", "random", "--seed", "3", "--method", "random", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["method"] == "random" and report["target"] == "relu-net at a random point, seed 3"
    assert {b["block"] for b in report["blocks"]} == {"W1", "b1", "W2", "b2", "W3", "b3"}


@pytest.mark.parametrize("args, message", [
    ([], "nothing to check"),
    (["xor", "--loss", "m:f", "--grad", "m:g"], "not both"),
    (["--loss", "m:f"], "--grad is missing"),
    (["--loss", "m:f", "--grad", "m:g"], "--params FILE or --params-from"),
    (["--loss", "no_such_module_xyz:f", "--grad", "m:g", "--params-from", "m:p"],
     "no module named 'no_such_module_xyz' .*--path"),
    (["--loss", "os.path.join", "--grad", "m:g", "--params-from", "m:p"], "write MODULE:FUNCTION"),
    (["--loss", "__import__('os'):system", "--grad", "m:g", "--params-from", "m:p"], "write MODULE:FUNCTION"),
    (["--loss", "math:nothing_here", "--grad", "m:g", "--params-from", "m:p"], "math has no 'nothing_here'"),
    (["--loss", "math:pi", "--grad", "m:g", "--params-from", "m:p"], "pi is a float, not a function"),
    (["--loss", "math:sin", "--grad", "math:cos", "--params", "p.txt"], "expected a .npz or .npy file"),
    (["--loss", "math:sin", "--grad", "math:cos", "--params", "missing.npz"], "No such file or directory"),
    (["--path", "no/such/dir", "xor"], "Invalid --path 'no/such/dir': not a directory"),
    (["xor", "--fixed"], "--fixed applies to gallery entries"),
    (["xor", "--params", "p.npz"], "--params applies to your own --loss and --grad, not to the preset 'xor'"),
    (["linreg-lr-too-large"], "training bug.*playground gallery run linreg-lr-too-large"),
    (["mse-missing-factor", "--at", "random"], "checks its own point"),
    (["nope"], "Unknown problem 'nope'"),
    (["xor", "--eps", "-1"], "eps"),
])
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(["gradcheck", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


# Each module fails in its own way; the message says how, in one line, and --traceback adds the traceback.
FAILING_MODULES = {
    "syntax_bad": ("def loss(p:\n", r"syntax_bad has a syntax error at syntax_bad\.py line 1"),
    "raises_at_import": ("raise RuntimeError('no data file')\n",
                         r"importing raises_at_import raised RuntimeError: no data file"),
    "needs_dependency": ("import no_such_dependency_xyz\n",
                         r"needs the module 'no_such_dependency_xyz', which is not installed"),
}


@pytest.mark.parametrize("name", sorted(FAILING_MODULES))
def test_a_failing_user_module_is_one_line_and_its_traceback_is_on_request(name, tmp_path, capsys):
    source, message = FAILING_MODULES[name]
    (tmp_path / f"{name}.py").write_text(source)
    args = ["gradcheck", "--path", str(tmp_path), "--loss", f"{name}:loss", "--grad", f"{name}:grad",
            "--params-from", f"{name}:start"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1 and re.search(message, err), err
    assert main([*args, "--traceback"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.splitlines()[-1].startswith("playground: error: ")


def test_a_raising_params_function_and_a_corrupt_npz_are_named(user_module, tmp_path, capsys):
    name = user_module("2")
    (tmp_path / "broken.py").write_text("def start():\n    raise KeyError('w')\n")
    (tmp_path / "p.npz").write_bytes(b"PK\x03\x04 not really a zip file")
    for extra, message in ((["--params-from", "broken:start"], r"--params-from 'broken:start' raised KeyError: 'w'"),
                           (["--params", str(tmp_path / "p.npz")], r"p\.npz': not a readable \.npz file")):
        assert main(["gradcheck", "--path", str(tmp_path), "--loss", f"{name}:loss", "--grad", f"{name}:grad",
                     *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("playground: error: ") and err.count("\n") == 1 and re.search(message, err), err


def test_a_zero_size_parameter_is_refused_not_called_correct(tmp_path, capsys):
    np.save(tmp_path / "empty.npy", np.zeros(0))
    assert main(["gradcheck", "--loss", "math:fsum", "--grad", "math:fsum", "--params", str(tmp_path / "empty.npy")]) == 2
    assert "params has shape (0,): no entries to check" in capsys.readouterr().err
