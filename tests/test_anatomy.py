"""The anatomy of a step: every optimizer's named parts add up to the step it takes."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers
from optimizers import GD, Adam, Lion, Momentum, Optimizer


def params_and_grads(name, rng):
    # Muon updates matrix blocks, so every optimizer gets a matrix and a vector.
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    return p, [{k: rng.normal(size=v.shape) for k, v in p.items()} for _ in range(4)]


def at_step_four(opt, rng):
    p, grads = params_and_grads(opt.name, rng)
    state = opt.init(p)
    for g in grads[:3]:
        p, state = opt.step(p, g, state)
    return p, grads[3], state


@pytest.mark.parametrize("name", optimizers.available())
def test_the_terms_add_up_to_the_step_taken(name):
    opt = optimizers.create(name, **({"weight_decay": 0.1} if any(h.name == "weight_decay" for h in
                                                                    optimizers.get(name).hyperparams) else {}))
    p, g, state = at_step_four(opt, np.random.default_rng(0))
    a = opt.anatomy(p, g, state)
    new_p, _ = opt.step(p, g, state)
    for k in p:
        assert_allclose(sum(term[k] for term in a.terms.values()), a.taken[k], rtol=1e-9, atol=1e-12)
        assert_allclose(a.taken[k], new_p[k] - p[k])
    assert a.t == 4


def test_a_plugin_gets_the_whole_step_as_one_term():
    class Halve(Optimizer):
        hyperparams = (optimizers.HyperParam("lr", 0.1, "step", low=0, low_open=True),)

        def update(self, p, g, bufs, t, hp):
            return p / 2 - hp["lr"] * g, {}

    a = Halve().anatomy(np.ones(2), np.ones(2), Halve().init(np.ones(2)))
    assert list(a.terms) == ["step"]
    assert_allclose(a.terms["step"], [-0.6, -0.6])


def test_gd_is_all_gradient_and_momentum_carries_velocity_after_the_first_step():
    g = np.array([1.0, -2.0])
    a = GD(lr=0.1).anatomy(np.zeros(2), g, GD(lr=0.1).init(np.zeros(2)))
    assert list(a.terms) == ["gradient"]
    assert_allclose(a.terms["gradient"], a.gradient_step)
    opt = Momentum(lr=0.1, momentum=0.9)
    first = opt.anatomy(np.zeros(2), g, opt.init(np.zeros(2)))
    assert not first.terms["velocity"].any()
    p, s = opt.step(np.zeros(2), g, opt.init(np.zeros(2)))
    second = opt.anatomy(p, g, s)
    assert_allclose(second.terms["velocity"], -0.1 * 0.9 * g)
    assert_allclose(second.terms["gradient"], -0.1 * g)


def test_adam_reports_its_per_coordinate_learning_rate_and_lion_its_sign():
    g = np.array([1e-3, -10.0])
    a = Adam(lr=0.1).anatomy(np.zeros(2), g, Adam(lr=0.1).init(np.zeros(2)))
    # First step: m_hat = g, v_hat = g^2, so each coordinate moves lr * g / (|g| + eps): the same size.
    assert_allclose(a.scales["effective lr"], 0.1 / (np.abs(g) + 1e-8) / (1 - 0.9), rtol=1e-6)
    assert_allclose(np.abs(a.taken), 0.1, rtol=1e-4)
    lion = Lion(lr=0.01).anatomy(np.zeros(2), g, Lion(lr=0.01).init(np.zeros(2)))
    assert_allclose(lion.scales["sign"], [1.0, -1.0])
    assert_allclose(np.abs(lion.taken), 0.01)


def test_anatomy_is_pure_and_refuses_a_run_axis():
    opt = Adam(lr=0.1)
    p, g = np.ones(3), np.arange(3.0)
    state = opt.init(p)
    opt.anatomy(p, g, state)
    assert state.t == 0 and not state.buffers["exp_avg"].any() and (p == 1).all()
    with pytest.raises(ValueError, match="one run"):
        Adam(lr=np.array([0.1, 0.2])).anatomy(np.ones((2, 3)), np.ones((2, 3)), Adam(lr=np.array([0.1, 0.2])).init(
            np.ones((2, 3))))
