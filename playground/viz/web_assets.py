"""The web assets of a browser view (markup, style, ES module), read from its package, and inlined as one fragment.

A view is a package holding ``<stem>.html`` (the markup of one instance),
``<stem>.css`` and ``<stem>.js``; its module mounts every ``.<prefix>-embed``
element on the page that holds that markup and a JSON script
``script.<prefix>-data`` with the instance's payload. :func:`fragment_html`
builds such an element, for a notebook cell or a page; the app mounts the same
files as a Custom Components v2 component instead (``playground_app.web_component``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class WebAssets:
    """A view's files: ``html`` the markup of one instance, ``css`` its style, ``js`` its ES module."""

    html: str
    css: str
    js: str


def read(package: str, stem: str) -> WebAssets:
    """``package``'s ``<stem>.html``, ``.css`` and ``.js`` as it holds them, read now (an edit shows on the next render)."""
    files = resources.files(package)
    return WebAssets(*((files / f"{stem}.{ext}").read_text(encoding="utf-8") for ext in ("html", "css", "js")))


def fragment_html(assets: WebAssets, data: dict[str, Any], prefix: str) -> str:
    """One instance of the view for the payload ``data``: markup, style, data and script in one ``.<prefix>-embed``.

    It needs no host and loads nothing; a page may hold it as often as wanted
    (each fragment mounts its own instance and no other's).
    """
    # "<" escaped so no label can close the <script> element that holds the JSON.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return (f'<div class="{prefix}-embed"><style>{assets.css}</style>{assets.html}'
            f'<script type="application/json" class="{prefix}-data">{payload}</script>'
            f'<script type="module">{assets.js}</script></div>')
