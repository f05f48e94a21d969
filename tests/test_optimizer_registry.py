"""The registry: listing, building, user-registered optimizers and entry-point plugins."""
from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose

import optimizers
from optimizers import HyperParam, Optimizer, registry

# Menu order: grouped by family, classic first.
BUILTINS = ["gd", "momentum", "nesterov", "asgd",
            "adam", "adamw", "nadam", "radam", "adamax", "rmsprop", "adagrad", "adadelta", "adafactor",
            "rprop", "lion", "muon",
            "sgd_schedulefree", "adamw_schedulefree"]


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    """Whatever a test registers is forgotten afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_available_lists_the_builtins_first_in_menu_order():
    assert optimizers.available()[:len(BUILTINS)] == BUILTINS


def test_the_menu_is_grouped_by_family_in_the_documented_order():
    families = [optimizers.get(name).family for name in BUILTINS]
    assert set(families) <= set(optimizers.FAMILIES)
    ranks = [optimizers.FAMILIES.index(f) for f in families]
    assert ranks == sorted(ranks), list(zip(BUILTINS, families))
    assert [n for n, f in zip(BUILTINS, families) if f == "classic"] == ["gd", "momentum", "nesterov", "asgd"]


@pytest.mark.parametrize("name, cls", [("gd", optimizers.GD), ("momentum", optimizers.Momentum),
                                       ("nesterov", optimizers.Nesterov), ("adam", optimizers.Adam),
                                       ("adamw", optimizers.AdamW), ("rmsprop", optimizers.RMSProp),
                                       ("adagrad", optimizers.AdaGrad)])
def test_create_builds_the_named_class_with_the_given_hyperparameters(name, cls):
    opt = optimizers.create(name, lr=0.5)
    assert type(opt) is cls and opt.hp["lr"] == 0.5
    assert opt == cls(lr=0.5)


@pytest.mark.parametrize("bad", ["adamm", "Adam", "", None])
def test_unknown_name_lists_every_available_optimizer(bad):
    with pytest.raises(ValueError) as err:
        optimizers.create(bad)
    message = str(err.value)
    assert repr(bad) in message
    for name in optimizers.available():
        assert name in message


# --- @optimizers.register ---------------------------------------------------------------------

def define_lr_inside_momentum():
    @optimizers.register("lr_inside_momentum")
    class LRInsideMomentum(Optimizer):
        """Momentum with the learning rate inside the velocity (the CS231n convention).

        Equations::

            v_t = mu * v_{t-1} - lr * g_t
            theta_t = theta_{t-1} + v_t
        """

        title = "Momentum (lr inside)"
        hyperparams = (HyperParam("lr", 0.1, "step size", low=0.0, low_open=True),
                       HyperParam("mu", 0.5, "momentum", low=0.0, high=1.0, high_open=True))
        buffers = ("v",)
        latex = r"v_t = \mu v_{t-1} - \gamma g_t,\quad \theta_t = \theta_{t-1} + v_t"

        def update(self, p, g, bufs, t, hp):
            v = hp["mu"] * bufs["v"] - hp["lr"] * g
            return p + v, {"v": v}

    return LRInsideMomentum


def test_a_registered_optimizer_is_listed_built_and_stepped():
    cls = define_lr_inside_momentum()
    assert optimizers.available()[-1] == "lr_inside_momentum"
    opt = optimizers.create("lr_inside_momentum", lr=0.1, mu=0.5)
    assert type(opt) is cls and cls.name == "lr_inside_momentum"

    # Minimise 0.5 * sum(h * (x - c)^2) by hand-driven steps, as the runner would.
    h, c = np.array([1.0, 4.0]), np.array([2.0, -1.0])
    p0 = np.zeros(2)
    p, state = p0, opt.init(p0)
    p1, state = opt.step(p, h * (p - c), state)
    v1 = -0.1 * h * (p0 - c)
    assert_allclose(p1, p0 + v1)
    p2, state = opt.step(p1, h * (p1 - c), state)
    assert_allclose(p2, p1 + 0.5 * v1 - 0.1 * h * (p1 - c))
    p = p2
    for _ in range(200):
        p, state = opt.step(p, h * (p - c), state)
    assert_allclose(p, c, atol=1e-8)
    assert state.t == 202

    with pytest.raises(ValueError, match="Invalid mu: 1. Allowed range: \\[0, 1\\)"):
        optimizers.create("lr_inside_momentum", mu=1.0)
    with pytest.raises(ValueError, match="'momentum' for optimizer 'lr_inside_momentum'"):
        optimizers.create("lr_inside_momentum", momentum=0.9)


def test_register_refuses_bad_names_and_non_optimizers():
    with pytest.raises(ValueError, match="'my-opt'"):
        optimizers.register("my-opt")
    with pytest.raises(TypeError, match="Optimizer subclass"):
        optimizers.register("thing")(object)
    assert "thing" not in optimizers.available()


# --- entry-point plugins ----------------------------------------------------------------------

MODULE = "fake_optimizer_plugin_module"
PLUGIN_MODULE = '''
import numpy as np
from optimizers import HyperParam, Optimizer

NOT_AN_OPTIMIZER = 42


class SignDescent(Optimizer):
    """Steps by lr against the sign of the gradient.

    Equations::

        theta_t = theta_{t-1} - lr * sign(g_t)
    """

    title = "Sign descent"
    hyperparams = (HyperParam("lr", 0.01, "step size", low=0.0, low_open=True),)
    latex = r"\\theta_t = \\theta_{t-1} - \\gamma\\,\\mathrm{sign}(g_t)"

    def update(self, p, g, bufs, t, hp):
        return p - hp["lr"] * np.sign(g), {}
'''


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    """Put a fake installed distribution declaring ``entry_points`` on sys.path."""
    def install(entry_points: str) -> str:
        info = tmp_path / "fake_optimizer_plugin-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-optimizer-plugin\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(
            f"[{optimizers.ENTRY_POINT_GROUP}]\n" + textwrap.dedent(entry_points).replace("MODULE", MODULE))
        (tmp_path / f"{MODULE}.py").write_text(PLUGIN_MODULE)
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(registry, "_plugins_loaded", False)  # as in a fresh process
        return MODULE

    yield install
    sys.modules.pop(MODULE, None)


def test_an_entry_point_plugin_is_listed_and_built(install_plugin):
    module = install_plugin("myopt = MODULE:SignDescent\n")
    names = optimizers.available()
    assert names[:len(BUILTINS)] == BUILTINS and "myopt" in names
    opt = optimizers.create("myopt", lr=0.5)
    assert type(opt).__module__ == module and type(opt).__name__ == "SignDescent"
    p, state = opt.step(np.array([1.0, -2.0]), np.array([3.0, -4.0]), opt.init(np.zeros(2)))
    assert_allclose(p, [0.5, -1.5])
    assert state.t == 1


def test_broken_or_clashing_plugins_warn_and_leave_the_rest_working(install_plugin):
    install_plugin("""\
        missing = no_such_module_anywhere:Thing
        notopt = MODULE:NOT_AN_OPTIMIZER
        adam = MODULE:SignDescent
        good = MODULE:SignDescent
        """)
    with pytest.warns(UserWarning) as caught:
        names = optimizers.available()
    messages = " | ".join(str(w.message) for w in caught)
    for bad in ("'missing'", "'notopt'", "'adam'"):
        assert f"optimizer plugin {bad}" in messages, messages
    assert "taken by optimizers.adam.Adam" in messages
    assert "good" in names and "missing" not in names and "notopt" not in names
    assert type(optimizers.create("adam")) is optimizers.Adam
