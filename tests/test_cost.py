"""The work guard's estimate (playground.setups.cost): its counts and orderings, never wall time."""
from dataclasses import replace

import pytest

from playground import problems

from playground.setups import cost
from playground.setups.comparison import Comparison
from playground.setups.sweep import SweepSetup
from playground.training.run_spec import RunSpec

DATA = "the gradient over the data"


def estimate(query):
    cmp = Comparison.from_query(query)
    return cmp.work(cmp.validate())


def test_doubling_the_samples_doubles_the_data_term_and_steps_scale_everything():
    small, big = estimate({"problem": "linreg:n=1000"}), estimate({"problem": "linreg:n=2000"})
    assert big.terms[DATA] == pytest.approx(2 * small.terms[DATA])
    longer = estimate({"problem": "linreg:n=1000", "steps": "400"})
    assert longer.seconds == pytest.approx(2 * small.seconds)


def test_a_mini_batch_costs_its_samples_per_call_plus_a_full_loss_per_record():
    cmp = Comparison(runs=(RunSpec("gd"), RunSpec("gd", batch_size=10, accumulate=3)), steps=50)
    problem = cmp.validate()
    full, batched = (Comparison(runs=(r,), steps=50).work(problem) for r in cmp.runs)
    assert batched.terms[DATA] == pytest.approx(full.terms[DATA] * 30 / problem.n_samples)
    assert batched.terms["the full-data loss of recorded steps"] > 0 == full.terms["the full-data loss of recorded steps"]
    assert batched.terms["Python's per-step overhead"] == pytest.approx(50 * (cost.STEP + 2 * cost.CALL))


def test_an_mlp_costs_more_per_sample_with_width_depth_and_transcendental_activations():
    def per_sample(**settings):
        return cost.sample_cost(Comparison("mlp", settings).validate())

    assert per_sample(width=64) > per_sample(width=32) and per_sample(depth=4) > per_sample(depth=2)
    assert per_sample(hidden="tanh") > per_sample(hidden="relu")
    net = Comparison("mlp").validate()
    assert cost.sample_cost(net, grad=False) < cost.sample_cost(net)


def test_adam_updates_cost_more_than_gd_updates():
    problem = problems.create("mlp", width=256)
    assert cost.step_cost(problem, buffers=2) > cost.step_cost(problem, buffers=0)


@pytest.mark.parametrize("query", [{"problem": "relu-net:n=100000"}, {"problem": "sin-mlp:width=8,n=20000"},
                                   {"problem": "linreg:n=100000"}])
def test_the_comparisons_that_ran_for_many_seconds_exceed_the_limit(query):
    work = estimate(query)
    assert work.seconds > cost.LIMIT and work.biggest == DATA
    with pytest.raises(ValueError, match=r"would take about .* 5 s run without asking\. .* reduce the steps \(200\), "
                                         r"the samples per step \(n=\d+"):
        work.refuse_over("This comparison")


def test_the_big_grid_of_many_steps_on_a_2d_function_exceeds_the_limit():
    setup = SweepSetup("rosenbrock", lr_points=200, momentum_points=200, steps=20_000)
    work = setup.work(setup.validate())
    assert work.seconds > 10 * cost.LIMIT
    with pytest.raises(ValueError, match=r"reduce the configurations \(40000: fewer learning rates or momenta\)"):
        work.refuse_over("This sweep")


def test_the_contour_plane_of_a_big_data_set_exceeds_the_limit_and_a_small_one_does_not():
    assert cost.plane(Comparison("linreg", {"n": 100_000}).validate()).seconds > cost.LIMIT
    assert cost.plane(Comparison().validate()).seconds < cost.LIMIT / 20


def test_the_defaults_are_far_below_the_limit():
    assert estimate({}).seconds < cost.LIMIT / 20
    assert SweepSetup().work(SweepSetup().validate()).seconds < cost.LIMIT


def test_a_sweep_family_pays_its_step_overhead_once_for_all_its_runs():
    setup = SweepSetup(lr_points=10, momentum_points=5, steps=100)
    problem = setup.validate()
    work = setup.work(problem)
    assert work.terms["Python's per-step overhead"] == pytest.approx(100 * cost.FAMILY_STEP)
    assert replace(setup, lr_points=20).work(problem).terms[DATA] == pytest.approx(2 * work.terms[DATA])


def test_a_sweep_past_the_memory_ceiling_is_refused_by_name():
    setup = SweepSetup("relu-net", lr_points=1000, momentum_points=1000)
    with pytest.raises(ValueError, match=r"would hold about 8\.\d GiB at once, over the ceiling of 2 GiB: its 1000000 "
                                         r"runs advance together\. Reduce the configurations"):
        setup.validate()
    assert cost.sweep_bytes(replace(setup, lr_points=100), Comparison("relu-net").validate()) < cost.MEMORY_LIMIT


def test_result_sizes_grow_with_runs_and_parameters():
    # Three runs given, as the default trio would be: their suggested learning rates are not the point here.
    cmp = Comparison("mlp", {"width": 256, "depth": 6}, (RunSpec("gd"), RunSpec("momentum"), RunSpec("adam")))
    problem = cmp.validate()
    assert cost.trajectory_bytes(cmp, problem) > 8 * 2**20 > cost.trajectory_bytes(Comparison(), Comparison().validate())
    assert cost.sweep_result_bytes(SweepSetup(lr_points=400)) == 20 * cost.sweep_result_bytes(SweepSetup(lr_points=20))
