"""A tour of what the library shows in a notebook: a comparison, a gradient check, a sweep, a gallery bug.

The file is a notebook in Jupytext's "percent" format: each ``# %%`` line
starts a cell. Open it as a notebook in VS Code (the Python extension runs
the cells as they are), or in Jupyter with jupytext installed
(``pip install jupytext``, then "Open With > Notebook" on the file in
JupyterLab, or ``jupytext --to notebook examples/notebook_tour.py`` for an
``.ipynb``). In a notebook, the last line of each cell shows its result.

As a plain script it shows the same results on one HTML page::

    python examples/notebook_tour.py tour.html

(without an argument, ``notebook_tour.html`` in the temporary directory) and
prints the page's path.
"""
# %%
import sys
import tempfile
from pathlib import Path

import numpy as np

from playground import gallery, problems, sweep
from playground.gradcheck import gradcheck
from playground.setups.comparison import Comparison
from playground.training.run_spec import RunSpec
from playground.viz import notebook

# %% [markdown]
# Three optimizers from the same start on the Rosenbrock valley. The results are a list of
# trajectories; in a notebook they show as the player (press Play), the loss curves and the table.

# %%
results = Comparison("rosenbrock", runs=(RunSpec("gd", {"lr": 1e-3}), RunSpec("momentum", {"lr": 5e-4}),
                                         RunSpec("adam", {"lr": 0.05})), steps=300).run()
results

# %% [markdown]
# A hand-written gradient with a bug: the bias's gradient lacks the 2 of the square. The report
# says which block is wrong and by what factor. In a test, `assert_gradients_match(loss, grad, params)`
# raises an AssertionError carrying the same report.

# %%
rng = np.random.default_rng(0)
X, y = rng.normal(size=(20, 3)), rng.normal(size=20)


def loss(p):
    return np.mean((X @ p["w"] + p["b"] - y) ** 2)


def grad(p):
    r = X @ p["w"] + p["b"] - y
    return {"w": 2 * X.T @ r / len(y), "b": np.mean(r)}


report = gradcheck(loss, grad, {"w": rng.normal(size=3), "b": np.array(0.5)})
report

# %% [markdown]
# Heavy-ball momentum over a grid of learning rates and momenta, with the theoretical edge of stability.

# %%
p = problems.linear_regression()
swept = sweep(p, "momentum", lrs=np.geomspace(0.01, 4, 24) / p.lipschitz, momenta=np.linspace(0, 0.95, 12),
              steps=200)
swept

# %% [markdown]
# A bug from a public thread, buggy beside fixed, both checked.

# %%
entry = gallery.get("mse-missing-factor")
entry

# %% [markdown]
# The same displays on one HTML page, to share or to look at outside a notebook.

# %%
# A script takes the page's path as its argument; a notebook kernel's own arguments are not a path to write.
given = [arg for arg in sys.argv[1:] if arg.endswith(".html")]
out = Path(given[0]) if given else Path(tempfile.gettempdir()) / "notebook_tour.html"
out.write_text(notebook.page(results, report, swept, entry, title="optimizer-playground notebook tour"),
               encoding="utf-8")
print(out)
