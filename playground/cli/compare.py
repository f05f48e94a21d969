"""``playground compare``: optimizers side by side on one problem, as a table, figures, a GIF and CSV.

::

    playground compare --problem rosenbrock --opt adam:lr=0.05 --opt momentum:lr=0.001 --steps 300 --gif out.gif
    playground compare --problem quadratic --opt momentum:lr=0.1 --schedule one_cycle:max_lr=0.3,total_steps=200
    playground compare --config comparison.json --png figures/

A ``--schedule`` applies to the ``--opt`` just before it
(:data:`optimizers.schedules.GRAMMAR`).

The comparison is a :class:`playground.setups.comparison.Comparison`, the one the app
downloads and imports as JSON: ``--config`` reads such a file (options given
beside it override its fields) and ``--save-config`` writes one.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from optimizers import schedules

from ..gallery import updaters
from ..training import projection
from ..setups.comparison import MAX_RUNS, Comparison, results_table, results_text
from ..setups.fields import add_option, read_option
from ..training.run_spec import RECORD
from ..viz.export import trajectories_csv
from ..problems import Problem
from ..training.runner import Trajectory
from ..setups import cost
from .common import (InOrder, ProgressLine, add_command, add_limit_option, add_problem_options, format_table, labelled,
                     parse_problem, parse_runs, refuse_over, schedules_help, write_file, write_png, write_text)

COLUMNS = ("run", "final loss", "distance to optimum", "steps to tol", "wall time (s)", "status")


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "compare", help="run optimizers side by side: results table, figures, GIF, CSV",
        description="Run up to six optimizers on one problem from the same start and data order and\n"
                    "print the results; on request write the loss curves, the contour with the\n"
                    "trajectories (the principal plane for MLPs), an animated GIF, the trajectories\n"
                    "as CSV, and the JSON config the app imports.",
        examples=["playground compare --problem rosenbrock --opt adam:lr=0.05 --opt momentum:lr=0.001 \\\n"
                  "    --steps 300 --gif out.gif",
                  "playground compare --problem linreg --set n=200 --set noise=0.3 \\\n"
                  "    --opt gd:lr=0.05,batch_size=1 --opt adam:lr=0.05,batch_size=16 --png figures/",
                  "playground compare --problem quadratic --opt momentum:lr=0.1 \\\n"
                  "    --schedule one_cycle:max_lr=0.3,total_steps=200 --opt adam:lr=0.1 \\\n"
                  f"    --schedule {schedules.SEQUENTIAL_EXAMPLE}",
                  "playground compare --config comparison.json --csv runs.csv"],
        notes=[schedules_help("--schedule applies to the --opt\nbefore it")])
    add_problem_options(p, default=Comparison.problem)
    p.add_argument("--opt", action=InOrder, dest="run_items", metavar="SPEC", default=[],
                   help="one run, e.g. adam:lr=0.01,betas=0.9/0.999,batch_size=16,accumulate=2 (repeatable, "
                        f"up to {MAX_RUNS}; default: gd, momentum and adam); grad_noise=SIGMA adds gradient "
                        "noise on the 2-D functions; or a bug gallery's buggy updater, updater:NAME:lr=X, one of "
                        + ", ".join(updaters.available()) + ", on the problems its seed code runs on, its lr "
                        "meaning what gd's lr means there")
    p.add_argument("--schedule", action=InOrder, dest="run_items", metavar="SPEC",
                   help="the learning-rate schedule of the --opt before it, e.g. one_cycle:max_lr=0.3 or "
                        "cosine:T_max=200 (see the list below)")
    Comparison.add_options(p)
    p.add_argument("--config", metavar="FILE", help="read the comparison from this JSON file (the app's download); "
                                                    "the options above override its fields")
    p.add_argument("--save-config", metavar="FILE", help="write the comparison as JSON the app can import")
    add_limit_option(p)
    out = p.add_argument_group("outputs")
    out.add_argument("--png", metavar="DIR", help="write DIR/loss.png and DIR/contour.png")
    out.add_argument("--loss-png", metavar="FILE", help="write the loss curves here")
    out.add_argument("--contour-png", metavar="FILE", help="write the contour with the trajectories here")
    out.add_argument("--gif", metavar="FILE", help="write the trajectories as an animated GIF here")
    out.add_argument("--frames", type=int, default=60, help="GIF frames at most (default: 60)")
    out.add_argument("--fps", type=int, default=12, help="GIF frames per second (default: 12)")
    out.add_argument("--csv", metavar="FILE", help="write every recorded step of every run (loss, parameters) here")
    add_option(out, RECORD)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cmp = comparison(args)
    problem = cmp.validate()
    read_option(args, RECORD)
    # save_gif's own checks would come only after the runs; a typo should not cost their time.
    if args.gif and args.frames < 2:
        raise ValueError(f"Invalid --frames: {args.frames}. Allowed range: [2, inf)")
    if args.gif and not 1 <= args.fps <= 50:
        raise ValueError(f"Invalid --fps: {args.fps}. Allowed range: [1, 50] (GIF delays are in 10 ms)")
    refuse_over(args, cmp.work(problem), "This comparison")
    if args.contour_png or args.png or args.gif:
        refuse_over(args, cost.plane(problem), "The loss over the contour's grid")
    if args.save_config:
        write_text(args.save_config, cmp.to_json() + "\n")
    with ProgressLine("compare") as progress:
        if cmp.start is not None and problem.dim != 2:
            progress.status("running from the problem's own start, for the plane the start lies in")
        trajectories = cmp.run(progress=progress, record=read_option(args, RECORD) or RECORD.default)
    print(f"{problem.title}: {_settings_text(cmp)}, {cmp.steps} steps, seed {cmp.seed}")
    print(format_table(results_text(results_table(problem, trajectories, cmp.tol)), COLUMNS))
    sys.stdout.flush()  # the table first, while the figures are drawn
    with ProgressLine("compare") as progress:
        write_outputs(args, problem, trajectories, progress, cmp.view, trajectories.plane)
    return 0


def comparison(args: argparse.Namespace) -> Comparison:
    """The comparison the options describe: ``--config`` (or the default) with the given options on top."""
    # Bytes: from_json says by name when the file is not UTF-8 text.
    base = Comparison.from_json(Path(args.config).read_bytes()) if args.config else Comparison()
    if args.problem:
        name, settings = labelled("--problem", args.problem, parse_problem, args.problem, args.settings)
    else:
        # --set alone changes settings of the config's problem and keeps the rest.
        name, extra = parse_problem(base.problem, args.settings)
        settings = {**base.settings, **extra}
    runs = parse_runs(args.run_items) or base.runs
    return replace(base, problem=name, settings=settings, runs=runs, **Comparison.fields_from_args(args))


def write_outputs(args: argparse.Namespace, problem: Problem, trajectories: Sequence[Trajectory],
                  progress: ProgressLine, view: str = "settled", plane: projection.Plane | None = None) -> None:
    """The files asked for, as the app draws them: the loss - loss* where loss* is known, the plane in ``view``
    (a network's ``plane`` when its start lies in one: :meth:`~playground.setups.comparison.Comparison.start_plane`).

    The loss plane is computed once for the contour and the GIF.
    """
    loss_png = args.loss_png or (args.png and Path(args.png) / "loss.png")
    contour_png = args.contour_png or (args.png and Path(args.png) / "contour.png")
    if loss_png or contour_png or args.gif:  # figures are imported when asked for (playground.cli)
        from ..viz import plots
        from ..viz.player import runs_from_trajectories, save_gif
    if loss_png:
        write_png(loss_png, plots.loss_curves(trajectories, optimum_loss=problem.optimal_loss(),
                                              title=problem.title))
    if contour_png or args.gif:
        progress.status("computing the loss over the plane of the runs")
        surface, paths = projection.run_plane(problem, trajectories, view, plane)
        if contour_png:
            write_png(contour_png, plots.surface_figure(surface, trajectories, paths)[0])
        if args.gif:
            progress.status(f"writing {args.gif}")
            fig, ax = plots.surface_figure(surface)
            runs = runs_from_trajectories(trajectories, paths, surface=surface)
            write_file(args.gif, lambda path: save_gif(fig, ax, runs, path, max_frames=args.frames, fps=args.fps))
    if args.csv:
        write_text(args.csv, trajectories_csv(problem, trajectories))


def _settings_text(cmp: Comparison) -> str:
    return ", ".join(f"{k}={v}" for k, v in cmp.settings.items()) or "default settings"
