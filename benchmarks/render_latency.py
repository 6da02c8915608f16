"""How long the annotated view takes for a 16,000-line Go file, against a baseline
measured in the same run.

The file (4,000 small functions, each with a variable moved to the heap) is
compiled once by the real compiler (``golab.escape``, ``-m=2``); then, each
round, the same report is drawn as HTML (``golab.render.escape_html``: it
stops with a note past ``MAX_HTML_CHARS``) and as text (``escape_text``,
every line), and the baseline highlights the whole file with pygments'
own HTML formatter (``pygments.highlight``), the work any highlighted view
must at least do.  Prints the medians, the HTML size and the ratios;
targets: the HTML view under 2 s, the text view linear (it draws all
16,000 lines).  Run: ``python benchmarks/render_latency.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pygments import highlight  # noqa: E402
from pygments.formatters import HtmlFormatter  # noqa: E402
from pygments.lexers.go import GoLexer  # noqa: E402

import golab  # noqa: E402
from golab.render import MAX_HTML_CHARS, escape_html, escape_text  # noqa: E402

FUNCS = 4000  # 4 lines each: 16,000 lines


def source() -> str:
    parts = []
    for i in range(FUNCS):
        parts.append(f"func f{i}() *int {{\n\tv := {i}\n\treturn &v\n}}\n")
    return "".join(parts)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    text = source()
    start = time.perf_counter()
    report = golab.escape(text, level=2, name="big.go", timeout=600)
    compile_s = time.perf_counter() - start
    if report.errors:
        print("the generated file does not compile:", report.errors[:3], file=sys.stderr)
        return 1
    lines = text.count("\n")
    print(f"{lines} lines, {len(report.decisions)} decisions; golab.escape (compile, -m=2) took {compile_s:.1f} s")
    times: dict[str, list[float]] = {"escape_html": [], "escape_text": [], "pygments.highlight (baseline)": []}
    html = ""
    for _ in range(args.rounds):
        start = time.perf_counter()
        html = escape_html(report)
        times["escape_html"].append(time.perf_counter() - start)
        times["escape_text"].append(timed(lambda: escape_text(report)))
        times["pygments.highlight (baseline)"].append(timed(lambda: highlight(text, GoLexer(), HtmlFormatter())))
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name, value in medians.items():
        print(f"{name:32s} median {value * 1000:8.1f} ms over {args.rounds} rounds")
    base = medians["pygments.highlight (baseline)"]
    print(f"HTML: {len(html):,} characters (cut past {MAX_HTML_CHARS:,}: {'yes' if 'golab-cut' in html else 'no'})")
    print(f"ratios to the baseline: escape_html {medians['escape_html'] / base:.2f}x, escape_text {medians['escape_text'] / base:.2f}x")
    ok = medians["escape_html"] < 2.0
    print("target escape_html < 2 s:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
