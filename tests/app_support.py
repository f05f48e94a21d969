"""Shared by the app tests and the app benchmark: open the app in AppTest, read what it shows."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from streamlit.runtime.memory_media_file_storage import _calculate_file_id
from streamlit.components.v2 import manifest_scanner
from streamlit.testing.v1 import AppTest

from playground.setups.comparison import Comparison, results_table, results_text

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")

# Every AppTest starts a runtime of its own, which reads the metadata of every installed distribution looking for
# component manifests: a quarter of a second each, more than a rerun of the page. The installed packages do not
# change while the tests run, so the scan is done once.
manifest_scanner.scan_component_manifests = functools.lru_cache(maxsize=None)(manifest_scanner.scan_component_manifests)
#: Columns of the results table that are timings, so differ between two runs of one config.
TIMED = ("wall time (s)",)


def shown(element: Any) -> str:
    """The text an alert shows a reader: its Markdown with the escapes (``\\[``, ``\\_``) undone."""
    return re.sub(r"\\(.)", r"\1", element.value)


def open_app(query: dict[str, Any] | None = None, timeout: float = 120) -> AppTest:
    """The app after its first run, opened at a URL with ``query``."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query or {})
    return at.run()


def exceptions(at: AppTest) -> list[str]:
    """The messages of exception elements on the page: a crash a user would see."""
    return [e.message for e in at.exception]


def players(at: AppTest, component: str = "trajectory_player") -> list[dict[str, Any]]:
    """The payloads of the trajectory players on the page (playground_app.player_component), or of another
    component's elements (``"loss_surface"``: playground_app.surface_component)."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == component]


def click_player(at: AppTest, x: float, y: float) -> AppTest:
    """The app after the user clicks the (only) trajectory player at data coordinates (x, y).

    What player.js sends through Components v2: the click event in the component's trigger payload, for one
    rerun. AppTest has no API for a component's events, so the trigger widget's state is set as the browser sets it.
    """
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == "trajectory_player"]
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(element.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "click", "value": {"x": x, "y": y}}])
    return at._run(states)


def shown_rows(at: AppTest) -> list[dict[str, Any]]:
    """The results table as the page shows it: its text, cell by cell."""
    return at.table[0].value.to_dict("records")


def library_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """What the library computes for ``cmp`` as the page's table shows it: results_text of a fresh Comparison.run().

    The status is not a column: the page says it in words below the table.
    """
    rows = results_text(results_table(cmp.build_problem(), cmp.run(), cmp.tol))
    return [{k: v for k, v in row.items() if k != "status"} for row in rows]


def untimed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in TIMED} for row in rows]


def shows_png(image: Any, png: bytes) -> bool:
    """Whether an image element shows exactly the PNG bytes ``png``.

    AppTest keeps no media, but names each file by a hash of its bytes, so
    the URL says which bytes the page served.
    """
    return image.proto.imgs[0].url.endswith(f"/{_calculate_file_id(png, 'image/png')}.png")


def goto(at: AppTest, page: str, query: dict[str, Any] | None = None) -> AppTest:
    """Open ``page`` (a script path such as ``playground_app/gradient_check.py``) as the browser does: its own query only.

    The browser clears the query string when the user changes page; AppTest keeps it unless told.
    """
    at.query_params.clear()
    at.query_params.update(query or {})
    return at.switch_page(page).run()


def open_page(page: str, query: dict[str, Any]) -> AppTest:
    """A new session opened on a link to ``page`` with ``query``, as a shared link is opened."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    return at.switch_page(page).run()
