"""What a gallery entry is: a public bug's source, its buggy and fixed code, how to run both, and how to repeat it.

Two kinds:

- :class:`TrajectoryEntry`: the bug shows in training. ``run()`` returns two
  :class:`~playground.training.runner.Trajectory` objects made by the runner, and
  ``comparison`` is the setup for the Compare page.
- :class:`GradientEntry`: the bug is in a hand-written gradient. ``run()`` returns
  two :class:`~playground.gradcheck.GradcheckReport` objects, and
  ``buggy_check``/``fixed_check`` are the setups for the Gradient check page.

``buggy`` and ``fixed`` are the code itself (a function or a class, or a tuple
of them when the bug spans several, e.g. a cost and its backprop), written the
way its source wrote it; ``buggy_code``/``fixed_code`` are their source code,
for showing side by side.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Tuple, Union


from ..setups.comparison import Comparison
from ..gradcheck import GradcheckReport, Target
from ..training.runner import Trajectory

Outcome = Union[Trajectory, GradcheckReport]
Code = Union[Callable[..., Any], Tuple[Callable[..., Any], ...]]


@dataclass(frozen=True)
class Result:
    """One run of an entry: the buggy and the fixed outcome, and what they show in a few sentences.

    ``summary`` is computed from the two outcomes, never written in advance.
    """

    buggy: Outcome
    fixed: Outcome
    summary: str


@dataclass(frozen=True, eq=False)
class Entry:
    """A bug from a public thread or article: where it comes from, why it happens, and its buggy and fixed code.

    The entry cites its source itself, in the project's own words:
    ``source_kind`` says what it is ("Stack Overflow question", "blog post",
    ...), ``source_title`` is its title as published, or, in square brackets, a
    short description of it where the title is not known; ``what_the_user_saw``
    is the symptom its author reported (or, for a warning or a textbook result
    rather than a bug report, what anyone running such code sees).
    ``setup_note`` says what the setup for the app's pages holds and what it
    cannot hold; ``kind`` is "trajectory" or "gradcheck", the kind of outcome
    ``run()`` returns.
    """

    id: str
    title: str
    source_kind: str
    source_title: str
    what_the_user_saw: str
    explanation: str
    buggy: Code
    fixed: Code
    setup_note: str

    kind = ""  # set by each subclass

    @property
    def source(self) -> str:
        """The citation in one line, as the app and the CLI show it.

        ``Stack Overflow question "Backpropagation bug"``; a bracketed
        description stands unquoted: ``textbook result [the step-size bound ...]``.
        """
        if self.source_title.startswith("["):
            return f"{self.source_kind} {self.source_title}"
        return f'{self.source_kind} "{self.source_title}"'

    @property
    def buggy_code(self) -> str:
        return _source(self.buggy)

    @property
    def fixed_code(self) -> str:
        return _source(self.fixed)

    def run(self) -> Result:
        """Run the buggy and the fixed code; deterministic, and computed afresh on every call."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}: {self.title})"

    def _repr_html_(self) -> str:
        """The entry in a notebook, run afresh: :func:`playground.viz.notebook.entry_html`."""
        # playground.viz draws what the catalogue computes and sits above it: imported when shown, not here.
        from ..viz.notebook import entry_html
        return entry_html(self)


@dataclass(frozen=True, eq=False, repr=False)
class TrajectoryEntry(Entry):
    """An entry whose bug shows in training; ``compute()`` makes both trajectories through the runner.

    ``comparison`` repeats the fixed run (and the buggy one, when it is a setting
    the Compare page has) with the registered optimizers.
    """

    compute: Callable[[], Result]
    comparison: Comparison

    kind = "trajectory"

    def run(self) -> Result:
        return self.compute()


@dataclass(frozen=True, eq=False, repr=False)
class GradientEntry(Entry):
    """An entry whose bug is in a gradient: the same check run on the buggy and on the fixed gradient."""

    buggy_check: Target
    fixed_check: Target

    kind = "gradcheck"

    def run(self) -> Result:
        buggy, fixed = self.buggy_check.run(), self.fixed_check.run()
        return Result(buggy, fixed, _report_lines("buggy", buggy) + "\n" + _report_lines("fixed", fixed))


def _source(code: Code) -> str:
    parts = code if isinstance(code, tuple) else (code,)
    return "\n\n".join(inspect.getsource(part) for part in parts)


def _report_lines(label: str, report: GradcheckReport) -> str:
    """The verdict, then one line per flagged block with its diagnosis."""
    lines = [f"{label} gradient: {report.verdict} (rel error {report.rel_error:.2g})"]
    lines += [f"  {', '.join(names)}: {text}" for names, text in report.diagnoses()]
    return "\n".join(lines)
