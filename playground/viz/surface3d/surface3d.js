// The loss as a 3-D surface with the runs' paths on it: a canvas 2-D renderer, no dependency, no WebGL.
//
// Every number drawn (heights, cell colours, ticks, path points) comes in the
// payload from playground.viz.surface3d.surface_data; this module only turns
// the box, projects it (orthographic) and paints: the floor, the grid cells
// back to front (painter's algorithm), then the axes, paths and marks on top.
//
// One instance per `.s3-viewer` root element; everything it touches is found
// inside that root, so several viewers share a page. The instance is the
// root's `surface` property. Hosts: Streamlit's Custom Components v2 call the
// default export with {parentElement, data}; a page or notebook cell holds the
// markup and its data in a `.s3-embed` element, mounted by the loop at the end.

const DEG = Math.PI / 180;
// The first view: from the front left, high enough to see into the valleys.
const HOME = { azimuth: -55, elevation: 42, zoom: 1 };
const ELEVATION = [4, 90], ZOOM = [0.5, 8];
const TURN_PER_PX = 0.45, TURN_PER_KEY = 7.5, ZOOM_PER_STEP = 1.25;
// While the view moves, at most about this many cells are drawn; the whole grid once it rests for REST_MS.
const MOVING_CELLS = 2500, REST_MS = 160;

// Mount the viewer in `parentElement` (which holds surface3d.html's markup) for
// `data`. Called again with the same payload (a Streamlit rerun) it keeps the
// instance, and the view the user turned it to; with another, it replaces it.
export default function mountSurface({ parentElement, data }) {
  const root = parentElement.querySelector(".s3-viewer");
  if (!root.surface || root.surface.id !== data.id) {
    if (root.surface) root.surface.destroy();
    root.surface = createSurface(root, data);
  }
  return () => root.surface.destroy();
}

const clamp = (v, [lo, hi]) => Math.min(Math.max(v, lo), hi);

function createSurface(root, data) {
  const part = (name) => root.querySelector(".s3-" + name);
  const canvas = part("canvas"), ctx = canvas.getContext("2d");
  const nx = data.x.length, ny = data.y.length, nCells = (nx - 1) * (ny - 1);
  const [x0, x1] = [data.x[0], data.x[nx - 1]], [y0, y1] = [data.y[0], data.y[ny - 1]];
  const [z0, z1] = data.zRange, H = data.boxHeight;
  // The box: x and y in [-1, 1], z in [-H/2, H/2], so it turns about its centre.
  const bx = (x) => (x - x0) / (x1 - x0) * 2 - 1, by = (y) => (y - y0) / (y1 - y0) * 2 - 1;
  const bz = (z) => (z === null ? NaN : ((z - z0) / (z1 - z0) - 0.5) * H);
  const U = Float64Array.from(data.x, bx), V = Float64Array.from(data.y, by);
  const W = Float64Array.from(data.z, bz);
  const runs = data.runs.map((r) => ({ label: r.label, color: r.color, pts: boxPoints(r.xyz) }));
  const minima = boxPoints(data.minima);
  function boxPoints(xyz) {
    const out = [];
    for (let k = 0; k + 2 < xyz.length; k += 3) out.push([bx(xyz[k]), by(xyz[k + 1]), bz(xyz[k + 2])]);
    return out;
  }

  legendFor(part("legend"), runs, data.minimumColor, minima.length > 0);

  // Per frame: every grid point's screen position and depth, and the cells in paint order.
  const sx = new Float64Array(nx * ny), sy = new Float64Array(nx * ny), depth = new Float64Array(nx * ny);
  const triDepth = new Float64Array(2 * nCells), order = new Uint32Array(2 * nCells);
  let view = Object.assign({}, HOME), pending = false, alive = true, draws = 0, px = 1;
  let cam = null, movedAt = -Infinity, rest = null;

  // The camera for the current view and canvas: project(u, v, w) -> [x, y, depth] in canvas pixels
  // (depth grows towards the viewer).
  function camera() {
    const a = view.azimuth * DEG, e = view.elevation * DEG;
    const ca = Math.cos(a), sa = Math.sin(a), ce = Math.cos(e), se = Math.sin(e);
    const w = canvas.width, h = canvas.height;
    const s = view.zoom * Math.min(w, h * 1.2) / 3.4, cx = w / 2, cy = h / 2 + 0.02 * h;
    return (u, v, z) => {
      const r = u * sa + v * ca;
      return [cx + s * (u * ca - v * sa), cy - s * (r * se + z * ce), -r * ce + z * se];
    };
  }

  function draw() {
    pending = false;
    const moving = performance.now() - movedAt < REST_MS;
    if (!alive || !canvas.width) return;
    draws += 1;
    cam = camera();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.lineJoin = "round"; ctx.lineCap = "round";
    drawFloor();
    drawCells(moving ? coarse : full);
    drawAxes();
    for (const run of runs) drawPath(run);
    for (const m of minima) star(cam(...m), 9 * px, data.minimumColor);
    if (moving) { clearTimeout(rest); rest = setTimeout(schedule, REST_MS); }
  }
  function schedule() {
    if (!pending && alive) { pending = true; requestAnimationFrame(draw); }
  }

  // The floor of the box, with the x and y tick lines: seen beside and under the surface.
  function drawFloor() {
    const f = -H / 2, corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([u, v]) => cam(u, v, f));
    ctx.beginPath();
    corners.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.fillStyle = "#f3f5f8"; ctx.fill();
    ctx.lineWidth = px; ctx.strokeStyle = "#c3cbd5"; ctx.stroke();
    ctx.beginPath();
    for (const [x] of data.axes.x.ticks) line(cam(bx(x), -1, f), cam(bx(x), 1, f));
    for (const [y] of data.axes.y.ticks) line(cam(-1, by(y), f), cam(1, by(y), f));
    ctx.strokeStyle = "#dde2e8"; ctx.stroke();
  }
  function line(a, b) { ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); }

  // The grid indices drawn along one side: all of them at rest; while the user turns or zooms a big grid,
  // every `stride`-th and the wire lines' (so the mesh does not jump), for a frame rate that follows the hand.
  function sideIndices(n, stride) {
    const keep = [];
    for (let k = 0; k < n; k++) {
      if (k % stride === 0 || k % data.wireEvery === 0 || k === n - 1) keep.push(k);
    }
    return keep;
  }
  const full = [sideIndices(nx, 1), sideIndices(ny, 1)];
  const strideMoving = Math.max(1, Math.ceil(Math.sqrt(nCells / MOVING_CELLS)));
  const coarse = [sideIndices(nx, strideMoving), sideIndices(ny, strideMoving)];

  function drawCells([ix, iy]) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const k = j * nx + i, p = cam(U[i], V[j], W[k]);
        sx[k] = p[0]; sy[k] = p[1]; depth[k] = p[2];
      }
    }
    // Each cell is two triangles, split along its lower diagonal (the one a valley runs along): a warped cell
    // drawn as one flat quadrilateral would show teeth where a narrow valley crosses the grid.
    const mx = ix.length - 1, m = mx * (iy.length - 1);
    for (let c = 0; c < m; c++) {
      const [p, q, r, t] = corners(ix, iy, mx, c);
      const main = !(W[p] + W[t] > W[q] + W[r]);  // split p-t (also when a height is missing)
      const d1 = main ? depth[p] + depth[q] + depth[t] : depth[p] + depth[q] + depth[r];
      const d2 = main ? depth[p] + depth[t] + depth[r] : depth[q] + depth[t] + depth[r];
      // A triangle with no height is left out below.
      triDepth[2 * c] = Number.isNaN(d1) ? -Infinity : d1; triDepth[2 * c + 1] = Number.isNaN(d2) ? -Infinity : d2;
      order[2 * c] = 2 * c; order[2 * c + 1] = 2 * c + 1;
    }
    const sorted = order.subarray(0, 2 * m).sort((p, q) => triDepth[p] - triDepth[q]);
    const every = data.wireEvery, wire = (n, last) => n % every === 0 || n === last;
    // Each triangle is filled and outlined in its cell's colour, so no seam shows between neighbours.
    ctx.lineWidth = 0.9 * px;
    for (const tri of sorted) {
      if (triDepth[tri] === -Infinity) continue;
      const c = tri >> 1, second = tri & 1, a = c % mx, b = (c - a) / mx;
      const i0 = ix[a], i1 = ix[a + 1], j0 = iy[b], j1 = iy[b + 1];
      const [p, q, r, t] = corners(ix, iy, mx, c), main = !(W[p] + W[t] > W[q] + W[r]);
      const [u, v, w] = main ? (second ? [p, t, r] : [p, q, t]) : (second ? [q, t, r] : [p, q, r]);
      ctx.beginPath();
      ctx.moveTo(sx[u], sy[u]); ctx.lineTo(sx[v], sy[v]); ctx.lineTo(sx[w], sy[w]);
      ctx.closePath();
      // A coarse cell takes the colour of the grid cell at its middle.
      ctx.fillStyle = ctx.strokeStyle = data.colors[((j0 + j1 - 1) >> 1) * (nx - 1) + ((i0 + i1 - 1) >> 1)];
      ctx.fill(); ctx.stroke();
      // Every few grid lines drawn darker: the wire mesh that shows the shape where colours are alike.
      // The cell's sides p-q (row j0), r-t (row j1), p-r (column i0), q-t (column i1), each with its triangle.
      const sides = main ? (second ? [[t, r, j1, ny], [r, p, i0, nx]] : [[p, q, j0, ny], [q, t, i1, nx]])
        : (second ? [[q, t, i1, nx], [t, r, j1, ny]] : [[p, q, j0, ny], [r, p, i0, nx]]);
      ctx.beginPath();
      let any = false;
      for (const [e, f, n, size] of sides) {
        if (wire(n, size - 1)) { ctx.moveTo(sx[e], sy[e]); ctx.lineTo(sx[f], sy[f]); any = true; }
      }
      if (any) { ctx.strokeStyle = "rgba(40, 52, 66, 0.35)"; ctx.stroke(); }
    }
  }
  // The grid points at the corners of cell c of the (ix, iy) grid: [lower left, lower right, upper left, upper right].
  function corners(ix, iy, mx, c) {
    const a = c % mx, b = (c - a) / mx, j0 = iy[b] * nx, j1 = iy[b + 1] * nx;
    return [j0 + ix[a], j0 + ix[a + 1], j1 + ix[a], j1 + ix[a + 1]];
  }

  // Tick labels on the floor's edges nearest the viewer, the height axis up the box's leftmost corner.
  function drawAxes() {
    const f = -H / 2, font = Math.round(12 * px);
    ctx.font = font + "px system-ui, sans-serif"; ctx.fillStyle = "#1f2933";
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    const near = (pts) => pts.reduce((best, p) => (cam(...p)[2] > cam(...best)[2] ? p : best));
    const ve = near([[0, -1, f], [0, 1, f]])[1], ue = near([[-1, 0, f], [1, 0, f]])[0];
    for (const [x, text] of data.axes.x.ticks) label(text, cam(bx(x), ve * 1.1, f));
    for (const [y, text] of data.axes.y.ticks) label(text, cam(ue * 1.1, by(y), f));
    ctx.font = "600 " + font + "px system-ui, sans-serif";
    // An axis's name reaches away from the middle, so a long one ("PC1 (96% of variance)") clears the ticks.
    for (const [text, p] of [[data.axes.x.label, cam(0, ve * 1.35, f)], [data.axes.y.label, cam(ue * 1.35, 0, f)]]) {
      const left = p[0] < canvas.width / 2, room = ctx.measureText(text).width + 4 * px;
      ctx.textAlign = left ? "right" : "left";
      // Kept inside the canvas: a name too long for its side is pushed in.
      halo(text, left ? Math.max(p[0], room) : Math.min(p[0], canvas.width - room), p[1]);
    }
    const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
    const [cu, cv] = corners.reduce((best, c) => (cam(c[0], c[1], 0)[0] < cam(best[0], best[1], 0)[0] ? c : best));
    const bottom = cam(cu, cv, -H / 2), top = cam(cu, cv, H / 2);
    ctx.beginPath(); line(bottom, top); ctx.lineWidth = px; ctx.strokeStyle = "#7b8794"; ctx.stroke();
    ctx.font = font + "px system-ui, sans-serif"; ctx.textAlign = "right";
    for (const [z, text] of data.axes.z.ticks) {
      const p = cam(cu, cv, bz(z));
      ctx.beginPath(); line(p, [p[0] - 5 * px, p[1]]); ctx.stroke();
      halo(text, p[0] - 7 * px, p[1]);
    }
    ctx.font = "600 " + font + "px system-ui, sans-serif"; ctx.textAlign = "center";
    halo(data.axes.z.label, top[0], top[1] - 14 * px);
  }
  function label(text, p) { halo(text, p[0], p[1]); }
  // Text with a white outline, readable over the surface and the floor alike.
  function halo(text, x, y) {
    ctx.lineWidth = 3 * px; ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
    ctx.strokeText(text, x, y); ctx.fillText(text, x, y);
  }

  // A run's path, on top of the surface: a white casing, then its colour; a ring at its start, a dot at its end.
  function drawPath(run) {
    const pts = run.pts.map((p) => cam(...p));
    for (const [width, color] of [[4.5 * px, "rgba(255, 255, 255, 0.85)"], [2.2 * px, run.color]]) {
      ctx.beginPath();
      let open = false;
      for (const p of pts) {
        if (!Number.isFinite(p[1])) { open = false; continue; }  // no height here: the path breaks
        if (open) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]);
        open = true;
      }
      ctx.lineWidth = width; ctx.strokeStyle = color; ctx.stroke();
    }
    const ends = pts.filter((p) => Number.isFinite(p[1]));
    if (!ends.length) return;
    const r = 4.5 * px, [first, last] = [ends[0], ends[ends.length - 1]];
    ctx.lineWidth = 2 * px;
    ctx.beginPath(); ctx.arc(last[0], last[1], r, 0, 2 * Math.PI);
    ctx.fillStyle = run.color; ctx.strokeStyle = "#fff"; ctx.fill(); ctx.stroke();
    ctx.beginPath(); ctx.arc(first[0], first[1], r, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff"; ctx.strokeStyle = run.color; ctx.fill(); ctx.stroke();
  }

  function star(p, r, color) {
    if (!Number.isFinite(p[1])) return;
    ctx.beginPath();
    for (let k = 0; k < 10; k++) {
      const rr = k % 2 ? r * 0.45 : r, a = -Math.PI / 2 + k * Math.PI / 5;
      ctx.lineTo(p[0] + rr * Math.cos(a), p[1] + rr * Math.sin(a));
    }
    ctx.closePath();
    ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = px; ctx.strokeStyle = "#000"; ctx.stroke();
  }

  // A new view from the user's hand (or a host): drawn coarse until it rests.
  function setView(next) {
    movedAt = performance.now();
    view = {
      azimuth: ((next.azimuth % 360) + 540) % 360 - 180,
      elevation: clamp(next.elevation, ELEVATION), zoom: clamp(next.zoom, ZOOM),
    };
    schedule();
  }
  const turn = (da, de) => setView({ azimuth: view.azimuth + da, elevation: view.elevation + de, zoom: view.zoom });
  const zoomBy = (f) => setView(Object.assign({}, view, { zoom: view.zoom * f }));

  // Every listener goes with destroy(), so a replaced instance leaves nothing behind.
  const listening = new AbortController(), on = { signal: listening.signal };
  const pointers = new Map();
  let pinch = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    canvas.classList.add("s3-dragging");
    pinch = pointers.size === 2 ? spread() : null;
  }, on);
  canvas.addEventListener("pointermove", (e) => {
    const was = pointers.get(e.pointerId);
    if (!was) return;
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    if (pointers.size === 1) turn(-(e.clientX - was[0]) * TURN_PER_PX, (e.clientY - was[1]) * TURN_PER_PX);
    else if (pinch) { const now = spread(); zoomBy(now / pinch); pinch = now; }
  }, on);
  for (const type of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(type, (e) => {
      pointers.delete(e.pointerId);
      pinch = pointers.size === 2 ? spread() : null;
      if (!pointers.size) canvas.classList.remove("s3-dragging");
    }, on);
  }
  function spread() {
    const [a, b] = [...pointers.values()];
    return Math.max(1, Math.hypot(a[0] - b[0], a[1] - b[1]));
  }
  canvas.addEventListener("wheel", (e) => { e.preventDefault(); zoomBy(Math.exp(-e.deltaY * 0.0015)); },
                          { signal: listening.signal, passive: false });
  canvas.addEventListener("keydown", (e) => {
    const keys = {
      ArrowLeft: () => turn(TURN_PER_KEY, 0), ArrowRight: () => turn(-TURN_PER_KEY, 0),
      ArrowUp: () => turn(0, TURN_PER_KEY), ArrowDown: () => turn(0, -TURN_PER_KEY),
      "+": () => zoomBy(ZOOM_PER_STEP), "=": () => zoomBy(ZOOM_PER_STEP), "-": () => zoomBy(1 / ZOOM_PER_STEP),
      "0": () => setView(HOME), Home: () => setView(HOME),
    };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  }, on);
  part("zoom-in").addEventListener("click", () => zoomBy(ZOOM_PER_STEP), on);
  part("zoom-out").addEventListener("click", () => zoomBy(1 / ZOOM_PER_STEP), on);
  part("reset").addEventListener("click", () => setView(HOME), on);

  // The canvas keeps its CSS size (the stylesheet's aspect ratio) and draws at the screen's pixel density.
  function fit() {
    px = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * px), h = Math.round(canvas.clientHeight * px);
    if (w > 0 && h > 0 && (w !== canvas.width || h !== canvas.height)) {
      canvas.width = w; canvas.height = h; draw();
    }
  }
  const resizes = new ResizeObserver(fit);
  resizes.observe(canvas);
  fit();

  return {
    id: data.id, view: () => Object.assign({}, view), setView: setView, draws: () => draws,
    destroy: () => { alive = false; clearTimeout(rest); listening.abort(); resizes.disconnect(); },
  };
}

// The legend, built with textContent so labels are never parsed as HTML.
function legendFor(legend, runs, minimumColor, hasMinima) {
  legend.replaceChildren();
  const entry = (mark, text) => {
    const el = document.createElement("span"), name = document.createElement("span");
    el.className = "s3-entry"; name.textContent = text;
    el.append(mark, name); legend.append(el);
  };
  for (const run of runs) {
    const sw = document.createElement("span");
    sw.className = "s3-swatch"; sw.style.background = run.color;
    entry(sw, run.label);
  }
  const ring = document.createElement("span"), dot = document.createElement("span");
  ring.className = dot.className = "s3-mark"; ring.textContent = "\u25CB"; dot.textContent = "\u25CF";
  entry(ring, "start"); entry(dot, "end");
  if (hasMinima) {
    const st = document.createElement("span");
    st.className = "s3-mark"; st.textContent = "\u2605"; st.style.color = minimumColor;
    st.style.webkitTextStroke = "0.6px #000";
    entry(st, "known minimum");
  }
}

// Pages and notebook cells: each `.s3-embed` holds the markup and a JSON script with its data. Every
// cell carries this module, so mount only the viewers not mounted yet.
for (const embed of document.querySelectorAll(".s3-embed")) {
  if (!embed.querySelector(".s3-viewer").surface) {
    mountSurface({ parentElement: embed, data: JSON.parse(embed.querySelector("script.s3-data").textContent) });
  }
}
