"""``playground gallery``: the bugs of the catalogue, listed, or one of them run buggy and fixed.

::

    playground gallery                              # id, kind, title and source title of every entry
    playground gallery run linreg-lr-too-large --png figures/
    playground gallery run mse-missing-factor --code

``run`` cites the entry's public source and what its user saw first. A
training bug prints the buggy and the fixed run side by side (and with
``--png`` draws their loss curves); a gradient bug prints both gradient
checks. Either way the summary computed from the two outcomes follows, as in
the app.
"""
from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any

from .. import gallery
from ..training.runner import Trajectory
from .common import add_command, format_table, write_png
from .gradcheck import report_text


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "gallery", help="the bug catalogue: list it, or run one bug buggy and fixed",
        description="Bugs from public threads and articles on gradient descent and backprop, each with\n"
                    "its buggy and fixed version.\n"
                    "Without a command, list them.",
        examples=["playground gallery", "playground gallery run linreg-lr-too-large --png figures/",
                  "playground gallery run mse-missing-factor --code"])
    commands = p.add_subparsers(title="commands", metavar="COMMAND")
    listing = commands.add_parser("list", help="id, kind, title and source of every entry (the default)",
                                  description="List the entries: id, kind, title and the title of the public source.")
    listing.set_defaults(run=list_entries)
    one = add_command(
        commands, "run", help="run one entry, buggy and fixed",
        description="Run one entry's buggy and fixed code and show what differs: the two runs for a\n"
                    "training bug, the two gradient checks for a gradient bug.",
        examples=["playground gallery run linreg-divergent-updater --png figures/"])
    one.add_argument("id", metavar="ID", help=f"the entry, one of {', '.join(gallery.ids())}")
    one.add_argument("--png", metavar="DIR", help="write DIR/ID-loss.png, the loss curves of a training bug")
    one.add_argument("--code", action="store_true", help="print the buggy and the fixed code too")
    one.set_defaults(run=run_entry)
    p.set_defaults(run=list_entries)


def list_entries(args: argparse.Namespace) -> int:
    print(format_table([{"id": e.id, "kind": e.kind, "title": e.title, "source": e.source_title}
                        for e in gallery.entries()]))
    return 0


def run_entry(args: argparse.Namespace) -> int:
    entry = gallery.get(args.id)
    if args.png and entry.kind != "trajectory":
        raise ValueError(f"--png draws a training bug's loss curves; {entry.id!r} is a gradient bug, "
                         "whose outcome is the two reports this command prints")
    print(f"{entry.title}\n({entry.id})\n")
    print(textwrap.fill(f"Source: {entry.source}.", width=100))
    print(textwrap.fill(f"What its user saw: {entry.what_the_user_saw}", width=100))
    print()
    print(textwrap.fill(entry.explanation, width=100))
    if args.code:
        for version, code in (("buggy", entry.buggy_code), ("fixed", entry.fixed_code)):
            print(f"\n--- {version} code ---\n{code.rstrip()}")
    result = entry.run()
    print()
    if isinstance(result.buggy, Trajectory):
        print(format_table([_run_row("buggy", result.buggy), _run_row("fixed", result.fixed)]))
        if args.png:
            from ..viz import plots  # figures are imported when asked for (playground.cli)
            write_png(Path(args.png) / f"{entry.id}-loss.png",
                      plots.loss_curves([result.buggy, result.fixed], title=entry.title))
    else:
        print(report_text(f"{entry.id} (buggy)", result.buggy))
        print()
        print(report_text(f"{entry.id} (fixed)", result.fixed))
    print(f"\n{result.summary}")
    return 0


def _run_row(version: str, t: Trajectory) -> dict[str, Any]:
    return {"version": version, "run": t.label, "steps": t.final_step, "final loss": t.final_loss,
            "status": f"diverged at step {t.diverged_at}: {t.diverged_reason}" if t.diverged else "ok"}
