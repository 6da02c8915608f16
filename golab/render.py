"""Views of escape reports: annotated source as HTML and as text.

What it does: draws the source a user wrote with the compiler's decisions
beside each line.  HTML uses pygments for Go highlighting with inline styles
(so it reads the same in JupyterLab, in ``nbconvert --to html`` and in a
trusted or untrusted notebook), badges coloured by kind (heap, stack,
leaking, inlining) and the flow chain in a ``<details>`` under the line it
explains.  Text is what the CLI prints.

What it reads: an :class:`~golab.escape.EscapeReport` (plain data).

What it returns: strings.  It never runs ``go``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from pygments.lexers.go import GoLexer
from pygments.styles import get_style_by_name

if TYPE_CHECKING:  # pragma: no cover
    from .escape import Decision, EscapeReport

# kind -> (label, background, foreground)
BADGES = {
    "moved-to-heap": ("heap", "#fde2e1", "#a3160f"),
    "escapes": ("heap", "#fde2e1", "#a3160f"),
    "does-not-escape": ("stack", "#dcf5e3", "#12602b"),
    "leaking-param": ("leaks", "#fff0d6", "#8a4b00"),
    "leaking-param-content": ("leaks", "#fff0d6", "#8a4b00"),
    "leaking-param-result": ("leaks", "#fff0d6", "#8a4b00"),
    "leaking-closure-reference": ("leaks", "#fff0d6", "#8a4b00"),
    "closure-capture": ("capture", "#e7e3fb", "#4a3a9a"),
    "can-inline": ("inline", "#eeeeee", "#666666"),
    "cannot-inline": ("no inline", "#eeeeee", "#666666"),
    "inlining-call": ("inlined", "#eeeeee", "#666666"),
    "other": ("note", "#eeeeee", "#444444"),
}
TEXT_TAGS = {
    "moved-to-heap": "HEAP ",
    "escapes": "HEAP ",
    "does-not-escape": "stack",
    "leaking-param": "leaks",
    "leaking-param-content": "leaks",
    "leaking-param-result": "leaks",
    "leaking-closure-reference": "leaks",
    "closure-capture": "capt ",
    "can-inline": "inl  ",
    "cannot-inline": "!inl ",
    "inlining-call": "inl  ",
    "other": "note ",
}

_STYLE = get_style_by_name("friendly")
LONG_LINE = 100  # columns (code + badges) past which the badges go on the next row


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
_LEXER = GoLexer()


def _token_css(ttype) -> str:
    style = _STYLE.style_for_token(ttype)
    parts = []
    if style["color"]:
        parts.append(f"color:#{style['color']}")
    if style["bold"]:
        parts.append("font-weight:bold")
    if style["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def highlight_lines(source: str) -> list[str]:
    """The source as one HTML string per line (tokens split at newlines)."""
    lines: list[list[str]] = [[]]
    for ttype, value in _LEXER.get_tokens(source):
        css = _token_css(ttype)
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if piece:
                text = html.escape(piece).replace("\t", "    ")
                lines[-1].append(f'<span style="{css}">{text}</span>' if css else text)
    rendered = ["".join(parts) for parts in lines]
    count = len(source.splitlines()) or 1
    return (rendered + [""] * count)[:count]


def badge(kind: str, text: str | None = None, title: str = "") -> str:
    label, bg, fg = BADGES.get(kind, BADGES["other"])
    return (
        f'<span class="golab-badge golab-{kind}" title="{html.escape(title)}" '
        f'style="background:{bg};color:{fg};border-radius:3px;padding:0 5px;margin-left:6px;'
        f'font-size:85%;white-space:nowrap">{html.escape(text or label)}</span>'
    )


def _decision_badge(d: "Decision") -> str:
    label = BADGES.get(d.kind, BADGES["other"])[0]
    title = d.message + (f" (also at inlined call sites {', '.join(d.inlined_at)})" if d.inlined_at else "")
    if d.via:
        title += f" (after inlining {d.via})"
    return badge(d.kind, f"{label}: {d.message}" if d.kind not in ("can-inline",) else f"inline (cost {d.cost})" if d.cost is not None else "inline", title)


def _flow_html(d: "Decision") -> str:
    steps = "".join(f"<li><code>{html.escape(step)}</code></li>" for step in d.flow)
    return (
        '<details class="golab-flow" style="margin:0 0 2px 4.5em;font-size:85%">'
        f"<summary>why does <code>{html.escape(d.subject)}</code> "
        f"{'leak' if d.kind.startswith('leaking') else 'escape'}? "
        f"<i>{html.escape(d.why)}</i></summary>"
        f'<ol style="margin:2px 0">{steps}</ol></details>'
    )


MAX_VIEW_LINES = 5000  # lines of one file drawn in an escape view; the rest is cut with a note


def escape_html(report: "EscapeReport", show_inlining: bool = True, show_flow: bool = True) -> str:
    """Annotated source: highlighted Go, badges per line, flow under the line."""
    out = [
        '<div class="golab-escape tex2jax_ignore mathjax_ignore" style="font-family:var(--jp-code-font-family,monospace);'
        'font-size:var(--jp-code-font-size,13px);line-height:1.45">'
    ]
    mode = f"-m={report.level}" + ("" if report.inline else " -l")
    heap = len(report.heap())
    out.append(
        f'<div style="margin-bottom:4px;color:#555">{html.escape(report.go_version)} '
        f"<code>{mode}</code>: {_plural(len(report.decisions), 'decision')}, "
        f'<b style="color:#a3160f">{heap} heap</b></div>'
    )
    if report.errors:
        out.append(errors_html(report.errors))
    for file, text in report.sources.items():
        if len(report.sources) > 1:
            out.append(f'<div style="font-weight:bold;margin-top:6px">{html.escape(file)}</div>')
        out.append('<div style="background:#f8f8f8;color:#222;padding:6px 8px;border-radius:4px;overflow-x:auto">')
        errors_by_line = {e.line: e for e in report.errors if e.file == file}
        raw_lines = text.splitlines()  # once per file: the view stays linear in the input
        by_line: dict[int, list] = {}
        for d in report.decisions:
            if d.file == file:
                by_line.setdefault(d.line, []).append(d)
        for number, code in enumerate(highlight_lines(text), 1):
            if number > MAX_VIEW_LINES:
                out.append(
                    f'<div class="golab-cut" style="color:#555;font-style:italic">[golab: {len(raw_lines) - MAX_VIEW_LINES} '
                    f"more lines not shown: the view stops at {MAX_VIEW_LINES} lines; report.text() and "
                    "report.decisions have every line]</div>"
                )
                break
            decisions = [
                d for d in by_line.get(number, []) if show_inlining or d.kind not in ("can-inline", "cannot-inline", "inlining-call")
            ]
            badges = "".join(_decision_badge(d) for d in decisions)
            if number in errors_by_line:
                badges += badge("moved-to-heap", "error: " + errors_by_line[number].message)
            gutter = (
                '<span style="color:#999;display:inline-block;width:3em;text-align:right;margin-right:1em;'
                f'user-select:none">{{}}</span>'
            )
            width = len(raw_lines[number - 1].expandtabs(4)) if number <= len(raw_lines) else 0
            badge_width = sum(len(d.message) + 12 for d in decisions)
            if badges and width + badge_width > LONG_LINE:
                # badges of a long line go on a row of their own, so the code
                # block's horizontal scroll never hides them
                badges = f'</div><div class="golab-line-badges" style="white-space:normal;margin-left:4em">{badges}'
            out.append(
                f'<div class="golab-line" data-line="{number}" style="white-space:pre">'
                f"{gutter.format(number)}{code or ' '}{badges}</div>"
            )
            if show_flow:
                out.extend(_flow_html(d) for d in decisions if d.flow)
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def errors_html(errors) -> str:
    items = "".join(f"<li><code>{html.escape(str(e))}</code></li>" for e in errors)
    return (
        '<div class="golab-errors tex2jax_ignore mathjax_ignore" style="border-left:4px solid #a3160f;background:#fdecea;color:#5f1510;'
        f'padding:4px 10px;margin:4px 0"><b>The compiler rejected the code:</b><ul style="margin:2px 0">{items}</ul></div>'
    )


def escape_text(report: "EscapeReport", flow: bool = True) -> str:
    """Annotated source as plain text (the CLI's and ``str(report)``'s form)."""
    lines = [f"# {report.go_version} -m={report.level}{'' if report.inline else ' -l'}"]
    for e in report.errors:
        lines.append(f"error: {e}")
    for file, text in report.sources.items():
        lines.append(f"== {file}")
        for number, code in enumerate(text.splitlines(), 1):
            lines.append(f"{number:4d} | {code.expandtabs(4)}")
            for d in report.on_line(number, file):
                extra = ""
                if d.inlined_at:
                    extra = f"  [also at inlined call {', '.join(d.inlined_at)}]"
                if d.via:
                    extra = f"  [after inlining {d.via}]"
                lines.append(f"     |   {TEXT_TAGS.get(d.kind, 'note ')} col {d.column}: {d.message}{extra}")
                if flow and d.flow:
                    lines.append(f"     |         why: {d.why}")
                    for step in d.flow:
                        lines.append(f"     |           {step}")
    return "\n".join(lines)
