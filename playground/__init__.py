"""optimizer-playground's library: problems, the runner, and what the app shows.

Nothing here imports streamlit; the app is a thin layer over this package.
"""
from . import problems
from .runner import Trajectory, run

__all__ = ["Trajectory", "problems", "run"]
