"""A library view's web assets registered as a Custom Components v2 component: mounted in the page, no iframe.

The element carries the markup, style and module, so a page sends a view's
script only when it shows one (why v2 hosts the player is in
:mod:`playground.viz.player`).
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from playground.viz.web_assets import WebAssets


def register(name: str, assets: WebAssets) -> Any:
    """The component ``name`` over ``assets``; call once, at import: every mount is an instance of it."""
    return st.components.v2.component(name, html=assets.html, css=assets.css, js=assets.js)
