"""ipywidgets panels: escape explorer, benchmark lab, before/after comparer, exercises.

What it does: builds small ipywidgets 8 panels around golab's analysers.
Every panel keeps its pieces as attributes (``panel.case``, ``panel.run``,
``panel.view`` ...) so a test, or a notebook cell, can set values and press
buttons (``button.click()``) without a browser and then read ``view.value``.
Results are drawn as HTML into ``ipywidgets.HTML`` widgets (their value is a
string: easy to test, small to save) and plotly charts (``go.Figure``, not
FigureWidget) into an ``ipywidgets.Output``.  Long work (benchmarks) runs in
a background thread so the kernel stays responsive; while it runs, the Run
button turns into Cancel, so a second click never starts an overlapping run.
Errors (compile error, panic, timeout) are shown as messages in the panel,
never as tracebacks, and the next run works.  Buttons size to their label.

Exercises (:func:`stack_or_heap`, :func:`allocs_per_op`) ask a question,
take the learner's prediction and grade it against what the compiler or a
real benchmark says at that moment (never a stored answer key).  Nothing
shown before the learner answers gives the answer away: the excerpt leaves
out ``// want`` / ``// guide`` annotations and any comment that talks about
the stack, the heap, escapes, allocations or inlining.  Each exercise is
also gradable without any UI: ``ex.grade(answer)`` returns a :class:`Grade`
whose explanation is in plain words (the same "why" sentences as the
annotated view) with the compiler's own words kept apart (folded in the
HTML); an answer that is not one (``"stak"``, ``1.5`` allocations) gets a
Grade that says what to answer instead, and reveals nothing.

Benchmark counts and times come from :data:`golab.defaults.BENCH`.

What it reads: Go source text or paths (as :func:`golab.snippet.load` takes).

What it returns: widget objects and :class:`Grade` values.  It never runs
``go`` itself: it calls :func:`golab.escape` and :func:`golab.bench`.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import os
import re
import threading
from pathlib import Path
from typing import Any

import ipywidgets as W

from . import display
from .bench import bench as run_benchmarks
from .bench import compare as run_comparison
from .defaults import bench_defaults
from .escape import INLINE_KINDS, EscapeReport, escape
from .render import code_without_comments, escape_html, go_lines, highlight_lines
from .render_measure import bench_figure, bench_html
from .render_messages import MUTED, Notice, box, error_html, status_html
from .toolchain import GolabError

_AUTO = {"width": "auto"}  # buttons as wide as their label: never "Compare bench..."


def _fill() -> W.Layout:
    """As wide as the panel, margins included (width:100% plus a widget margin spills over the output)."""
    return W.Layout(width="auto", max_width="100%")


def _start(target, *args) -> threading.Thread | None:
    """Run ``target(*args)`` in a daemon thread, so the kernel stays free
    while Go works; where Python cannot start a thread (golab lite's Pyodide
    kernel), run it now and return None."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    try:
        thread.start()
    except RuntimeError:
        target(*args)
        return None
    return thread

# ---------------------------------------------------------------- grades


@dataclasses.dataclass
class Grade:
    """The verdict on one prediction: plain data with deterministic views.

    ``correct`` is None when the answer could not be read (a typo): then
    ``truth`` is None too (nothing is revealed) and ``explanation`` says
    what to answer.  ``details`` holds the compiler's (or the benchmark's)
    own words, shown folded under the plain explanation."""

    question: str
    answer: Any
    truth: Any
    correct: bool | None
    explanation: str  # plain words: why
    details: str = ""  # the tool's own words

    @property
    def understood(self) -> bool:
        return self.correct is not None

    def __repr__(self) -> str:
        if not self.understood:
            return f"not graded: {self.explanation}"
        mark = "correct" if self.correct else "not quite"
        text = f"{mark}: you said {self.answer!r}, the truth is {self.truth!r}\n{self.explanation}"
        return text + (f"\n{self.details}" if self.details else "")

    def _repr_html_(self) -> str:
        return display.to_html(self)


def grade_html(g: Grade) -> str:
    if not g.understood:
        return box("warn", html.escape(g.explanation), cls="golab-grade")
    head = (
        f"<b>{'Correct' if g.correct else 'Not quite'}</b>: you said <code>{html.escape(str(g.answer))}</code>, "
        f"the answer is <code>{html.escape(str(g.truth))}</code>."
    )
    body = "".join(f"<div>{html.escape(line)}</div>" for line in g.explanation.splitlines())
    if g.details:
        body += (
            '<details class="golab-grade-details" style="margin-top:4px"><summary>the compiler\'s own words</summary>'
            f'<pre style="white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0">{html.escape(g.details)}</pre></details>'
        )
    return box("ok" if g.correct else "bad", head + body, cls="golab-grade")


display.register(Grade, html=grade_html)


class Exercise:
    """A predict-then-reveal question.  Subclasses define ``truth`` and ``grade``."""

    question: str = ""
    choices: tuple | None = None  # options for a choice answer, else a number answer
    background = False  # grade in a thread (slow truths: benchmarks)

    def truth(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def grade(self, answer) -> Grade:  # pragma: no cover - abstract
        raise NotImplementedError

    def not_an_answer(self, answer, hint: str) -> Grade:
        """The Grade for an answer that cannot be read: says what to answer, reveals nothing."""
        return Grade(self.question, answer, None, None, hint)

    # ------------------------------------------------------------ UI
    def question_html(self) -> str:
        return f'<div style="line-height:1.4">{html.escape(self.question)}</div>'

    @property
    def ui(self) -> W.VBox:
        if getattr(self, "_ui", None) is None:
            self._ui = self._build()
        return self._ui

    def _build(self) -> W.VBox:
        prompt = W.HTML(self.question_html(), layout=_fill())
        if self.choices:
            self.answer = W.ToggleButtons(options=list(self.choices), value=None, description="",
                                          style={"button_width": "auto"})
        else:
            self.answer = W.Text(value="", placeholder="a whole number", description="your answer",
                                 style={"description_width": "initial"}, layout=W.Layout(width="16em"))
        self.submit = W.Button(description="Submit", button_style="primary", icon="check", layout=_AUTO)
        self.result = W.HTML("", layout=_fill())
        self.grade_value: Grade | None = None
        self._thread: threading.Thread | None = None
        self.submit.on_click(lambda _b: self._on_submit())
        return W.VBox([prompt, W.HBox([self.answer, self.submit], layout=W.Layout(flex_flow="row wrap")), self.result],
                      layout=_fill())

    def _on_submit(self) -> None:
        answer = self.answer.value
        if answer is None or (isinstance(answer, str) and not answer.strip()):
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
                self.result.value = grade_html(self.grade_value)
            except Exception as exc:  # shown in the panel, never a traceback
                self.result.value = error_html(exc)
            finally:
                self.submit.disabled = False

        if self.background:
            self._thread = _start(work)
        else:
            work()

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background grading finishes (for tests)."""
        if getattr(self, "_thread", None) is not None:
            self._thread.join(timeout)

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)


# comments that would give a placement away (or are test machinery)
_TELLING = re.compile(r"(?i)\b(heap|stack|escap\w*|alloc\w*|inlin\w*|moved|leak\w*|want|guide)\b")


def telling_comment(comment: str) -> bool:
    """Does this comment talk about where things live (and so give an answer away)?
    A directive (``//go:noinline``) is code, not a hint: it always shows."""
    return not comment.startswith("//go:") and bool(_TELLING.search(comment))


WHOLE_EXCERPT_LINES = 30  # a snippet this short is shown whole: the answer may hang on a callee above


def _quoted_excerpt(text: str, line: int, context: int = 3) -> str:
    """Highlighted source with ``line`` marked, without badges, annotations or
    telling comments: all of it when it is short, else ``context`` lines
    either side."""
    lines = highlight_lines(text, hide_comment=telling_comment)
    if len(lines) <= WHOLE_EXCERPT_LINES:
        first, last = 1, len(lines)
    else:
        first, last = max(1, line - context), min(len(lines), line + context)
    rows = []
    for n in range(first, last + 1):
        # a translucent mark over the theme's background: the tokens keep their theme colours
        mark = "background:rgba(255,193,7,.22);box-shadow:inset 3px 0 0 #e0a800;" if n == line else ""
        rows.append(
            f'<div class="golab-line" data-line="{n}" style="white-space:pre;{mark}"><span style="{MUTED};display:inline-block;width:3em;'
            f'text-align:right;margin-right:1em;user-select:none">{n}</span>{lines[n - 1] or " "}</div>'
        )
    return (
        '<div class="golab-exercise-excerpt tex2jax_ignore mathjax_ignore" style="font-family:var(--jp-code-font-family,monospace);'
        "background:var(--jp-cell-editor-background,#f7f7f7);color:var(--jp-content-font-color1,#222);"
        f'padding:6px 8px;border-radius:4px;overflow-x:auto">{"".join(rows)}</div>'
    )


# ---------------------------------------------------------------- stack or heap


def _read_placement(answer) -> str | None:
    norm = str(answer).strip().lower().removeprefix("on the ").removeprefix("the ").strip()
    return norm if norm in ("stack", "heap") else None


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
        lines = go_lines(report.sources[self.file])
        if not 1 <= self.line <= len(lines):
            raise ValueError(f"line {self.line} is not in {self.file} (it has {len(lines)} lines)")
        self.code = code_without_comments(lines[self.line - 1])
        self.question = (f"Line {self.line} of {self.file}: `{self.code}` — does it put anything on the heap, "
                         "or does everything stay on the stack?")

    def _report(self) -> EscapeReport:
        report = escape(self.source, level=2, inline=self.inline, name=self.name)
        if report.errors:
            raise GolabError("the exercise's code does not compile: " + "; ".join(map(str, report.errors)))
        return report

    def truth(self) -> str:
        """"heap" or "stack", from the compiler, now."""
        return self._report().placement(self.line, self.file)

    def grade(self, answer) -> Grade:
        norm = _read_placement(answer)
        if norm is None:
            close = difflib.get_close_matches(str(answer).strip().lower(), self.choices, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            return self.not_an_answer(answer, f"{str(answer)!r} is not an answer here: answer 'stack' or 'heap'.{hint}")
        report = self._report()
        truth = report.placement(self.line, self.file)
        decisions = [d for d in report.on_line(self.line, self.file) if d.kind not in INLINE_KINDS]
        return Grade(self.question, norm, truth, norm == truth, self._why(decisions, truth), self._words(report, decisions))

    def _why(self, decisions, truth: str) -> str:
        lines = []
        for d in decisions:
            if d.heap:
                what = f"{d.subject} is moved to the heap" if d.kind == "moved-to-heap" else f"{d.subject} escapes to the heap"
                lines.append(f"{what}. {d.why}" if d.why else f"{what}.")
        if truth == "stack":
            named = [d.subject for d in decisions if d.kind == "does-not-escape"]
            if named:
                lines.append(f"The compiler proves {', '.join(named)} cannot outlive the call, so it stays on the stack.")
            else:
                lines.append("The compiler moves nothing on this line to the heap: its values stay on the stack (or in registers).")
            if "append(" in self.code:
                lines.append("That is the compile-time decision. A slice that grows past its capacity while the "
                             "program runs still gets a new backing array from the heap: count those with allocs/op.")
        return "\n".join(lines)

    def _words(self, report: EscapeReport, decisions) -> str:
        words = []
        for d in decisions:
            words.append(f"{d.file}:{d.line}:{d.column}: {d.message}")
            words.extend(f"    {step}" for step in d.flow)
        return f"{report.go_version} -gcflags=-m=2\n" + ("\n".join(words) if words else "(nothing reported on this line)")

    def question_html(self) -> str:
        text = self._report().sources[self.file]
        return (
            f'<div style="line-height:1.4"><b>Stack or heap?</b> Line {self.line} of <code>{html.escape(self.file)}</code>: '
            "does the compiler put anything on this line on the heap?</div>" + _quoted_excerpt(text, self.line)
        )


def stack_or_heap(source, line: int | None = None, find: str | None = None, file: str | None = None, **kwargs) -> StackOrHeap:
    """A "stack or heap?" exercise for the line ``line`` (or the first line containing ``find``).

    >>> ex = stack_or_heap(src, find="x := 42")
    >>> ex.grade("heap")          # no UI needed (tests)
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
            title = go_lines(part)[0].removeprefix("// ").strip()
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


_status = status_html


# ---------------------------------------------------------------- escape explorer


class EscapeExplorer(W.VBox):
    """Pick a case, a ``-m`` level, inlining on/off, flow on/off, annotations shown or
    hidden (hidden by default): the annotated view updates."""

    def __init__(self, cases: dict[str, str] | None = None) -> None:
        self.cases = dict(cases) if cases else guide_escape_cases()
        if not self.cases:
            raise GolabError("no cases to explore: pass cases={'name': go_source_or_path} (go_examples/ was not found)")
        self.case = W.Dropdown(
            options=list(self.cases), description="case", style={"description_width": "initial"},
            layout=W.Layout(width="max-content", min_width="22em", max_width="100%"),
        )
        self.level = W.ToggleButtons(options=[("-m", 1), ("-m=2 (why)", 2)], value=2, description="level",
                                     style={"button_width": "auto"})
        self.inline = W.Checkbox(value=True, description="inlining", indent=False)
        self.flow = W.Checkbox(value=True, description="show flow", indent=False)
        self.show_inlining = W.Checkbox(value=False, description="inlining notes", indent=False)
        self.annotations = W.Checkbox(value=False, description="// want, // guide", indent=False)
        self.view = W.HTML("", layout=_fill())
        self.report: EscapeReport | Notice | None = None
        for w in (self.case, self.level, self.inline, self.flow, self.show_inlining, self.annotations):
            w.observe(lambda _change: self.refresh(), names="value")
        controls = W.HBox([self.case, self.level, self.inline, self.flow, self.show_inlining, self.annotations],
                          layout=W.Layout(flex_flow="row wrap", width="auto", max_width="100%"))
        super().__init__([controls, self.view], layout=_fill())
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
        self.view.value = escape_html(report, show_inlining=self.show_inlining.value, show_flow=self.flow.value,
                                      show_annotations=self.annotations.value)


def escape_explorer(cases: dict[str, str] | None = None) -> EscapeExplorer:
    """An escape explorer over ``cases`` ({title: Go source or path}); default: the guide's examples."""
    return EscapeExplorer(cases)


# ---------------------------------------------------------------- benchmark lab

_BENCH_FUNC = re.compile(r"^func[ \t]+(Benchmark[A-Z_0-9]\w*)[ \t]*\([ \t]*\w+[ \t]+\*testing\.B[ \t]*\)", re.M)


def benchmark_names(source_or_path) -> list[str]:
    """Benchmark functions declared in the source (read from the text, nothing runs)."""
    from .snippet import load

    snippet = load(source_or_path, name="cell_test.go", include_tests=True)
    names: list[str] = []
    for s in snippet.sources:
        for m in _BENCH_FUNC.finditer(s.text):
            if m.group(1) not in names:
                names.append(m.group(1))
    return names


def _pattern(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(n) for n in names) + ")$"


class BenchmarkLab(W.VBox):
    """Pick benchmarks, count and benchtime; Run measures them in a background thread.

    The result shows every sample (a strip over a box per benchmark) with the
    median and its 95% interval, the summary as an HTML table and, with two
    or more benchmarks, one verdict per comparison with its ratio, interval
    and p-value.  While a run is going the Run button reads "Cancel": a
    click cancels it (the benchmark's cancel Event), so runs never overlap.
    ``runs_started`` counts the runs this panel started (tests assert on it).
    """

    def __init__(self, source_or_path, *, count: int | None = None, benchtime: str | None = None, timeout: float | None = None,
                 name: str = "cell_test.go") -> None:
        defaults = bench_defaults("lab")
        count = defaults["count"] if count is None else count
        benchtime = defaults["benchtime"] if benchtime is None else benchtime
        self.source, self.name, self.timeout = source_or_path, name, timeout
        names = benchmark_names(source_or_path)
        if not names:
            raise GolabError("no benchmarks found: declare func BenchmarkX(b *testing.B) in the source (a _test.go file in a folder)")
        self.benchmarks = W.SelectMultiple(options=names, value=tuple(names), description="benchmarks", rows=min(6, len(names)),
                                           style={"description_width": "initial"}, layout=W.Layout(width="auto", max_width="100%"))
        self.count = W.BoundedIntText(value=count, min=1, max=50, description="count", layout=W.Layout(width="12em"))
        self.benchtime = W.Text(value=benchtime, description="benchtime", placeholder="1s, 200x, ...", layout=W.Layout(width="16em"))
        self.run = W.Button(description="Run", button_style="primary", icon="play", layout=_AUTO)
        self.progress = W.IntProgress(value=0, min=0, max=100, description="", bar_style="info", layout=W.Layout(width="12em"))
        self.status = W.HTML(_status("info", "Press Run to measure the selected benchmarks (Ctrl- or Shift-click a name to change the selection)."), layout=_fill())
        self.chart = W.Output(layout=_fill())
        self.verdict = W.HTML("", layout=_fill())
        self.result = None
        self.error: BaseException | None = None
        self.runs_started = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel: threading.Event | None = None
        self.run.on_click(lambda _b: self.click())
        controls = W.HBox(
            [self.benchmarks, W.VBox([self.count, self.benchtime, W.HBox([self.run, self.progress])])],
            layout=W.Layout(flex_flow="row wrap", width="auto", max_width="100%"),
        )
        super().__init__([controls, self.status, self.verdict, self.chart], layout=_fill())

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def click(self) -> None:
        """What the Run/Cancel button does."""
        with self._lock:
            if self.running:
                if self._cancel is not None and not self._cancel.is_set():
                    self._cancel.set()
                    self.status.value = _status("warn", "Cancelling the run… (a second click does not start another run)")
                return
            names = list(self.benchmarks.value)
            if not names:
                self.status.value = _status("warn", "Select at least one benchmark.")
                return
            self._cancel = threading.Event()
            self.runs_started += 1
            self.run.description, self.run.button_style, self.run.icon = "Cancel", "warning", "stop"
            self.progress.value, self.progress.bar_style = 0, "info"
            self.status.value = _status("info", f"Running {len(names)} benchmark(s) × {self.count.value}… (click Cancel to stop)")
            self._thread = _start(self._work, names, self._cancel)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_progress(self, done: int, total: int, sample=None) -> None:
        pct = int(100 * done / total) if total else 0
        self.progress.value = max(self.progress.value, min(100, pct))

    def _work(self, names: list[str], cancel: threading.Event) -> None:
        self.error = None
        try:
            result = run_benchmarks(
                self.source, pattern=_pattern(names), count=self.count.value, benchtime=self.benchtime.value.strip(),
                timeout=self.timeout, name=self.name, progress=self._on_progress, cancel=cancel,
            )
            if cancel.is_set() and not getattr(result, "samples", None):
                self.status.value = _status("warn", "Cancelled: no result. Press Run to measure again.")
                self.progress.bar_style = "warning"
                return
            self.result = result
            self.progress.value, self.progress.bar_style = 100, "success"
            done = "Cancelled: showing the samples taken so far." if result.cancelled else f"Done: {len(result.samples)} samples."
            self.status.value = _status("ok", done)
            self.verdict.value = bench_html(result)
            self.chart.clear_output()
            self.chart.append_display_data(bench_figure(result))
        except GolabError as exc:
            if type(exc).__name__ == "BenchCancelled":
                self.status.value = _status("warn", "Cancelled before any sample: press Run to measure again.")
                self.progress.bar_style = "warning"
                return
            self.error = exc
            self.progress.bar_style = "danger"
            self.status.value = error_html(exc)
        except Exception as exc:  # never leave the panel stuck in "Cancel"
            self.error = exc
            self.progress.bar_style = "danger"
            self.status.value = error_html(exc)
        finally:
            self.run.description, self.run.button_style, self.run.icon = "Run", "primary", "play"


def benchmark_lab(source_or_path, *, count: int | None = None, benchtime: str | None = None, timeout: float | None = None,
                  name: str = "cell_test.go") -> BenchmarkLab:
    """A benchmark panel for the ``Benchmark*`` functions in ``source_or_path``
    (count and benchtime default to :data:`golab.defaults.BENCH` ``["lab"]``)."""
    return BenchmarkLab(source_or_path, count=count, benchtime=benchtime, timeout=timeout, name=name)


# ---------------------------------------------------------------- allocs/op exercise


def _read_count(answer) -> int | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer if answer >= 0 else None
    if isinstance(answer, float):
        return int(answer) if answer.is_integer() and answer >= 0 else None
    text = str(answer).strip().replace(",", "").replace("_", "")
    return int(text) if text.isdigit() else None


class AllocsPerOp(Exercise):
    """"How many allocations per operation?" graded against a real benchmark run."""

    background = True

    def __init__(self, source, benchmark: str, *, benchtime: str | None = None, count: int | None = None,
                 timeout: float | None = None, name: str = "exercise_test.go") -> None:
        defaults = bench_defaults("exercise")
        self.source, self.benchmark = source, benchmark
        self.benchtime = defaults["benchtime"] if benchtime is None else benchtime
        self.count = defaults["count"] if count is None else count
        self.timeout, self.name = timeout, name
        if benchmark not in benchmark_names(source):
            raise ValueError(f"{benchmark} is not a benchmark in the source (found: {', '.join(benchmark_names(source)) or 'none'})")
        self.question = f"How many heap allocations per operation (allocs/op) does {benchmark} make?"

    def _measure(self):
        return run_benchmarks(self.source, pattern=_pattern([self.benchmark]), count=self.count,
                              benchtime=self.benchtime, timeout=self.timeout, name=self.name)

    def truth(self) -> int:
        return int(self._measure()[self.benchmark].allocs_per_op)

    def grade(self, answer) -> Grade:
        value = _read_count(answer)
        if value is None:
            return self.not_an_answer(
                answer, f"{str(answer)!r} is not a count of allocations: answer a whole number (0, 1, 2, …)."
            )
        summary = self._measure()[self.benchmark]
        truth = int(summary.allocs_per_op)
        bytes_op = summary.bytes_per_op
        if truth == 0:
            why = f"Each operation of {self.benchmark} allocates nothing on the heap: everything it uses stays on the stack (or in registers)."
        else:
            per = f" ({bytes_op:,} bytes in all)" if bytes_op is not None else ""
            why = (f"Each operation of {self.benchmark} asks the heap for memory {truth} time{'s' if truth != 1 else ''}{per}. "
                   "allocs/op counts allocations while the program runs: a value created in a loop counts once per pass.")
        details = (f"go test -bench {self.benchmark} -benchmem -benchtime {self.benchtime}: {truth} allocs/op"
                   + (f", {bytes_op} B/op" if bytes_op is not None else ""))
        return Grade(self.question, value, truth, value == truth, why, details)

    def question_html(self) -> str:
        return f"<div><b>Predict:</b> how many heap allocations per operation (allocs/op) does <code>{html.escape(self.benchmark)}</code> make?</div>"


def allocs_per_op(source, benchmark: str, **kwargs) -> AllocsPerOp:
    """A "how many allocs/op?" exercise for ``benchmark`` in ``source`` (a folder with _test.go, or text).

    >>> ex = allocs_per_op("../go_examples/points", benchmark="BenchmarkHeapAlloc")
    >>> ex.grade(1)               # runs the benchmark (200x) and compares
    """
    return AllocsPerOp(source, benchmark, **kwargs)


# ---------------------------------------------------------------- before/after comparer


def decisions_vs_allocations(labels, heap: tuple[int, int], allocs: tuple[int | None, int | None]) -> str | None:
    """A plain note when heap decisions and allocs/op tell different stories (None when they agree)."""
    (a, b), (x, y) = heap, allocs
    if x is None or y is None:
        return None
    opposite = (b - a) * (y - x) < 0 or ((b == a) != (y == x))
    if not opposite:
        return None
    return (
        f"Heap decisions went {a} → {b} from {labels[0]} to {labels[1]}, allocs/op went {x} → {y}. They measure different "
        "things: a decision is a place in the code, counted once when the compiler reads it; allocs/op counts "
        "allocations while the program runs. A `make` inside a loop is one decision and allocates on every pass; "
        "a `moved to heap` in a function called once allocates once; a decision in code the benchmark never runs "
        "allocates nothing."
    )


class Compare(W.VBox):
    """Side-by-side escape decisions of two variants, and a benchmark comparison on demand:
    one verdict with its statistics, a chart of every sample, and a note when
    decisions and allocations move in opposite directions."""

    def __init__(self, before, after, *, labels=("before", "after"), before_bench: str | None = None,
                 after_bench: str | None = None, bench_source=None, count: int | None = None, benchtime: str | None = None,
                 level: int = 1, timeout: float | None = None) -> None:
        defaults = bench_defaults("comparer")
        self.before, self.after, self.labels = before, after, tuple(labels)
        self.before_bench, self.after_bench = before_bench, after_bench
        self.bench_source = bench_source
        self.count = defaults["count"] if count is None else count
        self.benchtime = defaults["benchtime"] if benchtime is None else benchtime
        self.timeout = timeout
        self.before_report = escape(before, level=level, name=f"{labels[0]}.go")
        self.after_report = escape(after, level=level, name=f"{labels[1]}.go")
        self.escape_view = W.HTML(self._escape_html(), layout=_fill())
        self.run = W.Button(description="Compare benchmarks", button_style="primary", icon="play", layout=_AUTO)
        self.status = W.HTML("", layout=_fill())
        self.verdict = W.HTML("", layout=_fill())
        self.chart = W.Output(layout=_fill())
        self.comparison = None
        self.runs_started = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.run.on_click(lambda _b: self.click())
        super().__init__([self.escape_view, W.HBox([self.run]), self.status, self.verdict, self.chart], layout=_fill())

    @property
    def heap_before(self) -> int:
        return len(self.before_report.heap())

    @property
    def heap_after(self) -> int:
        return len(self.after_report.heap())

    def escape_summary(self) -> str:
        """Deterministic one-liner for nbval."""
        a, b = self.labels
        return f"heap decisions: {self.heap_before} {a}, {self.heap_after} {b}"

    def _escape_html(self) -> str:
        cols = []
        for label, report in zip(self.labels, (self.before_report, self.after_report)):
            n = len(report.heap())
            cols.append(
                '<div class="golab-compare-side" style="flex:1 1 26em;min-width:0;max-width:100%">'
                f'<div style="font-weight:bold">{html.escape(label)}: {n} heap decision{"" if n == 1 else "s"}</div>'
                f'{escape_html(report, show_inlining=False, show_flow=True)}</div>'
            )
        note = (f'<div style="{MUTED};font-size:90%;margin-top:4px;line-height:1.4">Heap decisions are places in the code the compiler '
                "moves to the heap; how often each one allocates while the program runs is what the benchmarks count "
                "(allocs/op).</div>")
        return ('<div class="golab-compare tex2jax_ignore mathjax_ignore">'
                f'<div style="display:flex;flex-wrap:wrap;gap:12px">{"".join(cols)}</div>{note}</div>')

    def click(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self.status.value = _status("warn", "A comparison is already running; wait for it to finish.")
                return
            self.runs_started += 1
            self.run.disabled = True
            self.status.value = _status("info", "Running both benchmarks…")
            self._thread = _start(self._work)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        try:
            if self.before_bench and self.after_bench and self.bench_source is not None:
                # both benchmarks in one folder (BuildList vs BuildListOptimized): run them interleaved
                result = run_benchmarks(self.bench_source, pattern=_pattern([self.before_bench, self.after_bench]),
                                        count=self.count, benchtime=self.benchtime, timeout=self.timeout)
                result.comparisons = [result.compare(self.before_bench, self.after_bench)]
            else:
                pattern = _pattern([self.before_bench]) if self.before_bench else "."
                result = run_comparison(self.before, self.after, pattern=pattern, count=self.count,
                                        benchtime=self.benchtime, timeout=self.timeout, labels=self.labels)
            self.comparison = result
            verdict = bench_html(result)
            for c in result.comparisons[:1]:
                note = decisions_vs_allocations(self.labels, (self.heap_before, self.heap_after),
                                                (c.base.allocs_per_op, c.other.allocs_per_op))
                if note:
                    verdict += box("info", html.escape(note), cls="golab-decisions-vs-allocs")
            self.verdict.value = verdict
            self.chart.clear_output()
            self.chart.append_display_data(bench_figure(result))
            self.status.value = _status("ok", "Done.")
        except Exception as exc:  # shown, never a traceback
            self.status.value = error_html(exc)
        finally:
            self.run.disabled = False


def compare(before, after, **kwargs) -> Compare:
    """Before/after comparer: escape decisions side by side, benchmarks on click.

    ``before_bench`` / ``after_bench`` name the benchmark of each side (both may
    live in one ``bench_source`` folder, e.g. BuildList vs BuildListOptimized).
    """
    return Compare(before, after, **kwargs)
