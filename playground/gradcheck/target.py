"""What a gradient check checks: one record, whoever builds it (a problem, a gallery bug, the user's own code)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from optimizers.tree import Tree

from .check import EpsSweep, eps_sweep, gradcheck
from .report import GradcheckReport


@dataclass(frozen=True, eq=False)
class Target:
    """The loss ``f(params)``, the gradient ``grad(params)`` under test, and the point ``params``.

    - ``n_samples``: how many samples ``f`` averages over, so the diagnosis
      can name factors such as 1/m (None: unknown);
    - ``batched``: ``f`` takes a leading batch axis (the problems do), which
      makes the check one vectorised call;
    - ``label`` names the target in a report, ``note`` says in words what is checked;
    - ``method`` and ``eps``: the method and step its source used, the
      defaults of :meth:`run`.
    """

    f: Callable[[Tree], Any]
    grad: Callable[[Tree], Tree]
    params: Tree
    n_samples: int | None = None
    batched: bool = False
    label: str = ""
    note: str = ""
    method: str = "central"
    eps: float | None = None

    def run(self, method: str | None = None, eps: float | None = None) -> GradcheckReport:
        """The check (:func:`~playground.gradcheck.gradcheck`), by ``method`` at ``eps`` or this target's own."""
        return gradcheck(self.f, self.grad, self.params, method=method or self.method,
                         eps=self.eps if eps is None else eps, n_samples=self.n_samples, batched=self.batched)

    def eps_sweep(self) -> EpsSweep:
        """Error against eps for every method, at this point (:func:`~playground.gradcheck.eps_sweep`)."""
        return eps_sweep(self.f, self.grad, self.params, batched=self.batched)
