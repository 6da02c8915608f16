"""Pieces of Go source and of reports, the size a lesson shows at once.

What it does: finds one function in Go source (a text, a ``.go`` file or a
package folder) and returns its text, optionally without the ``// want`` /
``// guide`` annotation comments (which state answers); picks out the
decisions of an :class:`~golab.escape.EscapeReport` that fall inside one
function; prints one function with the compiler's decisions under its lines;
and sets the guide's claims of a :class:`~golab.claims.CheckReport` beside
the compiler's words, one line each.  Lesson cells call these in one line
instead of carrying helper code.

What it reads: Go source text or paths, and reports golab already computed.
It never runs ``go``.

It also prints, one row each, the reproducible numbers of a benchmark
(allocs/op, KiB/op) and of a memory profile (objects and bytes per op).

What it returns: strings, ``(first, last)`` line pairs and lists of
:class:`~golab.escape.Decision`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .claims import CheckReport
    from .escape import Decision, EscapeReport

ANNOTATION = re.compile(r"[ \t]*//\s*(?:guide|want)\b.*$", re.M)
INLINING_KINDS = ("can-inline", "cannot-inline", "inlining-call")
TAGS = {  # kind -> a five-letter tag for the text view
    "moved-to-heap": "HEAP ", "escapes": "HEAP ", "does-not-escape": "stack",
    "leaking-param": "leaks", "leaking-param-content": "leaks", "leaking-param-result": "leaks",
    "leaking-closure-reference": "leaks", "closure-capture": "capt ", "other": "note ",
}


class FunctionNotFound(KeyError, ValueError):
    """The function named is not declared in the source; the message lists those that are."""

    def __str__(self) -> str:  # KeyError quotes its message; say it plainly
        return str(self.args[0]) if self.args else ""


def strip_annotations(text: str) -> str:
    """``text`` without ``// want ...`` and ``// guide ...`` comments (trailing blanks removed)."""
    return ANNOTATION.sub("", text)


def _decl(name: str) -> re.Pattern:
    # func name(   func (r T) name(   func name[T any](
    return re.compile(rf"^func (?:\([^)]*\) )?{re.escape(name)}[\[(]")


def _declared(lines: list[str]) -> list[str]:
    names = []
    for line in lines:
        m = re.match(r"^func (?:\([^)]*\) )?(\w+)", line)
        if m:
            names.append(m.group(1))
    return names


def _span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of ``func name`` in ``lines``, or None."""
    pattern = _decl(name)
    for i, line in enumerate(lines):
        if pattern.match(line):
            if line.rstrip().endswith("}") and line.count("{") == line.count("}"):
                return i + 1, i + 1  # one-line function
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("}"):
                    return i + 1, j + 1
            return i + 1, len(lines)
    return None


def _go_texts(source_or_path) -> list[tuple[str, str]]:
    """(file name, text) for a source text, a .go file or a folder (non-test files first)."""
    if isinstance(source_or_path, os.PathLike) or (
        isinstance(source_or_path, str) and "\n" not in source_or_path and source_or_path.strip()
        and Path(source_or_path).exists()
    ):
        path = Path(source_or_path)
        if path.is_dir():
            files = sorted(path.glob("*.go"), key=lambda p: (p.name.endswith("_test.go"), p.name))
            if not files:
                raise FileNotFoundError(f"{path} holds no .go files")
            return [(p.name, p.read_text(encoding="utf-8")) for p in files]
        return [(path.name, path.read_text(encoding="utf-8"))]
    if isinstance(source_or_path, str) and "\n" not in source_or_path and source_or_path.endswith(".go"):
        raise FileNotFoundError(f"no such file: {source_or_path}")
    return [("snippet.go", str(source_or_path))]


def func_source(source_or_path, name: str, *, annotations: bool = False) -> str:
    """The text of ``func name`` (or method ``name``) in Go source, a .go file or a folder.

    Annotation comments (``// want``, ``// guide``) are removed unless
    ``annotations=True``: an exercise built on the excerpt does not state its
    answer.  Raises :class:`FunctionNotFound` naming the functions there are.
    """
    declared: list[str] = []
    for _file, text in _go_texts(source_or_path):
        lines = text.splitlines()
        span = _span(lines, name)
        if span:
            body = "\n".join(lines[span[0] - 1 : span[1]]) + "\n"
            return body if annotations else strip_annotations(body)
        declared += _declared(lines)
    raise FunctionNotFound(f"no func {name} in the source; it declares: {', '.join(declared) or 'no functions'}")


def function_lines(report: "EscapeReport", name: str, file: str | None = None) -> tuple[str, int, int]:
    """(file, first, last): where ``func name`` sits in the report's sources."""
    declared: list[str] = []
    for fname, text in report.sources.items():
        if file is not None and fname != file:
            continue
        lines = text.splitlines()
        span = _span(lines, name)
        if span:
            return fname, span[0], span[1]
        declared += _declared(lines)
    raise FunctionNotFound(f"no func {name} in the report's source; it declares: {', '.join(declared) or 'no functions'}")


def in_function(report: "EscapeReport", name: str, *, heap: bool = False, inlining: bool = False) -> list["Decision"]:
    """The decisions inside ``func name``: all but inlining notes by default; ``heap=True``: heap ones only."""
    fname, first, last = function_lines(report, name)
    found = []
    for d in report.decisions:
        if d.file != fname or not first <= d.line <= last:
            continue
        if heap and not d.heap:
            continue
        if not inlining and d.kind in INLINING_KINDS:
            continue
        found.append(d)
    return found


def heap_lines(report: "EscapeReport", name: str) -> list[str]:
    """``"line N: message"`` for each heap decision inside ``func name`` (plain strings, for printing)."""
    return [f"line {d.line}: {d.message}" for d in in_function(report, name, heap=True)]


def heap_table(report: "EscapeReport", *names: str) -> str:
    """One row per function: its name and its heap decisions ("none" when it has none)."""
    width = max(map(len, names), default=0)
    return "\n".join(f"{name:{width}}  {'; '.join(heap_lines(report, name)) or 'none'}" for name in names)


def allocations(result, *names: str) -> str:
    """allocs/op and KiB/op of benchmarks in a :class:`~golab.bench.BenchResult`, one row each.

    Only the numbers a pinned toolchain reproduces: no times.  KiB with one
    decimal, because the GC cycles a benchmark's garbage triggers can add a
    few bytes of the runtime's own to B/op.
    """
    width = max(map(len, names), default=0)
    rows = []
    for name in names:
        s = result[name]
        rows.append(f"{name:{width}}  {s.allocs_per_op:5} allocs/op  {(s.bytes_per_op or 0) / 1024:6.1f} KiB/op")
    return "\n".join(rows)


def sites(profile) -> str:
    """The allocation sites of an :class:`~golab.profile.AllocProfile`, one row each, per operation."""
    width = max((len(s.function) for s in profile.sites), default=0)
    return "\n".join(
        f"line {s.line}: {s.function:{width}}  {s.objects_per_op:5.0f} objects/op  {s.bytes_per_op:7.0f} B/op"
        for s in profile.sites
    ) or "no allocation in your code"


def annotated(report: "EscapeReport", *names: str, flow: bool = False) -> str:
    """Each ``func name`` as text, with the compiler's decisions (inlining notes left out) under each line.

    Annotation comments are left out of the code.  With ``flow=True`` each
    heap decision is followed by its reason chain (needs a ``level=2`` report).
    Several names give several functions, a blank line apart.
    """
    if not names:
        raise TypeError("annotated(report, name, ...) needs at least one function name")
    return "\n\n".join(_annotated_one(report, name, flow) for name in names)


def _annotated_one(report: "EscapeReport", name: str, flow: bool) -> str:
    fname, first, last = function_lines(report, name)
    lines = report.sources[fname].splitlines()
    out = []
    for n in range(first, last + 1):
        out.append(f"{n:3} | {strip_annotations(lines[n - 1]).expandtabs(4)}".rstrip())
        for d in report.on_line(n, fname):
            if d.kind in INLINING_KINDS:
                continue
            out.append(f"    |      {TAGS.get(d.kind, 'note ')}  {d.message}")
            if flow and d.heap:
                out.extend(f"    |             {_short(step)}" for step in d.flow)
    return "\n".join(out)


def _short(step: str) -> str:
    """A flow step with folder prefixes cut to the file name."""
    return re.sub(r"\S*/(\w+\.go:)", r"\1", step)


def why_heap(report: "EscapeReport", line: int) -> str:
    """For each heap decision on ``line``: its words, the plain-words reason, then the chain (level 2)."""
    out = []
    for d in report.on_line(line):
        if d.heap:
            out.append(d.message)
            if d.why:
                out.append(f"  in plain words: {d.why}")
            out.extend(f"    {_short(step)}" for step in d.flow)
    return "\n".join(out) or f"nothing on line {line} goes to the heap"


def guide_verdicts(check: "CheckReport", line: int | None = None) -> str:
    """The guide's claims beside the compiler's words and a verdict, one per line (or only ``line``'s)."""
    out = []
    for c in check.claims:
        a = c.annotation
        if line is not None and a.line != line:
            continue
        said = "; ".join(c.actual) or "(nothing: stays on the stack)"
        out.append(f'line {a.line:2}: guide "{a.text}"\n         compiler: {said}\n         verdict: {c.verdict}')
    return "\n".join(out) or f"no guide claim on line {line}"
