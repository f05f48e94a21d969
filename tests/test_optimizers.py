"""The built-in optimizers: equations, purity, trees, per-run hyperparameters, validation.

Expected values are computed here from the documented equations (the torch.optim
ones), written the plain textbook way, never by calling the implementation.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose

import optimizers
from optimizers import AdaGrad, Adam, AdamW, GD, Momentum, Nesterov, RMSProp

BUILTINS = ["gd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"]
NEW = ["asgd", "nadam", "radam", "adamax", "adadelta", "adafactor", "rprop", "lion", "muon", "sgd_schedulefree",
       "adamw_schedulefree"]
ALL = BUILTINS + NEW

# One configuration per option that changes the update, so every code path is stepped.
CONFIGS = [
    ("gd", {"lr": 0.1}),
    ("momentum", {"lr": 0.05}),
    ("momentum", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}),
    ("momentum", {"lr": 0.05, "momentum": 0.0, "dampening": 0.3}),
    ("momentum", {"lr": 0.05, "nesterov": True, "weight_decay": 0.01}),
    ("nesterov", {"lr": 0.05}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "betas": (0.3, 0.7), "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
]
CONFIG_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)]

P0 = np.array([1.5, -0.75, 0.25, -2.0, 3.0])
G1 = np.array([0.5, -2.0, 1e-3, 4.0, -0.25])
G2 = np.array([-1.0, -0.5, 2.0, 0.125, 3.0])


def close(actual, expected):
    assert_allclose(actual, expected, rtol=1e-13, atol=1e-15)


def two_steps(opt, p0=P0, g1=G1, g2=G2):
    s = opt.init(p0)
    p1, s = opt.step(p0, g1, s)
    p2, s = opt.step(p1, g2, s)
    return p1, p2


# --- one and two steps against the documented equations ---------------------------------------

def test_gd_moves_against_the_gradient_by_lr_times_the_gradient():
    p1, p2 = two_steps(GD(lr=0.1))
    close(p1, P0 - 0.1 * G1)
    close(p2, P0 - 0.1 * G1 - 0.1 * G2)


@pytest.mark.parametrize("wd", [0.0, 0.1])
@pytest.mark.parametrize("dampening", [0.0, 0.3])
def test_momentum_first_step_starts_the_buffer_at_the_undamped_gradient(dampening, wd):
    lr, mu = 0.05, 0.9
    p1, p2 = two_steps(Momentum(lr=lr, momentum=mu, dampening=dampening, weight_decay=wd))
    g1 = G1 + wd * P0
    b1 = g1  # torch: the buffer starts at g_1 itself, not (1 - dampening) * g_1
    close(p1, P0 - lr * b1)
    g2 = G2 + wd * p1
    b2 = mu * b1 + (1 - dampening) * g2
    close(p2, p1 - lr * b2)


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_nesterov_steps_along_gradient_plus_momentum_times_buffer(wd):
    lr, mu = 0.05, 0.8
    for opt in (Nesterov(lr=lr, momentum=mu, weight_decay=wd), Momentum(lr=lr, momentum=mu, nesterov=True,
                                                                         weight_decay=wd)):
        p1, p2 = two_steps(opt)
        g1 = G1 + wd * P0
        b1 = g1
        close(p1, P0 - lr * (g1 + mu * b1))
        g2 = G2 + wd * p1
        b2 = mu * b1 + g2
        close(p2, p1 - lr * (g2 + mu * b2))


def test_momentum_zero_is_plain_gradient_descent_whatever_the_dampening():
    # torch.optim.SGD keeps no buffer when momentum is 0, so dampening cannot shrink the steps.
    p1, p2 = two_steps(Momentum(lr=0.05, momentum=0.0, dampening=0.7))
    close(p1, P0 - 0.05 * G1)
    close(p2, p1 - 0.05 * G2)


@pytest.mark.parametrize("wd", [0.0, 0.1])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.3, 0.7)])
def test_adam_bias_correction_at_t1_and_t2(betas, wd):
    lr, eps = 0.01, 1e-8
    b1, b2 = betas
    p1, p2 = two_steps(Adam(lr=lr, betas=betas, eps=eps, weight_decay=wd))
    g1 = G1 + wd * P0
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    close(p1, P0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps))
    g2 = G2 + wd * p1
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    close(p2, p1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps))


def test_adam_first_step_moves_every_entry_by_about_lr():
    # What bias correction is for: m_hat = g and v_hat = g^2 at t = 1, so the
    # first step is lr * sign(g) whatever the betas (without it, ~3.16 * lr).
    for betas in [(0.9, 0.999), (0.5, 0.9), (0.0, 0.0)]:
        p1, _ = two_steps(Adam(lr=0.01, betas=betas))
        assert_allclose(np.abs(p1 - P0), 0.01, rtol=1e-4)  # the smallest |g| is 1e-3, eps 1e-8
        assert np.all(np.sign(P0 - p1) == np.sign(G1))


def test_amsgrad_normalises_by_the_largest_second_moment_so_far():
    lr, (b1, b2), eps = 0.01, (0.9, 0.999), 1e-8
    g1, g2 = np.array([10.0, -8.0]), np.array([0.1, 0.2])  # v shrinks at t = 2
    p0 = np.array([1.0, 2.0])
    p1, p2 = two_steps(Adam(lr=lr, amsgrad=True), p0, g1, g2)
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1 ** 2
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2 ** 2
    assert np.all(v2 < v1)
    close(p2, p1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(np.maximum(v1, v2) / (1 - b2 ** 2)) + eps))
    _, p2_plain = two_steps(Adam(lr=lr), p0, g1, g2)
    assert np.all(np.abs(p2 - p1) < np.abs(p2_plain - p1))


def test_adamw_decays_the_weights_outside_the_moments():
    lr, wd, (b1, b2), eps = 0.01, 0.5, (0.9, 0.999), 1e-8
    p1, p2 = two_steps(AdamW(lr=lr, weight_decay=wd))
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1 ** 2
    close(p1, P0 * (1 - lr * wd) - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps))
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2 ** 2
    close(p2, p1 * (1 - lr * wd) - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps))
    # and its L2 cousin differs: Adam folds weight decay into the gradient instead
    assert not np.allclose(two_steps(Adam(lr=lr, weight_decay=wd))[1], p2)


@pytest.mark.parametrize("wd", [0.0, 0.1])
@pytest.mark.parametrize("mu", [0.0, 0.9])
@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_two_steps(centered, mu, wd):
    lr, alpha, eps = 0.01, 0.9, 1e-8
    p1, p2 = two_steps(RMSProp(lr=lr, alpha=alpha, eps=eps, momentum=mu, centered=centered, weight_decay=wd))

    def denom(v, gbar):
        return np.sqrt(v - gbar ** 2 if centered else v) + eps

    g1 = G1 + wd * P0
    v1, gbar1 = (1 - alpha) * g1 ** 2, (1 - alpha) * g1
    b1 = g1 / denom(v1, gbar1)
    close(p1, P0 - lr * b1)
    g2 = G2 + wd * p1
    v2, gbar2 = alpha * v1 + (1 - alpha) * g2 ** 2, alpha * gbar1 + (1 - alpha) * g2
    b2 = mu * b1 + g2 / denom(v2, gbar2)
    close(p2, p1 - lr * b2)


@pytest.mark.parametrize("wd", [0.0, 0.1])
@pytest.mark.parametrize("s0", [0.0, 0.3])
@pytest.mark.parametrize("lr_decay", [0.0, 0.5])
def test_adagrad_two_steps_with_lr_decay(lr_decay, s0, wd):
    lr, eps = 0.1, 1e-10
    p1, p2 = two_steps(AdaGrad(lr=lr, lr_decay=lr_decay, initial_accumulator_value=s0, weight_decay=wd))
    g1 = G1 + wd * P0
    s1 = s0 + g1 ** 2
    close(p1, P0 - lr * g1 / (np.sqrt(s1) + eps))  # no decay yet at t = 1
    g2 = G2 + wd * p1
    s2 = s1 + g2 ** 2
    close(p2, p1 - lr / (1 + lr_decay) * g2 / (np.sqrt(s2) + eps))


# --- purity, determinism and trees ------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@st.composite
def params_and_grads(draw):
    """An array or a dict of arrays, with a gradient of the same structure (several steps' worth)."""
    blocks = draw(st.one_of(st.just([""]), st.lists(st.sampled_from("wbuv"), min_size=1, max_size=3, unique=True)))
    tree = {k: draw(shapes) for k in blocks}

    def draw_tree():
        out = {k: draw(hnp.arrays(np.float64, s, elements=finite)) for k, s in tree.items()}
        return out[""] if blocks == [""] else out

    return draw_tree(), [draw_tree() for _ in range(3)]


def run(opt, p, grads):
    s = opt.init(p)
    for g in grads:
        p, s = opt.step(p, g, s)
    return p, s


def leaves(tree):
    return [tree[k] for k in sorted(tree)] if isinstance(tree, dict) else [tree]


def same_tree(a, b):
    assert isinstance(a, dict) == isinstance(b, dict)
    if isinstance(a, dict):
        assert list(a) == list(b)
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(leaves(a), leaves(b)))


def same_state(a, b):
    return a.t == b.t and a.buffers.keys() == b.buffers.keys() and all(
        same_tree(a.buffers[k], b.buffers[k]) for k in a.buffers)


@pytest.mark.parametrize("name, hp", CONFIGS, ids=CONFIG_IDS)
@settings(max_examples=30, deadline=None)
@given(data=params_and_grads())
def test_step_is_pure_and_deterministic(name, hp, data):
    p0, grads = data
    opt = optimizers.create(name, **hp)
    with np.errstate(all="ignore"):
        p, s = run(opt, p0, grads[:2])
        snapshot = copy.deepcopy((p0, grads, p, s))
        p_next, s_next = opt.step(p, grads[2], s)
        again = opt.step(p, grads[2], s)  # the same inputs, after a first call
        rerun = run(optimizers.create(name, **hp), p0, grads)  # a fresh optimizer, from the start

    assert same_tree(p0, snapshot[0]) and all(same_tree(g, h) for g, h in zip(grads, snapshot[1]))
    assert same_tree(p, snapshot[2]) and same_state(s, snapshot[3]), "step mutated its params or state"
    assert same_tree(again[0], p_next) and same_state(again[1], s_next)
    assert same_tree(rerun[0], p_next) and same_state(rerun[1], s_next)
    assert (s.t, s_next.t) == (2, 3)


@pytest.mark.parametrize("name, hp", CONFIGS, ids=CONFIG_IDS)
def test_results_do_not_share_memory_with_the_caller(name, hp):
    # Runners reuse gradient buffers and users edit params in place: neither may reach into the new state.
    opt = optimizers.create(name, **hp)
    p, g = P0.copy(), G1.copy()
    p1, s1 = opt.step(p, g, opt.init(p))
    kept = copy.deepcopy((p1, s1))
    p[:] = 123.0
    g[:] = -456.0
    assert same_tree(p1, kept[0]) and same_state(s1, kept[1])


def test_init_starts_the_step_count_at_zero():
    for name in ALL:
        opt = optimizers.create(name)
        s = opt.init({"w": np.ones((2, 3)), "b": np.zeros(3)})
        assert s.t == 0
        assert s.buffers.keys() == set(opt.buffers)


@pytest.mark.parametrize("name, hp", CONFIGS, ids=CONFIG_IDS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_dict_params_step_each_block_like_a_lone_array(name, hp, data):
    blocks = {k: data.draw(shapes, label=k) for k in ("w", "b")}

    def draw():
        return {k: data.draw(hnp.arrays(np.float64, s, elements=finite)) for k, s in blocks.items()}

    p0, grads = draw(), [draw() for _ in range(3)]
    opt = optimizers.create(name, **hp)
    with np.errstate(all="ignore"):
        together, state = run(opt, p0, grads)
        for k in blocks:
            alone, alone_state = run(opt, p0[k], [g[k] for g in grads])
            assert np.array_equal(together[k], alone, equal_nan=True)
            for b in opt.buffers:
                assert np.array_equal(state.buffers[b][k], alone_state.buffers[b], equal_nan=True)


# --- per-run (vectorised) hyperparameters -----------------------------------------------------

R = 3
PER_RUN = [
    ("gd", {"lr": [0.1, 0.01, 0.3]}),
    ("momentum", {"lr": [0.05, 0.01, 0.1], "momentum": [0.0, 0.5, 0.9], "dampening": [0.5, 0.0, 0.1],
                  "weight_decay": [0.0, 0.1, 0.01]}),
    ("nesterov", {"lr": [0.05, 0.01, 0.1], "momentum": [0.5, 0.9, 0.99], "weight_decay": [0.0, 0.1, 0.01]}),
    ("adam", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.0], [0.999, 0.7, 0.5]), "eps": [1e-8, 1e-3, 1e-6],
              "weight_decay": [0.0, 0.1, 0.01]}),
    ("adam", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.0], [0.999, 0.7, 0.5]), "amsgrad": True}),
    ("adamw", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.5], [0.999, 0.7, 0.5]),
               "weight_decay": [0.0, 0.5, 0.01]}),
    ("rmsprop", {"lr": [0.01, 0.1, 0.001], "alpha": [0.99, 0.5, 0.0], "eps": [1e-8, 1e-3, 1e-6],
                 "momentum": [0.0, 0.9, 0.5], "weight_decay": [0.0, 0.1, 0.01]}),
    ("rmsprop", {"lr": [0.01, 0.1, 0.001], "alpha": [0.99, 0.5, 0.3], "centered": True}),
    ("adagrad", {"lr": [0.1, 0.5, 0.01], "lr_decay": [0.0, 0.1, 0.5], "weight_decay": [0.0, 0.1, 0.01],
                 "initial_accumulator_value": [0.0, 0.1, 1.0], "eps": [1e-10, 1e-3, 1e-6]}),
    ("asgd", {"lr": [0.05, 0.1, 0.01], "lambd": [0.0, 0.1, 0.01], "t0": [0.0, 2.0, 1e6],
              "weight_decay": [0.0, 0.1, 0.01]}),
    ("nadam", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.0], [0.999, 0.7, 0.5]),
               "momentum_decay": [4e-3, 0.5, 0.0], "weight_decay": [0.0, 0.1, 0.01]}),
    ("nadam", {"lr": [0.01, 0.1, 0.001], "weight_decay": [0.0, 0.1, 0.5], "decoupled_weight_decay": True}),
    # beta2 0.5 and 0.9 rectify from the first steps, 0.999 stays in the warmup: both branches at once
    ("radam", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.5], [0.999, 0.5, 0.9]),
               "weight_decay": [0.0, 0.1, 0.01]}),
    ("adamax", {"lr": [0.01, 0.1, 0.001], "betas": ([0.9, 0.3, 0.0], [0.999, 0.7, 0.5]),
                "eps": [1e-8, 1e-3, 1e-6], "weight_decay": [0.0, 0.1, 0.01]}),
    ("adadelta", {"lr": [1.0, 0.5, 0.1], "rho": [0.9, 0.5, 0.0], "eps": [1e-6, 1e-3, 1e-4],
                  "weight_decay": [0.0, 0.1, 0.01]}),
    ("adafactor", {"lr": [0.01, 0.1, 0.001], "beta2_decay": [-0.8, -0.5, -1.0], "d": [1.0, 2.0, 1.5],
                   "eps": ([1e-30, 1e-3, 1e-10], [1e-3, 1e-2, 1e-4]), "weight_decay": [0.0, 0.1, 0.01]}),
    ("rprop", {"lr": [0.01, 0.1, 0.001], "etas": ([0.5, 0.3, 0.9], [1.2, 2.0, 1.1]),
               "step_sizes": ([1e-6, 1e-3, 1e-4], [50.0, 0.2, 1.0])}),
    ("lion", {"lr": [1e-3, 1e-2, 1e-4], "betas": ([0.9, 0.5, 0.0], [0.99, 0.7, 1.0]), "weight_decay": [0.0, 0.1, 1.0]}),
    ("lion", {"lr": [1e-3, 1e-2, 1e-4], "weight_decay": [0.0, 0.1, 1.0], "decoupled_weight_decay": True}),
    ("muon", {"lr": [0.02, 0.1, 0.001], "momentum": [0.95, 0.5, 0.0], "weight_decay": [0.1, 0.0, 0.5],
              "eps": [1e-7, 1e-3, 1e-9], "adamw_lr": [3e-4, 1e-2, 1e-1],
              "adamw_betas": ([0.9, 0.5, 0.0], [0.95, 0.9, 0.5]), "adamw_weight_decay": [0.0, 0.1, 0.01]}),
    ("muon", {"lr": [0.02, 0.1, 0.001], "nesterov": False, "adjust_lr_fn": "match_rms_adamw"}),
    ("sgd_schedulefree", {"lr": [1.0, 0.1, 0.5], "momentum": [0.9, 0.5, 0.1], "weight_decay": [0.0, 0.1, 0.01],
                          "r": [0.0, 1.0, 2.0], "weight_lr_power": [2.0, 0.0, 1.0], "warmup_steps": 3}),
    ("adamw_schedulefree", {"lr": [0.0025, 0.1, 0.01], "betas": ([0.9, 0.5, 0.1], [0.999, 0.9, 0.0]),
                            "eps": [1e-8, 1e-3, 1e-6], "weight_decay": [0.0, 0.1, 0.01], "r": [0.0, 1.0, 2.0]}),
]


def as_arrays(hp):
    return {k: tuple(np.array(x) for x in v) if isinstance(v, tuple) else np.array(v) if isinstance(v, list) else v
            for k, v in hp.items()}


def run_r(hp, r):
    return {k: tuple(x[r] for x in v) if isinstance(v, tuple) else v[r] if isinstance(v, list) else v
            for k, v in hp.items()}


@pytest.mark.parametrize("name, hp", PER_RUN, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PER_RUN)])
def test_per_run_hyperparameters_equal_separate_runs(name, hp):
    rng = np.random.default_rng(7)
    # A (R, R) block: a per-run value broadcast along the wrong axis would fit silently. Per run
    # it is a vector and (R, 2, 4) a matrix, which Muon and Adafactor must tell apart.
    shapes_ = {"w": (R, R), "b": (R, 2, 4)}
    p0 = {k: rng.normal(size=s) for k, s in shapes_.items()}
    grads = [{k: rng.normal(size=s) for k, s in shapes_.items()} for _ in range(5)]
    batched = optimizers.create(name, **as_arrays(hp))
    together, state = run(batched, p0, grads)
    x_together = batched.eval_params(together, state)
    for r in range(R):
        opt = optimizers.create(name, **run_r(hp, r))
        alone, alone_state = run(opt, {k: v[r] for k, v in p0.items()}, [{k: v[r] for k, v in g.items()}
                                                                         for g in grads])
        x_alone = opt.eval_params(alone, alone_state)
        for k in shapes_:
            close(together[k][r], alone[k])
            close(x_together[k][r], x_alone[k])
            for b in opt.buffers:
                close(state.buffers[b][k][r], alone_state.buffers[b][k])


def test_per_run_values_must_match_the_leading_axis():
    opt = Adam(lr=np.array([0.1, 0.01]))
    p = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"2 values.*\(3, 4\)"):
        opt.step(p, p, opt.init(p))


def test_per_run_learning_rates_are_part_of_equality():
    a = Adam(lr=np.array([0.1, 0.01]))
    assert a == Adam(lr=np.array([0.1, 0.01])) and hash(a) == hash(Adam(lr=np.array([0.1, 0.01])))
    assert a != Adam(lr=np.array([0.2, 0.02]))
    assert Adam(lr=0.1) != AdamW(lr=0.1, weight_decay=0.0)


# --- validation -------------------------------------------------------------------------------

ALL_LR = [(n, {"lr": v}, "lr", "(0, inf)") for n in ALL for v in (0.0, -0.1, np.inf, np.nan)]
BAD = ALL_LR + [
    (n, {"betas": b}, label, "[0, 1)")
    for n in ("adam", "adamw")
    for b, label in [((1.0, 0.999), "betas[0]"), ((-0.1, 0.999), "betas[0]"), ((0.9, 1.0), "betas[1]"),
                     ((0.9, 1.5), "betas[1]")]
] + [
    (n, {"eps": v}, "eps", "(0, inf)") for n in ("adam", "adamw", "rmsprop", "adagrad") for v in (0.0, -1e-8)
] + [
    (n, {"momentum": -0.1}, "momentum", "[0, inf)") for n in ("momentum", "nesterov", "rmsprop")
] + [
    (n, {"weight_decay": -0.1}, "weight_decay", "[0, inf)")
    for n in ("momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
] + [
    ("momentum", {"dampening": 1.5}, "dampening", "[0, 1]"),
    ("rmsprop", {"alpha": -0.1}, "alpha", "[0, 1]"),
    ("adagrad", {"lr_decay": -0.1}, "lr_decay", "[0, inf)"),
    ("adagrad", {"initial_accumulator_value": -0.1}, "initial_accumulator_value", "[0, inf)"),
    # torch: "Nesterov momentum requires a momentum and zero dampening"
    ("momentum", {"nesterov": True, "dampening": 0.1}, "dampening", "Allowed: 0"),
    ("nesterov", {"dampening": 0.5}, "dampening", "Allowed: 0"),
    ("momentum", {"nesterov": True, "momentum": 0.0}, "momentum", "(0, inf)"),
    ("momentum", {"nesterov": "yes"}, "nesterov", "True or False"),
    ("adam", {"amsgrad": 1}, "amsgrad", "True or False"),
    ("adam", {"betas": 0.9}, "betas", "[0, 1)"),
    ("gd", {"lr": np.array([0.1, -0.1])}, "lr", "(0, inf)"),
    ("adam", {"betas": (np.array([0.9, 1.0]), np.array([0.9, 0.9]))}, "betas[0]", "[0, 1)"),
    ("asgd", {"t0": -1.0}, "t0", "[0, inf)"),
    ("asgd", {"lambd": -0.1}, "lambd", "[0, inf)"),
    ("nadam", {"momentum_decay": -0.1}, "momentum_decay", "[0, inf)"),
    ("nadam", {"decoupled_weight_decay": 1}, "decoupled_weight_decay", "True or False"),
    ("radam", {"betas": (0.9, 1.0)}, "betas[1]", "[0, 1)"),
    ("adadelta", {"rho": 1.5}, "rho", "[0, 1]"),
    ("adafactor", {"d": 0.5}, "d", "[1, inf)"),
    ("adafactor", {"beta2_decay": 0.1}, "beta2_decay", "(-inf, 0]"),
    ("adafactor", {"eps": (-1.0, 1e-3)}, "eps[0]", "[0, inf)"),
    # torch: 0 < etaminus < 1 < etaplus
    ("rprop", {"etas": (1.5, 1.2)}, "etas[0]", "(0, 1)"),
    ("rprop", {"etas": (0.5, 0.9)}, "etas[1]", "(1, inf)"),
    ("rprop", {"step_sizes": (1.0, 0.1)}, "step_sizes", "must not exceed"),
    ("lion", {"betas": (1.5, 0.99)}, "betas[0]", "[0, 1]"),
    ("muon", {"ns_steps": 100}, "ns_steps", "[0, 99]"),
    ("muon", {"ns_steps": 2.5}, "ns_steps", "whole number"),
    ("muon", {"adjust_lr_fn": "spectral"}, "adjust_lr_fn", "one of 'original', 'match_rms_adamw'"),
    ("muon", {"momentum": 1.0}, "momentum", "[0, 1)"),
    ("muon", {"adamw_lr": 0.0}, "adamw_lr", "(0, inf)"),
    ("muon", {"adamw_betas": (0.9, 1.0)}, "adamw_betas[1]", "[0, 1)"),
    ("sgd_schedulefree", {"momentum": 0.0}, "momentum", "(0, 1)"),
    ("sgd_schedulefree", {"warmup_steps": -1}, "warmup_steps", "[0, inf)"),
    # the average is recovered from y and z by dividing by beta1
    ("adamw_schedulefree", {"betas": (0.0, 0.999)}, "betas[0]", "(0, 1)"),
    ("adamw_schedulefree", {"weight_lr_power": -1.0}, "weight_lr_power", "[0, inf)"),
]


@pytest.mark.parametrize("name, hp, param, allowed", BAD, ids=[f"{n}-{h}" for n, h, _, _ in BAD])
def test_bad_hyperparameters_are_rejected_naming_the_parameter_and_range(name, hp, param, allowed):
    with pytest.raises(ValueError) as err:
        optimizers.create(name, **hp)
    message = str(err.value)
    assert param in message and allowed in message, message


@pytest.mark.parametrize("name, hp", [("adam", {"learning_rate": 0.1}), ("gd", {"momentum": 0.9}),
                                      ("rmsprop", {"beta": 0.9})])
def test_unknown_keywords_are_rejected_listing_the_valid_ones(name, hp):
    with pytest.raises(ValueError) as err:
        optimizers.create(name, **hp)
    message = str(err.value)
    assert repr(next(iter(hp))) in message and "lr" in message, message


@pytest.mark.parametrize("name", ALL)
def test_every_declared_default_passes_its_own_validation(name):
    cls = optimizers.get(name)
    assert [h.name for h in cls.hyperparams] == list(dict.fromkeys(h.name for h in cls.hyperparams))
    for h in cls.hyperparams:
        assert h.validate(h.default) == h.default, h.name
        assert h.meaning
    assert cls().hp == {h.name: h.default for h in cls.hyperparams}


# --- mismatched params and grad ---------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_grad_of_another_shape_is_refused_naming_both_shapes(name):
    opt = optimizers.create(name)
    p = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"grad has shape \(3, 2\) but params has shape \(2, 3\)"):
        opt.step(p, np.zeros((3, 2)), opt.init(p))


@pytest.mark.parametrize("name", ALL)
def test_grad_dict_with_other_keys_is_refused_naming_the_keys(name):
    opt = optimizers.create(name)
    m = np.zeros((2, 2))  # a matrix, so that Muon accepts the params
    p = {"w": np.zeros(3), "b": np.zeros(1), "m": m}
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['bias'\]"):
        opt.step(p, {"w": np.zeros(3), "bias": np.zeros(1), "m": m}, opt.init(p))
    with pytest.raises(ValueError, match=r"grad\['b'\] has shape \(2,\) but params\['b'\] has shape \(1,\)"):
        opt.step(p, {"w": np.zeros(3), "b": np.zeros(2), "m": m}, opt.init(p))
    with pytest.raises(ValueError, match="params is a dict but grad is an array"):
        opt.step(p, np.zeros(8), opt.init(p))


# --- documentation ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_each_optimizer_documents_its_equations(name):
    cls = optimizers.get(name)
    # The equations are written once, in LaTeX, and the docstring shows that same text.
    assert f"{optimizers.base.EQUATIONS_HEAD}\n\n        {cls.latex}" in cls.__doc__
    assert cls.latex.strip() and r"\gamma" in cls.latex  # the learning rate, gamma as in torch's docs
    assert r"\theta_t" in cls.latex and cls.latex.count("{") == cls.latex.count("}")
    assert cls.title and cls.name == name and cls.family in optimizers.FAMILIES


def test_a_state_made_for_other_params_is_refused_by_name():
    adam = optimizers.Adam(lr=0.1)
    state = adam.init({"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="state buffer 'exp_avg' keys do not match params keys"):
        adam.step({"V": np.zeros((2, 2))}, {"V": np.zeros((2, 2))}, state)
    with pytest.raises(ValueError, match=r"state buffer 'exp_avg' has shape \(3,\) but params has shape \(2,\)"):
        adam.step(np.zeros(2), np.zeros(2), adam.init(np.zeros(3)))
    with pytest.raises(ValueError, match="state has no buffer 'velocity'"):
        optimizers.Momentum(lr=0.1).step(np.zeros(2), np.zeros(2), adam.init(np.zeros(2)))


# --- stability bounds: the optimizer knows its own ---------------------------------------------

def quadratic_diverges(opt, L, steps=400):
    """Whether ``opt`` blows up on f(x) = L x^2 / 2 from x = 1 (the curvature-L eigendirection)."""
    p, s = np.array([1.0]), opt.init(np.array([1.0]))
    for _ in range(steps):
        p, s = opt.step(p, L * p, s)
    return not abs(p[0]) < 1.0


@pytest.mark.parametrize("name, hp", [
    ("gd", {}), ("momentum", {"momentum": 0.9}), ("momentum", {"momentum": 0.5, "dampening": 0.5}),
    ("momentum", {"momentum": 0.0, "dampening": 0.5}), ("nesterov", {"momentum": 0.9}),
    ("momentum", {"momentum": 0.3, "nesterov": True}),
])
def test_lr_bound_separates_convergence_from_divergence_on_a_quadratic(name, hp):
    L = 4.0
    bound = optimizers.create(name, **hp).lr_bound(L)
    assert bound is not None
    assert not quadratic_diverges(optimizers.create(name, lr=0.97 * bound, **hp), L)
    assert quadratic_diverges(optimizers.create(name, lr=1.03 * bound, **hp), L)


@pytest.mark.parametrize("L", [4.9, 0.37])
def test_lr_bound_formulas_and_their_words(L):
    assert GD().lr_bound(L) == 2 / L and GD().lr_bound_text(L) == f"2/L = {2 / L:.3g}"
    b = (2 + 2 * 0.9) / L
    assert Momentum(momentum=0.9).lr_bound(L) == b
    assert Momentum(momentum=0.9).lr_bound_text(L) == f"(2 + 2μ)/L = {b:.3g} (μ = 0.9)"
    b = (2 + 2 * 0.5) / ((1 - 0.25) * L)
    assert Momentum(momentum=0.5, dampening=0.25).lr_bound_text(L) == (
        f"(2 + 2μ)/((1 - τ) L) = {b:.3g} (μ = 0.5, τ = 0.25)")
    b = (2 + 2 * 0.8) / ((1 + 2 * 0.8) * L)
    assert Nesterov(momentum=0.8).lr_bound(L) == b
    assert Nesterov(momentum=0.8).lr_bound_text(L) == f"(2 + 2μ)/((1 + 2μ) L) = {b:.3g} (μ = 0.8)"
    # torch keeps no velocity at momentum 0, so dampening cannot stretch the bound past GD's
    assert Momentum(momentum=0.0, dampening=0.5).lr_bound(L) == 2 / L
    assert Momentum(momentum=0.0, dampening=0.5).lr_bound_text(L) == (
        f"2/L = {2 / L:.3g} (μ = 0: no velocity, so τ = 0.5 has no effect)")


def test_a_plugin_subclassing_momentum_inherits_its_bound():
    class MyMomentum(Momentum):
        pass

    assert MyMomentum(momentum=0.9).lr_bound(2.0) == Momentum(momentum=0.9).lr_bound(2.0) == 1.9


def test_no_bound_where_none_is_known():
    assert Momentum(momentum=0.9, weight_decay=0.1).lr_bound(2.0) is None
    assert Momentum(momentum=1.0).lr_bound(2.0) is None and Momentum(momentum=1.0).lr_bound_text(2.0) is None
    assert GD().lr_bound(None) is None and GD().lr_bound(0.0) is None and GD().lr_bound_text(None) is None
    for name in ("adam", "adamw", "rmsprop", "adagrad"):
        assert optimizers.create(name).lr_bound(2.0) is None and optimizers.create(name).lr_bound_text(2.0) is None


def test_lr_bound_with_per_run_momenta_is_one_bound_per_run_and_no_single_text():
    mus = np.array([0.0, 0.5, 0.9])
    opt = Momentum(lr=np.array([0.1, 0.1, 0.1]), momentum=mus, dampening=np.array([0.5, 0.5, 0.0]))
    assert_allclose(opt.lr_bound(2.0), [2 / 2.0, 3 / (0.5 * 2.0), 3.8 / 2.0], rtol=1e-15)
    assert opt.lr_bound_text(2.0) is None
    assert_allclose(Nesterov(momentum=mus[1:]).lr_bound(2.0), (2 + 2 * mus[1:]) / ((1 + 2 * mus[1:]) * 2.0))


# --- the newer optimizers: purity and trees (deterministic, to keep the suite fast) -----------

NEW_CONFIGS = [
    ("asgd", {"lr": 0.05, "lambd": 0.01, "t0": 1.0}),  # averaging from step 2
    ("nadam", {"lr": 0.01, "weight_decay": 0.1}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("radam", {"lr": 0.01, "betas": (0.9, 0.5), "weight_decay": 0.1}),  # rectified from step 2
    ("radam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("adadelta", {"weight_decay": 0.1}),
    ("adafactor", {"weight_decay": 0.1}),
    ("rprop", {}),
    ("lion", {"lr": 1e-3, "weight_decay": 0.1}),
    ("muon", {"lr": 0.02}),
    ("muon", {"lr": 0.02, "nesterov": False, "adjust_lr_fn": "match_rms_adamw", "adamw_weight_decay": 0.1}),
    ("sgd_schedulefree", {"lr": 0.1, "warmup_steps": 2, "weight_decay": 0.1}),
    ("adamw_schedulefree", {"lr": 0.01, "weight_decay": 0.1, "r": 1.0}),
]
NEW_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(NEW_CONFIGS)]


def mixed_tree(rng):
    """A matrix, a vector, a scalar and a 3-D block: every case the rank-aware rules distinguish."""
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "s": rng.normal(size=()),
            "T": rng.normal(size=(2, 2, 3))}


@pytest.mark.parametrize("name, hp", NEW_CONFIGS, ids=NEW_IDS)
def test_newer_optimizers_are_pure_deterministic_and_share_no_memory(name, hp):
    rng = np.random.default_rng(3)
    p0, grads = mixed_tree(rng), [mixed_tree(rng) for _ in range(4)]
    opt = optimizers.create(name, **hp)
    p, s = run(opt, p0, grads[:3])
    snapshot = copy.deepcopy((p0, grads, p, s))
    p_next, s_next = opt.step(p, grads[3], s)
    x = opt.eval_params(p_next, s_next)
    again = opt.step(p, grads[3], s)
    rerun = run(optimizers.create(name, **hp), p0, grads)
    assert same_tree(p0, snapshot[0]) and all(same_tree(g, h) for g, h in zip(grads, snapshot[1]))
    assert same_tree(p, snapshot[2]) and same_state(s, snapshot[3]), "step mutated its params or state"
    assert same_tree(again[0], p_next) and same_state(again[1], s_next)
    assert same_tree(rerun[0], p_next) and same_state(rerun[1], s_next)
    assert not same_tree(p_next, p), "a step that does not move"
    kept = copy.deepcopy((p_next, s_next))
    # A caller editing its arrays, or an averaged evaluation point, in place (for other
    # optimizers the evaluation point is p_next itself).
    for tree in (p, grads[3]) + ((x,) if x is not p_next else ()):
        for v in tree.values():
            if isinstance(v, np.ndarray):  # a 0-d block comes back as an immutable numpy scalar
                v[...] = 7.0
    assert same_tree(p_next, kept[0]) and same_state(s_next, kept[1])


@pytest.mark.parametrize("name, hp", [c for c in NEW_CONFIGS if c[0] != "muon"],
                         ids=[i for i, c in zip(NEW_IDS, NEW_CONFIGS) if c[0] != "muon"])
def test_newer_optimizers_step_each_dict_block_like_a_lone_array(name, hp):
    rng = np.random.default_rng(4)
    p0, grads = mixed_tree(rng), [mixed_tree(rng) for _ in range(3)]
    opt = optimizers.create(name, **hp)
    together, state = run(opt, p0, grads)
    for k in p0:
        alone, alone_state = run(opt, p0[k], [g[k] for g in grads])
        close(together[k], alone)
        for b in opt.buffers:
            assert np.array_equal(state.buffers[b][k], alone_state.buffers[b])


# --- the run axis ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, hp", [("muon", {"lr": 0.05, "adamw_lr": 0.01}), ("adafactor", {"lr": 0.05})])
def test_runs_declared_at_init_keep_each_blocks_own_rank(name, hp):
    # Scalar hyperparameters, so only runs= can say that the leading axis is runs.
    rng = np.random.default_rng(5)
    shapes_ = {"W": (R, 2, 3), "b": (R, 3)}
    p0 = {k: rng.normal(size=v) for k, v in shapes_.items()}
    grads = [{k: rng.normal(size=v) for k, v in shapes_.items()} for _ in range(4)]
    opt = optimizers.create(name, **hp)
    p, s = p0, opt.init(p0, runs=R)
    assert s.batched
    for g in grads:
        p, s = opt.step(p, g, s)
    assert s.batched
    for r in range(R):
        alone, _ = run(opt, {k: v[r] for k, v in p0.items()}, [{k: v[r] for k, v in g.items()} for g in grads])
        for k in shapes_:
            close(p[k][r], alone[k])
    # Without runs=, the same arrays are a 3-D tensor and a matrix, and step differently.
    unbatched, _ = run(opt, p0, grads)
    assert not np.allclose(unbatched["b"], p["b"])


def test_the_run_axis_survives_a_state_rebuilt_without_it():
    # The sweep rebuilds states as State(t, buffers) when it drops diverged runs; its
    # per-run hyperparameters still say that the leading axis is runs.
    opt = optimizers.create("adafactor", lr=np.array([0.01, 0.1, 0.05]))
    rng = np.random.default_rng(6)
    p = {"W": rng.normal(size=(R, 2, 3)), "b": rng.normal(size=(R, 3))}
    s = opt.init(p)
    assert s.batched and s.buffers["variance"]["b"].shape == (R, 3)  # the bias is a vector per run
    rebuilt = optimizers.State(s.t, s.buffers)
    a = opt.step(p, p, s)[0]
    b = opt.step(p, p, rebuilt)[0]
    assert all(np.array_equal(a[k], b[k]) for k in p)


def test_runs_must_match_every_blocks_leading_axis():
    opt = optimizers.create("adam")
    with pytest.raises(ValueError, match=r"runs=3 but params\['b'\] has shape \(2,\)"):
        opt.init({"W": np.zeros((3, 2)), "b": np.zeros(2)}, runs=3)
    with pytest.raises(ValueError, match="runs=2 but params has shape"):
        opt.init(np.zeros(()), runs=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="Invalid runs"):
            opt.init(np.zeros((2, 2)), runs=bad)
    assert not opt.init(np.zeros((2, 2))).batched and opt.init(np.zeros((2, 2)), runs=2).batched


def test_a_state_with_factored_buffers_made_for_other_params_is_refused_by_name():
    opt = optimizers.create("adafactor")
    with pytest.raises(ValueError, match=r"state buffer 'row_var' has shape \(3, 1\) but params of shape \(2, 3\)"):
        opt.step(np.zeros((2, 3)), np.zeros((2, 3)), opt.init(np.zeros((3, 3))))
    with pytest.raises(ValueError, match="state buffer 'row_var' keys do not match params keys"):
        opt.step({"V": np.zeros(2)}, {"V": np.zeros(2)}, opt.init({"W": np.zeros(2)}))


# --- Muon --------------------------------------------------------------------------------------

def test_muon_refuses_params_without_a_matrix_naming_itself_and_the_shapes():
    opt = optimizers.create("muon")
    with pytest.raises(ValueError, match=r"muon: params have no matrix \(2-D\) block.*'b': \(3,\).*use adamw"):
        opt.init({"b": np.zeros(3), "c": np.zeros(())})
    with pytest.raises(ValueError, match=r"no matrix \(2-D\) block.*\(4,\)"):
        opt.init(np.zeros(4))
    # Under a run axis, (R, 3) is R vectors: still no matrix.
    with pytest.raises(ValueError, match="after the leading run axis"):
        opt.init({"b": np.zeros((R, 3))}, runs=R)
    assert opt.init({"W": np.zeros((2, 2)), "b": np.zeros(3)}).t == 0


def test_muon_moves_every_singular_direction_about_equally_whatever_the_gradient_scale():
    rng = np.random.default_rng(8)
    u, _ = np.linalg.qr(rng.normal(size=(5, 3)))
    v, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    g = u @ np.diag([10.0, 1.0, 0.1]) @ v.T  # condition number 100
    w0, lr = rng.normal(size=(5, 3)), 0.01
    opt = optimizers.create("muon", lr=lr, momentum=0.0, nesterov=False, weight_decay=0.0)
    for scale in (1.0, 1e-4, 1e4):
        w1, _ = opt.step(w0, scale * g, opt.init(w0))
        sv = np.linalg.svd((w0 - w1) / (lr * np.sqrt(5 / 3)), compute_uv=False)  # the tall-matrix factor
        # torch's quintic pushes singular values into roughly [0.7, 1.2], not exactly 1 (that is its design)
        assert np.all((sv > 0.6) & (sv < 1.25)), (scale, sv)
    sv_gd = np.linalg.svd(lr * g, compute_uv=False)
    assert sv_gd[-1] / sv_gd[0] == pytest.approx(0.01)  # where gradient descent barely moves


def test_muon_steps_non_matrix_blocks_exactly_like_adamw_with_its_adamw_settings():
    rng = np.random.default_rng(9)
    p0 = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "s": rng.normal(size=())}
    grads = [{k: rng.normal(size=np.shape(v)) for k, v in p0.items()} for _ in range(4)]
    muon = optimizers.create("muon", adamw_lr=0.05, adamw_betas=(0.5, 0.9), adamw_eps=1e-6, adamw_weight_decay=0.2)
    adamw = AdamW(lr=0.05, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.2)
    together, _ = run(muon, p0, grads)
    for k in ("b", "s"):
        alone, _ = run(adamw, p0[k], [g[k] for g in grads])
        assert np.array_equal(together[k], alone)


# --- Adafactor ---------------------------------------------------------------------------------

def test_adafactor_keeps_row_and_column_means_for_a_matrix_and_the_full_moment_for_a_vector():
    opt = optimizers.create("adafactor")
    s = opt.init({"W": np.zeros((4, 3)), "b": np.zeros(3), "T": np.zeros((2, 4, 3))})
    shapes_ = {b: {k: v.shape for k, v in s.buffers[b].items()} for b in opt.buffers}
    assert shapes_["row_var"] == {"W": (4, 1), "b": (0,), "T": (2, 4, 1)}
    assert shapes_["col_var"] == {"W": (1, 3), "b": (0,), "T": (2, 1, 3)}
    assert shapes_["variance"] == {"W": (0,), "b": (3,), "T": (0,)}


def test_adafactor_factored_step_from_the_row_and_column_means():
    lr, eps2 = 0.01, 1e-3
    rng = np.random.default_rng(10)
    w0, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    w1, s = optimizers.create("adafactor", lr=lr).step(w0, g, optimizers.create("adafactor").init(w0))
    # At t = 1, beta2_1 = 1 - 1^tau = 0: the factors are this gradient's row and column means.
    rows, cols = (g ** 2).mean(axis=1, keepdims=True), (g ** 2).mean(axis=0, keepdims=True)
    close(s.buffers["row_var"], rows)
    close(s.buffers["col_var"], cols)
    u = g / np.sqrt(rows * cols / rows.mean())
    u = u / max(1.0, np.sqrt((u ** 2).mean()))  # d = 1
    close(w1, w0 - max(eps2, np.sqrt((w0 ** 2).mean())) * min(lr, 1.0) * u)
    # A vector is not factored: its step divides by |g| itself, entry by entry.
    v1, _ = optimizers.create("adafactor", lr=lr).step(w0.ravel(), g.ravel(), optimizers.create("adafactor").init(
        w0.ravel()))
    u = np.sign(g.ravel())
    close(v1, w0.ravel() - max(eps2, np.sqrt((w0 ** 2).mean())) * lr * u)
    assert not np.allclose(v1, w1.ravel())


def test_adafactor_factoring_is_exact_for_a_rank_one_squared_gradient():
    # g^2 = outer(a^2, b^2) is rank 1, so R C / mean(R) rebuilds it: the step is sign(g), as for a vector.
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.25, 4.0])
    g, w0 = np.outer(a, b), np.full((3, 2), 2.0)
    w1, _ = optimizers.create("adafactor").step(w0, g, optimizers.create("adafactor").init(w0))
    close(w1, w0 - 2.0 * 1e-2 * np.sign(g))


# --- Schedule-Free: y where gradients are taken, x where the user evaluates -------------------

def schedule_free_by_the_paper(p0, grads, lr, beta, warmup=0, r=0.0, power=2.0, adam_beta2=None, eps=1e-8):
    """Defazio et al. 2024, written with three explicit sequences: z (SGD), x (average), y (gradient point)."""
    x = z = y = p0
    v, weights = np.zeros_like(p0), 0.0
    for t, g in enumerate(grads, start=1):
        lr_t = lr * min(1.0, t / warmup) if warmup else lr
        if adam_beta2 is not None:
            v = adam_beta2 * v + (1 - adam_beta2) * g ** 2
            g = g / (np.sqrt(v / (1 - adam_beta2 ** t)) + eps)
        w = t ** r * lr_t ** power
        weights += w
        c = w / weights
        z = z - lr_t * g
        x = (1 - c) * x + c * z
        y = (1 - beta) * z + beta * x
    return y, x


@pytest.mark.parametrize("name, hp, beta, beta2", [
    ("sgd_schedulefree", {"lr": 0.1, "momentum": 0.9}, 0.9, None),
    ("sgd_schedulefree", {"lr": 0.1, "momentum": 0.5, "warmup_steps": 3, "r": 1.0, "weight_lr_power": 1.0}, 0.5,
     None),
    ("adamw_schedulefree", {"lr": 0.01, "betas": (0.8, 0.9)}, 0.8, 0.9),
])
def test_schedule_free_steps_to_y_and_evaluates_at_the_average_x(name, hp, beta, beta2):
    rng = np.random.default_rng(11)
    grads = [rng.normal(size=P0.shape) for _ in range(6)]
    opt = optimizers.create(name, **hp)
    p, s = P0, opt.init(P0)
    assert np.array_equal(opt.eval_params(P0, s), P0)  # before any step the three points coincide
    for g in grads:
        p, s = opt.step(p, g, s)
    y, x = schedule_free_by_the_paper(P0, grads, hp["lr"], beta, hp.get("warmup_steps", 0), hp.get("r", 0.0),
                                      hp.get("weight_lr_power", 2.0), beta2)
    close(p, y)
    close(opt.eval_params(p, s), x)
    assert not np.allclose(x, y)


def test_only_averaging_methods_evaluate_elsewhere_than_their_params():
    p = {"W": np.ones((2, 2)), "b": np.ones(2)}
    for name in ALL:
        opt = optimizers.create(name)
        p1, s = opt.step(p, p, opt.init(p))
        x = opt.eval_params(p1, s)
        if name in ("sgd_schedulefree", "adamw_schedulefree", "asgd"):
            assert x is not p1 and list(x) == list(p1)
        else:
            assert x is p1, name


def test_asgd_evaluates_at_the_running_average_once_averaging_starts():
    lr, t0 = 0.1, 2.0
    rng = np.random.default_rng(12)
    grads = [rng.normal(size=P0.shape) for _ in range(6)]
    opt = optimizers.create("asgd", lr=lr, lambd=0.0, t0=t0)  # lambd 0: plain SGD steps of size lr
    p, s = P0, opt.init(P0)
    assert opt.eval_params(P0, s) is P0
    iterates = []
    for t, g in enumerate(grads, start=1):
        p, s = opt.step(p, g, s)
        iterates.append(p)
        # torch: mu_t = 1 / max(1, t - 1 - t0), so the average is the iterate itself through step t0 + 2
        if t <= t0 + 2:
            close(opt.eval_params(p, s), p)
    close(p, P0 - lr * np.sum(grads, axis=0))
    # and then the mean of the iterates from step t0 + 2 on
    close(opt.eval_params(p, s), np.mean(iterates[int(t0) + 1:], axis=0))
    assert not np.allclose(opt.eval_params(p, s), p)


@pytest.mark.parametrize("params, grad, state, message", [
    (np.zeros(2), np.ones(2), None, r"Invalid state: None\. Pass the State that Adam\.init\(params\)"),
    (np.zeros(2), np.ones(2), (0, {}), r"Invalid state: \(0, \{\}\)"),
    (np.zeros(2), [1.0, 2.0], "init", r"Invalid grad: a list \(\[1\.0, 2\.0\]\)\. Expected a numpy array"),
    ({"w": np.zeros(2)}, {"w": [1.0, 2.0]}, "init", r"Invalid grad\['w'\]: a list"),
])
def test_a_step_with_a_bad_state_or_a_list_gradient_is_a_named_value_error(params, grad, state, message):
    opt = optimizers.create("adam")
    with pytest.raises(ValueError, match=message):
        opt.step(params, grad, opt.init(params) if state == "init" else state)
