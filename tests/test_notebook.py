"""Results that display themselves in Jupyter: comparisons, sweeps, gallery entries, and a page of them."""
import dataclasses
import re

import numpy as np
import pytest

from playground import gallery, problems, sweep
from playground.setups.comparison import Comparison, Results, results_table
from playground.training.run_spec import RunSpec
from playground.viz import notebook

SMALL = Comparison("quadratic", runs=(RunSpec("gd", {"lr": 0.1}), RunSpec("momentum", {"lr": 0.05})), steps=30)
#: Anything loaded from elsewhere: every figure, style and script must be inlined.
EXTERNAL = re.compile(r"""(src|href)=["']?+(?!data:)|@import|url\((?!data:)""")


@pytest.fixture(scope="module")
def results():
    return SMALL.run()


def small_sweep():
    p = problems.linear_regression()
    return sweep(p, "momentum", lrs=np.geomspace(0.1, 3, 6) / p.lipschitz, momenta=[0.0, 0.5], steps=40)


def test_results_are_the_list_of_trajectories_they_always_were(results):
    assert isinstance(results, list) and isinstance(results, Results)
    assert len(results) == 2 and [t.label for t in results] == [r.label for r in SMALL.runs]
    assert results == list(results) and results[0] is list(results)[0] and results[-1] is results[1]
    assert results.comparison is SMALL and results.problem.name == SMALL.build_problem().name
    assert results.table() == results_table(results.problem, list(results), SMALL.tol)


def test_a_comparison_shows_its_player_loss_curves_and_results_table(results):
    page = results._repr_html_()
    assert page.count('class="tp-embed"') == 1 and 'type="module"' in page
    assert page.count("<img class='pg-figure'") == 1  # the loss curves; the contours are the player's
    assert "<th>final loss</th>" in page and all(f"<td>{t.label}</td>" in page for t in results)
    assert not EXTERNAL.search(page), EXTERNAL.search(page)


def test_user_text_is_escaped_everywhere_it_shows(results):
    odd = Results([dataclasses.replace(results[0], label="<b>bold</b> & co")], SMALL, results.problem)
    page = odd._repr_html_()
    assert "<b>bold</b>" not in page.replace("\\u003cb>bold\\u003c/b>", "")
    assert "<td>&lt;b&gt;bold&lt;/b&gt; &amp; co</td>" in page


def test_runs_with_no_plane_to_draw_say_why_in_the_players_place(results):
    still = Comparison("xor", runs=(RunSpec("gd", {"lr": 1e-300}),), steps=3).run()
    page = still._repr_html_()
    assert "tp-embed" not in page and "No picture of the trajectories: all" in page and "did not move" in page


def test_a_sweep_shows_its_stability_map():
    result = small_sweep()
    png = result._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and result._repr_png_() is png  # drawn once
    page = result._repr_html_()
    assert "src='data:image/png;base64," in page
    assert "Stability map: momentum on linreg, 12 configurations of 40 steps" in page


def test_a_gradient_entry_shows_its_code_side_by_side_and_both_reports():
    entry = gallery.get("mse-missing-factor")
    page = entry._repr_html_()
    assert entry.title in page and "Source: blog post &quot;" in page
    buggy, fixed = page.index("<h4 class='pg-buggy'>Buggy</h4>"), page.index("<h4 class='pg-fixed'>Fixed</h4>")
    assert buggy < fixed < page.index("What it does")
    assert page.count('class="gradcheck-report"') == 2 and "analytic = 2 × numeric" in page
    assert "def back_propagation(X, y, THETA):" in page and "-&gt;" not in entry.buggy_code  # code escaped as is
    assert "<code>" in notebook._inline("a `b < c` d") and "&lt;" in notebook._inline("a `b < c` d")


def test_a_training_entry_shows_its_two_runs_and_the_summary():
    entry = gallery.get("linreg-lr-too-large")
    page = entry._repr_html_()
    assert page.count('class="tp-embed"') == 1 and "<p class='pg-summary'>The bound: 2/L = 0.414" in page


def test_a_page_holds_every_display_in_order_and_a_repr_for_anything_else(results):
    report_like = gallery.get("mse-missing-factor").buggy_check.run()
    doc = notebook.page(results, report_like, "<not html>", title="a & b")
    assert doc.startswith("<!DOCTYPE html>") and "<title>a &amp; b</title>" in doc
    assert doc.count("<section class='pg-cell'>") == 3
    assert doc.index("tp-embed") < doc.index("gradcheck-report") < doc.index("&#x27;&lt;not html&gt;&#x27;")


def test_table_cells_format_numbers_and_leave_none_empty():
    html = notebook.table_html([{"a": 1.23456789, "b": None, "c": np.int64(7), "d": True}])
    assert "<td class='pg-number'>1.235</td><td></td><td class='pg-number'>7</td><td>True</td>" in html
