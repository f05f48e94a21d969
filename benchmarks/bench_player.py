"""Player benchmark: build time in Python, and playback frame rate in headless Chromium.

Load: 6 runs x 500 steps on Rosenbrock. Goals (from the issue): the HTML is
built in well under a second; playback holds at least 30 frames per second.

    python benchmarks/bench_player.py [--runs 6] [--steps 500] [--repeat 5]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from player_support import PlayerOnPage, benchmark_load, launch_chromium, measure_fps  # noqa: E402

from playground.viz import player, plots  # noqa: E402

FPS_GOAL = 30
BUILD_GOAL_S = 1.0


def timed(fn, repeat):
    """(median wall seconds, median CPU seconds, last result) of ``repeat`` calls.

    CPU time is reported too because on a shared machine wall time mostly
    measures the neighbours.
    """
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu), out


def main() -> None:
    args, problem, trajs = benchmark_load(__doc__.splitlines()[0], steps=500, repeat=5)
    runs = player.runs_from_trajectories(trajs)
    w_contour, c_contour, (fig, ax) = timed(lambda: plots.contour(problem), args.repeat)
    w_html, c_html, html = timed(lambda: player.standalone_html(fig, ax, runs), args.repeat)
    wall, cpu = w_contour + w_html, c_contour + c_html
    print(f"load: {args.runs} runs x {args.steps} steps ({len(player.frame_steps(runs))} frames)")
    print(f"build in Python (median of {args.repeat}): contour {w_contour * 1e3:.0f} ms + standalone_html "
          f"{w_html * 1e3:.0f} ms = {wall * 1e3:.0f} ms wall, {cpu * 1e3:.0f} ms CPU "
          f"(goal < {BUILD_GOAL_S * 1e3:.0f} ms: {'ok' if wall < BUILD_GOAL_S else 'MISSED'}); "
          f"page {len(html) / 1024:.0f} KiB")

    with tempfile.TemporaryDirectory() as tmp:
        t_gif, _, n = timed(lambda: player.save_gif(fig, ax, runs, Path(tmp) / "bench.gif"), 1)
        print(f"save_gif: {n} frames in {t_gif * 1e3:.0f} ms")
        page_path = Path(tmp) / "player.html"
        page_path.write_text(html, encoding="utf-8")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 820, "height": 760})
            page.goto(page_path.as_uri())
            result = measure_fps(PlayerOnPage(page))
            browser.close()
    print(f"playback in headless Chromium: {result['fps']:.1f} fps over {result['frames_drawn']} drawn frames "
          f"(goal >= {FPS_GOAL}: {'ok' if result['fps'] >= FPS_GOAL else 'MISSED'}); "
          f"{result['draw_ms_per_frame']:.2f} ms drawing per frame, longest gap {result['longest_gap_ms']:.0f} ms")
    print("(fps is capped by the display's requestAnimationFrame rate; the draw time shows the headroom)")


if __name__ == "__main__":
    main()
