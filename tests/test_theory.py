"""Closed-form rates on quadratics against measured runs, and the figures that show them."""
import numpy as np
import pytest

import optimizers
from playground import problems, run
from playground.training import theory
from playground.training.sweep import sweep
from playground.viz import plots
from playground.viz.theory_plots import eigen_error_figure, theory_beside_measured

#: Relative tolerance on log rho between the fitted decay and the closed form.
RATE_RTOL = 0.02


@pytest.fixture(scope="module")
def lin():
    return problems.create("linreg")


@pytest.mark.parametrize("problem_name, settings", [("linreg", {}), ("quadratic", {"cond": 10.0, "angle": 30.0})])
@pytest.mark.parametrize("name, lr, mu", [
    ("gd", 0.15, None),          # monotone
    ("momentum", 0.05, 0.5),     # real roots
    ("momentum", 0.1, 0.8),      # complex roots: oscillating
    ("nesterov", 0.08, 0.6),
])
def test_measured_rate_matches_closed_form(problem_name, settings, name, lr, mu):
    problem = problems.create(problem_name, **settings)
    lam, _ = theory.curvatures(problem)
    hp = {"lr": lr} if mu is None else {"lr": lr, "momentum": mu}
    opt = optimizers.create(name, **hp)
    method = theory.method_of(opt)
    rho = float(theory.theory_map(lam, [lr], None if mu is None else [mu], method).rate.ravel()[0])
    # As many steps as keep the error 1e4 above the round-off of the optimum (a solve for linreg; exactly 0 for
    # the quadratic, where 1e-40 is reachable): long windows span several periods of an oscillation.
    floor = 1e4 * np.finfo(float).eps * np.linalg.norm(problem.optimum) or 1e-40
    steps = min(2000, int(np.log(floor) / np.log(rho)))
    traj = run(problem, opt, steps, record=steps + 1)
    errors = np.linalg.norm(theory.eigen_errors(problem, traj).errors, axis=1)
    assert errors[-1] > floor / 10
    measured = theory.measured_rate(traj.steps, errors, window=steps // 2)  # the last half: past the transient
    assert np.log(measured) == pytest.approx(np.log(rho), rel=RATE_RTOL)


def test_torch_lr_is_polyaks_alpha(lin):
    """θ -= lr b, b = μ b + g is θ_{t+1} = θ_t − lr g_t + μ (θ_t − θ_{t−1}): the same iterates."""
    lr, mu, steps = 0.1, 0.7, 50
    traj = run(lin, optimizers.Momentum(lr=lr, momentum=mu), steps, record=steps + 1)
    prev = theta = lin.init_params()
    for k in range(1, steps + 1):
        prev, theta = theta, theta - lr * lin.grad(theta) + mu * (theta - prev)
        np.testing.assert_allclose(traj.params[k], theta, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["heavy ball", "nesterov"])
def test_closed_form_optimum_is_the_grid_minimum(lin, method):
    lam, _ = theory.curvatures(lin)
    tm = theory.theory_map(lam, np.geomspace(1e-2, 2.0, 300), np.linspace(0.0, 0.99, 300), method)
    best = tm.optimum
    assert tm.rate.min() >= best.rate - 1e-9
    assert tm.rate.min() == pytest.approx(best.rate, rel=1e-2)
    assert theory.theory_map(lam, [best.lr], [best.momentum], method).rate[0, 0] == pytest.approx(best.rate)


def test_heavy_ball_optimum_formula(lin):
    lam, _ = theory.curvatures(lin)
    kappa = lam[-1] / lam[0]
    best = theory.optimum(lam)
    assert best.lr == pytest.approx(4 / (np.sqrt(lam[-1]) + np.sqrt(lam[0])) ** 2)
    assert best.momentum == pytest.approx(((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2)
    assert theory.optimum(lam, momentum=False).lr == pytest.approx(2 / (lam[0] + lam[-1]))


def test_regions_and_the_stability_bound_agree(lin):
    lam, _ = theory.curvatures(lin)
    mus = np.array([0.0, 0.5, 0.9])
    bound = optimizers.Momentum(lr=1.0, momentum=mus).lr_bound(lin.lipschitz)
    tm = theory.theory_map(lam, np.concatenate([bound * 0.99, bound * 1.01]), mus)
    codes = np.diag(tm.region[:3]), np.diag(tm.region[3:])
    assert (codes[0] != theory.DIVERGENT).all() and (codes[1] == theory.DIVERGENT).all()
    small = theory.theory_map(lam, [1e-3], [0.0, 0.99]).region[0]
    assert small.tolist() == [theory.MONOTONE, theory.OSCILLATING]


def test_no_closed_form_is_refused_in_words(lin):
    assert theory.method_of(optimizers.create("adam")) is None
    assert theory.method_of(optimizers.create("momentum", dampening=0.1)) is None
    with pytest.raises(ValueError, match="not constant"):
        theory.curvatures(problems.create("rosenbrock"))
    with pytest.raises(ValueError, match="'adam'"):
        theory_beside_measured(sweep(lin, "adam", [1e-2, 1e-1], steps=5), np.ones(2))


def test_figures(lin):
    lam, _ = theory.curvatures(lin)
    grid = sweep(lin, "momentum", np.geomspace(1e-2, 1.0, 6), np.linspace(0.0, 0.9, 4), steps=30)
    fig = theory_beside_measured(grid, lam)
    assert len(fig.axes) == 4  # two panels, two colour bars
    assert len(theory_beside_measured(sweep(lin, "gd", [1e-2, 0.1, 1.0], steps=30), lam).axes) == 2
    # An lr-only sweep of momentum draws the rate at its fixed momentum, not GD's.
    fixed = theory_beside_measured(sweep(lin, "momentum", [1e-2, 0.1, 1.0], steps=30), lam)
    assert "μ = 0.9" in fixed.axes[0].get_title()
    trajs = [run(lin, optimizers.create(n, lr=0.05), 40) for n in ("momentum", "adam")]
    curves = [theory.eigen_errors(lin, t) for t in trajs]
    assert curves[1].rates is None and curves[0].predicted().shape == curves[0].errors.shape
    fig = eigen_error_figure(curves)
    assert len(fig.axes) == 2
    # Shown in the loss curves' column at their width, the panels one above the other: their text is drawn at
    # the loss curves' scale, where three panels side by side were shrunk to a few pixels.
    fig.canvas.draw()
    top, bottom = (ax.get_position() for ax in fig.axes)
    assert fig.get_size_inches()[0] == plots.LOSS_SIZE[0] and top.x0 == bottom.x0 and top.y0 > bottom.y1


def drawn_ticks(axis):
    """The tick labels ``axis`` draws: its locator's ticks inside the view (matplotlib lists some beyond it)."""
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * (hi - lo)
    return [t for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs()) if lo - slack <= loc <= hi + slack]


def test_theory_beside_measured_keeps_every_label_inside_the_picture_and_the_panels_apart(lin):
    lam, _ = theory.curvatures(lin)
    for grid in (sweep(lin, "momentum", np.geomspace(1e-3, 3.0, 8), np.linspace(0.0, 0.95, 5), steps=30),
                 sweep(lin, "gd", np.geomspace(1e-3, 3.0, 8), steps=30)):
        fig = theory_beside_measured(grid, lam)
        plots.to_png(fig)
        renderer = fig.canvas.get_renderer()
        texts = [fig._suptitle] + [t for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label,
                                                                    *drawn_ticks(ax.xaxis), *drawn_ticks(ax.yaxis))
                                   if t.get_visible() and t.get_text()]
        boxes = [t.get_window_extent(renderer) for t in texts]
        assert all(0 <= b.x0 and b.x1 <= fig.bbox.width and 0 <= b.y0 and b.y1 <= fig.bbox.height for b in boxes), \
            [t.get_text() for t, b in zip(texts, boxes) if b.x0 < 0 or b.x1 > fig.bbox.width or b.y0 < 0]
        # Left to right: the theory panel (and its bar), then the measured panel (and its), none over another.
        lefts = sorted((ax.get_tightbbox(renderer) for ax in fig.axes), key=lambda box: box.x0)
        assert all(a.x1 <= b.x0 for a, b in zip(lefts, lefts[1:])), "two parts of the figure overlap"
        title = fig._suptitle.get_window_extent(renderer)
        assert all(title.y0 >= ax.get_tightbbox(renderer).y1 for ax in fig.axes), "the title covers a panel"


def test_cli_sweep_theory_png(tmp_path, capsys):
    from playground.cli import main
    png = tmp_path / "theory.png"
    assert main(["sweep", "--problem", "linreg", "--opt", "momentum", "--lr-points", "5", "--momentum-points", "3",
                 "--steps", "20", "--theory-png", str(png)]) == 0
    assert png.stat().st_size > 0
    assert main(["sweep", "--problem", "rosenbrock", "--theory-png", str(png)]) == 2
    assert "not constant" in capsys.readouterr().err
