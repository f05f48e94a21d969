"""Sweep speed: one vectorised ``sweep`` against a loop of ``run`` over the same configurations.

The grid is 50 learning rates x 50 momenta of heavy-ball momentum, 500
steps, on linear regression: a stability map, so part of the grid diverges
(and stops early) on both sides. Goals: the sweep takes about a second, and
is at least 20x faster than the loop.

Looping over all 2,500 configurations would take minutes, so the loop side
runs a random subset of them and is scaled to the whole grid (the output
says so); the subset's results are checked against the sweep's. Times are
the best of several interleaved repeats: the machine is shared and noisy.
Run: ``python benchmarks/bench_sweep.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optimizers  # noqa: E402
from playground import problems, run  # noqa: E402
from playground.training.sweep import sweep  # noqa: E402

GOAL_SECONDS = 1.0
GOAL_RATIO = 20.0
N_LR, N_MOMENTUM, STEPS, SUBSET, REPEATS = 50, 50, 500, 100, 3


def measure() -> dict:
    """Time the sweep and the loop, interleaved; check the loop's results against the sweep's."""
    lin = problems.linear_regression()
    # Past the largest stable lr, (2 + 2 mu) / L, at every momentum: the map has both regions.
    lrs = np.geomspace(0.01, 4.0, N_LR) / lin.lipschitz
    momenta = np.linspace(0.0, 0.98, N_MOMENTUM)
    configs = len(lrs) * len(momenta)
    subset = np.random.default_rng(0).choice(configs, SUBSET, replace=False)

    def the_sweep():
        return sweep(lin, "momentum", lrs, momenta, steps=STEPS)

    def the_loop():
        return [run(lin, optimizers.Momentum(lr=lrs[i // N_MOMENTUM], momentum=momenta[i % N_MOMENTUM]), STEPS,
                    record=100) for i in subset]

    sweep_t, loop_t = [], []
    for _ in range(REPEATS):  # interleaved, so load changes hit both sides
        t0 = time.perf_counter()
        result = the_sweep()
        sweep_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        trajectories = the_loop()
        loop_t.append(time.perf_counter() - t0)

    for i, traj in zip(subset, trajectories):
        assert result.diverged_at[i] == (-1 if traj.diverged_at is None else traj.diverged_at), i
        assert traj.diverged or np.isclose(result.final_losses[i], traj.final_loss, rtol=1e-9), i
    best_sweep = min(sweep_t)
    best_loop = min(loop_t) * configs / SUBSET
    return {"configs": configs, "n_samples": lin.n_samples, "diverged": int(result.diverged.sum()),
            "sweep": best_sweep, "loop": best_loop, "loop_subset": min(loop_t), "ratio": best_loop / best_sweep}


def rows() -> list[dict]:
    m = measure()
    return [{"benchmark": f"looping run() / vectorised sweep: {N_LR} x {N_MOMENTUM} momentum grid, {STEPS} steps",
             "ratio": m["ratio"], "goal": f">= {GOAL_RATIO:g}x", "met": m["ratio"] >= GOAL_RATIO,
             "detail": f"sweep {m['sweep']:.2f} s (goal <= {GOAL_SECONDS:g} s), loop {m['loop']:.1f} s "
                       f"(timed on {SUBSET} configurations, scaled)"}]


def main() -> None:
    m = measure()
    configs, best_sweep, best_loop, ratio = m["configs"], m["sweep"], m["loop"], m["ratio"]
    print(f"grid: {N_LR} lr x {N_MOMENTUM} momentum = {configs} configurations of heavy-ball momentum, "
          f"{STEPS} steps, linear regression (n={m['n_samples']}); {m['diverged']} diverge")
    print(f"best of {REPEATS} repeats, interleaved; the subset's results agree with the sweep's")
    print(f"sweep (vectorised):     {best_sweep:7.2f} s   goal <= {GOAL_SECONDS:g} s: "
          f"{'met' if best_sweep <= GOAL_SECONDS else 'NOT met'}")
    print(f"loop over run():        {best_loop:7.2f} s   timed on a random {SUBSET} of the {configs} "
          f"configurations ({m['loop_subset']:.2f} s), scaled x{configs / SUBSET:g}")
    print(f"speed-up:               {ratio:7.1f} x   goal >= {GOAL_RATIO:g}x: "
          f"{'met' if ratio >= GOAL_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
