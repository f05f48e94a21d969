"""Stability maps: the losses, the divergence steps and the theoretical bounds a user reads off them."""
import numpy as np
from matplotlib.collections import QuadMesh

import optimizers
from playground import problems
from playground.viz.stability_map import BOUND_LABEL, TITLE_WIDTH, stability_map
from playground.training.sweep import sweep

LIN = problems.linear_regression(n=60, seed=1)
L = LIN.lipschitz


def test_heatmap_shows_the_losses_the_divergence_steps_and_the_heavy_ball_bound():
    lrs, momenta = np.geomspace(0.01, 8.0, 11) / L, np.array([0.2, 0.5, 0.8])
    result = sweep(LIN, ["momentum", "adam"], lrs, momenta, steps=100)
    fig = stability_map(result)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert [ax.get_title() for ax in panels] == ["Momentum", "Adam"]
    for ax, name in zip(panels, ["momentum", "adam"]):
        loss_mesh, div_mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
        # Cells run along lr within a row of one momentum.
        diverged = result.grid(result.diverged, name).T.ravel()
        gap = result.grid(result.final_losses - LIN.loss(LIN.optimum), name).T.ravel()
        shown = loss_mesh.get_array().ravel()
        assert list(np.ma.getmaskarray(shown)) == list(diverged)
        meaningful = ~diverged & (gap > 1e-10)  # below that, the loss's round-off is floored for the log scale
        np.testing.assert_allclose(shown[meaningful], gap[meaningful], rtol=1e-9)
        assert meaningful.any() and shown[~diverged].min() > 0
        steps = div_mesh.get_array().ravel()
        assert list(~np.ma.getmaskarray(steps)) == list(diverged)
        np.testing.assert_array_equal(steps[diverged], result.grid(result.diverged_at, name).T.ravel()[diverged])
    momentum_bound = [line for line in panels[0].lines if line.get_label() == BOUND_LABEL]
    assert len(momentum_bound) == 1
    x, mu = momentum_bound[0].get_data()
    np.testing.assert_allclose(x * L, 2 + 2 * mu, rtol=1e-12)
    assert mu.min() == 0.2 and mu.max() == 0.8
    assert not panels[1].lines  # Adam has no known bound, so none is drawn
    assert result.diverged.any()


def test_lr_curve_draws_final_losses_and_the_2_over_L_line():
    lrs = np.geomspace(0.5, 8.0, 9) / L
    result = sweep(LIN, "gd", lrs, steps=300)
    fig = stability_map(result)
    ax = fig.axes[0]
    curve = next(line for line in ax.lines if line.get_label() == "Gradient descent")
    np.testing.assert_allclose(curve.get_xdata(), lrs)
    assert np.isnan(curve.get_ydata()[result.diverged]).all()
    assert np.isfinite(curve.get_ydata()[~result.diverged]).all()
    bound = next(line for line in ax.lines if line.get_label().startswith("gd: 2/L"))
    np.testing.assert_allclose(bound.get_xdata(), [2 / L, 2 / L])
    (marks,) = fig.axes[1].lines  # the divergence steps, on the second y axis
    np.testing.assert_allclose(marks.get_xdata(), lrs[result.diverged])
    np.testing.assert_array_equal(marks.get_ydata(), result.diverged_at[result.diverged])


def test_without_a_known_optimum_the_map_shows_the_final_loss_itself():
    net = problems.xor()
    result = sweep(net, "adam", [0.01, 0.1], [0.5, 0.9], steps=50)
    fig = stability_map(result)
    mesh = next(c for c in fig.axes[0].collections if isinstance(c, QuadMesh))
    np.testing.assert_allclose(mesh.get_array().ravel(), result.grid(result.final_losses).T.ravel())
    assert any(ax.get_ylabel() == "final loss" for ax in fig.axes)  # the colour bar says what it shows


def test_a_long_schedule_is_written_under_the_title_on_lines_the_map_holds():
    chained = optimizers.schedules.parse(optimizers.schedules.SEQUENTIAL_EXAMPLE)
    result = sweep(LIN, "momentum", np.geomspace(0.01, 1.0, 3) / L, np.array([0.5]), steps=30, schedule=chained)
    title, *lines = stability_map(result)._suptitle.get_text().split("\n")
    assert title.startswith(result.problem) and len(lines) > 1
    assert all(len(line) <= TITLE_WIDTH for line in lines)
    assert "".join(lines).replace(" ", "") == f"schedule {chained.describe()}".replace(" ", "")
