import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation

from player_support import descend, plane_runs
from playground import problems
from playground.training import projection
from playground.viz import plots


def run_lines(ax):
    """The lines drawn for runs (the ones with a legend label), in order."""
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_") and ln.get_label() != "minimum"]


def test_log_axes_are_labelled_as_matplotlib_labels_them_in_plain_text_powers():
    q = problems.quadratic()
    fig = plots.loss_curves([descend(q, "fast", 0.15, 50)])
    plots.to_png(fig)
    axis = fig.axes[0].yaxis
    shown = {t.get_text() for t in axis.get_ticklabels(which="both") if t.get_text()}
    # matplotlib's own labels of those ticks, in mathtext: the same powers, written with superscripts.
    mathtext = {LogFormatterSciNotation.__call__(axis.get_major_formatter(), v) for v in axis.get_majorticklocs()}
    assert "$\\mathdefault{10^{-3}}$" in mathtext and "10⁻³" in shown
    assert {m.replace("$\\mathdefault{10^{", "10^").replace("}}$", "") for m in mathtext if m} == \
        {t.replace("10", "10^", 1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")) for t in shown}


def test_the_contours_colour_bar_keeps_its_tick_labels_and_its_label_inside_the_picture():
    q = problems.quadratic()
    runs = [descend(q, "gd", 0.1, 30)]
    surface, paths = projection.run_plane(q, runs)
    fig, _ = plots.surface_figure(surface, runs, paths)
    plots.to_png(fig)
    renderer = fig.canvas.get_renderer()
    bar = fig.axes[-1]
    texts = [t for t in bar.get_yticklabels() if t.get_text()] + [bar.yaxis.label]
    assert len(texts) > 3 and bar.yaxis.label.get_text() == "loss"
    assert all(0 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= fig.bbox.width
               for t in texts), "a colour-bar label is cut at the picture's edge"


def test_a_run_label_wider_than_the_picture_is_wrapped_inside_it_on_the_loss_curves_and_the_contours():
    q = problems.quadratic()
    # As the app labels a run with a chained schedule: one line of 86 characters, no spaces in its spec.
    long = "momentum lr=0.001, sequential linear(start_factor=0.1,total_iters=20)+cosine(T_max=180)"
    runs = [descend(q, long, 0.1, 30), descend(q, "gd lr=0.05", 0.05, 30)]
    surface, paths = projection.run_plane(q, runs)
    for fig in (plots.loss_curves(runs), plots.surface_figure(surface, runs, paths)[0]):
        plots.to_png(fig)
        legend = fig.legends[0]
        box = legend.get_window_extent(fig.canvas.get_renderer())
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width, "the legend is cut at the picture's edges"
        texts = [t.get_text() for t in legend.get_texts()]
        assert texts[-1] == "gd lr=0.05"  # short labels stay as they are
        wrapped = next(t for t in texts if t.startswith("momentum"))
        assert "\n" in wrapped and "".join(wrapped.split()) == "".join(long.split())  # every character kept, in order


def test_run_colors_are_stable_distinct_and_cycle():
    first = [plots.run_color(i) for i in range(len(plots.PALETTE))]
    assert len(set(first)) == len(first)
    assert plots.run_color(3) == plots.run_color(3 + len(plots.PALETTE)) == first[3]


def test_loss_curves_one_line_per_run_on_log_scale():
    q = problems.quadratic()
    runs = [descend(q, "slow", 0.01, 50), descend(q, "fast", 0.15, 50)]
    fig = plots.loss_curves(runs)
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert ax.get_yscale() == "log"
    lines = run_lines(ax)
    assert [ln.get_label() for ln in lines] == ["slow", "fast"]
    assert [ln.get_color() for ln in lines] == [plots.run_color(0), plots.run_color(1)]
    np.testing.assert_array_equal(lines[1].get_ydata(), runs[1].losses)


def test_loss_curves_mark_where_a_run_diverged():
    blown = descend(problems.quadratic(), "too big", 0.25, 200)  # past GD's 2 / L = 0.2
    assert blown.diverged_at is not None
    ax = plots.loss_curves([blown]).axes[0]
    (line,) = run_lines(ax)
    assert line.get_label() == f"too big (diverged at step {blown.diverged_at})"
    assert any(t.get_text() == f"diverged at step {blown.diverged_at}" for t in ax.texts)
    (mark,) = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    assert tuple(mark.get_xydata()[0]) == (blown.steps[-1], blown.losses[-1])


def test_loss_curves_stop_at_the_first_non_finite_loss():
    run = descend(problems.quadratic(), "nan tail", 0.01, 9)
    losses = run.losses.copy()
    losses[6:] = [np.inf, np.nan, 1.0, 2.0][: len(losses) - 6]
    (line,) = run_lines(plots.loss_curves([dataclasses.replace(run, losses=losses)]).axes[0])
    assert len(line.get_ydata()) == 6


def test_loss_curves_fall_back_to_symlog_for_losses_below_zero():
    saddle = descend(problems.saddle(), "escapes the saddle", 0.1, 200)
    assert saddle.losses.min() < 0 < saddle.losses.max()
    assert plots.loss_curves([saddle]).axes[0].get_yscale() == "symlog"


def test_contour_draws_the_surface_minimum_and_one_line_per_run():
    r = problems.rosenbrock()
    runs = [descend(r, "a", 1e-3, 300), descend(r, "b", 2e-4, 300, every=5, momentum=0.9)]
    fig, ax = plots.contour(r, runs)
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    assert [ln.get_label() for ln in run_lines(ax)] == ["a", "b"]
    np.testing.assert_array_equal(run_lines(ax)[1].get_xydata(), runs[1].params)
    (star,) = [ln for ln in ax.get_lines() if ln.get_label() == "minimum"]
    np.testing.assert_array_equal(star.get_xydata(), [[1.0, 1.0]])
    assert (ax.get_xlim(), ax.get_ylim()) == r.bounds
    assert ax.get_xlabel() == "x" and len(fig.axes) == 2  # the plot and its colour bar


def test_contour_without_bounds_frames_runs_and_minima():
    q = problems.quadratic(start=(3.0, -4.0))
    q.bounds = None
    run = descend(q, "a", 0.05, 30)
    _, ax = plots.contour(q, [run])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < 0 < 3 < x1 and y0 < -4 < 0 < y1


def test_contour_refuses_runs_with_more_than_two_parameters():
    runs, _ = plane_runs(problems.xor())
    with pytest.raises(ValueError, match="15 parameters.*projected_contour"):
        plots.contour(problems.quadratic(), runs)


def test_projected_contour_draws_runs_by_their_plane_coordinates():
    mlp = problems.xor()
    runs, _ = plane_runs(mlp)
    proj = projection.project(mlp, runs, resolution=9)
    _, ax = plots.projected_contour(proj, runs)
    for line, xy in zip(run_lines(ax), proj.coords):
        np.testing.assert_array_equal(line.get_xydata(), xy)
    assert ax.get_xlabel().startswith("PC1")


def test_levels_are_geometric_in_a_valley_and_linear_in_a_bowl():
    def levels(problem):
        (x0, x1), (y0, y1) = problem.bounds
        grid = np.stack(np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)), -1).reshape(-1, 2)
        return plots.contour_levels(problem.loss(grid), 10)

    valley, bowl = levels(problems.rosenbrock()), levels(problems.quadratic())
    assert np.all(np.diff(valley) > 0) and np.all(np.diff(bowl) > 0)
    assert np.diff(valley)[-1] / np.diff(valley)[1] > 100
    np.testing.assert_allclose(np.diff(bowl), np.diff(bowl)[0])


def test_levels_of_a_flat_surface_still_make_one_band():
    assert len(plots.contour_levels(np.full(9, 2.0), 10)) == 2


def test_to_png_is_a_png_without_urls():
    png = plots.to_png(plots.contour(problems.quadratic(), resolution=11)[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"http" not in png


def test_library_imports_neither_pyplot_nor_streamlit():
    code = ("import sys, playground.viz.plots, playground.viz.player, playground.training.projection; "
            "print(sorted(m for m in ('matplotlib.pyplot', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_parameter_curves_draw_each_parameter_of_each_run():
    q = problems.quadratic()
    runs = [descend(q, "slow", 0.01, 30), descend(q, "fast", 0.15, 30)]
    fig = plots.parameter_curves(runs, names=("x", "y"))
    assert [ax.get_title() for ax in fig.axes] == ["x", "y"]
    for k, ax in enumerate(fig.axes):
        lines = run_lines(ax)
        assert [ln.get_color() for ln in lines] == [plots.run_color(0), plots.run_color(1)]
        np.testing.assert_array_equal(lines[1].get_ydata(), runs[1].params[:, k])
    with pytest.raises(ValueError, match="3 given for 2 parameters"):
        plots.parameter_curves(runs, names=("a", "b", "c"))


def test_parameter_curves_stop_and_mark_where_a_run_diverged():
    blown = descend(problems.quadratic(), "too big", 0.25, 200)
    ax = plots.parameter_curves([blown]).axes[0]
    assert ax.get_title() == "θ[0]"
    (mark,) = [ln for ln in ax.get_lines() if ln.get_marker() == "X"]
    assert mark.get_xdata()[0] == blown.steps[-1]


def test_parameter_curves_of_a_network_draw_each_blocks_norm():
    net = problems.xor()
    run = descend(net, "gd", 0.5, 10)
    fig = plots.parameter_curves([run])
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == [f"‖{k}‖" for k in run.params]
    (line,) = run_lines(shown[0])
    w = run.params[next(iter(run.params))]
    np.testing.assert_allclose(line.get_ydata(), np.linalg.norm(w.reshape(len(w), -1), axis=1))


def test_loss_curves_draw_suboptimality_where_loss_star_is_known_and_say_so():
    lin = problems.create("linreg")
    run = descend(lin, "gd", 0.1, 300)
    f_star = lin.optimal_loss()
    ax = plots.loss_curves([run], optimum_loss=f_star).axes[0]
    (line,) = run_lines(ax)
    np.testing.assert_array_equal(line.get_ydata(), plots.suboptimality(run.losses, f_star))
    assert ax.get_ylabel().startswith("loss − loss*") and ax.get_yscale() == "log"
    # The loss flattens onto loss* (the noise floor), while loss - loss* still shows eight decades of progress.
    assert run.losses[-1] < 1.01 * f_star and line.get_ydata()[-1] < 1e-8 * line.get_ydata()[0]
    assert plots.loss_curves([run]).axes[0].get_ylabel() == "full-data loss"


def test_suboptimality_is_floored_at_round_off():
    values = plots.suboptimality(np.array([2.0, 1.0, 1.0 - 1e-17, np.nan]), 1.0)
    assert values[0] == 1.0 and values[1] == values[2] == np.finfo(float).eps and np.isnan(values[3])


def test_a_run_that_leaves_the_view_is_cut_at_the_edge_and_marked_with_its_step():
    q = problems.quadratic()
    fine, blown = descend(q, "fine", 0.05, 100), descend(q, "too big", 0.25, 200)
    _, ax = plots.contour(q, [fine, blown])
    assert (ax.get_xlim(), ax.get_ylim()) == q.bounds  # the diverged run does not widen the view
    step, point = projection.view_exit(blown.params, blown.steps, q.bounds)
    (mark,) = [ln for ln in ax.get_lines() if ln.get_marker() == plots.EXIT_MARKER]
    np.testing.assert_allclose(mark.get_xydata()[0], point)
    assert [t.get_text() for t in ax.texts] == [f"left the view at step {step}"]
    _, ax = plots.contour(q, [fine, blown], view="all")
    assert not [t for t in ax.texts if t.get_text().startswith("left the view")]


def test_text_is_legible_where_the_app_shows_a_figure():
    """At ~450 CSS pixels wide (a half-width column at 1280 px), every text is at least 10 pixels tall."""
    q = problems.quadratic()
    fig = plots.loss_curves([descend(q, "a run with a long label", 0.05, 50)])
    pixels = 450 / fig.get_figwidth()  # CSS pixels per inch, as the page shows it
    sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and a.get_text())]
    assert sizes and min(sizes) / 72 * pixels >= 10


def _imported_packages(folder: Path) -> dict[str, set[str]]:
    """Per module under ``folder``, the ``playground`` subpackages it imports at module level (absolute or relative).

    Imports inside functions are left out: a notebook display hook (``_repr_html_``) imports the figures that
    draw its object when it is shown, which is the one way back up the flow, and only at display time.
    """
    import ast

    root = Path(__file__).resolve().parents[1]
    out = {}
    for path in sorted((root / folder).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else ()
                name = ".".join((*base, node.module)) if node.module else ".".join(base)
                names = [f"{name}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found |= {n.split(".")[1] for n in names if n.startswith("playground.") and n.count(".") >= 1}
        out[str(path.relative_to(root))] = found
    return out


@pytest.mark.parametrize("layer, above", [
    ("playground/problems", {"training", "setups", "viz", "cli"}),
    ("playground/training", {"setups", "viz", "cli"}),
    ("playground/setups", {"viz", "cli"}),
])
def test_each_layer_imports_only_the_layers_before_it_in_the_data_flow(layer, above):
    # problems -> training -> setups -> figures and player -> app and CLI: nothing reaches back up the flow.
    wrong = {module: sorted(found & above) for module, found in _imported_packages(Path(layer)).items()
             if found & above}
    assert wrong == {}
