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
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .bench import BenchResult, Comparison, Summary
    from .frames import FrameReport, StackGrowth

PLOTLY_MIME = "application/vnd.plotly.v1+json"
FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:13px"
TABLE = f"border-collapse:collapse;{FONT}"
TH = "text-align:left;padding:3px 10px;border-bottom:1px solid #999;background:#f4f4f4"
TD = "padding:3px 10px;border-bottom:1px solid #e4e4e4"
TDR = TD + ";text-align:right;font-variant-numeric:tabular-nums"
FIGURE_WIDTH = 760  # px: fits a JupyterLab output area beside the prompt
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
    out = "".join(f'<div style="{FONT};color:#8a4b00;margin-top:4px">⚠ {e(w)}</div>' for w in warnings)
    out += "".join(f'<div style="{FONT};color:#555;margin-top:4px">ℹ {e(n)}</div>' for n in notes)
    return out


def _fmt_ns(ns: float) -> str:
    from .bench import format_ns

    return format_ns(ns)


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
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" style="{FONT}">']
    if title:
        parts.append(f'<text x="4" y="16" font-weight="bold">{e(title)}</text>')
    for i, (label, v) in enumerate(zip(labels, values)):
        y = top + i * row
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end">{e(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{max(v * scale, 1):.1f}" height="16" fill="{COLORS[i % len(COLORS)]}" opacity="0.8"/>')
        end = v * scale
        if lo is not None and hi is not None:
            a, b = left + lo[i] * scale, left + hi[i] * scale
            parts.append(f'<line x1="{a:.1f}" x2="{b:.1f}" y1="{y + 13}" y2="{y + 13}" stroke="#222"/>')
            parts.append(f'<line x1="{a:.1f}" x2="{a:.1f}" y1="{y + 8}" y2="{y + 18}" stroke="#222"/>')
            parts.append(f'<line x1="{b:.1f}" x2="{b:.1f}" y1="{y + 8}" y2="{y + 18}" stroke="#222"/>')
            end = max(end, hi[i] * scale)
        parts.append(f'<text x="{left + end + 6:.1f}" y="{y + 17}">{e(fmt(v))}{e(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


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
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" style="{FONT}">']
    if title:
        parts.append(f'<text x="4" y="16" font-weight="bold">{e(title)}</text>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#888"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#888"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{ymax:,.0f}</text>')
    parts.append(f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>')
    parts.append(f'<text x="{width - right}" y="{height - bottom + 16}" text-anchor="end">{xmax:,.0f}</text>')
    parts.append(f'<text x="{(width) / 2}" y="{height - 4}" text-anchor="middle">{e(xlabel)}</text>')
    parts.append(f'<text x="12" y="{(height) / 2}" transform="rotate(-90 12 {(height) / 2})" text-anchor="middle">{e(ylabel)}</text>')
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


def comparison_html(c: "Comparison") -> str:
    colour = "#12602b" if c.significant and c.ratio < 1 else ("#a3160f" if c.significant else "#444")
    interval = f"ratio {c.ratio:.3f} (95% CI {c.ratio_ci.lo:.3f} – {c.ratio_ci.hi:.3f})"
    return (f'<div style="{FONT};margin:4px 0"><b style="color:{colour}">{e(c.verdict)}</b>'
            f' <span style="color:#666">{e(interval)}</span></div>')


def summary_html(s: "Summary") -> str:
    return _table(_BENCH_HEAD, _bench_rows([s]), right=(1, 2, 3, 4, 5, 6))


def bench_html(r: "BenchResult") -> str:
    head = f'<div style="{FONT};color:#666;margin-bottom:4px">{e(r.go_version)} {e(r.goos)}/{e(r.goarch)} · cpu: {e(r.cpu)} · benchtime {e(r.benchtime)} · count {r.count}</div>'
    out = head + _table(_BENCH_HEAD, _bench_rows(r.benchmarks), right=(1, 2, 3, 4, 5, 6))
    out += "".join(comparison_html(c) for c in r.comparisons)
    if r.cancelled:
        out += f'<div style="{FONT};color:#a3160f">cancelled: the results are partial</div>'
    return '<div class="golab-bench tex2jax_ignore mathjax_ignore">' + out + _notes(r.warnings, r.notes) + "</div>"


def bench_figure(r: "BenchResult", comparison: "Comparison | None" = None) -> Figure:
    """Median ns/op per benchmark with its 95% interval; the ratio annotated."""
    import plotly.graph_objects as go

    labels = [s.label for s in r.benchmarks]
    med = [s.median_ns for s in r.benchmarks]
    fig = go.Figure(go.Bar(
        x=med, y=labels, orientation="h", marker_color=[COLORS[i % len(COLORS)] for i in range(len(labels))],
        error_x=dict(type="data", symmetric=False, array=[s.ci.hi - s.median_ns for s in r.benchmarks],
                     arrayminus=[s.median_ns - s.ci.lo for s in r.benchmarks]),
        customdata=[[s.n, s.bytes_per_op, s.allocs_per_op] for s in r.benchmarks],
        hovertemplate="%{y}: %{x:.4g} ns/op<br>n=%{customdata[0]}, %{customdata[1]} B/op, %{customdata[2]} allocs/op<extra></extra>",
    ))
    comparisons = [comparison] if comparison else list(r.comparisons)
    if not comparisons and len(r.benchmarks) == 2:
        comparisons = [r.compare((r.benchmarks[0].name, r.benchmarks[0].variant), (r.benchmarks[1].name, r.benchmarks[1].variant))]
    title = "median ns/op with 95% confidence interval"
    if comparisons:
        title += "<br><sup>" + "; ".join(html.escape(c.verdict) for c in comparisons) + "</sup>"
    fig.update_layout(title=title, xaxis_title="ns/op", yaxis=dict(autorange="reversed"), height=140 + 40 * len(labels),
                      margin=dict(l=10, r=10, t=70, b=40), template="plotly_white")
    svg = hbar_svg(labels, med, [s.ci.lo for s in r.benchmarks], [s.ci.hi for s in r.benchmarks], unit="/op",
                   fmt=_fmt_ns, title="median ns/op, 95% CI")
    fallback = svg + "".join(comparison_html(c) for c in comparisons)
    return Figure(fig, fallback, "benchmark medians")


# ---------------------------------------------------------------- frames


def frames_html(r: "FrameReport") -> str:
    if r.errors:
        items = "".join(f"<li><code>{e(str(x))}</code></li>" for x in r.errors)
        return f'<div style="{FONT};color:#a3160f">does not compile:<ul>{items}</ul></div>'
    rows = []
    for f in r.user_frames():
        inl = ("inlined at " + ", ".join(f.inlined_at)) if f.inlined_at else ("can inline" if f.inlinable else "")
        rows.append([f"<code>{e(f.function)}</code>", e(f.position), f"{f.frame_bytes:,} B" if f.compiled else "–",
                     f"{f.args_bytes:,} B" if f.compiled else "–", e(inl or ("no TEXT symbol" if not f.compiled else ""))])
    head = f'<div style="{FONT};color:#666;margin-bottom:4px">{e(r.go_version)} {e(r.goarch)}{"" if r.inline else " · -l (inlining off)"}</div>'
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
    fig.update_layout(title=g.verdict(), xaxis_title="recursion depth", yaxis_title="bytes", template="plotly_white",
                      height=380, margin=dict(l=10, r=10, t=60, b=40))
    return Figure(fig, stack_growth_html(g), "stack growth")


# ---------------------------------------------------------------- profile


def profile_html(p) -> str:
    rows = [[f"<code>{e(s.function)}</code>", e(s.position), f"{s.bytes:,}", f"{s.objects:,}",
             f"{s.bytes_per_op:,.1f}" if s.bytes_per_op is not None else "–",
             f"{s.objects_per_op:,.2f}" if s.objects_per_op is not None else "–"] for s in p.sites]
    head = f'<div style="{FONT};color:#666;margin-bottom:4px">{e(p.go_version)} · {e(p.benchmark or "")} · {p.iterations or "?"} iterations · memprofilerate=1</div>'
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
