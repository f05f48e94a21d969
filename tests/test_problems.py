"""Every problem's gradient, batch axis, sample means and declared optimum."""
import numpy as np
import pytest

from optimizers.tree import flatten, tree_map, unflatten
from playground import problems


def central_difference(problem, params, eps=1e-6):
    v = flatten(params)
    out = np.empty_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = eps
        out[i] = (problem.loss(unflatten(v + e, params)) - problem.loss(unflatten(v - e, params))) / (2 * eps)
    return out


def complex_step(problem, params, h=1e-20):
    v = flatten(params).astype(complex)
    out = np.empty(v.size)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = 1j * h
        out[i] = np.imag(problem.loss(unflatten(v + e, params))) / h
    return out


CUSTOM = [
    problems.mlp([3, 4, 2], hidden=h, output=o, loss=l, n=9, seed=1, l2=l2)
    for h in ("relu", "sigmoid", "tanh", "identity")
    for o, l in (("sigmoid", "bce"), ("identity", "mse"), ("tanh", "mse"))
    for l2 in (0.0, 0.3)
]
REGISTERED = [problems.create(name) for name in problems.available()]
ALL = REGISTERED + [problems.sin_dataset(degree=3)] + CUSTOM


def ids(ps):
    return [f"{p.name}:{p.title}:{getattr(p, 'l2', '')}" for p in ps]


def random_point(problem, seed):
    """Params near the start, moved off it so that no gradient is trivially zero."""
    rng = np.random.default_rng(seed)
    return tree_map(lambda x: x + 0.3 * rng.standard_normal(np.shape(x)), problem.init_params(seed))


@pytest.mark.parametrize("problem", ALL, ids=ids(ALL))
def test_analytic_gradient_matches_central_difference(problem):
    p = random_point(problem, 3)
    numeric = central_difference(problem, p)
    analytic = flatten(problem.grad(p))
    assert np.linalg.norm(analytic - numeric) <= 1e-7 * (1 + np.linalg.norm(numeric))


@pytest.mark.parametrize("problem", ALL, ids=ids(ALL))
def test_loss_is_complex_safe_and_agrees_with_the_gradient(problem):
    p = random_point(problem, 4)
    np.testing.assert_allclose(complex_step(problem, p), flatten(problem.grad(p)), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("problem", ALL, ids=ids(ALL))
def test_batched_loss_and_grad_equal_separate_calls(problem):
    points = [random_point(problem, s) for s in range(4)]
    stacked = tree_map(lambda *xs: np.stack(xs), *points)
    losses, grads = problem.value_and_grad(stacked)
    assert np.shape(losses) == (4,)
    for r, p in enumerate(points):
        assert losses[r] == pytest.approx(problem.loss(p), rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(flatten(tree_map(lambda g: g[r], grads)), flatten(problem.grad(p)),
                                   rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(problem.loss(stacked), losses, rtol=0, atol=0)


@pytest.mark.parametrize("problem", ALL, ids=ids(ALL))
def test_the_unchecked_fast_path_computes_what_the_checked_methods_do(problem):
    fast = problem.unchecked()
    one = random_point(problem, 6)
    many = tree_map(lambda *xs: np.stack(xs), *[random_point(problem, s) for s in range(3)])
    for p in (one, many):
        for idx in (None, np.array([0, problem.n_samples - 1])):
            value, grad = problem.value_and_grad(p, idx)
            fast_value, fast_grad = fast.value_and_grad(p, idx)
            np.testing.assert_array_equal(fast_value, value)
            np.testing.assert_array_equal(fast.loss(p, idx), problem.loss(p, idx))
            np.testing.assert_array_equal(flatten(fast_grad), flatten(grad))


@pytest.mark.parametrize("problem", [p for p in ALL if p.n_samples > 1], ids=ids([p for p in ALL if p.n_samples > 1]))
def test_loss_over_indices_is_the_mean_of_per_sample_losses(problem):
    p = random_point(problem, 5)
    idx = np.array([0, 3, 1, 1]) % problem.n_samples
    per_sample = [problem.loss(p, [i]) for i in idx]
    assert problem.loss(p, idx) == pytest.approx(np.mean(per_sample), rel=1e-12)
    mean_grad = tree_map(lambda *gs: np.mean(gs, axis=0), *[problem.grad(p, [i]) for i in idx])
    np.testing.assert_allclose(flatten(problem.grad(p, idx)), flatten(mean_grad), rtol=1e-10, atol=1e-14)
    assert problem.loss(p) == pytest.approx(problem.loss(p, np.arange(problem.n_samples)), rel=1e-12)


@pytest.mark.parametrize("problem", [p for p in ALL if p.optimum is not None],
                         ids=ids([p for p in ALL if p.optimum is not None]))
def test_optimum_is_a_stationary_point_with_the_lowest_loss(problem):
    assert np.abs(flatten(problem.grad(problem.optimum))).max() < 1e-9
    assert problem.loss(problem.optimum) <= problem.loss(problem.init_params(0))


def test_every_listed_minimum_is_stationary():
    for problem in REGISTERED:
        for m in problem.minima:
            assert np.abs(problem.grad(m)).max() < 1e-9, problem.name


def test_least_squares_optimum_and_lipschitz_match_numpy():
    p = problems.linear_regression(n=50, x_range=(3.0, 5.0), seed=2)
    np.testing.assert_allclose(p.optimum, np.linalg.lstsq(p.X, p.y, rcond=None)[0], rtol=1e-12)
    # The Hessian of mean((X theta - y)^2), by differencing the gradient.
    H = np.column_stack([(p.grad(e * 1e-3) - p.grad(-e * 1e-3)) / 2e-3 for e in np.eye(2)])
    assert p.lipschitz == pytest.approx(np.linalg.eigvalsh(H).max(), rel=1e-9)
    assert p.condition_number > problems.linear_regression(n=50, x_range=(-1.0, 1.0), seed=2).condition_number


def test_quadratic_lipschitz_is_its_condition_number():
    q = problems.quadratic(cond=25.0, angle=30.0)
    H = np.column_stack([(q.grad(e * 1e-3) - q.grad(-e * 1e-3)) / 2e-3 for e in np.eye(2)])
    assert np.linalg.eigvalsh(H) == pytest.approx([1.0, 25.0])
    assert q.lipschitz == 25.0


def test_sin_dataset_is_seed_004s_gendata():
    p = problems.sin_dataset(seed=7)
    assert p.X.shape == (100, 2) and np.all(p.X[:, 0] == 1)
    u = p.X[:, 1]
    assert np.all((0 <= u) & (u < 1))
    assert np.all(np.abs(p.y - np.sin(2 * np.pi * u)) <= 0.1)
    assert np.array_equal(p.init_params(), np.ones(2))
    np.testing.assert_array_equal(problems.sin_dataset(seed=7).y, p.y)
    assert not np.array_equal(problems.sin_dataset(seed=8).y, p.y)


def test_presets_have_the_architectures_of_the_seeds():
    xor = problems.xor()
    assert xor.sizes == [2, 2, 2, 1] and xor.hidden == xor.output == "sigmoid" and xor.loss_name == "mse"
    assert xor.n_samples == 4 and list(xor.y.ravel()) == [0, 1, 1, 0]
    net = problems.relu_net()
    assert net.sizes == [4, 5, 3, 1] and net.hidden == "relu" and net.loss_name == "bce"
    assert {k: v.shape for k, v in net.init_params(0).items()} == {
        "W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,), "W3": (1, 3), "b3": (1,)}
    assert net.dim == 47
    assert problems.sin_mlp().sizes[0] == 1 and problems.sin_mlp().loss_name == "mse"


def test_bce_loss_matches_the_textbook_formula_and_never_takes_log_zero():
    net = problems.mlp([2, 3, 1], n=20, seed=0)
    p = net.init_params(0)
    a = net.forward(p)
    textbook = -np.mean(net.y * np.log(a) + (1 - net.y) * np.log(1 - a))
    assert net.loss(p) == pytest.approx(textbook, rel=1e-12)
    huge = tree_map(lambda x: 1e4 * x, p)  # saturates the sigmoid to exactly 0 or 1
    assert np.isfinite(net.loss(huge))


def test_generated_data_is_deterministic_in_the_seed():
    a, b = problems.mlp(seed=3), problems.mlp(seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.init_params(5)["W2"], b.init_params(5)["W2"])
    assert not np.array_equal(problems.mlp(seed=4).X, a.X)


@pytest.mark.parametrize("name", problems.available())
def test_create_round_trips_its_settings(name):
    p = problems.create(name)
    again = problems.create(name, **p.settings)
    assert again.settings == p.settings
    assert again.loss(again.init_params(0)) == p.loss(p.init_params(0))


@pytest.mark.parametrize("call, message", [
    (lambda: problems.create("nope"), "Available: linreg"),
    (lambda: problems.create("linreg", n=1), "n"),
    (lambda: problems.create("linreg", wibble=1), "Unknown keyword 'wibble'"),
    (lambda: problems.create("quadratic", cond=0.5), "cond"),
    (lambda: problems.linear_regression(x_range=(2.0, 1.0)), "x_range"),
    (lambda: problems.mlp([2, 3, 1], output="identity", loss="bce"), "sigmoid"),
    (lambda: problems.mlp([2, 3, 1], hidden="swish"), "swish"),
    (lambda: problems.mlp([2, 3, 1], loss="hinge"), "hinge"),
    (lambda: problems.mlp([2, 3, 1], X=np.zeros((4, 3)), y=np.zeros(4)), "do not fit"),
])
def test_bad_settings_are_refused_with_the_value_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_params_of_the_wrong_shape_are_refused_by_name():
    lin = problems.linear_regression()
    with pytest.raises(ValueError, match=r"params has shape \(3,\)"):
        lin.loss(np.zeros(3))
    net = problems.xor()
    p = net.init_params(0)
    with pytest.raises(ValueError, match="W2"):
        net.loss({**p, "W2": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="missing"):
        net.loss({k: v for k, v in p.items() if k != "b1"})
    with pytest.raises(ValueError, match="idx"):
        lin.loss(lin.init_params(), [100])


@pytest.mark.parametrize("factory, settings, message", [
    (problems.linear_regression, {"n": 0}, r"Invalid n: 0\. Allowed range: \[2, 100000\]"),
    (problems.linear_regression, {"n": 1}, r"Invalid n: 1\."),
    (problems.linear_regression, {"noise": float("nan")}, r"Invalid noise: nan"),
    (problems.sin_mlp, {"width": True}, r"Invalid width: True"),
    (problems.quadratic, {"cond": 0.5}, r"Invalid cond: 0\.5"),
    (problems.relu_net, {"n": 10.5}, r"Invalid n: 10\.5\. Expected a whole number"),
    (problems.rosenbrock, {"c": 1.0}, r"Unknown keyword 'c' for problem 'rosenbrock'"),
])
def test_the_exported_factories_read_their_settings_through_the_declarations(factory, settings, message):
    with pytest.raises(ValueError, match=message):
        factory(**settings)


def test_an_exported_factory_takes_positional_settings_and_refuses_one_given_twice():
    assert problems.linear_regression(50).n_samples == 50
    with pytest.raises(ValueError, match="n is given twice"):
        problems.linear_regression(50, n=60)
    with pytest.raises(ValueError, match="at most 1 settings"):
        problems.beale((0.0, 0.0), 3)
