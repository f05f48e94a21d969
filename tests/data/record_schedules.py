"""Record the reference of tests/test_schedules_vs_torch.py with torch. Run by hand; not part of the suite.

In a scratch venv outside the checkout (``VENV``), from the repository root::

    python -m venv VENV
    VENV/bin/pip install torch==2.13.0 numpy   # the CPU build
    VENV/bin/python tests/data/record_schedules.py

Everything runs in float64 with ``foreach=False``. Each step: the loss and
gradient at torch's own iterate (numpy, ``tests/schedule_oracle.py``), then
``optimizer.step()``, then ``scheduler.step()`` (``scheduler.step(loss)`` for
ReduceLROnPlateau, with the loss of the point the step started from). The lr
and momentum (or beta1) each step used are read from the param group before
the step.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests")]

import schedule_oracle as oracle  # noqa: E402

SCHEDULERS = {"step": "StepLR", "multistep": "MultiStepLR", "constant": "ConstantLR", "linear": "LinearLR",
              "exponential": "ExponentialLR", "polynomial": "PolynomialLR", "cosine": "CosineAnnealingLR",
              "cosine_restarts": "CosineAnnealingWarmRestarts", "cyclic": "CyclicLR", "one_cycle": "OneCycleLR",
              "plateau": "ReduceLROnPlateau", "sequential": "SequentialLR"}


def make_optimizer(name, hp, params):
    if name in ("gd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=hp["lr"], momentum=hp.get("momentum", 0.0), nesterov=name == "nesterov",
                               foreach=False)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}[name]
    return cls(params, **hp, foreach=False)


def make_scheduler(opt, name, kw):
    cls = getattr(torch.optim.lr_scheduler, SCHEDULERS[name])
    if name == "sequential":
        subs = [make_scheduler(opt, n, k) for n, k in kw["schedules"]]
        return cls(opt, subs, milestones=kw["milestones"])
    if name in ("cyclic", "one_cycle") and opt.defaults.get("momentum", None) == 0 and "betas" not in opt.defaults:
        kw = dict(kw, cycle_momentum=False)  # torch's SGD declares momentum=0; the numpy gd has none to cycle
    return cls(opt, **kw)


def record(case):
    opt_name, hp, sched_name, kw = oracle.CASES[case]
    p = torch.tensor(oracle.START.copy(), requires_grad=True)
    opt = make_optimizer(opt_name, hp, [p])
    sched = make_scheduler(opt, sched_name, kw)
    traj, lrs, moms = [p.detach().numpy().copy()], [], []
    for _ in range(oracle.STEPS):
        loss, g = oracle.loss_and_grad(p.detach().numpy())
        p.grad = torch.tensor(g)
        group = opt.param_groups[0]
        lrs.append(float(group["lr"]))
        moms.append(float(group["betas"][0] if "betas" in group else group.get("momentum", np.nan)))
        opt.step()
        sched.step(loss) if sched_name == "plateau" else sched.step()
        traj.append(p.detach().numpy().copy())
    return np.array(traj), np.array(lrs), np.array(moms)


def main():
    torch.set_default_dtype(torch.float64)
    out = {}
    for case in oracle.CASES:
        traj, lrs, moms = record(case)
        out[f"traj/{case}"], out[f"lrs/{case}"], out[f"momenta/{case}"] = traj, lrs, moms
    meta = {"torch": torch.__version__, "steps": oracle.STEPS, "cases": oracle.CASES}
    oracle.FILE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(oracle.FILE, meta=json.dumps(meta), **out)
    print(f"wrote {oracle.FILE} ({len(oracle.CASES)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
