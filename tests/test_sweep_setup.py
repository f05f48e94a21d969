"""The app's sweep setups: declared grid settings, links that round-trip, the sweep they describe."""
import numpy as np
import pytest

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
