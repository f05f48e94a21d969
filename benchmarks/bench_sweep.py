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
from playground.sweep import sweep  # noqa: E402

GOAL_SECONDS = 1.0
GOAL_RATIO = 20.0
N_LR, N_MOMENTUM, STEPS, SUBSET, REPEATS = 50, 50, 500, 100, 3


def main() -> None:
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
    ratio = best_loop / best_sweep
    print(f"grid: {N_LR} lr x {N_MOMENTUM} momentum = {configs} configurations of heavy-ball momentum, "
          f"{STEPS} steps, linear regression (n={lin.n_samples}); {int(result.diverged.sum())} diverge")
    print(f"best of {REPEATS} repeats, interleaved; the subset's results agree with the sweep's")
    print(f"sweep (vectorised):     {best_sweep:7.2f} s   goal <= {GOAL_SECONDS:g} s: "
          f"{'met' if best_sweep <= GOAL_SECONDS else 'NOT met'}")
    print(f"loop over run():        {best_loop:7.2f} s   timed on a random {SUBSET} of the {configs} "
          f"configurations ({min(loop_t):.2f} s), scaled x{configs / SUBSET:g}")
    print(f"speed-up:               {ratio:7.1f} x   goal >= {GOAL_RATIO:g}x: "
          f"{'met' if ratio >= GOAL_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
