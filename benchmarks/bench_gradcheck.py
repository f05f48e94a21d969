"""How much faster the batched full gradient check and the random-direction check are than the per-entry loop.

Problem: ``playground.problems.mlp(sizes=[4, 32, 32, 1], hidden="relu",
output="sigmoid", loss="bce", n=64, seed=0)``, float64, 1249 parameters, at
``init_params(0)``. The per-entry loop is ``gradcheck(..., batched=False)``
(central differences: 2 calls of the loss per entry); the full batched check is
the same check with ``batched=True``; the random check is ``method="random"``.

The checks run interleaved in one process, ``--repeats`` times each, and each
one's best time counts: the run least disturbed by other work on the machine.
The goal is a full batched check at least 5x faster than the loop.

    python benchmarks/bench_gradcheck.py [--repeats 7] [--batch-sizes 1 4 8 16 64]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground import problems  # noqa: E402
from playground.gradcheck import gradcheck  # noqa: E402
from playground.gradcheck.evaluate import Evaluator  # noqa: E402

GOAL = 5.0


def best_times(runs: dict, repeats: int) -> dict:
    """Best wall time of each callable in ``runs``, calling them in turn ``repeats`` times."""
    best = dict.fromkeys(runs, np.inf)
    for _ in range(repeats):
        for name, run in runs.items():
            t = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="runs of each check; the best counts (default 7)")
    ap.add_argument("--batch-sizes", type=int, nargs="*", default=[1, 2, 4, 8, 16, 64, 256],
                    help="also time the batched check at these chunk sizes (none: skip)")
    args = ap.parse_args(argv)

    pb = problems.mlp(sizes=[4, 32, 32, 1], hidden="relu", output="sigmoid", loss="bce", n=64, seed=0)
    params = pb.init_params(0)
    f, grad = pb.loss, pb.grad
    default_chunk = Evaluator(f, params, batched=True).batch_size

    # First runs, untimed: the reports, and the page faults each check costs
    # (a loss whose temporaries are fresh mmaps each call can spend more time
    # in faults than in arithmetic; that is what limits large chunks).
    faults = {}
    for name, kw in (("loop", {}), ("batched", {"batched": True}), ("random", {"method": "random", "batched": True})):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        faults[name] = (gradcheck(f, grad, params, **kw), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    loop, batched, rand = (faults[k][0] for k in ("loop", "batched", "random"))
    diff = max(float(np.max(np.abs(batched.numeric[k] - loop.numeric[k]))) for k in params)

    t = best_times({
        "loop": lambda: gradcheck(f, grad, params),
        "batched": lambda: gradcheck(f, grad, params, batched=True),
        "random": lambda: gradcheck(f, grad, params, method="random", batched=True),
    }, args.repeats)

    print(f"problem: {pb.title}, {pb.n_samples} samples: {pb.dim} parameters, float64")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; best of {args.repeats} runs")
    print(f"  per-entry loop      (central, batched=False)     {loop.n_evals:5d} evaluations  "
          f"{t['loop'] * 1e3:8.1f} ms                {faults['loop'][1]:6d} page faults")
    print(f"  full batched check  (central, chunks of {default_chunk:<4d})      {batched.n_evals:5d} evaluations  "
          f"{t['batched'] * 1e3:8.1f} ms  {t['loop'] / t['batched']:6.1f}x faster  "
          f"{faults['batched'][1]:6d} page faults")
    print(f"  random directions   (4 per block, batched)       {rand.n_evals:5d} evaluations  "
          f"{t['random'] * 1e3:8.1f} ms  {t['loop'] / t['random']:6.1f}x faster  {faults['random'][1]:6d} page faults")
    print(f"  same numbers: verdicts {loop.verdict}/{batched.verdict}/{rand.verdict}, "
          f"max |numeric batched - numeric loop| = {diff:.1e}")
    ratio = t["loop"] / t["batched"]
    print(f"goal: full batched check >= {GOAL:g}x the per-entry loop: "
          f"{'met' if ratio >= GOAL else 'NOT met'} ({ratio:.1f}x); "
          f"random check: {'met' if t['loop'] / t['random'] >= GOAL else 'NOT met'} ({t['loop'] / t['random']:.0f}x)")

    if args.batch_sizes:
        sizes = {b: (lambda b=b: gradcheck(f, grad, params, batched=True, batch_size=b)) for b in args.batch_sizes}
        first_faults = {}
        for b, run in sizes.items():
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            run()
            first_faults[b] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        tb = best_times({"loop": lambda: gradcheck(f, grad, params), **sizes}, args.repeats)
        print("full batched check by chunk size: best speed-up over the loop (page faults of its first run).")
        print("  Large chunks fault on every call until the process has once freed a block larger than f's")
        print("  temporaries (glibc then raises its mmap threshold); the best-of times below are mostly after that.")
        print("  " + "  ".join(f"{b}: {tb['loop'] / tb[b]:.1f}x ({first_faults[b]})" for b in args.batch_sizes))


if __name__ == "__main__":
    main()
