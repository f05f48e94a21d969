"""The app's pages: one place that knows their scripts, titles and URLs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """A page script (relative to ``streamlit_app.py``), its menu title and icon.

    A page's URL path is its script's name (``/gradient_check``): Streamlit
    infers it so, and AppTest can then open a link to the page directly.
    """

    script: str
    title: str
    icon: str


COMPARE = PageInfo("playground_app/compare.py", "Compare", ":material/stacked_line_chart:")
GRADCHECK = PageInfo("playground_app/gradient_check.py", "Gradient check", ":material/rule:")
GALLERY = PageInfo("playground_app/bug_gallery.py", "Bug gallery", ":material/bug_report:")
SWEEP = PageInfo("playground_app/sweep.py", "Sweep", ":material/grid_on:")

#: Menu order; the first is the default page, served at the app's root URL.
ALL = (COMPARE, GRADCHECK, GALLERY, SWEEP)
