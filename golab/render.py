"""Views of escape reports and annotation checks: annotated source as HTML and text.

What it does: draws the source a user wrote with the compiler's decisions on
the row of the line the compiler named.  One row per Go line (only ``\\n``
ends a line in Go: ``\\r``, form feeds and U+2028 inside comments do not),
each row a ``<div class="golab-line" data-line="N">`` holding the line
number, the highlighted code, the badges of that line's decisions and, folded
below them in ``<details>``, the flow ("why") of each escape and the
inlined call sites that repeat a decision.  Highlighting comes from pygments'
Go lexer with ``stripnl=False`` and ``ensurenl=False`` (its defaults drop
leading blank lines, which once moved every badge one row down), over text
whose tabs are expanded and whose carriage returns are dropped first, so the
lexer's lines are the compiler's lines; the result is checked token by token
and falls back to plain text if they ever differ.  Colours come from
JupyterLab's CSS variables (``--jp-mirror-editor-*``, ``--jp-*-color*``)
with light fallbacks, so the view reads in the light and dark themes and in
``nbconvert --to html``.  Annotation comments (``// want ...``,
``// guide ...``) are hidden unless ``show_annotations=True``; the ``.go``
files keep them.  Work is linear in the size of the source, and the HTML
stops, with a note, past :data:`MAX_HTML_CHARS`.

Call-site copies of a decision (``Decision.inlined_from`` set, from the
inliner repeating a callee's decision where it was inlined) keep their badge
on the line the compiler names and are also listed under the callee's own
decision in a ``<details class="golab-inlined">``.

What it reads: an :class:`~golab.escape.EscapeReport` or a
:class:`~golab.claims.CheckReport` (plain data).

What it returns: strings.  It never runs ``go``.  Importing it registers the
views with :mod:`golab.display`.
"""

from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from typing import TYPE_CHECKING, Callable

from pygments.lexers.go import GoLexer
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String

from . import display
from .claims import CheckReport
from .escape import EscapeReport
from .snippet import go_lines as split_go_lines

if TYPE_CHECKING:  # pragma: no cover
    from .escape import Decision

TAB = 4
MAX_HTML_CHARS = 400_000  # past this the annotated view stops with a note (about 1,000-2,500 lines of Go)
_ROW_MIN_CHARS = 200  # the markup of one row (div, gutter, code span) without any code is longer than this

# kind -> (label, background, foreground): each pair is readable in JupyterLab's light and dark
# themes (the --jp-*-color3 backgrounds are light in both; the grey pair follows the theme)
_HEAP = ("var(--jp-error-color3,#fde2e1)", "#8a1410")
_STACK = ("var(--jp-success-color3,#dcf5e3)", "#0d4a21")
_LEAK = ("var(--jp-warn-color3,#fff0d6)", "#6b3a00")
_GREY = ("var(--jp-layout-color2,#eeeeee)", "var(--jp-content-font-color1,#333333)")
BADGES = {
    "moved-to-heap": ("heap", *_HEAP),
    "escapes": ("heap", *_HEAP),
    "does-not-escape": ("stack", *_STACK),
    "leaking-param": ("leaks", *_LEAK),
    "leaking-param-content": ("leaks", *_LEAK),
    "leaking-param-result": ("leaks", *_LEAK),
    "leaking-closure-reference": ("leaks", *_LEAK),
    "closure-capture": ("capture", "#e7e3fb", "#3d2f85"),
    "can-inline": ("inline", *_GREY),
    "cannot-inline": ("no inline", *_GREY),
    "inlining-call": ("inlined", *_GREY),
    "other": ("note", *_GREY),
}
INLINE_KINDS = ("can-inline", "cannot-inline", "inlining-call")
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

# pygments token type -> (JupyterLab variable, light fallback, extra css)
_TOKEN_COLOURS = [
    (Comment, "comment", "#408080", ";font-style:italic"),
    (String, "string", "#ba2121", ""),
    (Number, "number", "#008000", ""),
    (Keyword.Type, "builtin", "#008000", ""),
    (Keyword, "keyword", "#008000", ";font-weight:bold"),
    (Name.Builtin, "builtin", "#008000", ""),
    (Name.Function, "def", "#0000ff", ""),
    (Operator, "operator", "#aa22ff", ""),
    (Punctuation, "punctuation", "#05a", ""),
]
_LEXER = GoLexer(stripnl=False, ensurenl=False, tabsize=0)
_ANNOTATION_COMMENT = re.compile(r"^//\s*(?:want|guide)\b")
# control characters, Unicode line/paragraph separators and bidi controls: shown as visible marks, never as breaks
_CONTROL = display.CONTROL

_CODE_FONT = "font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,13px);line-height:1.45"
_BLOCK = (
    "background:var(--jp-cell-editor-background,#f7f7f7);color:var(--jp-content-font-color1,#222);"
    "padding:6px 8px;border-radius:4px;overflow-x:auto"
)
_GUTTER = (
    'class="golab-gutter" style="color:var(--jp-content-font-color2,#6b6b6b);display:inline-block;width:3em;'
    'text-align:right;margin-right:1em;user-select:none;flex:none"'
)
_ROW = "display:flex;align-items:baseline"
# code, badges and folds of a row: they wrap inside this column, so a badge that does not fit
# beside its code goes under the code, never under the line numbers or past the right edge
_BODY = "display:flex;flex-wrap:wrap;align-items:baseline;column-gap:6px;flex:1;min-width:0"
_MUTED = "color:var(--jp-content-font-color2,#555)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _token_css(ttype) -> str:
    for base, var, fallback, extra in _TOKEN_COLOURS:
        if ttype in base:
            return f"color:var(--jp-mirror-editor-{var}-color,{fallback}){extra}"
    return ""


# ---------------------------------------------------------------- lines


def go_lines(text: str) -> list[str]:
    """The source's lines as the Go compiler numbers them (only ``\\n`` ends
    a line; :func:`golab.snippet.go_lines`), ``\\r`` kept for the view to
    show; empty text is one empty line."""
    return split_go_lines(text, keep_cr=True) or [""]


def _clean(text: str) -> str:
    """What the lexer sees: no byte-order mark, no ``\\r`` (white space to Go,
    a line break to pygments), tabs expanded per line."""
    text = text.removeprefix("\ufeff").replace("\r", "")
    if text.endswith("\n"):
        text = text[:-1]
    return "\n".join(line.expandtabs(TAB) for line in text.split("\n"))


def visible(text: str) -> str:
    """HTML-escaped text with control characters shown as marks (U+2400...)
    that say what they are, never as a line break or an invisible byte."""
    escaped = html.escape(text)
    return _CONTROL.sub(_control_mark, escaped)


def _control_mark(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    mark = chr(0x2400 + code) if code < 0x20 else ("\u2421" if code == 0x7F else "\u2424" if code in (0x2028, 0x2029, 0x85) else "\ufffd")
    return f'<span class="golab-ctrl" title="U+{code:04X}" style="opacity:.6">{mark}</span>'


escape_control = display.escape_control  # re-exported: the CLI and the text views use it


def _is_annotation(comment: str) -> bool:
    return bool(_ANNOTATION_COMMENT.match(comment))


def highlight_lines(source: str, show_annotations: bool = False, hide_comment: Callable[[str], bool] | None = None) -> list[str]:
    """The source as one HTML string per Go line (see :func:`go_lines`).

    ``// want`` / ``// guide`` comments are left out unless
    ``show_annotations``; ``hide_comment(text)`` may leave out other
    comments (exercises drop the ones that state an answer).  A dropped
    comment takes the white space before it along; a dropped block comment
    keeps its line breaks, so the rows never move."""
    clean = _clean(source)
    count = len(go_lines(source))
    lines: list[list[list[str]]] = [[]]  # per line: [css, text] pieces
    lexed = []
    for ttype, value in _LEXER.get_tokens(clean):
        lexed.append(value)
        drop = ttype in Comment and (
            (not show_annotations and _is_annotation(value)) or (hide_comment is not None and hide_comment(value))
        )
        if drop:
            pieces = lines[-1]
            while pieces and not pieces[-1][1].strip():
                pieces.pop()
            if pieces:
                pieces[-1][1] = pieces[-1][1].rstrip()
            for _ in range(value.count("\n")):
                lines.append([])
            continue
        css = _token_css(ttype)
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if piece:
                lines[-1].append([css, piece])
    if "".join(lexed) != clean or len(lines) != count:  # the lexer changed the text: show it plain, rows intact
        return [visible(line.expandtabs(TAB).replace("\r", "")) for line in go_lines(source.removeprefix("\ufeff"))]
    return ["".join(f'<span style="{css}">{visible(text)}</span>' if css else visible(text) for css, text in pieces) for pieces in lines]


def code_without_comments(line: str) -> str:
    """One line of Go without its comments, as plain text (tabs expanded)."""
    kept = [value for ttype, value in _LEXER.get_tokens(_clean(line)) if ttype not in Comment]
    return "".join(kept).strip()


# ---------------------------------------------------------------- badges


def badge(kind: str, text: str | None = None, title: str = "", extra: str = "") -> str:
    label, bg, fg = BADGES.get(kind, BADGES["other"])
    return (
        f'<span class="golab-badge golab-{kind}" title="{html.escape(title)}"{extra} '
        f'style="background:{bg};color:{fg};border-radius:3px;padding:0 5px;font-size:85%;'
        f'white-space:normal;overflow-wrap:anywhere;max-width:100%">{html.escape(text or label)}</span>'
    )


def _origin(d: "Decision") -> dict | None:
    origin = getattr(d, "inlined_from", None)
    return origin if isinstance(origin, dict) else None


def _decision_badge(d: "Decision") -> str:
    label = BADGES.get(d.kind, BADGES["other"])[0]
    title = d.message
    if d.via:
        title += f" (after inlining {d.via})"
    extra = ""
    origin = _origin(d)
    if origin:
        title += f" (the compiler repeats this where it inlined {origin.get('function', '?')}, line {origin.get('line', '?')})"
        extra = f' data-inlined-from="{html.escape(str(origin.get("line", "")))}"'
    if d.kind == "can-inline":
        text = f"inline (cost {d.cost})" if d.cost is not None else "inline"
    else:
        text = f"{label}: {d.message}"
        if origin:
            text += f" (inlined {origin.get('function', '')})"
    return badge(d.kind, text, title, extra)


def _flow_html(d: "Decision") -> str:
    steps = "".join(f"<li><code>{visible(step)}</code></li>" for step in d.flow)
    verb = "leak" if d.kind.startswith("leaking") else "escape"
    return (
        f'<details class="golab-flow" data-line="{d.line}" style="flex-basis:100%;margin:0 0 2px .5em;font-size:85%">'
        f"<summary>why does <code>{visible(d.subject)}</code> {verb}? <i>{visible(d.why)}</i></summary>"
        f'<ol style="margin:2px 0">{steps}</ol></details>'
    )


def _inlined_html(line: int, sites: list[str]) -> str:
    items = "".join(f"<li>{s}</li>" for s in sites)
    return (
        f'<details class="golab-inlined" data-line="{line}" style="flex-basis:100%;margin:0 0 2px .5em;font-size:85%">'
        f"<summary>the compiler repeats this at {_plural(len(sites), 'inlined call site')}</summary>"
        f'<ul style="margin:2px 0">{items}</ul></details>'
    )


# ---------------------------------------------------------------- the annotated view


def escape_html(report: EscapeReport, show_inlining: bool = True, show_flow: bool = True, show_annotations: bool = False,
                max_chars: int = MAX_HTML_CHARS) -> str:
    """Annotated source: highlighted Go, badges and flows in the row of their line."""
    out = [f'<div class="golab-escape tex2jax_ignore mathjax_ignore" style="{_CODE_FONT}">']
    mode = f"-m={report.level}" + ("" if report.inline else " -l")
    heap = len(report.heap())
    out.append(
        f'<div class="golab-summary" style="margin-bottom:4px;{_MUTED}">{html.escape(report.go_version)} '
        f"<code>{mode}</code>: {_plural(len(report.decisions), 'decision')}, "
        f'<b style="color:var(--jp-error-color1,#a3160f)">{heap} heap</b></div>'
    )
    if report.errors:
        out.append(errors_html(report.errors))
    if report.warnings:
        out.append(warnings_html(report.warnings))
    by_line: dict[tuple, list] = defaultdict(list)
    copies: dict[tuple, list] = defaultdict(list)  # callee (file, line) -> call-site copies
    for d in report.decisions:
        if not show_inlining and d.kind in INLINE_KINDS:
            continue
        by_line[(d.file, d.line)].append(d)
        origin = _origin(d)
        if origin:
            copies[(origin.get("file", d.file), origin.get("line"))].append(d)
    size = sum(map(len, out))
    for file, text in report.sources.items():
        if len(report.sources) > 1:
            out.append(f'<div style="font-weight:bold;margin-top:6px">{html.escape(file)}</div>')
        out.append(f'<div class="golab-source" data-file="{html.escape(file)}" style="{_BLOCK}">')
        errors_by_line = {e.line: e for e in report.errors if e.file == file}
        total = len(go_lines(text))
        # a row's markup alone passes _ROW_MIN_CHARS, so no more rows than this can be shown:
        # highlight only those (a 16k-line file is not lexed whole to show its first 2,000 lines)
        shown = max_chars // _ROW_MIN_CHARS + 1
        if total > shown:
            text = "\n".join(go_lines(text)[:shown]) + "\n"
        rows = highlight_lines(text, show_annotations=show_annotations)
        for number, code in enumerate(rows, 1):
            decisions = by_line.get((file, number), [])
            parts = [f'<div class="golab-line" data-line="{number}" style="{_ROW}">',
                     f"<span {_GUTTER}>{number}</span>",
                     f'<div class="golab-row-body" style="{_BODY}">',
                     f'<span class="golab-code" style="white-space:pre">{code or " "}</span>']
            badges = "".join(_decision_badge(d) for d in decisions)
            if number in errors_by_line:
                badges += badge("moved-to-heap", "error: " + errors_by_line[number].message)
            if badges:
                parts.append(f'<span class="golab-badges" style="display:inline-flex;flex-wrap:wrap;gap:2px 6px;min-width:0;max-width:100%">{badges}</span>')
            if show_flow:
                parts.extend(_flow_html(d) for d in decisions if d.flow)
            here = copies.get((file, number), [])
            sites = [f"line {c.line}: {visible(c.message)}" for c in here]
            known = {f"{c.file}:{c.line}:{c.column}" for c in here}
            sites += [html.escape(site) for d in decisions if not _origin(d) for site in d.inlined_at if site not in known]
            if sites:
                parts.append(_inlined_html(number, sites))
            parts.append("</div></div>")
            row = "".join(parts)
            size += len(row)
            if size > max_chars:
                out.append(
                    f'<div class="golab-cut" style="margin-top:4px;{_MUTED}">The view stops before line {number} of '
                    f"{total}: the page would pass {max_chars // 1000} kB. <code>print(report)</code> or "
                    f"<code>python -m golab escape FILE</code> shows every line.</div></div>"
                )
                out.append("</div>")
                return "".join(out)
            out.append(row)
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def _listed_box(cls: str, colours: str, heading: str, items: str) -> str:
    """A box above the source: a bold heading, then a list (``items``: <li>s)."""
    return (
        f'<div class="{cls} tex2jax_ignore mathjax_ignore" style="{colours};'
        f'padding:4px 10px;margin:4px 0"><b>{heading}</b><ul style="margin:2px 0">{items}</ul></div>'
    )


def errors_html(errors) -> str:
    items = "".join(f"<li><code>{visible(str(e))}</code></li>" for e in errors)
    return _listed_box("golab-errors", "border-left:4px solid var(--jp-error-color1,#a3160f);"
                       "background:var(--jp-error-color3,#fdecea);color:#5f1510", "The compiler rejected the code:", items)


def warnings_html(warnings) -> str:
    """What the data may lack (the compiler's output was cut), above the source."""
    items = "".join(f"<li>{visible(w)}</li>" for w in warnings)
    return _listed_box("golab-warnings", "border-left:4px solid var(--jp-warn-color1,#b36b00);"
                       "background:var(--jp-warn-color3,#fff4e0);color:#4d2e00", "Some decisions are missing:", items)


def escape_text(report: EscapeReport, flow: bool | None = None, show_annotations: bool = False) -> str:
    """Annotated source as plain text (the CLI's and ``str(report)``'s form);
    control characters are written as escapes."""
    flow = report.level >= 2 if flow is None else flow
    lines = [f"# {report.go_version} -m={report.level}{'' if report.inline else ' -l'}"]
    for e in report.errors:
        lines.append(escape_control(f"error: {e}"))
    for w in report.warnings:
        lines.append(escape_control(f"warning: {w}"))
    by_line: dict[tuple, list] = defaultdict(list)
    for d in report.decisions:
        by_line[(d.file, d.line)].append(d)
    for file, text in report.sources.items():
        lines.append(f"== {file}")
        for number, code in enumerate(go_lines(text), 1):
            code = code.replace("\r", "").expandtabs(TAB)
            if not show_annotations:
                code = _strip_annotation_text(code)
            lines.append(escape_control(f"{number:4d} | {code}"))
            for d in by_line.get((file, number), []):
                extra = ""
                if d.inlined_at:
                    extra = f"  [also at inlined call {', '.join(d.inlined_at)}]"
                if d.via:
                    extra = f"  [after inlining {d.via}]"
                origin = _origin(d)
                if origin:
                    extra += f"  [inlined from {origin.get('function', '?')}, line {origin.get('line', '?')}]"
                lines.append(escape_control(f"     |   {TEXT_TAGS.get(d.kind, 'note ')} col {d.column}: {d.message}{extra}"))
                if flow and d.flow:
                    lines.append(escape_control(f"     |         why: {d.why}"))
                    for step in d.flow:
                        lines.append(escape_control(f"     |           {step}"))
    return "\n".join(lines)


_ANNOTATION_TEXT = re.compile(r"\s*//\s*(?:want|guide)\b.*$")


def _strip_annotation_text(code: str) -> str:
    return _ANNOTATION_TEXT.sub("", code)


# ---------------------------------------------------------------- annotation checks


def check_html(report: CheckReport) -> str:
    colours = {
        "agrees": "var(--jp-success-color0,#12602b)",
        "agrees, other words": "var(--jp-warn-color0,#8a6d00)",
        "differs": "var(--jp-error-color1,#a3160f)",
        "unclear": "var(--jp-content-font-color2,#666)",
    }
    rows = []
    for c in report.claims:
        rows.append(
            f"<tr><td>{html.escape(os.path.basename(c.annotation.file))}:{c.annotation.line}</td>"
            f"<td>{visible(c.annotation.text)}</td>"
            f"<td><code>{visible('; '.join(c.actual) or 'nothing: stays on the stack')}</code></td>"
            f'<td style="color:{colours.get(c.verdict, "inherit")};font-weight:bold">{html.escape(c.verdict)}</td></tr>'
        )
    wants_ok = sum(w.holds for w in report.wants)
    return (
        '<div class="golab-claims tex2jax_ignore mathjax_ignore">'
        + "".join(f"<p style='color:var(--jp-error-color1,#a3160f)'>{visible(e)}</p>" for e in report.errors)
        + "<table><thead><tr><th>line</th><th>the guide says</th>"
        "<th>the compiler says</th><th>verdict</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table><p>{wants_ok}/{len(report.wants)} expectations (<code>want</code>) hold.</p></div>"
    )


def check_text(report: CheckReport, verbose: bool = False) -> str:
    """What ``python -m golab check`` prints.

    A compile error comes first and alone: the code must compile before
    its expectations mean anything.  Otherwise only what differs (wants that
    fail, guide claims the compiler contradicts), then a one-line summary;
    ``verbose`` lists every want and claim."""
    if report.errors:
        out = ["The Go code does not compile; fix this first (no expectation was checked):"]
        out += [f"  {e}" for e in report.errors]
        out.append(f"{_plural(len(report.wants), 'want')} and {_plural(len(report.claims), 'guide claim')} not checked")
        return escape_control("\n".join(out))
    wants = report.wants if verbose else [w for w in report.wants if not w.holds]
    claims = report.claims if verbose else [c for c in report.claims if c.verdict == "differs"]
    out = [str(w) for w in wants] + [str(c) for c in claims]
    held = sum(w.holds for w in report.wants)
    verdicts = ("agrees", "agrees, other words", "differs", "unclear")
    out.append(
        f"{held}/{len(report.wants)} wants hold; guide claims: "
        + ", ".join(f"{sum(c.verdict == v for c in report.claims)} {v}" for v in verdicts)
        + ("" if verbose else " (-v lists every line)")
    )
    return escape_control("\n".join(out))


display.register(EscapeReport, html=escape_html, text=escape_text)
display.register(CheckReport, html=check_html, text=check_text)
