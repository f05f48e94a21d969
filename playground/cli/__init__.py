"""The ``playground`` command line: compare, anatomy, gradcheck, gallery, sweep, tune, and app (the Streamlit app).

::

    playground compare --problem rosenbrock --opt adam:lr=0.05 --opt momentum:lr=0.001 --steps 300 --gif out.gif
    playground anatomy --problem rosenbrock --opt adam:lr=0.01 --step 40
    playground gradcheck --loss mymod:loss --grad mymod:grad --params-from mymod:params --path .
    playground gallery run mse-missing-factor
    playground sweep --problem linreg --opt momentum --momentum-range 0/0.98 --png map.png
    playground tune --problem quadratic --opt gd momentum adam --steps 300 --tol 1e-6 --png sensitivity.png
    playground app --server.port 8502

One module per subcommand, each with ``register(subparsers)``; a command whose
parser sets ``pass_through`` receives the arguments it does not know as
``args.extra`` (``app`` hands them to Streamlit), the others refuse them. :func:`main`
returns the exit code: 0 on success, 1 when ``gradcheck`` finds a wrong
gradient, 2 for bad arguments, which are reported in one line
(``playground: error: ...``), never with a traceback.

The figures' modules are imported where a command writes a figure: matplotlib
takes most of a second to import, and a command that draws nothing (a
gradient check, a table of results) starts without it.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import NoReturn, Sequence

from . import anatomy, app, compare, gallery, gradcheck, sweep, tune
from .common import UserCodeError

PROG = "playground"
#: The longest error line printed: a message quoting a huge value is cut (the library quotes excerpts already).
MAX_MESSAGE = 400


class UsageError(Exception):
    """An argument argparse refused, with its message: printed as one line by :func:`main`."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise :class:`UsageError` instead of printing the usage block.

    ``add_subparsers`` makes every subcommand's parser of this class too, so
    ``playground compare --steps`` says ``playground: error: ...`` in one
    line, as every other bad argument does (``--help`` still shows the usage).
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG, description="Compare gradient-descent optimizers, look inside one step, check gradients, browse the bug gallery "
                               "and map where learning rates diverge, from the command line; or start the app.",
        epilog=f"'{PROG} COMMAND --help' describes each command.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in (compare, anatomy, gradcheck, gallery, sweep, tune, app):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "pass_through", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")  # as parse_args says it; _fail cuts it
    except UsageError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # argparse has printed the help
        return int(exc.code or 0)
    args.extra = extra
    try:
        code = args.run(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below rather than reported at exit
        return code
    except BrokenPipeError:
        # The reader went away (`playground ... | head`): stop quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except UserCodeError as exc:  # the user's own module failed: the traceback is theirs, shown on request
        if getattr(args, "traceback", False) and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a file that cannot be read or written
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))  # _fail cuts it
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    # One line: a message spanning lines (a numpy error, say) would read as several errors.
    line = " ".join(message.split())
    if len(line) > MAX_MESSAGE:
        line = f"{line[:MAX_MESSAGE]}… ({len(line):,} characters)"
    print(f"{PROG}: error: {line}", file=sys.stderr)
    return 2
