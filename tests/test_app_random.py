"""Random widget combinations: each gives results or a message, never a crash.

On the Compare page, one seeded sequence of edits, as a user would make them
one after another, with extreme values mixed in: the largest lr a widget
takes, batches larger than the data, accumulating a million batches, six
runs, MLPs, 2-D functions, a tolerance of 0, nesterov without momentum. The
Gradient check and Sweep pages get shorter sequences of the same kind.
"""
import random
import time

import pytest

from app_support import exceptions, goto, open_app

COMBINATIONS = 100


def number_value(rng, widget):
    """A value the browser would accept for ``widget``: its bounds, typical values and extremes."""
    lo, hi = widget.min, widget.max
    current = widget.value
    candidates = [current * 10, current / 10, 0, 1, 2, 3, -1, 10**6, 1e-9]
    if lo is not None:
        candidates.append(lo)
    if hi is not None:
        candidates.append(hi)
    if lo is not None and hi is not None:
        candidates.append(lo + (hi - lo) * rng.random())
    ok = [v for v in candidates if (lo is None or v >= lo) and (hi is None or v <= hi)]
    value = rng.choice(ok or [current])
    return int(value) if isinstance(current, int) else float(value)


def set_random(rng, at, prefix, exclude=()):
    """Give a random input of the page (key starting with ``prefix``) a random value; describe the edit."""
    kind = rng.choice(["number_input", "number_input", "number_input", "selectbox", "checkbox", "radio"])
    widgets = [w for w in getattr(at, kind) if str(w.key).startswith(prefix) and w.key not in exclude]
    if not widgets:
        return "nothing"
    w = rng.choice(widgets)
    if kind == "number_input":
        w.set_value(number_value(rng, w))
    elif kind == "checkbox":
        w.set_value(not w.value)
    elif kind == "radio":
        w.set_value(rng.choice(w.options))
    else:
        w.select_index(rng.randrange(len(w.options)))
    return f"{w.key} -> {w.value!r}"


def edit(rng, at):
    """One edit a user could make on the Compare page; returns a description for the failure message."""
    mine = lambda ws: [w for w in ws if str(w.key).startswith("cmp.")]  # noqa: E731
    choice = rng.random()
    if choice < 0.12:
        box = at.selectbox(key="cmp.problem")
        box.select_index(rng.randrange(len(box.options)))
        return f"problem -> {box.value}"
    if choice < 0.2:
        value = rng.choice([1, 2, 3, 6])
        at.number_input(key="cmp.n_runs").set_value(value)
        return f"runs -> {value}"
    lrs = [w for w in mine(at.number_input) if w.key.endswith(".lr")]
    if choice < 0.28 and lrs:
        w = rng.choice(lrs)
        w.set_value(w.max if w.max is not None else 10.0)
        return f"{w.key} -> {w.value} (huge)"
    if choice < 0.36 and mine(at.radio):
        w = rng.choice(mine(at.radio))
        w.set_value("mini-batch")
        return f"{w.key} -> mini-batch"
    if choice < 0.42:
        sizes = [w for w in mine(at.number_input) if w.key.endswith(("batch_size", "accumulate"))]
        if sizes:
            w = rng.choice(sizes)
            w.set_value(rng.choice([10**6, 1000, 7]))
            return f"{w.key} -> {w.value}"
    return set_random(rng, at, "cmp.", exclude={"cmp.problem"})


def test_random_compare_combinations_never_crash():
    rng = random.Random(20240611)
    at = open_app()
    history = []
    slowest = (0.0, "")
    outcomes = {"results": 0, "message": 0}
    problems_seen = set()
    for i in range(COMBINATIONS):
        history.append([edit(rng, at) for _ in range(rng.randint(1, 3))])
        t0 = time.perf_counter()
        at.run()
        slowest = max(slowest, (time.perf_counter() - t0, str(history[-1])))
        assert exceptions(at) == [], f"combination {i}: {history[-3:]}"
        shown = bool(at.table)  # the results table
        told = bool(at.error or at.warning)
        assert shown or told, f"combination {i} shows neither results nor a message: {history[-3:]}"
        outcomes["results" if shown else "message"] += 1
        problems_seen.add(at.selectbox(key="cmp.problem").value)
    print(f"\n{outcomes}, problems {sorted(problems_seen)}; slowest rerun {slowest[0]:.1f} s after {slowest[1]}")
    assert {"xor", "relu-net", "rosenbrock"} & problems_seen and len(problems_seen) >= 6
    assert outcomes["results"] > 20 and outcomes["message"] > 5  # both paths were exercised


@pytest.mark.parametrize("page, prefix", [("playground_app/gradient_check.py", "gc."), ("playground_app/sweep.py", "sw.")])
def test_random_combinations_on_the_other_pages_never_crash(page, prefix):
    rng = random.Random(7)
    at = goto(open_app(), page)
    history = []
    for i in range(30):
        history.append([set_random(rng, at, prefix) for _ in range(rng.randint(1, 2))])
        at.run()
        assert exceptions(at) == [], f"combination {i}: {history[-3:]}"
        assert at.dataframe or at.get("image") or at.error or at.warning, f"combination {i}: {history[-3:]}"
