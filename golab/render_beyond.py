"""Views of the lessons beyond the guide: GC experiments, PGO, Go versions.

What it does: draws the plain data of :mod:`golab.gc`, :mod:`golab.pgo` and
:mod:`golab.versions`: ``*_html`` functions return self-contained HTML
(inline styles and SVG, no JavaScript); ``*_figure`` functions return a
:class:`golab.render_measure.Figure` (plotly JSON for JupyterLab plus a
static SVG fallback for nbconvert and GitHub, no plotly.js saved).
Importing this module registers those views with :mod:`golab.display`
(``golab/__init__`` does), so a result alone in a cell draws itself while the
data modules import no view.

What it reads: :class:`~golab.gc.GCExperiment`, :class:`~golab.pgo.PGOResult`,
:class:`~golab.versions.VersionsReport` and their parts.

What it returns: strings and Figure objects.  It never runs ``go``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Sequence

from . import display
from .render_measure import COLORS, FONT, Figure, _notes, _table, comparison_html, svg_axes

if TYPE_CHECKING:  # pragma: no cover
    from .gc import GCExperiment, GCSetting

e = html.escape
MIB = 2**20
MAX_POINTS = 120  # per line in a saved chart: enough to see the saw-tooth, small in git
CHART_COLORS = COLORS + ["#17becf", "#8c564b", "#bcbd22"]
# theme-aware colours (JupyterLab's variables, with the light theme's values for nbconvert and
# GitHub); text cells say text-align:left because JupyterLab right-aligns every <td>
RED = "var(--jp-error-color1,#a3160f)"
GREEN = "var(--jp-success-color1,#12602b)"
TD_TOP = "text-align:left;padding:3px 8px;border-bottom:1px solid var(--jp-border-color2,#e4e4e4);vertical-align:top"
TH_LEFT = ("text-align:left;padding:3px 8px;border-bottom:1px solid var(--jp-border-color1,#999);"
           "background:var(--jp-layout-color2,#f4f4f4);color:var(--jp-content-font-color1,#222)")


def _mib(n: float | None) -> str:
    return "–" if n is None else f"{n / MIB:,.1f}\u00a0MiB"  # no break between number and unit


def _thin(points: Sequence, limit: int = MAX_POINTS) -> list:
    """At most ``limit`` points, always keeping the first and the last."""
    points = list(points)
    if len(points) <= limit:
        return points
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


# ---------------------------------------------------------------- SVG


def lines_svg(series: Sequence[tuple[str, Sequence[float], Sequence[float], bool]], *, xlabel: str = "",
              ylabel: str = "", title: str = "", width: int = 640, height: int = 300) -> str:
    """Several lines as inline SVG: (label, xs, ys, dashed) each, with a legend."""
    left, bottom, top, right = 64, 36, 26, 170
    xmax = max([max(xs) for _, xs, _, _ in series if xs] + [1e-9])
    ymax = max([max(ys) for _, _, ys, _ in series if ys] + [1e-9])
    sx = (width - left - right) / xmax
    sy = (height - top - bottom) / ymax

    def pt(x, y):
        return f"{left + x * sx:.1f},{height - bottom - y * sy:.1f}"

    parts = svg_axes(width, height, left, top, right, bottom, xmax, ymax, title=title, xlabel=xlabel, ylabel=ylabel,
                     xlabel_at=((width - right + left) / 2, height - 6), ylabel_x=14)
    colour_of: dict[str, str] = {}
    for i, (label, xs, ys, dashed) in enumerate(series):
        base = label.split(" goal")[0]
        colour = colour_of.setdefault(base, CHART_COLORS[len(colour_of) % len(CHART_COLORS)])
        pts = " ".join(pt(x, y) for x, y in _thin(list(zip(xs, ys))))
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{1.2 if dashed else 2}"{dash} points="{pts}"/>')
        y = top + 4 + 16 * i
        parts.append(f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{width - right + 34}" y="{y + 4}">{e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------- GC


_GC_HEAD = ["setting", "GC cycles", "GC CPU", "GC CPU / cycle", "live heap", "peak heap", "peak memory", "wall time",
            "allocated / s", "runs"]


def _gc_row(s: "GCSetting") -> list[str]:
    return [
        f"<code>{e(s.label)}</code>", f"{s.cycles:,}", f"{s.gc_cpu_fraction:.1%}",
        f"{s.gc_cpu_per_cycle * 1000:.2f}\u00a0ms", _mib(s.live_heap), _mib(s.peak_heap), _mib(s.peak_mapped),
        f"{s.wall_seconds * 1000:,.1f}\u00a0ms", f"{s.alloc_rate / MIB:,.0f}\u00a0MiB/s", str(len(s.runs)),
    ]


def gc_html(exp: "GCExperiment") -> str:
    """A table: one row per setting (medians over its runs)."""
    head = (f'<div style="{FONT};color:var(--jp-content-font-color2,#666);margin-bottom:4px">{e(exp.go_version)} · '
            f'<code>{e(exp.workload)}({exp.size:,})</code> · {exp.repeat} run(s) per setting · '
            "GC CPU = /cpu/classes/gc/total ÷ /cpu/classes/total (runtime/metrics, as of the last cycle)</div>")
    body = _table(_GC_HEAD, [_gc_row(s) for s in exp.settings], right=range(1, 10))
    return f'<div class="golab-gc tex2jax_ignore mathjax_ignore">{head}{body}{_notes([], exp.notes)}</div>'


def gc_table(experiments: Sequence["GCExperiment"]) -> "HTML":
    """One table over several experiments (e.g. two workloads): a row per workload and setting."""
    rows = []
    for exp in experiments:
        for s in exp.settings:
            row = _gc_row(s)
            row[0] = f"<code>{e(exp.workload)}({exp.size:,})</code> {row[0]}"
            rows.append(row)
    return HTML(f'<div class="golab-gc tex2jax_ignore mathjax_ignore">{_table(_GC_HEAD, rows, right=range(1, 10))}</div>')


class HTML:
    """A piece of HTML that shows itself in Jupyter (and its tags-free text elsewhere)."""

    def __init__(self, html_text: str):
        self.html = html_text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        import re

        return re.sub(r"<[^>]+>", " ", self.html).strip()


def gc_heap_figure(exp: "GCExperiment", settings: Sequence | None = None) -> Figure:
    """Heap in use over time (solid) against the heap goal (dotted), one colour per setting."""
    import plotly.graph_objects as go

    chosen = [exp[s] for s in settings] if settings else list(exp.settings)
    fig = go.Figure()
    series = []
    for i, s in enumerate(chosen):
        run = s.first
        colour = CHART_COLORS[i % len(CHART_COLORS)]
        points = _thin([*run.samples, run.end])
        xs = [round(p.seconds * 1000, 1) for p in points]
        heap = [round(p.heap / MIB, 2) for p in points]
        fig.add_trace(go.Scatter(x=xs, y=heap, name=s.label, mode="lines", line=dict(color=colour, width=2),
                                 legendgroup=s.label, hovertemplate="%{x} ms: %{y} MiB in use<extra>" + e(s.label) + "</extra>"))
        series.append((s.label, xs, heap, False))
        goal_points = [p for p in points if p.goal is not None]
        if goal_points:
            gx = [round(p.seconds * 1000, 1) for p in goal_points]
            gy = [round(p.goal / MIB, 2) for p in goal_points]
            fig.add_trace(go.Scatter(x=gx, y=gy, name=f"{s.label} goal", mode="lines", legendgroup=s.label,
                                     line=dict(color=colour, width=1, dash="dot"),
                                     hovertemplate="%{x} ms: goal %{y} MiB<extra>" + e(s.label) + "</extra>"))
            series.append((f"{s.label} goal", gx, gy, True))
        if s.memory_limit:
            fig.add_hline(y=s.memory_limit / MIB, line=dict(color=colour, width=1, dash="dash"),
                          annotation_text=f"GOMEMLIMIT {s.memory_limit / MIB:g} MiB", annotation_position="top left")
    title = f"heap in use (solid) and heap goal (dotted) while {exp.workload}({exp.size:,}) runs"
    fig.update_layout(title=title, xaxis_title="time since the workload started (ms)", yaxis_title="MiB",
                      template="plotly_white", height=400, margin=dict(l=10, r=10, t=50, b=40))
    svg = lines_svg(series, xlabel="ms since start", ylabel="MiB", title="heap in use (solid), goal (dashed)")
    return Figure(fig, svg, "heap over time")


def gc_summary_figure(exp: "GCExperiment") -> Figure:
    """Per setting: GC cycles, GC CPU fraction and wall time, side by side."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    labels = exp.labels
    fig = make_subplots(rows=1, cols=3, subplot_titles=("GC cycles", "GC CPU (% of all CPU)", "wall time (ms)"),
                        shared_yaxes=True, horizontal_spacing=0.04)
    values = [
        [s.cycles for s in exp.settings],
        [round(100 * s.gc_cpu_fraction, 1) for s in exp.settings],
        [round(s.wall_seconds * 1000, 1) for s in exp.settings],
    ]
    for col, vals in enumerate(values, 1):
        fig.add_trace(go.Bar(x=vals, y=labels, orientation="h", showlegend=False,
                             marker_color=[CHART_COLORS[i % len(CHART_COLORS)] for i in range(len(labels))]),
                      row=1, col=col)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(template="plotly_white", height=150 + 34 * len(labels), margin=dict(l=10, r=10, t=40, b=30))
    from .render_measure import hbar_svg

    svg = "".join(hbar_svg(labels, vals, title=t, width=420, fmt=f)
                  for vals, t, f in zip(values, ("GC cycles", "GC CPU %", "wall time ms"),
                                        (lambda v: f"{v:,.0f}", lambda v: f"{v:.1f}%", lambda v: f"{v:,.1f} ms")))
    return Figure(fig, f'<div style="display:flex;flex-wrap:wrap;gap:8px">{svg}</div>', "GC per setting")


def gc_comparison(exp: "GCExperiment", a, b) -> HTML:
    """The verdict of :meth:`GCExperiment.compare` (wall time) under both settings' rows."""
    c = exp.compare(a, b)
    table = _table(_GC_HEAD, [_gc_row(exp[a]), _gc_row(exp[b])], right=range(1, 10))
    return HTML(f'<div class="golab-gc tex2jax_ignore mathjax_ignore">{table}{comparison_html(c)}{_notes(c.warnings)}</div>')


# ---------------------------------------------------------------- registry


# ---------------------------------------------------------------- PGO


def _msg_cell(messages: Sequence[str], other: Sequence[str], colour: str) -> str:
    out = []
    for m in messages:
        changed = m not in other
        style = f"color:{colour};font-weight:600" if changed else "color:var(--jp-content-font-color2,#555)"
        out.append(f'<div style="{style}">{"+ " if changed and colour == GREEN else ("- " if changed else "")}{e(m)}</div>')
    return "".join(out) or '<span style="color:var(--jp-content-font-color3,#999)">–</span>'


def pgo_html(result) -> str:
    """The verdict, both builds' benchmark rows, and the decisions the profile changed, side by side."""
    from .render_measure import _BENCH_HEAD, _bench_rows

    td = TD_TOP
    th = TH_LEFT
    rows = []
    for c in result.changed:
        rows.append(
            f'<tr><td style="{td};white-space:pre;font-family:var(--jp-code-font-family,monospace)">'
            f'<span style="color:var(--jp-content-font-color3,#999)">{c.line}</span> {e(c.code)}</td>'
            f'<td style="{td}">{_msg_cell(c.before, c.after, RED)}</td>'
            f'<td style="{td}">{_msg_cell(c.after, c.before, GREEN)}</td></tr>'
        )
    diff = (f'<table style="border-collapse:collapse;{FONT};margin-top:6px"><thead><tr><th style="{th}">line</th>'
            f'<th style="{th}">without the profile (-m=2)</th><th style="{th}">with the profile</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>') if rows else f'<div style="{FONT}">no decision changed</div>'
    hot = ", ".join(f"{e(f)} {share:.0%}" for f, share in result.hot_functions[:5])
    head = (f'<div style="{FONT};color:var(--jp-content-font-color2,#666);margin-bottom:4px">{e(result.go_version)} · profile: '
            f'{result.profile_bytes:,} bytes from a {result.profile_seconds:.1f} s run · hottest (cumulative): {hot}</div>')
    bench = _table(_BENCH_HEAD, _bench_rows([result.base, result.pgo]), right=(1, 2, 3, 4, 5, 6))
    return (f'<div class="golab-pgo tex2jax_ignore mathjax_ignore">{head}{comparison_html(result.comparison)}'
            f"{bench}{diff}{_notes(result.comparison.warnings, result.notes)}</div>")


def pgo_figure(result) -> Figure:
    """Median ns/op of both builds with their 95% intervals."""
    import plotly.graph_objects as go

    from .render_measure import _fmt_ns, hbar_svg, wrap_title

    summaries = [result.base, result.pgo]
    labels = [s.variant for s in summaries]
    med = [s.median_ns for s in summaries]
    fig = go.Figure(go.Bar(
        x=med, y=labels, orientation="h", marker_color=CHART_COLORS[:2],
        error_x=dict(type="data", symmetric=False, array=[s.ci.hi - s.median_ns for s in summaries],
                     arrayminus=[s.median_ns - s.ci.lo for s in summaries]),
        hovertemplate="%{y}: %{x:.4g} ns/op<extra></extra>",
    ))
    # the verdict, wrapped: one line of it runs past a FIGURE_WIDTH chart's right edge
    title = wrap_title(result.comparison.verdict)
    extra = 18 * title.count("<br>")
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)), xaxis_title="ns/op (median, 95% CI)",
                      yaxis=dict(autorange="reversed"), height=220 + extra, template="plotly_white",
                      margin=dict(l=10, r=10, t=60 + extra, b=40))
    svg = hbar_svg(labels, med, [s.ci.lo for s in summaries], [s.ci.hi for s in summaries], unit="/op", fmt=_fmt_ns,
                   title="median ns/op, 95% CI")
    return Figure(fig, svg + comparison_html(result.comparison), "PGO speedup")


# ---------------------------------------------------------------- versions

# translucent: readable under the light and the dark theme's text colours
DIFF_BG = "rgba(255,193,7,.22)"


def versions_html(report) -> str:
    """One row per source line with a decision: the code, then each version's
    decisions in its own column; lines whose decisions differ are highlighted."""
    from .render import highlight_lines

    th = TH_LEFT
    head = "".join(f'<th style="{th}">{e(v)}</th>' for v in report.versions)
    rows = []
    highlighted = {f: highlight_lines(t) for f, t in report.sources.items()}
    differing = set(report.differing)
    for file, line in report.lines:
        bg = f"background:{DIFF_BG};" if (file, line) in differing else ""
        code = highlighted.get(file, [])[line - 1] if line <= len(highlighted.get(file, [])) else ""
        cells = []
        for v in report.versions:
            msgs = report.messages(v, line, file)
            items = "".join(
                f'<div style="color:{RED if ("heap" in m and "does not" not in m) or m.startswith("leaking") else GREEN}">{e(m)}</div>'
                for m in msgs) or '<span style="color:var(--jp-content-font-color3,#999)">–</span>'
            cells.append(f'<td style="{TD_TOP};{bg}">{items}</td>')
        mark = "≠ " if (file, line) in differing else ""
        rows.append(
            f'<tr><td style="{TD_TOP};white-space:pre-wrap;'
            f'font-family:var(--jp-code-font-family,monospace);{bg}"><span style="color:var(--jp-content-font-color3,#999)">{mark}{line}</span> {code.strip()}</td>'
            + "".join(cells) + "</tr>"
        )
    lang = f" · language version {e(report.lang)} (as a go.mod go line sets it)" if report.lang else ""
    intro = (f'<div style="{FONT};color:var(--jp-content-font-color2,#666);margin-bottom:4px">{len(differing)} of {len(report.lines)} lines differ '
             f"(highlighted){lang}</div>")
    table = (f'<table style="border-collapse:collapse;{FONT}"><thead><tr><th style="{th}">line</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    # pre-wrap and overflow-x: at 1024 px with the side bar open, three version columns beside
    # the code did not fit, and the last one was cut at the output's edge
    return f'<div class="golab-versions tex2jax_ignore mathjax_ignore" style="overflow-x:auto">{intro}{table}</div>'


def allocs_html(table) -> str:
    """allocs/op (and B/op) per benchmark and version; a row whose count changes is highlighted."""
    head = ["benchmark"] + [f"{v} allocs/op" for v in table.versions]
    rows = []
    for b in table.benchmarks:
        counts = [table.allocs[b, v] for v in table.versions]
        changed = len(set(counts)) > 1
        style = f' style="background:{DIFF_BG}"' if changed else ""
        cells = [f"<code>{e(b.removeprefix('Benchmark'))}</code>"] + [
            f"{c} <span style='color:var(--jp-content-font-color2,#888)'>({table.bytes[b, v]} B)</span>" for c, v in zip(counts, table.versions)]
        rows.append((style, cells))
    body = "".join(
        f"<tr{style}>" + "".join(f'<td style="{TD_TOP}">{c}</td>' for c in cells) + "</tr>"
        for style, cells in rows)
    th = "".join(f'<th style="{TH_LEFT}">{e(h)}</th>' for h in head)
    note = f'<div style="{FONT};color:var(--jp-content-font-color2,#666);margin-top:4px">each benchmark run once for {e(table.benchtime)} with each version; changed rows highlighted</div>'
    return f'<div class="golab-versions" style="overflow-x:auto"><table style="border-collapse:collapse;{FONT}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>{note}</div>'



def _register() -> None:
    from .gc import GCExperiment
    from .pgo import PGOResult
    from .versions import AllocsByVersion, VersionsReport

    for cls, view in ((GCExperiment, gc_html), (PGOResult, pgo_html), (VersionsReport, versions_html),
                      (AllocsByVersion, allocs_html)):
        display.register(cls, html=view)


_register()
