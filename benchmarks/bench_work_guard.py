"""The work guard against the clock: each estimate of :mod:`playground.setups.cost` beside the time it measures.

The app refuses work estimated past ``cost.LIMIT`` seconds, so the estimate
must track this machine. For a spread of comparisons, sweeps and contour
planes (the four that used to pass the old multiply-add count and then ran for
8 to 77 s among them), this prints the estimate, the measured time and their
ratio. The machine is shared: other processes slow numpy 2-3x, and threaded
BLAS calls (least squares' products, an MLP's thin matrix products) 10-30x,
since a BLAS thread then waits for a busy core. The constants are set between
the quiet and the loaded times, nearer the loaded ones, where the 8 to 77 s
were measured: on a quiet machine every ratio is above 1 (no slow work slips
through), under load near or below 1. Goal: every ratio in [0.3, 30].

The heavy configurations run with fewer steps (or samples, for the planes)
than the ones they stand for: estimate and time are both linear in them, so
the ratio is that of the full configuration, whose estimate is printed too.
Times are the best of ``REPEATS``; the machine is shared and noisy.

A last row measures the peak memory of the largest sweep ``SweepSetup.validate``
allows against ``cost.sweep_bytes``, in a subprocess (``ru_maxrss``).
Run: ``python benchmarks/bench_work_guard.py``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_runner import best_of  # noqa: E402  (the benchmarks' directory is on sys.path, as for run.py)
from playground.setups import cost  # noqa: E402
from playground.setups.comparison import Comparison  # noqa: E402
from playground.setups.sweep import SweepSetup  # noqa: E402
from playground.training import projection  # noqa: E402

GOAL = (0.3, 30.0)
REPEATS = 2
MEMORY_GOAL = (0.5, 1.5)


def comparison_rows() -> Iterator[tuple[str, float, float, float]]:
    """(label, full estimate, estimate of what ran, measured) per comparison."""
    cases = [("default comparison", {}, None), ("relu-net n=100000", {"problem": "relu-net:n=100000"}, 10),
             ("sin-mlp width=8 n=20000", {"problem": "sin-mlp:width=8,n=20000"}, 10),
             ("linreg n=100000", {"problem": "linreg:n=100000"}, 50),
             ("linreg n=1000, 2000 steps, batch 10", {"problem": "linreg:n=1000", "steps": "2000",
                                                      "run": ["gd:lr=0.1,batch_size=10", "adam:lr=0.1,batch_size=10"]},
              None),
             ("mlp width 64 depth 3, 300 steps", {"problem": "mlp:width=64,depth=3", "steps": "300"}, None),
             ("mlp width 256 depth 6", {"problem": "mlp:width=256,depth=6"}, 20),
             ("rosenbrock, 5000 steps", {"problem": "rosenbrock", "steps": "5000"}, None)]
    for label, query, steps in cases:
        cmp = Comparison.from_query(query)
        problem = cmp.validate()
        full = cmp.work(problem).seconds
        small = cmp if steps is None else replace(cmp, steps=steps)
        yield label, full, small.work(problem).seconds, best_of(small.run, REPEATS)


def sweep_rows() -> Iterator[tuple[str, float, float, float]]:
    cases = [("default sweep", SweepSetup(), None),
             ("200 x 200 momentum on rosenbrock, 20000 steps",
              SweepSetup("rosenbrock", lr_range=(1e-5, 1e-3), lr_points=200, momentum_points=200, steps=20_000), 100),
             ("100 x 20 adam on mlp, 200 steps", SweepSetup("mlp", optimizers="adam", lr_points=100,
                                                            momentum_points=20, steps=200), 20),
             ("300 gd on linreg n=10000", SweepSetup("linreg", {"n": 10_000}, optimizers="gd", lr_range=(1e-4, 0.1),
                                                     lr_points=300, steps=200), 50)]
    for label, setup, steps in cases:
        problem = setup.validate()
        small = setup if steps is None else replace(setup, steps=steps)
        yield label, setup.work(problem).seconds, small.work(problem).seconds, best_of(small.run, REPEATS)


def plane_rows() -> Iterator[tuple[str, float, float, float]]:
    """The contour plane: measured on fewer samples (``n``) than the case it stands for."""
    cases = [("relu-net n=100000", "relu-net", 100_000, 5_000), ("sin-mlp width=8 n=20000", "sin-mlp", 20_000, 2_000),
             ("linreg n=100000", "linreg", 100_000, 10_000), ("default linreg", "linreg", 100, 100)]
    for label, name, n, measured_n in cases:
        settings = {"n": n} | ({"width": 8} if name == "sin-mlp" else {})
        cmp = Comparison(name, settings, steps=20)
        full = cost.plane(cmp.validate()).seconds
        small = replace(cmp, settings={**settings, "n": measured_n})
        problem, runs = small.validate(), small.run()
        yield label, full, cost.plane(problem).seconds, best_of(lambda: projection.run_plane(problem, runs), REPEATS)


#: Run in a subprocess, so that its peak is its own: the largest sweep validate() allows, for one step.
_PEAK = """
import json, resource, sys
from playground.setups import cost
from playground.setups.sweep import SweepSetup
setup = SweepSetup("relu-net", lr_points=480, momentum_points=480, steps=1)  # 1.9 of the 2 GiB
problem = setup.validate()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
setup.run()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"estimate": cost.sweep_bytes(setup, problem), "peak": (after - before) * 1024,
                  "runs": setup.configs()}))
"""


def memory_row() -> dict:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True, cwd=root)
    if done.returncode:
        raise RuntimeError(f"the peak-memory subprocess failed:\n{done.stderr}")
    out = json.loads(done.stdout)
    ratio = out["estimate"] / out["peak"]
    return {"benchmark": f"work guard: peak memory of the largest allowed sweep ({out['runs']:,} runs of relu-net)",
            "ratio": ratio, "goal": f"estimate/peak in [{MEMORY_GOAL[0]}, {MEMORY_GOAL[1]}]",
            "met": MEMORY_GOAL[0] <= ratio <= MEMORY_GOAL[1],
            "detail": f"estimate {out['estimate'] / 2**30:.2f} GiB, peak {out['peak'] / 2**30:.2f} GiB, ceiling "
                      f"{cost.MEMORY_LIMIT / 2**30:g} GiB"}


def each_row() -> Iterator[dict]:
    """Rows for ``benchmarks/run.py``, one at a time: estimate / measured per configuration, then the sweep's peak."""
    for kind, measure in (("comparison", comparison_rows), ("sweep", sweep_rows), ("plane", plane_rows)):
        for label, full, estimate, measured in measure():
            ratio = estimate / measured
            yield {"benchmark": f"work guard: {kind} {label}", "ratio": ratio,
                   "goal": f"estimate/measured in [{GOAL[0]}, {GOAL[1]}]", "met": GOAL[0] <= ratio <= GOAL[1],
                   "detail": f"estimate {estimate:.2f} s, measured {measured:.2f} s; full size {full:.1f} s "
                             f"({'refused' if full > cost.LIMIT else 'allowed'})"}
    yield memory_row()


def rows() -> list[dict]:
    return list(each_row())


def main() -> None:
    print(f"{'benchmark':78} {'ratio':>6}  met  detail")
    for r in each_row():
        print(f"{r['benchmark']:78} {r['ratio']:6.2f}  {'yes' if r['met'] else 'NO ':3}  {r['detail']}", flush=True)


if __name__ == "__main__":
    main()
