"""App speed as a person feels it: `streamlit run` driven by headless Chromium, timed in the page.

Goals (issue 12, section 6):

- first view: the Compare page's results (the results table and the
  player's legend with the default runs) are shown within 2 s of the server
  starting. Timed from the server's first healthy answer on
  ``/_stcore/health`` (Chromium is already running, its page blank; the
  server has imported Streamlit but not the app) and, separately, from the
  page's navigation start.
- cached change: a widget change whose result is cached shows the updated
  view within 0.5 s. Run 2's optimizer is switched momentum -> Adam -> momentum
  through the sidebar's select box (once untimed, to fill the cache), then
  ``--repeat`` times each way; and on a comparison with a diverging run, the
  contour view is toggled to "fit every run" and back. Each is timed from the
  pointerdown on the option to the first frame showing the new player (and,
  for the optimizer, a legend and table naming the new run).

Beside them, the floor: Streamlit alone (``benchmarks/floor_app.py``, a title, a select box and a table),
served and timed the same way, after the app: its first view and a change of its select box are what
Streamlit's server and frontend cost on this machine before any of the playground's work.

Marks are taken in the page (benchmarks/app_timing.js): ``performance.now()``
at the input event and at the first animation frame showing the view, so
Playwright's own round trips are not counted. One server, one run, on
whatever load the machine has (printed: the load average before and after);
each time is printed as a fraction of its goal.

    python benchmarks/bench_app_browser.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import app_server  # noqa: E402
from player_support import launch_chromium  # noqa: E402

from playground.setups.comparison import Comparison  # noqa: E402
from playground.training.projection import VIEWS  # noqa: E402

FIRST_VIEW_GOAL_S = 2.0
CACHED_CHANGE_GOAL_S = 0.5
TIMING_JS = Path(__file__).with_name("app_timing.js").read_text()
#: Streamlit alone, served like the app (a path from the repository's root).
FLOOR_APP = "benchmarks/floor_app.py"
#: A comparison with a run that diverges: its two views differ (the test of the view toggle uses it too).
DIVERGING = "/?run=gd:lr%3D0.5&run=momentum:lr%3D0.05"
#: Generous: a cache miss on a loaded machine; only the timed changes are meant to be fast.
WAIT_MS = 120_000


def ratio(label: str, seconds: float, goal: float) -> str:
    return f"{label}: {seconds:.2f} s (goal {goal:g} s): {seconds / goal:.2f} of the goal" + (
        "" if seconds <= goal else "  MISSED")


def timed_change(page, act, want: list[str], avoid: list[str], prepare=None, player: bool = True) -> float:
    """Seconds from the pointerdown ``act()`` makes to the first frame of the view naming ``want``, not ``avoid``
    (``player``: in a new player as well as the table); ``prepare()`` (opening a select box) comes before, untimed."""
    if prepare is not None:
        prepare()
    page.evaluate("([want, avoid, player]) => __bench.arm(want, avoid, player)", [want, avoid, player])
    act()
    marks = page.evaluate(f"Promise.race([__bench.done, new Promise((_, no) => setTimeout(() => "
                          f"no(new Error('view not shown')), {WAIT_MS}))])")
    return (marks["shownAt"] - marks["inputAt"]) / 1000


def pick_optimizer(page, run: int, option: str, want: list[str], avoid: list[str], player: bool = True) -> float:
    """:func:`timed_change` of picking ``option`` in run ``run``'s optimizer select box (1-based) in the sidebar:
    timed from the pointerdown on the option, the box being open."""
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="optimizer").nth(run - 1)
    return timed_change(page, lambda: page.get_by_role("option", name=option).click(), want, avoid,
                        prepare=lambda: (box.click(), page.get_by_role("option", name=option).wait_for()),
                        player=player)


def switched(page, run: int, momentum: str, repeat: int, player: bool = True) -> tuple[list[float], list[float]]:
    """Seconds of ``repeat`` picks of Adam, and of momentum again, in run ``run``'s optimizer select box, after one
    of each untimed (to fill the cache: momentum -> Adam is a new comparison, Adam -> momentum the default one)."""
    pick_optimizer(page, run, "Adam (adam)", [], [momentum], player)
    pick_optimizer(page, run, "Momentum (momentum)", [momentum], [], player)
    to_adam, to_momentum = [], []
    for _ in range(repeat):
        to_adam.append(pick_optimizer(page, run, "Adam (adam)", [], [momentum], player))
        to_momentum.append(pick_optimizer(page, run, "Momentum (momentum)", [momentum], [], player))
    return to_adam, to_momentum


@contextmanager
def first_view(browser, log_dir: str, script: str, want: list[str], player: bool = True) -> Iterator[tuple]:
    """A new server of ``script`` and a page in a fresh browser context, once the page's first view names
    ``want``: yields (page, url, seconds from the server's health check, seconds from navigation start)."""
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    context.add_init_script(TIMING_JS)
    context.add_init_script(f"window.__firstView = __bench.firstView({json.dumps(want)}, {json.dumps(player)})")
    page = context.new_page()
    with app_server.serve(Path(log_dir) / f"{Path(script).stem}.log", script) as url:
        healthy = time.time()
        page.goto(url)
        marks = page.evaluate("window.__firstView")
        yield page, url, (marks["timeOrigin"] + marks["shownAt"]) / 1000 - healthy, marks["shownAt"] / 1000
    context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed changes each way (default 5)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    labels = [r.label for r in Comparison().runs]  # gd, momentum, adam
    momentum = labels[1]
    load_before = os.getloadavg()[0]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = launch_chromium(p)
        with first_view(browser, tmp, "streamlit_app.py", labels) as (page, url, from_health, from_navigation):
            to_adam, to_momentum = switched(page, 2, momentum, args.repeat)
            page.goto(url + DIVERGING)
            page.locator(".tp-player .tp-legend").wait_for(timeout=WAIT_MS)
            toggles = []
            for i in range(args.repeat + 1):  # the first "fit every run" computes its picture: untimed
                for view in (VIEWS["all"], VIEWS["settled"]):
                    seconds = timed_change(page, lambda: page.get_by_text(view, exact=True).click(), [], [])
                    if i:
                        toggles.append(seconds)
        with first_view(browser, tmp, FLOOR_APP, ["momentum"], player=False) as (page, _, floor_health, floor_nav):
            floor_adam, floor_momentum = switched(page, 1, "momentum", args.repeat, player=False)
        browser.close()

    # Wall times on a shared machine: the load says how much of them was waiting for a core.
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    print("Compare page, first view after the server starts (fresh browser context):")
    print("  " + ratio("from the server's health check", from_health, FIRST_VIEW_GOAL_S))
    print("  " + ratio("from navigation start", from_navigation, FIRST_VIEW_GOAL_S))
    print(f"  Streamlit alone ({FLOOR_APP}): {floor_health:.2f} s from the health check, "
          f"{floor_nav:.2f} s from navigation start: the app takes {from_health / floor_health:.2f}x its floor")
    print(f"Widget change whose result is cached, to the updated player (x{args.repeat} each way):")
    for name, times in (("run 2 optimizer, momentum -> Adam", to_adam),
                        ("run 2 optimizer, Adam -> momentum", to_momentum),
                        ("contour view, toggled", toggles)):
        print(f"  {name}: " + ratio("median", statistics.median(times), CACHED_CHANGE_GOAL_S)
              + "; " + ratio("max", max(times), CACHED_CHANGE_GOAL_S))
    floor = statistics.median(floor_adam + floor_momentum)
    print(f"  Streamlit alone ({FLOOR_APP}), its select box changed: median {floor:.2f} s, max "
          f"{max(floor_adam + floor_momentum):.2f} s: the app's optimizer change takes "
          f"{statistics.median(to_adam + to_momentum) / floor:.2f}x its floor")


if __name__ == "__main__":
    main()
