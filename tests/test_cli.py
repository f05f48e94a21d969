"""The ``playground`` command as a whole: help, exit codes, the progress line, ``app``, and the installed entry points."""
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playground.cli import app, main
from playground.cli.common import ProgressLine, format_table, notice

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["anatomy", "app", "compare", "gallery", "gradcheck", "sweep"]


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: playground {command}")
    assert "example" in out or "examples" in out


def test_no_command_or_an_unknown_option_is_argparses_exit_2(capsys):
    assert main([]) == 2
    assert main(["compare", "--stepz", "3"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --stepz" in err and "Traceback" not in err


class FakeTerminal(io.StringIO):
    def __init__(self, tty=True):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty

    def screen(self):
        """The lines a terminal would show: carriage return, erase-to-end-of-line and newline applied."""
        lines, col = [""], 0
        for token in re.split(r"(\r|\n|\x1b\[K)", self.getvalue()):
            if token == "\r":
                col = 0
            elif token == "\n":
                lines.append("")
                col = 0
            elif token == "\x1b[K":
                lines[-1] = lines[-1][:col]
            else:
                lines[-1] = lines[-1][:col] + token + lines[-1][col + len(token):]
                col += len(token)
        return lines


def test_progress_line_rewrites_itself_on_a_terminal_after_a_short_delay_and_is_erased():
    now = [0.0]
    term = FakeTerminal()
    with ProgressLine("compare", stream=term, clock=lambda: now[0]) as progress:
        progress(10, 1000)  # at once: quick commands print nothing
        assert term.getvalue() == ""
        now[0] = 1.0
        progress(450, 1000)
        assert term.screen() == ["compare: 45% (450/1000 steps)"]
        now[0] = 1.01
        progress(460, 1000)  # within a tenth of a second of the last line: skipped
        assert term.screen() == ["compare: 45% (450/1000 steps)"]
        now[0] = 2.0
        progress(1000, 1000)
        assert term.screen() == ["compare: 100% (1000/1000 steps)"]
    assert term.screen() == [""]  # erased, the cursor at the start of the line


def test_a_notice_replaces_the_progress_line_which_comes_back_below_it():
    now = [1.0]
    term = FakeTerminal()
    with ProgressLine("compare", stream=term, delay=0, clock=lambda: now[0]) as progress:
        progress.status("computing the loss over the plane of the runs")
        notice("wrote loss.png", stream=term)
        progress.status("writing out.gif")
        assert term.screen() == ["wrote loss.png", "compare: writing out.gif"]
    assert term.screen() == ["wrote loss.png", ""]


def test_progress_line_is_silent_when_stderr_is_not_a_terminal():
    now = [0.0]
    log = FakeTerminal(tty=False)
    with ProgressLine("sweep", stream=log, clock=lambda: now[0]) as progress:
        now[0] = 5.0
        progress(1, 2)
        progress.status("writing map.png")
        notice("wrote map.png", stream=log)
    assert log.getvalue() == "wrote map.png\n"


def test_tables_align_numbers_right_and_show_missing_values_as_a_dash():
    text = format_table([{"run": "gd", "loss": 0.123456789, "steps": None},
                         {"run": "adam lr=0.1", "loss": 12.0, "steps": 40}])
    header, rule, first, second = text.splitlines()
    assert header.split() == ["run", "loss", "steps"]
    assert first.split() == ["gd", "0.123457", "-"] and second.split() == ["adam", "lr=0.1", "12", "40"]
    assert len(first) == len(second) == len(rule)  # right-aligned columns end together


def _checkout_env():
    # This checkout's code, whichever one `pip install -e` pointed the script at.
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_installed_script_runs_and_reports_bad_arguments_without_a_traceback(tmp_path):
    script = shutil.which("playground")
    assert script, "the playground console script is missing: pip install -e ."
    ok = subprocess.run([script, "compare", "--problem", "quadratic", "--opt", "gd:lr=0.1", "--steps", "20"],
                        capture_output=True, text=True, env=_checkout_env(), cwd=tmp_path, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "gd lr=0.1" in ok.stdout
    bad = subprocess.run([script, "compare", "--opt", "adam:lr=abc"], capture_output=True, text=True,
                         env=_checkout_env(), cwd=tmp_path, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr == "playground: error: --opt 'adam:lr=abc': Invalid lr: 'abc' is not a number\n"


def test_python_dash_m_playground_is_the_same_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "playground", "sweep", "--opt", "gd", "--lr-points", "3",
                           "--steps", "10"], capture_output=True, text=True, env=_checkout_env(), cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("linreg: 3 configurations, 10 steps")


def test_a_reader_that_goes_away_early_ends_the_command_quietly(tmp_path):
    # As in `playground sweep ... | head -1`: the pipe is closed before the table is written.
    proc = subprocess.Popen([sys.executable, "-m", "playground", "sweep", "--opt", "gd", "--lr-points", "50",
                             "--steps", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_checkout_env(),
                            cwd=tmp_path)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert err == ""


def test_app_runs_streamlit_on_the_packages_main_script_with_its_settings_then_the_users_flags():
    command = app.streamlit_command(["--server.port", "8502", "--server.address", "0.0.0.0"])
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == ROOT / "playground_app" / "main.py"
    settings = command[5:-4]
    assert settings == app.config_flags(ROOT / "playground_app" / ".streamlit" / "config.toml")
    assert "--server.address=127.0.0.1" in settings and "--server.headless=true" in settings
    # The user's flags come last, so that Streamlit (which keeps a repeated flag's last value) obeys them.
    assert command[-4:] == ["--server.port", "8502", "--server.address", "0.0.0.0"]


def test_the_checkouts_streamlit_settings_are_the_packaged_ones():
    # `streamlit run streamlit_app.py` reads .streamlit/config.toml of the checkout; `playground app` the package's.
    assert (ROOT / ".streamlit" / "config.toml").resolve() == ROOT / "playground_app" / ".streamlit" / "config.toml"


def test_app_settings_without_a_command_line_form_are_refused_by_name(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[server]\naddress = "127.0.0.1"\nfolderWatchList = ["a", "b"]\n')
    with pytest.raises(ValueError, match=r"server.folderWatchList = \['a', 'b'\] has no command-line form"):
        app.config_flags(config)


def test_app_passes_unknown_arguments_to_streamlit_and_returns_its_exit_code(monkeypatch):
    seen = []

    def fake_command(extra):
        seen.append(list(extra))
        return [sys.executable, "-c", "raise SystemExit(3)"]

    monkeypatch.setattr(app, "streamlit_command", fake_command)
    assert main(["app", "--server.port", "8502", "--theme.base=dark"]) == 3
    assert seen == [["--server.port", "8502", "--theme.base=dark"]]


def test_the_command_line_never_imports_streamlit():
    # It only starts Streamlit in a subprocess: `playground compare` must not pay for importing it.
    done = subprocess.run([sys.executable, "-c", "import sys, playground.cli, playground.cli.app; "
                           "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"],
                          capture_output=True, text=True, env=_checkout_env(), timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("args", [["compare", "--steps"], ["sweep", "--lr-points"], ["compare", "--frames", "x"],
                                  ["nosuch"], ["gradcheck", "--n-samples", "many"]])
def test_argparse_errors_are_one_line_without_the_usage_block(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and err.count("\n") == 1, err


def test_a_huge_value_is_quoted_as_a_short_excerpt(capsys):
    assert main(["compare", "--problem", "x" * 50_000_000]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and "Unknown problem" in err and err.count("\n") == 1 and len(err) < 500
