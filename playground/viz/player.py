"""Trajectory playback: a self-contained HTML/JS player, and the same animation as a GIF.

The server computes the runs once; the browser plays them. ``player_html``
renders the contour figure to a PNG once, maps every run's points to image
pixels in Python, and returns one HTML page whose script draws the paths on a
canvas over that PNG. Playing, scrubbing and changing speed cost the server
nothing, and the page loads nothing from the network (the app may be offline).

Frames: the frame axis is the sorted union of every run's recorded step
numbers and divergence steps, so runs recorded at different steps, or for
different lengths, play together; at each frame a run shows its latest point
at or before that frame's step (:func:`frame_points`).

Page elements a browser test can rely on: ``#play`` (toggles play/pause),
``#prev``, ``#next``, ``#scrubber`` (range input over frame indices),
``#step-counter`` ("step k / N", k the frame's step number, N the last step),
``#speed`` (select), ``#legend``. For tests and benchmarks ``window.player``
has ``frames``, ``frame()``, ``show(i)``, ``play()``, ``pause()``,
``resetStats()`` and ``stats()``: frames drawn while playing, the first and
last requestAnimationFrame timestamps (ms), the longest gap between drawn
frames and the total draw time (ms).

:func:`save_gif` writes the same animation as a GIF, for the CLI.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import struct
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from PIL import Image

from . import plots, projection

# Canvas coordinates are float32 in Chromium's rasteriser; a point from a
# near-divergence (1e200) would overflow it, so pixels are clamped here. Only
# points more than a thousand plot-widths away are affected.
_PIXEL_LIMIT = 1e6


@dataclass(frozen=True, eq=False)
class PlayerRun:
    """One run as the player draws it.

    ``xy`` (T, 2) finite points in data coordinates at step numbers ``steps``
    (T,), strictly increasing; a diverged run is cut before its first
    non-finite point and carries ``diverged_at``, the step it blew up.
    ``color`` is any matplotlib colour.
    """

    label: str
    xy: np.ndarray
    steps: np.ndarray
    color: str
    diverged_at: int | None = None

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy, dtype=np.float64).reshape(-1, 2)
        steps = np.asarray(self.steps)
        if steps.shape != (len(xy),):
            raise ValueError(f"run {self.label!r}: steps has shape {steps.shape} but xy has {len(xy)} points")
        if not np.issubdtype(steps.dtype, np.integer) and len(steps):
            raise ValueError(f"run {self.label!r}: steps must be integers, got dtype {steps.dtype}")
        if np.any(np.diff(steps) <= 0):
            raise ValueError(f"run {self.label!r}: steps must be strictly increasing, got {steps.tolist()[:10]}...")
        if not np.isfinite(xy).all():
            raise ValueError(
                f"run {self.label!r}: xy holds non-finite points; cut a diverged run before its first "
                "non-finite point (runs_from_trajectories does)"
            )
        if self.diverged_at is not None:
            object.__setattr__(self, "diverged_at", int(self.diverged_at))
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "steps", steps.astype(np.int64))


def runs_from_trajectories(trajectories: Sequence[Any],
                           coords: Sequence[np.ndarray] | None = None) -> list[PlayerRun]:
    """PlayerRuns for runner trajectories, coloured by :func:`playground.viz.plots.run_color`.

    ``coords`` are the runs' (T_r, 2) positions, e.g. ``project(...).coords``;
    by default the two parameters of a two-parameter problem. Either way each
    run keeps its finite snapshots only.
    """
    if coords is not None and len(coords) != len(trajectories):
        raise ValueError(f"got {len(coords)} coordinate paths for {len(trajectories)} trajectories")
    runs = []
    for i, t in enumerate(trajectories):
        xy = projection.finite_snapshots(t.params) if coords is None else np.asarray(coords[i])
        if xy.shape[1] != 2:
            raise ValueError(f"run {t.label!r} has {xy.shape[1]} parameters; pass coords from projection.project")
        runs.append(PlayerRun(label=t.label, xy=xy, steps=np.asarray(t.steps)[:len(xy)],
                              color=plots.run_color(i), diverged_at=t.diverged_at))
    return runs


def frame_steps(runs: Sequence[PlayerRun]) -> np.ndarray:
    """The frame axis: every recorded step and divergence step of any run, sorted, once each."""
    marks = [r.steps for r in runs] + [[r.diverged_at] for r in runs if r.diverged_at is not None]
    return np.unique(np.concatenate(marks).astype(np.int64)) if marks else np.empty(0, np.int64)


def frame_points(run: PlayerRun, frames: np.ndarray) -> np.ndarray:
    """Per frame, the index into ``run.xy`` of its latest point at or before the frame's step (-1: none yet)."""
    return np.searchsorted(run.steps, frames, side="right") - 1


def player_html(fig: Figure, ax: Axes, runs: Sequence[PlayerRun], *, height: int | None = None,
                fps: int = 30, autoplay: bool = False) -> str:
    """A self-contained HTML page that plays ``runs`` over the picture of ``fig``.

    ``fig`` is drawn once as the background (e.g. ``plots.contour(problem)``
    with no trajectories); ``ax`` is the axes whose data coordinates ``xy``
    are in. ``fps`` is frames per second at 1x speed. ``height`` is the page's
    height in CSS pixels, the value to give ``streamlit.components.v1.html``:
    the plot then shrinks or grows to fit above the controls and legend. With
    ``None`` the plot keeps its natural size (narrowed to the page width).
    ``autoplay`` plays once from the start as soon as the page loads, then
    stops on the last frame.
    """
    if not runs:
        raise ValueError("player_html needs at least one run, got none")
    if not (isinstance(fps, (int, np.integer)) and 1 <= fps <= 240):
        raise ValueError(f"fps must be an integer in [1, 240], got {fps!r}")
    if height is not None and not (isinstance(height, (int, np.integer)) and height >= 150):
        raise ValueError(f"height must be an integer >= 150 CSS pixels or None, got {height!r}")
    png = plots.to_png(fig)  # draws the figure, so the axes' layout and transform are final
    width_px, height_px = _png_size(png)
    frames = frame_steps(runs)
    if not len(frames):
        raise ValueError(f"none of the {len(runs)} runs has a point or a divergence step to play")
    data = {
        "width": width_px, "height": height_px, "fps": int(fps), "frames": frames.tolist(),
        # Line widths and text follow the figure's dpi, as matplotlib's points do.
        "pxPerPt": fig.dpi / 72,
        # Paths leaving the axes must not draw over tick labels and colour bar: clip to the axes.
        "clip": _axes_box(ax, height_px),
        "runs": [
            {
                "label": r.label, "color": to_hex(r.color),
                "xy": np.round(pixel_coords(ax, r.xy, height_px), 2).ravel().tolist(),
                "idx": frame_points(r, frames).tolist(), "divergedAt": r.diverged_at,
            }
            for r in runs
        ],
    }
    # "<" escaped so no label can close the <script> element that holds the JSON.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    fields = {
        "HEIGHTCSS": f"height: {int(height)}px;" if height else "", "FIXED": "true" if height else "false",
        "IMG": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "W": str(width_px), "H": str(height_px), "LAST": str(frames[-1]), "MAXFRAME": str(len(frames) - 1),
        "DATA": payload, "AUTOPLAY": "true" if autoplay else "false",
    }
    # One pass, so text inside a substituted value (a run label) is never substituted again.
    return re.sub(r"__([A-Z]+)__", lambda m: fields[m.group(1)], _PAGE)


def pixel_coords(ax: Axes, xy: np.ndarray, image_height: int) -> np.ndarray:
    """Data coordinates of ``ax`` to pixel coordinates of its figure's PNG (origin top left).

    ``ax.transData`` gives display pixels at the figure's dpi with the origin
    bottom left; the image's rows run top down, so y is flipped about the
    image height. Call after the figure has been drawn (``to_png`` does), when
    the layout engine has placed the axes.
    """
    if len(xy) == 0:
        return np.empty((0, 2))
    disp = ax.transData.transform(np.asarray(xy, dtype=np.float64))
    pix = np.column_stack([disp[:, 0], image_height - disp[:, 1]])
    return np.clip(pix, -_PIXEL_LIMIT, _PIXEL_LIMIT)


def _axes_box(ax: Axes, image_height: int) -> list[float]:
    """The axes' rectangle in image pixels: [left, top, width, height]."""
    x0, y0, w, h = ax.bbox.bounds
    return [round(x0, 2), round(image_height - y0 - h, 2), round(w, 2), round(h, 2)]


def _png_size(png: bytes) -> tuple[int, int]:
    # Width and height are the first two fields of the IHDR chunk, right after the signature.
    return struct.unpack(">II", png[16:24])


def save_gif(fig: Figure, ax: Axes, runs: Sequence[PlayerRun], path: str | os.PathLike[str], *,
             max_frames: int = 60, fps: int = 12) -> int:
    """Write the playback over ``fig`` as an animated GIF at ``path``; return the number of frames.

    At most ``max_frames`` frames, evenly spread over the frame axis (first
    and last included), so a 10 000-step run still writes in about a second.
    ``fig`` itself is not changed.
    """
    if not runs:
        raise ValueError("save_gif needs at least one run, got none")
    if not (isinstance(max_frames, (int, np.integer)) and max_frames >= 2):
        raise ValueError(f"max_frames must be an integer >= 2, got {max_frames!r}")
    if not (isinstance(fps, (int, np.integer)) and 1 <= fps <= 50):
        raise ValueError(f"fps must be an integer in [1, 50] (GIF delays are in 10 ms), got {fps!r}")
    frames = frame_steps(runs)
    chosen = frames[np.unique(np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).round().astype(int))]
    index = [frame_points(r, chosen) for r in runs]
    anim_fig, anim_ax = _raster_copy(fig, ax)
    lines = [anim_ax.plot([], [], "-", color=r.color, lw=1.8, label=r.label, animated=True)[0] for r in runs]
    heads = [anim_ax.plot([], [], "o", color=r.color, ms=7, mec="white", animated=True)[0] for r in runs]
    counter = anim_ax.text(0.02, 0.97, "", transform=anim_ax.transAxes, va="top", fontsize=9, animated=True,
                           bbox={"boxstyle": "round", "fc": "white", "ec": "none", "alpha": 0.85})
    # Animated too, so it is drawn after the paths each frame and stays readable over them.
    legend = anim_ax.legend(handles=lines, fontsize=8, loc="upper right", framealpha=0.9)
    legend.set_animated(True)
    # Blitting: draw the static picture once, then per frame paste it back and
    # draw only the moving artists.
    canvas = anim_fig.canvas
    canvas.draw()
    static = canvas.copy_from_bbox(anim_fig.bbox)
    palette = _gif_palette(np.asarray(canvas.buffer_rgba())[..., :3],
                           [r.color for r in runs] + [plots.MINIMUM_COLOR])
    images = []
    for j, step in enumerate(chosen):
        canvas.restore_region(static)
        for r, line, head, idx in zip(runs, lines, heads, index):
            k = idx[j]
            line.set_data(r.xy[:k + 1, 0], r.xy[:k + 1, 1])
            head.set_data(r.xy[max(k, 0):k + 1, 0], r.xy[max(k, 0):k + 1, 1])
            head.set_marker("X" if r.diverged_at is not None and step >= r.diverged_at else "o")
            anim_ax.draw_artist(line)
            anim_ax.draw_artist(head)
        done = [f"{r.label} diverged at step {r.diverged_at}" for r in runs
                if r.diverged_at is not None and step >= r.diverged_at]
        counter.set_text("\n".join([f"step {step} / {frames[-1]}", *done]))
        anim_ax.draw_artist(counter)
        anim_ax.draw_artist(legend)
        rgb = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
        images.append(rgb.quantize(palette=palette, dither=Image.Dither.NONE))
    images[0].save(os.fspath(path), format="GIF", save_all=True, append_images=images[1:],
                   duration=round(1000 / fps), loop=0)
    return len(chosen)


def _raster_copy(fig: Figure, ax: Axes) -> tuple[Figure, Axes]:
    """A figure showing ``fig`` as one image, with a bare axes over ``ax`` to draw on.

    Drawing on a copy leaves ``fig`` as the caller made it; the image stands in
    for the contours, colour bar and layout, which cost ~0.2 s per redraw.
    """
    png = plots.to_png(fig)  # lays out and draws fig, so ax's position below is final
    copy = plots.new_figure(tuple(fig.get_size_inches()), fig.dpi)
    copy.set_layout_engine("none")
    # zorder -1: under the axes, which a figure otherwise draws before its images.
    copy.figimage(np.asarray(Image.open(io.BytesIO(png))), origin="upper", zorder=-1)
    over = copy.add_axes(ax.get_position(), xlim=ax.get_xlim(), ylim=ax.get_ylim(),
                         xscale=ax.get_xscale(), yscale=ax.get_yscale())
    over.set_axis_off()
    return copy, over


def _gif_palette(background: np.ndarray, colors: Sequence[str]) -> Image.Image:
    """One 256-colour palette for every frame: ``colors`` kept exact, plus the background's own.

    Quantising each frame on its own (as matplotlib's PillowWriter does) both
    costs ~30 ms a frame and lets a small blue path come out green.
    """
    exact = [tuple(int(round(255 * c)) for c in to_rgb(col)) for col in [*colors, "white", "black"]]
    exact = list(dict.fromkeys(exact))[:64]
    scene = Image.fromarray(background).quantize(colors=256 - len(exact), method=Image.Quantize.MEDIANCUT)
    rgb = [v for c in exact for v in c] + scene.getpalette()[: 3 * (256 - len(exact))]
    palette = Image.new("P", (1, 1))
    palette.putpalette(rgb + [0] * (768 - len(rgb)))
    return palette


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>trajectory player</title>
<style>
  html, body { margin: 0; padding: 0; background: #fff; }
  body { font: 14px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2933; }
  #player { display: flex; flex-direction: column; gap: 6px; box-sizing: border-box; padding: 4px; __HEIGHTCSS__ }
  #plot { flex: 1 1 auto; min-height: 0; display: flex; align-items: flex-start; }
  #stage { position: relative; width: __W__px; height: __H__px; }
  #stage > img, #stage > canvas { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
  #controls { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
  #controls button { font: inherit; min-width: 2.4em; padding: 3px 10px; border: 1px solid #9aa5b1;
    border-radius: 6px; background: #f5f7fa; cursor: pointer; }
  #controls button:hover { background: #e4e7eb; }
  #play { min-width: 6.2em; font-weight: 600; }
  #scrubber { flex: 1 1 160px; min-width: 120px; }
  #step-counter { font-variant-numeric: tabular-nums; min-width: 9em; }
  #speed { font: inherit; }
  #legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; }
  .entry { display: inline-flex; align-items: center; gap: 6px; }
  .swatch { display: inline-block; width: 22px; height: 4px; border-radius: 2px; }
  .status { color: #b42318; font-weight: 600; }
</style></head>
<body>
<div id="player">
  <div id="plot"><div id="stage">
    <img id="background" alt="loss contours" src="__IMG__">
    <canvas id="trails" width="__W__" height="__H__"></canvas>
    <canvas id="heads" width="__W__" height="__H__"></canvas>
  </div></div>
  <div id="controls">
    <button id="play" type="button" title="play / pause (space)">&#9654; Play</button>
    <button id="prev" type="button" title="previous step (left arrow)">&#8249;</button>
    <button id="next" type="button" title="next step (right arrow)">&#8250;</button>
    <input id="scrubber" type="range" min="0" max="__MAXFRAME__" step="1" value="0" aria-label="frame">
    <span id="step-counter">step 0 / __LAST__</span>
    <label>speed <select id="speed">
      <option value="0.25">0.25&times;</option><option value="0.5">0.5&times;</option>
      <option value="1" selected>1&times;</option><option value="2">2&times;</option>
      <option value="4">4&times;</option><option value="8">8&times;</option><option value="16">16&times;</option>
    </select></label>
  </div>
  <div id="legend"></div>
</div>
<script type="application/json" id="player-data">__DATA__</script>
<script>
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("player-data").textContent);
  const W = data.width, H = data.height, frames = data.frames, F = frames.length;
  const lw = 1.8 * data.pxPerPt, r = 3.6 * data.pxPerPt, fontPx = Math.round(9 * data.pxPerPt);
  const $ = (id) => document.getElementById(id);
  const trails = $("trails").getContext("2d"), heads = $("heads").getContext("2d");
  for (const ctx of [trails, heads]) { ctx.beginPath(); ctx.rect(...data.clip); ctx.clip(); }
  const playBtn = $("play"), scrubber = $("scrubber"), counter = $("step-counter"), speedSel = $("speed");
  const runs = data.runs.map((run) => ({
    label: run.label, color: run.color, xy: Float64Array.from(run.xy), idx: Int32Array.from(run.idx),
    divergedAt: run.divergedAt, status: null, down: false,
  }));

  // Legend: built with textContent, so labels are never parsed as HTML.
  for (const run of runs) {
    const entry = document.createElement("span"), sw = document.createElement("span");
    const name = document.createElement("span"), status = document.createElement("span");
    entry.className = "entry"; sw.className = "swatch"; sw.style.background = run.color;
    name.textContent = run.label; status.className = "status";
    entry.append(sw, name, status); $("legend").append(entry); run.status = status;
  }

  let frame = 0, trailFrame = -1, playing = false, lastT = null, carry = 0;
  const stats = { drawn: 0, first: null, last: null, maxGap: 0, drawMs: 0 };

  function isDown(run, f) { return run.divergedAt !== null && frames[f] >= run.divergedAt; }

  // Trails only grow while playing forward: draw just the new segments on their
  // own canvas, and redraw from scratch only when jumping back.
  function drawTrails(from, to) {
    if (from > to) { trails.clearRect(0, 0, W, H); from = -1; }
    trails.lineWidth = lw; trails.lineCap = "round"; trails.lineJoin = "round";
    for (const run of runs) {
      const a = from < 0 ? -1 : run.idx[from], b = run.idx[to];
      if (b < 0 || b === a) continue;
      const xy = run.xy, s = Math.max(a, 0);
      trails.strokeStyle = run.color;
      trails.beginPath(); trails.moveTo(xy[2 * s], xy[2 * s + 1]);
      for (let i = s + 1; i <= b; i++) trails.lineTo(xy[2 * i], xy[2 * i + 1]);
      trails.stroke();
      if (a < 0) {  // the run's start: a hollow ring
        trails.beginPath(); trails.arc(xy[0], xy[1], r * 0.8, 0, 2 * Math.PI);
        trails.fillStyle = "#fff"; trails.fill(); trails.lineWidth = lw * 0.8; trails.stroke(); trails.lineWidth = lw;
      }
    }
  }

  function drawHeads(f) {
    heads.clearRect(0, 0, W, H);
    heads.font = "600 " + fontPx + "px system-ui, sans-serif"; heads.textBaseline = "middle";
    for (const run of runs) {
      const k = run.idx[f];
      const down = isDown(run, f);
      if (down !== run.down) {  // touch the DOM only on change: it is slower than the canvas
        run.down = down; run.status.textContent = down ? "diverged at step " + run.divergedAt : "";
      }
      if (k < 0) continue;
      const x = run.xy[2 * k], y = run.xy[2 * k + 1];
      heads.lineWidth = 1.5 * data.pxPerPt; heads.strokeStyle = "#fff"; heads.fillStyle = run.color;
      if (down) {
        heads.lineWidth = 2.2 * data.pxPerPt; heads.strokeStyle = run.color;
        heads.beginPath(); heads.moveTo(x - r, y - r); heads.lineTo(x + r, y + r);
        heads.moveTo(x + r, y - r); heads.lineTo(x - r, y + r); heads.stroke();
        const text = "diverged at step " + run.divergedAt;
        heads.lineWidth = 3; heads.strokeStyle = "rgba(255,255,255,0.9)";
        heads.strokeText(text, x + 1.6 * r, y); heads.fillText(text, x + 1.6 * r, y);
      } else {
        heads.beginPath(); heads.arc(x, y, r, 0, 2 * Math.PI); heads.fill(); heads.stroke();
      }
    }
  }

  function show(f) {
    frame = Math.max(0, Math.min(F - 1, f | 0));
    drawTrails(trailFrame, frame); trailFrame = frame;
    drawHeads(frame);
    scrubber.value = String(frame);
    counter.textContent = "step " + frames[frame] + " / " + frames[F - 1];
  }

  function setPlaying(on) {
    const start = on && !playing;  // one animation loop, however often play() is called
    playing = on; lastT = null; carry = 0;
    playBtn.innerHTML = on ? "&#10074;&#10074; Pause" : "&#9654; Play";
    if (start) requestAnimationFrame(tick);
  }

  function tick(t) {
    if (!playing) return;
    // At most 100 ms per tick: after the tab was hidden (no animation frames),
    // playback resumes where it was instead of jumping ahead by the time away.
    if (lastT !== null) carry += Math.min(t - lastT, 100) / 1000 * data.fps * Number(speedSel.value);
    lastT = t;
    const step = Math.floor(carry);
    if (step > 0) {
      carry -= step;
      const t0 = performance.now();
      show(frame + step);
      stats.drawMs += performance.now() - t0; stats.drawn += 1;
      if (stats.last !== null) stats.maxGap = Math.max(stats.maxGap, t - stats.last);
      if (stats.first === null) stats.first = t;
      stats.last = t;
      if (frame === F - 1) { setPlaying(false); return; }
    }
    requestAnimationFrame(tick);
  }

  playBtn.addEventListener("click", () => {
    if (!playing && frame === F - 1) show(0);  // play again from the start
    setPlaying(!playing);
  });
  $("prev").addEventListener("click", () => { setPlaying(false); show(frame - 1); });
  $("next").addEventListener("click", () => { setPlaying(false); show(frame + 1); });
  scrubber.addEventListener("input", () => { carry = 0; show(Number(scrubber.value)); });
  document.addEventListener("keydown", (e) => {
    if (e.target !== document.body) return;  // buttons, slider and select handle their own keys
    if (e.key === " ") { e.preventDefault(); playBtn.click(); }
    else if (e.key === "ArrowLeft") $("prev").click();
    else if (e.key === "ArrowRight") $("next").click();
  });

  // Keep the image's aspect ratio; fit the space left by controls and legend
  // when the page has a fixed height, else never grow beyond natural size.
  const plot = $("plot"), stage = $("stage"), fixedHeight = __FIXED__;
  function fit() {
    const availW = plot.clientWidth, availH = fixedHeight ? plot.clientHeight : Infinity;
    const s = Math.min(availW / W, fixedHeight ? availH / H : 1);
    if (!(s > 0)) return;
    stage.style.width = (W * s) + "px"; stage.style.height = (H * s) + "px";
    // Controls and legend as wide as the picture, so they line up under it.
    $("controls").style.maxWidth = $("legend").style.maxWidth = (W * s) + "px";
  }
  new ResizeObserver(fit).observe(plot);
  fit();

  show(0);
  if (__AUTOPLAY__) setPlaying(true);
  window.player = {
    frames: frames, frame: () => frame, show: show, play: () => setPlaying(true), pause: () => setPlaying(false),
    stats: () => Object.assign({}, stats),
    resetStats: () => Object.assign(stats, { drawn: 0, first: null, last: null, maxGap: 0, drawMs: 0 }),
  };
})();
</script>
</body></html>
"""
