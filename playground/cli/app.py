"""``playground app``: start the Streamlit app of the installed package, as ``streamlit hello`` does.

::

    playground app                                  # http://127.0.0.1:8501
    playground app --server.port 8502 --server.address 0.0.0.0

This module never imports Streamlit: it runs ``python -m streamlit run`` on the
package's main script (``playground_app/main.py``) in a subprocess, which prints
the app's URL. The app's settings, ``playground_app/.streamlit/config.toml``, are
passed as flags, so that they hold whatever the working directory and whichever
Streamlit version; the user's own flags follow them and win.
"""
from __future__ import annotations

import argparse
import importlib.util
import signal
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, Sequence

from .common import add_command


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "app", help="start the app in your browser (Streamlit); any Streamlit flags pass through",
        usage="%(prog)s [-h] [STREAMLIT_FLAG ...]",
        description="Start the app: Compare, Gradient check, Bug gallery and Sweep, served on\n"
                    "http://127.0.0.1:8501 by default. Every other argument is a flag of\n"
                    "'streamlit run' (see 'streamlit run --help'), such as --server.port PORT.",
        examples=["playground app", "playground app --server.port 8502",
                  "playground app --server.address 0.0.0.0     # reachable from the network: only one you trust"])
    # main() hands every argument this parser does not know to run_app, as args.extra.
    p.set_defaults(run=run_app, pass_through=True)


def main_script() -> Path:
    """The app's main script, ``main.py`` of the importable ``playground_app`` package (not imported)."""
    spec = importlib.util.find_spec("playground_app")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("the app's package playground_app is not installed: pip install optimizer-playground")
    return Path(next(iter(spec.submodule_search_locations))) / "main.py"


def config_flags(config: Path) -> list[str]:
    """``config`` (a Streamlit config.toml) as ``streamlit run`` flags: ``--server.address=127.0.0.1``, ..."""
    with open(config, "rb") as f:
        sections = tomllib.load(f)
    return [f"--{section}.{name}={_flag_value(f'{section}.{name}', value)}"
            for section, options in sections.items() for name, value in options.items()]


def streamlit_command(extra: Sequence[str]) -> list[str]:
    """The command that serves the app: the packaged settings as flags, then ``extra``, the user's flags."""
    script = main_script()
    return [sys.executable, "-m", "streamlit", "run", str(script),
            *config_flags(script.parent / ".streamlit" / "config.toml"), *extra]


def run_app(args: argparse.Namespace) -> int:
    proc = subprocess.Popen(streamlit_command(args.extra))
    # A service manager's SIGTERM must stop the server too, not leave it running without us.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: proc.terminate())
    try:
        while True:
            try:
                return proc.wait()
            except KeyboardInterrupt:
                continue  # the terminal sent Ctrl-C to Streamlit as well: wait while it shuts down
    finally:
        signal.signal(signal.SIGTERM, previous)


def _flag_value(option: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()  # TOML's true/false, as Streamlit reads them
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ValueError(f"the app's setting {option} = {value!r} has no command-line form: give it a scalar value")
