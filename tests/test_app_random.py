"""Widget combinations chosen to cover: each gives the results it should, or a message naming the bad value.

A seeded random walk over the widgets spent most of its reruns on values and
pairs it had already seen, and each rerun with results costs the page's
plots (most of a second). Here the combinations are a covering design
(``covering.py``): every input's interesting values are read from its
declaration (default, each bound the widget takes, a middle value, decades
off a log-scale default), and rows are chosen greedily, with a fixed seed,
to cover on the Compare page

* every problem, each with results; every problem kind (data, MLP, 2-D
  function) with every optimizer, and most problem x optimizer pairs;
* every optimizer with every batch mode, and every data problem with every
  batch mode; batches of 1, of all the samples and between, accumulate > 1;
* every interesting value of every optimizer's hyperparameters (lr at the
  widget's 10, betas of 0, momentum 0.999, ...), most pairs of them;
* one interesting value of each problem setting with results, and each of
  its other values in a cheap rerun that builds the problem without running
  it (a row with results for each would cost the plots of each);
* 1 to 6 runs, 1 to 20000 steps (many steps only with few runs: the cost of a
  row is its runs times its steps), tolerances, seeds, shuffling.

Values the widget takes but the library refuses (lr = 0, eps = 0,
betas = 1, tol = 0, nesterov without momentum or with dampening, a batch
larger than the data, a million accumulated batches) each get a rerun of
their own, as one fault, so no other bad value hides it; the page must show
a message naming it, and no results. Every row is reached by editing the
widgets of one session, as a user would: one session's reruns cost a
fraction of a new session's first run. The Gradient check and Sweep pages
get the same treatment, smaller.
"""
from __future__ import annotations

import functools
import random
from typing import Any

import optimizers
from app_support import exceptions, goto, open_app
from covering import LARGE_INT, choose, greedy, inputs, missing, pairs
from optimizers.hyperparams import non_defaults
from playground import problems
from playground.setups.comparison import MAX_RUNS, Comparison
from playground.setups.sweep import SweepSetup
from playground.training.run_spec import RunSpec
from playground.training.sweep import momentum_hyperparam
from playground.viz import projection
from playground_app.compare_form import BATCH_MODES, MAX_STEPS

SEED = 20240611
#: Multiply-adds a row with results may take (the runs and the loss over the picture's grid), by the page's own
#: estimate: about a second (its limit, 1e10, is about five), enough for one run of 20000 steps. The design
#: prefers the cheaper of two rows that cover as much.
CHEAP = 2.5e9
PROBLEMS = problems.available()
OPTIMIZERS = optimizers.available()
#: Runs per row: the form's default (3), its bounds (1 and 6) and 2. The short rows are 2-D functions, which
#: have five problems to share the optimizers among.
N_RUNS = {"beale": 1, "himmelblau": 2, "saddle": 3}
STEPS = (1, 5, 200, MAX_STEPS)
#: Steps per row. A row's cost grows with its runs times its steps (each step is a frame of the trajectory
#: player, up to 1000), so the many steps go to the rows of one and two runs; the others take 1 or 5.
LONG = {"beale": MAX_STEPS, "himmelblau": 200}
TOLS = (1e-6, 1e-12, 1.0)


def has_data(problem: str) -> bool:
    return problems.spec(problem).kind != "function"


def values_of(hp, rng: random.Random) -> Any:
    """A random interesting value of ``hp`` (a tuple for a pair)."""
    picked = tuple(choose(rng, i.valid) for i in inputs(hp))
    return picked if hp.kind == "pair" else picked[0]


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


def make_row(rng: random.Random, i: int, covered: set) -> Row | None:
    """A random comparison on problem ``i``, or None if the library refuses it or it is not cheap."""
    name = PROBLEMS[i]
    settings = {}
    for hp in problems.spec(name).settings:
        picked = tuple(choose(rng, for_results(hp, inp)) for inp in inputs(hp))
        settings[hp.name] = picked if hp.kind == "pair" else picked[0]
    try:
        problem = build(name, tuple(sorted(settings.items())))
    except ValueError:
        return None
    runs, modes = [], []
    n_runs = N_RUNS.get(name, MAX_RUNS)
    if n_runs == len(OPTIMIZERS) - 1:
        # Each problem of six runs leaves out the next optimizer in turn, so that no kind of problem misses one:
        # the greedy choice, one row at a time, would leave out the optimizer with the fewest new values.
        chosen = [o for o in OPTIMIZERS if o != OPTIMIZERS[i % len(OPTIMIZERS)]]
        order = rng.sample(chosen, len(chosen))
    else:
        order = rng.sample(OPTIMIZERS, n_runs)
    for opt in order:
        # Batch modes in turn, by optimizer and row: on the six problems with data (six runs each) every optimizer
        # meets every mode and every problem every mode. The greedy choice would trade one for a hyperparameter
        # value.
        mode = BATCH_MODES[(OPTIMIZERS.index(opt) + i) % len(BATCH_MODES)] if has_data(name) else BATCH_MODES[0]
        hps = optimizers.get(opt).hyperparams
        values = non_defaults(hps, {hp.name: values_of(hp, rng) for hp in hps})
        batch_size, accumulate = None, 1
        if has_data(name):
            if mode != BATCH_MODES[0]:
                n = problem.n_samples
                batch_size = 1 if mode == BATCH_MODES[2] else choose(rng, sorted({1, min(10, n), n}))
                accumulate = choose(rng, (1, 3))
        runs.append(RunSpec(opt, values, batch_size, accumulate))
        modes.append(mode)
    cmp = Comparison(name, settings, tuple(runs), LONG.get(name) or choose(rng, (1, 5)), choose(rng, (0, LARGE_INT)),
                     choose(rng, (True, False)) if has_data(name) else True, choose(rng, TOLS))
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
    return row[0].work(problem) + projection.plane_work(problem)


def targets(row: Row) -> set[tuple]:
    """What a row with results covers: the targets listed in the module docstring."""
    cmp, modes = row
    kind, data, n = problems.spec(cmp.problem).kind, has_data(cmp.problem), n_samples(cmp)
    out = {("problem", cmp.problem), ("n_runs", len(cmp.runs)), ("steps", cmp.steps), ("tol", cmp.tol),
           ("seed", cmp.seed)}
    out |= {("setting", cmp.problem, label, v) for hp in problems.spec(cmp.problem).settings
            for label, v in items(hp, cmp.settings[hp.name])}
    if data:
        out.add(("shuffle", cmp.shuffle))
    for run, mode in zip(cmp.runs, modes):
        opt = run.optimizer
        out |= {("problem x optimizer", cmp.problem, opt), ("kind x optimizer", kind, opt)}
        if data:
            out |= {("optimizer x batches", opt, mode), ("problem x batches", cmp.problem, mode),
                    ("accumulate", run.accumulate > 1)}
            if mode == BATCH_MODES[1]:
                out.add(("batch size", "1" if run.batch_size == 1 else "all" if run.batch_size == n else "some"))
        hp_items = [kv for hp in optimizers.get(opt).hyperparams
                    for kv in items(hp, run.hyperparams.get(hp.name, hp.default))]
        out |= {("hp", opt, *kv) for kv in hp_items} | {("hp pair", opt, *p) for p in pairs(hp_items)}
    return out


def wanted() -> set[tuple]:
    """The targets rows with results must cover (pairs of hyperparameters are only counted: there are too many).

    A problem's settings are in one row each, so only one of each setting's values is wanted here; the others
    are covered by :func:`setting_reruns`.
    """
    out = {("problem", p) for p in PROBLEMS} | {("n_runs", n) for n in (1, 2, 3, MAX_RUNS)}
    out |= {("steps", s) for s in STEPS} | {("tol", t) for t in TOLS} | {("seed", s) for s in (0, LARGE_INT)}
    out |= {("shuffle", s) for s in (True, False)} | {("accumulate", a) for a in (True, False)}
    out |= {("batch size", c) for c in ("1", "some", "all")}
    kinds = {problems.spec(p).kind for p in PROBLEMS}
    out |= {("kind x optimizer", k, o) for k in kinds for o in OPTIMIZERS}
    out |= {("optimizer x batches", o, m) for o in OPTIMIZERS for m in BATCH_MODES}
    out |= {("problem x batches", p, m) for p in PROBLEMS if has_data(p) for m in BATCH_MODES}
    out |= {("hp", o, i.label, v) for o in OPTIMIZERS for hp in optimizers.get(o).hyperparams
            for i in inputs(hp) for v in i.valid}
    return out


def compare_design() -> tuple[list[Row], set[tuple]]:
    return greedy(make_row, targets, len(PROBLEMS), random.Random(SEED), tries=100, required=wanted(), cost=cost)


def setting_reruns(cmp: Comparison) -> list[tuple[dict[str, Any], str]]:
    """Edits that give every setting of the row's problem each of its other interesting values, and the message
    each must show.

    They are made with the tolerance at 0: the page builds the problem and refuses the tolerance, without
    computing (a row with results for each would cost the plots), or names the setting the problem refuses,
    such as an x_range whose low is not below its high. Each rerun keeps the values of the one before.
    """
    edits: list[dict[str, Any]] = []
    for hp in problems.spec(cmp.problem).settings:
        for inp, (_, value) in zip(inputs(hp), items(hp, cmp.settings[hp.name])):
            for j, v in enumerate(v for v in inp.valid if v != value):
                if j == len(edits):
                    edits.append({})
                edits[j][f"cmp.problem.{cmp.problem}.{hp.name}{inp.suffix}"] = v
    out = []
    # A problem's inputs start at its defaults (each problem is in one row), and each rerun keeps the last one's.
    settings = {hp.name: hp.default for hp in problems.spec(cmp.problem).settings}
    for edit in edits:
        for hp in problems.spec(cmp.problem).settings:
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
            out.append((edit, "Invalid tol: 0.0"))
    return out


# --- Compare page: entering a comparison through the widgets ------------------------------------------------

def widgets(at) -> dict[str, Any]:
    return {w.key: w for kind in ("number_input", "selectbox", "checkbox", "radio") for w in getattr(at, kind)
            if str(w.key).startswith(("cmp.", "gc.", "sw."))}


def put(at, values: dict[str, Any]) -> None:
    """Set each widget ``key`` to ``value`` (only those that differ: an unchanged widget is no edit)."""
    shown = widgets(at)
    for key, value in values.items():
        if shown[key].value != value:
            shown[key].set_value(value)


def run_key(i: int, run: RunSpec, name: str) -> str:
    return f"cmp.run{i}.{run.optimizer}.{name}"


def enter(at, row: Row, history: list) -> None:
    """Edit the form to the row's comparison and rerun.

    A new problem, more runs or another optimizer or batch mode bring new widgets, which exist only after a
    rerun: those reruns are made with the tolerance at 0, which the page refuses before it computes anything,
    so they cost only the form, and each checks that message. The problem's other setting values are tried
    in such reruns too.
    """
    cmp, modes = row
    data = has_data(cmp.problem)
    # The runs' optimizers and batch modes do not depend on the problem's settings: they go with the first
    # rerun of those, and the row's own setting values with the last edit.
    runs = {**{f"cmp.run{i}.optimizer": r.optimizer for i, r in enumerate(cmp.runs)},
            **({f"cmp.run{i}.batches": m for i, m in enumerate(modes)} if data else {}),
            **({"cmp.shuffle": cmp.shuffle} if data else {})}
    reruns = setting_reruns(cmp) or [({}, "Invalid tol: 0.0")]
    reruns[0] = ({**runs, **reruns[0][0]}, reruns[0][1])
    for stage, message in [({"cmp.problem": cmp.problem, "cmp.n_runs": len(cmp.runs)}, "Invalid tol: 0.0"),
                           *reruns]:
        put(at, {"cmp.tol": 0.0, **stage})
        history.append(stage)
        at.run()
        refused(at, message, history)
    final = {"cmp.steps": cmp.steps, "cmp.seed": cmp.seed, "cmp.tol": cmp.tol}
    final |= {f"cmp.problem.{cmp.problem}.{hp.name}{inp.suffix}": v for hp in problems.spec(cmp.problem).settings
              for inp, (_, v) in zip(inputs(hp), items(hp, cmp.settings[hp.name]))}
    for i, (run, mode) in enumerate(zip(cmp.runs, modes)):
        for hp in optimizers.get(run.optimizer).hyperparams:
            for inp, (_, v) in zip(inputs(hp), items(hp, run.hyperparams.get(hp.name, hp.default))):
                final[run_key(i, run, hp.name) + inp.suffix] = v
        if mode == BATCH_MODES[1]:
            final[f"cmp.run{i}.batch_size"] = run.batch_size
        if mode != BATCH_MODES[0]:
            final[f"cmp.run{i}.accumulate"] = run.accumulate
    put(at, final)
    history.append(final)
    at.run()


def refused(at, text: str, history: list) -> None:
    """The page shows no crash and no results, and a message containing ``text``."""
    where = f"after {history[-2:]}"
    assert exceptions(at) == [], where
    messages = [m.value for m in (*at.error, *at.warning)]
    assert any(text in m for m in messages), f"no message with {text!r} {where}: {messages}"
    assert not at.dataframe, f"results shown despite {text!r} {where}"


def shows_results(at, cmp: Comparison, history: list) -> None:
    """The page shows no crash, and a results table with one row per run, in the form's order."""
    where = f"after {history[-1]}"
    assert exceptions(at) == [], where
    assert at.dataframe, f"no results {where}: {[m.value for m in (*at.error, *at.warning)]}"
    shown = [label.split()[0] for label in at.dataframe[0].value["run"]]
    assert shown == [r.optimizer for r in cmp.runs], where


def faults(row: Row, seen: set) -> list[tuple[dict[str, Any], str]]:
    """Single faults on the widgets of the row not tried before: (edits, text the message must contain).

    The widget takes each of these values and the library refuses it: an open bound of a declared
    hyperparameter, nesterov without momentum or with dampening, a batch larger than the data, and work
    beyond the page's limit (a million accumulated batches).
    """
    cmp, modes = row
    out = []
    for i, (run, mode) in enumerate(zip(cmp.runs, modes)):
        opt = run.optimizer
        for hp in optimizers.get(opt).hyperparams:
            for inp in inputs(hp):
                for v in inp.refused:
                    if ("refused", opt, inp.label, v) not in seen:
                        seen.add(("refused", opt, inp.label, v))
                        out.append(({run_key(i, run, hp.name) + inp.suffix: v},
                                    f"Run {i + 1} ({opt}): Invalid {inp.label}: "))
        if opt in ("momentum", "nesterov") and ("nesterov", opt) not in seen:
            seen.add(("nesterov", opt))
            out.append(({run_key(i, run, "nesterov"): True, run_key(i, run, "momentum"): 0.0,
                         run_key(i, run, "dampening"): 0.0}, "Invalid momentum: 0.0 with nesterov=True"))
            out.append(({run_key(i, run, "nesterov"): True, run_key(i, run, "momentum"): 0.9,
                         run_key(i, run, "dampening"): 0.5}, "Invalid dampening: 0.5 with nesterov=True"))
        if mode == BATCH_MODES[1] and "batch" not in seen:
            seen.add("batch")
            n = n_samples(cmp)
            out.append(({f"cmp.run{i}.batch_size": n + 1}, f"Run {i + 1} ({opt}): invalid batch_size {n + 1}"))
            out.append(({f"cmp.run{i}.accumulate": 10**6}, "would take too long"))
    return out


def test_compare_design_covers_every_value_and_pair_it_promises():
    """The design's own promise, checked without the app: it fails when a declaration gains a value it misses."""
    rows, covered = compare_design()
    assert missing(wanted(), covered) == []
    assert len({t for t in covered if t[0] == "problem x optimizer"}) >= 52  # what the random walk covered
    for cmp, _ in rows:  # every setting value is in the row or in one of its reruns
        edited = [e for stage, _ in setting_reruns(cmp) for e in stage.items()]
        for hp in problems.spec(cmp.problem).settings:
            for inp, (_, v) in zip(inputs(hp), items(hp, cmp.settings[hp.name])):
                key = f"cmp.problem.{cmp.problem}.{hp.name}{inp.suffix}"
                assert set(inp.valid) == {v} | {x for k, x in edited if k == key}, key


def test_compare_combinations_show_results_or_name_the_refused_value():
    rows, _ = compare_design()
    at = open_app()
    history: list = []
    seen: set = set()
    for row in rows:
        enter(at, row, history)
        shows_results(at, row[0], history)
        for edits, text in faults(row, seen):
            before = {k: widgets(at)[k].value for k in edits}
            put(at, edits)
            history.append(edits)
            at.run()
            refused(at, text, history)
            put(at, before)
    assert {("refused", o, "lr", 0.0) for o in OPTIMIZERS} <= seen
    assert {"batch", ("nesterov", "momentum"), ("nesterov", "nesterov")} <= seen


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
#: The interesting values that the rows declined as too long cover.
TOO_LONG = (("steps", 100000), ("steps", 50000), ("lr_points", 200), ("momentum_points", 200))


def make_sweep(rng: random.Random, i: int, covered: set) -> SweepSetup | None:
    """A random sweep with optimizer ``i``, each input drawn among its values not covered yet; None if refused
    or not cheap. (Drawing among all values, three rows with a momentum axis rarely meet all of them.)"""
    values = {}
    for hp in SETTINGS:
        picked = []
        for inp in inputs(hp):
            new = [v for v in inp.valid if (inp.label, v) not in covered and (inp.label, v) not in TOO_LONG]
            picked.append(choose(rng, new if new and rng.random() < 0.8 else inp.valid))
        values[hp.name] = tuple(picked) if hp.kind == "pair" else picked[0]
    setup = SweepSetup(optimizer=SWEEP_OPTIMIZERS[i], **values)
    try:
        problem = setup.validate()
    except ValueError:
        return None
    return setup if setup.work(problem) <= CHEAP else None


def sweep_inputs(setup: SweepSetup) -> list[tuple[Any, Any, Any]]:
    """(declaration, input, value) of each widget the page draws for ``setup``."""
    axis = momentum_hyperparam(setup.optimizer)
    return [(hp, inp, v) for hp in SETTINGS if not (hp.name.startswith("momentum") and axis is None)
            for inp, v in zip(inputs(hp), getattr(setup, hp.name) if hp.kind == "pair" else [getattr(setup, hp.name)])]


def sweep_targets(setup: SweepSetup) -> set[tuple]:
    return {("optimizer", setup.optimizer)} | {(inp.label, v) for _, inp, v in sweep_inputs(setup)}


def test_sweep_combinations_show_a_map_or_name_the_refused_value():
    """Every optimizer kind with a map; each setting's interesting values; each refused value by name."""
    every = {(i.label, v) for hp in SETTINGS for i in inputs(hp) for v in i.valid}
    rows, covered = greedy(make_sweep, sweep_targets, len(SWEEP_OPTIMIZERS), random.Random(SEED),
                           required=every, cost=lambda setup: setup.work(setup.validate()))
    # Values no cheap sweep can take are left to the rows the page declines as too long, below.
    assert every - covered <= set(TOO_LONG), every - covered
    at = goto(open_app(), "playground_app/sweep.py")
    history: list = []
    for setup in rows:
        # Refused first: the page stops before sweeping, so this rerun also brings the optimizer's inputs.
        edits = {"sw.optimizer": setup.optimizer, "sw.lr_range.0": 0.0}
        put(at, edits)
        history.append(edits)
        at.run()
        refused(at, "Invalid lr_range[0]: 0", history)
        edits = {f"sw.{hp.name}{inp.suffix}": v for hp, inp, v in sweep_inputs(setup)}
        put(at, edits)
        history.append(edits)
        at.run()
        assert exceptions(at) == [], history[-1]
        assert at.get("image"), f"no map for {history[-1]}: {[m.value for m in (*at.error, *at.warning)]}"
    # The optimizers not swept above, and the refused values: an open bound, a reversed range, nesterov at
    # momentum 0, a grid too slow for the page. Each starts from a refused lr_range[0] = 0, as above.
    faults = [
        ("momentum", {"sw.momentum_range.1": 1.0}, "Invalid momentum_range[1]: 1"),
        ("gd", {"sw.lr_range.0": 10.0, "sw.lr_range.1": 1.0}, "Invalid lr_range: 10/1. The first value must not exceed"),
        ("adamw", {"sw.steps": 100000, "sw.lr_points": 200, "sw.momentum_points": 200}, "would take too long"),
        ("rmsprop", {"sw.steps": 50000, "sw.lr_points": 200, "sw.momentum_points": 200}, "would take too long"),
        ("nesterov", {"sw.momentum_range.0": 0.0}, "Invalid momentum: 0.0 with nesterov=True"),
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
