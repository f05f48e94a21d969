"""The ``playground`` command line: compare, gradcheck, gallery and sweep.

::

    playground compare --problem rosenbrock --opt adam:lr=0.05 --opt momentum:lr=0.001 --steps 300 --gif out.gif
    playground gradcheck --loss mymod:loss --grad mymod:grad --params-from mymod:params --path .
    playground gallery run mse-missing-factor
    playground sweep --problem linreg --opt momentum --momenta 0:0.98:50 --png map.png

One module per subcommand, each with ``register(subparsers)``. :func:`main`
returns the exit code: 0 on success, 1 when ``gradcheck`` finds a wrong
gradient, 2 for bad arguments, which are reported in one line
(``playground: error: ...``), never with a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from . import compare, gallery, gradcheck, sweep

PROG = "playground"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Compare gradient-descent optimizers, check gradients, browse the bug gallery "
                               "and map where learning rates diverge, from the command line.",
        epilog=f"'{PROG} COMMAND --help' describes each command.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in (compare, gradcheck, gallery, sweep):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message (or the help)
        return int(exc.code or 0)
    try:
        code = args.run(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below rather than reported at exit
        return code
    except BrokenPipeError:
        # The reader went away (`playground ... | head`): stop quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a file that cannot be read or written
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    # One line: a message spanning lines (a numpy error, say) would read as several errors.
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
