"""Shared by the player, plots and projection tests and the player benchmark.

Runs come from the real runner; :func:`plane_runs` builds runs whose path is
known exactly (for the projection), and the browser helpers drive Debian's
Chromium through Playwright and find a player on a page by its root element.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np

import optimizers
from optimizers import tree
from playground import problems, run


def descend(problem, label, lr, steps, *, every=1, momentum=0.0, start=None):
    """Gradient descent (heavy ball with ``momentum``) from ``start`` or the problem's, every ``every``-th step kept."""
    opt = optimizers.create("momentum", lr=lr, momentum=momentum) if momentum else optimizers.create("gd", lr=lr)
    return run(problem, opt, steps, record=steps // every + 1, label=label, params0=start)


def with_path(template, label, params, steps=None, diverged_at=None):
    """A copy of trajectory ``template`` that went through ``params`` (a tree with a leading axis k)."""
    k = len(tree.leaves(params)[0])
    return dataclasses.replace(
        template, label=label, params=params, steps=np.arange(k) if steps is None else np.asarray(steps),
        losses=np.full(k, np.nan), final_params=tree.tree_map(lambda v: v[-1], params), diverged_at=diverged_at,
    )


def plane_runs(problem, n_runs=3, steps=40, seed=0):
    """Runs on ``problem`` that move only inside one 2-D plane of parameter space, and that plane's basis (D, 2)."""
    rng = np.random.default_rng(seed)
    like = problem.init_params(seed)
    flat = tree.flatten(like)
    basis, _ = np.linalg.qr(rng.normal(size=(flat.size, 2)))
    template = run(problem, optimizers.create("gd"), 1)
    t = np.linspace(0, 1, steps)[:, None]
    runs = []
    for r in range(n_runs):
        ab = np.hstack([np.cos(3 * t + r) * (1 + r), np.sin(2 * t - r) * (2 - t)])
        rows = flat + ab @ basis.T
        params, i = {}, 0
        for name, block in zip(tree.names(like), tree.leaves(like)):
            params[name] = rows[:, i:i + block.size].reshape((steps, *block.shape))
            i += block.size
        runs.append(with_path(template, f"run {r}", params if tree.is_dict(like) else params[""]))
    return runs, basis


def benchmark_runs(n_runs: int = 6, steps: int = 500):
    """``n_runs`` optimizers on Rosenbrock for ``steps`` steps, every step recorded: the player benchmark's load."""
    problem = problems.rosenbrock()
    menu = [("gd", {"lr": 1e-3}), ("momentum", {"lr": 2e-4, "momentum": 0.9}),
            ("nesterov", {"lr": 2e-4, "momentum": 0.9}), ("adam", {"lr": 0.05}),
            ("rmsprop", {"lr": 5e-3}), ("adagrad", {"lr": 0.3})]
    trajs = []
    for i in range(n_runs):
        name, hp = menu[i % len(menu)]
        label = f"{name} " + ", ".join(f"{k}={v:g}" for k, v in hp.items())
        trajs.append(run(problem, optimizers.create(name, **hp), steps, record=steps + 1, label=label))
    return problem, trajs


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def benchmark_load(description: str, *, steps: int, repeat: int):
    """A player benchmark's command line (``--runs``, ``--steps``, ``--repeat``) read, and its load: (args, problem,
    trajectories) from :func:`benchmark_runs`."""
    import argparse  # only the benchmarks read a command line

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--repeat", type=int, default=repeat)
    args = ap.parse_args()
    return (args, *benchmark_runs(args.runs, args.steps))


def launch_chromium(playwright):
    """Debian's Chromium: ``playwright install`` cannot download browsers on this offline machine."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class PlayerOnPage:
    """One player on a page, found by its root element: its controls, and its instance (the root's ``player``)."""

    def __init__(self, page, index: int = 0):
        self.page = page
        self.root = page.locator(".tp-player").nth(index)
        # Mounted: the module has run and attached the instance.
        page.wait_for_function("root => root.player !== undefined", arg=self.root.element_handle())

    def part(self, name: str):
        """The control ``.tp-<name>`` of this player (play, prev, next, scrubber, step-counter, speed, legend)."""
        return self.root.locator(".tp-" + name)

    def js(self, expr: str):
        """The value of ``expr``, a JS expression in which ``p`` is this player's instance."""
        return self.root.evaluate(f"root => {{ const p = root.player; return {expr}; }}")

    def wait(self, expr: str, timeout: float = 30_000) -> None:
        """Until ``expr`` (as for :meth:`js`) is true."""
        self.page.wait_for_function(f"root => {{ const p = root.player; return {expr}; }}",
                                    arg=self.root.element_handle(), timeout=timeout)

    def step(self) -> tuple[int, int]:
        """The step counter's (k, N)."""
        k, n = re.fullmatch(r"step (\d+) / (\d+)", self.part("step-counter").inner_text()).groups()
        return int(k), int(n)


def measure_fps(player: PlayerOnPage, speed: str = "4") -> dict:
    """Play ``player`` from frame 0 to the end at ``speed`` and report its frame rate.

    fps is the rate of drawn frames between the first and last drawn
    requestAnimationFrame timestamps; at a speed whose frame advance exceeds
    the display rate every animation frame draws, so this is the rate the
    browser sustains.
    """
    player.part("speed").select_option(speed)
    player.js("(p.show(0), p.resetStats())")
    player.part("play").click()
    player.wait("p.frame() === p.frames.length - 1", timeout=120_000)
    s = player.js("p.stats()")
    return {"fps": (s["drawn"] - 1) / (s["last"] - s["first"]) * 1000, "frames_drawn": s["drawn"],
            "draw_ms_per_frame": s["drawMs"] / s["drawn"], "longest_gap_ms": s["maxGap"]}
