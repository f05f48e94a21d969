"""``playground sweep``: the grid it runs, the map and CSV it writes, and the summary it prints."""
import csv
import io
import re

import numpy as np
import pytest
from PIL import Image

from playground import problems
from playground.cli import main

LIN = problems.linear_regression()


def rows_of(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_lipschitz_scaled_grid_crosses_the_heavy_ball_bound(tmp_path, capsys):
    table, picture = tmp_path / "map.csv", tmp_path / "maps" / "map.png"
    assert main(["sweep", "--problem", "linreg", "--opt", "momentum", "--lr-scale", "lipschitz", "--lr-range", "0.1/3",
                 "--lr-points", "7", "--momentum-range", "0/0.9", "--momentum-points", "4", "--steps", "100",
                 "--csv", str(table), "--png", str(picture)]) == 0
    rows = rows_of(table)
    assert len(rows) == 7 * 4
    lrs = sorted({float(r["lr"]) for r in rows})
    np.testing.assert_allclose(lrs, np.geomspace(0.1, 3, 7) * 2 / LIN.lipschitz, rtol=1e-12)
    assert sorted({float(r["momentum"]) for r in rows}) == pytest.approx([0.0, 0.3, 0.6, 0.9])
    for r in rows:  # past lr L = 2 + 2 mu heavy ball diverges, below it converges (one cell of slack each way)
        x = float(r["lr"]) * LIN.lipschitz / (2 + 2 * float(r["momentum"]))
        if x > 1.2:
            assert r["diverged_at"], r
        if x < 0.8:
            assert not r["diverged_at"], r
    diverged = sum(bool(r["diverged_at"]) for r in rows)
    out = capsys.readouterr().out
    assert f"linreg: 28 configurations, 100 steps, {diverged} diverged" in out
    assert 0 < diverged < 28
    with Image.open(picture) as im:
        assert im.format == "PNG"


def test_an_lr_only_sweep_of_several_optimizers_reports_the_gd_bound(capsys):
    assert main(["sweep", "--opt", "gd", "adagrad", "--lr-range", "0.01/1", "--lr-points", "5",
                 "--steps", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    gd = next(line for line in lines if line.startswith("gd "))
    adagrad = next(line for line in lines if line.startswith("adagrad "))
    assert f"{2 / LIN.lipschitz:.6g}" in gd.split()  # the 2/L column
    assert adagrad.split()[-1] == "-"  # no bound is known for an adaptive method


def test_momenta_may_be_a_list(tmp_path):
    table = tmp_path / "map.csv"
    assert main(["sweep", "--opt", "adam", "--lr-points", "2", "--momentum-values", "0.5/0.9", "--steps", "5",
                 "--csv", str(table)]) == 0
    assert {r["beta1"] for r in rows_of(table)} == {"0.5", "0.9"}


def test_hp_fixes_the_other_hyperparameters_of_every_run(tmp_path):
    plain, nesterov = tmp_path / "plain.csv", tmp_path / "nesterov.csv"
    common = ["sweep", "--opt", "momentum", "--lr-range", "0.001/0.05", "--lr-points", "3",
              "--momentum-values", "0.9", "--steps", "30"]
    assert main([*common, "--csv", str(plain)]) == 0
    assert main([*common, "--hp", "nesterov=true", "--csv", str(nesterov)]) == 0
    a, b = rows_of(plain), rows_of(nesterov)
    assert [r["lr"] for r in a] == [r["lr"] for r in b]
    assert all(x["final_loss"] != y["final_loss"] for x, y in zip(a, b))


@pytest.mark.parametrize("args, message", [
    (["--problem", "rosenbrock", "--lr-scale", "lipschitz"], "'rosenbrock' has none"),
    (["--momentum-range", "0/1"], r"Invalid --momentum-range\[1\]: 1\. Allowed range: \[0, 1\)"),
    (["--momentum-values", "0/1"], r"Invalid --momentum-values\[1\]: 1\. Allowed range: \[0, 1\)"),
    (["--momentum-range", "0:0.9"], "Write two numbers as a/b"),
    (["--momentum-points", "many"], "Invalid --momentum-points: 'many' is not a number"),
    (["--momentum-values", "0.5/x"], "Invalid --momentum-values: 'x' is not a number"),
    (["--lr-range", "0/1"], r"Invalid --lr-range\[0\]: 0\. Allowed range: \[1e-12, 1000000\]"),
    (["--lr-range", "0.1/0.01"], r"Invalid lr_range: 0\.1/0\.01\. The first value must not exceed the second"),
    (["--lr-points", "0"], r"Invalid --lr-points: 0\. Allowed range: \[1, 1000\]"),
    (["--opt", "gd", "--momentum-values", "0.5"], "'gd': it has no momentum"),
    (["--hp", "nesterov=maybe"], "Invalid nesterov"),
    (["--steps", "-3"], "Invalid --steps: -3"),
    (["--schedule", "one_cycle:max_lr=0.3"], "Invalid schedule 'one_cycle:max_lr=0.3' for a sweep of 30 learning "
                                             "rates: one_cycle sets its own lr"),
    (["--schedule", "multistep:milestones=50/20"], "Invalid milestones of schedule 'multistep': 50/20"),
    (["--schedule", "cosine:T_max=0"], r"Invalid T_max: 0\. Allowed range: \[1, inf\)"),
    (["--schedule", "cosine", "--problem", "quadratic", "--theory-png", "theory.png"],
     "The closed-form rates hold for a constant learning rate"),
])
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(["sweep", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_a_sweep_past_the_limit_or_the_memory_ceiling_is_refused_by_name(capsys):
    assert main(["sweep", "--problem", "rosenbrock", "--lr-points", "200", "--momentum-points", "200",
                 "--steps", "20000"]) == 2
    err = capsys.readouterr().err
    assert "This sweep would take about" in err and "the configurations (40000" in err and "--no-limit" in err
    assert main(["sweep", "--problem", "relu-net", "--lr-points", "1000", "--momentum-points", "1000",
                 "--no-limit"]) == 2
    assert "over the ceiling of 2 GiB" in capsys.readouterr().err


def test_a_schedule_drives_every_run_as_the_library_sweeps_it(tmp_path, capsys):
    from playground.setups.sweep import SweepSetup
    table = tmp_path / "map.csv"
    assert main(["sweep", "--opt", "momentum", "--lr-points", "4", "--momentum-points", "3", "--steps", "60",
                 "--schedule", "exponential:gamma=0.95", "--csv", str(table)]) == 0
    setup = SweepSetup(lr_points=4, momentum_points=3, steps=60, schedule="exponential:gamma=0.95")
    assert table.read_text() == setup.run().to_csv()
    assert table.read_text() != SweepSetup(lr_points=4, momentum_points=3, steps=60).run().to_csv()
    assert "60 steps, schedule exponential:gamma=0.95," in capsys.readouterr().out


def test_one_cycle_sweeps_the_momentum_at_one_lr(tmp_path):
    table = tmp_path / "map.csv"
    assert main(["sweep", "--opt", "momentum", "--lr-points", "1", "--momentum-values", "0.5/0.9", "--steps", "50",
                 "--schedule", "one_cycle:max_lr=0.3,total_steps=50,cycle_momentum=false", "--csv", str(table)]) == 0
    rows = rows_of(table)
    assert [r["momentum"] for r in rows] == ["0.5", "0.9"] and rows[0]["final_loss"] != rows[1]["final_loss"]


def test_the_help_documents_the_schedule_grammar(capsys):
    assert main(["sweep", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--schedule SPEC" in out and "OneCycleLR: One-cycle policy" in out
    assert "sequential:linear(start_factor=0.1,total_iters=20)+cosine(T_max=180),milestones=20" in out
    assert "they take one lr (--lr-points 1)" in out
