"""The app's pages: one place that knows their scripts, titles and URLs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """A page script (relative to ``streamlit_app.py``), its menu title, icon and URL path."""

    script: str
    title: str
    icon: str
    url_path: str


COMPARE = PageInfo("app/compare_page.py", "Compare", ":material/stacked_line_chart:", "compare")
GRADCHECK = PageInfo("app/gradcheck_page.py", "Gradient check", ":material/rule:", "gradient-check")
GALLERY = PageInfo("app/gallery_page.py", "Bug gallery", ":material/bug_report:", "gallery")
SWEEP = PageInfo("app/sweep_page.py", "Sweep", ":material/grid_on:", "sweep")

#: Menu order; the first is the default page, served at the app's root URL.
ALL = (COMPARE, GRADCHECK, GALLERY, SWEEP)
