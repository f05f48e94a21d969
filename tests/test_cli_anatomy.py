"""``playground anatomy``: the printed step is the library's replayed step, number for number, and bad input is one line."""
import json
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from optimizers import tree
from playground import problems
from playground.cli import main
from playground.setups.comparison import Comparison
from playground.training import replay
from playground.training.run_spec import RunSpec
from playground.viz.anatomy_text import coordinate_names

#: The table prints 6 significant digits.
PRINTED = dict(rtol=5e-6, atol=0)


def table(lines, first):
    """The rows (dicts of text) of the aligned table whose header line starts with ``first``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    header = re.split(r"\s{2,}", lines[start].strip())
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append(dict(zip(header, re.split(r"\s{2,}", line.strip()))))
    return rows


def numbers(text):
    return [float(x) for x in text.strip("()").split(", ")]


def test_the_printed_step_is_the_replayed_step_number_for_number(capsys):
    argv = ["anatomy", "--problem", "rosenbrock", "--opt", "adam:lr=0.02", "--schedule", "cosine:T_max=60",
            "--step", "40", "--steps", "60", "--seed", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    spec = RunSpec.parse("adam:lr=0.02,schedule=cosine(T_max=60)")
    a = replay.anatomy(problems.create("rosenbrock"), spec, 40, steps=60, seed=2)
    assert lines[0] == f"Rosenbrock: {spec.label}, step 40 → 41 of 60, seed 2"
    # The update: θ_40, each of Adam's terms, the step taken, θ_41 and the plain gradient step, each with (x, y).
    shown = {label: numbers(value) for label, value in (re.split(r"\s{2,}", line.strip()) for line in lines[3:9])}
    expected = {"θ_40": a.start, **{f"+ {k}": v for k, v in a.terms.items()}, "= step taken": a.taken,
                "θ_41": a.start + a.taken, "−lr·g (plain gradient step)": a.gradient_step}
    assert list(shown) == list(expected) and len(a.terms) == 2
    for label, v in expected.items():
        assert_allclose(shown[label], v, **PRINTED)
    # The table: one row per coordinate, each of the equation's values, each scale, each term.
    rows = table(lines, "coordinate")
    assert [r["coordinate"] for r in rows] == ["x", "y"]
    columns = {**a.values, **a.scales, **a.terms, "taken": a.taken, "−lr·g": a.gradient_step}
    assert list(rows[0]) == ["coordinate", *columns] and {"g_t", "m_t", "v_t", "effective lr"} <= set(columns)
    for name, v in columns.items():
        assert_allclose([float(r[name]) for r in rows], v, **PRINTED)


def test_start_moves_the_run_and_step_zero_starts_there(capsys):
    assert main(["anatomy", "--problem", "beale", "--opt", "gd:lr=0.001", "--step", "0", "--start", "0.5/-0.25"]) == 0
    out = capsys.readouterr().out
    assert "from (0.5, -0.25)" in out.splitlines()[0]
    assert re.search(r"θ_0\s+\(0\.5, -0\.25\)", out)


def test_a_network_gets_block_norms_and_its_first_coordinates_and_the_json_holds_every_part(tmp_path, capsys):
    path = tmp_path / "step.json"
    assert main(["anatomy", "--problem", "xor", "--opt", "momentum:lr=0.5,batch_size=2", "--step", "7",
                 "--steps", "20", "--seed", "1", "--coords", "4", "--json", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    problem = problems.create("xor")
    spec = RunSpec.parse("momentum:lr=0.5,batch_size=2")
    a = replay.anatomy(problem, spec, 7, steps=20, seed=1)
    blocks = table(lines, "block")
    assert [b["block"] for b in blocks] == list(a.start)
    for b in blocks:
        assert_allclose(float(b["‖velocity‖"]), np.linalg.norm(a.terms["velocity"][b["block"]]), **PRINTED)
        assert int(b["size"]) == a.start[b["block"]].size
    assert f"The first 4 of {problem.dim:,} coordinates" in "\n".join(lines)
    rows = table(lines, "coordinate")
    names = coordinate_names(a.start)
    assert [r["coordinate"] for r in rows] == names[:4] == ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]"]
    assert_allclose([float(r["gradient"]) for r in rows], tree.flatten(a.terms["gradient"])[:4], **PRINTED)
    # The JSON: every coordinate, exactly, block by block; and the comparison it came from, as the app reads it.
    data = json.loads(path.read_text())
    assert Comparison.from_dict(data["comparison"]) == Comparison("xor", {}, (spec,), steps=20, seed=1)
    assert data["step"] == 7 and data["coordinates"] == names
    parts = {key: {"": getattr(a, key)} for key in ("start", "taken", "gradient_step")}
    for key in ("terms", "values", "scales"):
        assert data[key].keys() == getattr(a, key).keys()
        parts[key] = getattr(a, key)
    for key, named in parts.items():
        for name, part in named.items():
            written = data[key][name] if name else data[key]
            assert written.keys() == part.keys()
            assert all(np.array_equal(np.array(written[block]), v) for block, v in part.items())


@pytest.mark.parametrize("argv, message", [
    (["--step", "60", "--steps", "60"], "Invalid step: 60. Allowed range: [0, 59] (the run has 60 steps)"),
    (["--step", "-1"], "Invalid step: -1. Allowed range: [0, 199]"),
    (["--step", "5", "--opt", "gd"], "Invalid --opt: 2 runs given"),
    (["--step", "5", "--coords", "0"], "Invalid --coords: 0. Allowed range: [1, 100000]"),
])
def test_a_bad_step_or_option_is_one_line_naming_it(argv, message, capsys):
    assert main(["anatomy", "--problem", "rosenbrock", "--opt", "adam:lr=0.01", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith(f"playground: error: {message}")


@pytest.mark.parametrize("opt, message", [
    ("adamz:lr=0.01", "--opt 'adamz:lr=0.01': Unknown optimizer 'adamz'. Available: gd, "),
    ("updater:linreg-divergent-updater:lr=0.1", "updater:linreg-divergent-updater lr=0.1 (buggy; seed's "
                                                "learning_rate = lr) is a buggy updater, not an optimizer"),
])
def test_an_unknown_optimizer_or_a_buggy_updater_is_refused_by_name(opt, message, capsys):
    assert main(["anatomy", "--problem", "linreg", "--opt", opt, "--step", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_the_work_guard_counts_the_steps_replayed_not_the_whole_run(capsys):
    # A step early in a long run replays a few steps, and runs; one deep in it would take minutes, and is refused.
    long = ["anatomy", "--problem", "mlp", "--opt", "adam", "--steps", "1000000"]
    assert main([*long, "--step", "5"]) == 0
    assert "step 5 → 6 of 1000000" in capsys.readouterr().out
    assert main([*long, "--step", "500000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: Replaying 500,001 steps would take about") and "--no-limit" in err
