"""CSV export of trajectories: every recorded step of every run, exactly, with named parameter columns."""
import csv
import io

import numpy as np

import optimizers
from playground import problems, run
from playground.viz import export
from playground.setups.comparison import Comparison
from playground.training.run_spec import RunSpec


def read(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_every_recorded_step_loss_and_parameter_exactly():
    cmp = Comparison(steps=30)
    trajs = cmp.run()
    rows = read(export.trajectories_csv(cmp.build_problem(), trajs))
    assert len(rows) == sum(len(t.steps) for t in trajs)
    for number, t in enumerate(trajs, start=1):
        mine = [r for r in rows if r["run"] == str(number)]
        assert {r["label"] for r in mine} == {t.label}
        assert [int(r["step"]) for r in mine] == t.steps.tolist()
        assert [float(r["loss"]) for r in mine] == t.losses.tolist()  # exact, not rounded
        np.testing.assert_array_equal([[float(r["m"]), float(r["b"])] for r in mine], t.params)


def test_columns_are_named_after_the_problem():
    assert export.parameter_names(problems.linear_regression()) == ["m", "b"]
    assert export.parameter_names(problems.rosenbrock()) == ["x", "y"]
    assert export.parameter_names(problems.sin_dataset(degree=2)) == ["theta[0]", "theta[1]", "theta[2]"]
    names = export.parameter_names(problems.xor())
    assert names[:5] == ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "b1[0]"] and len(names) == problems.xor().dim


def test_a_diverged_run_ends_at_its_divergence_step():
    lin = problems.linear_regression()
    blown = run(lin, optimizers.GD(lr=0.6), 300, label="too big")
    (last,) = read(export.trajectories_csv(lin, [blown]))[-1:]
    assert int(last["step"]) == blown.diverged_at


def test_mlp_columns_follow_the_flattened_blocks():
    cmp = Comparison("xor", runs=(RunSpec("adam", {"lr": 0.05}),), steps=5)
    (traj,) = cmp.run()
    rows = read(export.trajectories_csv(cmp.build_problem(), [traj]))
    np.testing.assert_array_equal(float(rows[-1]["W2[1,0]"]), traj.params["W2"][-1, 1, 0])
