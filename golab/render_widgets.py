"""HTML views for program runs, exercise grades and error messages.

What it does: draws a :class:`~golab.runner.RunReport` (what the program
printed, and what went wrong in plain words at the learner's line), a
:class:`~golab.widgets.Grade` (right or wrong, the truth, the compiler's own
words) and a :class:`golab.GolabError` as small, self-contained HTML with
inline styles, so it reads the same in JupyterLab, in ``nbconvert --to html``
and inside an ``ipywidgets.HTML`` value.  The output is deterministic for
deterministic input (no timings, ids or dates), so nbval can compare it.

What it reads: plain data objects.

What it returns: strings.  It never runs ``go``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .snippet import go_lines

if TYPE_CHECKING:  # pragma: no cover
    from .runner import RunReport

_BOX = "border-radius:4px;padding:6px 10px;margin:4px 0;font-family:var(--jp-ui-font-family,sans-serif)"
_STYLES = {
    "ok": f"border-left:4px solid #12602b;background:#dcf5e3;color:#0b3d1b;{_BOX}",
    "bad": f"border-left:4px solid #a3160f;background:#fdecea;color:#5f1510;{_BOX}",
    "warn": f"border-left:4px solid #8a4b00;background:#fff0d6;color:#4d2a00;{_BOX}",
    "info": f"border-left:4px solid #555;background:#f3f3f3;color:#222;{_BOX}",
}
_PRE = (
    "white-space:pre-wrap;margin:4px 0;padding:6px 8px;background:#f8f8f8;color:#222;border-radius:4px;"
    "font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,13px);max-height:30em;overflow:auto"
)


def box(kind: str, body_html: str, cls: str = "golab-message") -> str:
    """A coloured message box: kind is ok, bad, warn or info."""
    return f'<div class="{cls} golab-{kind} tex2jax_ignore mathjax_ignore" style="{_STYLES.get(kind, _STYLES["info"])}">{body_html}</div>'


def pre(text: str, cls: str = "golab-output") -> str:
    return f'<pre class="{cls}" style="{_PRE}">{html.escape(text)}</pre>'


def error_html(exc: BaseException) -> str:
    """A golab error (or any exception) as a message box, not a traceback."""
    name = type(exc).__name__
    return box("bad", f"<b>{html.escape(name)}</b>: {html.escape(str(exc))}", cls="golab-error")


def source_excerpt(text: str, line: int, context: int = 2) -> str:
    """The lines around ``line`` with that line marked, as plain text."""
    lines = go_lines(text)
    if not 1 <= line <= len(lines):
        return ""
    first, last = max(1, line - context), min(len(lines), line + context)
    out = []
    for n in range(first, last + 1):
        mark = ">" if n == line else " "
        out.append(f"{mark}{n:4d} | {lines[n - 1].expandtabs(4)}")
    return "\n".join(out)


def run_html(report: "RunReport") -> str:
    status = report.status
    kind = {"ok": "ok", "exit": "warn", "timeout": "warn"}.get(status, "bad")
    parts = [box(kind, f"<b>{html.escape(report.go_version)}</b>: {html.escape(report.explanation())}", cls="golab-run-status")]
    where = None
    if report.errors:
        e = report.errors[0]
        where = (e.file, e.line)
        parts.append(
            '<ul class="golab-errors tex2jax_ignore mathjax_ignore" style="margin:2px 0">'
            + "".join(f"<li><code>{html.escape(str(err))}</code></li>" for err in report.errors)
            + "</ul>"
        )
    elif report.panic is not None and report.panic.file:
        where = (report.panic.file, report.panic.line)
    if where and where[0] in report.sources:
        excerpt = source_excerpt(report.sources[where[0]], where[1])
        if excerpt:
            parts.append(f'<div style="color:#555">{html.escape(where[0])}, line {where[1]}:</div>' + pre(excerpt, "golab-excerpt"))
    if report.stdout:
        parts.append('<div style="color:#555">standard output:</div>' + pre(report.stdout, "golab-stdout"))
    if report.stderr and status != "compile-error":
        parts.append('<div style="color:#555">standard error:</div>' + pre(report.stderr, "golab-stderr"))
    if report.cut_note:
        parts.append(f'<div style="color:#8a4b00">{html.escape(report.cut_note)}</div>')
    return '<div class="golab-run tex2jax_ignore mathjax_ignore">' + "".join(parts) + "</div>"


class Notice:
    """A message for the learner (an error, a status): HTML and plain text.

    Returned by the magics and shown by the widgets instead of a traceback.
    ``kind`` is ok, bad, warn or info; ``error`` keeps the exception, if any.
    """

    def __init__(self, kind: str, text: str, error: BaseException | None = None) -> None:
        self.kind = kind
        self.text = text
        self.error = error

    @classmethod
    def from_error(cls, exc: BaseException, what: str = "") -> "Notice":
        from .toolchain import GolabError

        lead = f"{what} failed: " if what else ""
        # golab's own errors carry a message written for the learner; others get their type
        body = str(exc) if isinstance(exc, (GolabError, ValueError)) else f"{type(exc).__name__}: {exc}"
        return cls("bad", f"{lead}{body}", exc)

    @property
    def ok(self) -> bool:
        return self.kind != "bad"

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return box(self.kind, html.escape(self.text).replace("\n", "<br>"), cls="golab-notice")
