"""Tuning speed: six optimizers tuned on a 2-D problem, one vectorised sweep each.

Six optimizers (gd, momentum, nesterov, adam, rmsprop, adadelta), 48
configurations each, 300 steps, every step recorded, on the ill-conditioned
quadratic. Goal: under 2 s. The time is the best of a few repeats (the
machine is shared and noisy), reported as an absolute time beside its goal, as
the app's time goals are. Run: ``python benchmarks/bench_tune.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground import problems  # noqa: E402
from playground.setups.tune import POINTS, tune  # noqa: E402

GOAL_SECONDS = 2.0
OPTIMIZERS = ("gd", "momentum", "nesterov", "adam", "rmsprop", "adadelta")
STEPS, REPEATS = 300, 3


def measure() -> float:
    """The best wall time of tuning the six optimizers, in seconds."""
    problem = problems.quadratic()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        tune(problem, OPTIMIZERS, STEPS, 1e-6)
        times.append(time.perf_counter() - t0)
    return min(times)


def rows() -> list[dict]:
    best = measure()
    return [{"benchmark": f"tune {len(OPTIMIZERS)} optimizers on the 2-D quadratic: {POINTS} configurations each, "
                          f"{STEPS} steps", "measured": f"{best:.2f} s", "goal": f"<= {GOAL_SECONDS:g} s",
             "met": best <= GOAL_SECONDS, "detail": f"best of {REPEATS} repeats; one sweep per optimizer, every step recorded"}]


def main() -> None:
    best = measure()
    print(f"tune {', '.join(OPTIMIZERS)} on the quadratic, {POINTS} configurations each, {STEPS} steps: "
          f"{best:.2f} s (best of {REPEATS}); goal <= {GOAL_SECONDS:g} s: {'met' if best <= GOAL_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
