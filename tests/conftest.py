"""Browser-test fixtures: one Chromium per session, and one Streamlit server, started only if a test asks for it.

Starting Chromium costs about a second and the server with its first render
several; the tests share both. Each test gets its own browser context
(cookies, storage, routes), opened through :func:`new_page`, which fails the
test if the page raised, logged a console error, or requested anything from
a host other than its own: the app and the player must work offline, so
every asset is served by the app itself or inlined (data: and blob: URLs).
"""
from __future__ import annotations

import os

# The two test workers already keep both cores busy: OpenBLAS's own threads on top of them spin against each
# other, and a batched gradient check of an MLP took ten times as long. Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import re
from urllib.parse import urlsplit

import pytest

import app_server
from player_support import CHROMIUM, launch_chromium

#: Inlined content: never a request to another host.
LOCAL_SCHEMES = ("data:", "blob:")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, shared by every browser test; skipped where it or Playwright is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app served by `streamlit run` on a free port, for the whole session; stopped at its end, whatever happens."""
    try:
        with app_server.serve(tmp_path_factory.mktemp("streamlit") / "server.log") as url:
            yield url
    except RuntimeError as exc:  # raised before the yield only: the server did not start
        pytest.fail(str(exc))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture()
def new_page(browser):
    """``new_page(url, width=, height=)``: a new page at ``url``, watched until the test ends.

    Requests to another origin than ``url``'s are aborted and recorded, as are
    uncaught exceptions and console errors; after the test, any of them fails it.
    """
    opened = []

    def open_(url: str, *, width: int = 820, height: int = 760):
        own = _origin(url)
        context = browser.new_context(viewport={"width": width, "height": height})
        problems: list[str] = []

        def block(route):
            problems.append(f"off-host request: {route.request.url}")
            route.abort()

        # Matched in the browser, so the page's own requests never make a round trip through Python.
        context.route(re.compile(rf"^(?!{re.escape(own)}/)https?://"), block)
        page = context.new_page()
        # Routes see http(s) only; this catches any other scheme leaving the page.
        page.on("request", lambda r: None if r.url.startswith((own, "http:", "https:", *LOCAL_SCHEMES))
                else problems.append(f"off-host request: {r.url}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None)
        opened.append((context, problems))
        page.goto(url)
        return page

    yield open_
    found = []
    for context, problems in opened:
        context.close()
        found += problems
    assert found == [], found


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, every test that uses the browser runs in one worker: one Chromium, one server.

    The tests that must share a worker (the browser's, the covering design's) are the longest units of work;
    they go first, so the other tests fill in beside them rather than leaving one worker running them alone
    at the end.
    """
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("browser"))
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)
