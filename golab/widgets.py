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
from .snippet import go_lines
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
        self.code = go_lines(report.sources[self.file])[self.line - 1].strip()
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


def _status(kind: str, text: str) -> str:
    return box(kind, html.escape(text), cls="golab-status")


# ---------------------------------------------------------------- escape explorer


class EscapeExplorer(W.VBox):
    """Pick a case, a ``-m`` level, inlining on/off, flow on/off: the annotated view updates."""

    def __init__(self, cases: dict[str, str] | None = None) -> None:
        self.cases = dict(cases) if cases else guide_escape_cases()
        if not self.cases:
            raise GolabError("no cases to explore: pass cases={'name': go_source_or_path} (go_examples/ was not found)")
        self.case = W.Dropdown(
            options=list(self.cases), description="case", style={"description_width": "initial"},
            layout=W.Layout(width="max-content", min_width="22em"),
        )
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

    While a run is going the Run button reads "Cancel": a click cancels it
    (the benchmark's cancel Event), so runs never overlap.  ``runs_started``
    counts the runs this panel started (tests assert on it).
    """

    def __init__(self, source_or_path, *, count: int = 5, benchtime: str = "1s", timeout: float | None = None,
                 name: str = "cell_test.go") -> None:
        self.source, self.name, self.timeout = source_or_path, name, timeout
        names = benchmark_names(source_or_path)
        if not names:
            raise GolabError("no benchmarks found: declare func BenchmarkX(b *testing.B) in the source (a _test.go file in a folder)")
        self.benchmarks = W.SelectMultiple(options=names, value=tuple(names), description="benchmarks", rows=min(6, len(names)),
                                           style={"description_width": "initial"})
        self.count = W.BoundedIntText(value=count, min=1, max=50, description="count")
        self.benchtime = W.Text(value=benchtime, description="benchtime", placeholder="1s, 200x, ...")
        self.run = W.Button(description="Run", button_style="primary", icon="play")
        self.progress = W.IntProgress(value=0, min=0, max=100, description="", bar_style="info")
        self.status = W.HTML(_status("info", "Pick benchmarks and press Run."))
        self.chart = W.Output()
        self.verdict = W.HTML("")
        self.result = None
        self.error: BaseException | None = None
        self.runs_started = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._cancel: threading.Event | None = None
        self.run.on_click(lambda _b: self.click())
        controls = W.HBox([self.benchmarks, W.VBox([self.count, self.benchtime, W.HBox([self.run, self.progress])])])
        super().__init__([controls, self.status, self.chart, self.verdict])

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
            self._thread = threading.Thread(target=self._work, args=(names, self._cancel), daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_progress(self, *event) -> None:
        from . import _measure

        _text, pct = _measure.describe_progress(*event)
        self.progress.value = max(self.progress.value, min(100, pct))

    def _work(self, names: list[str], cancel: threading.Event) -> None:
        from . import _measure

        self.error = None
        try:
            result = _measure.bench(
                self.source, pattern=_pattern(names), count=self.count.value, benchtime=self.benchtime.value.strip(),
                timeout=self.timeout, name=self.name, progress=self._on_progress, cancel=cancel,
            )
            if cancel.is_set() and not getattr(result, "samples", None):
                self.status.value = _status("warn", "Cancelled: no result. Press Run to measure again.")
                self.progress.bar_style = "warning"
                return
            self.result = result
            self.progress.value, self.progress.bar_style = 100, "success"
            self.status.value = _status("ok", _measure.bench_status(result))
            self.verdict.value = _measure.bench_verdict_html(result)
            self.chart.clear_output()
            fig = _measure.bench_figure(result)
            if fig is not None:
                self.chart.append_display_data(fig)
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


def benchmark_lab(source_or_path, *, count: int = 5, benchtime: str = "1s", timeout: float | None = None,
                  name: str = "cell_test.go") -> BenchmarkLab:
    """A benchmark panel for the ``Benchmark*`` functions in ``source_or_path``."""
    return BenchmarkLab(source_or_path, count=count, benchtime=benchtime, timeout=timeout, name=name)


# ---------------------------------------------------------------- allocs/op exercise


class AllocsPerOp(Exercise):
    """"How many allocations per operation?" graded against a real benchmark run."""

    background = True

    def __init__(self, source, benchmark: str, *, benchtime: str = "200x", count: int = 1,
                 timeout: float | None = None, name: str = "exercise_test.go") -> None:
        self.source, self.benchmark, self.benchtime, self.count = source, benchmark, benchtime, count
        self.timeout, self.name = timeout, name
        if benchmark not in benchmark_names(source):
            raise ValueError(f"{benchmark} is not a benchmark in the source (found: {', '.join(benchmark_names(source)) or 'none'})")
        self.question = f"How many heap allocations per operation (allocs/op) does {benchmark} make?"

    def _measure(self):
        from . import _measure

        return _measure.bench(self.source, pattern=_pattern([self.benchmark]), count=self.count,
                              benchtime=self.benchtime, timeout=self.timeout, name=self.name)

    def truth(self) -> int:
        from . import _measure

        return _measure.allocs_per_op(self._measure(), self.benchmark)

    def grade(self, answer) -> Grade:
        from . import _measure

        try:
            value = int(answer)
        except (TypeError, ValueError):
            raise ValueError(f"answer a whole number of allocations, not {answer!r}") from None
        result = self._measure()
        truth = _measure.allocs_per_op(result, self.benchmark)
        bytes_op = _measure.bytes_per_op(result, self.benchmark)
        explanation = (
            f"go test -bench {self.benchmark} -benchmem ({self.benchtime}) measured {truth} allocs/op"
            + (f" and {bytes_op} B/op" if bytes_op is not None else "")
            + "."
            + (" No heap allocation at all: everything stayed on the stack." if truth == 0 else "")
        )
        return Grade(self.question, value, truth, value == truth, explanation)

    def question_html(self) -> str:
        return f"<div><b>Predict:</b> how many heap allocations per operation (allocs/op) does <code>{html.escape(self.benchmark)}</code> make?</div>"


def allocs_per_op(source, benchmark: str, **kwargs) -> AllocsPerOp:
    """A "how many allocs/op?" exercise for ``benchmark`` in ``source`` (a folder with _test.go, or text).

    >>> ex = allocs_per_op("../go_examples/points", benchmark="BenchmarkHeapAlloc")
    >>> ex.grade(1)               # runs the benchmark (200x) and compares
    """
    return AllocsPerOp(source, benchmark, **kwargs)


# ---------------------------------------------------------------- before/after comparer


class Compare(W.VBox):
    """Side-by-side escape decisions of two variants, and a benchmark comparison on demand."""

    def __init__(self, before, after, *, labels=("before", "after"), before_bench: str | None = None,
                 after_bench: str | None = None, bench_source=None, count: int = 5, benchtime: str = "200x",
                 level: int = 1, timeout: float | None = None) -> None:
        self.before, self.after, self.labels = before, after, tuple(labels)
        self.before_bench, self.after_bench = before_bench, after_bench
        self.bench_source = bench_source
        self.count, self.benchtime, self.timeout = count, benchtime, timeout
        self.before_report = escape(before, level=level, name=f"{labels[0]}.go")
        self.after_report = escape(after, level=level, name=f"{labels[1]}.go")
        self.escape_view = W.HTML(self._escape_html())
        self.run = W.Button(description="Compare benchmarks", button_style="primary", icon="play")
        self.status = W.HTML("")
        self.verdict = W.HTML("")
        self.chart = W.Output()
        self.comparison = None
        self.runs_started = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.run.on_click(lambda _b: self.click())
        super().__init__([self.escape_view, W.HBox([self.run]), self.status, self.verdict, self.chart])

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
            cols.append(
                f'<div style="flex:1;min-width:0"><div style="font-weight:bold">{html.escape(label)}: '
                f'{len(report.heap())} heap</div>{escape_html(report, show_inlining=False, show_flow=True)}</div>'
            )
        return f'<div class="golab-compare tex2jax_ignore mathjax_ignore" style="display:flex;gap:12px">{"".join(cols)}</div>'

    def click(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self.status.value = _status("warn", "A comparison is already running; wait for it to finish.")
                return
            self.runs_started += 1
            self.run.disabled = True
            self.status.value = _status("info", "Running both benchmarks…")
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        from . import _measure

        try:
            if self.before_bench and self.after_bench and self.bench_source is not None:
                # both benchmarks in one folder (BuildList vs BuildListOptimized): run them interleaved
                result = _measure.bench(self.bench_source, pattern=_pattern([self.before_bench, self.after_bench]),
                                        count=self.count, benchtime=self.benchtime, timeout=self.timeout)
                result.comparisons = [result.compare(self.before_bench, self.after_bench)]
            else:
                pattern = _pattern([self.before_bench]) if self.before_bench else "."
                result = _measure.compare(self.before, self.after, pattern=pattern, count=self.count,
                                          benchtime=self.benchtime, timeout=self.timeout, labels=self.labels)
            self.comparison = result
            self.verdict.value = _measure.bench_verdict_html(result)
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
