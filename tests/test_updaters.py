"""The gallery's buggy updaters as runs of a comparison: kept out of the optimizers, carried by every codec,
run through the one loop on the same data and start, with an lr that means GD's."""
import numpy as np
import pytest

import optimizers
from playground import gallery, problems
from playground.cli import main
from playground.gallery import updaters
from playground.setups import cost
from playground.setups.comparison import Comparison
from playground.training.run_spec import RunSpec

DIVERGENT = "updater:linreg-divergent-updater"


def divergent_comparison(steps=500):
    return Comparison("linreg", gallery.linreg.UPDATER_DATA, (RunSpec(DIVERGENT, {"lr": 0.1}),
                                                             RunSpec("gd", {"lr": 0.1})), steps=steps)


def test_updaters_are_never_optimizers():
    for name in updaters.available():
        assert name not in optimizers.available() and DIVERGENT not in optimizers.available()
        with pytest.raises(ValueError, match="Unknown optimizer"):
            optimizers.get(name)


def test_a_comparison_with_the_divergent_updater_round_trips_through_url_json_and_cli(tmp_path):
    cmp = divergent_comparison(steps=20)
    assert Comparison.from_query(cmp.to_query()) == cmp
    assert Comparison.from_json(cmp.to_json()) == cmp
    assert cmp.to_query()["run"][0] == "updater:linreg-divergent-updater:lr=0.1"
    assert cmp.to_dict()["runs"][0] == {"optimizer": DIVERGENT, "lr": 0.1}
    saved = tmp_path / "cmp.json"
    assert main(["compare", "--problem", "linreg:n=30,noise=1,seed=3", "--steps", "20", "--opt",
                 "updater:linreg-divergent-updater:lr=0.1", "--opt", "gd:lr=0.1", "--save-config", str(saved)]) == 0
    assert Comparison.from_json(saved.read_text()) == cmp


def test_the_buggy_run_drifts_as_in_the_gallery():
    buggy, gd = divergent_comparison().run()
    problem = divergent_comparison().build_problem()
    m_ls, b_ls = problem.optimum
    m, b = buggy.params[:, 0], buggy.params[:, 1]
    assert not buggy.diverged and buggy.final_step == 500
    assert m[-1] > m_ls and b[-1] < 0                       # m went past its value, b turned negative
    assert m[-1] > m[-2] and b[-1] < b[-2]                  # ... and they still move apart
    assert buggy.final_loss > 10 * buggy.losses.min()       # the error fell, then grew again
    np.testing.assert_allclose(gd.final_params, [m_ls, b_ls], atol=1e-6)
    assert "(buggy; seed's learning_rate = lr)" in buggy.label


@pytest.mark.parametrize("name, problem, seed_lr", [
    # The seed's gradient carries the mean's 2/N: its learning_rate is lr itself.
    ("linreg-divergent-updater", problems.linear_regression(n=30, noise=1.0, seed=3),
     lambda lr, n: lr),
    # The seed steps with the summed gradient, N/2 times the mean loss's: its alpha is 2·lr/N.
    ("sgd-no-accumulation", problems.sin_dataset(seed=0), lambda lr, n: 2 * lr / n),
])
def test_at_the_mapped_constant_the_seed_code_and_the_run_agree(name, problem, seed_lr):
    lr, steps = 0.2, 7
    (traj,) = Comparison(problem.name, problem.settings, (RunSpec("updater:" + name, {"lr": lr}),),
                         steps=steps).run()
    theta = problem.init_params()
    x, y = problem.X, problem.y
    for k in range(steps + 1):
        np.testing.assert_allclose(traj.params[k], theta, rtol=1e-13, atol=1e-15)
        if name == "sgd-no-accumulation":
            theta = gallery.sgd.gradientDescent2(x, y, theta.copy(), seed_lr(lr, len(y)))
        else:
            theta = np.array(gallery.linreg.gradient_updater(theta[0], theta[1], x[:, 0], y, seed_lr(lr, len(y))))


def test_each_updater_is_offered_where_its_seed_code_runs_and_nowhere_else():
    assert updaters.offered(problems.create("linreg")) == [
        "linreg-divergent-updater", "sgd-no-accumulation", "adam-t0-bias-correction"]
    assert updaters.offered(problems.create("sin")) == ["sgd-no-accumulation", "adam-t0-bias-correction"]
    assert updaters.offered(problems.create("sin", degree=3)) == ["adam-t0-bias-correction"]
    assert updaters.offered(problems.create("rosenbrock")) == ["adam-t0-bias-correction"]


def test_the_updater_is_refused_by_name_where_its_seed_code_does_not_run():
    with pytest.raises(ValueError, match="Run 1 .*'linreg-divergent-updater' does not run on 'rosenbrock'"):
        Comparison("rosenbrock", {}, (RunSpec(DIVERGENT, {"lr": 0.1}),)).validate()
    with pytest.raises(ValueError, match="does not run on 'sin'"):
        Comparison.from_query({"problem": "sin", "run": "updater:linreg-divergent-updater:lr=0.1"})


@pytest.mark.parametrize("text, message", [
    ("updater:nope:lr=0.1", "Unknown buggy updater 'nope'. Available: linreg-divergent-updater"),
    ("updater:linreg-divergent-updater:lr=0", r"Invalid lr: 0. Allowed range: \(0, inf\)"),
    ("updater:linreg-divergent-updater:batch_size=4", "Unknown keyword 'batch_size' for updater"),
])
def test_bad_updater_specs_name_the_value(text, message):
    with pytest.raises(ValueError, match=message):
        RunSpec.parse(text)


def test_seed_code_that_loops_over_the_data_takes_no_batch_options():
    with pytest.raises(ValueError, match="takes no batch_size or accumulate"):
        RunSpec(DIVERGENT, {"lr": 0.1}, batch_size=5).validate(problems.create("linreg", n=30))
    # The answer's Adam is an update rule: it batches like any optimizer.
    RunSpec.parse("updater:adam-t0-bias-correction:lr=0.05,batch_size=5").validate(problems.create("linreg"))


@pytest.mark.parametrize("entry_id", updaters.available())
def test_the_gallery_entrys_comparison_holds_the_buggy_run_and_its_fix(entry_id):
    cmp = gallery.get(entry_id).comparison
    assert cmp.runs[0].optimizer == "updater:" + entry_id
    assert all(r.updater is None for r in cmp.runs[1:]) and len(cmp.runs) >= 2
    cmp.validate()


def test_the_work_estimate_counts_the_seed_codes_own_loops():
    # The line fit's loop is quadratic in N: a big linreg is refused before it runs, not after minutes.
    small, big = (Comparison("linreg", {"n": n}, (RunSpec(DIVERGENT, {"lr": 0.1}),)) for n in (30, 3000))
    gd = Comparison("linreg", {"n": 3000}, (RunSpec("gd", {"lr": 0.1}),))
    assert small.work(small.build_problem()).seconds < cost.LIMIT < big.work(big.build_problem()).seconds
    assert big.work(big.build_problem()).biggest == "the buggy updaters' own loops"
    assert gd.work(gd.build_problem()).seconds < cost.LIMIT / 10
