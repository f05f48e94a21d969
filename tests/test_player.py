import io
import json
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

import optimizers
from player_support import descend, plane_runs, with_path
from playground import problems, run
from playground.training import replay
from playground.training.run_spec import RunSpec
from playground.training import projection
from playground.viz import anatomy_plots, player, plots


def page_data(html):
    """The JSON the page's script plays from (of its only player)."""
    (payload,) = re.findall(r'<script type="application/json" class="tp-data">(.*?)</script>', html, re.S)
    return json.loads(payload)


def make_run(label, steps, xy=None, diverged_at=None):
    steps = np.asarray(steps)
    xy = np.column_stack([steps, -steps]).astype(float) if xy is None else xy
    return player.PlayerRun(label, xy, steps, "C0", diverged_at)


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_pixel_coords_land_where_matplotlib_draws_the_point(dpi):
    # Oracle independent of the transform: find a drawn marker in the PNG itself.
    fig, ax = plots.contour(problems.quadratic(), resolution=11, dpi=dpi)
    point = np.array([[0.6, -0.45]])
    ax.plot(*point.T, "s", ms=6, color="#ff0000", mec="#ff0000")
    png = plots.to_png(fig)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    red = (img[..., 0] > 200) & (img[..., 1] < 60) & (img[..., 2] < 60)
    rows, cols = np.nonzero(red)
    centroid = np.array([cols.mean() + 0.5, rows.mean() + 0.5])  # pixel (i, j) covers [i, i+1)
    (mapped,) = player.pixel_coords(ax, point, img.shape[0])
    assert np.abs(mapped - centroid).max() < 1.0
    disp = ax.transData.transform(point)[0]
    np.testing.assert_allclose(mapped, [disp[0], img.shape[0] - disp[1]])


def test_frames_are_the_union_of_recorded_and_divergence_steps():
    a = make_run("a", [0, 2, 4, 6])
    b = make_run("b", [0, 3], diverged_at=5)
    c = make_run("c", [4, 9])  # starts late
    frames = player.frame_steps([a, b, c])
    np.testing.assert_array_equal(frames, [0, 2, 3, 4, 5, 6, 9])
    np.testing.assert_array_equal(player.frame_points(a, frames), [0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(player.frame_points(b, frames), [0, 0, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(player.frame_points(c, frames), [-1, -1, -1, 0, 0, 0, 1])


def test_diverged_trajectory_is_cut_and_labelled():
    r = problems.rosenbrock()
    real = descend(r, "lr too big", 2.2e-3, 100)
    assert real.diverged_at == real.steps[-1]
    params = real.params.copy()
    params[-1] = [np.inf, np.nan]  # a blow-up the runner records as non-finite
    blown = with_path(real, "lr too big", params, steps=real.steps, diverged_at=real.diverged_at)
    (run,) = player.runs_from_trajectories([blown])
    assert len(run.xy) == len(params) - 1 and np.isfinite(run.xy).all()
    np.testing.assert_array_equal(run.steps, real.steps[:-1])
    assert run.diverged_at == real.diverged_at
    fig, ax = plots.contour(r, resolution=11)
    html = player.standalone_html(fig, ax, [run])
    data = page_data(html)
    assert data["runs"][0]["divergedAt"] == real.diverged_at
    assert data["frames"][-1] == real.diverged_at  # the divergence gets a frame of its own
    assert '"diverged at step "' in html


def test_finite_blow_up_keeps_its_last_point_within_canvas_limits():
    r = problems.rosenbrock()
    (run,) = player.runs_from_trajectories([descend(r, "huge", 100.0, 100)])
    assert run.diverged_at is not None and np.isfinite(run.xy).all()
    fig, ax = plots.contour(r, resolution=11)
    xy = np.array(page_data(player.standalone_html(fig, ax, [run]))["runs"][0]["xy"])
    assert np.abs(xy).max() == 1e6  # one step lands ~1.7e6 px away: clamped


def test_many_parameter_runs_play_by_their_projected_coordinates():
    net = problems.xor()
    runs, _ = plane_runs(net)
    proj = projection.project(net, runs, resolution=5)
    played = player.runs_from_trajectories(runs, coords=proj.coords)
    for run, xy in zip(played, proj.coords):
        np.testing.assert_array_equal(run.xy, xy)
    with pytest.raises(ValueError, match="15 parameters"):
        player.runs_from_trajectories(runs)
    with pytest.raises(ValueError, match="2 coordinate paths for 3 trajectories"):
        player.runs_from_trajectories(runs, coords=proj.coords[:2])


def test_for_trajectories_plays_the_runs_over_their_plane_given_or_computed():
    q = problems.quadratic()
    runs = [descend(q, "slow", 0.05, 20), descend(q, "fast", 0.4, 20)]
    data = player.for_trajectories(q, runs, fps=10)
    assert [r["label"] for r in data["runs"]] == ["slow", "fast"] and data["fps"] == 10
    plane = projection.run_plane(q, runs)
    assert player.for_trajectories(q, runs, plane=plane)["frames"] == data["frames"]
    with pytest.raises(ValueError, match="the runs did not move"):
        player.for_trajectories(problems.xor(), [descend(problems.xor(), "still", 1e-300, 3)])


def test_runs_get_palette_colours_in_order():
    q = problems.quadratic()
    runs = player.runs_from_trajectories([descend(q, f"r{i}", 0.1, 5) for i in range(3)])
    assert [r.color for r in runs] == [plots.run_color(i) for i in range(3)]


def test_standalone_html_is_self_contained():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11)
    html = player.standalone_html(fig, ax, player.runs_from_trajectories([descend(q, "gd", 0.1, 20)]))
    assert not re.search(r"https?://", html)
    assert not re.search(r"\b(src|href)=", html)  # the picture is in the data, set by the script
    data = page_data(html)
    assert data["image"].startswith("data:image/png;base64,") and data["frames"][-1] == 20
    a = player.assets()
    assert a.css in html and a.js in html and a.html in html  # inlined from the package's files
    for part in ["tp-step-counter", "tp-play", "tp-scrubber", "tp-speed", "tp-legend"]:
        assert f'class="{part}"' in a.html
    assert not re.search(r"\bid=", html)  # no page-wide ids: several players share a page


def test_a_page_holds_several_players_each_with_its_own_data():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11, dpi=30)  # a small picture: these tests render it thrice
    first = player.player_data(fig, ax, [make_run("a", [0, 1])])
    second = player.player_data(fig, ax, [make_run("b", [0, 1, 2])])
    html = player.page_html(first, second)
    payloads = re.findall(r'<script type="application/json" class="tp-data">(.*?)</script>', html, re.S)
    assert [json.loads(p) for p in payloads] == [first, second]
    assert html.count('<div class="tp-embed">') == 2 and html.startswith("<!DOCTYPE html>")
    notebook = player.Player(fig, ax, [make_run("a", [0, 1])])
    assert notebook._repr_html_() == player.fragment_html(notebook.data)


def test_the_payload_id_follows_the_content():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11, dpi=30)  # a small picture: these tests render it thrice
    runs = [make_run("a", [0, 1])]
    plots.to_png(fig)  # constrained layout settles on the second draw: from then on, the same picture
    assert player.player_data(fig, ax, runs)["id"] == player.player_data(fig, ax, runs)["id"]
    assert player.player_data(fig, ax, runs)["id"] != player.player_data(fig, ax, runs, fps=10)["id"]


def test_clicks_map_back_through_the_axes_limits_of_linear_axes_only():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11)
    data = player.player_data(fig, ax, [make_run("a", [0, 1])])
    assert data["limits"] == {"x": list(ax.get_xlim()), "y": list(ax.get_ylim())}
    left, top, width, height = data["clip"]
    corner = player.pixel_coords(ax, np.array([[ax.get_xlim()[0], ax.get_ylim()[0]]]), data["height"])[0]
    np.testing.assert_allclose(corner, [left, top + height], atol=0.01)  # limits sit at the clip box's edges
    ax.set_xscale("log")
    assert player.player_data(fig, ax, [make_run("a", [1, 2])])["limits"] is None


def test_player_data_carries_pixels_and_frame_indices():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11)
    runs = [make_run("a", [0, 1, 2], xy=np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, 1.0]])), make_run("b", [0, 2])]
    data = player.player_data(fig, ax, runs)
    assert data["frames"] == [0, 1, 2]
    assert data["runs"][1]["idx"] == [0, 0, 1]
    xy = np.array(data["runs"][0]["xy"]).reshape(-1, 2)
    np.testing.assert_allclose(xy, player.pixel_coords(ax, runs[0].xy, data["height"]), atol=0.01)
    assert data["runs"][0]["color"] == "#1f77b4"  # "C0" as CSS


def test_labels_cannot_break_out_of_the_page():
    q = problems.quadratic()
    fig, ax = plots.contour(q, resolution=11)
    html = player.standalone_html(fig, ax, [make_run("</script><b>__W__", [0, 1])])
    assert "</script><b>" not in html
    assert page_data(html)["runs"][0]["label"] == "</script><b>__W__"


def test_player_run_rejects_non_finite_points_and_bad_steps():
    with pytest.raises(ValueError, match="non-finite"):
        make_run("x", [0, 1], xy=np.array([[0.0, 0.0], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="strictly increasing"):
        make_run("x", [0, 0])
    with pytest.raises(ValueError, match="3 points"):
        player.PlayerRun("x", np.zeros((3, 2)), np.arange(2), "C0")


@pytest.mark.parametrize("kwargs, match", [({"fps": 0}, "fps"), ({"height": 20}, "height")])
def test_player_data_names_bad_options(kwargs, match):
    fig, ax = plots.contour(problems.quadratic(), resolution=11)
    with pytest.raises(ValueError, match=match):
        player.player_data(fig, ax, [make_run("a", [0, 1])], **kwargs)


def test_save_gif_writes_a_bounded_multi_frame_gif_and_leaves_the_figure_as_it_was(tmp_path):
    r = problems.rosenbrock()
    trajs = [descend(r, "gd", 1e-3, 400), descend(r, "blown", 2.2e-3, 100)]
    fig, ax = plots.contour(r, resolution=21)
    artists_before = len(ax.get_children())
    path = tmp_path / "run.gif"
    n = player.save_gif(fig, ax, player.runs_from_trajectories(trajs), path, max_frames=12)
    assert n == 12
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 12
        assert gif.size == tuple(int(v) for v in fig.bbox.size)
    assert len(ax.get_children()) == artists_before


def test_gif_keeps_the_minimum_star_and_every_run_in_their_own_colours(tmp_path):
    r = problems.rosenbrock()
    trajs = [descend(r, "gd", 1e-3, 100), descend(r, "momentum", 5e-4, 100, momentum=0.9)]
    fig, ax = plots.contour(r, resolution=21)
    path = tmp_path / "run.gif"
    runs = player.runs_from_trajectories(trajs)
    player.save_gif(fig, ax, runs, path, max_frames=4)
    with Image.open(path) as gif:
        gif.seek(gif.n_frames - 1)
        colours = {c for _, c in gif.convert("RGB").getcolors(maxcolors=1 << 16)}
        height = gif.size[1]
    want = [plots.MINIMUM_COLOR] + [run.color for run in runs]
    assert {tuple(round(255 * v) for v in to_rgb(c)) for c in want} <= colours
    # The star's centre pixel is the star's colour (a palette without it made it a run's orange).
    x, y = player.pixel_coords(ax, np.array([r.optimum]), height)[0]
    with Image.open(path) as gif:
        gif.seek(gif.n_frames - 1)
        star = tuple(round(255 * v) for v in to_rgb(plots.MINIMUM_COLOR))
        assert gif.convert("RGB").getpixel((int(x), int(y))) == star


def test_the_payload_says_when_a_run_left_the_view():
    q = problems.quadratic()
    fine, blown = descend(q, "fine", 0.05, 100), descend(q, "too big", 0.25, 200)
    surface, paths = projection.run_plane(q, [fine, blown])
    fig, ax = plots.surface_figure(surface)
    data = player.player_data(fig, ax, player.runs_from_trajectories([fine, blown], paths))
    step, _ = projection.view_exit(paths[1], blown.steps, surface.bounds)
    assert [r["leftAt"] for r in data["runs"]] == [None, step]


def test_anatomy_arrows_start_at_the_runs_point_and_end_where_the_librarys_parts_do():
    r = problems.rosenbrock()
    spec = RunSpec("momentum", {"lr": 2e-4, "momentum": 0.9})
    traj = run(r, spec.validate(r, 80), 80, label="momentum")
    surface, paths = projection.run_plane(r, [traj])
    fig, ax = plots.surface_figure(surface)
    data = player.player_data(fig, ax, player.runs_from_trajectories([traj], paths, surface=surface))
    a = replay.anatomy(r, spec, 40, steps=80)
    overlay = anatomy_plots.anatomy_overlay(data, a, surface, run=0, label="momentum")
    assert overlay["step"] == 40 and overlay["run"] == 0
    # The arrows start where the player draws the run at step 40 (every step is recorded).
    np.testing.assert_allclose(overlay["at"], data["runs"][0]["xy"][80:82], atol=0.02)
    parts = [*a.terms.values(), a.gradient_step, a.taken]
    assert [arrow["label"].split(" (")[0] for arrow in overlay["arrows"]] == [
        *a.terms, anatomy_plots.REFERENCE["gradient step"][0], anatomy_plots.REFERENCE["taken"][0]]
    tips = player.pixel_coords(ax, np.asarray(a.start) + overlay["scale"] * np.array(parts), data["height"])
    np.testing.assert_allclose([arrow["tip"] for arrow in overlay["arrows"]], tips, atol=0.02)
    # Magnified so the longest of the optimizer's own parts is visible, and stays inside a quarter of the axes.
    longest = max(np.hypot(*(np.subtract(arrow["tip"], overlay["at"]))) for arrow in overlay["arrows"][:2] +
                  overlay["arrows"][3:])
    reach = anatomy_plots.ARROW_REACH * min(data["clip"][2:])
    assert overlay["scale"] > 1 and 0.4 * reach <= longest <= reach + 0.05


def test_a_networks_anatomy_is_its_projection_on_the_picture_plane():
    net = problems.xor()
    spec = RunSpec("adam", {"lr": 0.05})
    trajs = [run(net, spec.validate(net, 30), 30, label="adam")]
    surface, paths = projection.run_plane(net, trajs)
    data = player.for_trajectories(net, trajs, plane=(surface, paths))
    a = replay.anatomy(net, spec, 10, steps=30)
    flat = anatomy_plots.in_plane(a, surface)
    np.testing.assert_allclose(flat.start, paths[0][10], atol=1e-12)
    np.testing.assert_allclose(sum(flat.terms.values()), flat.taken, atol=1e-12)
    assert flat.scales == {} and flat.values == {}
    overlay = anatomy_plots.anatomy_overlay(data, a, surface, run=0, label="adam")
    assert "projection onto the picture's plane" in overlay["notes"][-1]
    assert overlay["notes"][0].startswith("effective lr:") and f"over the {net.dim} parameters" in overlay["notes"][0]
    with pytest.raises(ValueError, match=r"run must be in \[0, 0\]"):
        anatomy_plots.anatomy_overlay(data, a, surface, run=1, label="adam")


@pytest.mark.parametrize("name", ["rosenbrock", "xor"])
def test_schedule_free_runs_carry_the_point_where_the_gradient_is_taken(name):
    problem = problems.create(name)
    trajs = [run(problem, optimizers.create("sgd_schedulefree", lr=0.01 if name == "xor" else 1e-3), 40, label="sf"),
             run(problem, optimizers.create("gd", lr=1e-3), 40, label="gd")]
    surface, paths = projection.run_plane(problem, trajs)
    sf, gd = player.runs_from_trajectories(trajs, paths, surface=surface)
    rows = projection.snapshot_rows(trajs[0].gradient_params)
    np.testing.assert_allclose(sf.gradient_xy, surface.coords(rows), atol=1e-12)
    assert gd.gradient_xy is None and not np.allclose(sf.gradient_xy, sf.xy)
    fig, ax = plots.surface_figure(surface)
    data = player.player_data(fig, ax, [sf, gd])
    np.testing.assert_allclose(data["runs"][0]["gradientXy"],
                               np.round(player.pixel_coords(ax, sf.gradient_xy, data["height"]), 2).ravel())
    assert data["runs"][1]["gradientXy"] is None
    if name == "rosenbrock":  # a two-parameter problem's points need no plane
        np.testing.assert_array_equal(player.runs_from_trajectories(trajs)[0].gradient_xy, rows)
    else:
        with pytest.raises(ValueError, match="pass surface"):
            player.runs_from_trajectories(trajs, paths)
