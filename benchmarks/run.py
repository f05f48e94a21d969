"""The benchmark suite: one table of ratios, each measured within this run, beside its goal.

::

    python benchmarks/run.py        # a Markdown table, for the README's Performance section

Ratios rather than times: both sides of each ratio run in this process, under
the same load, so the figure means the same on a laptop and on a busy CI
machine. Each ``bench_*`` module keeps working on its own and exposes the rows
it contributes here: dicts with ``benchmark``, ``ratio`` (or, for the app's
absolute time goals, ``measured``), ``goal``, ``met`` and ``detail``. The
whole suite runs in about two minutes (the work guard's rows take about a minute).
"""
from __future__ import annotations

import os
import platform
import sys
import time
from typing import Callable

import numpy as np

# The script's own directory is on sys.path, so the bench_* modules import by name.
import bench_app
import bench_gradcheck
import bench_runner
import bench_sweep
import bench_tune
import bench_work_guard

SUITES: list[tuple[str, Callable[[], list[dict]]]] = [
    ("runner speed", bench_runner.rows),
    ("runner memory", bench_runner.memory_rows),
    ("schedule overhead", bench_runner.schedule_rows),
    ("sweep", bench_sweep.rows),
    ("tune", bench_tune.rows),
    ("gradcheck", bench_gradcheck.rows),
    ("app", bench_app.rows),
    ("work guard", bench_work_guard.rows),
]


def markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table: benchmark, measured ratio (or time), goal, whether it is met, details."""
    lines = ["| benchmark | measured | goal | met | details |", "|---|---:|---|---|---|"]
    lines += [f"| {r['benchmark']} | {r.get('measured') or format(r['ratio'], '.2f') + 'x'} | {r['goal']} | "
              f"{'yes' if r['met'] else '**no**'} | {r['detail']} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    start = time.perf_counter()
    rows = []
    for name, suite in SUITES:
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows += suite()
    elapsed = time.perf_counter() - start
    print(markdown(rows))
    print()
    print(f"{sum(r['met'] for r in rows)} of {len(rows)} goals met; measured in {elapsed:.0f} s with Python "
          f"{platform.python_version()}, numpy {np.__version__}, on {platform.machine()} with "
          f"{os.cpu_count()} CPUs.")


if __name__ == "__main__":
    main()
