"""Support for the player, plots and projection tests and the player benchmark.

Stand-ins for ``playground.runner.Trajectory`` and ``playground.problems``
follow the contracts in the issue (batched ``loss``; the Trajectory fields),
so the tests can switch to the real modules by changing imports. The browser
helpers drive Debian's Chromium through Playwright.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Trajectory:
    label: str
    steps: np.ndarray
    params: Any
    losses: np.ndarray
    final_params: Any
    diverged_at: int | None = None
    diverged_reason: str | None = None
    wall_time: float = 0.0


class Quadratic:
    """0.5 * (a x^2 + b y^2), minimum at the origin; params (2,) or (R, 2)."""

    name, title, dim = "quadratic", "Quadratic bowl", 2
    axis_labels = ("x", "y")
    bounds = ((-2.0, 2.0), (-1.5, 1.5))

    def __init__(self, a: float = 1.0, b: float = 8.0):
        self.scale = np.array([a, b])
        self.optimum = np.zeros(2)
        self.minima = [np.zeros(2)]

    def loss(self, params, idx=None):
        return 0.5 * np.sum(self.scale * np.asarray(params) ** 2, axis=-1)

    def grad(self, params):
        return self.scale * params

    def init_params(self, seed):
        return np.array([-1.8, 1.2])


class Rosenbrock(Quadratic):
    name, title = "rosenbrock", "Rosenbrock valley"
    bounds = ((-2.0, 2.0), (-1.0, 3.0))

    def __init__(self):
        self.optimum = np.ones(2)
        self.minima = [np.ones(2)]

    def loss(self, params, idx=None):
        p = np.asarray(params)
        x, y = p[..., 0], p[..., 1]
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    def grad(self, params):
        x, y = params
        return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


class TinyMLP:
    """1 -> H -> 1 tanh network on a fixed sine sample; dict params, batched by matmul broadcasting."""

    name, title = "tiny_mlp", "Tiny MLP on sin(x)"
    minima, bounds, axis_labels = [], None, None

    def __init__(self, hidden: int = 4, n: int = 16):
        self.hidden = hidden
        self.x = np.linspace(-2, 2, n).reshape(n, 1)
        self.y = np.sin(self.x)
        self.optimum = None
        self.dim = 3 * hidden + 1

    def init_params(self, seed):
        rng = np.random.default_rng(seed)
        h = self.hidden
        return {"W1": rng.normal(size=(1, h)), "b1": np.zeros(h), "W2": rng.normal(size=(h, 1)) / h,
                "b2": np.zeros(1)}

    def loss(self, params, idx=None):
        # Unbatched W1 is (1, H); batched (R, 1, H): x @ W1 broadcasts either way.
        hid = np.tanh(self.x @ params["W1"] + params["b1"][..., None, :])
        out = hid @ params["W2"] + params["b2"][..., None, :]
        return np.mean((out - self.y) ** 2, axis=(-2, -1))


def descend(problem, label, start, lr, steps, every=1, momentum=0.0, diverge_above=1e6):
    """Heavy-ball gradient descent, recorded every ``every`` steps; stops at the first non-finite/huge point."""
    p = np.array(start, dtype=float)
    v = np.zeros_like(p)
    rec_steps, rec = [0], [p.copy()]
    diverged = None
    for k in range(1, steps + 1):
        v = momentum * v + problem.grad(p)
        p = p - lr * v
        if not np.all(np.isfinite(p)) or np.abs(p).max() > diverge_above:
            diverged = k
            rec_steps.append(k)
            rec.append(np.full(2, np.nan))
            break
        if k % every == 0 or k == steps:
            rec_steps.append(k)
            rec.append(p.copy())
    params = np.array(rec)
    return Trajectory(label=label, steps=np.array(rec_steps), params=params,
                      losses=problem.loss(params), final_params=params[-1], diverged_at=diverged)


def plane_runs(problem: TinyMLP, n_runs: int = 3, steps: int = 40, seed: int = 0):
    """MLP runs that move only inside one 2-D plane of parameter space, and that plane's basis."""
    rng = np.random.default_rng(seed)
    base = problem.init_params(seed)
    flat = np.concatenate([np.ravel(v) for v in base.values()])
    basis, _ = np.linalg.qr(rng.normal(size=(flat.size, 2)))
    runs = []
    for r in range(n_runs):
        t = np.linspace(0, 1, steps)[:, None]
        ab = np.hstack([np.cos(3 * t + r) * (1 + r), np.sin(2 * t - r) * (2 - t)])
        rows = flat + ab @ basis.T
        params, i = {}, 0
        for k, v in base.items():
            params[k] = rows[:, i:i + v.size].reshape((steps, *v.shape))
            i += v.size
        runs.append(Trajectory(label=f"run {r}", steps=np.arange(steps), params=params,
                               losses=problem.loss(params), final_params={k: v[-1] for k, v in params.items()}))
    return runs, basis


def benchmark_runs(n_runs: int = 6, steps: int = 500):
    """``n_runs`` gradient-descent runs of ``steps`` steps on Rosenbrock, the player benchmark's load."""
    problem = Rosenbrock()
    starts = [[-1.5, 2.0], [-1.8, -0.5], [0.0, 2.5], [1.8, 2.8], [-0.5, -0.8], [1.5, -0.5]]
    return problem, [descend(problem, f"GD from {starts[i % 6]}, lr={1e-3 * (1 + i // 6):g}",
                             starts[i % 6], 1e-3 * (1 + i // 6), steps) for i in range(n_runs)]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def launch_chromium(playwright):
    """Debian's Chromium: ``playwright install`` cannot download browsers on this offline machine."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def measure_fps(page, speed: str = "4") -> dict:
    """Play the loaded player from frame 0 to the end at ``speed`` and report its frame rate.

    fps is the rate of drawn frames between the first and last drawn
    requestAnimationFrame timestamps; at a speed whose frame advance exceeds
    the display rate every animation frame draws, so this is the rate the
    browser sustains.
    """
    page.select_option("#speed", speed)
    page.evaluate("player.show(0); player.resetStats()")
    page.click("#play")
    page.wait_for_function("player.frame() === player.frames.length - 1", timeout=120_000)
    s = page.evaluate("player.stats()")
    return {"fps": (s["drawn"] - 1) / (s["last"] - s["first"]) * 1000, "frames_drawn": s["drawn"],
            "draw_ms_per_frame": s["drawMs"] / s["drawn"], "longest_gap_ms": s["maxGap"]}
