// The trajectory player: paths drawn on canvases over a PNG of the loss contours.
//
// One instance per `.tp-player` root element; everything it touches is found
// inside that root, so several players share a page. The instance is the
// root's `player` property (see createPlayer for its API).
//
// Hosts: Streamlit's Custom Components v2 import this module and call its
// default export with {parentElement, data, setStateValue, setTriggerValue};
// a standalone page or notebook cell holds the markup and its data in a
// `.tp-embed` element, mounted by the loop at the end of this file.

const PLAY = "\u25B6 Play", PAUSE = "\u275A\u275A Pause";

// Mount the player in `parentElement` (which holds player.html's markup) for
// `data`, the JSON payload built by playground.viz.player.player_data. Called
// again with the same payload (a Streamlit rerun), it leaves the playing
// instance alone; with another, it replaces it. User events go to
// setTriggerValue("click", {x, y}) and setStateValue("step", k) when given.
export default function mountPlayer({ parentElement, data, setStateValue, setTriggerValue }) {
  const root = parentElement.querySelector(".tp-player");
  if (!root.player || root.player.id !== data.id) {
    if (root.player) root.player.destroy();
    root.player = createPlayer(root, data);
  }
  // The anatomy overlay is not part of the id: a host sends a new one on every chosen step, to the same instance.
  root.player.setAnatomy(data.anatomy || null);
  if (setStateValue && setTriggerValue) {
    // The setters of the latest call: they carry the host's current ids.
    root.player.onEvent = (name, value) => (name === "click" ? setTriggerValue : setStateValue)(name, value);
    root.classList.add("tp-clickable");
  }
  return () => root.player.destroy();
}

// The player for `data` in `root`. Its API, for hosts, tests and benchmarks:
// frames, frame(), show(i), play(), pause(), stats(), resetStats(),
// drawn() (per run, where its point is drawn now: {x, y, atEdge}), destroy(), and onEvent(name, value), called (like the root's "tp-click"
// and "tp-step" DOM events) when the user clicks the contours or chooses a
// step by pausing, stepping or scrubbing; setAnatomy(overlay) and
// anatomyShown() (the overlay's step while its arrows are drawn, else null).
//
// The anatomy overlay (data.anatomy, built by the library's anatomy_overlay)
// is arrows from one run's point at step k, drawn on their own canvas only
// while the player is paused at step k; while it is given, ‹ and › move one
// optimizer step (k - 1, k + 1), even between recorded frames, and report it.
function createPlayer(root, data) {
  const part = (name) => root.querySelector(".tp-" + name);
  const W = data.width, H = data.height, frames = data.frames, F = frames.length;
  const lw = 1.8 * data.pxPerPt, r = 3.6 * data.pxPerPt, fontPx = Math.round(9 * data.pxPerPt);
  const trailCanvas = part("trails"), headCanvas = part("heads"), anatomyCanvas = part("anatomy");
  for (const canvas of [trailCanvas, headCanvas, anatomyCanvas]) { canvas.width = W; canvas.height = H; }
  part("background").src = data.image;
  const trails = trailCanvas.getContext("2d"), heads = headCanvas.getContext("2d");
  const arrows = anatomyCanvas.getContext("2d");
  for (const ctx of [trails, heads, arrows]) { ctx.beginPath(); ctx.rect(...data.clip); ctx.clip(); }
  const playBtn = part("play"), scrubber = part("scrubber"), counter = part("step-counter");
  const speedSel = part("speed"), legend = part("legend"), plot = part("plot"), stage = part("stage");
  const anatomyLegend = part("anatomy-legend");
  scrubber.max = String(F - 1);
  const runs = data.runs.map((run) => ({
    label: run.label, color: run.color, xy: Float64Array.from(run.xy), idx: Int32Array.from(run.idx),
    divergedAt: run.divergedAt, leftAt: run.leftAt, status: null, shownStatus: "", drawn: null,
    gradientXy: run.gradientXy ? Float64Array.from(run.gradientXy) : null,
  }));

  // Legend: built with textContent, so labels are never parsed as HTML.
  legend.replaceChildren();
  for (const run of runs) {
    const entry = document.createElement("span"), sw = document.createElement("span");
    const name = document.createElement("span"), status = document.createElement("span");
    entry.className = "tp-entry"; sw.className = "tp-swatch"; sw.style.background = run.color;
    name.textContent = run.label; status.className = "tp-status";
    entry.append(sw, name, status); legend.append(entry); run.status = status;
  }
  if (runs.some((run) => run.gradientXy)) {
    const entry = document.createElement("span");
    entry.className = "tp-entry tp-second-note"; entry.textContent = "\u25CB where the gradient is taken";
    legend.append(entry);
  }

  // chosen: the step shown, a frame's step or (stepping through an anatomy) an optimizer step between frames.
  let frame = 0, chosen = frames[0], trailFrame = -1, playing = false, lastT = null, carry = 0, alive = true;
  let anatomy = null, anatomyText = "null", anatomyDrawn = null;
  const stats = { drawn: 0, first: null, last: null, maxGap: 0, drawMs: 0 };
  const api = { id: data.id, frames: frames, onEvent: null };

  function emit(name, value) {
    root.dispatchEvent(new CustomEvent("tp-" + name, { detail: value }));
    if (api.onEvent) api.onEvent(name, value);
  }

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

  // A point outside the axes (the run left the view) is drawn on their edge, nearest to where it is.
  const [clipL, clipT, clipW, clipH] = data.clip;
  const clampX = (x) => Math.min(Math.max(x, clipL), clipL + clipW);
  const clampY = (y) => Math.min(Math.max(y, clipT), clipT + clipH);

  // The words beside a head, on the side of it facing the middle of the axes, so the clip never cuts them.
  function note(text, x, y) {
    const right = x > clipL + clipW / 2;
    heads.textAlign = right ? "right" : "left";
    const ty = Math.min(Math.max(y, clipT + fontPx), clipT + clipH - fontPx);
    heads.lineWidth = 3; heads.strokeStyle = "rgba(255,255,255,0.9)";
    const tx = right ? x - 1.6 * r : x + 1.6 * r;
    heads.strokeText(text, tx, ty); heads.fillText(text, tx, ty);
  }

  function statusText(run, f) {
    const words = [];
    if (run.leftAt !== null && frames[f] >= run.leftAt) words.push("left the view at step " + run.leftAt);
    if (isDown(run, f)) words.push("diverged at step " + run.divergedAt);
    return words.join(" · ");
  }

  function drawHeads(f) {
    heads.clearRect(0, 0, W, H);
    heads.font = "600 " + fontPx + "px system-ui, sans-serif"; heads.textBaseline = "middle";
    for (const run of runs) {
      const k = run.idx[f];
      const text = statusText(run, f);
      if (text !== run.shownStatus) {  // touch the DOM only on change: it is slower than the canvas
        run.shownStatus = text; run.status.textContent = text;
      }
      if (k < 0) { run.drawn = null; continue; }
      const px = run.xy[2 * k], py = run.xy[2 * k + 1];
      const x = clampX(px), y = clampY(py);
      // Rounding can put a point on the edge a hair outside: only a run that left the view is at its edge.
      const atEdge = (x !== px || y !== py) && run.leftAt !== null;
      run.drawn = { x: x, y: y, atEdge: atEdge };
      if (run.gradientXy && !atEdge) {  // the second point (Schedule-Free): a hollow ring on a thin line
        const gx = run.gradientXy[2 * k], gy = run.gradientXy[2 * k + 1];
        heads.lineWidth = 0.8 * data.pxPerPt; heads.strokeStyle = run.color;
        heads.beginPath(); heads.moveTo(x, y); heads.lineTo(gx, gy); heads.stroke();
        heads.beginPath(); heads.arc(gx, gy, r * 0.75, 0, 2 * Math.PI);
        heads.fillStyle = "#fff"; heads.fill(); heads.lineWidth = 1.2 * data.pxPerPt; heads.stroke();
      }
      heads.fillStyle = run.color;
      if (isDown(run, f)) {
        heads.lineWidth = 2.2 * data.pxPerPt; heads.strokeStyle = run.color;
        heads.beginPath(); heads.moveTo(x - r, y - r); heads.lineTo(x + r, y + r);
        heads.moveTo(x + r, y - r); heads.lineTo(x - r, y + r); heads.stroke();
        note("diverged at step " + run.divergedAt, x, y);
      } else if (atEdge) {  // a diamond on the edge, as the static figure marks where the path crosses it
        heads.lineWidth = 1.5 * data.pxPerPt; heads.strokeStyle = "#fff";
        const d = 1.25 * r;
        heads.beginPath(); heads.moveTo(x, y - d); heads.lineTo(x + d, y); heads.lineTo(x, y + d);
        heads.lineTo(x - d, y); heads.closePath(); heads.fill(); heads.stroke();
        heads.fillStyle = run.color;
        note("left the view at step " + run.leftAt, x, y);
      } else {
        heads.lineWidth = 1.5 * data.pxPerPt; heads.strokeStyle = "#fff";
        heads.beginPath(); heads.arc(x, y, r, 0, 2 * Math.PI); heads.fill(); heads.stroke();
      }
    }
  }

  function show(f, step) {
    frame = Math.max(0, Math.min(F - 1, f | 0));
    chosen = step === undefined ? frames[frame] : step;
    drawTrails(trailFrame, frame); trailFrame = frame;
    drawHeads(frame);
    scrubber.value = String(frame);
    counter.textContent = "step " + chosen + " / " + frames[F - 1];
    drawAnatomy();
  }

  // Step k, which need not be recorded: the latest frame at or before it, with k on the counter.
  function goToStep(k) {
    let lo = 0, hi = F - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (frames[mid] <= k) lo = mid; else hi = mid - 1; }
    show(lo, k);
  }

  // The arrows, on their own canvas: drawn once when they appear, cleared when they go, never per frame.
  function drawAnatomy() {
    const due = anatomy !== null && !playing && chosen === anatomy.step ? anatomy : null;
    if (due === anatomyDrawn) return;
    anatomyDrawn = due;
    arrows.clearRect(0, 0, W, H);
    // An empty layer still costs compositing on every frame played: out of the page while it has nothing.
    anatomyCanvas.hidden = !due;
    if (!due) return;
    const [ax, ay] = due.at, head = 5 * data.pxPerPt;
    arrows.lineCap = "round";
    for (const arrow of due.arrows) {
      const [tx, ty] = arrow.tip, len = Math.hypot(tx - ax, ty - ay);
      if (!(len > 0.5)) continue;  // a part of (nearly) nothing: its number is in the legend
      const ux = (tx - ax) / len, uy = (ty - ay) / len, h = Math.min(head, 0.6 * len);
      const bx = tx - ux * h, by = ty - uy * h;  // the shaft ends where the head begins
      for (const [width, colour] of [[lw + 2.4, "rgba(255,255,255,0.9)"], [lw, arrow.color]]) {
        arrows.setLineDash(arrow.dashed && colour === arrow.color ? [5, 3] : []);
        arrows.lineWidth = width; arrows.strokeStyle = colour;
        arrows.beginPath(); arrows.moveTo(ax, ay); arrows.lineTo(bx, by); arrows.stroke();
      }
      arrows.setLineDash([]);
      arrows.beginPath(); arrows.moveTo(tx, ty);
      arrows.lineTo(bx - uy * h * 0.5, by + ux * h * 0.5); arrows.lineTo(bx + uy * h * 0.5, by - ux * h * 0.5);
      arrows.closePath(); arrows.fillStyle = arrow.color; arrows.lineWidth = 1; arrows.strokeStyle = "#fff";
      arrows.stroke(); arrows.fill();
    }
    arrows.beginPath(); arrows.arc(ax, ay, 0.7 * r, 0, 2 * Math.PI);
    arrows.fillStyle = "#111"; arrows.fill(); arrows.lineWidth = 1.2; arrows.strokeStyle = "#fff"; arrows.stroke();
  }

  // The overlay's legend, as text (labels are never parsed as HTML); rebuilt only when the overlay changes.
  function setAnatomy(overlay) {
    const text = JSON.stringify(overlay);
    if (text === anatomyText) return;
    anatomyText = text; anatomy = overlay; anatomyDrawn = undefined;  // redraw, even at the same step
    anatomyLegend.replaceChildren();
    anatomyLegend.hidden = !overlay;
    if (overlay) {
      const title = document.createElement("div");
      title.className = "tp-anatomy-title"; title.textContent = overlay.title;
      anatomyLegend.append(title);
      for (const arrow of overlay.arrows) {
        const entry = document.createElement("span"), sw = document.createElement("span");
        const name = document.createElement("span");
        entry.className = "tp-entry"; sw.className = "tp-arrow-swatch" + (arrow.dashed ? " tp-dashed" : "");
        sw.style.color = arrow.color; name.textContent = arrow.label;
        entry.append(sw, name); anatomyLegend.append(entry);
      }
      for (const note of overlay.notes) {
        const line = document.createElement("div");
        line.className = "tp-anatomy-note"; line.textContent = note; anatomyLegend.append(line);
      }
      if (!playing && overlay.step !== chosen) { goToStep(overlay.step); return; }
    }
    drawAnatomy();
  }

  // With an overlay, ‹ and › move one optimizer step within the run's steps; else one frame.
  function stepBy(d) {
    setPlaying(false);
    if (anatomy) goToStep(Math.min(Math.max(chosen + d, frames[0]), frames[F - 1]));
    else show(frame + d);
    chose();
  }

  function setPlaying(on) {
    const start = on && !playing && alive;  // one animation loop, however often play() is called
    playing = on && alive; lastT = null; carry = 0;
    playBtn.textContent = playing ? PAUSE : PLAY;
    drawAnatomy();
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

  // A chosen step: the frame the user paused, stepped or scrubbed to.
  function chose() { emit("step", chosen); }

  // Every listener goes with destroy(), so a replaced instance leaves nothing behind.
  const listening = new AbortController(), on = { signal: listening.signal };
  playBtn.addEventListener("click", () => {
    if (!playing && frame === F - 1) show(0);  // play again from the start
    const pausing = playing;
    setPlaying(!playing);
    if (pausing) chose();
  }, on);
  part("prev").addEventListener("click", () => stepBy(-1), on);
  part("next").addEventListener("click", () => stepBy(1), on);
  scrubber.addEventListener("input", () => { carry = 0; show(Number(scrubber.value)); }, on);
  scrubber.addEventListener("change", chose, on);
  root.addEventListener("keydown", (e) => {
    if (e.target !== root) return;  // buttons, slider and select handle their own keys
    if (e.key === " ") { e.preventDefault(); playBtn.click(); }
    else if (e.key === "ArrowLeft") part("prev").click();
    else if (e.key === "ArrowRight") part("next").click();
  }, on);
  // A click inside the axes reports its data coordinates (axes with linear
  // scales only: data.limits is null otherwise).
  headCanvas.addEventListener("click", (e) => {
    if (!data.limits) return;
    const box = headCanvas.getBoundingClientRect();
    const px = (e.clientX - box.left) * W / box.width, py = (e.clientY - box.top) * H / box.height;
    const [left, top, width, height] = data.clip, [x0, x1] = data.limits.x, [y0, y1] = data.limits.y;
    const u = (px - left) / width, v = (top + height - py) / height;
    if (u < 0 || u > 1 || v < 0 || v > 1) return;
    emit("click", { x: x0 + u * (x1 - x0), y: y0 + v * (y1 - y0) });
  }, on);

  // Keep the image's aspect ratio; fit the space left by controls and legend
  // when the player has a fixed height, else never grow beyond natural size.
  const fixedHeight = data.fixedHeight !== null;
  root.style.height = fixedHeight ? data.fixedHeight + "px" : "";
  function fit() {
    const availW = plot.clientWidth, availH = fixedHeight ? plot.clientHeight : Infinity;
    const s = Math.min(availW / W, fixedHeight ? availH / H : 1);
    if (!(s > 0)) return;
    stage.style.width = (W * s) + "px"; stage.style.height = (H * s) + "px";
    // Controls and legend as wide as the picture, so they line up under it.
    part("controls").style.maxWidth = legend.style.maxWidth = anatomyLegend.style.maxWidth = (W * s) + "px";
  }
  const resizes = new ResizeObserver(fit);
  resizes.observe(plot);
  fit();

  Object.assign(api, {
    frame: () => frame, show: show, play: () => setPlaying(true), pause: () => setPlaying(false),
    stats: () => Object.assign({}, stats),
    drawn: () => runs.map((run) => (run.drawn ? Object.assign({}, run.drawn) : null)),
    resetStats: () => Object.assign(stats, { drawn: 0, first: null, last: null, maxGap: 0, drawMs: 0 }),
    setAnatomy: setAnatomy, anatomyShown: () => (anatomyDrawn ? anatomyDrawn.step : null),
    destroy: () => { setPlaying(false); alive = false; listening.abort(); resizes.disconnect(); },
  });
  show(0);
  // Mounted on a chosen step's anatomy (a host's rerun can mount the player anew): show that step, do not play.
  if (data.autoplay && !data.anatomy) setPlaying(true);
  return api;
}

// Standalone pages and notebook cells: each `.tp-embed` holds the markup and a
// JSON script with its data. Every cell carries this module, so mount only the
// players not mounted yet.
for (const embed of document.querySelectorAll(".tp-embed")) {
  if (!embed.querySelector(".tp-player").player) {
    mountPlayer({ parentElement: embed, data: JSON.parse(embed.querySelector("script.tp-data").textContent) });
  }
}
