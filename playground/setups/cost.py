"""What a comparison, a sweep or a contour plane will cost, estimated before any work: seconds and bytes.

The app refuses work past :data:`LIMIT` seconds and the CLI does too (unless
``--no-limit``), so both need an estimate that matches this machine. It
counts what numpy actually spends its time on, not only multiply-adds:

- every entry an elementwise operation reads or writes costs
  :data:`ELEMENT` seconds (small arrays, thin matrices and a machine shared by
  several processes make this far more than a streaming add costs);
  exp, tanh and log cost :data:`TRANSCENDENTAL` on top;
- a multiply-add inside a matrix product costs :data:`MULTIPLY_ADD`;
- every step of every run costs :data:`STEP` of Python (the runner's
  bookkeeping, the divergence check, the optimizer's dispatch), every further
  gradient call of an accumulated step :data:`CALL`, and every step of a
  sweep's family :data:`FAMILY_STEP`.

Per sample, a problem costs :func:`sample_cost`: for an MLP the activations
of every layer (forward, derivative, backward) and its matrix products; for
least squares two passes over the features; for a 2-D function a fixed
count. An optimizer step costs elementwise work on every parameter and buffer.

The constants are calibrated by ``benchmarks/bench_work_guard.py``, which
prints each estimate beside the measured time; see its table for the ratios.
Estimates are deliberately on the slow side of the measurements: this
project runs on a shared 2-core machine, where a second process halves the speed.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Mapping

import optimizers

from ..problems import MLP, Function2D, LeastSquares, Problem
from ..training.sweep import sweep as _sweep
from ..training.projection import PLANE_RESOLUTION, PROJECTION_RESOLUTION

#: Seconds per array entry read or written by one elementwise operation.
ELEMENT = 12e-9
#: Seconds an exp, tanh or log adds per entry.
TRANSCENDENTAL = 20e-9
#: Seconds per multiply-add inside a matrix product.
MULTIPLY_ADD = 1e-9
#: Seconds of Python per step of one run (one gradient call and one optimizer step).
STEP = 100e-6
#: Seconds of Python per further gradient call of an accumulated step.
CALL = 30e-6
#: Seconds of Python per step of one optimizer family in a sweep (its R runs advance together).
FAMILY_STEP = 300e-6
#: The work a page (or the CLI, without --no-limit) does without asking: a few seconds.
LIMIT = 5.0
#: The most memory a sweep may take, in bytes: its runs advance together, so all of them are held at once.
MEMORY_LIMIT = 2 * 2**30

#: Elementwise entries an optimizer step touches per parameter, beyond its buffers: the params, the
#: gradient, the new params and one temporary.
STEP_ENTRIES = 4
#: Entries touched per buffer and parameter in a step: read, update (a temporary), write.
BUFFER_ENTRIES = 4
#: Operations per run of a 2-D test function's gradient (each a pass over the runs' entries).
FUNCTION_OPS = 30


@dataclass(frozen=True)
class Estimate:
    """Estimated seconds, split into ``terms`` (seconds each), and for each term ``advice``: what to reduce."""

    terms: Mapping[str, float]
    advice: Mapping[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return float(sum(self.terms.values()))

    @property
    def biggest(self) -> str:
        """The term that takes most of the time."""
        return max(self.terms, key=self.terms.__getitem__)

    def refuse_over(self, what: str, limit: float | None = None) -> None:
        """ValueError when the estimate exceeds ``limit`` seconds (:data:`LIMIT`), naming the biggest term and what
        reduces it."""
        limit = LIMIT if limit is None else limit
        if self.seconds <= limit:
            return
        share = self.terms[self.biggest] / self.seconds
        raise ValueError(f"{what} would take about {_seconds(self.seconds)} here, and at most {limit:g} s run without "
                         f"asking. {share:.0%} of it is {self.biggest}: reduce {self.advice[self.biggest]}")


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 60 else f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.0f} h"


# -- per sample ----------------------------------------------------------------
def sample_cost(problem: Problem, grad: bool = True) -> float:
    """Seconds per sample of one gradient (``grad``) or loss evaluation of ``problem``, for one run.

    An MLP layer from ``i`` to ``o`` units: its product writes ``o`` entries
    and makes ``i o`` multiply-adds, bias, activation and cache 3 more entries
    per unit; backward, two more products (dW, dz W), the derivative, its
    product and the bias gradient (5 entries per unit, ``i`` for dz W).
    Least squares reads the ``d`` features twice (residual, gradient) and
    writes a few entries per sample. Other problems: a pass per parameter.
    """
    if isinstance(problem, MLP):
        entries = macs = transcendental = 0.0
        for layer, (i, o) in enumerate(zip(problem.sizes[:-1], problem.sizes[1:]), start=1):
            entries += 4 * o + (5 * o + i if grad else 0)
            macs += i * o * (3 if grad else 1)
            act = problem.output if layer == problem.n_layers else problem.hidden
            transcendental += o * (act in ("tanh", "sigmoid"))
        if problem.loss_name == "bce":
            transcendental += 2 * problem.sizes[-1]  # softplus: an exp and a log
        return entries * ELEMENT + macs * MULTIPLY_ADD + transcendental * TRANSCENDENTAL
    if isinstance(problem, LeastSquares):
        d = problem.dim
        return ((2 * d + 5) * ELEMENT + 2 * d * MULTIPLY_ADD) if grad else ((d + 3) * ELEMENT + d * MULTIPLY_ADD)
    if isinstance(problem, Function2D):
        return FUNCTION_OPS * ELEMENT * (1 if grad else 0.5)
    return problem.dim * (3 if grad else 1) * ELEMENT


def step_cost(problem: Problem, buffers: int) -> float:
    """Seconds of elementwise work per optimizer step of one run with ``buffers`` state arrays."""
    return problem.dim * (STEP_ENTRIES + BUFFER_ENTRIES * buffers) * ELEMENT


def activations(problem: Problem) -> int:
    """Numbers a gradient holds per sample at its peak: every layer's z and a, and the backward pass's dz."""
    if isinstance(problem, MLP):
        return 2 * sum(problem.sizes[1:]) + 2 * max(problem.sizes)
    if isinstance(problem, LeastSquares):
        return 3
    return 2 * problem.dim


# -- what each setup costs -------------------------------------------------------
def comparison(cmp: Any, problem: Problem) -> Estimate:
    """The runs of a :class:`~playground.setups.comparison.Comparison`, one after another."""
    n = problem.n_samples
    overhead = data = optimizer = records = seed_loops = 0.0
    for r in cmp.runs:
        updater = r.updater
        samples = n if r.batch_size is None else r.accumulate * min(r.batch_size, n)
        calls = 1 if r.batch_size is None else r.accumulate
        overhead += cmp.steps * (STEP + (calls - 1) * CALL)
        data += cmp.steps * samples * sample_cost(problem)
        if updater is None:
            optimizer += cmp.steps * step_cost(problem, len(optimizers.get(r.optimizer).buffers))
        else:  # a bug gallery's seed code: its own Python loops, on top of the gradient the loop computes
            seed_loops += cmp.steps * updater.work(problem)
        if r.batch_size is not None:  # a mini-batch run evaluates the full-data loss at each recorded step
            records += min(cmp.record_for(problem), cmp.steps + 1) * n * sample_cost(problem, grad=False)
    size = _size_advice(problem)
    return Estimate({
        "Python's per-step overhead": overhead, "the gradient over the data": data,
        "the optimizer's update": optimizer, "the full-data loss of recorded steps": records,
        "the buggy updaters' own loops": seed_loops,
    }, {
        "Python's per-step overhead": f"the steps ({cmp.steps}) or the runs ({len(cmp.runs)})",
        "the gradient over the data": f"the steps ({cmp.steps}){_samples_advice(problem, 'or accumulate')}{size}",
        "the optimizer's update": f"the steps ({cmp.steps}) or the parameters ({problem.dim}){size}",
        "the full-data loss of recorded steps": f"the samples (n={n})",
        "the buggy updaters' own loops": f"the steps ({cmp.steps}) or the samples (n={n})",
    })


def sweep(setup: Any, problem: Problem) -> Estimate:
    """A :class:`~playground.setups.sweep.SweepSetup`: each family's runs advance together, one step at a time."""
    n = problem.n_samples
    samples = n if setup.batch_size is None else setup.accumulate * min(setup.batch_size, n)
    calls = 1 if setup.batch_size is None else setup.accumulate
    runs = setup.configs() // len(setup.optimizers)
    overhead = data = optimizer = 0.0
    for name in setup.optimizers:
        overhead += setup.steps * (FAMILY_STEP + (calls - 1) * CALL)
        data += setup.steps * runs * samples * sample_cost(problem)
        optimizer += setup.steps * runs * step_cost(problem, len(optimizers.get(name).buffers))
    grid = f"the configurations ({setup.configs()}: fewer learning rates or momenta)"
    return Estimate({
        "Python's per-step overhead": overhead, "the gradient over the data": data,
        "the optimizer's update": optimizer,
    }, {
        "Python's per-step overhead": f"the steps ({setup.steps})",
        "the gradient over the data": f"{grid}, the steps ({setup.steps}){_samples_advice(problem)}"
                                      f"{_size_advice(problem)}",
        "the optimizer's update": f"{grid} or the steps ({setup.steps})",
    })


def sweep_bytes(setup: Any, problem: Problem) -> int:
    """Bytes a sweep holds at its peak: per run, its parameters, gradient and buffers, and its activations.

    Every run of a family advances together, so all of them are in memory at
    once: runs x (parameters x (params, gradient, temporary + buffers) +
    activations per sample x samples per call) float64 numbers.
    """
    samples = problem.n_samples if setup.batch_size is None else min(setup.batch_size, problem.n_samples)
    runs = setup.configs() // len(setup.optimizers)
    buffers = max(len(optimizers.get(name).buffers) for name in setup.optimizers)
    return 8 * runs * (problem.dim * (3 + buffers) + activations(problem) * samples)


def trajectory_bytes(cmp: Any, problem: Problem) -> int:
    """Bytes of a comparison's trajectories: every run's snapshots (parameters and loss) as float64."""
    return 8 * len(cmp.runs) * cmp.record_for(problem) * (problem.dim + 1)


#: Bytes a sweep's result holds per configuration beyond its loss curve: its Config and per-run numbers.
CONFIG_BYTES = 250
#: Loss snapshots per configuration: the sweep engine's default, which SweepSetup.run keeps.
SWEEP_RECORD: int = inspect.signature(_sweep).parameters["record"].default


def sweep_result_bytes(setup: Any) -> int:
    """Bytes of a sweep's result: per configuration, its loss at every recorded step and its Config."""
    return setup.configs() * (8 * min(SWEEP_RECORD, setup.steps + 1) + CONFIG_BYTES)


def plane(problem: Problem) -> Estimate:
    """The contour plane's loss grid (:func:`playground.training.projection.run_plane`): points x samples x a loss."""
    points = (PLANE_RESOLUTION if problem.dim == 2 else PROJECTION_RESOLUTION) ** 2
    return Estimate({"the loss at every point of the grid": points * problem.n_samples
                     * sample_cost(problem, grad=False)},
                    {"the loss at every point of the grid": f"the samples (n={problem.n_samples})"
                                                            f"{_size_advice(problem)}"})


def refuse_memory(setup: Any, problem: Problem, limit: int = MEMORY_LIMIT) -> None:
    """ValueError when the sweep would hold more than ``limit`` bytes, naming what to reduce.

    Cutting the runs into chunks would let any grid run in bounded memory;
    the sweep engine advances all runs together, so until it does, a sweep
    past the ceiling is refused.
    """
    need = sweep_bytes(setup, problem)
    if need > limit:
        raise ValueError(f"This sweep would hold about {need / 2**30:.1f} GiB at once, over the ceiling of "
                         f"{limit / 2**30:g} GiB: its {setup.configs() // len(setup.optimizers)} runs advance "
                         f"together. Reduce the configurations (fewer learning rates or momenta), the samples per "
                         f"step (n={problem.n_samples}, or a batch size){_size_advice(problem)}")


def _samples_advice(problem: Problem, also: str = "") -> str:
    if problem.n_samples == 1:  # a 2-D function has no data to cut
        return ""
    return f", the samples per step (n={problem.n_samples}, or a smaller batch size{' ' + also if also else ''})"


def _size_advice(problem: Problem) -> str:
    return ", or the network's width or depth" if isinstance(problem, MLP) else ""

