"""The Compare page in AppTest: what it shows equals what the library computes for the same config."""
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import optimizers
from app_support import APP, click_player, exceptions, library_rows, open_app, players, shown, shown_rows, untimed
from optimizers import HyperParam, Optimizer
from playground import gallery, problems
from playground.gallery import updaters
from playground.setups.comparison import NO_VALUE, Comparison
from playground.training import replay
from playground.training.run_spec import RunSpec
from playground.training.suggest import suggest, suggested_run
from playground.training import projection
from playground.viz import anatomy_plots, surface3d

#: The default runs: GD, momentum and Adam with linear regression's suggested learning rates.
DEFAULT_RUNS = Comparison().runs


def comparison_in_url(at):
    return Comparison.from_query(at.query_params)


def test_default_page_shows_gd_momentum_and_adam_already_run():
    at = open_app()
    assert exceptions(at) == [] and not at.error and not at.warning
    cmp = Comparison()
    assert comparison_in_url(at) == cmp
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))
    assert [r.optimizer for r in cmp.runs] == ["gd", "momentum", "adam"]
    assert [r["run"] for r in shown_rows(at)] == [r.label for r in DEFAULT_RUNS]
    # The player and the loss curves; the other panels open on request, so the first view stays quick.
    assert len(players(at)) == 1 and len(at.get("image")) == 1
    assert [d.proto.label for d in at.get("download_button")] == [
        "Trajectories (PNG)", "Loss curves (PNG)", "Trajectories and losses (CSV)", "Download config (JSON)"]
    assert len(at.latex) == 3  # one set of update equations per optimizer
    assert optimizers.Adam.latex in at.latex[2].value


def test_player_plays_the_runs_over_the_contours():
    at = open_app()
    (data,) = players(at)
    assert data["frames"][-1] == 200 and data["autoplay"]
    assert [r["label"] for r in data["runs"]] == [r.label for r in DEFAULT_RUNS]


def test_changing_an_optimizer_setting_reruns_and_updates_the_url():
    at = open_app()
    at.number_input(key="cmp.run2.adam.lr").set_value(0.02)
    at.selectbox(key="cmp.run1.optimizer").select("nesterov")
    at.run()
    # The optimizer picked for run 2 starts from its suggestion for the problem.
    cmp = Comparison(runs=(DEFAULT_RUNS[0], suggested_run("linreg", {}, "nesterov"), RunSpec("adam", {"lr": 0.02})))
    assert exceptions(at) == []
    assert comparison_in_url(at) == cmp
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))
    assert at.expander[2].label.startswith("Run 2 · Nesterov")


def test_an_optimizer_chosen_again_starts_from_its_suggestion_even_while_the_page_is_refused():
    at = open_app()
    at.number_input(key="cmp.run2.adam.lr").set_value(0.02)
    at.number_input(key="cmp.tol").set_value(0.0).run()  # refused: the page stops, and Streamlit keeps every input
    keys = len(list(at.session_state.keys()))
    for name in ("rmsprop", "lion", "adam"):
        at.selectbox(key="cmp.run2.optimizer").select(name).run()
    assert exceptions(at) == []
    assert at.number_input(key="cmp.run2.adam.lr").value == suggested_run("linreg", {}, "adam").hp["lr"] != 0.02
    # Every input Streamlit draws reads the whole session: the inputs of the optimizers tried are not kept in it.
    assert len(list(at.session_state.keys())) == keys


def test_a_diverged_run_is_explained_and_the_others_still_show():
    at = open_app()
    at.number_input(key="cmp.run0.gd.lr").set_value(0.5).run()
    rows = shown_rows(at)
    assert rows[0]["final loss"] == "—" and rows[0]["steps to tol"] == "—" and rows[0]["diverged at"].isdigit()
    assert rows[1]["final loss"] != "—" and rows[2]["final loss"] != "—"
    (warning,) = at.warning
    k = int(rows[0]["diverged at"])
    assert f"diverged at step {k}: lr = 0.5 is above the stability bound 2/L = 0.414" in shown(warning)
    assert exceptions(at) == [] and len(players(at)) == 1


def test_a_copied_link_reproduces_the_same_runs():
    cmp = Comparison("rosenbrock", {"b": 50.0, "start": (-1.2, 1.5)},
                     (RunSpec("adam", {"lr": 0.02, "betas": (0.8, 0.99)}), RunSpec("nesterov", {"lr": 1e-3}),
                      RunSpec("rmsprop", {"lr": 0.003, "centered": True})), steps=120, seed=3, tol=1e-3)
    at = open_app(cmp.to_query())
    assert exceptions(at) == [] and not at.error
    assert at.selectbox(key="cmp.problem").value == "rosenbrock"
    assert at.number_input(key="cmp.problem.rosenbrock.b").value == 50.0
    assert at.number_input(key="cmp.run0.adam.betas.1").value == 0.99
    assert at.checkbox(key="cmp.run2.rmsprop.centered").value is True
    assert comparison_in_url(at) == cmp  # the page writes back exactly the link it was opened with
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))


def test_a_bad_link_says_why_and_shows_the_default():
    at = open_app({"run": "adam:lr=-1"})
    assert any("Invalid lr: -1. Allowed range: (0, inf)" in shown(e) for e in at.error)
    assert comparison_in_url(at) == Comparison() and exceptions(at) == []


def test_mini_batches_and_accumulation():
    at = open_app()
    at.radio(key="cmp.run1.batches").set_value("mini-batch").run()
    at.number_input(key="cmp.run1.batch_size").set_value(16)
    at.number_input(key="cmp.run1.accumulate").set_value(2)
    at.radio(key="cmp.run2.batches").set_value("per-sample")
    at.run()
    gd, momentum, adam = DEFAULT_RUNS
    runs = (gd, replace(momentum, batch_size=16, accumulate=2), replace(adam, batch_size=1))
    assert comparison_in_url(at) == Comparison(runs=runs)
    assert untimed(shown_rows(at)) == untimed(library_rows(Comparison(runs=runs)))


def test_a_batch_larger_than_the_data_is_an_error_that_names_it_and_the_other_runs_still_show():
    at = open_app()
    at.radio(key="cmp.run0.batches").set_value("mini-batch").run()
    at.number_input(key="cmp.run0.batch_size").set_value(500).run()
    assert [shown(e) for e in at.sidebar.error] == [
        "Invalid batch_size: 500. Allowed range: [1, 100] (the problem has 100 samples)"]
    assert exceptions(at) == []
    assert [row["run"] for row in shown_rows(at)] == [r.label for r in DEFAULT_RUNS[1:]]


def test_an_mlp_is_played_on_its_principal_plane():
    cmp = Comparison("xor", {}, (RunSpec("adam", {"lr": 0.05}), RunSpec("gd", {"lr": 2.0})), steps=150)
    at = open_app(cmp.to_query())
    assert exceptions(at) == []
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))
    (data,) = players(at)
    assert data["frames"][-1] == 150 and len(data["runs"]) == 2
    assert any("15 parameters" in c.value and "directions in which they moved most" in c.value for c in at.caption)


def test_the_3d_surface_shows_the_librarys_payload_on_request_only():
    cmp = Comparison("rosenbrock", {}, (RunSpec("gd", {"lr": 1e-3}), RunSpec("adam", {"lr": 0.05})), steps=80)
    at = open_app(cmp.to_query())
    assert players(at, "loss_surface") == [] and not at.toggle(key="cmp.surface.show").value
    at.toggle(key="cmp.surface.show").set_value(True).run()
    assert exceptions(at) == []
    (data,) = players(at, "loss_surface")
    assert data == surface3d.for_trajectories(cmp.build_problem(), cmp.run(), view=cmp.view)
    assert data["log"] and [r["label"] for r in data["runs"]] == [r.label for r in cmp.runs]
    assert len(players(at)) == 1  # the player stays


def test_more_runs_get_the_next_optimizers():
    at = open_app()
    at.number_input(key="cmp.n_runs").set_value(6).run()
    assert [r.optimizer for r in comparison_in_url(at).runs] == ["gd", "momentum", "adam", "nesterov", "rmsprop",
                                                                "adagrad"]
    assert len(shown_rows(at)) == 6 and exceptions(at) == []


def test_problem_settings_come_from_the_declaration():
    at = open_app()
    at.selectbox(key="cmp.problem").select("quadratic").run()
    at.number_input(key="cmp.problem.quadratic.cond").set_value(50.0)
    at.number_input(key="cmp.problem.quadratic.start.0").set_value(-3.0)
    at.run()
    cmp = comparison_in_url(at)
    assert (cmp.problem, cmp.settings) == ("quadratic", {"cond": 50.0, "start": (-3.0, 2.0)})
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))


def test_a_pasted_config_replaces_the_comparison():
    cmp = Comparison("beale", {}, (RunSpec("adam", {"lr": 0.05}),), steps=80)
    at = open_app()
    at.text_area(key="io.paste").input(cmp.to_json())
    at.button(key="io.paste_button").click().run()
    assert comparison_in_url(at) == cmp
    assert at.number_input(key="cmp.run0.adam.lr").value == 0.05 and at.number_input(key="cmp.steps").value == 80
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))


def test_an_uploaded_config_replaces_the_comparison_and_a_bad_one_is_explained():
    cmp = Comparison("saddle", {}, (RunSpec("momentum", {"lr": 0.02}), RunSpec("gd", {"lr": 0.05})), steps=60)
    at = open_app()
    at.file_uploader(key="io.upload").set_value(("cmp.json", cmp.to_json().encode(), "application/json")).run()
    assert comparison_in_url(at) == cmp and exceptions(at) == []
    at.text_area(key="io.paste").input('{"runs": [{"optimizer": "sgd"}]}')
    at.button(key="io.paste_button").click().run()
    assert "Unknown optimizer 'sgd'. Available: gd" in shown(at.error[0])
    assert comparison_in_url(at) == cmp  # the comparison shown is unchanged


@pytest.fixture()
def plugin():
    """An optimizer registered the way a user's plugin is, removed again after the test."""
    @optimizers.register("signum_test")
    class Signum(Optimizer):
        """theta -= lr * sign(momentum-averaged gradient), with every kind of declared setting."""

        title = "Signum"
        hyperparams = (
            HyperParam("lr", 0.01, "step size", low=0.0, low_open=True, log=True, widget_high=1.0),
            HyperParam("beta", 0.9, "averaging of the gradient", low=0.0, high=1.0, high_open=True),
            HyperParam("warmup", 0, "steps at lr/10", low=0, kind="int"),
            HyperParam("flip", False, "descend on -sign", kind="bool"),
            HyperParam("rule", "sign", "how to reduce the average", kind="choice", choices=("sign", "raw")),
            HyperParam("clip", (-1.0, 1.0), "clip the update to this range", low=-10.0, high=10.0, kind="pair"),
        )
        buffers = ("avg",)

        def update(self, p, g, bufs, t, hp):
            m = hp["beta"] * bufs["avg"] + (1 - hp["beta"]) * g
            d = np.sign(m) if hp["rule"] == "sign" else m
            lr = hp["lr"] / 10 if t <= hp["warmup"] else hp["lr"]
            return p - lr * np.clip(-d if hp["flip"] else d, *hp["clip"]), {"avg": m}

    yield Signum
    optimizers.registry._REGISTRY.pop("signum_test")


def test_a_registered_plugin_appears_with_its_own_controls(plugin):
    at = open_app()
    assert "Classic · Signum (signum_test)" in at.selectbox(key="cmp.run0.optimizer").options
    at.selectbox(key="cmp.run0.optimizer").select("signum_test").run()
    key = "cmp.run0.signum_test."
    assert at.number_input(key=key + "lr").value == suggest("linreg", {}, "signum_test").hp["lr"]
    assert at.number_input(key=key + "warmup").value == 0
    assert at.checkbox(key=key + "flip").value is False
    assert at.selectbox(key=key + "rule").options == ["sign", "raw"]
    assert (at.number_input(key=key + "clip.0").value, at.number_input(key=key + "clip.1").value) == (-1.0, 1.0)
    at.number_input(key=key + "lr").set_value(0.05)
    at.number_input(key=key + "warmup").set_value(5)
    at.selectbox(key=key + "rule").select("raw")
    at.number_input(key=key + "clip.1").set_value(0.5)
    at.run()
    cmp = comparison_in_url(at)
    assert cmp.runs[0] == RunSpec("signum_test", {"lr": 0.05, "warmup": 5, "rule": "raw", "clip": (-1.0, 0.5)})
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp)) and exceptions(at) == []
    assert any("declares no equations" in c.value for c in at.caption)


def test_the_parameters_panel_shows_each_parameter_over_the_steps():
    at = open_app()
    assert "Parameters over steps" in [h.value for h in at.subheader]
    at.toggle(key="cmp.parameters.show").set_value(True).run()
    assert any("Each parameter against the step" in c.value for c in at.caption) and len(at.get("image")) == 2


def test_buggy_updaters_are_offered_where_their_seed_code_runs_and_run_like_the_library():
    at = open_app()
    options = at.selectbox(key="cmp.run0.optimizer").options
    assert options[-3:] == ["buggy updater: " + gallery.get(u).title for u in updaters.available()]
    at.selectbox(key="cmp.run0.optimizer").select("updater:linreg-divergent-updater").run()
    cmp = comparison_in_url(at)
    assert cmp.runs[0] == RunSpec("updater:linreg-divergent-updater")  # GD's default lr
    assert exceptions(at) == [] and untimed(shown_rows(at)) == untimed(library_rows(cmp))
    at.selectbox(key="cmp.problem").select("rosenbrock").run()
    assert "buggy updater: " + gallery.get("linreg-divergent-updater").title not in \
        at.selectbox(key="cmp.run0.optimizer").options
    assert comparison_in_url(at).runs[0].optimizer == "gd"


def formulas(at: AppTest) -> list[str]:
    """The LaTeX of every formula the page shows (st.latex wraps each in $$ lines)."""
    return [f.value.strip("$\n") for f in at.latex]


def test_a_schedule_is_chosen_from_its_declarations_and_shown_with_its_formula():
    at = open_app({"problem": "rosenbrock", "run": ["momentum:lr=0.001"], "steps": "150"})
    assert at.selectbox(key="cmp.run0.schedule.name").options[0] == "none"
    at.selectbox(key="cmp.run0.schedule.name").select("cosine").run()
    at.number_input(key="cmp.run0.schedule.cosine.T_max").set_value(50).run()
    assert comparison_in_url(at).runs[0].schedule == optimizers.schedule("cosine", T_max=50)
    assert any("Schedule: Cosine annealing" in m.value for m in at.markdown)
    assert optimizers.schedule("cosine", T_max=50).latex in formulas(at)
    at.number_input(key="cmp.run0.grad_noise").set_value(0.5).run()
    assert comparison_in_url(at).runs[0].grad_noise == 0.5 and exceptions(at) == []
    at.selectbox(key="cmp.run0.schedule.name").select("one_cycle").run()
    # one_cycle's default total_steps (100) is shorter than the run: refused, naming its range.
    messages = [shown(e) for e in list(at.error) + list(at.warning) + list(at.info)]
    assert any("Invalid total_steps of schedule 'one_cycle': 100. Allowed range: [150, inf)" in m for m in messages)


def test_a_sequential_schedule_shows_the_formula_of_each_schedule_it_chains_under_its_name():
    chained = optimizers.schedules.parse(optimizers.schedules.SEQUENTIAL_EXAMPLE)
    cmp = Comparison("rosenbrock", runs=(RunSpec("momentum", {"lr": 1e-3}, schedule=chained),), steps=200)
    at = open_app(cmp.to_query())
    assert exceptions(at) == [] and chained.latex in formulas(at)
    for sub in chained.schedules:  # each named in upright text, as KaTeX reads \text
        assert rf"\text{{{sub.name}}}:\ {sub.latex}" in formulas(at), sub.name


def test_switching_problem_starts_every_run_from_its_suggestions():
    # Three problems: the switch does the same on every one, and every problem's suggested runs are run, none
    # diverging, in tests/test_suggest.py.
    at = open_app()
    for name in ("rosenbrock", "beale", "himmelblau"):
        at.selectbox(key="cmp.problem").select(name).run()
        cmp = comparison_in_url(at)
        assert cmp == Comparison(name), name  # the default trio, with this problem's suggestions
        rows = shown_rows(at)
        assert [row["diverged at"] for row in rows] == [NO_VALUE] * 3 and not at.warning, name
        assert untimed(rows) == untimed(library_rows(cmp)) and exceptions(at) == []


def test_switching_problem_keeps_the_training_inputs_as_typed_even_while_one_is_refused():
    at = open_app()
    at.number_input(key="cmp.tol").set_value(0.0).run()
    at.number_input(key="cmp.steps").set_value(50).run()  # typed while the page refuses the tolerance
    at.selectbox(key="cmp.problem").select("beale").run()
    assert at.number_input(key="cmp.steps").value == 50 and at.number_input(key="cmp.tol").value == 0.0
    assert any("Invalid tol: 0" in e.value for e in at.sidebar.error) and not at.table
    at.number_input(key="cmp.tol").set_value(1e-6).run()
    assert comparison_in_url(at).steps == 50 and at.table and exceptions(at) == []


def test_reset_and_switching_problem_keep_a_refused_run_in_its_place():
    at = open_app()
    at.number_input(key="cmp.run0.gd.lr").set_value(-1.0).run()  # refused: runs 2 and 3 still show
    assert len(at.table[0].value) == 2
    at.button(key="runs.reset").click().run()
    assert comparison_in_url(at).runs == DEFAULT_RUNS and at.number_input(key="cmp.run0.gd.lr").value > 0
    at.number_input(key="cmp.run0.gd.lr").set_value(-1.0).run()
    at.selectbox(key="cmp.problem").select("beale").run()
    assert comparison_in_url(at) == Comparison("beale") and exceptions(at) == []


def test_reset_gives_every_run_its_suggestion_again():
    at = open_app()
    at.number_input(key="cmp.run0.gd.lr").set_value(0.5)
    at.number_input(key="cmp.n_runs").set_value(4).run()
    assert at.warning  # gd diverges at lr = 0.5
    at.button(key="runs.reset").click().run()
    assert comparison_in_url(at).runs == DEFAULT_RUNS + (suggested_run("linreg", {}, "nesterov"),)
    assert at.number_input(key="cmp.run0.gd.lr").value == DEFAULT_RUNS[0].hp["lr"]
    assert not at.warning and exceptions(at) == []


def test_lr_as_a_multiple_of_2_over_L_keeps_the_step_and_is_offered_only_where_L_is_known():
    at = open_app()
    L = problems.create("linreg").lipschitz
    at.checkbox(key="cmp.run0.lr_scale").check().run()
    relative = DEFAULT_RUNS[0].rescaled("lipschitz", L)
    assert at.number_input(key="cmp.run0.gd.lr").value == pytest.approx(relative.hp["lr"])
    cmp = comparison_in_url(at)
    assert cmp.runs[0].lr_scale == "lipschitz" and cmp.runs[0].label.endswith("×2/L")
    assert untimed(shown_rows(at)) == untimed(library_rows(cmp))
    at.number_input(key="cmp.run0.gd.lr").set_value(0.5).run()
    assert shown_rows(at)[0]["run"] == "gd lr=0.5×2/L"
    at.selectbox(key="cmp.problem").select("rosenbrock").run()
    assert not [c for c in at.checkbox if c.key.endswith("lr_scale")]  # Rosenbrock has no constant curvature


def test_muon_on_a_problem_without_weight_matrices_says_why_under_its_run():
    at = open_app()
    at.selectbox(key="cmp.problem").select("rosenbrock").run()
    at.selectbox(key="cmp.run2.optimizer").select("muon").run()
    assert any("muon: params have no matrix (2-D) block" in e.value for e in at.sidebar.error)
    assert exceptions(at) == [] and [row["run"] for row in shown_rows(at)] == [
        r.label for r in Comparison("rosenbrock").runs[:2]]


@pytest.mark.parametrize("problem", ["[x](http://evil)", "![i](http://host/i.png)"])
def test_a_link_or_an_image_in_the_query_is_shown_as_text(problem):
    at = open_app({"problem": problem})
    (error,) = at.error
    assert "\\[" in error.value and "](" not in error.value.replace("\\]", "")  # no link or image is rendered
    assert problem.partition(":")[0] in shown(error) and exceptions(at) == []


def test_a_huge_problem_name_in_the_link_gives_a_short_alert():
    at = open_app({"problem": "x" * 400_000})  # Streamlit drops queries past 512 KiB
    (error,) = at.error
    assert "Unknown problem" in error.value and len(error.value) < 500 and exceptions(at) == []


def test_a_non_utf8_upload_is_refused_by_name():
    at = open_app()
    at.file_uploader(key="io.upload").set_value(("cmp.json", b"\xff\xfe{}", "application/json")).run()
    assert "not UTF-8 text" in shown(at.error[0]) and exceptions(at) == []


@pytest.mark.parametrize("text, message", [('{"steps": null}', "Invalid steps: None"),
                                           ('{"runs": [{}]}', "it names no optimizer"),
                                           ('{"settings": null}', "Invalid settings of problem 'linreg'"),
                                           ("[" * 100_000 + "]" * 100_000, "nested too deeply")])
def test_a_pasted_config_of_the_wrong_shape_is_an_error_not_a_crash(text, message):
    at = open_app()
    at.text_area(key="io.paste").input(text)
    at.button(key="io.paste_button").click().run()
    assert message in shown(at.error[0]) and exceptions(at) == []


def test_fewer_runs_and_back_gives_the_runs_back_as_they_were():
    at = open_app()
    at.number_input(key="cmp.run2.adam.lr").set_value(0.02).run()
    before = comparison_in_url(at).runs
    at.number_input(key="cmp.n_runs").set_value(1).run()
    assert comparison_in_url(at).runs == before[:1]
    at.number_input(key="cmp.n_runs").set_value(3).run()
    assert comparison_in_url(at).runs == before and exceptions(at) == []


def test_a_click_on_an_mlps_picture_reruns_every_run_from_there_in_the_same_plane():
    home = Comparison("xor", steps=30)
    at = open_app(home.to_query())
    (before,) = players(at)
    (x0, x1), (y0, y1) = before["limits"]["x"], before["limits"]["y"]
    clicked = (x0 + 0.3 * (x1 - x0), y0 + 0.7 * (y1 - y0))
    click_player(at, *clicked)
    assert exceptions(at) == [] and not at.error
    moved = comparison_in_url(at)
    assert moved == replace(home, start=(round(clicked[0], 4), round(clicked[1], 4)))
    assert untimed(shown_rows(at)) == untimed(library_rows(moved))
    (after,) = players(at)
    # The same picture (plane, window, contours), with every run now starting where the click was.
    assert after["image"] == before["image"] and after["limits"] == before["limits"]
    left, top, width, height = after["clip"]
    at_click = (left + 0.3 * width, top + 0.3 * height)
    assert all(r["xy"][:2] == pytest.approx(at_click, abs=0.5) for r in after["runs"])
    assert any(r["xy"] != b["xy"] for r, b in zip(after["runs"], before["runs"]))
    assert any("where you clicked" in c.value for c in at.caption)
    # A point off the plane's drawn domain is refused where the user clicked, and nothing reruns.
    click_player(at, x1 + 1000 * (x1 - x0), y0)
    assert "outside the drawn plane: a in [" in shown(at.error[0]) and comparison_in_url(at) == moved
    at.button(key="cmp.start.reset").click().run()
    assert comparison_in_url(at) == home and players(at)[0]["image"] == before["image"]


def test_the_anatomy_of_the_chosen_step_is_drawn_on_the_player_with_its_numbers_beside():
    at = AppTest.from_file(APP, default_timeout=120)
    # As a user who turned the anatomy on and chose run 1's step 7 (in the player or the input): one run.
    for key, value in {"cmp.anatomy.show": True, "cmp.anatomy.run": 1, "cmp.anatomy.step": 7}.items():
        at.session_state[key] = value
    at.run()
    assert exceptions(at) == [] and not at.error
    assert at.number_input(key="cmp.anatomy.step").value == 7
    cmp = Comparison()
    problem = cmp.build_problem()
    a = replay.anatomy(problem, cmp.runs[1], 7, steps=cmp.steps, seed=cmp.seed, shuffle=cmp.shuffle)
    surface = projection.parameter_plane(problem, projection.parameter_bounds(problem), 2)  # the plane, cheaply
    (data,) = players(at)
    overlay = data["anatomy"]
    assert (overlay["run"], overlay["step"]) == (1, 7) and cmp.runs[1].label in overlay["title"]
    expected = anatomy_plots.anatomy_overlay(data, a, surface, run=1, label=cmp.runs[1].label)
    assert overlay == expected and len(overlay["arrows"]) == len(a.terms) + 2
    # The equation beside the player holds that step's numbers; the PNG of the old panel is gone.
    assert anatomy_plots.anatomy_latex(anatomy_plots.in_plane(a, surface)) in at.latex[0].value
    assert len(at.get("image")) == 1
