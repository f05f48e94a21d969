"""Suggested hyperparameters, and learning rates given as multiples of 2/L."""
from types import SimpleNamespace

import numpy as np
import pytest

import optimizers
from optimizers import HyperParam, Optimizer
from playground import problems
from playground.setups import sweep as sweep_setup
from playground.setups.comparison import Comparison
from playground.training import run_spec
from playground.training.run_spec import RunSpec
from playground.training.runner import run
from playground.training.suggest import (BOUND_FRACTION, DEFAULT_TRIO, default_runs, round_down, suggest,
                                         suggest_all, suggested_runs)

#: Problems small enough to run every optimizer's suggestion in the test's time: the 2-D ones.
SMALL = [name for name in problems.available() if problems.create(name).dim == 2]


#: A problem as RunSpec.build reads it for an optimizer: only its curvature L.
CURVATURE_4 = SimpleNamespace(lipschitz=4.0)


@pytest.mark.parametrize("name", problems.available())
def test_every_problems_default_runs_converge(name):
    cmp = Comparison(name)
    assert [r.optimizer for r in cmp.runs] == list(DEFAULT_TRIO)
    for traj in cmp.run(record=2):
        assert not traj.diverged, f"{traj.label} diverged on {name} at step {traj.diverged_at}"


@pytest.mark.parametrize("name", SMALL)
def test_every_optimizers_suggestion_converges_where_it_applies(name):
    problem = problems.create(name)
    for opt, s in suggest_all(name, {}).items():
        if not s.applicable:
            continue
        traj = run(problem, s.apply(RunSpec(opt)).build(problem), Comparison.steps, record=2)
        assert not traj.diverged, f"{opt} with {s.hp} ({s.reason}) diverged on {name} at step {traj.diverged_at}"


def test_a_known_curvature_gives_a_fraction_of_the_optimizers_own_bound():
    problem = problems.create("linreg")
    gd, momentum = suggest("linreg", {}, "gd"), suggest("linreg", {}, "momentum")
    assert gd.source == momentum.source == "lipschitz"
    assert gd.hp == {"lr": round_down(1 / problem.lipschitz)}  # the classic 1/L
    assert momentum.hp == {"lr": round_down(BOUND_FRACTION * optimizers.Momentum().lr_bound(problem.lipschitz))}
    assert "(2 + 2μ)/L" in momentum.reason


def test_an_unknown_curvature_gives_a_pilot_sweep_safely_below_divergence():
    s = suggest("rosenbrock", {}, "gd")
    assert s.source == "pilot" and "diverged" in s.reason
    assert suggest("rosenbrock", {"b": 10.0}, "gd").hp["lr"] > s.hp["lr"]  # settings are part of the question


def test_muon_does_not_apply_without_a_weight_matrix_and_says_why():
    s = suggest("rosenbrock", {}, "muon")
    assert not s.applicable and s.source == "not applicable" and "no matrix (2-D) block" in s.reason
    muon = RunSpec("muon")
    assert s.apply(muon) is muon  # kept, so that the comparison's check names the refusal
    with pytest.raises(ValueError, match=r"Run 1 \(muon\): muon: params have no matrix"):
        Comparison("rosenbrock", {}, suggested_runs("rosenbrock", {}, [muon])).validate()
    xor = Comparison("xor", {}, suggested_runs("xor", {}, [muon]))
    assert xor.runs[0].hp and not xor.run(record=2)[0].diverged  # where there are weight matrices, it applies


def test_suggestions_replace_the_hyperparameters_and_keep_the_batching():
    runs = (RunSpec("adam", {"lr": 5.0, "betas": (0.5, 0.9)}, batch_size=4, accumulate=2),)
    (adam,) = suggested_runs("linreg", {}, runs)
    assert adam == RunSpec("adam", suggest("linreg", {}, "adam").hp, batch_size=4, accumulate=2)
    assert Comparison("beale").runs == default_runs("beale", {})


@pytest.fixture()
def plugin():
    @optimizers.register("halving_test")
    class Halving(Optimizer):
        """theta -= lr * g / 2: a plugin with an lr and no stability bound of its own."""

        # Twice GD's default lr: its pilot grid is GD's doubled, and every run on it is GD's.
        hyperparams = (HyperParam("lr", 2e-3, "step size", low=0.0, low_open=True, log=True),)

        def update(self, p, g, bufs, t, hp):
            return p - hp["lr"] * g / 2, {}

    yield Halving
    optimizers.registry._REGISTRY.pop("halving_test")


def test_a_plugin_gets_a_pilot_suggestion(plugin):
    s = suggest("himmelblau", {}, "halving_test")
    assert s.source == "pilot"
    assert s.hp["lr"] == pytest.approx(2 * suggest("himmelblau", {}, "gd").hp["lr"], rel=0.05)


def test_round_down_keeps_two_significant_digits():
    assert [round_down(x) for x in (0.20678, 3.929, 0.3, 1e-6, 250.0)] == [0.2, 3.9, 0.3, 1e-6, 250.0]


# -- lr as a multiple of 2/L ---------------------------------------------------
def test_a_multiple_of_2_over_L_is_one_declared_option_in_every_codec():
    spec = RunSpec.parse("gd:lr=0.5,lr_scale=lipschitz")
    assert spec == RunSpec("gd", {"lr": 0.5}, lr_scale="lipschitz")
    assert spec.label == "gd lr=0.5×2/L"
    assert RunSpec.parse(spec.format()) == RunSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict() == {"optimizer": "gd", "lr": 0.5, "lr_scale": "lipschitz"}
    assert sweep_setup.LR_SCALE is run_spec.LR_SCALE  # the sweep setup's field is the same declaration


def test_a_multiple_of_2_over_L_builds_the_absolute_lr():
    assert RunSpec("gd", {"lr": 0.5}, lr_scale="lipschitz").build(CURVATURE_4) == optimizers.GD(lr=0.25)
    assert RunSpec("gd", lr_scale="lipschitz").build(CURVATURE_4) == optimizers.GD(lr=2e-3 / 4.0)  # the default lr
    with pytest.raises(ValueError, match="Invalid lr_scale: 'lipschitz' .* no constant curvature L"):
        RunSpec("gd", {"lr": 0.5}, lr_scale="lipschitz").build(None)
    with pytest.raises(ValueError, match="Invalid lr_scale: 'sideways'"):
        RunSpec.parse("gd:lr_scale=sideways")


def test_a_comparison_runs_a_multiple_of_2_over_L_as_the_same_absolute_step():
    L = problems.create("linreg").lipschitz
    relative = Comparison(runs=(RunSpec("momentum", {"lr": 0.25, "momentum": 0.5}, lr_scale="lipschitz"),), steps=30)
    absolute = Comparison(runs=(RunSpec("momentum", {"lr": 0.5 / L, "momentum": 0.5}),), steps=30)
    np.testing.assert_allclose(relative.run()[0].losses, absolute.run()[0].losses, rtol=1e-12)
    assert relative.run()[0].label == "momentum lr=0.25×2/L, momentum=0.5"
    with pytest.raises(ValueError, match=r"Run 1 \(gd\): Invalid lr_scale: 'lipschitz'"):
        Comparison("rosenbrock", {}, (RunSpec("gd", {"lr": 0.5}, lr_scale="lipschitz"),)).validate()


def test_rescaling_keeps_the_step():
    spec = RunSpec("gd", {"lr": 0.2})
    relative = spec.rescaled("lipschitz", 4.0)
    assert relative == RunSpec("gd", {"lr": 0.4}, lr_scale="lipschitz")
    assert relative.rescaled("absolute", 4.0) == spec
    assert relative.build(CURVATURE_4) == spec.build(CURVATURE_4)


def test_an_optimizer_without_lr_cannot_scale_it_and_keeps_its_defaults():
    @optimizers.register("fixed_step_test")
    class FixedStep(Optimizer):
        """theta -= sign(g) / 100: no hyperparameters at all."""

        def update(self, p, g, bufs, t, hp):
            return p - np.sign(g) / 100, {}

    try:
        with pytest.raises(ValueError, match="Optimizer 'fixed_step_test' has no lr to scale"):
            RunSpec.parse("fixed_step_test:lr_scale=lipschitz")
        assert suggest("rosenbrock", {}, "fixed_step_test").hp == {}
    finally:
        optimizers.registry._REGISTRY.pop("fixed_step_test")
