"""``playground compare``: the results table, the files it writes, and the JSON config it shares with the app."""
import csv
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from optimizers import tree
from playground import problems
from playground.cli import main
from playground.setups.comparison import Comparison
from playground.training.run_spec import RunSpec
from playground.training import projection


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_prints_one_row_per_run_and_explains_a_divergence(capsys):
    code = main(["compare", "--problem", "linreg", "--opt", "gd:lr=0.6", "--opt", "adam:lr=0.1,batch_size=10",
                 "--steps", "100"])
    out = capsys.readouterr().out
    assert code == 0
    gd_line = next(line for line in out.splitlines() if line.startswith("gd lr=0.6"))
    adam_line = next(line for line in out.splitlines() if line.startswith("adam lr=0.1, bs=10"))
    assert "diverged at step 15: lr = 0.6 is above the stability bound 2/L = 0.414" in gd_line
    assert adam_line.rstrip().endswith("ok")
    assert "Linear regression" in out and "100 steps" in out


def test_written_config_loads_in_the_app_and_reruns_to_the_same_numbers(tmp_path, capsys):
    config, table = tmp_path / "cmp.json", tmp_path / "runs.csv"
    assert main(["compare", "--problem", "linreg:n=40", "--set", "noise=0.3", "--opt", "momentum:lr=0.05",
                 "--opt", "adam:lr=0.02,betas=0.8/0.99,batch_size=8,accumulate=2", "--steps", "60", "--seed", "3",
                 "--save-config", str(config), "--csv", str(table)]) == 0
    cmp = Comparison.from_json(config.read_text())
    assert cmp == Comparison("linreg", {"n": 40, "noise": 0.3}, (
        RunSpec("momentum", {"lr": 0.05}), RunSpec("adam", {"lr": 0.02, "betas": (0.8, 0.99)}, 8, 2)),
        steps=60, seed=3)
    rows = read_csv(table)
    for number, traj in enumerate(cmp.run(), start=1):
        mine = [r for r in rows if r["run"] == str(number)]
        assert [int(r["step"]) for r in mine] == traj.steps.tolist()
        assert [float(r["loss"]) for r in mine] == traj.losses.tolist()  # exactly: the same runs


def test_reads_the_apps_json_and_options_override_its_fields(tmp_path, capsys):
    config = tmp_path / "from_app.json"
    config.write_text(Comparison("linreg", {"n": 30}, (RunSpec("gd", {"lr": 0.1}),), steps=40, seed=2).to_json())
    saved = tmp_path / "saved.json"
    assert main(["compare", "--config", str(config), "--steps", "25", "--set", "noise=1.5",
                 "--save-config", str(saved)]) == 0
    assert Comparison.from_json(saved.read_text()) == Comparison(
        "linreg", {"n": 30, "noise": 1.5}, (RunSpec("gd", {"lr": 0.1}),), steps=25, seed=2)
    assert "25 steps, seed 2" in capsys.readouterr().out


def test_problem_settings_inline_or_with_set_mean_the_same(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    main(["compare", "--problem", "sin:degree=3,n=50", "--opt", "gd", "--steps", "5", "--save-config", str(a)])
    main(["compare", "--problem", "sin", "--set", "degree=3", "--set", "n=50", "--opt", "gd", "--steps", "5",
          "--save-config", str(b)])
    assert json.loads(a.read_text()) == json.loads(b.read_text())
    assert json.loads(a.read_text())["settings"] == {"degree": 3, "n": 50}


def test_gif_animates_the_trajectories_on_rosenbrock(tmp_path, capsys):
    gif = tmp_path / "anim" / "out.gif"
    assert main(["compare", "--problem", "rosenbrock", "--opt", "adam:lr=0.05", "--opt", "momentum:lr=0.001",
                 "--steps", "300", "--gif", str(gif), "--frames", "20"]) == 0
    with Image.open(gif) as im:
        assert im.n_frames == 20
        im.seek(1)
        early = np.asarray(im.convert("RGB"), dtype=int)
        im.seek(19)
        late = np.asarray(im.convert("RGB"), dtype=int)
    # The paths grow: far more pixels differ than a step counter's digits would make.
    assert (np.abs(late - early).sum(axis=2) > 0).sum() > 1000
    assert f"wrote {gif}" in capsys.readouterr().err


def test_png_dir_holds_loss_curves_and_contour_also_for_an_mlp(tmp_path):
    assert main(["compare", "--problem", "xor", "--opt", "adam:lr=0.1", "--opt", "gd:lr=0.5", "--steps", "50",
                 "--png", str(tmp_path / "figs"), "--gif", str(tmp_path / "xor.gif"), "--frames", "5"]) == 0
    for name in ("loss.png", "contour.png"):
        with Image.open(tmp_path / "figs" / name) as im:
            assert im.format == "PNG" and im.size[0] > 300
    with Image.open(tmp_path / "xor.gif") as im:  # the principal plane of the runs: 9 parameters, 2 axes
        assert im.n_frames == 5


def test_csv_has_every_recorded_step_up_to_record(tmp_path):
    table = tmp_path / "runs.csv"
    assert main(["compare", "--problem", "quadratic", "--opt", "gd:lr=0.05", "--opt", "nesterov:lr=0.05",
                 "--steps", "500", "--record", "11", "--csv", str(table)]) == 0
    rows = read_csv(table)
    assert len(rows) == 22
    assert [int(r["step"]) for r in rows if r["run"] == "2"] == list(range(0, 501, 50))
    start = problems.quadratic().init_params(0)
    assert [float(rows[0]["x"]), float(rows[0]["y"])] == start.tolist()


def test_an_mlps_start_is_a_point_of_the_plane_of_its_own_runs_as_in_the_app(tmp_path, capsys):
    home = Comparison("xor", runs=(RunSpec("adam", {"lr": 0.1}),), steps=20)
    problem = home.build_problem()
    plane = projection.principal_plane(problem, home.run())
    (x0, x1), (y0, y1) = plane.window()
    start = (round((x0 + x1) / 2, 4), round((y0 + y1) / 2, 4))
    config, csv_path = tmp_path / "cmp.json", tmp_path / "runs.csv"
    assert main(["compare", "--problem", "xor", "--opt", "adam:lr=0.1", "--steps", "20",
                 f"--start={start[0]}/{start[1]}", "--save-config", str(config), "--csv", str(csv_path)]) == 0
    assert Comparison.from_json(config.read_text()) == Comparison("xor", runs=home.runs, steps=20, start=start)
    first = read_csv(csv_path)[0]
    at_start = problem.loss(tree.unflatten(plane.point(*start), problem.template))
    assert first["step"] == "0" and float(first["loss"]) == pytest.approx(at_start, rel=1e-9)
    assert float(first["loss"]) != pytest.approx(problem.loss(problem.init_params(0)), rel=1e-6)
    assert main(["compare", "--problem", "xor", "--opt", "adam:lr=0.1", "--steps", "20", "--start", "1000/0"]) == 2
    assert re.search(r"Invalid start: \(1000, 0\)\. It lies outside the drawn plane: a in \[", capsys.readouterr().err)


@pytest.mark.parametrize("args, message", [
    (["--opt", "adam:lr=-1"], r"--opt 'adam:lr=-1': Invalid lr: -1\. Allowed range: \(0, inf\)"),
    (["--opt", "sgd"], "Unknown optimizer 'sgd'. Available: gd"),
    (["--problem", "linreg:n=1"], r"--problem 'linreg:n=1': Invalid n: 1"),
    (["--set", "colour=red"], "Unknown keyword 'colour' for problem 'linreg'"),
    (["--problem", "nope"], "Unknown problem 'nope'"),
    (["--steps", "0"], r"Invalid --steps: 0\. Allowed range: \[1, 1000000\]"),
    (["--opt", "gd:batch_size=500"], r"Invalid batch_size: 500\. Allowed range: \[1, 100\]"),
    (["--opt", "gd"] * 7, r"Invalid runs: 7\. Allowed range: \[1, 6\]"),
    (["--shuffle", "--record", "1"], r"Invalid --record: 1\. Allowed range: \[2, 100000\]"),
    (["--config", "no-such-file.json"], "No such file or directory: no-such-file.json"),
    (["--gif", "x.gif", "--frames", "1"], r"Invalid --frames: 1"),
])
def test_bad_arguments_exit_2_with_one_line_naming_the_value(args, message, capsys):
    assert main(["compare", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_a_config_that_is_not_json_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    assert main(["compare", "--config", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_work_past_the_limit_is_refused_naming_what_to_reduce_and_no_limit_lifts_it(capsys, monkeypatch):
    assert main(["compare", "--problem", "relu-net:n=100000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: This comparison would take about") and err.count("\n") == 1
    assert "reduce the steps (200), the samples per step (n=100000" in err and "--no-limit" in err
    from playground.setups import cost
    monkeypatch.setattr(cost, "LIMIT", 1e-9)  # the small default, refused, then lifted
    assert main(["compare", "--steps", "3"]) == 2
    assert main(["compare", "--steps", "3", "--no-limit"]) == 0


@pytest.mark.parametrize("args, message", [
    (["--opt", "gd:lr=0.1,lr=0.2"], "'lr' is given twice"),
    (["--steps", "10.7"], r"Invalid --steps: 10\.7\. Expected a whole number"),
])
def test_a_repeated_or_rounded_value_is_refused_not_changed(args, message, capsys):
    assert main(["compare", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1 and re.search(message, err), err
