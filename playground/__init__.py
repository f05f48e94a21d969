"""optimizer-playground's library, laid out as its data flows.

problems -> training (runs and sweeps) -> setups (what a user configures) ->
viz (figures, player, tables) -> the app and the CLI; gradcheck and gallery
stand beside them. Nothing here imports streamlit: the app is a thin layer
over this package.
"""
from . import problems
from .training.runner import Trajectory, run
from .training.sweep import SweepResult, sweep


def __getattr__(name: str):
    # The figures need matplotlib, which takes most of a second to import: loaded when first asked for, so
    # that a command or a script that draws nothing (a gradient check, a run) starts without it.
    if name == "stability_map":
        from .viz.stability_map import stability_map
        return stability_map
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SweepResult", "Trajectory", "problems", "run", "stability_map", "sweep"]
