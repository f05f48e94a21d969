"""``playground gallery``: the list of the catalogue's bugs, and one bug run buggy and fixed as the app shows it."""
import re

import pytest
from PIL import Image

from playground import gallery
from playground.cli import main


@pytest.mark.parametrize("args", [["gallery"], ["gallery", "list"]])
def test_lists_every_entry_with_its_title_and_source_title(args, capsys):
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()[2:]  # after the header and its rule
    assert [line.split()[0] for line in lines] == gallery.ids()
    for line, entry in zip(lines, gallery.entries()):
        assert entry.title in line and line.rstrip().endswith(entry.source_title)


def test_a_training_bug_shows_both_runs_the_summary_and_draws_the_loss_curves(tmp_path, capsys):
    assert main(["gallery", "run", "linreg-lr-too-large", "--png", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    buggy = next(line for line in out.splitlines() if line.startswith("buggy "))
    fixed = next(line for line in out.splitlines() if line.startswith("fixed "))
    assert re.search(r"diverged at step \d+: the loss reached", buggy)
    assert fixed.rstrip().endswith("ok")
    entry = gallery.get("linreg-lr-too-large")
    assert entry.title in out and entry.run().summary in out
    assert f"Source: {entry.source}." in " ".join(out.split())  # wrapped at 100 columns
    with Image.open(tmp_path / "linreg-lr-too-large-loss.png") as im:
        assert im.format == "PNG"


def test_a_gradient_bug_shows_both_reports_and_its_code_on_request(capsys):
    assert main(["gallery", "run", "mse-missing-factor", "--code"]) == 0  # a demonstration, not a check
    out = capsys.readouterr().out
    assert "mse-missing-factor (buggy)\ngradcheck: wrong" in out
    assert "mse-missing-factor (fixed)\ngradcheck: correct" in out
    assert "--- buggy code ---\ndef back_propagation(" in out and "--- fixed code ---" in out
    assert "2 / len(y) * (y_hat - y)" in out  # the fix itself


@pytest.mark.parametrize("args, message", [
    (["run", "nope"], "Unknown gallery entry 'nope'. Known: linreg-divergent-updater"),
    (["run", "mse-missing-factor", "--png", "figs"], "--png draws a training bug's loss curves"),
])
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    assert main(["gallery", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1
    assert message in err, err
