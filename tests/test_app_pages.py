"""The Gradient check, Bug gallery and Sweep pages in AppTest: what they show is what the library computes."""
import numpy as np
import pytest

from app_support import (exceptions, goto, library_rows, open_app, open_page, players, shown, shown_rows, shows_png,
                         untimed)
from playground import gallery
from playground.setups.check import DEFAULT_MODEL, CheckSetup, worst_entries
from playground.setups.comparison import Comparison
from playground.setups.sweep import SweepSetup, default_momentum_range
from playground.viz import plots, stability_map

GRADCHECK, GALLERY, SWEEP = "playground_app/gradient_check.py", "playground_app/bug_gallery.py", "playground_app/sweep.py"


def table(at, i=0):
    return at.dataframe[i].value.to_dict("records")


# --- Gradient check ---------------------------------------------------------------------------------

def test_gradient_check_opens_on_the_textbook_bug_with_its_diagnosis():
    at = goto(open_app(), GRADCHECK)
    setup = CheckSetup.for_model(DEFAULT_MODEL)
    report = setup.run()
    assert exceptions(at) == [] and CheckSetup.from_query(at.query_params) == setup
    (verdict,) = at.error
    assert verdict.value.startswith(f"**wrong**: relative error {report.rel_error:.1e}")
    assert table(at, 0) == report.rows()
    assert table(at, 1) == worst_entries(report)
    shown = " ".join(m.value for m in at.markdown)
    assert f"**W2** (wrong): {report.blocks['W2'].diagnosis}" in shown
    assert "analytic = 2 × numeric in every entry" in shown and "analytic = 4 × numeric" in shown
    assert len(at.get("image")) == 1  # the eps sweep


def test_gradient_check_of_a_problem_with_another_method_and_eps():
    at = goto(open_app(), GRADCHECK)
    at.selectbox(key="gc.model").select("problem:xor")
    at.selectbox(key="gc.method").select("forward").run()
    at.number_input(key="gc.eps.forward").set_value(1e-5)
    at.number_input(key="gc.seed").set_value(4).run()
    setup = CheckSetup("problem:xor", "forward", 1e-5, 4)
    assert CheckSetup.from_query(at.query_params) == setup
    report = setup.run()
    assert table(at, 0) == report.rows()
    box = {"correct": at.success, "kink": at.info, "inconclusive": at.info, "suspicious": at.warning,
           "wrong": at.error}[report.verdict]
    assert f"**{report.verdict}**" in box[0].value and "eps = 1e-05" in box[0].value


def test_numerical_error_is_not_called_a_bug():
    setup = CheckSetup("problem:xor", "forward", 1e-5)  # forward differences: truncation shows at a large eps
    report = setup.run()
    assert report.numerical_only and report.verdict == "inconclusive"
    at = goto(open_app(), GRADCHECK, setup.to_query())
    assert "not by a bug in the gradient" in at.info[0].value and not at.error and exceptions(at) == []


def test_a_gradient_check_link_round_trips_and_a_bad_one_is_explained():
    setup = CheckSetup("gallery:mse-missing-factor:fixed", "complex", 1e-25, 0)
    at = goto(open_app(), GRADCHECK, setup.to_query())
    assert at.selectbox(key="gc.method").value == "complex" and at.number_input(key="gc.eps.complex").value == 1e-25
    assert CheckSetup.from_query(at.query_params) == setup and at.success
    at = goto(open_app(), GRADCHECK, {"model": "gallery:nope:buggy"})
    assert "Unknown model 'gallery:nope:buggy'" in shown(at.error[0]) and exceptions(at) == []


def test_a_zero_eps_is_an_error_that_names_it():
    at = goto(open_app(), GRADCHECK)
    at.number_input(key="gc.eps.central").set_value(0.0).run()
    assert "Invalid eps: 0. Allowed range: (0, inf)" in shown(at.error[0]) and exceptions(at) == []


# --- Bug gallery -------------------------------------------------------------------------------------

def test_gallery_opens_on_the_divergent_updater_buggy_beside_fixed():
    at = goto(open_app(), GALLERY)
    entry = gallery.get("linreg-divergent-updater")
    assert gallery.ids()[0] == entry.id and at.query_params["entry"] == entry.id
    assert at.main.header[0].value == entry.title
    assert [c.value for c in at.code] == [entry.buggy_code.strip(), entry.fixed_code.strip()]
    assert at.info[0].value == entry.run().summary.replace("\n", "  \n")  # numbers from running both, not text
    assert len(players(at)) == 1 and len(at.get("image")) == 1 and exceptions(at) == []


@pytest.mark.parametrize("entry_id", gallery.ids())
def test_every_gallery_entry_shows_its_outcome(entry_id):
    at = goto(open_app(), GALLERY, {"entry": entry_id})
    entry = gallery.get(entry_id)
    assert exceptions(at) == [] and at.radio(key="gal.entry").value == entry_id
    result = entry.run()
    if entry.kind == "trajectory":
        assert at.info[-1].value == result.summary.replace("\n", "  \n")
        assert len(players(at)) == 1
    else:
        boxes = list(at.success) + list(at.warning) + list(at.error)
        assert {b.value.split("**")[1] for b in boxes} == {result.buggy.verdict, result.fixed.verdict}
        assert [r["rel error"] for r in table(at, 0)] == [r["rel_error"] for r in result.buggy.rows()]


def test_the_gallery_button_sends_a_training_bug_to_the_compare_page():
    at = goto(open_app(), GALLERY, {"entry": "linreg-lr-too-large"})
    at.button(key="gal.to_compare").click().run()
    entry = gallery.get("linreg-lr-too-large")
    assert at.title[0].value == "Compare optimizers" and exceptions(at) == []
    assert Comparison.from_query(at.query_params) == entry.comparison
    rows = shown_rows(at)
    assert untimed(rows) == untimed(library_rows(entry.comparison))
    assert rows[0]["diverged at"] == "—" and rows[1]["diverged at"].isdigit()
    (warning,) = at.warning  # the divergence, in words below the table
    assert f"**{rows[1]['run']}** diverged at step {rows[1]['diverged at']}" in warning.value


def test_the_gallery_button_opens_the_buggy_updater_beside_its_fix_and_says_where_it_came_from():
    at = goto(open_app(), GALLERY, {"entry": "linreg-divergent-updater"})
    at.button(key="gal.to_compare").click().run()
    entry = gallery.get("linreg-divergent-updater")
    assert exceptions(at) == [] and Comparison.from_query(at.query_params) == entry.comparison
    assert [r["run"] for r in shown_rows(at)] == [r.label for r in entry.comparison.runs]
    assert [i.value for i in at.info][:1] == [f"From the bug gallery: {entry.title}"]
    assert entry.buggy_code.strip() in [c.value.strip() for c in at.code]
    at.run()  # the note is shown once
    assert f"From the bug gallery: {entry.title}" not in [i.value for i in at.info]


def test_the_gallery_button_replaces_a_comparison_the_user_had_edited():
    at = open_app()
    at.number_input(key="cmp.steps").set_value(50).run()
    goto(at, GALLERY, {"entry": "symmetric-init"})
    at.button(key="gal.to_compare").click().run()
    cmp = gallery.get("symmetric-init").comparison
    assert Comparison.from_query(at.query_params) == cmp
    assert at.selectbox(key="cmp.problem").value == "xor" and at.number_input(key="cmp.steps").value == cmp.steps


def test_the_gallery_button_sends_a_gradient_bug_to_the_gradient_check_page():
    at = goto(open_app(), GALLERY, {"entry": "mse-missing-factor"})
    at.button(key="gal.to_gradcheck").click().run()
    setup = CheckSetup.for_model("gallery:mse-missing-factor:buggy")
    assert at.title[0].value == "Gradient check" and exceptions(at) == []
    assert CheckSetup.from_query(at.query_params) == setup
    assert at.selectbox(key="gc.model").value == setup.model
    assert table(at, 0) == setup.run().rows()


# --- Sweep ---------------------------------------------------------------------------------------------

def test_sweep_maps_momentum_on_the_current_problem():
    at = goto(open_app(), SWEEP)
    setup = SweepSetup()
    result = setup.run()
    assert exceptions(at) == [] and SweepSetup.from_query(at.query_params) == setup
    caption = at.caption[0].value
    assert f"{len(result)} configurations of 200 steps · {int(result.diverged.sum())} diverged" in caption
    assert len(at.get("image")) == 2  # the stability map, and theory beside the measured map (linreg is quadratic)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Stability map (PNG)", "Final losses (CSV)"]


def test_sweep_follows_the_problem_chosen_on_the_compare_page():
    at = open_app()
    at.selectbox(key="cmp.problem").select("quadratic").run()
    at.number_input(key="cmp.problem.quadratic.cond").set_value(30.0).run()
    goto(at, SWEEP)
    setup = SweepSetup.from_query(at.query_params)
    assert (setup.problem, setup.settings) == ("quadratic", {"cond": 30.0})
    assert at.caption[0].value.startswith("Quadratic (condition number 30)")


def test_a_sweep_link_round_trips_and_sets_the_session_problem():
    setup = SweepSetup("rosenbrock", {"b": 20.0}, "adam", (1e-4, 0.3), 8, (0.5, 0.95), 4, steps=60, seed=1)
    at = open_page(SWEEP, setup.to_query())
    assert exceptions(at) == [] and SweepSetup.from_query(at.query_params) == setup
    assert at.number_input(key="sw.lr_points").value == 8 and at.selectbox(key="sw.optimizer").value == "adam"
    result = setup.run()
    assert f"{len(result)} configurations of 60 steps · {int(result.diverged.sum())} diverged" in at.caption[0].value
    goto(at, "playground_app/compare.py")
    assert Comparison.from_query(at.query_params).problem == "rosenbrock"


def test_an_optimizer_without_momentum_sweeps_lr_only():
    at = goto(open_app(), SWEEP)
    at.selectbox(key="sw.optimizer").select("adagrad").run()
    assert not [w for w in at.number_input if w.key.startswith("sw.momentum")]
    assert any("varies the learning rate alone" in c.value for c in at.caption)
    assert len(at.get("image")) == 1 and exceptions(at) == []


def test_bad_sweep_settings_are_named():
    at = goto(open_app(), SWEEP)
    at.number_input(key="sw.lr_range.0").set_value(10.0).run()
    assert "Invalid lr_range: 10/3. The first value must not exceed the second" in shown(at.error[0])
    at.number_input(key="sw.lr_range.0").set_value(1e-3)
    at.number_input(key="sw.steps").set_value(100_000).run()
    assert "This sweep would take about" in shown(at.warning[0]) and "the steps (100000)" in shown(at.warning[0])
    assert exceptions(at) == []


def test_nesterov_sweeps_from_a_momentum_it_accepts_and_adam_names_its_axis_beta1():
    at = goto(open_app(), SWEEP)
    at.selectbox(key="sw.optimizer").select("nesterov").run()
    assert not at.error and exceptions(at) == [] and len(at.get("image")) == 2  # the map, and theory beside it
    assert at.number_input(key="sw.momentum_range.nesterov.0").value == default_momentum_range(["nesterov"])[0]
    at.selectbox(key="sw.optimizer").select("adam").run()
    labels = [w.label for w in at.number_input if w.key.startswith("sw.momentum")]
    assert labels[-1] == "beta1 points" and exceptions(at) == []
    assert stability_map.caption(SweepSetup.from_query(at.query_params).run()) in [m.value for m in at.markdown]


def test_the_lr_only_sweep_has_its_own_caption():
    at = goto(open_app(), SWEEP)
    at.selectbox(key="sw.optimizer").select("gd").run()
    shown = " ".join(m.value for m in at.markdown)
    assert "Each dot is one learning rate's" in shown and "Colour is" not in shown


def test_a_schedule_picked_on_the_sweep_page_maps_what_the_library_sweeps():
    at = goto(open_app(), SWEEP)
    at.number_input(key="sw.lr_points").set_value(6)
    at.number_input(key="sw.momentum_points").set_value(4)
    at.selectbox(key="sw.schedule.name").select("exponential").run()
    at.number_input(key="sw.schedule.exponential.gamma").set_value(0.95).run()
    setup = SweepSetup(lr_points=6, momentum_points=4, schedule="exponential:gamma=0.95")
    assert exceptions(at) == [] and SweepSetup.from_query(at.query_params) == setup
    result = setup.run()
    assert shows_png(at.get("image")[0], plots.to_png(stability_map.stability_map(result)))
    assert "schedule exponential gamma=0.95 · " in at.caption[0].value
    assert stability_map.caption(result) in [m.value for m in at.markdown]
    assert any("closed-form rates hold for a constant learning rate" in i.value for i in at.info)
    at.selectbox(key="sw.schedule.name").select("one_cycle").run()  # its own lr, over six learning rates
    assert "one_cycle sets its own lr" in shown(at.error[0]) and not at.get("image") and exceptions(at) == []
