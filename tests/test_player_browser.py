"""The player in a real headless Chromium: play, scrub, pause, two players on one page, and screenshots to look at."""
import json
from pathlib import Path

import pytest

from player_support import PlayerOnPage, descend
from playground import problems
from playground.training import replay
from playground.training.run_spec import RunSpec
from playground.training import projection
from playground.viz import anatomy_plots, player, plots

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def open_file(new_page, tmp_path, html, **viewport):
    """Page ``html`` opened from a file, as an exported page is."""
    path = tmp_path / "player.html"
    path.write_text(html, encoding="utf-8")
    return new_page(path.as_uri(), **viewport)


def open_player(new_page, tmp_path, html, **viewport):
    """The first player of page ``html``."""
    return PlayerOnPage(open_file(new_page, tmp_path, html, **viewport))


def animation_frames(page, n=10):
    """Let ``n`` animation frames pass (~170 ms at 60 Hz): a playing player would move meanwhile."""
    page.evaluate("n => new Promise(done => { const f = k => k ? requestAnimationFrame(() => f(k - 1)) : done(); "
                  "f(n); })", n)


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture(scope="module")
def demo_data():
    r = problems.rosenbrock()
    trajs = [
        descend(r, "GD lr=1e-3, every 2nd step", 1e-3, 600, every=2),
        descend(r, "momentum 0.9, lr=5e-4", 5e-4, 600, momentum=0.9, start=(-1.8, -0.5)),
        descend(r, "momentum 0.95, lr=2e-4, every 5th step", 2e-4, 400, every=5, momentum=0.95, start=(0.5, 2.8)),
        descend(r, "GD lr=2.2e-3", 2.2e-3, 300, start=(-1.0, 2.8)),
    ]
    fig, ax = plots.contour(r)
    return player.player_data(fig, ax, player.runs_from_trajectories(trajs)), trajs


@pytest.fixture(scope="module")
def short_data():
    r = problems.rosenbrock()
    fig, ax = plots.contour(r)
    return player.player_data(fig, ax, player.runs_from_trajectories([descend(r, "gd", 1e-3, 60)]))


def test_play_scrub_pause_in_chromium(new_page, tmp_path, demo_data):
    data, trajs = demo_data
    p = open_player(new_page, tmp_path, player.page_html(data))
    assert p.step() == (0, 600)

    p.part("play").click()
    p.wait("p.frame() > 5")
    first = p.step()[0]
    p.wait(f"p.frames[p.frame()] > {first}")

    p.part("play").click()  # pause
    paused = p.step()
    animation_frames(p.page)
    assert p.step() == paused and p.part("play").inner_text().endswith("Play")

    box = p.part("scrubber").bounding_box()
    p.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    value = int(p.part("scrubber").input_value())
    frames = p.js("p.frames")
    assert abs(value - len(frames) / 2) < len(frames) * 0.1
    assert p.step() == (frames[value], 600)

    p.part("scrubber").focus()
    p.page.keyboard.press("End")
    assert p.step() == (600, 600)
    blown = trajs[3]
    assert f"diverged at step {blown.diverged_at}" in p.part("legend").inner_text()

    p.part("prev").click()
    assert p.step() == (frames[-2], 600)

    p.part("scrubber").focus()
    p.page.keyboard.press("Home")
    assert p.step()[0] == 0 and "diverged" not in p.part("legend").inner_text()

    p.js(f"p.show({int(len(frames) * 0.6)})")
    screenshot(p.page, "player.png")


def test_play_from_the_end_restarts_and_stops_at_the_last_frame(new_page, tmp_path, demo_data):
    p = open_player(new_page, tmp_path, player.page_html(demo_data[0]))
    p.js("p.show(p.frames.length - 1)")
    p.part("play").click()  # at 1x, so that a loaded machine reads the step long before it could reach 100
    assert p.step()[0] < 100
    p.part("speed").select_option("16")
    p.wait("p.frame() === p.frames.length - 1")
    assert p.part("play").inner_text().endswith("Play")


def test_autoplay_plays_once_on_load_and_stops_at_the_last_frame(new_page, tmp_path):
    r = problems.rosenbrock()
    fig, ax = plots.contour(r)
    runs = player.runs_from_trajectories([descend(r, "gd", 1e-3, 60)])
    p = open_player(new_page, tmp_path, player.standalone_html(fig, ax, runs, autoplay=True, fps=120))
    p.wait("p.frame() > 0", timeout=10_000)  # moving with no click
    p.wait("p.frame() === p.frames.length - 1")
    assert p.part("play").inner_text().endswith("Play") and p.step() == (60, 60)


def test_fits_a_fixed_height(new_page, tmp_path):
    r = problems.rosenbrock()
    fig, ax = plots.contour(r)
    runs = player.runs_from_trajectories([descend(r, "gd", 1e-3, 50)])
    p = open_player(new_page, tmp_path, player.standalone_html(fig, ax, runs, height=420), height=420)
    assert p.page.evaluate("document.documentElement.scrollHeight") <= 420
    stage = p.part("stage").bounding_box()
    width, height = fig.get_size_inches()  # the picture keeps the figure's own shape
    assert stage["height"] < 400 and abs(stage["width"] / stage["height"] - width / height) < 0.01


def test_two_players_on_one_page_are_driven_independently(new_page, tmp_path, demo_data, short_data):
    page = open_file(new_page, tmp_path, player.page_html(demo_data[0], short_data), height=1400)
    one, two = PlayerOnPage(page, 0), PlayerOnPage(page, 1)
    assert one.step() == (0, 600) and two.step() == (0, 60)
    assert one.part("legend").inner_text().count("GD") == 2 and two.part("legend").inner_text() == "gd"

    one.part("play").click()
    one.wait("p.frame() > 5")
    animation_frames(page)
    assert two.js("p.frame()") == 0 and two.part("play").inner_text().endswith("Play")
    one.part("play").click()
    paused = one.step()

    two.part("scrubber").focus()
    page.keyboard.press("End")
    assert two.step() == (60, 60) and one.step() == paused
    one.part("scrubber").focus()
    page.keyboard.press("Home")
    assert one.step() == (0, 600) and two.step() == (60, 60)

    two.root.focus()  # the arrow keys step the focused player only
    page.keyboard.press("ArrowLeft")
    assert two.step()[0] < 60 and one.step() == (0, 600)
    one.js("p.show(200)")
    screenshot(page, "two-players.png")


def test_a_click_on_the_contours_reports_data_coordinates_and_a_pause_the_step(new_page, tmp_path, short_data):
    p = open_player(new_page, tmp_path, player.page_html(short_data))
    p.page.evaluate("""root => { window.events = [];
        for (const name of ["tp-click", "tp-step"]) root.addEventListener(name, e => events.push([name, e.detail])); }""",
                    p.root.element_handle())
    left, top, width, height = short_data["clip"]
    canvas = p.part("heads").bounding_box()
    scale = canvas["width"] / short_data["width"]
    p.page.mouse.click(canvas["x"] + (left + width / 2) * scale, canvas["y"] + (top + height / 2) * scale)
    p.page.mouse.click(canvas["x"] + 2, canvas["y"] + 2)  # outside the axes: no click event
    p.part("next").click()
    (name, where), step = p.page.evaluate("events")
    (x0, x1), (y0, y1) = short_data["limits"]["x"], short_data["limits"]["y"]
    assert name == "tp-click"
    assert abs(where["x"] - (x0 + x1) / 2) < (x1 - x0) / 200 and abs(where["y"] - (y0 + y1) / 2) < (y1 - y0) / 200
    assert step == ["tp-step", short_data["frames"][1]]
    # An anatomy overlay is drawn at its step while paused, and ‹ › then move one optimizer step.
    r = problems.rosenbrock()
    a = replay.anatomy(r, RunSpec("gd", {"lr": 1e-3}), 5, steps=60)
    surface = projection.parameter_plane(r, projection.parameter_bounds(r), 2)
    overlay = anatomy_plots.anatomy_overlay(short_data, a, surface, run=0, label="gd")
    p.js(f"p.setAnatomy({json.dumps(overlay)})")
    assert p.step()[0] == 5 and p.js("p.anatomyShown()") == 5
    (x0, y0), (x1, y1) = overlay["at"], overlay["arrows"][-1]["tip"]  # along the step taken
    alpha = p.root.evaluate("(root, [x, y]) => root.querySelector('.tp-anatomy').getContext('2d')"
                            ".getImageData(x, y, 1, 1).data[3]", [(x0 + x1) / 2, (y0 + y1) / 2])
    assert alpha > 200 and overlay["title"] in p.part("anatomy-legend").inner_text()
    p.part("next").click()
    assert p.step()[0] == 6 and p.js("p.anatomyShown()") is None and p.page.evaluate("events")[-1] == ["tp-step", 6]
