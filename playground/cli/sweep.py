"""``playground sweep``: a grid of learning rates (x momenta) on one problem, as a stability map.

::

    playground sweep --problem linreg --opt momentum --lr-scale lipschitz --lr-min 0.01 --lr-max 2 \\
        --momenta 0:0.98:50 --steps 300 --png map.png --csv map.csv

Prints, per optimizer, how many configurations diverged and the best one;
``--png`` writes :func:`playground.viz.stability_map.stability_map`, ``--csv``
one row per configuration (:meth:`playground.training.sweep.SweepResult.to_csv`).
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import optimizers

from .. import problems
from optimizers.hyperparams import parse_spec
from ..problems import Problem
from ..training.stability import lr_bound
from ..viz.stability_map import stability_map
from ..training.sweep import SweepResult, sweep
from .common import ProgressLine, add_problem_options, format_table, parse_problem, write_png, write_text

#: Values per grid axis at most: 1000 x 1000 runs of an MLP would not fit in memory.
MAX_AXIS = 1000
#: The lr range when none is given, per --lr-scale.
DEFAULT_LR_RANGE = {"absolute": (1e-4, 1.0), "lipschitz": (0.01, 2.0)}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sweep", help="a grid of learning rates (x momenta): the stability map, to PNG or CSV",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every configuration of optimizer x learning rate (x momentum, or beta1 for\n"
                    "Adam-type optimizers) on one problem, in one vectorised pass per optimizer, and\n"
                    "draw where runs converge and where they diverge, with the theoretical bound\n"
                    "where it is known.",
        epilog="example:\n  playground sweep --problem linreg --opt momentum --lr-scale lipschitz \\\n"
               "      --momenta 0:0.98:50 --png map.png --csv map.csv")
    add_problem_options(p, default="linreg")
    p.add_argument("--opt", nargs="+", action="extend", metavar="NAME",
                   help=f"optimizer(s) to sweep, one of {', '.join(optimizers.available())} (default: momentum)")
    p.add_argument("--lr-min", type=float, help="smallest learning rate (default: 1e-4, or 0.01 x 2/L)")
    p.add_argument("--lr-max", type=float, help="largest learning rate (default: 1, or 2 x 2/L)")
    p.add_argument("--lr-num", type=int, default=40,
                   help="learning rates, log-spaced from --lr-min to --lr-max (default: 40)")
    p.add_argument("--lr-scale", choices=("absolute", "lipschitz"), default="absolute",
                   help="'lipschitz': --lr-min/--lr-max are multiples of 2/L, the largest stable GD step "
                        "(problems with a constant curvature L only; default: absolute)")
    p.add_argument("--momenta", metavar="START:STOP:NUM|A,B,...",
                   help="the momentum (or beta1) axis: NUM evenly spaced values from START to STOP, or a list; "
                        "absent: sweep the learning rate alone")
    p.add_argument("--hp", metavar="K=V,...", default="",
                   help="other hyperparameters, the same for every run, e.g. nesterov=true")
    p.add_argument("--steps", type=int, default=200, help="steps per run (default: 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the start and of the mini-batch order (default: 0)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default: full batch)")
    p.add_argument("--accumulate", type=int, default=1, help="mini-batches averaged into one step (default: 1)")
    p.add_argument("--no-shuffle", action="store_true", help="take mini-batches in data order")
    p.add_argument("--png", metavar="FILE", help="write the stability map here")
    p.add_argument("--csv", metavar="FILE", help="write one row per configuration here")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    name, settings = parse_problem(args.problem or "linreg", args.settings)
    problem = problems.create(name, **settings)
    names = args.opt or ["momentum"]
    for n in names:
        optimizers.get(n)  # an unknown name lists the available ones before any parsing below
    lrs = lr_axis(problem, args.lr_min, args.lr_max, args.lr_num, args.lr_scale)
    momenta = None if args.momenta is None else momentum_axis(args.momenta)
    fixed = parse_spec(args.hp, optimizers.get(names[0]).hyperparams, f"optimizer {names[0]!r}")
    with ProgressLine("sweep") as progress:
        result = sweep(problem, names, lrs, momenta, steps=args.steps, batch_size=args.batch_size,
                       accumulate=args.accumulate, shuffle=not args.no_shuffle, seed=args.seed,
                       fixed_hyperparams=fixed, progress=progress)
        if args.png:
            progress.status(f"drawing {args.png}")
            write_png(args.png, stability_map(result))
    if args.csv:
        write_text(args.csv, result.to_csv())
    print(f"{result.problem}: {len(result)} configurations, {result.settings['steps']} steps, "
          f"{int(result.diverged.sum())} diverged ({result.wall_time:.2f} s)")
    print(format_table(summary_rows(result)))
    return 0


def lr_axis(problem: Problem, lr_min: float | None, lr_max: float | None, num: int, scale: str) -> np.ndarray:
    """``num`` log-spaced learning rates; with ``scale="lipschitz"`` the bounds are multiples of 2/L."""
    low, high = DEFAULT_LR_RANGE[scale]
    low, high = low if lr_min is None else lr_min, high if lr_max is None else lr_max
    if not (np.isfinite(low) and low > 0):
        raise ValueError(f"Invalid --lr-min: {low:g}. Allowed range: (0, inf)")
    if not (np.isfinite(high) and high >= low):
        raise ValueError(f"Invalid --lr-max: {high:g}. Allowed range: [--lr-min = {low:g}, inf)")
    _check_count("--lr-num", num)
    unit = 1.0
    if scale == "lipschitz":
        if problem.lipschitz is None:
            raise ValueError(f"--lr-scale lipschitz needs a constant curvature L, and {problem.name!r} has none "
                             "(its Hessian varies): give absolute learning rates")
        unit = 2.0 / problem.lipschitz
    return np.geomspace(low, high, num) * unit


def momentum_axis(text: str) -> np.ndarray:
    """``"0:0.98:50"`` (NUM values from START to STOP, both included), ``"0,0.5,0.9"`` or ``"0.9"``."""
    parts = text.split(":")
    if len(parts) == 3:
        start, stop = (_number("--momenta", t) for t in parts[:2])
        try:
            num = int(parts[2])
        except ValueError:
            raise ValueError(f"Invalid --momenta count: {parts[2]!r}. Expected a whole number, "
                             "as in START:STOP:NUM, e.g. 0:0.98:50") from None
        _check_count("--momenta count", num)
        return np.linspace(start, stop, num)
    if len(parts) != 1:
        raise ValueError(f"Invalid --momenta: {text!r}. Write START:STOP:NUM (e.g. 0:0.98:50) or a list (0,0.5,0.9)")
    return np.array([_number("--momenta", t) for t in text.split(",")])


def summary_rows(result: SweepResult) -> list[dict[str, Any]]:
    """Per optimizer: how many runs diverged, the best configuration, and (lr-only sweeps) the lr bound theory gives."""
    rows = []
    for name in result.optimizers:
        index = result.grid(np.arange(len(result)), name).ravel()
        losses = result.final_losses[index]
        best = None if np.isnan(losses).all() else result.configs[index[int(np.nanargmin(losses))]]
        # With a momentum axis the bound varies along it: the map draws it, one number cannot.
        bound = lr_bound(result.build(name, 1.0), result.lipschitz) if result.momenta is None else None
        rows.append({
            "optimizer": name, "runs": len(index), "diverged": int(result.diverged[index].sum()),
            "best lr": None if best is None else best.lr,
            result.momentum_label: None if best is None else best.momentum,
            "best final loss": None if best is None else float(np.nanmin(losses)),
            "lr bound (theory)": bound,
        })
    return rows


def _number(option: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"Invalid {option}: {text!r} is not a number") from None


def _check_count(option: str, num: int) -> None:
    if not 1 <= num <= MAX_AXIS:
        raise ValueError(f"Invalid {option}: {num}. Allowed range: [1, {MAX_AXIS}]")
