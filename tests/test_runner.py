"""The runner: batching and accumulation, divergence, determinism, bounded records, bad arguments."""
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizers
from optimizers.tree import flatten
from playground import problems, run
from playground.training.runner import batch_schedule, record_schedule

LIN = problems.linear_regression(n=60, seed=1)


def one_step(problem, lr, **kw):
    return run(problem, optimizers.GD(lr=lr), 1, **kw).final_params


def test_accumulating_every_per_sample_gradient_is_exactly_the_batch_step():
    batch = one_step(LIN, 0.1)
    accumulated = one_step(LIN, 0.1, batch_size=1, accumulate=LIN.n_samples, shuffle=False)
    np.testing.assert_allclose(accumulated, batch, rtol=1e-13, atol=1e-15)


def test_one_pass_of_per_sample_steps_is_a_different_algorithm():
    batch = one_step(LIN, 0.1)
    sgd = run(LIN, optimizers.GD(lr=0.1), LIN.n_samples, batch_size=1, shuffle=False).final_params
    assert np.abs(sgd - batch).max() > 1e-2


@settings(max_examples=30, deadline=None)
@given(batch_size=st.integers(1, 60), seed=st.integers(0, 2**16))
def test_one_epoch_accumulated_in_uneven_batches_equals_the_batch_step(batch_size, seed):
    # ceil(n / b) batches cover one shuffled epoch exactly; the last batch is
    # short unless b divides n, and size weighting must still give the mean.
    k = -(-LIN.n_samples // batch_size)
    accumulated = one_step(LIN, 0.05, batch_size=batch_size, accumulate=k, seed=seed)
    np.testing.assert_allclose(accumulated, one_step(LIN, 0.05), rtol=1e-12, atol=1e-14)


def test_mlp_accumulation_equals_the_batch_step_for_dict_params():
    net = problems.xor()
    full = run(net, optimizers.Adam(lr=0.1), 1).final_params
    acc = run(net, optimizers.Adam(lr=0.1), 1, batch_size=1, accumulate=4).final_params
    np.testing.assert_allclose(flatten(acc), flatten(full), rtol=1e-12)


def test_batch_schedule_covers_every_sample_once_per_epoch():
    rng = np.random.default_rng(0)
    gen = batch_schedule(10, 4, True, rng)
    epoch = [next(gen) for _ in range(3)]
    assert [len(b) for b in epoch] == [4, 4, 2]
    assert sorted(np.concatenate(epoch)) == list(range(10))
    nxt = np.concatenate([next(gen) for _ in range(3)])
    assert sorted(nxt) == list(range(10)) and not np.array_equal(nxt, np.concatenate(epoch))


@pytest.mark.parametrize("factor, converges", [(0.98, True), (1.05, False)])
def test_gd_on_linear_regression_converges_below_2_over_L_and_diverges_above(factor, converges):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning may leak out
        traj = run(LIN, optimizers.GD(lr=factor * 2 / LIN.lipschitz), 4000)
    if converges:
        assert traj.diverged_at is None
        np.testing.assert_allclose(traj.final_params, LIN.optimum, rtol=1e-8)
    else:
        assert traj.diverged_at is not None and traj.diverged_at < 4000
        assert traj.steps[-1] == traj.diverged_at
        assert "loss" in traj.diverged_reason and str(traj.diverged_at) in traj.diverged_reason


@pytest.mark.parametrize("cond", [4.0, 100.0])
def test_gd_on_a_quadratic_obeys_the_2_over_L_bound(cond):
    q = problems.quadratic(cond=cond, angle=20.0)
    below = run(q, optimizers.GD(lr=1.9 / q.lipschitz), 3000)
    above = run(q, optimizers.GD(lr=2.1 / q.lipschitz), 3000)
    assert below.final_loss < 1e-12 and not below.diverged
    assert above.diverged


def test_non_finite_parameters_stop_the_run_at_that_step(monkeypatch):
    # Registered in a copy of the registry, so no later test meets this broken optimizer.
    monkeypatch.setattr(optimizers.registry, "_REGISTRY", dict(optimizers.registry._REGISTRY))

    @optimizers.register("test_nan_at_3")
    class NanAtThree(optimizers.Optimizer):
        hyperparams = (optimizers.HyperParam("lr", 0.1, "step", low=0, low_open=True),)

        def update(self, p, g, bufs, t, hp):
            return (p * np.nan if t == 3 else p - hp["lr"] * g), {}

    traj = run(LIN, "test_nan_at_3", 50)
    assert traj.diverged_at == 3
    assert "non-finite" in traj.diverged_reason
    assert list(traj.steps) == [0, 1, 2, 3]


def test_same_seed_gives_bit_identical_runs_and_other_seeds_do_not():
    net = problems.relu_net()
    a = run(net, optimizers.Adam(lr=0.01), 200, batch_size=5, seed=3)
    b = run(net, optimizers.Adam(lr=0.01), 200, batch_size=5, seed=3)
    c = run(net, optimizers.Adam(lr=0.01), 200, batch_size=5, seed=4)
    assert np.array_equal(flatten(a.final_params), flatten(b.final_params))
    assert np.array_equal(a.losses, b.losses)
    assert not np.array_equal(flatten(a.final_params), flatten(c.final_params))


def test_runs_with_one_seed_share_the_start_and_the_data_order(monkeypatch):
    net = problems.relu_net()
    seen = []
    original = type(net)._value_and_grad

    def spy(self, params, idx):
        seen.append(None if idx is None else tuple(idx))
        return original(self, params, idx)

    monkeypatch.setattr(type(net), "_value_and_grad", spy)
    first = run(net, optimizers.GD(lr=0.1), 20, batch_size=4, seed=9)
    order, seen[:] = list(seen), []
    second = run(net, optimizers.Adam(lr=0.01), 20, batch_size=4, seed=9)
    assert seen == order
    assert np.array_equal(flatten({k: v[0] for k, v in first.params.items()}),
                          flatten({k: v[0] for k, v in second.params.items()}))


def test_recorded_losses_are_the_full_data_loss_at_the_recorded_params():
    traj = run(LIN, optimizers.Momentum(lr=0.01), 300, batch_size=7, record=40)
    assert len(traj.steps) <= 40 and traj.steps[0] == 0 and traj.steps[-1] == 300
    for s, p, loss in zip(traj.steps, traj.params, traj.losses):
        assert loss == pytest.approx(LIN.loss(p), rel=1e-12)
    assert traj.final_loss == pytest.approx(LIN.loss(traj.final_params))


def test_record_keeps_evenly_spaced_snapshots_with_the_last_step():
    sched = record_schedule(1_000_000, 100)
    assert len(sched) == 100 and sched[0] == 0 and sched[-1] == 1_000_000
    assert np.ptp(np.diff(sched)) <= 1
    assert list(record_schedule(3, 100)) == [0, 1, 2, 3]


def test_memory_does_not_grow_with_the_step_count():
    net = problems.mlp([4, 64, 64, 1], n=32)

    def peak(steps):
        tracemalloc.start()
        run(net, optimizers.Adam(lr=1e-3), steps, batch_size=8, record=20)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(100), peak(1000)  # 1.2 MB at 100 steps: 300 bytes kept a step would show
    assert long < 1.2 * short


def test_progress_is_reported_up_to_the_total():
    calls = []
    run(LIN, optimizers.GD(lr=0.1), 1000, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1000, 1000)
    assert 10 <= len(calls) <= 200
    assert all(a <= b for (a, _), (b, _) in zip(calls, calls[1:]))


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), r"steps: 0\. Allowed range: \[1, 1000000\]"),
    (dict(steps=2.5), "steps"),
    (dict(steps=10, batch_size=61), r"batch_size: 61\. Allowed range: \[1, 60\]"),
    (dict(steps=10, batch_size=0), "batch_size"),
    (dict(steps=10, accumulate=0), "accumulate"),
    (dict(steps=10, params0=np.zeros(3)), r"params has shape \(3,\)"),
    (dict(steps=10, record=1), "record"),
    (dict(steps=10, seed=-1), "seed"),
    (dict(steps=10, shuffle="no"), r"Invalid shuffle: 'no'\. Allowed: True or False"),
])
def test_bad_arguments_are_refused_before_any_work(kwargs, message):
    calls = []
    with pytest.raises(ValueError, match=message):
        run(LIN, optimizers.GD(lr=0.1), progress=lambda *a: calls.append(a), **kwargs)
    assert calls == []


def test_params0_of_the_wrong_structure_names_the_block():
    net = problems.xor()
    p = net.init_params(0)
    with pytest.raises(ValueError, match="b2"):
        run(net, "gd", 5, params0={k: v for k, v in p.items() if k != "b2"})
    with pytest.raises(ValueError, match="Unknown optimizer 'sgdd'"):
        run(net, "sgdd", 5)


def test_where_a_mini_batch_run_diverges_does_not_depend_on_what_is_recorded():
    # Seed 3 at lr=1.2 is a case where the full-data loss crosses the bound a
    # step before the batch loss does, so a recorded step used to move it.
    at = {run(LIN, optimizers.GD(lr=1.2), 400, batch_size=8, seed=3, record=r).diverged_at for r in (2, 7, 50, 1000)}
    assert len(at) == 1 and None not in at
