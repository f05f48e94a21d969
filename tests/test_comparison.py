"""Comparison configs (JSON, URL, CLI specs), the results table and divergence explained in words."""
import argparse
import json
from dataclasses import replace

import numpy as np
import pytest

import optimizers
from optimizers import tree
from playground import problems, run
from optimizers.hyperparams import non_defaults
from playground.setups.comparison import NO_VALUE, NOT_REACHED, Comparison, results_table, results_text
from playground.training.run_spec import RunSpec
from playground.training.stability import explain_divergence


def test_default_comparison_is_gd_momentum_and_adam_on_linear_regression():
    cmp = Comparison()
    assert cmp.problem == "linreg"
    assert [r.optimizer for r in cmp.runs] == ["gd", "momentum", "adam"]
    trajs = cmp.run()
    assert all(not t.diverged for t in trajs)


@pytest.mark.parametrize("cmp", [
    Comparison(),
    Comparison("rosenbrock", {"b": 50.0, "start": (-1.0, 1.0)},
               (RunSpec("adam", {"lr": 0.02, "betas": (0.8, 0.99)}), RunSpec("nesterov", {"lr": 1e-3})), steps=50),
    Comparison("relu-net", {"n": 16}, (RunSpec("rmsprop", {"centered": True}, batch_size=4, accumulate=2),),
               seed=3, shuffle=False, tol=1e-3),
])
def test_json_and_url_round_trip_exactly(cmp):
    assert Comparison.from_json(cmp.to_json()) == cmp
    assert Comparison.from_query(cmp.to_query()) == cmp
    json.loads(cmp.to_json())  # plain JSON, no numpy or tuples


def test_a_copied_link_reproduces_the_same_runs():
    cmp = Comparison("linreg", {"noise": 1.0}, (RunSpec("adam", {"lr": 0.05}, batch_size=8),), steps=80, seed=5)
    again = Comparison.from_query(cmp.to_query())
    a, b = cmp.run(), again.run()
    assert np.array_equal(a[0].losses, b[0].losses) and np.array_equal(a[0].final_params, b[0].final_params)


def test_run_specs_parse_typed_values():
    spec = RunSpec.parse("adam:lr=0.01,betas=0.9/0.999,amsgrad=true,batch_size=16,accumulate=2")
    assert spec == RunSpec("adam", {"lr": 0.01, "betas": (0.9, 0.999), "amsgrad": True}, 16, 2)
    assert RunSpec.parse(spec.format()) == spec
    assert RunSpec.parse("gd") == RunSpec("gd", {})
    assert spec.label == "adam lr=0.01, betas=0.9/0.999, amsgrad=true, bs=16, acc=2"


@pytest.mark.parametrize("query, message", [
    ({"run": "adam:lr=-1"}, r"Invalid lr: -1\. Allowed range: \(0, inf\)"),
    ({"run": "adam:betas=0.9/1.0"}, r"betas\[1\]"),
    ({"run": "adam:foo=1"}, "Unknown keyword 'foo'"),
    ({"run": "momentum:nesterov=true,dampening=0.5"}, "dampening"),
    ({"run": "sgd"}, "Available: gd"),
    ({"run": "gd:lr"}, "key=value"),
    ({"run": "gd:lr=abc"}, "not a number"),
    ({"run": "gd:batch_size=101"}, r"Run 1 \(gd\): Invalid batch_size: 101\. Allowed range: \[1, 100\]"),
    ({"problem": "linreg:n=1"}, r"Invalid n: 1"),
    ({"problem": "nope"}, "Unknown problem"),
    ({"steps": "0"}, "steps"),
    ({"run": ["gd"] * 7}, r"Invalid runs: 7\. Allowed range: \[1, 6\]"),
])
def test_bad_configs_name_the_value_and_the_range(query, message):
    with pytest.raises(ValueError, match=message):
        Comparison.from_query(query)


def test_bad_json_is_explained():
    with pytest.raises(ValueError, match="not valid JSON"):
        Comparison.from_json("{")
    with pytest.raises(ValueError, match="Unknown key 'colour'"):
        Comparison.from_json('{"colour": 1}')


def test_results_table_reports_what_the_runs_did():
    lin = problems.linear_regression()
    good = run(lin, optimizers.GD(lr=0.3), 500, label="good")
    bad = run(lin, optimizers.GD(lr=0.5), 500, label="bad")
    rows = results_table(lin, [good, bad], tol=1e-8)
    assert rows[0]["final loss"] == pytest.approx(lin.loss(good.final_params))
    assert rows[0]["distance to optimum"] == pytest.approx(np.linalg.norm(good.final_params - lin.optimum))
    reached = rows[0]["steps to tol"]
    assert lin.loss(good.params[list(good.steps).index(reached)]) <= lin.loss(lin.optimum) + 1e-8
    assert rows[1]["final loss"] is None and rows[1]["diverged at"] == bad.diverged_at
    assert rows[1]["status"].startswith(f"diverged at step {bad.diverged_at}: lr = 0.5 is above the stability bound 2/L")


def test_stability_bounds_match_runs_on_either_side():
    lin = problems.linear_regression()
    for opt in [optimizers.GD(lr=1.0), optimizers.Momentum(lr=1.0, momentum=0.5),
                optimizers.Nesterov(lr=1.0, momentum=0.5), optimizers.Momentum(lr=1.0, momentum=0.5, dampening=0.5)]:
        bound = opt.lr_bound(lin.lipschitz)
        for factor, diverges in [(0.97, False), (1.03, True)]:
            hp = dict(opt.hp, lr=factor * bound)
            traj = run(lin, type(opt)(**hp), 5000)
            assert traj.diverged == diverges, (opt, factor)
    assert optimizers.Adam().lr_bound(lin.lipschitz) is None
    assert optimizers.GD(lr=0.1).lr_bound(None) is None


def test_divergence_without_a_known_bound_gives_the_runners_reason():
    rosen = problems.rosenbrock()
    traj = run(rosen, optimizers.GD(lr=0.05), 100)
    assert explain_divergence(traj, rosen).startswith(f"diverged at step {traj.diverged_at}: the loss")
    assert explain_divergence(run(rosen, optimizers.GD(lr=1e-4), 10), rosen) is None


def test_non_defaults_keep_only_what_was_changed():
    adam = optimizers.get("adam").hyperparams
    shown = {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True}
    assert non_defaults(adam, shown) == {"lr": 0.1, "amsgrad": True}
    spec = RunSpec("adam", non_defaults(adam, shown))
    assert spec.label == "adam lr=0.1, amsgrad=true"
    assert non_defaults(problems.spec("linreg").settings, {"n": 100, "x_range": (0.0, 2.0)}) == {}
    assert non_defaults(adam, shown, keep={"eps"}) == {"lr": 0.1, "eps": 1e-8, "amsgrad": True}


def test_a_bad_value_from_a_form_is_reported_with_its_run():
    cmp = Comparison(runs=(RunSpec("gd", {"lr": 0.1}), RunSpec("adam", non_defaults(
        optimizers.get("adam").hyperparams, {"lr": 0.0}))))
    with pytest.raises(ValueError, match=r"^Run 2 \(adam\): Invalid lr: 0\. Allowed range: \(0, inf\)"):
        cmp.validate()


def test_records_shrink_for_big_networks_only():
    small = Comparison()
    assert small.record_for(small.validate()) == 1000
    big = Comparison("mlp", {"width": 256, "depth": 6}, (RunSpec("adam"),) * 6, steps=3)
    problem = big.validate()
    assert 2 <= big.record_for(problem) < 1000
    assert 6 * big.record_for(problem) * problem.dim <= 20_000_000
    trajs = replace(big, runs=big.runs[:1]).run(record=None)
    assert len(trajs[0].steps) == 4  # 3 steps fit whatever the budget


def test_the_bound_in_words_carries_dampening_when_there_is_some():
    assert optimizers.Momentum(lr=1.0, momentum=0.5).lr_bound_text(2.0) == "(2 + 2μ)/L = 1.5 (μ = 0.5)"
    assert optimizers.Momentum(lr=1.0, momentum=0.5, dampening=0.5).lr_bound_text(2.0) == \
        "(2 + 2μ)/((1 - τ) L) = 3 (μ = 0.5, τ = 0.5)"
    assert optimizers.GD(lr=1.0).lr_bound_text(4.0) == "2/L = 0.5"


def test_the_view_is_a_declared_field_with_every_codec():
    cmp = Comparison(view="all")
    assert Comparison.from_json(cmp.to_json()) == cmp and Comparison.from_query(cmp.to_query()) == cmp
    assert cmp.to_query()["view"] == "all" and Comparison().view == "settled"
    with pytest.raises(ValueError, match="Invalid view: 'some'. Allowed: one of 'settled', 'all'"):
        Comparison.from_dict({"view": "some"})
    parser = argparse.ArgumentParser()
    Comparison.add_options(parser)
    assert Comparison.fields_from_args(parser.parse_args(["--view", "all"])) == {"view": "all"}


def test_results_text_says_not_reached_or_a_dash_never_none():
    cmp = Comparison(runs=(RunSpec("gd", {"lr": 0.5}), RunSpec("gd", {"lr": 0.001})), steps=50)
    problem = cmp.build_problem()
    rows = results_table(problem, cmp.run(), cmp.tol)
    blown, slow = results_text(rows)
    assert all(isinstance(v, str) for row in (blown, slow) for v in row.values())
    assert blown["final loss"] == blown["distance to optimum"] == blown["steps to tol"] == NO_VALUE
    assert blown["diverged at"] == str(rows[0]["diverged at"])
    assert slow["steps to tol"] == NOT_REACHED and slow["diverged at"] == NO_VALUE
    assert slow["final loss"] == f"{rows[1]['final loss']:.4e}"


@pytest.mark.parametrize("text, message", [
    ('{"steps": null}', r"Invalid steps: None"),
    ('{"runs": [1]}', r"Run 1: Invalid run: 1\. Expected an object"),
    ('{"runs": [{}]}', r"Run 1: Invalid run \{\}: it names no optimizer"),
    ('{"runs": null}', r"Invalid runs: None\. Expected a list of 1 to 6 runs"),
    ('{"settings": null}', r"Invalid settings of problem 'linreg': None\. Expected an object"),
    ('{"steps": 1e400}', r"Invalid steps: inf"),
    ("[" * 100_000 + "]" * 100_000, r"nested too deeply"),
    ('{"steps": 10.7}', r"Invalid steps: 10\.7\. Expected a whole number"),
    ('{"steps": true}', r"Invalid steps: True"),
    ('{"seed": 2.9}', r"Invalid seed: 2\.9\. Expected a whole number"),
    ('{"shuffle": "false"}', r"Invalid shuffle: 'false'\. Allowed: True or False"),
    ('{"runs": [{"optimizer": "gd", "lrr": 0.1}]}', r"Run 1: Unknown keyword 'lrr' for optimizer 'gd'"),
    ('{"runs": [{"optimizer": "adam", "hyperparams": {"lr": 0.1}}]}', r"Run 1: .*no 'hyperparams' key: write each "
                                                                        r"hyperparameter flat"),
])
def test_a_config_of_the_wrong_shape_is_refused_by_name(text, message):
    with pytest.raises(ValueError, match=message):
        Comparison.from_json(text)


def test_a_config_that_is_not_utf8_is_refused_by_name():
    with pytest.raises(ValueError, match=r"not UTF-8 text \(byte 0 is 0xff\)"):
        Comparison.from_json(b"\xff\xfe{}")


def test_flat_hyperparameters_in_a_run_are_read_through_the_optimizers_declarations():
    cmp = Comparison.from_json('{"runs": [{"optimizer": "adam", "lr": 0.05, "betas": [0.8, 0.9], "batch_size": 10}]}')
    assert cmp.runs == (RunSpec("adam", {"lr": 0.05, "betas": (0.8, 0.9)}, batch_size=10),)


@pytest.mark.parametrize("query, message", [({"shuffle": "maybe"}, r"Invalid shuffle: 'maybe'"),
                                            ({"run": "gd:lr=0.1,lr=0.2"}, r"Run 1: .*'lr' is given twice")])
def test_a_link_that_repeats_or_misspells_a_value_is_refused(query, message):
    with pytest.raises(ValueError, match=message):
        Comparison.from_query(query)


def test_a_networks_start_is_a_point_of_the_plane_drawn_from_its_own_start_which_stays_the_picture():
    from playground.training import projection
    home = Comparison("xor", steps=60)
    problem = home.build_problem()
    before = home.run()
    drawn = projection.principal_plane(problem, before)
    (x0, x1), (y0, y1) = drawn.window("settled")
    clicked = (round(x0 + 0.3 * (x1 - x0), 4), round(y0 + 0.7 * (y1 - y0), 4))
    moved = replace(home, start=clicked)
    after = moved.run()
    # Every run starts at centre + a·u + b·v of the plane drawn before the click...
    for t in after:
        first = projection.snapshot_rows(t.params)[0]
        np.testing.assert_allclose(first, drawn.point(*clicked), atol=1e-12)
        assert not np.array_equal(first, projection.snapshot_rows(before[0].params)[0])
    # ... and the reruns are drawn in that plane, over the same contours, starting where the click was.
    surface_before, _ = projection.run_plane(problem, before)
    surface_after, paths = projection.run_plane(problem, after, plane=after.plane)
    for field in ("xs", "ys", "loss"):
        np.testing.assert_array_equal(getattr(surface_after, field), getattr(surface_before, field))
    assert surface_after.axis_labels == surface_before.axis_labels
    for xy in paths:
        np.testing.assert_allclose(xy[0], clicked, atol=1e-9)
    # The link and the JSON keep the start, and reproduce the same runs from it.
    for again in (Comparison.from_query(moved.to_query()), Comparison.from_json(moved.to_json())):
        assert again == moved
        np.testing.assert_array_equal(again.run()[2].final_params["W1"], after[2].final_params["W1"])


def test_a_networks_start_outside_the_drawn_plane_is_refused_naming_the_plane():
    cmp = Comparison("xor", steps=30, start=(1e5, 0.0))
    with pytest.raises(ValueError, match=r"Invalid start: \(100000, 0\)\. It lies outside the drawn plane: a in \["):
        cmp.run()


class NanBeyond:
    """A network whose loss is NaN where the first parameter is positive: a start there has no finite loss."""

    def __init__(self, problem):
        self.problem = problem

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def loss(self, params, idx=None):
        first = np.reshape(params["W1"], (-1,))[0]
        return np.nan if first > 0 else self.problem.loss(params, idx)


def test_a_networks_start_where_the_loss_is_not_finite_is_refused_naming_the_point():
    from playground.training import projection
    home = Comparison("xor", steps=30)
    problem = home.build_problem()
    plane = projection.principal_plane(problem, home.run())
    (x0, x1), (y0, y1) = plane.window("all")
    grid = [(round(a, 3), round(b, 3)) for a in np.linspace(x0, x1, 11)[1:-1] for b in np.linspace(y0, y1, 11)[1:-1]]
    bad = next(p for p in grid if plane.point(*p)[0] > 0)
    good = next(p for p in grid if plane.point(*p)[0] < 0)
    np.testing.assert_allclose(tree.flatten(replace(home, start=good).start_params(NanBeyond(problem), plane)),
                               plane.point(*good))
    with pytest.raises(ValueError, match=rf"Invalid start: \({bad[0]:g}, {bad[1]:g}\)\. The loss there is nan"):
        replace(home, start=bad).start_params(NanBeyond(problem), plane)
