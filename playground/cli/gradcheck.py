"""``playground gradcheck``: check a gradient against numeric derivatives, from a preset or your own module.

::

    playground gradcheck xor                                 # a problem's backprop at init_params(0)
    playground gradcheck relu-net --at random --seed 3       # ... at a seeded random point
    playground gradcheck mse-missing-factor [--fixed]        # a gallery gradient bug, buggy or fixed
    playground gradcheck --path . --loss mymod:loss --grad mymod:grad --params params.npz

The exit code is 1 when some block is "wrong" (kinks and numeric error are
not), so the command can sit in a test suite. A user's module is imported by name from the directories given
with ``--path`` (then the usual ``sys.path``); typed text is never evaluated.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from optimizers.hyperparams import excerpt
from optimizers.tree import Tree

from .. import gallery, problems
from ..gradcheck import GradcheckReport, Target
from ..setups import check
from ..setups.check import EPS, METHOD, POINT, POINT_SEED
from ..setups.fields import add_option, problem_text, read_option
from .common import ProgressLine, UserCodeError, add_command, parse_problem

#: ``module.sub:function`` or ``module:Class.method``: names only, so nothing typed is ever evaluated.
_REF = re.compile(r"^(?P<module>[A-Za-z_]\w*(\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)$")


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "gradcheck", help="check a gradient against numeric derivatives; exit code 1 when it is wrong",
        description="Compare an analytic gradient with numeric derivatives, block by block, and say\n"
                    "where they differ and how (a factor, a sign, a transpose, a kink...). Check a\n"
                    "problem's backprop, a gradient bug from the gallery, or your own loss and\n"
                    "gradient. Exit code 1 when the verdict is 'wrong'.",
        examples=["playground gradcheck xor",
                  "playground gradcheck sin-mlp:width=8 --at random --seed 3 --method complex",
                  "playground gradcheck mse-missing-factor --fixed",
                  "playground gradcheck --path . --loss mymod:loss --grad mymod:grad --params params.npz",
                  "playground gradcheck --path src --loss net:loss --grad net:grad --params-from net:init --json"])
    p.add_argument("preset", nargs="?", metavar="PRESET",
                   help=f"a problem (with settings, e.g. mlp:width=8), one of {', '.join(problems.available())}; "
                        f"or a gallery gradient bug, one of {', '.join(gradient_entries())}")
    p.add_argument("--set", dest="settings", metavar="KEY=VALUE", action="append", default=[],
                   help="one setting of a problem preset (repeatable)")
    add_option(p, POINT)
    add_option(p, POINT_SEED)
    p.add_argument("--fixed", action="store_true", help="a gallery entry: check the fixed gradient, not the buggy one")
    own = p.add_argument_group("your own loss and gradient")
    own.add_argument("--loss", metavar="MODULE:FUNCTION", help="f(params) -> the loss, a real number")
    own.add_argument("--grad", metavar="MODULE:FUNCTION", help="grad(params) -> the gradient, shaped like params")
    own.add_argument("--params", metavar="FILE", help="the point: a .npz (one block per name) or .npy file")
    own.add_argument("--params-from", metavar="MODULE:FUNCTION", help="the point: returned by FUNCTION()")
    own.add_argument("--path", metavar="DIR", action="append", default=[],
                     help="directory to import your module from, e.g. --path . (repeatable; searched first)")
    own.add_argument("--batched", action="store_true",
                     help="f accepts a leading batch axis on every block and returns one loss per row "
                          "(checked once; makes the full check far faster)")
    own.add_argument("--n-samples", type=int, help="samples the loss averages over, so that factors such as "
                                                   "1/m and 2/m are named in the diagnosis")
    add_option(p, METHOD)
    add_option(p, EPS)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--traceback", action="store_true",
                   help="when your own code fails, print its traceback before the one-line error")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with search_path(args.path):
        target = own_target(args) if (args.loss or args.grad) else preset_target(args)
        method, eps = read_option(args, METHOD), read_option(args, EPS)
        with ProgressLine("gradcheck") as progress:
            progress.status(f"checking {target.label}")
            report = _calling("your --loss or --grad", target.run, method, eps) if args.loss else \
                target.run(method, eps)
    print(json.dumps(report_dict(target.label, report), indent=2) if args.json else report_text(target.label, report))
    return 0 if report.passes() else 1


# -- targets -------------------------------------------------------------------
def gradient_entries() -> list[str]:
    """The gallery entries whose bug is in a gradient."""
    return [e.id for e in gallery.entries() if e.kind == "gradcheck"]


def preset_target(args: argparse.Namespace) -> Target:
    """A problem's or a gallery bug's target, as the Gradient check page builds it (:func:`playground.setups.check.target`)."""
    if not args.preset:
        raise ValueError("nothing to check: give a preset (e.g. playground gradcheck xor) or --loss and --grad")
    own = [o for o, given in (("--params", args.params), ("--params-from", args.params_from),
                              ("--batched", args.batched), ("--n-samples", args.n_samples)) if given]
    if own:
        raise ValueError(f"{own[0]} applies to your own --loss and --grad, not to the preset {excerpt(args.preset)}")
    at, seed = read_option(args, POINT), read_option(args, POINT_SEED)
    name = args.preset.partition(":")[0]
    if name in gallery.ids():
        entry = gallery.get(name)
        if entry.kind != "gradcheck":
            raise ValueError(f"gallery entry {name!r} is a training bug, not a gradient bug: "
                             f"run it with 'playground gallery run {name}'")
        if args.settings or at is not None or seed is not None:
            raise ValueError(f"gallery entry {name!r} checks its own point: --set, --at and --seed apply to "
                             "problem presets")
        return check.target(f"gallery:{name}:{'fixed' if args.fixed else 'buggy'}")
    if args.fixed:
        raise ValueError(f"--fixed applies to gallery entries ({', '.join(gradient_entries())}), "
                         f"not to the problem {excerpt(name)}")
    name, settings = parse_problem(args.preset, args.settings)
    return check.target(f"problem:{problem_text(name, settings)}", seed or POINT_SEED.default, at or POINT.default)


def own_target(args: argparse.Namespace) -> Target:
    if args.preset:
        raise ValueError(f"give a preset ({excerpt(args.preset)}) or --loss and --grad, not both")
    if not (args.loss and args.grad):
        raise ValueError(f"--{'grad' if args.loss else 'loss'} is missing: your own check needs both --loss and --grad")
    if bool(args.params) == bool(args.params_from):
        raise ValueError("give the point to check at with --params FILE or --params-from MODULE:FUNCTION (one of them)")
    f, grad = load_callable("--loss", args.loss), load_callable("--grad", args.grad)
    params = load_params(args.params) if args.params else _calling(f"--params-from {excerpt(args.params_from)}",
                                                                   load_callable("--params-from", args.params_from))
    return Target(f, grad, params, n_samples=args.n_samples, batched=args.batched,
                  label=f"{args.loss} against {args.grad}")


@contextmanager
def search_path(dirs: Sequence[str]) -> Iterator[None]:
    """``dirs`` searched first for imports while the check runs (the user's module may import its siblings)."""
    for d in dirs:
        if not Path(d).is_dir():
            raise ValueError(f"Invalid --path {excerpt(d)}: not a directory")
    added = [str(Path(d).resolve()) for d in dirs]
    sys.path[:0] = added
    try:
        yield
    finally:
        for d in added:
            sys.path.remove(d)


def load_callable(option: str, ref: str) -> Callable[..., Any]:
    """The function ``module:name`` refers to, imported by name; a bad reference is a ValueError."""
    m = _REF.match(ref)
    if m is None:
        raise ValueError(f"Invalid {option} {excerpt(ref)}: write MODULE:FUNCTION, e.g. mymod:loss")
    module_name = m["module"]
    try:
        obj = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (module_name == exc.name or module_name.startswith(exc.name + ".")):
            # The module was found, and it imports something that is not installed.
            raise UserCodeError(f"{option} {ref!r}: importing {module_name} failed: it needs the module "
                                f"{exc.name!r}, which is not installed (or not on --path)") from exc
        raise ValueError(f"Invalid {option} {ref!r}: no module named {exc.name!r} "
                         "(add its directory with --path, e.g. --path .)") from None
    except SyntaxError as exc:
        raise UserCodeError(f"{option} {ref!r}: {module_name} has a syntax error at {Path(exc.filename or '?').name}"
                            f" line {exc.lineno}: {exc.msg} (--traceback shows it)") from exc
    except Exception as exc:  # anything the module's own top-level code raises
        raise UserCodeError(f"{option} {ref!r}: importing {module_name} raised {_what(exc)} "
                            "(--traceback shows where)") from exc
    for part in m["attr"].split("."):
        if not hasattr(obj, part):
            raise ValueError(f"Invalid {option} {ref!r}: {module_name} has no {m['attr']!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"Invalid {option} {ref!r}: {m['attr']} is a {type(obj).__name__}, not a function")
    return obj


def _calling(who: str, function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``; an exception from the user's code inside it becomes a :class:`UserCodeError`.

    A ValueError is the library's own check (a wrong shape, a non-finite
    loss): it already says what is wrong and passes through.
    """
    try:
        return function(*args)
    except ValueError:
        raise
    except Exception as exc:
        raise UserCodeError(f"{who} raised {_what(exc)} (--traceback shows where)") from exc


def _what(exc: BaseException) -> str:
    """``TypeError: 'int' object is not callable``, the message cut to an excerpt."""
    text = str(exc)
    return f"{type(exc).__name__}: {text if len(text) <= 120 else text[:120] + '…'}" if text else type(exc).__name__


def load_params(path: str) -> Tree:
    """A .npy file as one array, a .npz file as a dict of its arrays (one array saved unnamed: that array)."""
    suffix = Path(path).suffix
    if suffix not in (".npz", ".npy"):
        raise ValueError(f"Invalid --params {path!r}: expected a .npz or .npy file (numpy.savez / numpy.save)")
    with open(path, "rb") as fh:  # a missing file is an OSError, reported by main
        try:
            data = np.load(fh, allow_pickle=False)  # never unpickle: a file can carry code
            if suffix == ".npy":
                return data
            params = {k: data[k] for k in data.files}
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:  # truncated, corrupt, or not numpy's
            raise ValueError(f"Invalid --params {path!r}: not a readable {suffix} file "
                             f"({type(exc).__name__}: {excerpt(str(exc))})") from None
    return params["arr_0"] if list(params) == ["arr_0"] else params


# -- output --------------------------------------------------------------------
def report_text(name: str, report: GradcheckReport) -> str:
    """What was checked, then the report's own summary: the verdict, one aligned line per block, diagnoses."""
    return f"{name}\n{report.summary()}"


def report_dict(name: str, report: GradcheckReport) -> dict[str, Any]:
    """The report as plain JSON types."""
    return {
        "target": name, "verdict": report.verdict, "rel_error": report.rel_error, "method": report.method,
        "eps": report.eps, "n_evals": report.n_evals, "notes": list(report.notes),
        "blocks": [{
            "block": b.name, "shape": list(b.shape), "rel_error": b.rel_error, "verdict": b.verdict,
            "kind": b.kind, "diagnosis": b.diagnosis, "factor": b.factor,
            "worst": [{"where": b.where(e), "index": list(e.index), "analytic": e.analytic, "numeric": e.numeric}
                      for e in b.worst],
        } for b in report.blocks.values()],
    }
