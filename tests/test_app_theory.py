"""The theory panels and "tune these runs" in AppTest: what they show is what the library computes."""
from app_support import exceptions, goto, open_app

from playground.setups.comparison import Comparison
from playground.setups.tune import tune_comparison

SWEEP = "playground_app/sweep.py"


def test_compare_shows_eigendirections_and_tunes_the_runs():
    at = open_app()  # the default: gd, momentum and adam on linear regression
    assert exceptions(at) == [] and not any("eigenvector" in c.value for c in at.caption)  # drawn on request
    at.toggle(key="cmp.eigen.show").set_value(True).run()
    images = len(at.get("image"))
    assert any("eigenvector" in c.value for c in at.caption)
    at.button(key="tune.button").click().run()
    assert exceptions(at) == []
    tuned = tune_comparison(Comparison()).comparison()
    assert Comparison.from_query(at.query_params) == tuned
    assert any("These runs were tuned" in c.value for c in at.caption)
    # The loaded comparison opens with its optional panels closed: the loss curves, and the sensitivity curves.
    assert images == 2 and len(at.get("image")) == 2


def test_sweep_shows_theory_beside_measurement():
    at = goto(open_app(), SWEEP)
    assert exceptions(at) == []
    assert len(at.get("image")) == 2 and any("Left, theory" in m.value for m in at.markdown)
