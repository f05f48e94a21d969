"""Trajectory playback: a player that runs in the browser, and the same animation as a GIF.

The server computes the runs once; the browser plays them. :func:`player_data`
renders the contour figure to a PNG once, maps every run's points to image
pixels in Python, and returns the one JSON payload the player's script plays
from. Playing, scrubbing and changing speed cost the server nothing, and the
player loads nothing from the network (the app may be offline).

The player is a web page's worth of assets in this package, ``player.html``
(the markup of one player), ``player.css`` and ``player.js`` (an ES module),
read with :mod:`importlib.resources`; Python only fills in the payload.
Hosts:

- a notebook cell: :class:`Player` (``_repr_html_`` is :func:`fragment_html`,
  markup, style, data and script in one element, nothing external);
- an exported file: :func:`standalone_html`, or :func:`page_html` for several
  players on one page;
- the Streamlit app: ``playground_app.player_component`` mounts :func:`assets`
  as a Custom Components v2 component (this package never imports streamlit).

Why Components v2 and not ``st.components.v1.html``: the next features need
events from the player in Python, a click on the contours (a new start
point) and a chosen step. ``v1.html`` is an iframe with no channel back; a v1
declared component has one, but needs the assets served from a directory and
its postMessage protocol in the player. v2 mounts the same markup, style and
module in the app's page (in a shadow root, no iframe), passes the payload as
``data``, and returns state (``step``, kept across reruns) and triggers
(``click``, for one rerun) to Python. Its contract, a default export called
with the parent element and data, again on every rerun, fits the player as it
was written: an instance over one root element, kept when the payload is the
same (its ``id``). The costs: the script runs in the app's page, not a
sandbox (it is our own, and labels are inserted as text, never HTML); and
every state change reruns the page script, so the player reports a step only
when the user chooses one (pause, step, scrub), never while it plays.

Frames: the frame axis is the sorted union of every run's recorded step
numbers and divergence steps, so runs recorded at different steps, or for
different lengths, play together; at each frame a run shows its latest point
at or before that frame's step (:func:`frame_points`).

The view: a run whose point is outside the axes (it left the view, see
:func:`playground.training.projection.view_exit`) is drawn at the nearest point
of the axes' edge, as a diamond with the words "left the view at step k";
its legend entry keeps those words from that step on.

What a browser test can rely on, inside the player's root ``.tp-player``:
``.tp-play`` (toggles play/pause), ``.tp-prev``, ``.tp-next``,
``.tp-scrubber`` (range input over frame indices), ``.tp-step-counter``
("step k / N", k the frame's step number, N the last step), ``.tp-speed``
(select), ``.tp-legend``. The root's ``player`` property is the instance:
``frames``, ``frame()``, ``show(i)``, ``play()``, ``pause()``,
``resetStats()``, ``stats()`` (frames drawn while playing, the first and
last requestAnimationFrame timestamps in ms, the longest gap between drawn
frames and the total draw time in ms) and ``drawn()`` (per run, where its
point is drawn in the current frame: ``{x, y, atEdge}`` in image pixels,
``atEdge`` true when it is outside the axes and pulled onto their edge;
null before the run's first point). The payload's ``clip`` is the axes'
box ``[left, top, width, height]`` in the same pixels. The root dispatches ``tp-click``
(detail ``{x, y}``, data coordinates) and ``tp-step`` (detail: the step).

Overlays, built here and only drawn there: a run that keeps a second point
(Schedule-Free's gradient point, ``PlayerRun.gradient_xy``) is drawn with a
hollow ring on a thin line to its point; the payload's optional ``anatomy``
(:func:`playground.viz.anatomy_plots.anatomy_overlay`, not part of the
``id``) is a step's arrows, drawn on ``.tp-anatomy`` while the player is
paused at that step (``anatomyShown()``: the step, else null; a host sends a
new one with ``setAnatomy(overlay)`` or a new payload), with its legend in
``.tp-anatomy-legend``.

:func:`save_gif` writes the same animation as a GIF, for the CLI.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
from importlib import resources
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from PIL import Image

from ...training import projection
from .. import plots, web_assets

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
    ``color`` is any matplotlib colour. ``gradient_xy`` (T, 2), for a run
    that keeps two points (Schedule-Free: ``xy`` is the averaged point), is
    where each step's gradient is taken, at the same steps; None for others.
    """

    label: str
    xy: np.ndarray
    steps: np.ndarray
    color: str
    diverged_at: int | None = None
    gradient_xy: np.ndarray | None = None

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
        if self.gradient_xy is not None:
            second = np.asarray(self.gradient_xy, dtype=np.float64).reshape(-1, 2)
            if second.shape != xy.shape or not np.isfinite(second).all():
                raise ValueError(f"run {self.label!r}: gradient_xy must be {len(xy)} finite points like xy, "
                                 f"got shape {second.shape}")
            object.__setattr__(self, "gradient_xy", second)
        if self.diverged_at is not None:
            object.__setattr__(self, "diverged_at", int(self.diverged_at))
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "steps", steps.astype(np.int64))


def runs_from_trajectories(trajectories: Sequence[Any], coords: Sequence[np.ndarray] | None = None, *,
                           surface: projection.LossSurface | None = None) -> list[PlayerRun]:
    """PlayerRuns for runner trajectories, coloured by :func:`playground.viz.plots.run_color`.

    ``coords`` are the runs' (T_r, 2) positions, e.g. ``project(...).coords``;
    by default the two parameters of a two-parameter problem. Either way each
    run keeps its finite snapshots only. A run that keeps where its gradients
    were taken (``gradient_params``, Schedule-Free) gets them as
    ``gradient_xy``, put on ``surface``'s plane (the one ``coords`` are in,
    as :func:`~playground.training.projection.run_plane` returns it); without a
    ``surface`` only a two-parameter problem's points can be placed.
    """
    if coords is not None and len(coords) != len(trajectories):
        raise ValueError(f"got {len(coords)} coordinate paths for {len(trajectories)} trajectories")
    runs = []
    for i, t in enumerate(trajectories):
        xy = projection.finite_snapshots(t.params) if coords is None else np.asarray(coords[i])
        if xy.shape[1] != 2:
            raise ValueError(f"run {t.label!r} has {xy.shape[1]} parameters; pass coords from projection.project")
        runs.append(PlayerRun(label=t.label, xy=xy, steps=np.asarray(t.steps)[:len(xy)],
                              color=plots.run_color(i), diverged_at=t.diverged_at,
                              gradient_xy=_gradient_points(t, len(xy), surface)))
    return runs


def _gradient_points(t: Any, n: int, surface: projection.LossSurface | None) -> np.ndarray | None:
    """The first ``n`` points where run ``t`` took its gradients, in the picture's plane; None if it keeps none."""
    if getattr(t, "gradient_params", None) is None:
        return None
    rows = projection.snapshot_rows(t.gradient_params)[:n]
    if surface is not None:
        return surface.coords(rows)
    if rows.shape[1] != 2:
        raise ValueError(f"run {t.label!r} keeps where its gradients were taken in {rows.shape[1]} parameters; "
                         "pass surface (run_plane's) to put them on the picture's plane")
    return rows


def frame_steps(runs: Sequence[PlayerRun]) -> np.ndarray:
    """The frame axis: every recorded step and divergence step of any run, sorted, once each."""
    marks = [r.steps for r in runs] + [[r.diverged_at] for r in runs if r.diverged_at is not None]
    return np.unique(np.concatenate(marks).astype(np.int64)) if marks else np.empty(0, np.int64)


def frame_points(run: PlayerRun, frames: np.ndarray) -> np.ndarray:
    """Per frame, the index into ``run.xy`` of its latest point at or before the frame's step (-1: none yet)."""
    return np.searchsorted(run.steps, frames, side="right") - 1


def player_data(fig: Figure, ax: Axes, runs: Sequence[PlayerRun], *, height: int | None = None,
                fps: int = 30, autoplay: bool = False) -> dict[str, Any]:
    """The JSON payload the player plays ``runs`` from, over the picture of ``fig``.

    ``fig`` is drawn once as the background (e.g. ``plots.contour(problem)``
    with no trajectories); ``ax`` is the axes whose data coordinates ``xy``
    are in. ``fps`` is frames per second at 1x speed. ``height`` fixes the
    player's height in CSS pixels: the plot then shrinks or grows to fit above
    the controls and legend. With ``None`` the plot keeps its natural size
    (narrowed to the width it gets). ``autoplay`` plays once from the start
    as soon as the player is mounted, then stops on the last frame.

    The payload's ``id`` is a digest of the rest: a host that mounts the
    player again with the same ``id`` keeps the instance that is playing.
    """
    if not runs:
        raise ValueError("the player needs at least one run, got none")
    if not (isinstance(fps, (int, np.integer)) and 1 <= fps <= 240):
        raise ValueError(f"fps must be an integer in [1, 240], got {fps!r}")
    if height is not None and not (isinstance(height, (int, np.integer)) and height >= 150):
        raise ValueError(f"height must be an integer >= 150 CSS pixels or None, got {height!r}")
    png = plots.to_png(fig)  # draws the figure, so the axes' layout and transform are final
    width_px, height_px = _png_size(png)
    frames = frame_steps(runs)
    if not len(frames):
        raise ValueError(f"none of the {len(runs)} runs has a point or a divergence step to play")
    linear = ax.get_xscale() == "linear" and ax.get_yscale() == "linear"
    view = (tuple(map(float, ax.get_xlim())), tuple(map(float, ax.get_ylim())))
    data = {
        "width": width_px, "height": height_px, "image": "data:image/png;base64," + base64.b64encode(png).decode(),
        "fps": int(fps), "autoplay": bool(autoplay), "fixedHeight": None if height is None else int(height),
        "frames": frames.tolist(),
        # Line widths and text follow the figure's dpi, as matplotlib's points do.
        "pxPerPt": fig.dpi / 72,
        # Paths leaving the axes must not draw over tick labels and colour bar: clip to the axes.
        "clip": _axes_box(ax, height_px),
        # The data coordinates at the clip box's edges, to map a click back (linear axes only).
        "limits": {"x": list(map(float, ax.get_xlim())), "y": list(map(float, ax.get_ylim()))} if linear else None,
        "runs": [
            {
                "label": r.label, "color": to_hex(r.color),
                "xy": np.round(pixel_coords(ax, r.xy, height_px), 2).ravel().tolist(),
                "idx": frame_points(r, frames).tolist(), "divergedAt": r.diverged_at,
                "leftAt": _left_at(r, view),
                "gradientXy": None if r.gradient_xy is None
                else np.round(pixel_coords(ax, r.gradient_xy, height_px), 2).ravel().tolist(),
            }
            for r in runs
        ],
    }
    data["id"] = hashlib.sha1(json.dumps(data, separators=(",", ":")).encode()).hexdigest()[:16]
    return data


def for_trajectories(problem: Any, trajectories: Sequence[Any], *,
                     plane: tuple[projection.LossSurface, Sequence[np.ndarray]] | None = None,
                     **options: Any) -> dict[str, Any]:
    """The payload playing runner ``trajectories`` of ``problem`` over its loss landscape; ``options`` as for :func:`player_data`.

    The landscape is :func:`~playground.training.projection.run_plane`: the
    problem's own parameter plane for two parameters, else the plane of the
    runs' two main directions. ``plane`` is that function's result when the
    caller has it already (it costs a loss grid). Raises ValueError, saying
    why, when there is no plane to draw.
    """
    surface, paths = projection.run_plane(problem, trajectories) if plane is None else plane
    fig, ax = plots.surface_figure(surface)
    return player_data(fig, ax, runs_from_trajectories(trajectories, paths, surface=surface), **options)


#: The player's files (:class:`~playground.viz.web_assets.WebAssets`). The module's default export mounts a
#: player: it takes ``{parentElement, data, setStateValue?, setTriggerValue?}``, finds the markup's
#: ``.tp-player`` root inside ``parentElement`` and plays ``data`` (a :func:`player_data` payload).
PlayerAssets = web_assets.WebAssets


def assets() -> PlayerAssets:
    """The asset files as this package holds them, read now (an edit shows on the next render)."""
    return web_assets.read(__name__, "player")


def fragment_html(data: dict[str, Any]) -> str:
    """One player for the payload ``data`` as an HTML fragment: markup, style, data and script inlined.

    It needs no host and loads nothing: fit for a notebook cell's
    ``_repr_html_`` or a page's body, as often as wanted on one page (each
    fragment mounts its own player and no other's).
    """
    return web_assets.fragment_html(assets(), data, "tp")


def page_html(*data: dict[str, Any]) -> str:
    """A complete HTML document with one player per payload in ``data``, one under the other."""
    if not data:
        raise ValueError("page_html needs at least one player payload, got none")
    shell = (resources.files(__name__) / "page.html").read_text(encoding="utf-8")
    return shell.replace("<!--players-->", "\n".join(fragment_html(d) for d in data), 1)


def standalone_html(fig: Figure, ax: Axes, runs: Sequence[PlayerRun], **options: Any) -> str:
    """A complete, self-contained HTML document playing ``runs``; ``options`` as for :func:`player_data`."""
    return page_html(player_data(fig, ax, runs, **options))


class Player:
    """A player to show in a notebook (its ``_repr_html_``) or save as a page; arguments as for :func:`player_data`."""

    def __init__(self, fig: Figure, ax: Axes, runs: Sequence[PlayerRun], **options: Any) -> None:
        self.data = player_data(fig, ax, runs, **options)

    def _repr_html_(self) -> str:
        return fragment_html(self.data)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the player as a standalone HTML file at ``path``."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(page_html(self.data))

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


def payload_pixels(data: dict[str, Any], xy: np.ndarray) -> np.ndarray:
    """Data coordinates (n, 2) to the image pixels of payload ``data``, for what is drawn over it later (an overlay).

    The map is the payload's own: its axes' ``limits`` onto their ``clip``
    box, which for linear axes is the transform :func:`pixel_coords` applied
    to the runs' points when the payload was built. Raises ValueError for a
    payload of non-linear axes (``limits`` None).
    """
    if data.get("limits") is None:
        raise ValueError("this player's axes are not linear (its payload has no limits): nothing can be placed on it")
    left, top, width, height = data["clip"]
    (x0, x1), (y0, y1) = data["limits"]["x"], data["limits"]["y"]
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    pix = np.column_stack([left + (pts[:, 0] - x0) / (x1 - x0) * width, top + (y1 - pts[:, 1]) / (y1 - y0) * height])
    return np.clip(pix, -_PIXEL_LIMIT, _PIXEL_LIMIT)


def _left_at(run: PlayerRun, view: projection.Bounds) -> int | None:
    """The step at which ``run`` first leaves the axes' limits ``view``, or None."""
    (x0, x1), (y0, y1) = view
    exit_ = projection.view_exit(run.xy, run.steps, ((min(x0, x1), max(x0, x1)), (min(y0, y1), max(y0, y1))))
    return None if exit_ is None else exit_[0]


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
