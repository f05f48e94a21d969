"""Shared by the browser tests' ``app_url`` fixture and the browser benchmark: the app under ``streamlit run``.

:func:`serve` starts the server on a free port and yields its URL once
``/_stcore/health`` answers; the server has then imported Streamlit but not
yet run the app's script, which it runs for the first browser that connects.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
#: How long the server may take to answer its health check: a cold start on a loaded 2-core machine.
START_TIMEOUT_S = 60


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(log_path: Path, script: str = "streamlit_app.py") -> Iterator[str]:
    """``streamlit run script`` (a path from the repository's root: the app by default) on a free port, its output
    in ``log_path``; yields its URL once healthy.

    Raises RuntimeError, with the log's tail, if the server exits or is not
    healthy within :data:`START_TIMEOUT_S` seconds. The server is stopped on
    leaving the block, whatever happens.
    """
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start (exit code {proc.poll()}):\n"
                                       f"{Path(log_path).read_text()[-2000:]}") from None
                time.sleep(0.1)  # polling a port that is not open yet: nothing to wait on but time
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
