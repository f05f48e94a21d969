"""``playground anatomy``: one step k → k + 1 of a run, in the parts the optimizer computed, with their numbers.

::

    playground anatomy --problem rosenbrock --opt adam:lr=0.01 --step 40
    playground anatomy --problem mlp --opt momentum:lr=0.05 --schedule cosine:T_max=100 --step 30 --steps 100 \\
        --json step30.json

Replays the run (:func:`playground.training.replay.anatomy`, the same
replay the app's step anatomy shows) and prints the update in symbols, each
part's numbers (a network's as norms), then a table per coordinate: the
equation's values (g_t, m_t, ...), the per-coordinate scales, each term, the
step taken and the plain gradient step −lr·g (:mod:`playground.viz.anatomy_text`).
A network's table lists the first ``--coords`` coordinates after one row per
block; ``--json`` writes every part, all coordinates, with the comparison it
came from. The run's settings (``--steps``, ``--seed``, ``--shuffle``,
``--start``) are the comparison's declared fields, as in ``playground compare``.
Work past :data:`playground.setups.cost.LIMIT` is refused unless ``--no-limit``:
the k + 1 steps replayed, not the run's whole length.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from optimizers import HyperParam

from ..setups.comparison import START, Comparison
from ..setups.fields import add_option, read_option
from ..training import replay
from ..training.run_spec import SEED, SHUFFLE, STEPS
from ..viz.anatomy_text import anatomy_dict, block_rows, coordinate_names, coordinate_rows, update_lines
from .common import (InOrder, ProgressLine, add_command, add_limit_option, add_problem_options, format_table, labelled,
                     parse_problem, parse_runs, refuse_over, schedules_help, write_text)

#: The settings of the run replayed: the comparison's own declarations, so their ranges are its ranges.
RUN_FIELDS = (STEPS, SEED, SHUFFLE, START)
COORDS = HyperParam("coords", 10, "coordinates listed in the table; a problem with more parameters lists the first "
                    "ones after one row per block", low=1, high=100_000, kind="int")


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "anatomy", help="one step of a run in its parts: the update with its numbers, per coordinate",
        description="Replay a run to step k and print the step k -> k+1 in the parts the optimizer\n"
                    "computed: the update in symbols, each term's numbers, the step taken and the plain\n"
                    "gradient step -lr*g beside it, then a table per coordinate of the equation's values\n"
                    "(g_t, m_t, v_t, ...), the per-coordinate scales and the terms.",
        examples=["playground anatomy --problem rosenbrock --opt adam:lr=0.01 --step 40",
                  "playground anatomy --problem linreg --opt momentum:lr=0.1,batch_size=10 --step 5 --seed 3",
                  "playground anatomy --problem mlp --opt momentum:lr=0.05 --schedule cosine:T_max=100 \\\n"
                  "    --steps 100 --step 30 --json step30.json"],
        notes=[schedules_help("--schedule applies to the --opt before it")])
    add_problem_options(p, default=Comparison.problem)
    p.add_argument("--opt", action=InOrder, dest="run_items", metavar="SPEC", default=[], required=True,
                   help="the run, e.g. adam:lr=0.01,betas=0.9/0.999,batch_size=16 (as playground compare's --opt)")
    p.add_argument("--schedule", action=InOrder, dest="run_items", metavar="SPEC",
                   help="the run's learning-rate schedule, after its --opt, e.g. cosine:T_max=200")
    p.add_argument("--step", type=int, required=True, metavar="K",
                   help="the step looked inside, K -> K+1, from the parameters after K updates: 0 to --steps - 1")
    for f in RUN_FIELDS:
        add_option(p, f)
    add_option(p, COORDS)
    p.add_argument("--json", metavar="FILE", help="write every part of the step, all coordinates, as JSON here")
    add_limit_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    name, settings = labelled("--problem", args.problem or Comparison.problem, parse_problem,
                              args.problem or Comparison.problem, args.settings)
    runs = parse_runs(args.run_items)
    if len(runs) != 1:
        raise ValueError(f"Invalid --opt: {len(runs)} runs given. Allowed: one run, the one whose step is shown")
    limit = read_option(args, COORDS) or COORDS.default
    cmp = Comparison(name, settings, runs, **{f.name: v for f in RUN_FIELDS if (v := read_option(args, f)) is not None})
    problem = cmp.validate()
    # The replay stops after step k + 1; a network's --start first runs the whole comparison for its plane.
    replayed = min(max(args.step + 1, 1), cmp.steps)
    if cmp.start_home(problem) is None:
        refuse_over(args, replace(cmp, steps=replayed).work(problem), f"Replaying {replayed:,} steps")
    else:
        refuse_over(args, cmp.work(problem), "This run from the problem's own start (for the plane of --start)")
    with ProgressLine("anatomy") as progress:
        if cmp.start is not None and problem.dim != 2:
            progress.status("running from the problem's own start, for the plane the start lies in")
        params0 = cmp.start_params(problem)
        progress.status(f"replaying to step {args.step}")
        a = replay.anatomy(problem, runs[0], args.step, steps=cmp.steps, seed=cmp.seed, shuffle=cmp.shuffle,
                           params0=params0)
    names = coordinate_names(a.start, problem.axis_labels)
    full = len(names) <= limit
    start = "" if cmp.start is None else f", from ({cmp.start[0]:g}, {cmp.start[1]:g})"
    print(f"{problem.title}: {runs[0].label}, step {args.step} → {args.step + 1} of {cmp.steps}, "
          f"seed {cmp.seed}{start}")
    print()
    print("\n".join(update_lines(a, names, full=full)))
    print()
    if not full:
        print(format_table(block_rows(a)))
        print()
        print(f"The first {limit} of {len(names):,} coordinates (--coords N lists more; --json FILE writes all):")
    print(format_table(coordinate_rows(a, names, limit)))
    if args.json:
        write_text(args.json, json.dumps({"comparison": cmp.to_dict(), "coordinates": names, **anatomy_dict(a)})
                   + "\n")
    return 0
