"""``playground sweep``: a grid of learning rates (x momenta) on one problem, as a stability map.

::

    playground sweep --problem linreg --opt momentum --lr-scale lipschitz --lr-range 0.01/2 \\
        --momentum-range 0/0.98 --momentum-points 50 --steps 300 --png map.png --csv map.csv
    playground sweep --problem quadratic --opt momentum --steps 200 --schedule cosine:T_max=200
    playground sweep --opt momentum --lr-points 1 --schedule one_cycle:max_lr=0.3,total_steps=200,cycle_momentum=false

The sweep is a :class:`playground.setups.sweep.SweepSetup`, the one the app's
Sweep page runs: every option below ``--opt`` comes from one of its declared
fields. Prints, per optimizer, how many configurations diverged and the best
one; ``--png`` writes :func:`playground.viz.stability_map.stability_map`,
``--csv`` one row per configuration
(:meth:`playground.training.sweep.SweepResult.to_csv`); ``--theory-png``, on a
problem with a constant Hessian, the closed-form rate map of the first
optimizer beside its measured map
(:func:`playground.viz.theory_plots.theory_beside_measured`).

``--schedule`` is written as ``playground compare --schedule`` writes it
(:data:`optimizers.schedules.GRAMMAR`) and drives every run; see
:mod:`playground.setups.sweep` for what the lr axis means with one.
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import optimizers
from optimizers.hyperparams import parse_spec

from ..setups.fields import problem_text
from ..setups.sweep import SweepSetup
from ..training.sweep import SweepResult
from ..training.theory import curvatures, refuse_schedule
from .common import (ProgressLine, add_command, add_limit_option, add_problem_options, format_table, parse_problem,
                     refuse_over, schedules_help, write_png, write_text)


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "sweep", help="a grid of learning rates (x momenta): the stability map, to PNG or CSV",
        description="Run every configuration of optimizer x learning rate (x momentum, or beta1 for\n"
                    "Adam-type optimizers) on one problem, in one vectorised pass per optimizer, and\n"
                    "draw where runs converge and where they diverge, with the theoretical bound\n"
                    "where it is known. Lists are written a/b/c.",
        examples=["playground sweep --problem linreg --opt momentum --lr-scale lipschitz \\\n"
                  "    --lr-range 0.01/2 --momentum-range 0/0.98 --momentum-points 50 --png map.png --csv map.csv",
                  "playground sweep --problem quadratic --opt momentum --steps 200 --schedule cosine:T_max=200",
                  "playground sweep --opt momentum --lr-points 1 \\\n"
                  "    --schedule one_cycle:max_lr=0.3,total_steps=200,cycle_momentum=false"],
        notes=["A --schedule drives every run, each with its own state. One derived from the optimizer's\n"
               "lr scales each configuration's, so the lr axis is the lr the schedule starts from. cyclic\n"
               "and one_cycle set their own lrs and ignore the optimizer's: they take one lr (--lr-points 1),\n"
               "and a momentum axis only with cycle_momentum=false.",
               schedules_help("the same grammar as playground compare's --schedule")])
    add_problem_options(p, default=SweepSetup.problem)
    p.add_argument("--opt", nargs="+", action="extend", metavar="NAME",
                   help=f"optimizer(s) to sweep, one of {', '.join(optimizers.available())} (default: momentum)")
    p.add_argument("--hp", metavar="K=V,...", default="",
                   help="other hyperparameters, the same for every run, e.g. nesterov=true")
    SweepSetup.add_options(p)
    p.add_argument("--png", metavar="FILE", help="write the stability map here")
    p.add_argument("--csv", metavar="FILE", help="write one row per configuration here")
    p.add_argument("--theory-png", metavar="FILE",
                   help="write the closed-form rate map beside the measured one here (gd, momentum or nesterov "
                        "on linreg or quadratic)")
    add_limit_option(p)
    p.set_defaults(run=run)


def setup(args: argparse.Namespace) -> SweepSetup:
    """The sweep the options describe, checked before any work."""
    name, settings = parse_problem(args.problem or SweepSetup.problem, args.settings)
    names = tuple(args.opt or SweepSetup.optimizers)
    for n in names:
        optimizers.get(n)  # an unknown name lists the available ones before any parsing below
    fixed = parse_spec(args.hp, optimizers.get(names[0]).hyperparams, f"optimizer {names[0]!r}")
    chosen = SweepSetup(name, settings, names, hp=fixed, **SweepSetup.fields_from_args(args))
    refuse_over(args, chosen.work(chosen.validate()), "This sweep")
    return chosen


def run(args: argparse.Namespace) -> int:
    chosen = setup(args)
    if args.theory_png:
        problem = chosen.validate()
        curvatures(problem)  # refuses a varying Hessian, and a schedule, before the sweep runs
        refuse_schedule(chosen.schedule)
    with ProgressLine("sweep") as progress:
        result = chosen.run(progress=progress)
        if args.png:
            from ..viz.stability_map import stability_map  # figures are imported when asked for (playground.cli)
            progress.status(f"drawing {args.png}")
            write_png(args.png, stability_map(result))
        if args.theory_png:
            from ..viz.theory_plots import theory_beside_measured
            progress.status(f"drawing {args.theory_png}")
            write_png(args.theory_png, theory_beside_measured(result, curvatures(problem)[0]))
    if args.csv:
        write_text(args.csv, result.to_csv())
    schedule = "" if chosen.schedule is None else f", schedule {chosen.schedule.format()}"
    print(f"{problem_text(chosen.problem, chosen.settings)}: {len(result)} configurations, "
          f"{result.run_settings['steps']} steps{schedule}, {int(result.diverged.sum())} diverged "
          f"({result.wall_time:.2f} s)")
    print(format_table(summary_rows(result)))
    return 0


def summary_rows(result: SweepResult) -> list[dict[str, Any]]:
    """Per optimizer: how many runs diverged, the best configuration, and (lr-only sweeps) the lr bound theory gives."""
    rows = []
    for name in result.optimizers:
        index = result.grid(np.arange(len(result)), name).ravel()
        losses = result.final_losses[index]
        best = None if np.isnan(losses).all() else result.configs[index[int(np.nanargmin(losses))]]
        # With a momentum axis the bound varies along it: the map draws it, one number cannot.
        bound = result.build(name, 1.0).lr_bound(result.lipschitz) if result.momenta is None else None
        rows.append({
            "optimizer": name, "runs": len(index), "diverged": int(result.diverged[index].sum()),
            "best lr": None if best is None else best.lr,
            result.momentum_label: None if best is None else best.momentum,
            "best final loss": None if best is None else float(np.nanmin(losses)),
            "lr bound (theory)": bound,
        })
    return rows
