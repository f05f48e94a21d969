"""Player frame rate against the browser's own: 6 runs x 1000 recorded steps with a step's anatomy overlay loaded.

In one headless Chromium page: the rate of a bare requestAnimationFrame loop
(what the display allows), then the player's drawn frames per second while it
plays the load through, and their ratio. Goal: ratio >= 0.9, the player
drawing (nearly) every frame the browser offers. The overlay (arrows at one
run's step 500, on their own canvas) is drawn while paused and cleared while
playing; its legend stays under the player.

    python benchmarks/bench_player_fps.py [--runs 6] [--steps 1000] [--repeat 3]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from player_support import PlayerOnPage, benchmark_load, launch_chromium, measure_fps  # noqa: E402

from playground.training import replay  # noqa: E402
from playground.training.run_spec import RunSpec  # noqa: E402
from playground.training import projection  # noqa: E402
from playground.viz import anatomy_plots, player  # noqa: E402

RATIO_GOAL = 0.9
#: How long the bare loop runs, in ms: about as long as one playback at 16x.
BARE_MS = 2000
BARE_LOOP = """ms => new Promise(done => {
  let n = 0, t0 = null;
  const f = (t) => { if (t0 === null) t0 = t; n += 1;
    if (t - t0 < ms) requestAnimationFrame(f); else done((n - 1) / (t - t0) * 1000); };
  requestAnimationFrame(f);
})"""


def main() -> None:
    args, problem, trajs = benchmark_load(__doc__.splitlines()[0], steps=1000, repeat=3)
    surface, paths = projection.run_plane(problem, trajs)
    data = player.for_trajectories(problem, trajs, plane=(surface, paths))
    spec = RunSpec(trajs[1].optimizer.name, dict(trajs[1].optimizer.hp))
    a = replay.anatomy(problem, spec, args.steps // 2, steps=args.steps)
    data["anatomy"] = anatomy_plots.anatomy_overlay(data, a, surface, run=1, label=trajs[1].label)
    print(f"load: {args.runs} runs x {args.steps} steps ({len(data['frames'])} frames), "
          f"anatomy of {trajs[1].label!r} step {args.steps // 2} with {len(data['anatomy']['arrows'])} arrows")

    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "player.html"
        page_path.write_text(player.page_html(data), encoding="utf-8")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 820, "height": 900})
            page.goto(page_path.as_uri())
            shown = PlayerOnPage(page)
            shown.wait(f"p.anatomyShown() === {args.steps // 2}")  # mounted paused at the overlay's step
            bare, played = [], []
            for _ in range(args.repeat):  # interleaved, so both see the same load from the neighbours
                bare.append(page.evaluate(BARE_LOOP, BARE_MS))
                played.append(measure_fps(shown, speed="16"))
            browser.close()
    bare_fps = statistics.median(bare)
    fps = statistics.median(r["fps"] for r in played)
    ratio = fps / bare_fps
    print(f"bare requestAnimationFrame loop: {bare_fps:.1f} fps (median of {args.repeat})")
    print(f"player: {fps:.1f} fps, {statistics.median(r['draw_ms_per_frame'] for r in played):.2f} ms drawing "
          f"per frame, longest gap {max(r['longest_gap_ms'] for r in played):.0f} ms")
    print(f"ratio player / bare: {ratio:.3f} (goal >= {RATIO_GOAL}: {'ok' if ratio >= RATIO_GOAL else 'MISSED'})")


if __name__ == "__main__":
    main()
