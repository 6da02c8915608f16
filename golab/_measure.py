"""The views' one door to the measuring analysers (bench, frames).

What it does: the magics and widgets call these few functions instead of
:mod:`golab.bench`, :mod:`golab.frames` and :mod:`golab.render_measure`
directly, so the views stay small and their coupling to those modules
lives in one place.  Nothing here runs ``go`` itself: the analysers do.

What it reads: Go source or paths, benchmark options, results.

What it returns: the analysers' own result objects, short status strings,
HTML, and figures (from :mod:`golab.render_measure`).
"""

from __future__ import annotations

import html
import importlib
import threading
from typing import Callable

_bench = importlib.import_module("golab.bench")  # the module (golab.bench is the function)
_frames = importlib.import_module("golab.frames")


def bench(source_or_path, *, pattern: str = ".", count: int = 5, benchtime: str = "1s", timeout: float | None = None,
          name: str = "cell_test.go", progress: Callable | None = None, cancel: threading.Event | None = None):
    """Run benchmarks (go test -bench -benchmem) through golab.bench."""
    return _bench.bench(source_or_path, pattern=pattern, count=count, benchtime=benchtime, timeout=timeout,
                        name=name, progress=progress, cancel=cancel)


def compare(before, after, **kwargs):
    """Interleaved benchmark run of two variants (golab.compare)."""
    return _bench.compare(before, after, **kwargs)


def frames(source_or_path, *, name: str = "cell.go", inline: bool = True, timeout: float | None = None):
    return _frames.frames(source_or_path, name=name, inline=inline, timeout=timeout)


def describe_progress(done: int, total: int, sample=None) -> tuple[str, int]:
    """(text, percent) for golab.bench's ``progress(done, total, sample)``."""
    pct = int(100 * done / total) if total else 0
    label = getattr(sample, "name", "") if sample is not None else ""
    return f"benchmark: {done}/{total} runs" + (f" ({label})" if label else ""), pct


def bench_status(result) -> str:
    if result.cancelled:
        return "Cancelled: showing the samples taken so far."
    return f"Done: {len(result.samples)} samples."


def bench_verdict_html(result) -> str:
    """The comparisons' verdicts in bold, then the result's text table."""
    head = "".join(f"<div><b>{html.escape(c.verdict)}</b></div>" for c in result.comparisons)
    return (
        f'<div class="golab-verdict tex2jax_ignore mathjax_ignore">{head}'
        f'<pre style="white-space:pre-wrap">{html.escape(result.text())}</pre></div>'
    )


def bench_figure(result):
    from .render_measure import bench_figure as figure

    return figure(result)


def allocs_per_op(result, benchmark: str) -> int:
    return int(result[benchmark].allocs_per_op)


def bytes_per_op(result, benchmark: str) -> int | None:
    value = result[benchmark].bytes_per_op
    return None if value is None else int(value)
