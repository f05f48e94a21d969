"""What the library's results show in Jupyter: the HTML (and PNG) their ``_repr_*_`` methods return.

- a comparison's results (:class:`~playground.setups.comparison.Results`):
  :func:`comparison_html`, the trajectory player, the loss curves and the
  results table;
- a sweep (:class:`~playground.training.sweep.SweepResult`): its stability
  map, :func:`sweep_png`, or :func:`sweep_html` with a caption;
- a gallery entry (:class:`~playground.gallery.Entry`): :func:`entry_html`, its
  source, buggy beside fixed code, and what each does when run;
- a gradient check's report shows itself (``GradcheckReport._repr_html_``).

Each display is one self-contained HTML fragment: figures are inlined PNGs,
the player carries its script, and the style (``notebook.css`` in this
package, read with :mod:`importlib.resources`) is scoped to ``.pg-display``;
nothing loads from the network. Text from the user or a result (labels,
titles, code) is escaped. :func:`page` puts any number of displays on one
HTML page, as a notebook shows them, players included (each plays on its own).

The classes import this module in their ``_repr_*_`` methods, when shown: it
sits above them (it draws their results), and ``SweepResult``'s module is
imported by the stability map this module draws with.
"""
from __future__ import annotations

import base64
import html
import numbers
import re
import weakref
from importlib import resources
from typing import TYPE_CHECKING, Any, Sequence

from matplotlib.figure import Figure

from ...training import projection
from .. import player, plots
from ..stability_map import stability_map

if TYPE_CHECKING:
    from ...gallery import Entry
    from ...setups.comparison import Results
    from ...training.sweep import SweepResult

#: The loss curves' size, as the app draws them.
LOSS_FIGSIZE = (6.4, 4.6)
# IPython asks for every format on each display, a sweep's PNG and its HTML (about a second each to
# draw), so the map is drawn once per sweep, kept while the sweep lives (results are immutable).
_SWEEP_PNGS: weakref.WeakKeyDictionary[SweepResult, bytes] = weakref.WeakKeyDictionary()


def comparison_html(results: Results) -> str:
    """The comparison's runs: the player over the loss landscape beside the loss curves, then the results table.

    Where there is no landscape to play over (runs that did not move, a loss
    that is nowhere finite), a sentence says why in the player's place.
    """
    problem, cmp = results.problem, results.comparison
    runs = f"{len(results)} runs" if len(results) > 1 else "1 run"
    heading = (f"<h3>{html.escape(problem.title)}</h3><p class='pg-caption'>{runs} of {cmp.steps} steps "
               f"from the same start (seed {cmp.seed})</p>")
    return _display("pg-comparison", heading + _trajectories_row(problem, results, results.plane) + "<h4>Results</h4>"
                    + table_html(results.table()))


def sweep_png(result: SweepResult) -> bytes:
    """The sweep's stability map (:func:`~playground.viz.stability_map.stability_map`) as PNG, drawn once per sweep."""
    png = _SWEEP_PNGS.get(result)
    if png is None:
        png = _SWEEP_PNGS[result] = plots.to_png(stability_map(result))
    return png


def sweep_html(result: SweepResult) -> str:
    """The stability map as an inlined PNG, with a caption saying what was swept."""
    n_diverged = int(result.diverged.sum())
    caption = (f"Stability map: {', '.join(result.optimizers)} on {result.problem}, {len(result)} configurations "
               f"of {result.run_settings['steps']} steps, {n_diverged} diverged.")
    return _display("pg-sweep", f"<figure style='margin: 0'>{png_html(sweep_png(result), 'stability map')}"
                    f"<figcaption class='pg-caption'>{html.escape(caption)}</figcaption></figure>")


def entry_html(entry: Entry) -> str:
    """A gallery entry, run now: its title and source, the explanation, buggy beside fixed code, and the outcome.

    A training bug's outcome is the two runs in the player beside their loss
    curves, then the summary; a gradient bug's, the two gradient check reports.
    """
    result = entry.run()
    parts = [f"<h3>{html.escape(entry.title)}</h3>",
             f"<p class='pg-caption'>Source: {html.escape(entry.source)} · id <code>{html.escape(entry.id)}</code></p>",
             f"<p><b>What its user saw.</b> {_inline(entry.what_the_user_saw)}</p>",
             f"<p>{_inline(entry.explanation)}</p>",
             "<div class='pg-row'>", _code_column("Buggy", "pg-buggy", entry.buggy_code),
             _code_column("Fixed", "pg-fixed", entry.fixed_code), "</div>", "<h4>What it does</h4>"]
    if entry.kind == "trajectory":
        parts += [_trajectories_row(entry.comparison.build_problem(), [result.buggy, result.fixed]),
                  f"<p class='pg-summary'>{html.escape(result.summary)}</p>"]
    else:
        parts += ["<div class='pg-row'>"] + [f"<div><h4 class='pg-{label}'>{label.capitalize()} gradient</h4>"
                                             f"{report._repr_html_()}</div>"
                                             for label, report in (("buggy", result.buggy), ("fixed", result.fixed))]
        parts.append("</div>")
    return _display("pg-entry", "".join(parts))


def table_html(rows: Sequence[dict[str, Any]]) -> str:
    """Rows of plain values (as :func:`~playground.setups.comparison.results_table` gives) as an HTML table.

    Floats are written to 4 significant digits, None as an empty cell, and
    numbers right-aligned.
    """
    if not rows:
        return "<p class='pg-note'>no rows</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(_cell(v) for v in row.values()) + "</tr>" for row in rows)
    return f"<table class='pg-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def png_html(png: bytes, alt: str) -> str:
    """PNG bytes as an inlined ``<img>``, shrunk to the width it gets."""
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    return f"<img class='pg-figure' src='{src}' alt='{html.escape(alt)}'>"


def figure_html(fig: Figure, alt: str) -> str:
    """A matplotlib figure as an inlined ``<img>``."""
    return png_html(plots.to_png(fig), alt)


def page(*displays: Any, title: str = "optimizer-playground") -> str:
    """A complete HTML document showing each of ``displays`` in order, as notebook cells would.

    An object with ``_repr_html_`` shows as that; any other as its ``repr``.
    """
    cells = []
    for obj in displays:
        shown = obj._repr_html_() if hasattr(obj, "_repr_html_") else f"<pre>{html.escape(repr(obj))}</pre>"
        cells.append(f"<section class='pg-cell'>{shown}</section>")
    shell = (resources.files(__name__) / "page.html").read_text(encoding="utf-8")
    return shell.replace("<!--title-->", html.escape(title), 1).replace("<!--cells-->", "\n".join(cells), 1)


def _display(kind: str, body: str) -> str:
    return f"<div class='pg-display {kind}'><style>{_css()}</style>{body}</div>"


def _css() -> str:
    return (resources.files(__name__) / "notebook.css").read_text(encoding="utf-8")


def _trajectories_row(problem: Any, trajectories: Sequence[Any], plane: projection.Plane | None = None) -> str:
    """The player over the runs' loss landscape (or why there is none) beside their loss curves.

    A network's runs are drawn in ``plane`` when given (:func:`projection.run_plane`).
    """
    try:
        drawn = projection.run_plane(problem, trajectories, plane=plane)
        played = player.fragment_html(player.for_trajectories(problem, trajectories, plane=drawn))
    except ValueError as exc:
        played = f"<p class='pg-note'>No picture of the trajectories: {html.escape(str(exc))}</p>"
    losses = figure_html(plots.loss_curves(trajectories, figsize=LOSS_FIGSIZE), "loss curves")
    return f"<div class='pg-row'><div>{played}</div><div>{losses}</div></div>"


def _code_column(label: str, kind: str, code: str) -> str:
    return f"<div><h4 class='{kind}'>{label}</h4><pre class='pg-code'><code>{html.escape(code)}</code></pre></div>"


def _inline(text: str) -> str:
    """Escaped ``text``, its spans in backticks (the gallery's only markup) as ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"<td>{html.escape(str(value))}</td>"
    text = str(value) if isinstance(value, numbers.Integral) else f"{value:.4g}"
    return f"<td class='pg-number'>{text}</td>"
