"""Runner overhead: steps per second of ``playground.run`` against a hand-written numpy loop; and its memory.

Both sides do the same work each step: the full-batch loss and gradient, the
update, the checks that catch divergence (loss and parameters finite, loss
bounded), and a record of the loss and parameters at the same evenly spaced
steps (``record`` snapshots, as plotting a trajectory needs). The ratio is
the framework's overhead: the problem and optimizer abstractions, the pure
step's state, and the runner's bookkeeping. Goal: at most 1.5x the
hand-written loop.

Memory: the peak (tracemalloc) of a run of a 10k-parameter MLP with ``record``
bounded, over 10x more steps against fewer. Goal: flat (ratio ~1), so a
million steps need no more memory than a thousand.

Schedule overhead: the same MLP run with a learning-rate schedule against
without one (cosine; one_cycle, which also cycles beta1). Goal: at most 5%
more time per step. A second run without a schedule, timed alongside, gives
the ratio that noise alone makes (shown in the details).

Times are the best of several interleaved repeats, so the machine's noise
hits both sides alike. Run: ``python benchmarks/bench_runner.py``.
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizers  # noqa: E402
from playground import problems, run  # noqa: E402

GOAL = 1.5
SCHEDULE_GOAL = 1.05
MEMORY_GOAL = 1.05
RECORD = 1000  # snapshots kept by both sides


def hand_gd_linreg(problem, lr, steps):
    X, y, theta = problem.X, problem.y, problem.init_params()
    n = len(y)
    every = max(1, steps // RECORD)
    bound = 1e8 * max(1.0, float(np.mean((X @ theta - y) ** 2)))
    thetas, losses = [], []
    for k in range(steps):
        r = X @ theta - y
        loss = r @ r / n
        if not (np.isfinite(loss) and loss <= bound and np.isfinite(theta.sum())):
            break
        if k % every == 0:
            thetas.append(theta.copy())
            losses.append(loss)
        theta = theta - lr * (2.0 / n) * (r @ X)
    return theta


def hand_adam_mlp(problem, lr, steps, b1=0.9, b2=0.999, eps=1e-8):
    """[4, h, h, 1] ReLU/sigmoid with cross-entropy and Adam, written out by hand."""
    X, y = problem.X, problem.y
    p = problem.init_params(0)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    n = len(y)
    every = max(1, steps // RECORD)
    snapshots, losses = [], []
    for t in range(1, steps + 1):
        z1 = X @ p["W1"].T + p["b1"]
        a1 = np.maximum(z1, 0)
        z2 = a1 @ p["W2"].T + p["b2"]
        a2 = np.maximum(z2, 0)
        z3 = a2 @ p["W3"].T + p["b3"]
        a3 = 1 / (1 + np.exp(-z3))
        loss = np.mean(np.logaddexp(0, z3) - y * z3)
        if not (np.isfinite(loss) and loss <= 1e8 and all(np.isfinite(x.sum()) for x in p.values())):
            break
        if (t - 1) % every == 0:
            snapshots.append({k: x.copy() for k, x in p.items()})
            losses.append(loss)
        dz3 = (a3 - y) / n
        dz2 = (dz3 @ p["W3"]) * (z2 > 0)
        dz1 = (dz2 @ p["W2"]) * (z1 > 0)
        g = {"W3": dz3.T @ a2, "b3": dz3.sum(0), "W2": dz2.T @ a1, "b2": dz2.sum(0), "W1": dz1.T @ X,
             "b1": dz1.sum(0)}
        for k in p:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
            p[k] = p[k] - lr / (1 - b1**t) * m[k] / (np.sqrt(v[k] / (1 - b2**t)) + eps)
    return p


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_time(fn):
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def measure(name, runner_fn, hand_fn, steps, repeats=11):
    runner_t, hand_t = [], []
    for _ in range(repeats):  # interleaved, so load changes hit both sides
        hand_t.append(best_of(hand_fn, 1))
        runner_t.append(best_of(runner_fn, 1))
    r, h = min(runner_t), min(hand_t)
    return {"benchmark": f"runner / hand-written loop: {name}", "runner steps/s": steps / r,
            "hand steps/s": steps / h, "ratio": r / h, "goal": f"<= {GOAL}x", "met": r / h <= GOAL,
            "detail": f"{steps / r:,.0f} vs {steps / h:,.0f} steps/s"}


def rows() -> list[dict]:
    out = []
    for n in (100, 1000):
        lin = problems.linear_regression(n=n)
        lr = 1.0 / lin.lipschitz
        steps = 4000
        out.append(measure(f"GD, linear regression n={n}",
                           lambda: run(lin, optimizers.GD(lr=lr), steps, record=RECORD),
                           lambda: hand_gd_linreg(lin, lr, steps),
                           steps))
    net = problems.mlp([4, 32, 32, 1], n=64)
    steps = 1000
    out.append(measure("Adam, MLP [4, 32, 32, 1], 64 samples",
                       lambda: run(net, optimizers.Adam(lr=1e-3), steps, record=RECORD),
                       lambda: hand_adam_mlp(net, 1e-3, steps),
                       steps))
    return out


def schedule_rows(repeats: int = 41, steps: int = 200) -> list[dict]:
    """Time per step of the MLP row's run with a cosine schedule and with one_cycle (which also cycles beta1)
    against the same run without one.

    Many short runs, timed in CPU time (``time.process_time``): a 5%
    difference is smaller than a loaded machine's swings in wall time, which
    CPU time leaves out. Each repeat runs every variant, in an order that
    turns round from one repeat to the next, so load that changes within a
    repeat falls on each alike; each variant keeps its best. The run without
    a schedule is timed twice over: the better is the baseline, and how far
    apart the two are is the noise floor, the ratio no code change made.
    """
    net = problems.mlp([4, 32, 32, 1], n=64)
    schedules = {"none": None, "none again": None,
                 **{s.name: s for s in map(optimizers.schedules.parse,
                                           (f"cosine:T_max={steps}", f"one_cycle:max_lr=0.01,total_steps={steps}"))}}
    times: dict[str, list[float]] = {name: [] for name in schedules}
    for i in range(repeats):
        for name in list(schedules)[::1 if i % 2 else -1]:
            times[name].append(cpu_time(lambda: run(net, optimizers.Adam(lr=1e-3), steps, record=RECORD,
                                                    schedule=schedules[name])))
    best = {name: min(t) for name, t in times.items()}
    plain = min(best["none"], best["none again"])
    noise = max(best["none"], best["none again"]) / plain
    out = []
    for name in list(schedules)[2:]:
        ratio = best[name] / plain
        out.append({"benchmark": f"schedule / none: Adam, MLP [4, 32, 32, 1], 64 samples, {name}",
                    "ratio": ratio, "goal": f"<= {SCHEDULE_GOAL}x", "met": ratio <= SCHEDULE_GOAL,
                    "detail": f"{steps / best[name]:,.0f} vs {steps / plain:,.0f} steps per CPU second; noise "
                              f"floor {noise:.3f}x (none / none)"})
    return out


def peak_bytes(problem, steps, record):
    """Peak traced memory of one Adam run of ``steps`` steps keeping ``record`` snapshots."""
    tracemalloc.start()
    try:
        run(problem, optimizers.Adam(lr=1e-3), steps, record=record)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_rows(steps: int = 300, record: int = 100, target: int = 1_000_000) -> list[dict]:
    """Peak memory at ``10 * steps`` against ``steps`` steps, and the peak extrapolated to ``target`` steps.

    tracemalloc slows numpy's allocations about threefold, so the run is short
    (n=8 samples keep each step cheap); the growth per step measured between
    the two lengths, carried on to ``target`` steps, gives the extrapolation.
    """
    net = problems.create("mlp", width=97, n=8)  # 10,089 parameters
    short, long = peak_bytes(net, steps, record), peak_bytes(net, 10 * steps, record)
    per_step = max(0, long - short) / (9 * steps)
    at_target = long + per_step * (target - 10 * steps)
    ratio = long / short
    return [{"benchmark": f"peak memory, {10 * steps:,} / {steps:,} steps: {net.dim:,}-parameter MLP, "
                          f"record={record}",
             "ratio": ratio, "goal": f"<= {MEMORY_GOAL}x", "met": ratio <= MEMORY_GOAL,
             "detail": f"{short / 1e6:.2f} vs {long / 1e6:.2f} MB; {target:,} steps extrapolate to "
                       f"{at_target / 1e6:.2f} MB"}]


def main() -> None:
    print(f"{'benchmark':68} {'runner steps/s':>15} {'hand steps/s':>13} {'ratio':>6}  goal     met")
    for r in rows():
        print(f"{r['benchmark']:68} {r['runner steps/s']:15,.0f} {r['hand steps/s']:13,.0f} {r['ratio']:6.2f}  "
              f"{r['goal']:8} {'yes' if r['met'] else 'NO'}")
    for r in schedule_rows():
        print(f"{r['benchmark']}: {r['ratio']:.3f}x (goal {r['goal']}: {'yes' if r['met'] else 'NO'}); "
              f"{r['detail']}")
    for r in memory_rows():
        print(f"{r['benchmark']}: {r['ratio']:.3f}x (goal {r['goal']}: {'yes' if r['met'] else 'NO'}); "
              f"{r['detail']}")


if __name__ == "__main__":
    main()
