"""The 3-D surface's payload: every number it draws is the library's, from the same plane the player's contours use."""
import json
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from player_support import descend
from playground import problems
from playground.training import projection
from playground.viz import plots, surface3d


def rosenbrock_runs():
    problem = problems.rosenbrock()
    return problem, [descend(problem, "gd", 1e-3, 60), descend(problem, "heavy ball", 2e-4, 60, momentum=0.9)]


def triples(flat):
    return np.array([np.nan if v is None else v for v in flat], dtype=float).reshape(-1, 3)


def test_heights_and_paths_are_the_planes_and_colours_the_librarys():
    problem, runs = rosenbrock_runs()
    surface, paths = projection.run_plane(problem, runs)
    data = surface3d.surface_data(surface, runs, paths, height="linear")
    np.testing.assert_allclose(data["z"], surface.loss.ravel(), rtol=1e-5)
    np.testing.assert_allclose(data["x"], surface.xs, rtol=1e-5)
    assert not data["log"] and data["axes"]["z"]["label"] == "loss"
    assert (data["axes"]["x"]["label"], data["axes"]["y"]["label"]) == surface.axis_labels
    for i, (run, path) in enumerate(zip(data["runs"], paths)):
        assert run["label"] == runs[i].label and run["color"] == plots.run_color(i).lower()
        xyz = triples(run["xyz"])
        np.testing.assert_allclose(xyz[:, :2], path, rtol=1e-5, atol=1e-9)
        # Lifted onto the surface: between the lowest and highest loss of the grid.
        assert np.all((xyz[:, 2] >= surface.loss.min()) & (xyz[:, 2] <= surface.loss.max()))
    # Each cell: the contours' colour band of its loss, darkened (never lightened) by the light.
    cells = (surface.loss[:-1, :-1] + surface.loss[1:, :-1] + surface.loss[:-1, 1:] + surface.loss[1:, 1:]) / 4
    band = plots.LOSS_CMAP(plots.loss_norm(surface.loss.ravel())(cells.ravel()))[:, :3]
    shown = np.array([to_rgb(c) for c in data["colors"]])
    assert len(shown) == cells.size
    ratio = shown / band
    assert np.all(ratio <= 1 + 2 / 255) and np.all(ratio >= 0.5)
    assert np.ptp(ratio) > 0.2  # lit: slopes facing away from the light are darker
    # The minimum star sits on the surface, at (1, 1).
    np.testing.assert_allclose(triples(data["minima"])[0, :2], [1.0, 1.0])


def test_a_loss_spanning_decades_gets_log_heights_and_says_so():
    problem, runs = rosenbrock_runs()
    surface, paths = projection.run_plane(problem, runs)
    data = surface3d.surface_data(surface, runs, paths)
    assert data["log"] and data["axes"]["z"]["label"] == "loss (log scale)"
    z = np.array(data["z"])
    order = np.argsort(surface.loss.ravel())
    assert np.all(np.diff(z[order]) >= -1e-5)  # the same order as the loss
    # Ticks name losses, a decade apart, at increasing heights inside the box.
    heights = [h for h, _ in data["axes"]["z"]["ticks"]]
    values = [float(text) for _, text in data["axes"]["z"]["ticks"]]
    assert len(values) >= 3 and np.all(np.diff(heights) > 0)
    assert data["zRange"][0] <= heights[0] and heights[-1] <= data["zRange"][1]
    np.testing.assert_allclose(np.diff(np.log10(values)), 1, atol=0.05)


def test_the_mlp_plane_is_the_projection_and_a_path_leaving_it_is_cut_at_the_edge():
    problem = problems.xor()
    runs = [descend(problem, "gd", 2.0, 40), descend(problem, "fast", 20.0, 40)]
    surface, paths = projection.run_plane(problem, runs)
    data = surface3d.for_trajectories(problem, runs, height="linear")
    np.testing.assert_allclose(data["z"], surface.loss.ravel(), rtol=1e-5)
    assert data["axes"]["x"]["label"].startswith("PC1")
    (x0, x1), (y0, y1) = surface.bounds
    assert not all(projection.inside(p, surface.bounds).all() for p in paths)  # the fast run leaves the view
    for run, path in zip(data["runs"], paths):
        xyz = triples(run["xyz"])
        inside = projection.inside(path, surface.bounds)
        kept = int(np.argmin(inside)) if not inside.all() else len(path)
        assert len(xyz) == kept + (kept < len(path))  # the points inside, and where it crossed the edge
        np.testing.assert_allclose(xyz[:kept, :2], path[:kept], rtol=1e-5, atol=1e-9)
        assert np.all((xyz[:, 0] >= x0 - 1e-9) & (xyz[:, 0] <= x1 + 1e-9))
        assert np.all((xyz[:, 1] >= y0 - 1e-9) & (xyz[:, 1] <= y1 + 1e-9))


def test_bad_height_is_named():
    problem, runs = rosenbrock_runs()
    surface, paths = projection.run_plane(problem, runs)
    with pytest.raises(ValueError, match=r"height must be 'auto', 'linear' or 'log', got 'cubic'"):
        surface3d.surface_data(surface, runs, paths, height="cubic")


def test_the_fragment_is_self_contained_and_carries_its_payload():
    problem, runs = rosenbrock_runs()
    data = surface3d.for_trajectories(problem, runs)
    html = surface3d.fragment_html(data)
    assert not re.search(r"https?://", html) and not re.search(r"\bid=", html)
    payload = re.search(r'<script type="application/json" class="s3-data">(.*?)</script>', html, re.S).group(1)
    assert json.loads(payload) == data
    assert surface3d.Surface(problem, runs)._repr_html_() == html
