"""The notebook displays in a real headless Chromium: one page as a notebook would show them, players included."""
from pathlib import Path

import numpy as np
import pytest

from player_support import PlayerOnPage
from playground import gallery, problems, sweep
from playground.gradcheck import gradcheck
from playground.setups.comparison import Comparison
from playground.training.run_spec import RunSpec
from playground.viz import notebook

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def notebook_page(tmp_path_factory):
    """A page of two comparisons, a gradient check report, a sweep and a gradient gallery entry."""
    first = Comparison("quadratic", runs=(RunSpec("gd", {"lr": 0.1}), RunSpec("momentum", {"lr": 0.05})),
                       steps=40).run(record=41)
    second = Comparison("rosenbrock", runs=(RunSpec("adam", {"lr": 0.05}),), steps=25).run(record=26)
    report = gradcheck(lambda w: np.sum(w ** 3), lambda w: 6 * w ** 2, np.array([1.0, -2.0, 0.5]))
    p = problems.linear_regression()
    swept = sweep(p, "momentum", lrs=np.geomspace(0.1, 3, 8) / p.lipschitz, momenta=[0.0, 0.5, 0.9], steps=40)
    path = tmp_path_factory.mktemp("notebook") / "notebook.html"
    path.write_text(notebook.page(first, report, swept, second, gallery.get("mse-missing-factor")), encoding="utf-8")
    return path


def test_every_display_shows_and_the_two_players_play_independently(new_page, notebook_page):
    page = new_page(notebook_page.as_uri(), width=1280, height=900)
    one, two = PlayerOnPage(page, 0), PlayerOnPage(page, 1)
    assert one.step() == (0, 40) and two.step() == (0, 25)
    assert one.part("legend").inner_text().split("\n") == ["gd lr=0.1", "momentum lr=0.05"]

    one.part("play").click()
    one.wait("p.frame() === p.frames.length - 1")  # 40 frames at 30 fps: about 1.3 s
    assert one.step() == (40, 40) and two.step() == (0, 25) and two.part("play").inner_text().endswith("Play")
    two.part("scrubber").focus()
    page.keyboard.press("End")
    assert two.step() == (25, 25) and one.step() == (40, 40)

    (table, entry_buggy, _) = page.locator(".gradcheck-report table").all()
    assert "analytic = 2 × numeric in every entry" in table.inner_text()
    assert "wrong" in entry_buggy.inner_text() and "a missing 2/m?" in entry_buggy.inner_text()
    sweep_image = page.locator(".pg-sweep img")
    assert sweep_image.evaluate("img => img.complete && img.naturalWidth") > 300
    assert "Stability map: momentum on linreg, 24 configurations" in page.locator(".pg-sweep").inner_text()
    assert page.locator(".pg-comparison img.pg-figure").count() == 2  # the loss curves of each comparison
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook-page.png"), full_page=True)
