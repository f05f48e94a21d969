"""What every subcommand shares: its parser, problem and run options, text tables, a progress line, writing files.

Errors are ValueError with a message that names the bad value; ``main``
turns them into ``playground: error: ...`` and exit code 2.
"""
from __future__ import annotations

import argparse
import math
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TextIO

from optimizers import schedules
from optimizers.hyperparams import excerpt, parse_spec

from .. import problems
from ..setups import cost
from ..training.run_spec import RunSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class UserCodeError(ValueError):
    """The user's own code (a ``gradcheck --loss`` module, say) failed; its exception is the ``__cause__``.

    ``main`` prints the message in one line, and the cause's traceback before
    it only when the command was given ``--traceback``: the traceback is about
    the user's code, not about this program.
    """


# -- the command and its help page -----------------------------------------------
def add_command(subparsers: Any, name: str, *, help: str, description: str, examples: Sequence[str],
                notes: Sequence[str] = (), usage: str | None = None) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` to ``subparsers`` and return its parser.

    ``help`` is its line in the list of commands. Its ``--help`` page shows
    ``description`` as written (line breaks kept, not rewrapped), then
    ``examples:`` (``example:`` for one) with each command line indented two
    spaces; a line continued with a backslash carries on on the next line of
    the string, which is indented with it. ``notes`` are paragraphs after the
    examples, a blank line apart. ``usage`` replaces argparse's usage line.
    """
    if not examples:
        raise ValueError(f"command {name!r}: give at least one example command line")
    heading = "examples:" if len(examples) > 1 else "example:"
    epilog = "\n\n".join([heading + "\n" + "\n".join(textwrap.indent(e, "  ") for e in examples), *notes])
    return subparsers.add_parser(name, help=help, usage=usage, description=description, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def schedules_help(applies: str) -> str:
    """The ``--help`` epilog's list of schedules and their grammar; ``applies`` says what a --schedule drives."""
    return (f"schedules (torch.optim.lr_scheduler's keywords and defaults; {applies}):\n"
            + "".join(f"  {c.name:<16}{c.torch.rsplit('.', 1)[1]}: {c.title}\n"
                      for c in map(schedules.get, schedules.available()))
            + "  grammar: NAME:key=value,... with lists as 20/70; sequential chains schedules with +,\n"
              "  each NAME(key=value,...), then its milestones, e.g.\n"
              f"  {schedules.SEQUENTIAL_EXAMPLE}")


# -- the work guard --------------------------------------------------------------
def add_limit_option(parser: argparse.ArgumentParser) -> None:
    """``--no-limit``: run work estimated past :data:`playground.setups.cost.LIMIT` seconds anyway."""
    parser.add_argument("--no-limit", action="store_true",
                        help=f"run even when the estimate exceeds {cost.LIMIT:g} s on this machine (refused by "
                             "default, as in the app, naming what to reduce)")


def refuse_over(args: argparse.Namespace, estimate: cost.Estimate, what: str) -> None:
    """The app's rule, unless ``--no-limit``: ValueError naming what to reduce, and the flag that lifts it."""
    if args.no_limit:
        return
    try:
        estimate.refuse_over(what)
    except ValueError as exc:
        raise ValueError(f"{exc}; or pass --no-limit") from None


# -- problems ------------------------------------------------------------------
def add_problem_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    """``--problem NAME[:key=value,...]`` and repeated ``--set key=value``."""
    names = ", ".join(problems.available())
    shown = f" (default: {default})" if default else ""
    parser.add_argument("--problem", metavar="NAME[:K=V,...]", default=None,
                        help=f"the problem and optionally its settings, e.g. linreg:n=200,noise=0.3; one of {names}"
                             + shown)
    parser.add_argument("--set", dest="settings", metavar="KEY=VALUE", action="append", default=[],
                        help="one problem setting, e.g. --set n=200 (repeatable; overrides --problem's)")


def parse_problem(text: str, settings: Sequence[str] = ()) -> tuple[str, dict[str, Any]]:
    """``"linreg:n=200"`` plus ``["noise=0.3"]`` -> ``("linreg", {"n": 200, "noise": 0.3})``, validated."""
    name, _, body = text.strip().partition(":")
    spec = problems.spec(name.strip())
    return spec.name, parse_spec(",".join([body, *settings]), spec.settings, f"problem {spec.name!r}")


# -- runs ----------------------------------------------------------------------
class InOrder(argparse.Action):
    """Collects ``--opt`` and ``--schedule`` in the order given, so a schedule finds its run."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option_string: Any = None) -> None:
        items = list(getattr(namespace, self.dest) or [])
        setattr(namespace, self.dest, items + [(option_string, values)])


def parse_runs(items: Sequence[tuple[str, str]]) -> tuple[RunSpec, ...]:
    """The runs of ``--opt SPEC [--schedule SPEC]`` ..., each schedule attached to the run before it."""
    runs: list[RunSpec] = []
    scheduled: set[int] = set()
    for option, text in items:
        if option == "--opt":
            runs.append(labelled("--opt", text, RunSpec.parse, text))
            continue
        if not runs:
            raise ValueError(f"--schedule {text!r}: it applies to the --opt before it; put it after an --opt")
        if len(runs) - 1 in scheduled or runs[-1].schedule is not None:
            raise ValueError(f"--schedule {text!r}: run {len(runs)} ({runs[-1].optimizer}) already has a schedule")
        scheduled.add(len(runs) - 1)
        runs[-1] = replace(runs[-1], schedule=labelled("--schedule", text, schedules.parse, text))
    return tuple(runs)


def labelled(option: str, text: str, parse: Any, *parse_args: Any) -> Any:
    """``parse(*parse_args)``, with a ValueError prefixed by the option it came from."""
    try:
        return parse(*parse_args)
    except ValueError as exc:
        raise ValueError(f"{option} {excerpt(text)}: {exc}") from None


# -- tables --------------------------------------------------------------------
def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as an aligned text table: numbers right-aligned to 6 significant digits, None as "-"."""
    columns = list(columns or (rows[0] if rows else []))
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    numeric = [all(isinstance(row.get(c), (int, float)) or row.get(c) is None for row in rows) for c in columns]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# -- progress ------------------------------------------------------------------
#: Carriage return, then erase to the end of the line: the cursor sits at the start of an empty line.
ERASE_LINE = "\r\033[K"


class ProgressLine:
    """A line on stderr that rewrites itself as work advances: ``compare: 45% (1350/3000 steps)``.

    Silent when the stream is not a terminal (logs and pipes get no control
    characters), and for the first ``delay`` seconds, so quick commands print
    nothing; anything that runs over a second shows the line. Use as a
    context manager: leaving it erases the line. :func:`notice` erases it too,
    before its message, and the next report draws it again.
    """

    def __init__(self, label: str, unit: str = "steps", stream: TextIO | None = None, delay: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.unit, self.delay, self.clock = label, unit, delay, clock
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty()
        self.start = clock()
        self.shown = False
        self.last = -math.inf

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self._write(ERASE_LINE)
            self.shown = False

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; written at most ten times a second."""
        now = self.clock()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        self.status(f"{100 * done // max(total, 1)}% ({done}/{total} {self.unit})")

    def status(self, text: str) -> None:
        """Show ``text`` after the label now, e.g. ``writing out.gif``."""
        if self.enabled:
            self._write(f"{ERASE_LINE}{self.label}: {text}")
            self.shown = True

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def notice(message: str, stream: TextIO | None = None) -> None:
    """One line of news on stderr (``wrote out.gif``); on a terminal it first erases a progress line."""
    stream = sys.stderr if stream is None else stream
    stream.write((ERASE_LINE if stream.isatty() else "") + message + "\n")
    stream.flush()


# -- files ---------------------------------------------------------------------
def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path``, making its directory; say so on stderr."""
    return write_file(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_png(path: str | Path, fig: Figure) -> Path:
    """Write ``fig`` as PNG to ``path``, making its directory; say so on stderr."""
    from ..viz.plots import to_png  # figures are imported when asked for (playground.cli)
    return write_file(path, lambda p: p.write_bytes(to_png(fig)))


def write_file(path: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(path)`` once ``path``'s directory exists, then say on stderr that it was written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path)
    notice(f"wrote {path}")
    return path
