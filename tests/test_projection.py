import numpy as np
import pytest

import optimizers
from optimizers import tree

from player_support import plane_runs, with_path
from playground import problems, run
from playground.training import projection


class CountingLoss:
    """Wraps a problem and counts loss calls, to check the grid is one batched call."""

    def __init__(self, problem):
        self.problem, self.calls = problem, 0

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def loss(self, params, idx=None):
        self.calls += 1
        return self.problem.loss(params, idx)


def test_snapshot_rows_round_trip_dict_params():
    mlp = problems.xor()
    like = mlp.init_params(1)
    rows = np.arange(5 * mlp.dim, dtype=float).reshape(5, mlp.dim)
    batched = tree.unflatten(rows, like)
    assert {k: v.shape for k, v in batched.items()} == {k: (5, *v.shape) for k, v in like.items()}
    np.testing.assert_array_equal(projection.snapshot_rows(batched), rows)


def test_finite_snapshots_cut_before_first_non_finite_block_entry():
    params = {"a": np.zeros((4, 2)), "b": np.ones((4, 3))}
    params["b"][2, 1] = np.inf
    params["a"][3, 0] = np.nan
    assert projection.finite_snapshots(params).shape == (2, 5)


def test_parameter_plane_equals_point_by_point_loss_in_one_call():
    problem = CountingLoss(problems.rosenbrock())
    surface = projection.parameter_plane(problem, ((-2, 2), (-1, 3)), resolution=17)
    assert problem.calls == 1
    direct = np.array([[problem.problem.loss(np.array([x, y])) for x in surface.xs] for y in surface.ys])
    np.testing.assert_allclose(surface.loss, direct, rtol=1e-12)
    assert surface.axis_labels == ("x", "y")
    np.testing.assert_array_equal(surface.minima, [[1.0, 1.0]])


def test_parameter_plane_rejects_many_parameter_problems():
    with pytest.raises(ValueError, match="xor.*15.*project"):
        projection.parameter_plane(problems.xor(), ((0, 1), (0, 1)))


def test_plane_loss_rejects_a_loss_without_batch_axis():
    class Unbatched(CountingLoss):
        def loss(self, params, idx=None):
            return float(np.sum(params**2))

    with pytest.raises(ValueError, match=r"shape \(\) for a batch of 4"):
        projection.parameter_plane(Unbatched(problems.quadratic()), ((0, 1), (0, 1)), resolution=2)


@pytest.mark.parametrize("bounds", [((1, 0), (0, 1)), ((0, np.nan), (0, 1))])
def test_bad_bounds_are_named(bounds):
    with pytest.raises(ValueError, match="bounds"):
        projection.parameter_plane(problems.quadratic(), bounds)


def test_projection_recovers_the_plane_the_runs_move_in():
    mlp = problems.xor()
    runs, basis = plane_runs(mlp)
    proj = projection.project(mlp, runs, resolution=9)
    assert proj.explained_variance_ratio.sum() == pytest.approx(1.0, abs=1e-10)
    # The two directions span the same plane as the basis the runs were made in.
    np.testing.assert_allclose(np.linalg.svd(proj.directions @ basis, compute_uv=False), [1, 1], atol=1e-10)
    for run, xy in zip(runs, proj.coords):
        rebuilt = proj.centre + xy @ proj.directions
        np.testing.assert_allclose(rebuilt, projection.snapshot_rows(run.params), atol=1e-10)


def test_projection_loss_grid_equals_direct_evaluation():
    mlp = CountingLoss(problems.xor())
    runs, _ = plane_runs(mlp.problem)
    proj = projection.project(mlp, runs, resolution=7)
    assert mlp.calls == 1
    s = proj.surface
    like = mlp.problem.init_params(0)
    for j, y in enumerate(s.ys):
        for i, x in enumerate(s.xs):
            theta = proj.centre + x * proj.directions[0] + y * proj.directions[1]
            single = {k: v[0] for k, v in tree.unflatten(theta[None], like).items()}
            assert s.loss[j, i] == pytest.approx(mlp.problem.loss(single), rel=1e-12)
    assert s.axis_labels[0].startswith("PC1 (")


def test_projection_centred_on_a_run_puts_its_final_point_at_the_origin():
    mlp = problems.xor()
    runs, _ = plane_runs(mlp)
    proj = projection.project(mlp, runs, centre=1, resolution=5)
    np.testing.assert_allclose(proj.coords[1][-1], [0, 0], atol=1e-12)
    with pytest.raises(ValueError, match="centre.*0..2.*got 3"):
        projection.project(mlp, runs, centre=3)


def test_projection_orients_the_first_run_left_to_right():
    mlp = problems.xor()
    runs, _ = plane_runs(mlp)
    first = projection.project(mlp, runs, resolution=5).coords[0]
    assert first[-1, 0] > first[0, 0] and first[-1, 1] >= first[0, 1]


def test_projection_of_identical_snapshots_is_a_clear_error():
    mlp = problems.xor()
    runs, _ = plane_runs(mlp)
    still = with_path(runs[0], "stuck", {k: np.repeat(v[:1], 6, axis=0) for k, v in runs[0].params.items()})
    with pytest.raises(ValueError, match="identical"):
        projection.project(mlp, [still, still])


def test_projection_skips_the_non_finite_tail_of_a_diverged_run():
    mlp = problems.xor()
    runs, _ = plane_runs(mlp)
    blown = {k: v.copy() for k, v in runs[0].params.items()}
    blown["W2"][30:] = np.nan
    runs[0] = with_path(runs[0], "blown", blown, diverged_at=30)
    proj = projection.project(mlp, runs, resolution=5)
    assert [len(c) for c in proj.coords] == [30, 40, 40]
    assert np.isfinite(proj.surface.loss).all()


def test_projection_of_real_runs_on_a_real_mlp():
    net = problems.sin_mlp(width=8)
    runs = [run(net, optimizers.create(name, lr=lr), 60, record=31, label=name)
            for name, lr in [("gd", 0.1), ("adam", 0.01), ("momentum", 0.05)]]
    proj = projection.project(net, runs, resolution=21)
    assert proj.surface.loss.shape == (21, 21) and np.isfinite(proj.surface.loss).all()
    assert 0.5 < proj.explained_variance_ratio.sum() <= 1.0
    assert np.all(np.diff(proj.explained_variance_ratio) <= 0)
    np.testing.assert_allclose(proj.directions @ proj.directions.T, np.eye(2), atol=1e-12)


def test_box_gives_a_flat_side_a_quarter_of_the_other():
    (x0, x1), (y0, y1) = projection.box(np.array([[0.0, 1.0], [4.0, 1.0]]), margin=0.0)
    assert (x0, x1) == (0.0, 4.0)
    assert (y0, y1) == (0.5, 1.5)
    (x0, x1), _ = projection.box(np.array([[3.0, 3.0]]), margin=0.0)
    assert x1 - x0 == 3.0


def test_run_plane_of_a_two_parameter_problem_is_its_parameter_plane():
    lin = problems.linear_regression()
    runs = [run(lin, optimizers.GD(lr=0.1), 50), run(lin, optimizers.Adam(lr=0.1), 50)]
    surface, paths = projection.run_plane(lin, runs)
    assert (surface.xs[0], surface.xs[-1]) == lin.bounds[0] and surface.axis_labels == ("m", "b")
    for t, xy in zip(runs, paths):
        np.testing.assert_array_equal(xy, t.params)


def test_run_plane_of_an_mlp_is_the_runs_principal_plane():
    mlp = problems.xor()
    runs = [run(mlp, optimizers.Adam(lr=0.05), 60), run(mlp, optimizers.GD(lr=0.5), 60)]
    surface, paths = projection.run_plane(mlp, runs)
    proj = projection.project(mlp, runs)
    np.testing.assert_array_equal(surface.loss, proj.surface.loss)
    for a, b in zip(paths, proj.coords):
        np.testing.assert_array_equal(a, b)


def test_runs_drawn_in_a_plane_fitted_to_other_runs_keep_its_window_and_contours():
    mlp = problems.xor()
    fitted, basis = plane_runs(mlp, seed=0)
    plane = projection.principal_plane(mlp, fitted)
    others, _ = plane_runs(mlp, n_runs=2, seed=1)  # moving in another plane, which would fit other directions
    own = projection.project(mlp, fitted, resolution=5)
    drawn = projection.project(mlp, others, resolution=5, plane=plane)
    assert drawn.surface.bounds == own.surface.bounds == plane.window()
    np.testing.assert_array_equal(drawn.surface.loss, own.surface.loss)
    for t, xy in zip(others, drawn.coords):
        rows = projection.snapshot_rows(t.params)
        # Each point is the foot of the snapshot on the plane: what is left over is orthogonal to it.
        np.testing.assert_allclose((rows - np.array([plane.point(a, b) for a, b in xy])) @ plane.directions.T, 0,
                                   atol=1e-9)
    a, b = 0.25, -0.5
    np.testing.assert_allclose((plane.point(a, b) - plane.centre) @ plane.directions.T, [a, b], atol=1e-12)


def test_run_plane_refuses_runs_that_never_moved():
    mlp = problems.xor()
    stuck = run(mlp, optimizers.GD(lr=1e-300), 3)
    with pytest.raises(ValueError, match="did not move"):
        projection.run_plane(mlp, [stuck])


def test_a_big_grid_is_cut_into_chunks_with_the_same_result(monkeypatch):
    lin = problems.linear_regression(n=50)
    whole = projection.parameter_plane(lin, lin.bounds, resolution=21)
    monkeypatch.setattr(projection, "CHUNK_ENTRIES", 50 * 2 * 40)  # 40 grid points per call
    counting = CountingLoss(lin)
    chunked = projection.parameter_plane(counting, lin.bounds, resolution=21)
    assert counting.calls == -(-21 * 21 // 40)
    np.testing.assert_allclose(chunked.loss, whole.loss, rtol=1e-13)


# --- the view: fitted to the runs that settle, or to every run ------------------------------------------

def test_a_converging_run_settles_and_a_drifting_or_diverged_one_does_not():
    t = np.linspace(0, 1, 101)[:, None]
    converging = np.hstack([np.exp(-8 * t), np.exp(-6 * t)])
    drifting = np.hstack([20 * t, -25 * t])
    assert projection.settles(converging, diverged=False)
    assert not projection.settles(drifting, diverged=False)
    assert not projection.settles(converging, diverged=True)
    assert projection.settles(np.zeros((5, 2)), diverged=False)  # never moved


def test_the_settled_view_leaves_out_a_drifting_run_and_the_all_view_holds_it():
    home = ((-1.0, 2.0), (-1.0, 2.0))
    t = np.linspace(0, 1, 101)[:, None]
    settled, drifting = np.hstack([1 - np.exp(-8 * t)] * 2), np.hstack([20 * t, -25 * t])
    marks = np.array([[1.0, 1.0]])
    assert projection.fit_view([settled, drifting], [False, False], "settled", home=home, marks=marks) == home
    (x0, x1), (y0, y1) = projection.fit_view([settled, drifting], [False, False], "all", home=home, marks=marks)
    assert x0 <= -1.0 and x1 >= 20 and y0 <= -25 and y1 >= 2.0
    # No home and nothing settled (an MLP's plane, every run wandering): every run is fitted.
    assert projection.fit_view([drifting], [False], "settled") == projection.box(drifting)
    with pytest.raises(ValueError, match="view must be one of 'settled', 'all'"):
        projection.fit_view([settled], [False], "some")


def test_view_exit_is_the_first_step_outside_and_where_the_path_crosses_the_edge():
    bounds = ((0.0, 1.0), (0.0, 1.0))
    path = np.array([[0.5, 0.5], [0.75, 0.5], [1.25, 0.75], [3.0, 3.0]])
    step, point = projection.view_exit(path, np.array([0, 10, 20, 30]), bounds)
    assert step == 20
    np.testing.assert_allclose(point, [1.0, 0.625])
    assert projection.view_exit(path[:2], np.arange(2), bounds) is None
    step, point = projection.view_exit(np.array([[2.0, -1.0]]), np.array([5]), bounds)  # starts outside
    assert step == 5 and tuple(point) == (1.0, 0.0)


def test_run_plane_fits_the_view_it_is_given():
    from playground import gallery
    entry = gallery.get("linreg-divergent-updater")
    result, problem = entry.run(), entry.comparison.build_problem()
    runs = [result.buggy, result.fixed]
    settled, paths = projection.run_plane(problem, runs, "settled")
    assert settled.bounds == problem.bounds  # the fixed run settles inside the data's window
    assert projection.view_exit(paths[0], result.buggy.steps, settled.bounds) is not None
    every, _ = projection.run_plane(problem, runs, "all")
    assert projection.inside(paths[0], every.bounds).all() and projection.inside(paths[1], every.bounds).all()


def test_optimal_loss_is_the_lowest_known_minimum_or_none():
    lin = problems.create("linreg")
    assert lin.optimal_loss() == pytest.approx(float(lin.loss(lin.optimum)))
    assert problems.saddle().optimal_loss() == pytest.approx(-0.25)
    assert problems.create("xor").optimal_loss() is None
