"""Views of measurements: HTML tables, static SVG charts and plotly figures.

What it does: draws the result objects of :mod:`golab.bench`,
:mod:`golab.frames` and :mod:`golab.profile`: ``*_html`` functions return
self-contained HTML (inline styles, inline SVG, no JavaScript) for
``_repr_html_``; ``*_figure`` functions return a :class:`Figure`, a small
wrapper around a plotly ``go.Figure`` whose ``_repr_mimebundle_`` offers

* ``application/vnd.plotly.v1+json`` (the figure's JSON, drawn by plotly's
  JupyterLab extension; no plotly.js is saved in the notebook), and
* ``text/html``: the same data as a static SVG chart drawn here, which is what
  ``jupyter nbconvert --to html`` and GitHub show (neither runs plotly).

Which one JupyterLab shows: it picks the renderer with the lowest rank among
the bundle's mimetypes.  The installed jupyterlab-plotly extension
(``share/jupyter/labextensions/jupyterlab-plotly``) registers its factory for
``application/vnd.plotly.v1+json`` with ``rank: 2``; JupyterLab's own HTML
renderer has rank 50 (SVG 80, PNG 90, plain text 120), so in JupyterLab the
interactive plotly chart wins and the HTML is only the fallback.  nbconvert's
HTML exporter has no plotly entry in its display priority and takes
``text/html``.  No FigureWidget, no embedded plotly.js: saved output stays a
few kilobytes.

What it reads: the analysers' result objects (plain data).

What it returns: strings and :class:`Figure` objects.  It never runs ``go``.
"""

from __future__ import annotations

import html
import json
import math
from typing import Sequence

from . import display
from .bench import BenchResult, Comparison, Summary, format_ns
from .frames import FrameReport, StackGrowth
from .profile import AllocProfile, GCTrace, MemStatsDelta

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FONT = "font-family:var(--jp-ui-font-family,-apple-system,Segoe UI,Helvetica,Arial,sans-serif);font-size:13px"
MUTED = "color:var(--jp-content-font-color2,#555)"
TABLE = f"border-collapse:collapse;{FONT};line-height:1.4"
TH = ("text-align:left;padding:3px 10px;border-bottom:1px solid var(--jp-border-color1,#999);"
      "background:var(--jp-layout-color2,#f4f4f4);color:var(--jp-content-font-color1,#222)")
TD = "text-align:left;padding:3px 10px;border-bottom:1px solid var(--jp-border-color2,#e4e4e4)"
TDR = TD + ";text-align:right;font-variant-numeric:tabular-nums"
FIGURE_WIDTH = 620  # px: fits an output area beside the prompt in a 1024 px window with the side bar open
COLORS = ["#3366cc", "#dc7a12", "#2a9d4b", "#b03a8e", "#777777"]

e = html.escape


class Figure:
    """A plotly figure that also shows up without plotly (nbconvert, GitHub)."""

    def __init__(self, figure, fallback_html: str, title: str = ""):
        self.figure = figure  # plotly.graph_objects.Figure
        self.fallback_html = fallback_html
        self.title = title

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = json.loads(self.figure.to_json())  # numbers and lists only, no numpy
        # Both width and height: plotly's Plots.resize (which JupyterLab's
        # renderer calls on every resize) keeps a figure that has both, and
        # autosizes one with only a height to its container, which collapses
        # it to ~30 px inside an output area.
        layout = data.setdefault("layout", {})
        layout.setdefault("height", 360)
        layout.setdefault("width", FIGURE_WIDTH)
        data.setdefault("config", {"displaylogo": False, "responsive": False})
        return {PLOTLY_MIME: data, "text/html": self.fallback_html, "text/plain": f"<golab figure: {self.title}>"}

    def show(self):  # pragma: no cover - convenience in scripts
        self.figure.show()

    def __repr__(self) -> str:
        return f"<golab figure: {self.title}>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    h = "".join(f'<th style="{TH}">{e(c)}</th>' for c in head)
    body = "".join(
        "<tr>" + "".join(f'<td style="{TDR if i in right else TD}">{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f'<table style="{TABLE}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def _notes(warnings: Sequence[str], notes: Sequence[str] = ()) -> str:
    out = "".join(f'<div style="{FONT};color:var(--jp-warn-color0,#8a4b00);margin-top:4px">⚠ {e(w)}</div>' for w in warnings)
    out += "".join(f'<div style="{FONT};{MUTED};margin-top:4px">ℹ {e(n)}</div>' for n in notes)
    return out


def _fmt_ns(ns: float) -> str:
    return format_ns(ns)


def wrap_title(text: str, width: int = 72) -> str:
    """A chart title broken into lines (plotly's ``<br>``) so it never runs past a
    :data:`FIGURE_WIDTH` chart's right edge."""
    lines: list[str] = []
    for word in e(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


# ---------------------------------------------------------------- SVG


def hbar_svg(labels: Sequence[str], values: Sequence[float], lo: Sequence[float] | None = None,
             hi: Sequence[float] | None = None, unit: str = "", fmt=None, title: str = "", width: int = 560) -> str:
    """Horizontal bars with optional interval whiskers, as inline SVG."""
    fmt = fmt or (lambda v: f"{v:,.0f}")
    n = len(values)
    row, left, right = 26, min(220, 12 + 7 * max((len(l) for l in labels), default=4)), 110
    top = 24 if title else 6
    height = top + row * n + 8
    top_value = max([*(hi or []), *values, 0]) or 1
    scale = (width - left - right) / top_value
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" fill="currentColor" style="{FONT};max-width:100%">']
    if title:
        parts.append(f'<text x="4" y="16" font-weight="bold">{e(title)}</text>')
    for i, (label, v) in enumerate(zip(labels, values)):
        y = top + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{e(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{max(v * scale, 1):.1f}" height="16" fill="{COLORS[i % len(COLORS)]}" opacity="0.8"/>')
        end = v * scale
        if lo is not None and hi is not None:
            a, b = left + lo[i] * scale, left + hi[i] * scale
            parts.append(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{y + 13}" y2="{y + 13}" stroke="currentColor"/>')
            parts.append(f'<line x1="{a:.1f}" x2="{a:.1f}" y1="{y + 8}" y2="{y + 18}" stroke="currentColor"/>')
            parts.append(f'<line x1="{b:.1f}" x2="{b:.1f}" y1="{y + 8}" y2="{y + 18}" stroke="currentColor"/>')
            end = max(end, hi[i] * scale)
        parts.append(f'<text x="{left + end + 6:.1f}" y="{y + 17}">{e(fmt(v))}{e(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_axes(width: int, height: int, left: int, top: int, right: int, bottom: int, xmax: float, ymax: float, *,
             title: str = "", xlabel: str = "", ylabel: str = "", xlabel_at: tuple[float, float] | None = None,
             ylabel_x: float = 12) -> list[str]:
    """The opening of a line chart as SVG parts: the root (text and axes in
    the theme's colour, currentColor, so a dark theme shows them), the
    title, both axes with 0 and their largest values, and the axis labels
    (``xlabel_at``: where the x label's middle sits, default under the
    middle of the chart).  The caller adds its lines and ``</svg>``."""
    x_at = xlabel_at or (width / 2, height - 4)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" fill="currentColor" style="{FONT};max-width:100%">']
    if title:
        parts.append(f'<text x="4" y="16" font-weight="bold">{e(title)}</text>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="currentColor" stroke-opacity="0.5"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="currentColor" stroke-opacity="0.5"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{ymax:,.0f}</text>')
    parts.append(f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>')
    parts.append(f'<text x="{width - right}" y="{height - bottom + 16}" text-anchor="end">{xmax:,.0f}</text>')
    parts.append(f'<text x="{x_at[0]}" y="{x_at[1]}" text-anchor="middle">{e(xlabel)}</text>')
    parts.append(f'<text x="{ylabel_x}" y="{height / 2}" transform="rotate(-90 {ylabel_x} {height / 2})" text-anchor="middle">{e(ylabel)}</text>')
    return parts


def step_svg(xs: Sequence[float], ys: Sequence[float], marks: Sequence[tuple[float, float]] = (), y2: Sequence[float] | None = None,
             xlabel: str = "", ylabel: str = "", title: str = "", width: int = 560, height: int = 260) -> str:
    """A step line (ys) with an optional second line (y2) and marked points."""
    left, bottom, top, right = 60, 34, 24, 16
    xmax = max(xs) or 1
    ymax = max([*ys, *(y2 or []), 1])
    sx = (width - left - right) / xmax
    sy = (height - top - bottom) / ymax

    def pt(x, y):
        return f"{left + x * sx:.1f},{height - bottom - y * sy:.1f}"

    path = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if i:
            path.append(pt(x, ys[i - 1]))
        path.append(pt(x, y))
    parts = svg_axes(width, height, left, top, right, bottom, xmax, ymax, title=title, xlabel=xlabel, ylabel=ylabel)
    parts.append(f'<polyline fill="none" stroke="{COLORS[0]}" stroke-width="2" points="{" ".join(path)}"/>')
    if y2:
        parts.append(f'<polyline fill="none" stroke="{COLORS[1]}" stroke-width="1.5" points="{" ".join(pt(x, y) for x, y in zip(xs, y2))}"/>')
    for x, y in marks:
        parts.append(f'<circle cx="{pt(x, y).split(",")[0]}" cy="{pt(x, y).split(",")[1]}" r="4" fill="#dc3912"/>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- bench


def _bench_rows(summaries: Sequence["Summary"]) -> list[list[str]]:
    rows = []
    for s in summaries:
        ci = f"{_fmt_ns(s.ci.lo)} – {_fmt_ns(s.ci.hi)}" + ("" if s.ci.exact else " <i>(range)</i>")
        rows.append([
            f"<code>{e(s.label)}</code>", e(_fmt_ns(s.median_ns)), ci, f"±{s.spread:.0%}", str(s.n),
            "–" if s.bytes_per_op is None else f"{s.bytes_per_op:,}",
            "–" if s.allocs_per_op is None else f"{s.allocs_per_op:,}",
        ])
    return rows


_BENCH_HEAD = ["benchmark", "median /op", "95% CI of median", "±", "n", "B/op", "allocs/op"]


def comparisons(r: "BenchResult") -> list["Comparison"]:
    """The comparisons a result shows: its own (``golab.compare``, or set by
    the caller), else each benchmark against the first one measured."""
    if r.comparisons:
        return list(r.comparisons)
    from .bench import compare_summaries

    first = r.benchmarks[0] if r.benchmarks else None
    return [compare_summaries(first, s) for s in r.benchmarks[1:] if s.n and first.n]


def _verdict_colour(c: "Comparison") -> str:
    if not c.significant:
        return "var(--jp-content-font-color1,#333)"
    return "var(--jp-success-color0,#12602b)" if c.ratio < 1 else "var(--jp-error-color1,#a3160f)"


def comparison_html(c: "Comparison") -> str:
    """One comparison: the plain verdict, then its statistics in a table row."""
    return _comparisons_table([c])


def _comparisons_table(cs: Sequence["Comparison"]) -> str:
    rows = []
    for c in cs:
        p = f"{c.p_value:.3f}" if c.p_value >= 0.001 else "&lt;0.001"
        rows.append([
            f'<b style="color:{_verdict_colour(c)}">{e(c.verdict)}</b>',
            f"{c.ratio:.3f}", f"{c.ratio_ci.lo:.3f} – {c.ratio_ci.hi:.3f}", p, f"{c.base.n}+{c.other.n}",
        ])
    warnings = [w for c in cs for w in c.warnings]
    return (f'<div class="golab-verdict" style="margin:6px 0;line-height:1.4">'
            + _table(["verdict", "ratio of medians", "95% CI of ratio", "p (Mann-Whitney)", "n"], rows, right=(1, 2, 3, 4))
            + _notes(warnings) + "</div>")


def summary_html(s: "Summary") -> str:
    return _table(_BENCH_HEAD, _bench_rows([s]), right=(1, 2, 3, 4, 5, 6))


def bench_html(r: "BenchResult") -> str:
    """The summary table, then (two or more benchmarks) one verdict per comparison with its statistics."""
    head = (f'<div style="{FONT};{MUTED};margin-bottom:4px">{e(r.go_version)} {e(r.goos)}/{e(r.goarch)} · cpu: {e(r.cpu)} · '
            f'benchtime {e(r.benchtime)} · count {r.count}</div>')
    out = head + _table(_BENCH_HEAD, _bench_rows(r.benchmarks), right=(1, 2, 3, 4, 5, 6))
    cs = comparisons(r)
    if cs:
        out += _comparisons_table(cs)
    if r.cancelled:
        out += f'<div style="{FONT};color:var(--jp-error-color1,#a3160f)">cancelled: the results are partial</div>'
    return ('<div class="golab-bench tex2jax_ignore mathjax_ignore" style="line-height:1.4">'
            + out + _notes(r.warnings, r.notes) + "</div>")


def strip_svg(labels: Sequence[str], samples: Sequence[Sequence[float]], medians: Sequence[float], lo: Sequence[float],
              hi: Sequence[float], fmt=None, title: str = "", width: int = 560) -> str:
    """Every sample as a dot on its benchmark's row, the median as a bar and its interval as a whisker (inline SVG)."""
    fmt = fmt or (lambda v: f"{v:,.0f}")
    n = len(labels)
    row, left, right = 30, min(200, 12 + 7 * max((len(l) for l in labels), default=4)), 90
    top = 24 if title else 6
    height = top + row * n + 24
    top_value = max([*(v for s in samples for v in s), *hi, 0]) or 1
    scale = (width - left - right) / top_value
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" style="{FONT};max-width:100%">']
    if title:
        parts.append(f'<text x="4" y="16" font-weight="bold" fill="currentColor">{e(title)}</text>')
    for i, label in enumerate(labels):
        y = top + i * row + 15
        colour = COLORS[i % len(COLORS)]
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="currentColor">{e(label)}</text>')
        for j, v in enumerate(samples[i]):
            jitter = ((j * 7) % 9 - 4) * 1.2
            parts.append(f'<circle cx="{left + v * scale:.1f}" cy="{y + jitter:.1f}" r="2.5" fill="{colour}" opacity="0.6"/>')
        a, b, m = left + lo[i] * scale, left + hi[i] * scale, left + medians[i] * scale
        parts.append(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{y}" y2="{y}" stroke="currentColor"/>')
        parts.append(f'<line x1="{m:.1f}" x2="{m:.1f}" y1="{y - 9}" y2="{y + 9}" stroke="currentColor" stroke-width="2"/>')
        parts.append(f'<text x="{max(b, m) + 6:.1f}" y="{y + 4}" fill="currentColor">{e(fmt(medians[i]))}</text>')
    parts.append(f'<text x="{left}" y="{height - 6}" fill="currentColor">0</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" text-anchor="end" fill="currentColor">{e(fmt(top_value))}/op</text>')
    parts.append("</svg>")
    return "".join(parts)


BENCH_TITLE = "ns/op: every sample, the median and its 95% CI"


def bench_figure(r: "BenchResult", comparison: "Comparison | None" = None) -> Figure:
    """Every sample of every benchmark (a strip of dots over a box), the median with its 95% interval."""
    import plotly.graph_objects as go

    fig = go.Figure()
    labels = [s.label for s in r.benchmarks]
    for i, s in enumerate(r.benchmarks):
        colour = COLORS[i % len(COLORS)]
        fig.add_trace(go.Box(
            x=s.ns, y=[s.label] * s.n, name=s.label, orientation="h", boxpoints="all", jitter=0.5, pointpos=0,
            marker=dict(color=colour, size=6, opacity=0.7), line=dict(color=colour, width=1), fillcolor="rgba(0,0,0,0)",
            hovertemplate="%{x:.4g} ns/op<extra>" + e(s.label) + "</extra>", showlegend=False,
        ))
    fig.add_trace(go.Scatter(
        x=[s.median_ns for s in r.benchmarks], y=labels, mode="markers", name="median, 95% CI",
        marker=dict(symbol="line-ns", size=22, line=dict(width=3, color="#222")),
        error_x=dict(type="data", symmetric=False, array=[s.ci.hi - s.median_ns for s in r.benchmarks],
                     arrayminus=[s.median_ns - s.ci.lo for s in r.benchmarks], color="#222", thickness=1.5, width=6),
        customdata=[[_fmt_ns(s.median_ns), _fmt_ns(s.ci.lo), _fmt_ns(s.ci.hi), s.n] for s in r.benchmarks],
        hovertemplate="median %{customdata[0]} (95% CI %{customdata[1]} – %{customdata[2]}), n=%{customdata[3]}<extra></extra>",
    ))
    fig.update_layout(title=dict(text=BENCH_TITLE, x=0, xanchor="left", font=dict(size=14)), xaxis_title="ns/op",
                      yaxis=dict(autorange="reversed", automargin=True), xaxis=dict(rangemode="tozero"),
                      height=150 + 50 * len(labels), showlegend=False,
                      margin=dict(l=10, r=20, t=50, b=45), template="plotly_white")
    svg = strip_svg(labels, [s.ns for s in r.benchmarks], [s.median_ns for s in r.benchmarks],
                    [s.ci.lo for s in r.benchmarks], [s.ci.hi for s in r.benchmarks], fmt=_fmt_ns, title=BENCH_TITLE)
    cs = [comparison] if comparison else comparisons(r)
    fallback = svg + (_comparisons_table(cs) if cs else "")
    return Figure(fig, fallback, "benchmark samples")


# ---------------------------------------------------------------- frames


def frames_html(r: "FrameReport") -> str:
    if r.errors:
        items = "".join(f"<li><code>{e(str(x))}</code></li>" for x in r.errors)
        return f'<div style="{FONT};color:var(--jp-error-color1,#a3160f)">does not compile:<ul>{items}</ul></div>'
    rows = []
    for f in r.user_frames():
        inl = ("inlined at " + ", ".join(f.inlined_at)) if f.inlined_at else ("can inline" if f.inlinable else "")
        rows.append([f"<code>{e(f.function)}</code>", e(f.position), f"{f.frame_bytes:,} B" if f.compiled else "–",
                     f"{f.args_bytes:,} B" if f.compiled else "–", e(inl or ("no TEXT symbol" if not f.compiled else ""))])
    head = f'<div style="{FONT};{MUTED};margin-bottom:4px">{e(r.go_version)} {e(r.goarch)}{"" if r.inline else " · -l (inlining off)"}</div>'
    head += "".join(f'<div class="golab-warnings" style="{FONT};color:#4d2e00;background:#fff4e0;padding:2px 6px">'
                    f"Some functions may be missing: {e(w)}</div>" for w in r.warnings)
    return head + _table(["function", "position", "frame", "args", "inlining"], rows, right=(2, 3))


def frames_figure(r: "FrameReport") -> Figure:
    import plotly.graph_objects as go

    fr = [f for f in r.user_frames() if f.compiled]
    labels = [f.function for f in fr]
    fig = go.Figure([
        go.Bar(name="frame", y=labels, x=[f.frame_bytes for f in fr], orientation="h", marker_color=COLORS[0]),
        go.Bar(name="args", y=labels, x=[f.args_bytes for f in fr], orientation="h", marker_color=COLORS[1]),
    ])
    fig.update_layout(barmode="group", title="stack frame and argument bytes per function", xaxis_title="bytes",
                      yaxis=dict(autorange="reversed"), height=140 + 36 * len(labels), template="plotly_white",
                      margin=dict(l=10, r=10, t=50, b=40))
    return Figure(fig, hbar_svg(labels, [f.frame_bytes for f in fr], unit=" B", title="frame bytes"), "frame sizes")


def stack_growth_html(g: "StackGrowth") -> str:
    marks = [(x.depth, x.new_size) for x in g.growths]
    svg = step_svg(g.depths, g.stack, marks, y2=g.used, xlabel="recursion depth", ylabel="bytes",
                   title="stack size (blue) and bytes used (orange)")
    rows = [[str(x.depth), f"{x.used_bytes:,} B", f"{x.new_size:,} B"] for x in g.growths]
    return (f'<div style="{FONT};margin-bottom:4px"><b>{e(g.verdict())}</b></div>' + svg
            + _table(["depth", "used before the move", "new stack size"], rows, right=(0, 1, 2)))


def stack_growth_figure(g: "StackGrowth") -> Figure:
    import plotly.graph_objects as go

    fig = go.Figure([
        go.Scatter(x=g.depths, y=g.stack, name="stack size", line_shape="hv", line=dict(color=COLORS[0])),
        go.Scatter(x=g.depths, y=g.used, name="bytes used", line=dict(color=COLORS[1])),
        go.Scatter(x=[x.depth for x in g.growths], y=[x.new_size for x in g.growths], mode="markers", name="growth",
                   marker=dict(color="#dc3912", size=9)),
    ])
    fig.add_hline(y=g.guide_start_bytes, line_dash="dot", annotation_text="guide: starts at 2 KB")
    fig.update_layout(title=dict(text=wrap_title(g.verdict()), x=0, xanchor="left", font=dict(size=14)), xaxis_title="recursion depth", yaxis_title="bytes", template="plotly_white",
                      height=380 + 18 * wrap_title(g.verdict()).count("<br>"), margin=dict(l=10, r=20, t=60 + 18 * wrap_title(g.verdict()).count("<br>"), b=40))
    return Figure(fig, stack_growth_html(g), "stack growth")


# ---------------------------------------------------------------- profile


def profile_html(p) -> str:
    rows = [[f"<code>{e(s.function)}</code>", e(s.position), f"{s.bytes:,}", f"{s.objects:,}",
             f"{s.bytes_per_op:,.1f}" if s.bytes_per_op is not None else "–",
             f"{s.objects_per_op:,.2f}" if s.objects_per_op is not None else "–"] for s in p.sites]
    head = f'<div style="{FONT};{MUTED};margin-bottom:4px">{e(p.go_version)} · {e(p.benchmark or "")} · {p.iterations or "?"} iterations · memprofilerate=1</div>'
    empty = f'<div style="{FONT}">no heap allocations in your code</div>' if not p.sites else ""
    return head + (empty or _table(["function", "allocated at", "bytes", "objects", "B/op", "objects/op"], rows, right=(2, 3, 4, 5))) + _notes(p.warnings)


def profile_figure(p) -> Figure:
    import plotly.graph_objects as go

    labels = [f"{s.function} ({s.position})" for s in p.sites]
    fig = go.Figure(go.Bar(x=[s.bytes for s in p.sites], y=labels, orientation="h", marker_color=COLORS[1],
                           customdata=[s.objects for s in p.sites],
                           hovertemplate="%{y}<br>%{x:,} bytes in %{customdata:,} objects<extra></extra>"))
    fig.update_layout(title="bytes allocated per site", xaxis_title="bytes", yaxis=dict(autorange="reversed"),
                      height=140 + 36 * len(labels), template="plotly_white", margin=dict(l=10, r=10, t=50, b=40))
    return Figure(fig, hbar_svg(labels, [s.bytes for s in p.sites], unit=" B", title="bytes allocated per site"), "allocation sites")


def gctrace_html(t) -> str:
    rows = [[str(c.number), f"{c.heap_before_mb:g} → {c.heap_after_mb:g} MB", f"{c.heap_goal_mb:g} MB",
             f"{c.pause_ms:.3f} ms"] for c in t.cycles]
    head = f'<div style="{FONT};margin-bottom:4px"><b>{len(t.cycles)} GC cycles</b>, total stop-the-world pause {t.total_pause_ms:.3f} ms</div>'
    return head + (_table(["cycle", "heap (start → end)", "goal", "STW pause"], rows, right=(0, 1, 2, 3)) if rows else "")


def memstats_html(m) -> str:
    rows = [[e(k), f"{m.before.get(k, 0):,}", f"{m.after.get(k, 0):,}", f"{m.delta.get(k, 0):,}"] for k in m.delta]
    return (f'<div style="{FONT};margin-bottom:4px">runtime.MemStats around <code>{e(m.call)}</code></div>'
            + _table(["field", "before", "after", "delta"], rows, right=(1, 2, 3)))


display.register(Summary, html=summary_html)
display.register(Comparison, html=comparison_html)
display.register(BenchResult, html=bench_html)
display.register(FrameReport, html=frames_html)
display.register(StackGrowth, html=stack_growth_html)
display.register(AllocProfile, html=profile_html)
display.register(GCTrace, html=gctrace_html)
display.register(MemStatsDelta, html=memstats_html)
