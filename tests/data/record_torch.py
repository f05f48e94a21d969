"""Record the reference trajectories of tests/test_optimizers_vs_torch.py. Run by hand; not part of the suite.

torch and the other references are not dependencies of this project. To
refresh ``tests/data/torch/*.npz``, make a scratch venv outside the checkout
(``VENV`` below stands for its directory) and run this script with it from
the repository root::

    python -m venv VENV
    VENV/bin/pip install torch==2.13.0 numpy   # the CPU build; unpinned pulls in CUDA
    VENV/bin/pip install lion-pytorch schedulefree
    VENV/bin/python tests/data/record_torch.py [name ...]   # default: every name in CASES

The recorded files were made with torch 2.13.0, lion-pytorch 0.2.5 and
schedulefree 1.4.1 (each file's ``meta`` says which).

Everything runs in float64 (``torch.set_default_dtype``, so step counters and
ASGD's eta and mu are float64 too) with ``foreach=False``: the single-tensor
code path that the numpy optimizers transcribe. The gradients come from
``tests/torch_oracle.py`` in numpy, evaluated at torch's own iterate.

Two references need a note:

- ``torch.optim.Muon`` casts to bfloat16 inside its Newton-Schulz iteration
  (``_zeropower_via_newtonschulz``). The recording replaces that one function
  by a copy of torch 2.13.0's source without the cast, so the rest of
  torch's Muon step runs unchanged in float64. Muon takes the 2-D blocks; the
  other blocks go to ``torch.optim.AdamW`` with the ``adamw_*`` settings.
- Schedule-Free methods keep ``p`` at y, where gradients are taken. The
  averaged point x is recorded from a copy, with the very ``lerp`` that
  ``optimizer.eval()`` applies, so the training iterate is not disturbed by
  eval/train round trips.
"""
from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import optimizers  # noqa: E402  (our declared defaults fill in what a case leaves out)
import torch_oracle as oracle  # noqa: E402

SAME_NAME = {"adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad", "asgd": "ASGD",
             "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "NAdam", "radam": "RAdam", "rprop": "Rprop",
             "adafactor": "Adafactor"}


def reference_class(name):
    if name in SAME_NAME:
        return getattr(torch.optim, SAME_NAME[name]), "torch"
    if name in ("gd", "momentum", "nesterov"):
        return torch.optim.SGD, "torch"
    if name == "muon":
        return torch.optim.Muon, "torch"
    if name == "lion":
        import lion_pytorch
        return lion_pytorch.Lion, "lion-pytorch"
    import schedulefree
    return {"sgd_schedulefree": schedulefree.SGDScheduleFree,
            "adamw_schedulefree": schedulefree.AdamWScheduleFree}[name], "schedulefree"


def zeropower_via_newtonschulz_float64(grad, ns_coefficients, ns_steps, eps):
    """torch 2.13.0's torch/optim/_muon.py::_zeropower_via_newtonschulz without ``grad.bfloat16()``."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    ortho_grad = grad.clone()  # torch: grad.bfloat16()
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    ortho_grad.div_(ortho_grad.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram_matrix = ortho_grad @ ortho_grad.T
        gram_update = torch.addmm(gram_matrix, gram_matrix, gram_matrix, beta=b, alpha=c)
        ortho_grad = torch.addmm(ortho_grad, gram_update, ortho_grad, beta=a)
    if grad.size(0) > grad.size(1):
        ortho_grad = ortho_grad.T
    return ortho_grad


def build(name, hp, tensors):
    """The reference optimizers stepping ``tensors`` (block name -> leaf tensor) with our ``hp``."""
    cls, _ = reference_class(name)
    params = list(tensors.values())
    if name == "gd":
        return [cls(params, lr=hp["lr"], foreach=False)]
    if name == "muon":
        matrices = [p for p in params if p.ndim == 2]
        rest = [p for p in params if p.ndim != 2]
        muon_hp = {k: v for k, v in hp.items() if not k.startswith("adamw_")}
        out = [cls(matrices, **muon_hp)]
        if rest:
            out.append(torch.optim.AdamW(rest, lr=hp["adamw_lr"], betas=hp["adamw_betas"], eps=hp["adamw_eps"],
                                         weight_decay=hp["adamw_weight_decay"], amsgrad=False, foreach=False))
        return out
    if name == "lion":
        return [cls(params, **hp)]  # no foreach: lion-pytorch loops over tensors
    return [cls(params, **hp, foreach=False)]


def eval_point(name, opt, p):
    """The averaged point a user evaluates, or None for methods that do not average."""
    state = opt.state[p]
    if name in ("sgd_schedulefree", "adamw_schedulefree"):
        group = opt.param_groups[0]
        beta = group["momentum"] if name == "sgd_schedulefree" else group["betas"][0]
        return p.detach().clone().lerp_(end=state["z"], weight=1 - 1 / beta)  # what opt.eval() does to p
    if name == "asgd":
        return state["ax"].detach().clone()
    return None


def torch_kwargs(hp):
    """Our full hyperparameters as the reference's keywords: the same names, pairs as tuples."""
    return {k: tuple(v) if isinstance(v, (tuple, list)) else v for k, v in hp.items()}


def record(name):
    cases = oracle.CASES[name]
    cls, package = reference_class(name)
    arrays, meta_cases = {}, []
    if name == "muon":
        torch.optim._muon._zeropower_via_newtonschulz = zeropower_via_newtonschulz_float64
    for label, hp, problem in cases:
        full = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in optimizers.create(name, **hp).hp.items()}
        start = oracle.start(problem)
        p0 = oracle.blocks(start)
        tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p0.items()}
        opts = build(name, torch_kwargs(full), tensors)
        for opt in opts:
            if hasattr(opt, "train"):
                opt.train()  # Schedule-Free: gradients are taken at y
        traj = {k: [v.copy()] for k, v in p0.items()}
        evals = {k: [] for k in p0}
        for t in range(1, oracle.STEPS + 1):
            now = {k: v.detach().numpy().copy() for k, v in tensors.items()}
            g = oracle.blocks(oracle.grad(problem, now if isinstance(start, dict) else now["array"], t))
            for k, v in tensors.items():
                v.grad = torch.tensor(g[k], dtype=torch.float64)
            for opt in opts:
                opt.step()
            for k, v in tensors.items():
                traj[k].append(v.detach().numpy().copy())
                owner = next(o for o in opts if any(q is v for q in o.param_groups[0]["params"]))
                x = eval_point(name, owner, v)
                if x is not None:
                    evals[k].append(x.numpy().copy())
        for k in p0:
            arrays[f"traj/{label}/{k}"] = np.array(traj[k])
            if evals[k]:
                arrays[f"eval/{label}/{k}"] = np.array(evals[k])
        meta_cases.append({"label": label, "hp": hp, "problem": problem})
    defaults = {k: (list(v.default) if isinstance(v.default, tuple) else v.default)
                for k, v in inspect.signature(cls.__init__).parameters.items()
                if v.default is not inspect.Parameter.empty}
    import importlib.metadata as md
    meta = {"name": name, "reference": f"{cls.__module__}.{cls.__qualname__}",
            "version": f"{package} {md.version(package)}", "torch": torch.__version__,
            "steps": oracle.STEPS, "cases": meta_cases, "reference_defaults": defaults}
    if name == "muon":
        meta["note"] = ("Newton-Schulz in float64: torch's _zeropower_via_newtonschulz without its bfloat16 cast; "
                        "non-matrix blocks stepped by torch.optim.AdamW")
    oracle.DATA.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(oracle.DATA / f"{name}.npz", meta=np.array(json.dumps(meta)), **arrays)
    print(f"{name}: {len(cases)} cases -> {oracle.DATA / (name + '.npz')}")


def main(argv):
    torch.set_default_dtype(torch.float64)
    for name in argv or list(oracle.CASES):
        record(name)


if __name__ == "__main__":
    main(sys.argv[1:])
