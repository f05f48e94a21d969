"""The app in a real browser: `streamlit run` in a subprocess, driven by headless Chromium through Playwright.

Opens the Compare page and waits for its trajectory player (an iframe) to play
the default runs through, changes an optimizer in the sidebar, presses play
and checks that the step counter advances, that no exception is shown, and
saves a screenshot to test-artifacts/app.png.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from player_support import CHROMIUM, launch_chromium

if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
PLAYER = 'iframe[title^="Trajectory player"]'
# The first render imports numpy, matplotlib and the app on a cold, shared machine: be generous.
FIRST_RENDER_MS = 120_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by `streamlit run` on a free port; stopped after the tests, whatever happens."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start (exit code {proc.poll()}):\n{log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture()
def page(server):
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page
            assert errors == [], errors
        finally:
            browser.close()


def step_shown(frame) -> int:
    k, _ = re.fullmatch(r"step (\d+) / (\d+)", frame.locator("#step-counter").inner_text()).groups()
    return int(k)


def test_compare_page_plays_in_the_browser(server, page):
    page.goto(server)
    player = page.frame_locator(PLAYER)
    sync_api.expect(player.locator("#legend")).to_contain_text("momentum lr=0.05", timeout=FIRST_RENDER_MS)
    # The page opens on the default comparison already playing, once, to the last step.
    sync_api.expect(player.locator("#step-counter")).to_have_text("step 200 / 200", timeout=60_000)

    # Run 2: momentum -> Adam, through the sidebar's select box, as a user does.
    run2 = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="optimizer").nth(1)
    run2.click()
    page.get_by_role("option", name="Adam (adam)").click()
    page.wait_for_function(
        "new URLSearchParams(location.search).getAll('run').join(',') === 'gd:lr=0.1,adam,adam:lr=0.1'",
        timeout=60_000)
    player = page.frame_locator(PLAYER)
    sync_api.expect(player.locator("#legend")).not_to_contain_text("momentum", timeout=60_000)
    sync_api.expect(player.locator("#step-counter")).to_have_text("step 200 / 200", timeout=60_000)

    player.locator("#play").click()  # at the last step, Play starts again from 0
    page.wait_for_timeout(400)
    first = step_shown(player)
    page.wait_for_timeout(600)
    later = step_shown(player)
    assert first < later < 200, (first, later)

    assert page.locator('[data-testid="stException"]').count() == 0
    sync_api.expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app.png"))
