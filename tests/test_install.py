"""The installed package, not the checkout: the wheel holds the app, and `playground app` serves it from anywhere.

The wheel is built offline from a copy of this tree (``pip wheel --no-build-isolation``
with the setuptools and wheel already installed; requirements-dev.txt lists them), then
installed into a fresh virtual environment outside the checkout that borrows the
dependencies of this one (``--system-site-packages``), so nothing is downloaded.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from playground_app import pages

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ("*.html", "*.js", "*.css")
#: Written into the copy that is built, so that the package-data globs are checked even while no asset exists.
PROBES = [f"{package}/probe_assets/probe{ext[1:]}" for package in ("playground", "playground_app") for ext in ASSETS]
NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "test-artifacts")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of this tree (so the checkout gets no build/ or egg-info), probes included."""
    tree = tmp_path_factory.mktemp("tree") / "src"
    shutil.copytree(ROOT, tree, ignore=NOT_SOURCE, symlinks=True)
    for probe in PROBES:
        (tree / probe).parent.mkdir(exist_ok=True)
        (tree / probe).write_text("/* a file the wheel must ship */\n")
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(tree)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("optimizer_playground-*.whl")
    return built


def test_the_wheel_holds_the_pages_the_main_script_the_settings_and_every_asset(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    app = {f"playground_app/{Path(p.script).name}" for p in pages.ALL} | {
        "playground_app/main.py", "playground_app/pages.py", "playground_app/.streamlit/config.toml"}
    assets = {p.relative_to(ROOT).as_posix() for package in ("playground", "playground_app")
              for pattern in ASSETS for p in (ROOT / package).rglob(pattern)}
    assert app <= names, sorted(app - names)
    assert assets | set(PROBES) <= names, sorted((assets | set(PROBES)) - names)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
            return response.read().decode()
    except OSError:
        return None


def test_playground_app_serves_the_installed_app_from_outside_the_checkout(wheel, tmp_path):
    venv, cwd = tmp_path / "venv", tmp_path / "elsewhere"
    cwd.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    # Nothing may lead back to the checkout: no PYTHONPATH, and a working directory of its own.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
                              "-q", str(wheel)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run([str(python), "-c", "import playground, playground_app; "
                            "print(playground.__file__); print(playground_app.__file__)"],
                           capture_output=True, text=True, env=env, cwd=cwd, timeout=60)
    assert all(Path(f).is_relative_to(venv) for f in where.stdout.split()), where.stdout + where.stderr

    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "playground"), "app", "--server.port", str(port),
                               "--server.headless", "true"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env, cwd=cwd, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while health(port) != "ok" and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health(port) == "ok", f"no answer on port {port}; exit code {server.poll()}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the whole group: playground and the Streamlit it started
        try:
            output = server.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output = server.communicate()[0]
    # Streamlit's own URL line, at the address the packaged settings give.
    assert f"URL: http://127.0.0.1:{port}" in output, output
