"""The view of a program run: what it printed, and what went wrong in plain words.

What it does: draws a :class:`~golab.runner.RunReport` (the status in a
sentence, compile errors or the panic with an excerpt of the learner's code
around the line, standard output and error) as self-contained HTML built
from :mod:`golab.render_messages`' boxes.  The output is deterministic for
deterministic input (no timings, ids or dates), so nbval can compare it.

What it reads: a :class:`~golab.runner.RunReport` (plain data).

What it returns: strings.  It never runs ``go``.  Importing it registers
the view with :mod:`golab.display`.
"""

from __future__ import annotations

import html

from . import display
from .render import TAB, go_lines, visible
from .render_messages import MUTED, box, pre
from .runner import RunReport


def source_excerpt(text: str, line: int, context: int = 2) -> str:
    """The lines around ``line`` with that line marked, as plain text."""
    lines = go_lines(text)
    if not 1 <= line <= len(lines):
        return ""
    first, last = max(1, line - context), min(len(lines), line + context)
    out = []
    for n in range(first, last + 1):
        mark = ">" if n == line else " "
        out.append(f"{mark}{n:4d} | {lines[n - 1].replace(chr(13), '').expandtabs(TAB)}")
    return "\n".join(out)


def run_html(report: RunReport) -> str:
    status = report.status
    kind = {"ok": "ok", "exit": "warn", "timeout": "warn"}.get(status, "bad")
    parts = [box(kind, f"<b>{html.escape(report.go_version)}</b>: {html.escape(report.explanation())}", cls="golab-run-status")]
    where = None
    if report.errors:
        e = report.errors[0]
        where = (e.file, e.line)
    if len(report.errors) > 1:  # one error is already the headline's words
        parts.append(
            '<ul class="golab-errors tex2jax_ignore mathjax_ignore" style="margin:2px 0">'
            + "".join(f"<li><code>{visible(str(err))}</code></li>" for err in report.errors)
            + "</ul>"
        )
    if not report.errors and report.panic is not None and report.panic.file:
        where = (report.panic.file, report.panic.line)
    if where and where[0] in report.sources:
        excerpt = source_excerpt(report.sources[where[0]], where[1])
        if excerpt:
            parts.append(f'<div style="{MUTED}">{html.escape(where[0])}, line {where[1]}:</div>' + pre(excerpt, "golab-excerpt"))
    if report.stdout:
        parts.append(f'<div style="{MUTED}">standard output:</div>' + pre(report.stdout, "golab-stdout"))
    if report.stderr and status != "compile-error":
        parts.append(f'<div style="{MUTED}">standard error:</div>' + pre(report.stderr, "golab-stderr"))
    if report.cut_note:
        parts.append(f'<div style="color:var(--jp-warn-color0,#8a4b00)">{html.escape(report.cut_note)}</div>')
    return '<div class="golab-run tex2jax_ignore mathjax_ignore">' + "".join(parts) + "</div>"


display.register(RunReport, html=run_html)
