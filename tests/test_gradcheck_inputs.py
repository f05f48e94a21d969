"""playground.gradcheck on bad input: every error names what is wrong and where."""
from __future__ import annotations

import numpy as np
import pytest

from playground.gradcheck import GradcheckError, gradcheck

X0 = np.array([0.5, -1.0, 2.0])
PARAMS = {"W": np.arange(6.0).reshape(2, 3) / 10, "b": np.array([0.1, -0.2])}


def f(x):
    return float(np.sum(np.sin(x) * x))


def grad(x):
    return np.sin(x) + x * np.cos(x)


def loss(p):
    return float(np.sum(p["W"] ** 2) + np.sum(p["b"] ** 3))


def loss_grad(p):
    return {"W": 2 * p["W"], "b": 3 * p["b"] ** 2}


def test_gradcheck_error_is_a_value_error():
    assert issubclass(GradcheckError, ValueError)


# --- f --------------------------------------------------------------------------------------

def test_f_returning_an_array_is_refused():
    with pytest.raises(GradcheckError, match=r"f must return a scalar loss, got shape \(3,\)"):
        gradcheck(lambda x: np.sin(x), grad, X0)


def test_f_returning_a_one_by_one_array_gets_a_hint():
    with pytest.raises(GradcheckError, match=r"shape \(1, 1\).*np\.squeeze"):
        gradcheck(lambda x: np.array([[f(x)]]), grad, X0)


def test_f_returning_nan_at_the_point_is_refused():
    with pytest.raises(GradcheckError, match=r"f returned nan at params \(the unperturbed point\)"):
        gradcheck(lambda x: float("nan"), grad, X0)


def test_f_returning_inf_at_one_perturbed_entry_names_the_entry():
    def blows_up(x):
        return np.inf if x[2] > X0[2] else f(x)
    with pytest.raises(GradcheckError, match=r"f returned inf at params\[2\] \+ 1e-06"):
        gradcheck(blows_up, grad, X0)


@pytest.mark.parametrize("batched", [False, True])
def test_f_returning_inf_in_a_batch_names_the_entry(batched):
    def blows_up(p):
        out = np.sum(p["W"] ** 2, axis=(-2, -1)) + np.sum(p["b"] ** 3, axis=-1)
        # Only the step +eps on W[1, 0] blows up, not the batch self-check's test points.
        return np.where(np.abs(p["W"][..., 1, 0] - PARAMS["W"][1, 0] - 1e-6) < 1e-12, np.inf, out)
    with pytest.raises(GradcheckError, match=r"f returned inf at params\['W'\]\[1, 0\] \+ 1e-06"):
        gradcheck(blows_up, loss_grad, PARAMS, batched=batched)


def test_f_raising_is_wrapped_with_the_entry_being_evaluated():
    def fragile(p):
        if p["b"][1] < PARAMS["b"][1]:
            raise ZeroDivisionError("boom")
        return loss(p)
    with pytest.raises(GradcheckError, match=r"f raised ZeroDivisionError: boom .*params\['b'\]\[1\] - 1e-06") as e:
        gradcheck(fragile, loss_grad, PARAMS)
    assert isinstance(e.value.__cause__, ZeroDivisionError)


def test_f_returning_complex_for_real_params_is_refused():
    with pytest.raises(GradcheckError, match="complex value"):
        gradcheck(lambda x: f(x) + 1j, grad, X0)


def test_f_that_is_not_callable_is_refused():
    with pytest.raises(GradcheckError, match="f must be callable"):
        gradcheck(3.0, grad, X0)


# --- grad -----------------------------------------------------------------------------------

def test_grad_with_the_wrong_shape_names_the_block():
    bad = lambda p: {"W": np.zeros((2, 2)), "b": np.zeros(2)}  # noqa: E731
    with pytest.raises(GradcheckError, match=r"grad\['W'\] has shape \(2, 2\) but params\['W'\] has shape \(2, 3\)"):
        gradcheck(loss, bad, PARAMS)


def test_grad_with_the_transposed_shape_gets_a_hint():
    bad = lambda p: {"W": 2 * p["W"].T, "b": 3 * p["b"] ** 2}  # noqa: E731
    with pytest.raises(GradcheckError, match=r"has shape \(3, 2\).*transpose"):
        gradcheck(loss, bad, PARAMS)


def test_grad_with_missing_and_extra_keys_lists_them():
    bad = lambda p: {"W": 2 * p["W"], "c": np.zeros(2)}  # noqa: E731
    with pytest.raises(GradcheckError, match=r"missing \['b'\], unexpected \['c'\]"):
        gradcheck(loss, bad, PARAMS)


def test_grad_returning_an_array_for_dict_params_is_refused():
    with pytest.raises(GradcheckError, match="params is a dict but grad is an array"):
        gradcheck(loss, lambda p: np.zeros(8), PARAMS)


def test_grad_raising_is_wrapped():
    def broken(p):
        raise KeyError("W2")
    with pytest.raises(GradcheckError, match="grad raised KeyError") as e:
        gradcheck(loss, broken, PARAMS)
    assert isinstance(e.value.__cause__, KeyError)


def test_grad_with_nan_names_block_and_index():
    def bad(p):
        g = loss_grad(p)
        g["b"][1] = np.nan
        return g
    with pytest.raises(GradcheckError, match=r"grad\['b'\] contains nan at index \[1\]"):
        gradcheck(loss, bad, PARAMS)


def test_grad_in_another_key_order_is_lined_up_by_name():
    swapped = lambda p: dict(reversed(list(loss_grad(p).items())))  # noqa: E731
    assert gradcheck(loss, swapped, PARAMS).verdict == "correct"


# --- complex step on an f that is not complex-safe --------------------------------------------

@pytest.mark.parametrize("unsafe,words", [
    # Python's float() refuses a complex number outright.
    (lambda x: float(np.sum(np.sin(x) * x).item()), "f raised TypeError"),
    (lambda x: np.real(np.sum(np.sin(x) * x)), "returned a real value"),
    (lambda x: np.sum(np.sin(x.real) * x.real) + 0j, "drops the imaginary part"),
    (lambda x: np.sum(np.sin(x) * np.abs(x)), "not complex-safe"),
])
def test_complex_method_on_an_unsafe_f_suggests_central(unsafe, words):
    with pytest.raises(GradcheckError, match=words) as e:
        gradcheck(unsafe, grad, X0, method="complex")
    assert "method='central'" in str(e.value)


def test_complex_method_on_f_that_raises_for_complex_input():
    def real_only(x):
        if np.iscomplexobj(x):
            raise TypeError("ufunc 'logaddexp' not supported for the input types")
        return f(x)
    with pytest.raises(GradcheckError, match=r"complex parameters, but f raised TypeError.*method='central'"):
        gradcheck(real_only, grad, X0, method="complex")


# --- params -----------------------------------------------------------------------------------

def test_integer_params_are_cast_with_a_warning_and_a_note():
    x = np.array([1, -2, 3])
    with pytest.warns(UserWarning, match=r"params has dtype int64: checked at a float64 copy"):
        report = gradcheck(f, grad, x)
    assert report.verdict == "correct"
    assert any("int64" in n for n in report.notes)
    assert "int64" in report.summary()


def test_integer_block_is_named_in_the_note():
    p = {"W": np.ones((2, 3), dtype=np.int32), "b": np.array([0.1, -0.2])}
    with pytest.warns(UserWarning, match=r"params\['W'\] has dtype int32"):
        gradcheck(loss, loss_grad, p)


def test_complex_params_are_refused():
    with pytest.raises(GradcheckError, match="params is complex"):
        gradcheck(f, grad, X0 + 0j)


def test_non_finite_params_name_the_block():
    with pytest.raises(GradcheckError, match=r"params\['b'\] contains inf at index \[0\]"):
        gradcheck(loss, loss_grad, {"W": PARAMS["W"], "b": np.array([np.inf, 0.0])})


def test_empty_dict_params_are_refused():
    with pytest.raises(GradcheckError, match="empty dict"):
        gradcheck(loss, loss_grad, {})


# --- options ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,words", [
    ({"method": "centre"}, r"method must be one of 'central', 'forward', 'complex', 'random', got 'centre'"),
    ({"eps": 0.0}, "eps must be a positive finite number, got 0.0"),
    ({"eps": float("nan")}, "eps must be a positive finite number"),
    ({"correct_tol": 1e-3, "suspicious_tol": 1e-5}, "correct_tol=0.001 must not exceed suspicious_tol=1e-05"),
    ({"suspicious_tol": -1.0}, "suspicious_tol must be a finite number >= 0, got -1.0"),
    ({"n_samples": 0}, "n_samples must be an integer >= 1, got 0"),
    ({"n_directions": 0, "method": "random"}, "n_directions must be an integer >= 1, got 0"),
    ({"batch_size": 0, "batched": True}, "batch_size must be a positive integer or None, got 0"),
])
def test_bad_options_are_named(kwargs, words):
    with pytest.raises(GradcheckError, match=words):
        gradcheck(f, grad, X0, **kwargs)


def test_eps_below_float_spacing_names_the_entry():
    with pytest.raises(GradcheckError, match=r"eps=1e-20 is below the spacing of floats at params\[0\]"):
        gradcheck(f, grad, X0, eps=1e-20)


# --- batched ----------------------------------------------------------------------------------

def test_batched_f_that_mixes_the_batch_is_caught():
    # Sums over every axis, batch included: still returns B numbers after broadcasting.
    def mixes(p):
        per_set = np.sum(p["W"] ** 2, axis=(-2, -1)) + np.sum(p["b"] ** 3, axis=-1)
        return np.full(np.shape(per_set), np.mean(per_set))
    with pytest.raises(GradcheckError, match="batch axis"):
        gradcheck(mixes, loss_grad, PARAMS, batched=True)


def test_batched_f_returning_a_scalar_is_caught():
    with pytest.raises(GradcheckError, match=r"f must return shape \(2,\), got shape \(\).*batch axis"):
        gradcheck(loss, loss_grad, PARAMS, batched=True)


def test_f_that_writes_into_its_params_does_not_move_the_point():
    def scribbles(x):
        value = f(x)
        x *= 2  # a careless in-place update inside the loss
        return value
    assert gradcheck(scribbles, grad, X0.copy()).verdict == "correct"
