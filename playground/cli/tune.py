"""``playground tune``: each optimizer's best learning rate (and momentum or beta1) under one budget, then a race.

::

    playground tune --problem quadratic --opt gd momentum adam --steps 300 --tol 1e-6 --png sensitivity.png

Tunes with :func:`playground.setups.tune.tune` (one vectorised sweep per
optimizer, its lr grid centred on its own default), prints the budget and
the tuned table, then races the tuned runs side by side and prints their
results, as ``playground compare`` does. ``--png`` writes the sensitivity
curves (:func:`playground.viz.tune_plots.sensitivity_figure`);
``--save-config`` the tuned comparison as JSON, for ``playground compare
--config`` or the app.
"""
from __future__ import annotations

import argparse
from typing import Any

import optimizers

from .. import problems
from ..setups.comparison import TOL, results_table
from ..setups.fields import add_option, read_option
from ..training.run_spec import SEED, STEPS
from ..setups.tune import DECADES, POINTS, tune
from .common import ProgressLine, add_command, add_problem_options, format_table, parse_problem, write_png, write_text
from .compare import COLUMNS

DEFAULT_OPTIMIZERS = ("gd", "momentum", "adam")


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "tune", help="tune each optimizer's lr (and momentum) under one budget, then race the tuned runs",
        description="Find each optimizer's best learning rate (and momentum, or beta1) on one problem: the\n"
                    "fewest steps to reach --tol and stay there, else the lowest final loss. Every\n"
                    "optimizer gets the same steps, seed and number of grid points; its lr grid is\n"
                    "logarithmic around its own default. Then race the tuned runs side by side.",
        examples=["playground tune --problem quadratic --opt gd momentum nesterov adam rmsprop adadelta \\\n"
                  "    --steps 300 --tol 1e-6 --png sensitivity.png"])
    add_problem_options(p, default="quadratic")
    p.add_argument("--opt", nargs="+", action="extend", metavar="NAME",
                   help=f"optimizers to tune, of {', '.join(optimizers.available())} "
                        f"(default: {' '.join(DEFAULT_OPTIMIZERS)})")
    for f in (STEPS, SEED, TOL):
        add_option(p, f)
    p.add_argument("--points", type=int, default=POINTS,
                   help=f"configurations per optimizer, a multiple of 4 (the momenta) (default: {POINTS})")
    p.add_argument("--decades", type=float, default=DECADES,
                   help=f"the lr grid spans this many decades either side of each default (default: {DECADES:g})")
    p.add_argument("--png", metavar="FILE", help="write the sensitivity curves (loss against lr) here")
    p.add_argument("--save-config", metavar="FILE", help="write the tuned comparison as JSON the app can import")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    name, settings = parse_problem(args.problem or "quadratic", args.settings)
    names = tuple(args.opt or DEFAULT_OPTIMIZERS)
    values = {f.name: read_option(args, f) for f in (STEPS, SEED, TOL)}
    steps, seed, tol = (values[f.name] if values[f.name] is not None else f.default for f in (STEPS, SEED, TOL))
    problem = problems.create(name, **settings)
    with ProgressLine("tune") as progress:
        progress.status(f"tuning {len(names)} optimizers")
        result = tune(problem, names, steps, tol, points=args.points, seed=seed, decades=args.decades)
        if args.png:
            from ..viz.tune_plots import sensitivity_figure  # figures are imported when asked for (playground.cli)
            progress.status(f"drawing {args.png}")
            write_png(args.png, sensitivity_figure(result))
        cmp = result.comparison()
        progress.status("racing the tuned runs")
        trajectories = cmp.run()
    print(f"{name}: tuned {len(result.tuned)} optimizers in {result.wall_time:.2f} s. Budget: {result.budget}")
    print(format_table(result.table()))
    print()
    print("Race of the tuned runs:")
    print(format_table(results_table(cmp.build_problem(), trajectories, cmp.tol), COLUMNS))
    if args.save_config:
        write_text(args.save_config, cmp.to_json())
    return 0
