"""ipywidgets panels: escape explorer, benchmark lab, before/after comparer, exercises.

What it does: builds small ipywidgets 8 panels around golab's analysers.
Every panel keeps its pieces as attributes (``panel.case``, ``panel.run``,
``panel.view`` ...) so a test, or a notebook cell, can set values and press
buttons (``button.click()``) without a browser and then read ``view.value``.
Results are drawn as HTML into ``ipywidgets.HTML`` widgets (their value is a
string: easy to test, small to save); plotly charts go through
:mod:`golab.render_measure` when it exists.  Long work (benchmarks) runs in a
background thread so the kernel stays responsive; while it runs, the Run
button turns into Cancel, so a second click never starts an overlapping run.
Errors (compile error, panic, timeout) are shown as messages in the panel,
never as tracebacks, and the next run works.

Exercises (:func:`stack_or_heap`, :func:`allocs_per_op`) ask a question,
take the learner's prediction and grade it against what the compiler or a
real benchmark says at that moment (never a stored answer key).  Each is also
gradable without any UI: ``ex.grade(answer)`` returns a :class:`Grade`
(``correct``, the truth, an explanation in the compiler's words), whose
``__repr__`` and ``_repr_html_`` are deterministic so nbval can compare them.

What it reads: Go source text or paths (as :func:`golab.snippet.load` takes).

What it returns: widget objects and :class:`Grade` values.  It never runs
``go`` itself: it calls :func:`golab.escape`, :mod:`golab.bench`,
:func:`golab.run`.
"""

from __future__ import annotations

import dataclasses
import html
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable

import ipywidgets as W

from .escape import EscapeReport, escape
from .render import escape_html, highlight_lines
from .render_widgets import Notice, box, error_html
from .toolchain import GolabError

# ---------------------------------------------------------------- grades


@dataclasses.dataclass
class Grade:
    """The verdict on one prediction: plain data with deterministic views."""

    question: str
    answer: Any
    truth: Any
    correct: bool
    explanation: str  # the compiler's (or the benchmark's) own words, and why

    def __repr__(self) -> str:
        mark = "correct" if self.correct else "not quite"
        return f"{mark}: you said {self.answer!r}, the truth is {self.truth!r}\n{self.explanation}"

    def _repr_html_(self) -> str:
        head = (
            f"<b>{'Correct' if self.correct else 'Not quite'}</b>: you said <code>{html.escape(str(self.answer))}</code>, "
            f"the answer is <code>{html.escape(str(self.truth))}</code>."
        )
        body = "".join(f"<div>{html.escape(line)}</div>" for line in self.explanation.splitlines())
        return box("ok" if self.correct else "bad", head + body, cls="golab-grade")


class Exercise:
    """A predict-then-reveal question.  Subclasses define ``truth`` and ``_judge``."""

    question: str = ""
    choices: tuple | None = None  # options for a choice answer, else a number answer
    background = False  # grade in a thread (slow truths: benchmarks)

    def truth(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def grade(self, answer) -> Grade:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------ UI
    def question_html(self) -> str:
        return f"<div>{html.escape(self.question)}</div>"

    @property
    def ui(self) -> W.VBox:
        if getattr(self, "_ui", None) is None:
            self._ui = self._build()
        return self._ui

    def _build(self) -> W.VBox:
        prompt = W.HTML(self.question_html())
        if self.choices:
            self.answer = W.ToggleButtons(options=list(self.choices), value=None, description="")
        else:
            self.answer = W.IntText(value=0, description="your answer", style={"description_width": "initial"})
        self.submit = W.Button(description="Submit", button_style="primary", icon="check")
        self.result = W.HTML("")
        self.grade_value: Grade | None = None
        self._thread: threading.Thread | None = None
        self.submit.on_click(lambda _b: self._on_submit())
        return W.VBox([prompt, W.HBox([self.answer, self.submit]), self.result], layout=W.Layout(width="100%"))

    def _on_submit(self) -> None:
        answer = self.answer.value
        if answer is None:
            self.result.value = box("warn", "Pick an answer first, then press Submit.", cls="golab-status")
            return
        if self._thread is not None and self._thread.is_alive():
            self.result.value = box("info", "Still checking your last answer…", cls="golab-status")
            return
        self.submit.disabled = True
        self.result.value = box("info", "Asking the Go toolchain…", cls="golab-status")

        def work():
            try:
                self.grade_value = self.grade(answer)
                self.result.value = self.grade_value._repr_html_()
            except (GolabError, ValueError) as exc:
                self.result.value = error_html(exc)
            finally:
                self.submit.disabled = False

        if self.background:
            self._thread = threading.Thread(target=work, daemon=True)
            self._thread.start()
        else:
            work()

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background grading finishes (for tests)."""
        if getattr(self, "_thread", None) is not None:
            self._thread.join(timeout)

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)


def _quoted_excerpt(text: str, line: int, context: int = 3) -> str:
    """Highlighted source with ``line`` marked, without any compiler badges."""
    lines = highlight_lines(text)
    first, last = max(1, line - context), min(len(lines), line + context)
    rows = []
    for n in range(first, last + 1):
        mark = "background:#fff3b0;" if n == line else ""
        rows.append(
            f'<div style="white-space:pre;{mark}"><span style="color:#999;display:inline-block;width:3em;'
            f'text-align:right;margin-right:1em">{n}</span>{lines[n - 1] or " "}</div>'
        )
    return (
        '<div style="font-family:var(--jp-code-font-family,monospace);background:#f8f8f8;color:#222;'
        f'padding:6px 8px;border-radius:4px;overflow-x:auto">{"".join(rows)}</div>'
    )


# ---------------------------------------------------------------- stack or heap


class StackOrHeap(Exercise):
    """"Stack or heap?" for one line, graded against the compiler (``-m=2``)."""

    choices = ("stack", "heap")

    def __init__(self, source, line: int | None = None, find: str | None = None, file: str | None = None,
                 *, inline: bool = True, name: str = "exercise.go") -> None:
        if (line is None) == (find is None):
            raise ValueError("give either line=N or find='text on that line'")
        self.source, self.inline, self.name = source, inline, name
        report = self._report()
        self.file = file or next(iter(report.sources))
        if self.file not in report.sources:
            raise ValueError(f"{file!r} is not one of the files: {', '.join(report.sources)}")
        self.line = report.find_line(find, self.file) if find is not None else int(line)
        self.code = report.sources[self.file].splitlines()[self.line - 1].strip()
        self.question = f"Line {self.line} of {self.file}: `{_strip_annotations(self.code)}` — does it put anything on the heap, or does everything stay on the stack?"

    def _report(self) -> EscapeReport:
        report = escape(self.source, level=2, inline=self.inline, name=self.name)
        if report.errors:
            raise GolabError("the exercise's code does not compile: " + "; ".join(map(str, report.errors)))
        return report

    def truth(self) -> str:
        """"heap" or "stack", from the compiler, now."""
        return self._report().placement(self.line, self.file)

    def grade(self, answer) -> Grade:
        norm = str(answer).strip().lower().removeprefix("on the ").removeprefix("the ")
        if norm not in self.choices:
            raise ValueError(f"answer 'stack' or 'heap', not {answer!r}")
        report = self._report()
        truth = report.placement(self.line, self.file)
        decisions = [d for d in report.on_line(self.line, self.file) if d.kind not in ("can-inline", "cannot-inline", "inlining-call")]
        lines = []
        for d in decisions:
            lines.append(f"compiler ({report.go_version}, -m=2) at {d.file}:{d.line}:{d.column}: {d.message}")
            lines.extend(f"    {step}" for step in d.flow)
        if not lines:
            lines.append(
                f"The compiler ({report.go_version}) reports no heap allocation on this line: "
                "its values stay on the stack (or in registers)."
            )
        elif truth == "stack":
            lines.append("Nothing on this line escapes, so it stays on the stack.")
        return Grade(self.question, norm, truth, norm == truth, "\n".join(lines))

    def question_html(self) -> str:
        text = self._report().sources[self.file]
        return (
            f"<div><b>Stack or heap?</b> Line {self.line} of <code>{html.escape(self.file)}</code>: "
            "does the compiler put anything on this line on the heap?</div>" + _quoted_excerpt(text, self.line)
        )


_ANNOTATION = re.compile(r"\s*//\s*(?:want|guide)\b.*$")


def _strip_annotations(code: str) -> str:
    return _ANNOTATION.sub("", code)


def stack_or_heap(source, line: int | None = None, find: str | None = None, file: str | None = None, **kwargs) -> StackOrHeap:
    """A "stack or heap?" exercise for the line ``line`` (or the first line containing ``find``).

    >>> ex = stack_or_heap(src, find="x := 42")
    >>> ex.grade("heap")          # no UI needed (nbval)
    >>> ex.ui                     # or display ``ex``: ToggleButtons + Submit
    """
    return StackOrHeap(source, line=line, find=find, file=file, **kwargs)


# ---------------------------------------------------------------- shared helpers


def examples_dir() -> Path | None:
    """The repository's go_examples folder, if golab runs from a checkout."""
    env = os.environ.get("GOLAB_EXAMPLES")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parent.parent / "go_examples", Path.cwd() / "go_examples", Path.cwd().parent / "go_examples"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


def guide_escape_cases() -> dict[str, str]:
    """The guide's escape examples, one case each (from go_examples/escapecases),
    then whole example programs about escapes."""
    root = examples_dir()
    cases: dict[str, str] = {}
    if root is None:
        return cases
    main = root / "escapecases" / "main.go"
    if main.is_file():
        text = main.read_text()
        body = text.split("\nfunc main()", 1)[0]
        parts = re.split(r"(?m)^(?=// Example \d+:)", body)
        for part in parts[1:]:
            title = part.splitlines()[0].removeprefix("// ").strip()
            cases[title] = part.strip() + "\n"
    for folder, title in (
        ("escapecases", "all six escape cases (escapecases/)"),
        ("users", "createUser / createUsers (users/)"),
        ("receivers", "value vs pointer receivers (receivers/)"),
        ("points", "points: heap version (points/)"),
        ("points_alloc", "points: allocating version (points_alloc/)"),
        ("prealloc", "preallocation (prealloc/)"),
        ("pool", "sync.Pool (pool/)"),
        ("processusers", "processUsers (processusers/)"),
        ("stackframes", "stack frames (stackframes/)"),
    ):
        if (root / folder).is_dir():
            cases[title] = str(root / folder)
    return cases


def _status(kind: str, text: str) -> str:
    return box(kind, html.escape(text), cls="golab-status")


# ---------------------------------------------------------------- escape explorer


class EscapeExplorer(W.VBox):
    """Pick a case, a ``-m`` level, inlining on/off, flow on/off: the annotated view updates."""

    def __init__(self, cases: dict[str, str] | None = None) -> None:
        self.cases = dict(cases) if cases else guide_escape_cases()
        if not self.cases:
            raise GolabError("no cases to explore: pass cases={'name': go_source_or_path} (go_examples/ was not found)")
        self.case = W.Dropdown(options=list(self.cases), description="case")
        self.level = W.ToggleButtons(options=[("-m", 1), ("-m=2 (why)", 2)], value=2, description="level")
        self.inline = W.Checkbox(value=True, description="inlining", indent=False)
        self.flow = W.Checkbox(value=True, description="show flow", indent=False)
        self.show_inlining = W.Checkbox(value=False, description="inlining notes", indent=False)
        self.view = W.HTML("")
        self.report: EscapeReport | Notice | None = None
        for w in (self.case, self.level, self.inline, self.flow, self.show_inlining):
            w.observe(lambda _change: self.refresh(), names="value")
        controls = W.HBox([self.case, self.level, self.inline, self.flow, self.show_inlining], layout=W.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.view])
        self.refresh()

    def refresh(self) -> None:
        source = self.cases[self.case.value]
        name = "case.go"
        try:
            report = escape(source, level=self.level.value, inline=self.inline.value, name=name)
        except GolabError as exc:
            self.report = Notice.from_error(exc, "escape analysis")
            self.view.value = self.report._repr_html_()
            return
        self.report = report
        self.view.value = escape_html(report, show_inlining=self.show_inlining.value, show_flow=self.flow.value)


def escape_explorer(cases: dict[str, str] | None = None) -> EscapeExplorer:
    """An escape explorer over ``cases`` ({title: Go source or path}); default: the guide's examples."""
    return EscapeExplorer(cases)
