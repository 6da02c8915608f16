"""The annotated view as drawn: every badge, flow and inlined call site sits in
the row of the line the compiler named.

What it checks: the real compiler's decisions for sources that once moved
badges (leading blank lines, CRLF, tabs, long lines, form feeds and U+2028
inside comments: only ``\\n`` ends a line in Go), rendered to HTML and read
back with an HTML parser, row by row: the row's number, its code (the Go
line as written, tabs expanded, annotations hidden), its badges (the
decisions the compiler reported for that line, none other), and that the
compiler's column points at the decision's subject in that very line.  Also:
annotations hidden by default and shown on request, call-site copies grouped
under the callee's decision, the HTML of a huge file bounded with a note,
and the same rows in the text view.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from bs4 import BeautifulSoup
from bs4.builder import HTMLParserTreeBuilder

import golab
from golab.escape import INLINE_KINDS
from golab.render import MAX_HTML_CHARS, TAB, escape_html, escape_text, go_lines

BODY = """func newInt() *int {
\tx := 42
\treturn &x
}

func keep(n int) int {
\ts := make([]int, n)
\treturn len(s)
}
"""

SOURCES = {
    "leading blank lines": "\n\n\n" + BODY,
    "CRLF": ("\n" + BODY).replace("\n", "\r\n"),
    "tabs inside lines": "\n" + BODY.replace("x := 42", "x\t:=\t42").replace("return len(s)", "return\tlen(s)\t// count"),
    "long lines": "\n// " + "a very long comment " * 30 + "\n" + BODY.replace(
        "s := make([]int, n)", "s := make([]int, n) // " + "the slice's length is only known at run time; " * 8
    ),
    "form feed in a comment": "// page one\f page two\n\n" + BODY,
    "U+2028 in a comment": "// first\u2028second\u2029third\n" + BODY,
    "a raw string across lines": "var doc = `line one\nline two\n\tline three`\n\n/* a block\ncomment over\nthree lines */\n" + BODY,
    "annotations": BODY.replace("x := 42", 'x := 42 // guide "escapes to heap" want "^moved to heap: x$"'),
}


def expected_code(raw: str, annotations: bool = False) -> str:
    """What a row must show for a raw Go line."""
    code = raw.replace("\r", "").expandtabs(TAB)
    if not annotations:
        code = re.sub(r"\s*//\s*(?:want|guide)\b.*$", "", code)
    return code


def shown(text: str) -> str:
    """A row's text as a reader sees it: control characters appear as U+24xx marks."""
    return text.replace("\u00a0", " ")


def parse(html: str) -> BeautifulSoup:
    """The HTML as a browser holds it: white space inside the rows kept (bs4 collapses
    white-space-only strings outside <pre> by default; the code spans are white-space:pre)."""
    return BeautifulSoup(html, builder=HTMLParserTreeBuilder(preserve_whitespace_tags={"span", "pre", "textarea"}))


def rows_of(html: str) -> list:
    return parse(html).select(".golab-line")


def check_rows(report, html: str, annotations: bool = False) -> None:
    file = next(iter(report.sources))
    lines = go_lines(report.sources[file])
    rows = rows_of(html)
    assert [int(r["data-line"]) for r in rows] == list(range(1, len(lines) + 1)), "one row per Go line, in order"
    for row in rows:
        n = int(row["data-line"])
        gutter = row.select_one(".golab-gutter").get_text()
        assert gutter == str(n)
        code = shown(row.select_one(".golab-code").get_text())
        want = expected_code(lines[n - 1], annotations)
        marks = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]", "?", want)
        got = re.sub(r"[\u2400-\u2424]", "?", code)
        assert got.rstrip() == marks.rstrip() or (not marks.strip() and not got.strip()), f"row {n}: {code!r} != {want!r}"
        expected = sorted(d.message for d in report.on_line(n, file))
        badges = row.select(".golab-badge")
        assert len(badges) == len(expected), f"row {n}: badges {[b.get_text() for b in badges]} for decisions {expected}"
        for d in report.on_line(n, file):
            assert any(d.message in b.get_text() or (d.kind == "can-inline" and "inline" in b.get_text()) for b in badges), (n, d.message)
        for flow in row.select(".golab-flow"):
            assert flow["data-line"] == str(n)
    # nothing outside the rows
    assert not parse(html).select(".golab-source > .golab-badge, .golab-source > .golab-flow")


def check_columns(report) -> None:
    """The compiler's line:column points at each decision's subject in the user's line."""
    file = next(iter(report.sources))
    lines = go_lines(report.sources[file])
    for d in report.decisions:
        if d.kind in INLINE_KINDS or not d.column:
            continue
        raw = lines[d.line - 1].encode()
        subject = d.subject.encode()
        starts = [m.start() for m in re.finditer(re.escape(subject), raw)]
        assert any(s <= d.column - 1 < s + len(subject) for s in starts), (
            f"{d}: column {d.column} of line {d.line} ({raw!r}) is not on {d.subject!r}"
        )


@pytest.mark.parametrize("case", list(SOURCES))
def test_every_badge_in_the_row_of_its_line(case):
    source = SOURCES[case]
    report = golab.escape(source, level=2)
    assert not report.errors, report.errors
    heap = report.heap()
    assert {d.subject for d in report.decisions if d.kind not in INLINE_KINDS} >= {"x", "make([]int, n)"}, report.decisions
    check_columns(report)
    html = escape_html(report)
    check_rows(report, html)
    rows = {int(r["data-line"]): r for r in rows_of(html)}
    x = next(d for d in heap if d.subject == "x")
    assert "x" in rows[x.line].select_one(".golab-code").get_text() and ":=" in rows[x.line].select_one(".golab-code").get_text()
    assert "moved to heap: x" in rows[x.line].select_one(".golab-badges").get_text()
    assert rows[x.line].select(".golab-flow"), "the why of x is folded in x's row"
    # the text view numbers the same lines
    text = escape_text(report)
    assert re.search(rf"^\s*{x.line} \|.*x\s+:=\s+42\n\s+\|\s+HEAP  col \d+: moved to heap: x$", text, re.M), text


def test_annotations_hidden_by_default_and_shown_on_request():
    report = golab.escape(SOURCES["annotations"], level=2)
    hidden = escape_html(report)
    assert "guide" not in parse(hidden).get_text() and "want" not in hidden
    check_rows(report, hidden)
    visible = escape_html(report, show_annotations=True)
    assert 'guide "escapes to heap"' in parse(visible).get_text()
    check_rows(report, visible, annotations=True)
    assert "guide" not in escape_text(report) and "guide" in escape_text(report, show_annotations=True)


def test_control_characters_are_visible_marks_not_breaks():
    report = golab.escape(SOURCES["U+2028 in a comment"] + "// bell \x07 and escape \x1b[31m\n", level=1)
    html = escape_html(report)
    assert "\u2028" not in html and "\x1b" not in html and "\x07" not in html
    assert 'title="U+2028"' in html and 'title="U+001B"' in html
    text = escape_text(report)
    assert "\x1b" not in text and "\\x1b[31m" in text and "\\u2028" in text


def test_call_site_copies_grouped_under_the_callee():
    """Copies the inliner prints at call sites (``inlined_from``) keep their badge
    on the call's line and are listed, folded, under the callee's decision."""
    report = golab.escape("func newInt() *int {\n\tx := 42\n\treturn &x\n}\n\nfunc use() *int {\n\treturn newInt()\n}\n", level=2)
    x = next(d for d in report.heap() if d.subject == "x")
    copy = dataclasses.replace(x, line=7, column=15, flow=[], inlined_at=[])
    copy.inlined_from = {"file": x.file, "line": x.line, "column": x.column, "function": "newInt"}
    report.decisions.append(copy)
    html = escape_html(report)
    rows = {int(r["data-line"]): r for r in rows_of(html)}
    assert "moved to heap: x (inlined newInt)" in rows[7].select_one(".golab-badges").get_text()
    folded = rows[x.line].select_one(".golab-inlined")
    assert folded is not None and folded.name == "details" and "line 7: moved to heap: x" in folded.get_text()
    assert not rows[7].select(".golab-inlined")
    assert "[inlined from newInt, line 2]" in escape_text(report)


def test_a_huge_file_is_cut_with_a_note_and_stays_bounded():
    lines = [f"func f{i}() *int {{ v := {i}; return &v }}" for i in range(16_000)]
    from golab.escape import Decision, EscapeReport

    decisions = [Decision("big.go", i + 1, 25, "moved-to-heap", "v", "moved to heap: v") for i in range(16_000)]
    report = EscapeReport("go1.27.3", 1, True, decisions, [], {"big.go": "\n".join(lines) + "\n"})
    html = escape_html(report)
    assert len(html) < MAX_HTML_CHARS + 2_000, len(html)
    assert "The view stops before line" in html and "of 16000" in html
    soup = parse(html)
    assert soup.select_one(".golab-escape") is not None and soup.select(".golab-line")
    check = soup.select(".golab-line")
    assert all(r.select(".golab-badge") for r in check), "every shown row keeps its badge"


def test_check_report_drawn_through_the_registry():
    report = golab.check(SOURCES["annotations"].replace('guide "escapes to heap"', 'guide "stays on stack"'))
    html = report._repr_html_()
    soup = parse(html)
    assert soup.select_one(".golab-claims") is not None
    row = soup.select_one(".golab-claims tbody tr")
    assert "stays on stack" in row.get_text() and "moved to heap: x" in row.get_text() and "differs" in row.get_text()
    assert "1/1 expectations" in soup.get_text()


def test_measure_tables_align_text_cells_left():
    """JupyterLab right-aligns every <td> of rendered HTML; golab's text columns (benchmark names,
    verdicts) must say left themselves, or names and verdicts drift right and wrap."""
    from golab.render_measure import _table

    table = _table(["benchmark", "median"], [["<code>Values</code>", "6.31 µs"]], right=[1])
    cells = re.findall(r'<td style="([^"]*)"', table)
    assert "text-align:left" in cells[0]
    # the right-aligned style comes after the left one, so it wins inside the same style attribute
    assert cells[1].index("text-align:right") > cells[1].index("text-align:left")


def test_gc_table_keeps_numbers_with_their_units():
    """A narrow GC table column must not break "24.8 MiB" into "24.8" over "MiB"."""
    from golab.render_beyond import _mib

    assert _mib(24.8 * 2**20) == "24.8\u00a0MiB"


def test_line_charts_draw_text_and_axes_in_the_themes_colour():
    """lines_svg (lesson 07's heap chart): SVG text is black unless told, so
    on JupyterLab's dark theme the labels vanished; the chart takes the
    page's colour (currentColor) and fits narrow panels."""
    from golab.render_beyond import lines_svg

    svg = lines_svg([("heap", [0, 1, 2], [1, 4, 2], False), ("heap goal", [0, 1, 2], [2, 5, 3], True)],
                    xlabel="ms", ylabel="MiB", title="heap")
    root = svg[: svg.index(">") + 1]
    assert 'fill="currentColor"' in root and "max-width:100%" in root
    import re

    axes = re.findall(r'<line [^>]*stroke="([^"]+)"', svg)[:2]  # x and y axis come first
    assert axes == ["currentColor", "currentColor"]
    assert not re.search(r'<text [^>]*fill="#', svg)  # no label in a fixed colour


def test_a_run_that_did_not_compile_says_each_error_once():
    """One compile error is the headline's words (it was also repeated as a
    bullet under it); several get the list under the headline, which names
    the first."""
    import html

    from golab.render_run import run_html

    one = run_html(golab.run('func main() {\n\tfmt.Println("missing a parenthesis"\n}\n'))
    (message,) = {str(e) for e in golab.run('func main() {\n\tfmt.Println("missing a parenthesis"\n}\n').errors}
    assert one.count(html.escape(message)) == 1 and "golab-errors" not in one
    several = golab.run("func main() {\n\tvar a int = \"x\"\n\tvar b string = 1\n}\n")
    assert len(several.errors) >= 2
    shown = run_html(several)
    first, *rest = (html.escape(str(e)) for e in several.errors)
    assert "golab-errors" in shown and shown.count(first) == 2 and all(shown.count(e) == 1 for e in rest)
