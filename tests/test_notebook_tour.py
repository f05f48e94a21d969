"""examples/notebook_tour.py runs top to bottom as a script and writes its displays to one page."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_tour_runs_and_writes_every_display(tmp_path):
    out = tmp_path / "tour.html"
    # This checkout's package first, whichever copy of it is installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "examples/notebook_tour.py", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<section class='pg-cell'>") == 4
    assert page.count('class="tp-embed"') == 1 and "pg-comparison" in page and "pg-sweep" in page
    assert page.count('class="gradcheck-report"') == 3  # the tour's own check, and the entry's two
    assert "analytic = 1/2 × numeric" in page and "MSE backprop off by a constant" in page
