"""optimizer-playground's library, laid out as its data flows.

problems -> training (runs and sweeps) -> setups (what a user configures) ->
viz (figures, player, tables) -> the app and the CLI; gradcheck and gallery
stand beside them. Nothing here imports streamlit: the app is a thin layer
over this package.
"""
from . import problems
from .training.runner import Trajectory, run
from .training.sweep import SweepResult, sweep
from .viz.stability_map import stability_map

__all__ = ["SweepResult", "Trajectory", "problems", "run", "stability_map", "sweep"]
