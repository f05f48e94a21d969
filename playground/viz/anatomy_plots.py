"""One step in parts, drawn: arrows over the trajectory player's picture, and its equation in numbers.

The parts are the optimizer's own (:meth:`optimizers.Optimizer.anatomy`, replayed
by :func:`playground.training.replay.anatomy`); this module puts them in the
picture's plane and in the player's pixels, and formats their numbers. The
player only draws what :func:`anatomy_overlay` gives it.

::

    flat = in_plane(a, surface)                         # the step in the picture's plane (2 coordinates)
    data["anatomy"] = anatomy_overlay(data, a, surface, run=0, label="adam")
    anatomy_latex(flat), anatomy_rows(flat, surface.axis_labels)
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from optimizers import tree
from optimizers.anatomy import Anatomy

from . import player
from .anatomy_text import coordinate_rows
from ..training.projection import LossSurface

#: The plain gradient step and the step taken, drawn beside the optimizer's own terms: (label, colour, dashed).
REFERENCE = {"gradient step": ("−lr·g: the plain gradient step", "#5f6b7a", True),
             "taken": ("the step taken", "#111111", False)}
#: The optimizer's own terms' colours, in order: apart from the runs' palette, so no arrow reads as a run.
TERM_COLORS = ("#c2185b", "#7b1fa2", "#2e7d32", "#ef6c00")
#: The longest arrow is magnified (by 1, 2 or 5 times a power of ten) up to this share of the axes' shorter side:
#: one optimizer step is often a pixel or less of the whole picture.
ARROW_REACH = 0.25


def own_plane(surface: LossSurface) -> bool:
    """Whether ``surface`` is a two-parameter problem's own parameter plane (not a projection)."""
    return surface.directions.shape == (2, 2) and np.array_equal(surface.directions, np.eye(2)) \
        and not np.any(surface.centre)


def in_plane(a: Anatomy, surface: LossSurface) -> Anatomy:
    """Step ``a`` in the plane of ``surface``: its start, step taken, gradient step and terms as 2 coordinates.

    On a two-parameter problem's own plane the numbers are the step's own.
    On another plane (a network's) each vector is projected onto the plane's
    two directions, so the terms still add up to the step taken; the
    per-coordinate scales and the equation's values (squared gradients,
    signs) have no projection and are left out.
    """
    def along(v: Any) -> np.ndarray:
        return tree.flatten(v).astype(np.float64) @ surface.directions.T

    own = own_plane(surface)
    return Anatomy(t=a.t, start=surface.coords(tree.flatten(a.start)[None])[0], taken=along(a.taken),
                   gradient_step=None if a.gradient_step is None else along(a.gradient_step),
                   terms={k: along(v) for k, v in a.terms.items()},
                   scales={k: along(v) for k, v in a.scales.items()} if own else {},
                   values={k: along(v) for k, v in a.values.items()} if own else {})


def anatomy_overlay(data: dict[str, Any], a: Anatomy, surface: LossSurface, *, run: int,
                    label: str) -> dict[str, Any]:
    """What the player draws for step ``a`` of run ``run`` (its index in ``data["runs"]``, named ``label``).

    ``data`` is the player's payload over ``surface``. Every arrow starts at
    the step's start; each term of ``a``, the plain gradient step and the
    step taken, magnified by ``scale`` (see :data:`ARROW_REACH`; the terms
    and the step taken set it). Keys, in the
    payload's pixels: ``at`` [x, y], ``arrows`` [{label, color, dashed, tip}],
    plus ``run``, ``step`` (k, for the step k → k + 1), ``scale``, ``title``
    and ``notes`` (the per-coordinate scales in numbers, a projection said
    in words).
    """
    if not 0 <= run < len(data["runs"]):
        raise ValueError(f"run must be in [0, {len(data['runs']) - 1}], the player's runs, got {run!r}")
    flat = in_plane(a, surface)
    parts = [(f"{name} {_numbers(v)}", TERM_COLORS[i % len(TERM_COLORS)], False, v)
             for i, (name, v) in enumerate(flat.terms.items())]
    reference = {"gradient step": flat.gradient_step, "taken": flat.taken}
    for key, v in reference.items():
        if v is not None:
            text, colour, dashed = REFERENCE[key]
            parts.append((f"{text} {_numbers(v)}", colour, dashed, v))
    at = player.payload_pixels(data, flat.start[None])[0]
    # The optimizer's own parts set the magnification; the plain gradient step may be far longer (Adam's lr
    # is not a gradient step's), and then runs off the axes, where the player's clip cuts it.
    own_parts = [*flat.terms.values(), flat.taken]
    reach = max(float(np.hypot(*(player.payload_pixels(data, (flat.start + v)[None])[0] - at))) for v in own_parts)
    _, _, width, height = data["clip"]
    scale = _magnification(ARROW_REACH * min(width, height), reach)
    tips = player.payload_pixels(data, flat.start + scale * np.array([v for *_, v in parts]))
    notes = [_scale_note(name, v, surface.axis_labels, own_plane(surface)) for name, v in a.scales.items()]
    if not own_plane(surface):
        notes.append("The arrows and numbers are the step's projection onto the picture's plane.")
    title = f"{label}: step {a.t - 1} → {a.t}" + (f", arrows {scale:g}× their length" if scale != 1 else "")
    return {"run": int(run), "step": a.t - 1, "scale": scale, "title": title, "notes": notes,
            "at": np.round(at, 2).tolist(),
            "arrows": [{"label": text, "color": colour, "dashed": dashed, "tip": np.round(tip, 2).tolist()}
                       for (text, colour, dashed, _), tip in zip(parts, tips)]}


def _numbers(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{x:.3g}" for x in v) + ")"


def _magnification(reach: float, longest: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that stretches ``longest`` pixels to at most ``reach``; never below 1."""
    if not longest > 0 or longest >= reach:
        return 1.0
    ratio = reach / longest
    power = 10.0 ** np.floor(np.log10(ratio))
    return float(max(m * power for m in (1, 2, 5) if m * power <= ratio))


def _scale_note(name: str, v: Any, names: tuple[str, str], own: bool) -> str:
    """A per-coordinate scale in words: both numbers on a problem's own plane, else their range."""
    flat = tree.flatten(v).astype(np.float64)
    if own:
        return f"{name}: " + ", ".join(f"{n} {x:.3g}" for n, x in zip(names, flat))
    return f"{name}: {flat.min():.3g} to {flat.max():.3g} over the {flat.size} parameters"


def anatomy_latex(a: Anatomy) -> str:
    """``θ_t = θ_{t-1} + term + term ... `` with this step's numbers, each part named under its vector."""
    def vec(v: Any) -> str:
        x, y = np.asarray(v, dtype=float).ravel()[:2]
        return rf"\begin{{pmatrix}}{x:.4g}\\ {y:.4g}\end{{pmatrix}}"

    parts = " + ".join(rf"\underbrace{{{vec(t)}}}_{{\text{{{name}}}}}" for name, t in a.terms.items())
    after = np.asarray(a.start, dtype=float) + np.asarray(a.taken, dtype=float)
    return rf"\theta_{{{a.t}}} = \underbrace{{{vec(a.start)}}}_{{\theta_{{{a.t - 1}}}}} + {parts} = {vec(after)}"


def anatomy_rows(a: Anatomy, names: tuple[str, str]) -> list[dict[str, Any]]:
    """The step's quantities, one row per coordinate: each value of the equation, each per-coordinate scale
    (Adam's effective lr, Lion's sign) and each term."""
    return coordinate_rows(replace(a, gradient_step=None), names)  # the arrows show −lr·g; the table does not

