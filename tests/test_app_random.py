"""Widget combinations chosen to cover: each gives the results it should, or a message naming the bad value.

A seeded random walk over the widgets spent most of its reruns on values and
pairs it had already seen, and each rerun with results costs the page's
plots (about half a second). Here the combinations are a covering design
(``covering.py``): every input's interesting values are read from its
declaration (default, each bound, a middle value, decades off a log-scale
default), and rows are chosen greedily, with a fixed seed, one per problem,
to cover on the Compare page, with results,

* every problem (switched to with the tolerance at 0: its suggested runs are checked in test_suggest.py);
* every optimizer on a problem with data and on a 2-D function (Muon, which
  needs a weight matrix, only on the networks; on a function it is a fault),
  every buggy updater the problems offer;
* every optimizer family with every batch mode, every data problem with
  every batch mode; batches of 1, of all the samples and between,
  accumulate > 1;
* every learning-rate schedule (at its defaults), gradient noise of 0, 5 and
  10 on the 2-D functions, the "lr as a multiple of 2/L" box ticked;
* 1 to 6 runs, 1 to 20000 steps (many steps only with few runs), the
  tolerances, seeds, shuffling, both views and both loss axes;
* as many interesting values of the optimizers' hyperparameters, and pairs of
  them, as these rows hold.

The values the rows with results do not hold are tried in cheap reruns made
with the tolerance at 0, which the page refuses before it computes anything:
each must show that message only (the value accepted). A problem's settings
are tried so, and so are the hyperparameter values left over.

Values the library refuses (lr = 0, eps = 0, betas = 1, nesterov without
momentum or with dampening, a batch larger than the data, one_cycle's 100
steps on a longer run, Muon on a 2-D function, a million steps) are each one
fault in a run; the page must show a message naming each, and no results. The
first such fault leaves the other runs to show their results; the others are
made with the tolerance at 0 too, so they cost no plots (each message is shown
under its own input, so the tolerance's cannot hide it), and faults in
different runs share a rerun (:func:`together`): one run's message cannot hide
another's. Work past the page's limit and a switch of optimizer get a rerun of
their own.
Every row is reached by editing the widgets of one session, as a user would.
The Gradient check and Sweep pages get the same treatment, smaller; the
Sweep page's rows with a map each take a schedule that scales the optimizer's
lr, and the schedules with their own lr are faults over its grid.
"""
from __future__ import annotations

import functools
import random
from typing import Any

import pytest

import optimizers
from app_support import exceptions, goto, open_app, shown
from app_support import shown as shown_text
from covering import LARGE_INT, choose, greedy, inputs, missing, pairs, walk
from optimizers import schedules
from optimizers.hyperparams import non_defaults
from playground import problems
from playground.gallery import updaters
from playground.setups import cost as page_cost
from playground.setups.comparison import MAX_RUNS, Comparison
from playground.setups.sweep import LR_POINTS, LR_RANGE, SEED as SWEEP_SEED, STEPS as SWEEP_STEPS, SweepSetup
from playground.setups.sweep import axis_fields, default_momentum_range
from playground.training.run_spec import GRAD_NOISE, UPDATER, RunSpec
from playground.training.sweep import momentum_hyperparam
from playground_app.compare_form import BATCH_MODES
from playground_app.widgets import NO_SCHEDULE

SEED = 20240611
#: Seconds a row with results may take (the runs and the loss over the picture's grid), by the page's own
#: estimate (playground.setups.cost; its limit is five). The design prefers the cheaper of two rows that
#: cover as much.
CHEAP = 2.5
#: What the page says of work past its limit (playground.setups.cost.Estimate.refuse_over).
TOO_SLOW = "would take about"
PROBLEMS = problems.available()
OPTIMIZERS = optimizers.available()
SCHEDULES = schedules.available()
FAMILIES = sorted({optimizers.get(o).family for o in OPTIMIZERS})
#: Runs per row: the form's default (3), its bounds (1 and 6) and 2. The short rows are 2-D functions.
N_RUNS = {"beale": 1, "himmelblau": 2, "saddle": 3}
MAX_STEPS = 20000
STEPS = (1, 5, 200, MAX_STEPS)
#: Steps per row. A row's cost grows with its runs times its steps (each step is a frame of the trajectory
#: player, up to 1000), so the many steps go to the rows of one and two runs; the others take 1 or 5.
LONG = {"beale": MAX_STEPS, "himmelblau": 200}
TOLS = (1e-6, 1e-12, 1.0)
REFUSED_TOL = "Invalid tol: 0"


def has_data(problem: str) -> bool:
    return problems.spec(problem).kind != "function"


@functools.lru_cache(maxsize=None)  # asked for every option of every row the design tries
def applicable(problem: str, opt: str) -> bool:
    """Whether ``opt`` runs on ``problem`` (Muon needs a weight matrix); a buggy updater where it is offered."""
    if opt.startswith(UPDATER):
        return opt[len(UPDATER):] in offered(problem)
    try:
        RunSpec(opt).validate(build(problem, ()))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=None)
def offered(problem: str) -> tuple[str, ...]:
    return tuple(updaters.offered(problems.create(problem)))


UPDATERS = sorted({UPDATER + u for p in PROBLEMS for u in offered(p)})


def declared(opt: str):
    """The inputs the form draws for ``opt``: an optimizer's hyperparameters, or a buggy updater's."""
    spec = RunSpec(opt)
    return spec.updater.hyperparams if spec.updater is not None else optimizers.get(opt).hyperparams


def values_of(hp, rng: random.Random, fresh=lambda label, v: False) -> Any:
    """An interesting value of ``hp`` (a tuple for a pair), one not covered yet (``fresh``) most of the time."""
    picked = []
    for inp in inputs(hp):
        new = [v for v in inp.valid if fresh(inp.label, v)]
        picked.append(choose(rng, new if new and rng.random() < 0.8 else inp.valid))
    return tuple(picked) if hp.kind == "pair" else picked[0]


def items(hp, value: Any) -> list[tuple[str, Any]]:
    """(input label, value) of each widget of ``hp``: one, or two for a pair."""
    return list(zip([i.label for i in inputs(hp)], value if hp.kind == "pair" else [value]))


# --- Compare page: the design ------------------------------------------------------------------------------

#: A row of the design: the comparison, and each run's batch mode (a mini-batch of 1 is a config's per-sample).
Row = tuple[Comparison, tuple[str, ...]]


@functools.lru_cache(maxsize=None)
def build(name: str, settings: tuple) -> Any:
    return problems.create(name, **dict(settings))


def n_samples(cmp: Comparison) -> int:
    return build(cmp.problem, tuple(sorted(cmp.settings.items()))).n_samples


def for_results(hp, inp) -> tuple[Any, ...]:
    """The values of ``inp`` a row with results may take: not tens of thousands of samples, which no row could
    run cheaply; those are covered by a rerun that builds the problem (:func:`setting_reruns`)."""
    return tuple(v for v in inp.valid if not (hp.name == "n" and v > 1000))


def kind(problem: str) -> str:
    return "data" if has_data(problem) else "function"


def make_row(rng: random.Random, i: int, covered: set) -> Row | None:
    """A random comparison on problem ``i``, its runs drawn among the optimizers, modes, schedules and values
    not covered yet; None if the library refuses it or it is not cheap."""
    name = PROBLEMS[i]
    settings = {}
    for hp in problems.spec(name).settings:
        picked = tuple(choose(rng, for_results(hp, inp)) for inp in inputs(hp))
        settings[hp.name] = picked if hp.kind == "pair" else picked[0]
    try:
        problem = build(name, tuple(sorted(settings.items())))
    except ValueError:
        return None
    steps = LONG.get(name) or choose(rng, (1, 5))
    data = has_data(name)
    options = [o for o in OPTIMIZERS + UPDATERS if applicable(name, o)]
    runs, modes, taken = [], [], set(covered)
    for _ in range(N_RUNS.get(name, MAX_RUNS)):
        new = [o for o in options if ("kind x optimizer", kind(name), o) not in taken]
        # The buggy updaters first: most are offered on one problem only.
        new = [o for o in new if o.startswith(UPDATER)] or new
        opt = choose(rng, new or options)
        taken.add(("kind x optimizer", kind(name), opt))
        spec = RunSpec(opt)
        family = "updater" if spec.updater is not None else optimizers.get(opt).family
        mode = BATCH_MODES[0]
        if data and (spec.updater is None or spec.updater.batches):
            new = [m for m in BATCH_MODES if ("family x batches", family, m) not in taken]
            mode = choose(rng, new or BATCH_MODES)
            taken.add(("family x batches", family, mode))
        hps = declared(opt)
        values = non_defaults(hps, {hp.name: values_of(hp, rng, lambda label, v: ("hp", opt, label, v) not in taken)
                                    for hp in hps})
        batch_size, accumulate = None, 1
        if mode != BATCH_MODES[0]:
            n = problem.n_samples
            batch_size = 1 if mode == BATCH_MODES[2] else choose(rng, sorted({1, min(10, n), n}))
            accumulate = choose(rng, (1, 3))
        noise = 0.0 if data else values_of(GRAD_NOISE, rng, lambda label, v: ("grad_noise", v) not in taken)
        sched = None
        if spec.updater is None:
            new = [s for s in SCHEDULES if ("schedule", s) not in taken]
            if new and rng.random() < 0.6:
                picked = choose(rng, new)  # at its defaults; sequential as the form starts it, from its example
                sched = schedules.parse(schedules.SEQUENTIAL_EXAMPLE) if picked == "sequential" else schedules.get(picked)()
                taken.add(("schedule", sched.name))
        scale = "absolute"
        if spec.updater is None and problem.lipschitz is not None and rng.random() < 0.5:
            scale = "lipschitz"
        runs.append(RunSpec(opt, values, batch_size, accumulate, noise, sched, scale))
        modes.append(mode)
    cmp = Comparison(name, settings, tuple(runs), steps, choose(rng, (0, LARGE_INT)),
                     choose(rng, (True, False)) if data else True, choose(rng, TOLS), view=choose(rng, ("settled", "all")))
    try:
        cmp.validate()
    except ValueError:
        return None
    if cost((cmp, ())) > CHEAP:
        return None
    return cmp, tuple(modes)


def cost(row: Row) -> float:
    """The page's own estimate of the multiply-adds: the runs, and the loss over the picture's grid."""
    problem = build(row[0].problem, tuple(sorted(row[0].settings.items())))
    return row[0].work(problem).seconds + page_cost.plane(problem).seconds


def run_items(run: RunSpec) -> list[tuple[str, Any]]:
    return [kv for hp in declared(run.optimizer) for kv in items(hp, run.hp.get(hp.name, hp.default))]


def targets(row: Row) -> set[tuple]:
    """What a row with results covers: the targets listed in the module docstring."""
    cmp, modes = row
    data, n = has_data(cmp.problem), n_samples(cmp)
    out = {("problem", cmp.problem), ("n_runs", len(cmp.runs)), ("steps", cmp.steps), ("tol", cmp.tol),
           ("seed", cmp.seed), ("view", cmp.view)}
    out |= {("setting", cmp.problem, label, v) for hp in problems.spec(cmp.problem).settings
            for label, v in items(hp, cmp.settings[hp.name])}
    if data:
        out.add(("shuffle", cmp.shuffle))
    for run, mode in zip(cmp.runs, modes):
        opt = run.optimizer
        family = "updater" if run.updater is not None else optimizers.get(opt).family
        out |= {("problem x optimizer", cmp.problem, opt), ("kind x optimizer", kind(cmp.problem), opt)}
        out |= {("schedule", run.schedule.name if run.schedule else NO_SCHEDULE), ("lr_scale", run.lr_scale)}
        if not data:
            out.add(("grad_noise", run.grad_noise))
        if data and run.updater is None:
            out |= {("family x batches", family, mode), ("problem x batches", cmp.problem, mode),
                    ("optimizer x batches", opt, mode), ("accumulate", run.accumulate > 1)}
            if mode == BATCH_MODES[1]:
                out.add(("batch size", "1" if run.batch_size == 1 else "all" if run.batch_size == n else "some"))
        hp_items = run_items(run)
        out |= {("hp", opt, *kv) for kv in hp_items} | {("hp pair", opt, *p) for p in pairs(hp_items)}
    return out


def wanted() -> set[tuple]:
    """The targets rows with results must cover. Hyperparameter values and pairs are only counted: the rest
    of the values are tried in cheap reruns (:func:`accept_reruns`); so are the settings'
    (:func:`setting_reruns`)."""
    out = {("problem", p) for p in PROBLEMS} | {("n_runs", n) for n in (1, 2, 3, MAX_RUNS)}
    out |= {("steps", s) for s in STEPS} | {("tol", t) for t in TOLS} | {("seed", s) for s in (0, LARGE_INT)}
    out |= {("shuffle", s) for s in (True, False)} | {("accumulate", a) for a in (True, False)}
    out |= {("view", v) for v in ("settled", "all")}
    out |= {("batch size", c) for c in ("1", "some", "all")}
    out |= {("kind x optimizer", k, o) for k in ("data", "function") for o in OPTIMIZERS + UPDATERS
            if any(kind(p) == k and applicable(p, o) for p in PROBLEMS)}
    out |= {("family x batches", f, m) for f in FAMILIES for m in BATCH_MODES}
    out |= {("problem x batches", p, m) for p in PROBLEMS if has_data(p) for m in BATCH_MODES}
    out |= {("schedule", s) for s in (NO_SCHEDULE, *SCHEDULES)} | {("lr_scale", s) for s in ("absolute", "lipschitz")}
    out |= {("grad_noise", v) for v in inputs(GRAD_NOISE)[0].valid}
    return out


@functools.lru_cache(maxsize=None)
def compare_design() -> tuple[list[Row], set[tuple]]:
    return greedy(make_row, targets, len(PROBLEMS), random.Random(SEED), tries=60, required=wanted(), cost=cost)


def setting_key(problem: str, hp, inp) -> str:
    return f"cmp.problem.{problem}.{hp.name}{inp.suffix}"


def setting_reruns(cmp: Comparison) -> list[tuple[dict[str, Any], str]]:
    """Reruns that give each setting of the row's problem each of its other interesting values, and the message
    each must show: the tolerance's (at 0, the page builds the problem and stops), or the problem's own, which
    names the setting it refuses (such as an x_range whose low is not below its high). Each rerun keeps the
    values of the one before, from the problem's defaults (each problem is in one row)."""
    spec = problems.spec(cmp.problem)
    edits = walk({setting_key(cmp.problem, hp, inp): [v for v in inp.valid if v != value]
                  for hp in spec.settings for inp, (_, value) in zip(inputs(hp), items(hp, cmp.settings[hp.name]))})
    out = []
    settings = {hp.name: hp.default for hp in spec.settings}
    for edit in edits:
        for hp in spec.settings:
            key = f"cmp.problem.{cmp.problem}.{hp.name}"
            if hp.kind == "pair":
                settings[hp.name] = tuple(edit.get(f"{key}.{j}", x) for j, x in enumerate(settings[hp.name]))
            else:
                settings[hp.name] = edit.get(key, settings[hp.name])
        try:
            problems.create(cmp.problem, **settings)
        except ValueError as exc:
            out.append((edit, str(exc)))
        else:
            out.append((edit, REFUSED_TOL))
    return out


def run_key(i: int, run: RunSpec, name: str) -> str:
    return f"cmp.run{i}.{run.optimizer}.{name}"


def accept_reruns(cmp: Comparison, covered: set) -> list[dict[str, Any]]:
    """Edits that give the row's runs the interesting hyperparameter values no row with results covers (each
    optimizer's once, in the first row that has it), to be made with the tolerance at 0: each must be accepted."""
    values: dict[str, list[Any]] = {}
    for i, run in enumerate(cmp.runs):
        for hp in declared(run.optimizer):
            # Nesterov's look-ahead is refused with dampening or without momentum, so these three are left to
            # the rows and faults (on the nesterov optimizer too, whose nesterov=True makes them clash).
            if hp.name == "nesterov" or (run.optimizer == "nesterov" and hp.name in ("momentum", "dampening")):
                continue
            for inp in inputs(hp):
                left = [v for v in inp.valid if ("hp", run.optimizer, inp.label, v) not in covered]
                covered |= {("hp", run.optimizer, inp.label, v) for v in left}
                values[run_key(i, run, hp.name) + inp.suffix] = left
    return walk(values)


# --- Compare page: entering a comparison through the widgets ------------------------------------------------

def widgets(at) -> dict[str, Any]:
    return {w.key: w for kind in ("number_input", "selectbox", "checkbox", "radio", "text_input")
            for w in getattr(at, kind) if str(w.key).startswith(("cmp.", "gc.", "sw."))}


def put(at, values: dict[str, Any]) -> None:
    """Set each widget ``key`` to ``value`` (only those that differ: an unchanged widget is no edit)."""
    shown = widgets(at)
    for key, value in values.items():
        if shown[key].value != value:
            shown[key].set_value(value)


def step(at, edits: dict[str, Any], history: list) -> None:
    put(at, edits)
    history.append(edits)
    at.run()


def enter(at, row: Row, history: list) -> None:
    """Edit the form to the row's comparison and rerun.

    Switching problem gives the runs its suggestions (made with the tolerance at 0, which the page refuses before
    it computes anything). The problem's other setting values come next,
    while the runs are the suggested ones (a run's new optimizer is given its suggestion for the problem's
    settings, so trying settings after would pilot it again); then the run count, the runs' optimizers, modes
    and schedules, whose widgets exist only after a rerun, and the hyperparameter values no row with results
    holds. Those reruns are made with the tolerance at 0 too, and each checks that message (or the problem's own).
    """
    cmp, modes = row
    data = has_data(cmp.problem)
    # The switch itself computes nothing here: switching is checked in tests/test_app_compare.py, every problem's
    # suggested runs in tests/test_suggest.py, and the row's own results come last.
    step(at, {"cmp.problem": cmp.problem, "cmp.tol": 0.0}, history)
    refused(at, REFUSED_TOL, history)
    row_settings = {setting_key(cmp.problem, hp, inp): v for hp in problems.spec(cmp.problem).settings
                    for inp, (_, v) in zip(inputs(hp), items(hp, cmp.settings[hp.name]))}
    for stage, message in [*setting_reruns(cmp), ({**row_settings, "cmp.n_runs": len(cmp.runs)}, REFUSED_TOL)]:
        step(at, {"cmp.tol": 0.0, **stage}, history)
        refused(at, message, history)
    # Optimizers first: a run that was a buggy updater has no schedule input until it is an optimizer again.
    step(at, {"cmp.tol": 0.0, **{f"cmp.run{i}.optimizer": r.optimizer for i, r in enumerate(cmp.runs)}}, history)
    refused(at, REFUSED_TOL, history)
    runs = {f"cmp.run{i}.optimizer": r.optimizer for i, r in enumerate(cmp.runs)}
    runs |= {f"cmp.run{i}.schedule.name": r.schedule.name if r.schedule else NO_SCHEDULE
             for i, r in enumerate(cmp.runs) if r.updater is None}
    runs |= {f"cmp.run{i}.batches": m for i, (r, m) in enumerate(zip(cmp.runs, modes))
             if data and (r.updater is None or r.updater.batches)}
    if data:
        runs["cmp.shuffle"] = cmp.shuffle
    step(at, runs, history)
    refused(at, REFUSED_TOL, history)
    scales = {f"cmp.run{i}.lr_scale": r.lr_scale == "lipschitz" for i, r in enumerate(cmp.runs)
              if f"cmp.run{i}.lr_scale" in widgets(at)}
    for stage in accept_reruns(cmp, ACCEPTED) or [{}]:
        step(at, {**scales, **stage}, history)
        scales = {}
        refused(at, REFUSED_TOL, history, only=True)
    final = {"cmp.steps": cmp.steps, "cmp.seed": cmp.seed, "cmp.tol": cmp.tol}
    for i, (run, mode) in enumerate(zip(cmp.runs, modes)):
        for hp in declared(run.optimizer):
            for inp, (_, v) in zip(inputs(hp), items(hp, run.hp.get(hp.name, hp.default))):
                final[run_key(i, run, hp.name) + inp.suffix] = v
        if mode == BATCH_MODES[1]:
            final[f"cmp.run{i}.batch_size"] = run.batch_size
        if mode != BATCH_MODES[0]:
            final[f"cmp.run{i}.accumulate"] = run.accumulate
        if not data:
            final[f"cmp.run{i}.grad_noise"] = run.grad_noise
    if "cmp.view" in widgets(at):
        final["cmp.view"] = cmp.view
    if "cmp.suboptimal" in widgets(at):  # where the minimum's loss is known: each axis in turn
        final["cmp.suboptimal"] = len(history) % 2 == 0
        AXES.add(final["cmp.suboptimal"])
    step(at, final, history)


#: Hyperparameter values tried in accept_reruns, and the loss axes shown: across the rows of the one session.
ACCEPTED: set = set()
AXES: set = set()


def refused(at, text: str, history: list, only: bool = False) -> None:
    """The page shows no crash and no results, and a message containing ``text`` (``only``: any other is the
    page's "Nothing to run", or names the value an optimizer's own cross-field rule refused, such as Rprop's
    etas: the declared range of each entry alone does not say which pairs are valid)."""
    where = f"after {history[-2:]}"
    assert exceptions(at) == [], where
    messages = [shown(m) for m in (*at.error, *at.warning)]  # as the user reads them, Markdown unescaped
    assert any(text in m for m in messages), f"no message with {text!r} {where}: {messages}"
    if only:
        others = [m for m in messages if text not in m and not m.startswith("Nothing to run")]
        assert all(m.startswith("Invalid ") and "Allowed" in m for m in others), f"a value refused {where}: {others}"
    assert not at.table, f"results shown despite {text!r} {where}"


def shows_results(at, cmp: Comparison, history: list) -> None:
    """The page shows no crash, and a results table with one row per run in the form's order, but for a run
    whose values an optimizer's cross-field rule refuses: that one is named by a message under it instead."""
    where = f"after {history[-1]}"
    assert exceptions(at) == [], where
    assert at.table, f"no results {where}: {[m.value for m in (*at.error, *at.warning)]}"
    shown = [label.split()[0] for label in at.table[0].value["run"]]
    named = [m for m in (shown_text(e) for e in at.sidebar.error) if m.startswith("Invalid ") and "Allowed" in m]
    expected = iter(r.optimizer for r in cmp.runs)
    assert all(name in expected for name in shown), where  # in the form's order
    assert len(shown) + len(named) >= len(cmp.runs), f"a run neither shown nor refused by name {where}"


def faults(row: Row, seen: set) -> list[tuple[dict[str, Any], str]]:
    """Single faults on the widgets of the row not tried before: (edits, text the message must contain).

    The widget takes each of these values and the library refuses it: an open bound of a declared
    hyperparameter, nesterov without momentum or with dampening, a batch larger than the data, work beyond
    the page's limit (a million accumulated batches, a million steps), one_cycle's default 100 steps on a
    longer run, and Muon on a problem without a weight matrix.
    """
    cmp, modes = row
    out = []
    for i, (run, mode) in enumerate(zip(cmp.runs, modes)):
        opt = run.optimizer
        for hp in declared(opt):
            for inp in inputs(hp):
                for v in inp.refused:
                    if ("refused", opt, inp.label, v) not in seen:
                        seen.add(("refused", opt, inp.label, v))
                        out.append(({run_key(i, run, hp.name) + inp.suffix: v},
                                    f"Invalid {inp.label}: {v:g}"))  # under the run's input
        if opt in ("momentum", "nesterov") and ("nesterov", opt) not in seen:
            seen.add(("nesterov", opt))
            out.append(({run_key(i, run, "nesterov"): True, run_key(i, run, "momentum"): 0.0,
                         run_key(i, run, "dampening"): 0.0}, "Invalid momentum: 0.0 with nesterov=True"))
            out.append(({run_key(i, run, "nesterov"): True, run_key(i, run, "momentum"): 0.9,
                         run_key(i, run, "dampening"): 0.5}, "Invalid dampening: 0.5 with nesterov=True"))
        if mode == BATCH_MODES[1] and "batch" not in seen:
            seen.add("batch")
            n = n_samples(cmp)
            out.append(({f"cmp.run{i}.batch_size": n + 1}, f"Invalid batch_size: {n + 1}"))
            out.append(({f"cmp.run{i}.accumulate": 10**6}, "Invalid accumulate: 1000000"))
            if cmp.steps >= 100:  # 10^4 accumulated calls a step, for many steps: far past the page's limit
                out.append(({f"cmp.run{i}.accumulate": 10**4}, TOO_SLOW))
        # one_cycle cycles momentum by default: on a rule with none it is refused for that, not for its length.
        if cmp.steps > 100 and run.updater is None and momentum_hyperparam(run.optimizer) and "one_cycle" not in seen:
            seen.add("one_cycle")
            out.append(({f"cmp.run{i}.schedule.name": "one_cycle"},
                        "Invalid total_steps of schedule 'one_cycle': 100"))
    if not has_data(cmp.problem) and "muon" not in seen:
        seen.add("muon")
        out.append(({"cmp.run0.optimizer": "muon"}, "muon"))
    if "steps" not in seen:
        seen.add("steps")
        out.append(({"cmp.steps": 10**6}, TOO_SLOW))
    return out


def together(found: list[tuple[dict[str, Any], str]]) -> list[list[tuple[dict[str, Any], str]]]:
    """The faults ``found`` grouped into reruns: several to a rerun, one per run of the form, since each run's
    message is shown under its own input and none hides another's; alone, the faults that must be (work past the
    page's limit, found only with every other value valid; a switch of optimizer, which redraws its run; a
    setting of the whole comparison)."""
    batches: list[tuple[set[str] | None, list]] = []  # the runs a batch edits; None for a fault alone
    for edits, text in found:
        runs = {key.split(".")[1] for key in edits}  # "cmp.run3.adam.lr" -> "run3"
        shared = text != TOO_SLOW and all(k.startswith("cmp.run") and not k.endswith(".optimizer") for k in edits)
        batch = next((b for b in batches if shared and b[0] is not None and not b[0] & runs), None)
        if batch is None:
            batches.append((set(runs) if shared else None, [(edits, text)]))
        else:
            batch[0].update(runs)
            batch[1].append((edits, text))
    return [faults for _, faults in batches]


#: The design is computed once per process (compare_design is cached): its two tests share a worker.
SHARES_THE_DESIGN = pytest.mark.xdist_group("compare design")


@SHARES_THE_DESIGN
def test_compare_design_covers_every_value_and_pair_it_promises():
    """The design's own promise, checked without the app: it fails when a declaration gains a value it misses."""
    rows, covered = compare_design()
    assert missing(wanted(), covered) == []
    assert len({t for t in covered if t[0] == "problem x optimizer"}) >= 50  # of 54 runs: nearly all new pairs
    held = {t for t in covered if t[0] == "hp"} | {t for row in rows for t in _accepted(row, covered)}
    every = {("hp", o, i.label, v) for o in OPTIMIZERS + UPDATERS for hp in declared(o) for i in inputs(hp)
             for v in i.valid if hp.name != "nesterov"}
    assert missing(every, held) == []
    for cmp, _ in rows:  # every setting value is in the row or in one of its reruns
        edited = [e for stage, _ in setting_reruns(cmp) for e in stage.items()]
        for hp in problems.spec(cmp.problem).settings:
            for inp, (_, v) in zip(inputs(hp), items(hp, cmp.settings[hp.name])):
                key = setting_key(cmp.problem, hp, inp)
                assert set(inp.valid) == {v} | {x for k, x in edited if k == key}, key


def _accepted(row: Row, covered: set) -> set:
    """The ("hp", ...) targets :func:`accept_reruns` tries in ``row``'s reruns (on a copy of ``covered``)."""
    cmp, _ = row
    return {("hp", r.optimizer, i.label, v) for r in cmp.runs for hp in declared(r.optimizer)
            for i in inputs(hp) for v in i.valid}


@SHARES_THE_DESIGN
def test_compare_combinations_show_results_or_name_the_refused_value():
    rows, covered = compare_design()
    ACCEPTED.clear()
    ACCEPTED.update(t for t in covered if t[0] == "hp")
    AXES.clear()
    at = open_app()
    history: list = []
    seen: set = set()
    others_shown = False
    for row in rows:
        enter(at, row, history)
        shows_results(at, row[0], history)
        found = faults(row, seen)
        if not others_shown and len(row[0].runs) > 1:
            # The first fault of a run leaves the other runs to show; the others stop the page at tol = 0.
            edits, text = found.pop(next(i for i, (e, _) in enumerate(found) if next(iter(e)).startswith("cmp.run")))
            before = {k: widgets(at)[k].value for k in edits}
            step(at, edits, history)
            others_shown = True
            assert exceptions(at) == [], history[-1]
            assert any(text in m.value for m in at.error), f"no message with {text!r} after {edits}"
            assert len(at.table[0].value) == len(row[0].runs) - 1, "the other runs still show"
            put(at, before)
        for batch in together(found):
            edits = {k: v for e, _ in batch for k, v in e.items()}
            before = {k: widgets(at)[k].value for k in edits}
            # Work beyond the page's limit is only found with every value valid: no tol = 0 there.
            step(at, edits if batch[0][1] == TOO_SLOW else {"cmp.tol": 0.0, **edits}, history)
            for _, text in batch:
                refused(at, text, history)
            put(at, {**before, "cmp.tol": row[0].tol})
    at.run()
    shows_results(at, rows[-1][0], history)
    assert others_shown
    assert {("refused", o, "lr", 0.0) for o in OPTIMIZERS} <= seen
    assert {"batch", "one_cycle", "muon", "steps", ("nesterov", "momentum"), ("nesterov", "nesterov")} <= seen


# --- Gradient check and Sweep pages --------------------------------------------------------------------------

REPORT = None
#: One session's edits on the Gradient check page and what each must show: every method; a problem of each kind
#: (data, MLP, 2-D function) and a buggy and a fixed gallery entry; eps = 0, which the widget takes, refused
#: for every method; eps far too large (truncation: a correct gradient looks wrong) and far too small
#: (round-off); a large point seed. A method's eps input exists only once the method is chosen, so eps = 0 is
#: tried right after each method's first report.
GC_STEPS = (
    ({"gc.eps.central": 0.0}, "Invalid eps: 0"),
    ({"gc.model": "problem:sin"}, "Invalid eps: 0"),  # brings the seed input, still refused
    ({"gc.eps.central": 1e6, "gc.seed": 3}, REPORT),
    ({"gc.model": "problem:quadratic", "gc.method": "complex", "gc.seed": LARGE_INT}, REPORT),
    ({"gc.eps.complex": 0.0}, "Invalid eps: 0"),
    ({"gc.model": "problem:xor", "gc.method": "forward"}, REPORT),
    ({"gc.eps.forward": 0.0}, "Invalid eps: 0"),
    ({"gc.eps.forward": 1e-12}, REPORT),
    ({"gc.model": "gallery:scaled-gradients:buggy", "gc.method": "random"}, REPORT),
    ({"gc.eps.random": 0.0}, "Invalid eps: 0"),
    ({"gc.model": "gallery:mse-missing-factor:fixed", "gc.method": "central"}, REPORT),
)


def test_gradient_check_combinations_show_a_report_or_name_the_refused_value():
    at = goto(open_app(), "playground_app/gradient_check.py")
    history: list = []
    for edits, text in GC_STEPS:
        put(at, edits)
        history.append(edits)
        at.run()
        if text is REPORT:
            assert exceptions(at) == [], history[-1]
            assert at.dataframe, f"no report after {history[-1]}: {[m.value for m in at.error]}"
        else:
            refused(at, text, history)
    covered = {(e.get("gc.model"), e.get("gc.method")) for e, _ in GC_STEPS}
    assert {m for _, m in covered} >= {"central", "forward", "complex", "random"}


SWEEP_OPTIMIZERS = ("adagrad", "momentum", "rmsprop", "adam")  # no momentum axis, momentum, and betas
#: The schedules the rows with a map take in turn, at their defaults: those that scale the optimizer's lr. The
#: others set their own lr, so the page refuses them over a grid of learning rates: each is a fault below.
SWEEP_SCHEDULES = tuple(n for n in SCHEDULES if not schedules.get(n).own_lr)
OWN_LR_SCHEDULES = tuple(n for n in SCHEDULES if schedules.get(n).own_lr)
#: The interesting values no cheap sweep can take: covered by the faults the page declines as too long.
TOO_LONG = (("steps", 1_000_000), ("steps", 500_000), ("lr_points", 1000), ("lr_points", 500),
            ("momentum_points", 1000), ("momentum_points", 500))


def sweep_fields(name: str) -> tuple:
    """The fields the Sweep page draws for optimizer ``name``: the momentum axis's only where it has one."""
    axis = axis_fields(name)[:2] if momentum_hyperparam(name) is not None else ()
    return (LR_RANGE, LR_POINTS, *axis, SWEEP_STEPS, SWEEP_SEED)


def sweep_key(name: str, hp, inp) -> str:
    """A field's widget key: the momentum range is each optimizer's own."""
    return f"sw.{hp.name}" + (f".{name}" if hp.name == "momentum_range" else "") + inp.suffix


def sweep_default(name: str, hp) -> Any:
    return default_momentum_range((name,), {}) if hp.name == "momentum_range" else None


def make_sweep(rng: random.Random, i: int, covered: set) -> SweepSetup | None:
    """A random sweep with optimizer ``i``, each input drawn among its values not covered yet; None if refused
    or not cheap. (Drawing among all values, three rows with a momentum axis rarely meet all of them.)"""
    name = SWEEP_OPTIMIZERS[i % len(SWEEP_OPTIMIZERS)]
    values = {}
    for hp in sweep_fields(name):
        picked = []
        for inp in inputs(hp, sweep_default(name, hp)):
            new = [v for v in inp.valid if (inp.label, v) not in covered and (inp.label, v) not in TOO_LONG]
            picked.append(choose(rng, new if new and rng.random() < 0.8 else inp.valid))
        values[hp.name] = tuple(picked) if hp.kind == "pair" else picked[0]
    setup = SweepSetup(optimizers=(name,), **values)
    try:
        problem = setup.validate()
    except ValueError:
        return None
    return setup if setup.work(problem).seconds <= CHEAP else None


def sweep_inputs(setup: SweepSetup) -> list[tuple[Any, Any, Any]]:
    """(declaration, input, value) of each widget the page draws for ``setup``."""
    name = setup.optimizers[0]
    out = []
    for hp in sweep_fields(name):
        value = getattr(setup, hp.name)
        if value is None:
            value = sweep_default(name, hp)
        out += [(hp, inp, v) for inp, v in zip(inputs(hp, sweep_default(name, hp)),
                                                value if hp.kind == "pair" else [value])]
    return out


def sweep_targets(setup: SweepSetup) -> set[tuple]:
    return {("optimizer", setup.optimizers[0])} | {(inp.label, v) for _, inp, v in sweep_inputs(setup)}


def test_sweep_combinations_show_a_map_or_name_the_refused_value():
    """Every optimizer kind with a map; each setting's interesting values; each refused value by name."""
    every = {(i.label, v) for o in SWEEP_OPTIMIZERS for hp in sweep_fields(o)
             for i in inputs(hp, sweep_default(o, hp)) for v in i.valid}
    # Two rows per optimizer kind: the declared lr range's far ends need rows of their own.
    rows, covered = greedy(make_sweep, sweep_targets, 2 * len(SWEEP_OPTIMIZERS), random.Random(SEED),
                           required=every, cost=lambda setup: setup.work(setup.validate()).seconds)
    # Values no cheap sweep can take are left to the rows the page declines as too long, below.
    assert every - covered <= set(TOO_LONG), every - covered
    at = goto(open_app(), "playground_app/sweep.py")
    history: list = []
    for i, setup in enumerate(rows):
        # Refused first: the page stops before sweeping, so this rerun also brings the optimizer's inputs.
        edits = {"sw.optimizer": setup.optimizers[0], "sw.lr_range.0": 0.0}
        put(at, edits)
        history.append(edits)
        at.run()
        refused(at, "Invalid lr_range[0]: 0", history)
        edits = {sweep_key(setup.optimizers[0], hp, inp): v for hp, inp, v in sweep_inputs(setup)}
        edits["sw.schedule.name"] = SWEEP_SCHEDULES[i % len(SWEEP_SCHEDULES)]  # at its defaults
        put(at, edits)
        history.append(edits)
        at.run()
        assert exceptions(at) == [], history[-1]
        assert at.get("image"), f"no map for {history[-1]}: {[m.value for m in (*at.error, *at.warning)]}"
    # The optimizers not swept above, and the refused values: an open bound, a reversed range, a grid too
    # big or too slow for the page (Nesterov at momentum 0 is refused on the Sweep page's own test). Each starts from a refused lr_range[0] = 0, as above.
    faults = [
        ("momentum", {"sw.momentum_range.momentum.1": 1.0}, "Invalid momentum_range[1]: 1"),
        ("gd", {"sw.lr_range.0": 10.0, "sw.lr_range.1": 1.0}, "Invalid lr_range: 10/1. The first value must not exceed"),
        ("adamw", {"sw.steps": 1_000_000, "sw.lr_points": 1000, "sw.momentum_points": 1000}, "would hold about"),
        ("rmsprop", {"sw.steps": 500_000, "sw.lr_points": 500, "sw.momentum_points": 500}, "would take about"),
        *[("momentum", {"sw.schedule.name": n, "sw.lr_points": LR_POINTS.default}, f"{n} sets its own lr")
          for n in OWN_LR_SCHEDULES],
    ]
    for opt, edits, text in faults:
        put(at, {"sw.optimizer": opt, "sw.lr_range.0": 0.0})
        history.append(opt)
        at.run()
        refused(at, "Invalid lr_range[0]: 0", history)
        shown = widgets(at)
        before = {k: shown[k].value for k in edits}
        put(at, {"sw.lr_range.0": 1e-3, "sw.lr_range.1": 3.0, **edits})
        history.append(edits)
        at.run()
        refused(at, text, history)
        put(at, before)  # one fault at a time
