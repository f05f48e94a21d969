"""The app's sweep setups: declared grid settings, links that round-trip, the sweep they describe."""
import numpy as np
import pytest

import optimizers
import playground
from playground import problems
from playground.training.sweep import sweep
from playground.setups.sweep import (DEFAULT_MOMENTA, SMALLEST_MOMENTUM, SweepSetup, axis_fields,
                                     default_momentum_range)


def test_the_grid_is_geometric_in_lr_and_even_in_momentum():
    setup = SweepSetup(lr_range=(1e-3, 1.0), lr_points=4, momentum_range=(0.0, 0.9), momentum_points=4)
    np.testing.assert_allclose(setup.lrs(), [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(setup.momenta(), [0.0, 0.3, 0.6, 0.9])
    assert setup.configs() == 16


def test_an_optimizer_without_momentum_sweeps_lr_alone():
    setup = SweepSetup(optimizers="adagrad", lr_points=5)
    assert not setup.sweeps_momentum and setup.momenta() is None and setup.configs() == 5
    assert SweepSetup(momentum_points=0).momenta() is None
    assert SweepSetup(optimizers="adam").sweeps_momentum  # beta1


def test_run_is_the_sweep_of_that_grid():
    setup = SweepSetup("quadratic", {"cond": 20.0}, "nesterov", (1e-3, 0.2), 6, (0.1, 0.9), 3, steps=40, seed=2)
    result = setup.run()
    direct = sweep(problems.create("quadratic", cond=20.0), "nesterov", setup.lrs(), setup.momenta(), steps=40,
                   seed=2)
    np.testing.assert_array_equal(result.final_losses, direct.final_losses)
    np.testing.assert_array_equal(result.diverged_at, direct.diverged_at)


@pytest.mark.parametrize("setup", [
    SweepSetup(),
    SweepSetup("rosenbrock", {"b": 50.0}, "adam", (1e-4, 0.5), 10, (0.5, 0.9), 5, 50, 1),
    SweepSetup("xor", {}, "gd", (0.1, 10.0), 7, steps=300),
])
def test_links_round_trip(setup):
    assert SweepSetup.from_query(setup.to_query()) == setup


@pytest.mark.parametrize("query, message", [
    ({"lr_range": "0/1"}, r"Invalid lr_range\[0\]: 0\. Allowed range: \[1e-12, 1000000\]"),
    ({"lr_range": "1/0.1"}, "Invalid lr_range: 1/0.1. The first value must not exceed the second"),
    ({"momentum_range": "0/1"}, r"Invalid momentum_range\[1\]: 1\. Allowed range: \[0, 1\)"),
    ({"lr_points": "0"}, r"Invalid lr_points: 0\. Allowed range: \[1, 1000\]"),
    ({"optimizer": "sgd"}, "Unknown optimizer 'sgd'"),
    ({"problem": "linreg:n=1"}, "Invalid n: 1"),
    ({"steps": "x"}, "Invalid steps: 'x' is not a number"),
])
def test_bad_links_name_the_value_and_its_range(query, message):
    with pytest.raises(ValueError, match=message):
        SweepSetup.from_query(query)


def test_every_declared_field_is_a_field_with_its_default():
    assert {f.name: f.default for f in SweepSetup.FIELDS} == {f.name: getattr(SweepSetup(), f.name)
                                                              for f in SweepSetup.FIELDS}


def test_the_default_momentum_range_starts_above_zero_for_an_optimizer_that_refuses_zero():
    assert default_momentum_range(["momentum"]) == default_momentum_range(["adam"]) == DEFAULT_MOMENTA
    low, high = default_momentum_range(["nesterov"])
    assert 0 < low == SMALLEST_MOMENTUM < high == DEFAULT_MOMENTA[1]
    setup = SweepSetup(optimizers="nesterov", lr_points=3, momentum_points=3, steps=5)
    assert setup.momenta()[0] == low and setup.momentum_range is None
    assert len(setup.run()) == 9  # momentum 0 would be refused at once: "Nesterov momentum requires a momentum"


def test_the_axis_inputs_name_what_they_set():
    assert [f.title for f in axis_fields("adam")[:2]] == ["beta1 range", "beta1 points"]
    assert [f.title for f in axis_fields("momentum")[:2]] == ["momentum range", "momentum points"]


@pytest.mark.parametrize("query, message", [
    ({"lr_range": "1e-300/1e300"}, r"Invalid lr_range\[0\]: 1e-300\. Allowed range: \[1e-12, 1000000\]"),
    ({"lr_range": "1e-3/1e300"}, r"Invalid lr_range\[1\]: 1e\+300"),
    ({"lr_values": "1e-20/0.1"}, r"Invalid lr_values\[0\]"),
])
def test_learning_rates_are_bounded_where_the_map_can_draw_them(query, message):
    with pytest.raises(ValueError, match=message):
        SweepSetup.from_query(query)


@pytest.mark.parametrize("optimizer, momenta", [("momentum", 3), ("gd", 0), ("adam", 2)])
def test_the_extreme_learning_rates_are_drawn_without_a_warning(optimizer, momenta, recwarn):
    from playground.viz.stability_map import stability_map
    setup = SweepSetup("linreg", optimizers=optimizer, lr_range=(1e-12, 1e6), lr_points=4, momentum_points=momenta,
                       steps=5)
    stability_map(setup.run())
    assert [str(w.message) for w in recwarn] == []


# --- schedules -------------------------------------------------------------------------------------------

SCHEDULED = [
    SweepSetup("quadratic", {"cond": 10.0}, "momentum", (1e-3, 0.3), 4, (0.0, 0.9), 3, steps=40,
               schedule="cosine:T_max=40,eta_min=0.001"),
    SweepSetup(optimizers="adam", lr_points=3, momentum_points=2, steps=30,
               schedule="sequential:linear(start_factor=0.1,total_iters=10)+cosine(T_max=20),milestones=10"),
    SweepSetup(optimizers="momentum", lr_values=(0.01,), momentum_points=3, steps=30,
               schedule="one_cycle:max_lr=0.3,total_steps=30,cycle_momentum=false"),
]


@pytest.mark.parametrize("setup", SCHEDULED)
def test_a_schedule_round_trips_through_the_link_the_dict_and_the_json(setup):
    assert SweepSetup.from_query(setup.to_query()) == setup
    assert SweepSetup.from_dict(setup.to_dict()) == setup
    assert SweepSetup.from_json(setup.to_json()) == setup
    assert setup.to_dict()["schedule"] == setup.schedule.format() == setup.to_query()["schedule"]
    assert "schedule" not in SweepSetup().to_query() and SweepSetup().to_dict()["schedule"] is None


def test_a_scheduled_sweep_is_the_sweep_with_that_schedule_and_each_run_its_own_run():
    setup = SCHEDULED[0]
    result = setup.run()
    problem = setup.validate()
    direct = sweep(problem, "momentum", setup.lrs(), setup.momenta(), steps=40, schedule=setup.schedule)
    np.testing.assert_array_equal(result.final_losses, direct.final_losses)
    unscheduled = SweepSetup(**{**vars(setup), "schedule": None}).run()
    assert not np.array_equal(result.final_losses, unscheduled.final_losses, equal_nan=True)
    i = int(np.nanargmin(result.final_losses))
    c = result.configs[i]
    alone = playground.run(problem, optimizers.create("momentum", lr=c.lr, momentum=c.momentum), 40,
                           schedule=setup.schedule.format())
    assert alone.final_loss == pytest.approx(result.final_losses[i], rel=1e-12)
    assert result.rerun(problem, i).final_loss == pytest.approx(result.final_losses[i], rel=1e-12)


@pytest.mark.parametrize("given, message", [
    (dict(schedule="one_cycle:max_lr=0.3"), r"Invalid schedule 'one_cycle:max_lr=0\.3' for a sweep of 30 learning "
                                            r"rates: one_cycle sets its own lr"),
    (dict(schedule="cyclic", lr_values=(0.1, 0.2), momentum_points=0), "for a sweep of 2 learning rates"),
    (dict(schedule="one_cycle:total_steps=200", lr_points=1), r"for a sweep of momenta: it cycles the momentum .* "
                                                              "cycle_momentum=false"),
    (dict(schedule="one_cycle:total_steps=100", lr_points=1, momentum_points=0),
     r"Invalid total_steps of schedule 'one_cycle': 100\. Allowed range: \[200, inf\)"),
    (dict(schedule="one_cycle:total_steps=200,cycle_momentum=true", lr_points=1, optimizers="gd"),
     "Invalid cycle_momentum for schedule 'one_cycle': optimizer 'gd' has no momentum"),
    (dict(schedule="cosine", optimizers="sgd_schedulefree"), "Schedule-Free methods replace a learning-rate schedule"),
])
def test_a_schedule_that_cannot_drive_the_sweep_is_named(given, message):
    with pytest.raises(ValueError, match=message):
        SweepSetup(**given).validate()


@pytest.mark.parametrize("query, message", [
    ({"schedule": "multistep:milestones=50/20"}, r"Invalid milestones of schedule 'multistep': 50/20\. They must "
                                                 "increase"),
    ({"schedule": "warmup"}, "Unknown schedule 'warmup'. Available: step, multistep"),
    ({"schedule": "cosine:T_max=0"}, r"Invalid T_max: 0\. Allowed range: \[1, inf\)"),
])
def test_a_bad_schedule_in_a_link_is_named(query, message):
    with pytest.raises(ValueError, match=message):
        SweepSetup.from_query(query)


@pytest.mark.parametrize("data, message", [
    ({"schedule": 3}, r"Invalid schedule: 3\. Expected a spec such as 'cosine:T_max=100'"),
    ({"optimizers": "adam"}, r"Invalid optimizers: 'adam'\. Expected a list of names"),
    ({"optimizers": ["adam", "adam"]}, "'adam' appears more than once"),
    ({"hp": {"nesterov": "yes"}}, "Invalid nesterov: 'yes'"),
    ({"lr": 0.1}, "Unknown key 'lr' in sweep config"),
])
def test_a_bad_sweep_config_is_named(data, message):
    with pytest.raises(ValueError, match=message):
        SweepSetup.from_dict(data)
