"""The views' one door to the measuring analysers (bench, frames).

What it does: the magics and widgets call these few functions instead of
:mod:`golab.bench` / :mod:`golab.frames` / :mod:`golab.render_measure`
directly, so the views stay small and the coupling to those modules' APIs
lives in one place.  Nothing here runs ``go`` itself.

What it reads: Go source or paths, benchmark options.

What it returns: the analysers' own result objects, short status strings,
HTML, and plotly figures (from :mod:`golab.render_measure`).
"""

from __future__ import annotations

import html
import inspect
import threading
from typing import Any, Callable

from .toolchain import GolabError


def _module(name: str):
    import importlib

    try:
        return importlib.import_module(f"golab.{name}")
    except ImportError as exc:
        raise GolabError(f"golab.{name} is not available in this installation ({exc}).") from None


def _call(fn: Callable, *args, **kwargs):
    """Call ``fn`` with the keyword arguments it accepts (the analysers' options grow)."""
    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return fn(*args, **kwargs)


def bench(source_or_path, *, pattern: str = ".", count: int = 5, benchtime: str = "1s", timeout: float | None = None,
          name: str = "cell_test.go", progress: Callable | None = None, cancel: threading.Event | None = None):
    """Run benchmarks (go test -bench -benchmem) through golab.bench."""
    mod = _module("bench")
    return _call(mod.bench, source_or_path, pattern=pattern, count=count, benchtime=benchtime, timeout=timeout,
                 name=name, progress=progress, cancel=cancel)


def describe_progress(*event) -> tuple[str, int]:
    """(text, percent) for a progress callback's arguments."""
    if len(event) == 1 and hasattr(event[0], "__dict__"):
        e = event[0]
        done = getattr(e, "done", None) or getattr(e, "completed", None) or 0
        total = getattr(e, "total", None) or 0
        label = getattr(e, "name", None) or getattr(e, "benchmark", None) or ""
    elif len(event) >= 2:
        done, total = event[0], event[1]
        label = event[2] if len(event) > 2 else ""
        label = getattr(label, "name", label) or ""  # golab.bench passes the Sample
    else:
        done, total, label = 0, 0, ""
    pct = int(100 * done / total) if total else 0
    text = f"benchmark: {done}/{total} runs" + (f" ({label})" if label else "")
    return text, pct


def bench_status(result: Any) -> str:
    if getattr(result, "cancelled", False):
        return "Cancelled: showing the samples taken so far."
    n = len(getattr(result, "samples", []) or [])
    return f"Done: {n} samples."


def bench_verdict_html(result: Any) -> str:
    verdict = getattr(result, "verdict", None)
    if callable(verdict):
        verdict = verdict()
    if verdict:
        return f'<div class="golab-verdict tex2jax_ignore mathjax_ignore">{html.escape(str(verdict))}</div>'
    comparisons = getattr(result, "comparisons", None) or []
    lines = [c.verdict for c in comparisons]
    text = result.text() if hasattr(result, "text") else str(result)
    head = "".join(f"<div><b>{html.escape(v)}</b></div>" for v in lines)
    return f'<div class="golab-verdict tex2jax_ignore mathjax_ignore">{head}<pre style="white-space:pre-wrap">{html.escape(text)}</pre></div>'


def bench_figure(result: Any):
    try:
        rm = _module("render_measure")
    except GolabError:
        return None
    for fn in ("bench_figure", "summary_figure", "figure"):
        if hasattr(rm, fn):
            return getattr(rm, fn)(result)
    return None


def compare(before: Any, after: Any, **kwargs):
    """Interleaved benchmark run of two variants (golab.bench.compare)."""
    return _call(_module("bench").compare, before, after, **kwargs)


def frames(source_or_path, *, name: str = "cell.go", inline: bool = True, timeout: float | None = None):
    mod = _module("frames")
    return _call(mod.frames, source_or_path, name=name, inline=inline, timeout=timeout)


def _summary(result: Any, benchmark: str):
    for attr in ("summaries", "benchmarks", "results"):
        items = getattr(result, attr, None)
        if isinstance(items, dict):
            for key, value in items.items():
                if key == benchmark or str(key).split("-")[0] == benchmark:
                    return value
        elif items:
            for value in items:
                if getattr(value, "name", "").split("-")[0] == benchmark:
                    return value
    raise GolabError(f"{benchmark} did not report a result")


def allocs_per_op(result: Any, benchmark: str) -> int:
    s = result[benchmark] if hasattr(result, "__getitem__") else _summary(result, benchmark)
    for attr in ("allocs_per_op", "allocs"):
        v = getattr(s, attr, None)
        if v is not None:
            return int(round(v() if callable(v) else v))
    raise GolabError(f"{benchmark}: no allocs/op (was -benchmem used?)")


def bytes_per_op(result: Any, benchmark: str) -> int | None:
    s = result[benchmark] if hasattr(result, "__getitem__") else _summary(result, benchmark)
    for attr in ("bytes_per_op", "bytes"):
        v = getattr(s, attr, None)
        if v is not None:
            return int(round(v() if callable(v) else v))
    return None
