"""The app's pages: one place that knows their scripts, titles and URLs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Absolute, so that the pages resolve wherever the main script is: streamlit_app.py in a
# checkout, or playground_app/main.py in an installed package.
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageInfo:
    """A page script (its absolute path in this package), its menu title and icon.

    A page's URL path is its script's name (``/gradient_check``): Streamlit
    infers it so, and AppTest can then open a link to the page directly.
    """

    script: str
    title: str
    icon: str


COMPARE = PageInfo(str(_HERE / "compare.py"), "Compare", ":material/stacked_line_chart:")
GRADCHECK = PageInfo(str(_HERE / "gradient_check.py"), "Gradient check", ":material/rule:")
GALLERY = PageInfo(str(_HERE / "bug_gallery.py"), "Bug gallery", ":material/bug_report:")
SWEEP = PageInfo(str(_HERE / "sweep.py"), "Sweep", ":material/grid_on:")

#: Menu order; the first is the default page, served at the app's root URL.
ALL = (COMPARE, GRADCHECK, GALLERY, SWEEP)
