"""Benchmarks, their samples, and honest statistics about them.

What it does: has :mod:`golab.binary` build a snippet's test binary once
(``go test -c``, cached and verified), then runs it ``count`` times with
``-test.count=1 -test.run=^$ -test.bench=PATTERN -test.benchmem -test.v``
(the ``-test.v`` framing lets :class:`golab.binary.BenchStream` tell the
testing package's result lines from lines a program prints, and a binary
that ends without its ``PASS`` from one that finished).  Building, running,
watching and reading failures live in :mod:`golab.binary`; this module does
benchmarking and statistics.  Each run yields one sample per matching benchmark, so the
benchmarks of one snippet (and the two variants given to :func:`compare`)
are measured interleaved, A B A B ..., and a slow drift of the machine (a
neighbour's job, thermal throttling) spreads over both instead of
masquerading as a difference.  Every sample is kept: ns/op, B/op, allocs/op
and any custom unit a benchmark adds with ``b.ReportMetric``.

Per benchmark, a :class:`Summary` holds the median, min, max and a 95%
confidence interval of the median computed the way benchstat does it: a
distribution-free interval between two order statistics, chosen with the
binomial distribution (``scipy.stats.binom``).  With fewer than 6 samples no
such interval reaches 95%; the interval is then the whole range and says so.
Two benchmarks (or one benchmark in two variants) are compared by the ratio
of their medians, a distribution-free interval of that ratio (Hodges-Lehmann
/ Moses, the interval that goes with the Mann-Whitney test, computed on
log ns/op) and a two-sided Mann-Whitney U p-value
(``scipy.stats.mannwhitneyu``); alpha is 0.05.  The verdict is a plain
sentence: "StackAlloc is 1.9x faster than HeapAlloc (p=0.001, n=10+10)".

Bytes and allocations per op are deterministic for a pinned Go and a
benchmark that does the same work each iteration: ``summary.allocs_per_op``
and ``summary.bytes_per_op`` (medians over the samples) are the values to
assert in tests and notebooks.  With a very small ``benchtime`` (``100x``)
the runtime's own bookkeeping can add a few bytes per op to B/op; allocs/op
is an integer division and stays exact.

Guardrails: a warning when fewer than 10 samples were taken; a warning when a
benchmark runs below about 1 ns/op (the compiler probably removed the work);
a note for classic ``for i := 0; i < b.N; i++`` loops whose body discards a
call's result, explaining ``for b.Loop()`` (Go 1.24+), which keeps the call
and its results alive.  Directives such as ``//go:noinline`` are kept as
written (golab only adds ``//line`` directives).

Environment: ``GOLAB_BENCH_SCALE`` (a float, e.g. ``0.1``) shrinks every run
for CI: ``count`` becomes ``max(5, round(count*scale))`` (never more than
asked) and ``benchtime`` is scaled too (``1s`` -> ``100ms``, ``100000x`` ->
``10000x``; an iteration count is not cut below 1000; the default benchtime
is 1s).  Learners get full runs; CI
re-executes notebooks fast.  The scaling is recorded in ``result.notes``.

What it reads: Go source text (a file or a fragment; text that contains
``func Benchmark`` is treated as a ``_test.go`` file), a .go file or a
package folder (its ``_test.go`` files included).

What it returns: a :class:`BenchResult` (plain data: samples, summaries,
warnings, notes, the Go benchmark text format via ``go_text()``,
``to_json()``, ``_repr_html_`` drawn by :mod:`golab.render_measure`), or a
:class:`Comparison`.  Problems a user can fix raise :class:`BenchError`
subclasses whose message points at the user's file:line.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import statistics
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import binary, display
from .binary import MODULE, strip_build_path, user_frames  # noqa: F401  (re-exported: older imports)
from .errors import (  # noqa: F401  (re-exported: older imports)
    BenchCancelled, BenchCompileError, BenchError, BenchExitedEarly, BenchFailed, BenchOutOfMemory, BenchPanic,
    BenchSkipped, BenchTimeout, InitPanic, NoBenchmarks, PhantomSamples,
)
from .stats import ALPHA, CONFIDENCE, Interval, mann_whitney_p, median_ci, ratio_ci
from .snippet import Snippet, SnippetError, SourceFile, _build, load, read_sources, strip_comments_and_strings
from .toolchain import Toolchain, check_seconds, default_timeout, find_go, workdir

MIN_SAMPLES_ADVISED = 10
DEFAULT_BENCHTIME = "1s"
TOO_FAST_NS = 1.0  # below this per op, the work was probably optimised away


# ---------------------------------------------------------------- errors
# (defined in golab.errors; importable from here as before)

# ---------------------------------------------------------------- data


@dataclasses.dataclass
class Sample:
    """One line of benchmark output: one run of one benchmark."""

    name: str  # "BenchmarkStackAlloc" (sub-benchmarks: "BenchmarkX/size=10")
    iterations: int
    ns_per_op: float
    bytes_per_op: int | None = None
    allocs_per_op: int | None = None
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)  # other units: "MB/s", "widgets/op"
    procs: int | None = None  # the -N suffix (GOMAXPROCS)
    variant: str | None = None
    round: int = 0  # which run of the test binary (0-based)

    def to_dict(self, full: bool = False) -> dict:
        d = {"ns_per_op": self.ns_per_op, "bytes_per_op": self.bytes_per_op, "allocs_per_op": self.allocs_per_op}
        if full:
            d.update(iterations=self.iterations, metrics=dict(self.metrics), procs=self.procs,
                     variant=self.variant, round=self.round)
        return d

    def go_line(self) -> str:
        """This sample in Go's benchmark format."""
        name = self.name + (f"-{self.procs}" if self.procs and self.procs > 1 else "")
        parts = [f"{name}\t{self.iterations:>10d}", f"{_fmt_num(self.ns_per_op)} ns/op"]
        for unit, value in self.metrics.items():
            parts.append(f"{_fmt_num(value)} {unit}")
        if self.bytes_per_op is not None:
            parts.append(f"{self.bytes_per_op} B/op")
        if self.allocs_per_op is not None:
            parts.append(f"{self.allocs_per_op} allocs/op")
        return "\t".join(parts)


def _fmt_num(x: float) -> str:
    if x == int(x) and abs(x) >= 100:
        return str(int(x))
    if abs(x) >= 100:
        return f"{x:.1f}"
    if abs(x) >= 10:
        return f"{x:.2f}"
    return f"{x:.3f}"


@dataclasses.dataclass
class Summary:
    """All samples of one benchmark (in one variant) and what they say."""

    name: str
    samples: list[Sample]
    median_ns: float
    min_ns: float
    max_ns: float
    ci: Interval  # of the median ns/op
    bytes_per_op: int | None
    allocs_per_op: int | None
    metrics: dict[str, float]  # median of each custom metric
    variant: str | None = None
    procs: int | None = None

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def short_name(self) -> str:
        return self.name.removeprefix("Benchmark")

    @property
    def label(self) -> str:
        return self.short_name + (f" [{self.variant}]" if self.variant else "")

    @property
    def ci_ns(self) -> tuple[float, float]:
        return (self.ci.lo, self.ci.hi)

    @property
    def ns(self) -> list[float]:
        return [s.ns_per_op for s in self.samples]

    @property
    def spread(self) -> float:
        """Half-width of the interval relative to the median (benchstat's ±%)."""
        if not self.median_ns:
            return 0.0
        return max(self.median_ns - self.ci.lo, self.ci.hi - self.median_ns) / self.median_ns

    def to_dict(self, full: bool = False) -> dict:
        d = {
            "name": self.name,
            "samples": [s.to_dict(full) for s in self.samples],
            "median_ns": self.median_ns,
            "ci_ns": [self.ci.lo, self.ci.hi],
            "bytes_per_op": self.bytes_per_op,
            "allocs_per_op": self.allocs_per_op,
        }
        if full:
            d.update(variant=self.variant, min_ns=self.min_ns, max_ns=self.max_ns, ci_confidence=self.ci.confidence,
                     ci_exact=self.ci.exact, metrics=dict(self.metrics))
        return d

    def __str__(self) -> str:
        alloc = ""
        if self.allocs_per_op is not None:
            alloc = f"  {self.bytes_per_op} B/op  {self.allocs_per_op} allocs/op"
        return f"{self.label}: {format_ns(self.median_ns)}/op ±{self.spread:.0%}  (n={self.n}){alloc}"

    def _repr_html_(self) -> str:
        return display.to_html(self)


@dataclasses.dataclass
class Comparison:
    """B against A: how much faster or slower, how sure."""

    base: Summary  # A
    other: Summary  # B
    ratio: float  # median(B) / median(A) of ns/op: < 1 means B is faster
    ratio_ci: Interval
    p_value: float
    alpha: float
    verdict: str
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    @property
    def speedup(self) -> float:
        """How many times faster B is than A (< 1: slower)."""
        return 1 / self.ratio if self.ratio else math.inf

    @property
    def n(self) -> tuple[int, int]:
        return (self.base.n, self.other.n)

    def to_dict(self) -> dict:
        return {
            "base": self.base.label,
            "other": self.other.label,
            "ratio": self.ratio,
            "ratio_ci": [self.ratio_ci.lo, self.ratio_ci.hi],
            "p_value": self.p_value,
            "alpha": self.alpha,
            "significant": self.significant,
            "n": list(self.n),
            "verdict": self.verdict,
        }

    def __str__(self) -> str:
        return self.verdict

    def _repr_html_(self) -> str:
        return display.to_html(self)


@dataclasses.dataclass
class BenchResult:
    """Everything one benchmark run measured."""

    go_version: str
    goos: str
    goarch: str
    pkg: str
    cpu: str
    benchmarks: list[Summary]
    samples: list[Sample]  # in the order they were measured
    count: int  # runs asked (after GOLAB_BENCH_SCALE)
    benchtime: str
    pattern: str
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    comparisons: list[Comparison] = dataclasses.field(default_factory=list)
    variants: list[str] = dataclasses.field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0  # wall time of the whole call
    go_seconds: float = 0.0  # time spent in the test binary runs

    # ------------------------------------------------------------ lookup
    def __getitem__(self, key) -> Summary:
        """``result["StackAlloc"]``, ``result["BenchmarkStackAlloc"]``, or
        ``result["StackAlloc", "after"]`` for a variant."""
        variant = None
        if isinstance(key, tuple):
            key, variant = key
        for s in self._matches(key):
            if variant is None or s.variant == variant:
                return s
        names = ", ".join(s.label for s in self.benchmarks) or "none"
        raise KeyError(f"no benchmark {key!r}" + (f" in variant {variant!r}" if variant else "") + f"; measured: {names}")

    def _matches(self, key: str) -> list[Summary]:
        full = key if key.startswith("Benchmark") else "Benchmark" + key
        return [s for s in self.benchmarks if s.name in (key, full)]

    def __contains__(self, key) -> bool:
        try:
            self[key]
            return True
        except KeyError:
            return False

    def __iter__(self):
        return iter(self.benchmarks)

    def __len__(self) -> int:
        return len(self.benchmarks)

    @property
    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.benchmarks:
            seen.setdefault(s.name, None)
        return list(seen)

    def compare(self, a, b, alpha: float = ALPHA) -> Comparison:
        """Compare benchmark ``b`` against ``a`` (names, or (name, variant) tuples)."""
        return compare_summaries(self[a], self[b], alpha=alpha)

    # ------------------------------------------------------------ output
    def go_text(self, variant: str | None = None) -> str:
        """The standard Go benchmark format (feed it to benchstat).

        With variants and no ``variant`` given, each block is preceded by a
        ``variant: NAME`` configuration line, so ``benchstat -col variant``
        compares them from one file.
        """
        lines = [f"goos: {self.goos}", f"goarch: {self.goarch}", f"pkg: {self.pkg}", f"cpu: {self.cpu}"]
        current = None
        for s in self.samples:
            if variant is not None and s.variant != variant:
                continue
            if variant is None and s.variant is not None and s.variant != current:
                lines.append(f"variant: {s.variant}")
                current = s.variant
            lines.append(s.go_line())
        return "\n".join(lines) + "\n"

    def to_json(self, full: bool = False) -> dict:
        """``{"go_version", "benchmarks": [{"name", "samples": [{"ns_per_op",
        "bytes_per_op", "allocs_per_op"}], "median_ns", "ci_ns",
        "bytes_per_op", "allocs_per_op"}]}`` exactly (the CLI's --json);
        ``full=True`` adds variants, comparisons, warnings, notes and the
        header."""
        d = {"go_version": self.go_version, "benchmarks": [s.to_dict(full) for s in self.benchmarks]}
        if full:
            d.update(
                goos=self.goos, goarch=self.goarch, pkg=self.pkg, cpu=self.cpu, count=self.count,
                benchtime=self.benchtime, pattern=self.pattern, variants=list(self.variants),
                comparisons=[c.to_dict() for c in self.comparisons], warnings=list(self.warnings),
                notes=list(self.notes), cancelled=self.cancelled,
            )
        return d

    def text(self) -> str:
        """Aligned table, comparisons, warnings and notes (the CLI's view)."""
        rows = [("benchmark", "median", "95% CI", "n", "B/op", "allocs/op")]
        for s in self.benchmarks:
            rows.append(
                (
                    s.label,
                    format_ns(s.median_ns),
                    f"{format_ns(s.ci.lo)} .. {format_ns(s.ci.hi)}" + ("" if s.ci.exact else " (range)"),
                    str(s.n),
                    "-" if s.bytes_per_op is None else str(s.bytes_per_op),
                    "-" if s.allocs_per_op is None else str(s.allocs_per_op),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out = [
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows
        ]
        out.insert(0, f"{self.go_version} {self.goos}/{self.goarch}, cpu: {self.cpu}, benchtime {self.benchtime}, count {self.count}")
        for c in self.comparisons:
            out.append(c.verdict)
        if self.cancelled:
            out.append("cancelled: the results are partial")
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<BenchResult {self.go_version}: {len(self.benchmarks)} benchmarks, {len(self.samples)} samples{state}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


def format_ns(ns: float) -> str:
    if ns >= 1e9:
        return f"{ns / 1e9:.3g} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def _fmt_p(p: float) -> str:
    return f"p={p:.3f}" if p >= 0.001 else "p<0.001"


def _fmt_times(x: float) -> str:
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def compare_summaries(a: Summary, b: Summary, alpha: float = ALPHA) -> Comparison:
    """How B's ns/op relates to A's, with an interval, a p-value and a verdict."""
    ratio = b.median_ns / a.median_ns if a.median_ns else math.inf
    interval = ratio_ci(a.ns, b.ns, 1 - alpha)
    p = mann_whitney_p(a.ns, b.ns)
    ns = f"n={a.n}+{b.n}"
    warnings = []
    if p < alpha:
        if ratio < 1:
            verdict = f"{b.label} is {_fmt_times(1 / ratio)} faster than {a.label} ({_fmt_p(p)}, {ns})"
        else:
            verdict = f"{b.label} is {_fmt_times(ratio)} slower than {a.label} ({_fmt_p(p)}, {ns})"
    else:
        verdict = f"no significant difference between {a.label} and {b.label} ({_fmt_p(p)}, {ns})"
        # Mann-Whitney with n=3+3 cannot go below p=0.1: say so
        smallest = 2 / math.comb(a.n + b.n, a.n) if a.n and b.n else 1.0
        if smallest >= alpha:
            warnings.append(
                f"with n={a.n}+{b.n} samples no difference can reach p<{alpha} (the smallest possible p is "
                f"{smallest:.2f}); run more samples (count=10)"
            )
    if a.allocs_per_op is not None and b.allocs_per_op is not None and a.allocs_per_op != b.allocs_per_op:
        verdict += f"; allocs/op {a.allocs_per_op} -> {b.allocs_per_op}"
    return Comparison(a, b, ratio, interval, p, alpha, verdict, warnings)


def summarize(name: str, samples: list[Sample], variant: str | None = None, confidence: float = CONFIDENCE) -> Summary:
    ns = [s.ns_per_op for s in samples]
    bytes_ = [s.bytes_per_op for s in samples if s.bytes_per_op is not None]
    allocs = [s.allocs_per_op for s in samples if s.allocs_per_op is not None]
    units: dict[str, list[float]] = {}
    for s in samples:
        for unit, value in s.metrics.items():
            units.setdefault(unit, []).append(value)
    return Summary(
        name=name,
        samples=samples,
        median_ns=statistics.median(ns),
        min_ns=min(ns),
        max_ns=max(ns),
        ci=median_ci(ns, confidence),
        bytes_per_op=int(statistics.median_low(bytes_)) if bytes_ else None,
        allocs_per_op=int(statistics.median_low(allocs)) if allocs else None,
        metrics={u: statistics.median(v) for u, v in units.items()},
        variant=variant,
        procs=samples[0].procs if samples else None,
    )


# ---------------------------------------------------------------- parsing

_BENCH_LINE = re.compile(r"^(?P<name>Benchmark\S*?)(?:-(?P<procs>\d+))?\s+(?P<n>\d+)\s+(?P<rest>\S.*)$")
_HEADER = re.compile(r"^(goos|goarch|pkg|cpu): (.*)$")


def parse_line(line: str) -> Sample | None:
    """A Sample from one line of benchmark output, or None."""
    m = _BENCH_LINE.match(line.strip())
    if not m:
        return None
    fields = m.group("rest").split()
    if len(fields) < 2 or len(fields) % 2:
        return None
    values: dict[str, float] = {}
    for value, unit in zip(fields[::2], fields[1::2]):
        try:
            values[unit] = float(value)
        except ValueError:
            return None
    if "ns/op" not in values or int(m.group("n")) == 0 or math.isnan(values["ns/op"]):
        return None  # a benchmark that failed prints "0  NaN ns/op"
    ns = values.pop("ns/op")
    b = values.pop("B/op", None)
    a = values.pop("allocs/op", None)
    return Sample(
        name=m.group("name"),
        iterations=int(m.group("n")),
        ns_per_op=ns,
        bytes_per_op=None if b is None else int(b),
        allocs_per_op=None if a is None else int(a),
        metrics=values,
        procs=int(m.group("procs")) if m.group("procs") else None,
    )


def parse_output(text: str) -> tuple[dict[str, str], list[Sample]]:
    """Header (goos, goarch, pkg, cpu) and samples from benchmark text."""
    header: dict[str, str] = {}
    samples = []
    for line in text.splitlines():
        h = _HEADER.match(line)
        if h:
            header[h.group(1)] = h.group(2).strip()
            continue
        s = parse_line(line)
        if s is not None:
            samples.append(s)
    return header, samples


# ---------------------------------------------------------------- scaling


def bench_scale() -> float:
    """GOLAB_BENCH_SCALE as a float in (0, 1] (1 when unset or invalid)."""
    raw = os.environ.get("GOLAB_BENCH_SCALE", "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        return 1.0
    return value if 0 < value <= 1 else 1.0


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$")
_DUR_NS = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}


def check_benchtime(benchtime: str) -> str:
    bt = str(benchtime).strip()
    if re.fullmatch(r"\d+x", bt) and int(bt[:-1]) > 0:
        return bt
    if _DURATION.match(bt) and float(_DURATION.match(bt).group(1)) > 0:
        return bt
    raise BenchError(
        f"benchtime {benchtime!r} is not valid: give a duration like '1s' or '200ms', "
        "or a number of iterations like '1000x'."
    )


# Go's testing package runs a benchmark in a goroutine whose deferred
# signal lets the main goroutine print a result and exit 0 while that
# goroutine is still panicking: the panic is lost and the line shows 0
# iterations (NaN ns/op) or those of an earlier, shorter run.
_LOST_RUN = re.compile(r"^(Benchmark\S*?)(?:-\d+)?\s+0\s+NaN ns/op", re.M)
LOST_PANIC_RETRIES = 2


def lost_run(stdout: str, benchtime: str) -> str | None:
    """Name of a benchmark whose run did not finish, judging by its line:
    0 iterations, or, for an ``Nx`` benchtime, other than N."""
    m = _LOST_RUN.search(stdout)
    if m:
        return m.group(1)
    if benchtime.endswith("x"):
        want = int(benchtime[:-1])
        for line in stdout.splitlines():
            found = _BENCH_LINE.match(line.strip())
            if found and int(found.group("n")) != want:
                return re.sub(r"-\d+$", "", found.group("name"))
    return None

# Five runs a side is the fewest with which a Mann-Whitney test can reach
# p < 0.05 (p = 0.008 at best for 5+5; 3+3 can never go below 0.1), so a
# lesson's verdict can still come out significant in the short CI mode.
MIN_SCALED_COUNT = 5
MIN_SCALED_ITERATIONS = 1000


MAX_COUNT = 1000  # runs per benchmark


def scaled(count: int, benchtime: str | None, scale: float) -> tuple[int, str]:
    """count and benchtime after GOLAB_BENCH_SCALE."""
    bt = check_benchtime(benchtime or DEFAULT_BENCHTIME)
    if scale >= 1:
        return count, bt
    new_count = min(count, max(MIN_SCALED_COUNT, round(count * scale)))
    if bt.endswith("x"):
        # a fixed iteration count is cheap up to a thousand, and a benchmark
        # may rely on reaching it (a panic at i == 3): never scale below that
        n = int(bt[:-1])
        new_bt = f"{max(min(n, MIN_SCALED_ITERATIONS), int(n * scale))}x"
    else:
        m = _DURATION.match(bt)
        ns = float(m.group(1)) * _DUR_NS[m.group(2)] * scale
        new_bt = f"{max(1, int(ns / 1e6))}ms" if ns >= 1e6 else f"{max(1, int(ns / 1e3))}us"
    return new_count, new_bt


# ---------------------------------------------------------------- input

_BENCH_FUNC = re.compile(r"^func[ \t]+(Benchmark\w*)[ \t]*\([ \t]*\w+[ \t]+\*testing\.B[ \t]*\)", re.M)


def load_bench(source_or_path, name: str = "snippet.go") -> Snippet:
    """The snippet with its tests; a non-test file holding Benchmark funcs is
    treated as a _test.go file (go test only runs benchmarks from those)."""
    if isinstance(source_or_path, str) and "\n" not in source_or_path and not os.path.exists(source_or_path):
        if source_or_path.endswith(".go") or "/" in source_or_path:
            raise SnippetError(f"{source_or_path}: no such file or folder.")
    is_path = isinstance(source_or_path, os.PathLike) or (
        isinstance(source_or_path, str) and "\n" not in source_or_path and os.path.exists(source_or_path)
    )
    if is_path:
        sources = read_sources(source_or_path, include_tests=True)
    else:
        text = source_or_path.decode() if isinstance(source_or_path, bytes) else source_or_path
        if "func Benchmark" in text and name == "snippet.go":
            name = "bench_test.go"
        snippet = load(text, name=name, include_tests=True)
        sources = snippet.sources
    fixed = []
    for s in sources:
        if not s.is_test and _BENCH_FUNC.search(strip_comments_and_strings(s.text)):
            s = SourceFile(s.name, s.text, True)
        fixed.append(s)
    return _build(fixed)


def benchmark_funcs(snippet: Snippet) -> list[str]:
    names = []
    for s in snippet.sources:
        if s.is_test:
            names += _BENCH_FUNC.findall(strip_comments_and_strings(s.text))
    return names


_EXAMPLE = """  func BenchmarkSum(b *testing.B) {
      for b.Loop() {
          sum(1000)
      }
  }"""


def _no_benchmarks(snippet: Snippet, pattern: str, available: list[str], binary_listed: bool = False) -> BenchError:
    files = ", ".join(s.name for s in snippet.sources)
    matching = [n for n in available if re.search(pattern, n)]
    if binary_listed and matching:
        return BenchExitedEarly(
            f"the test binary listed no benchmarks, although {', '.join(matching)} matches the pattern {pattern!r}: "
            "a TestMain that returns or calls os.Exit without calling m.Run() ends the binary before any "
            "benchmark runs. Call os.Exit(m.Run()) in TestMain."
        )
    if available:
        return NoBenchmarks(
            f"no benchmark matches the pattern {pattern!r} in {files}; the benchmarks there are: "
            + ", ".join(available)
            + ". The pattern is a regular expression matched against the names (without anchors: "
            "'Stack' matches BenchmarkStackAlloc)."
        )
    return NoBenchmarks(
        f"no Benchmark functions in {files}. A benchmark is a top-level function "
        "`func BenchmarkXxx(b *testing.B)` in a _test.go file (or in source text given to golab), "
        "for example:\n" + _EXAMPLE
    )


def loop_notes(snippet: Snippet) -> list[str]:
    """Plain-language notes on benchmark loops that let the compiler drop work."""
    notes = []
    for src in snippet.sources:
        if not src.is_test:
            continue
        code = strip_comments_and_strings(src.text)
        for m in _BENCH_FUNC.finditer(code):
            body_start = code.find("{", m.end())
            if body_start < 0:
                continue
            depth, i = 0, body_start
            while i < len(code):
                if code[i] == "{":
                    depth += 1
                elif code[i] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            body = code[body_start : i + 1]
            if "b.Loop()" in body or ".N;" not in body.replace(" ", ""):
                continue
            # a bare call statement inside the loop: its result is thrown away
            discards = re.search(r"^[ \t]*([A-Za-z_][\w.]*)\([^\n]*\)[ \t]*$", body, re.M)
            if discards:
                line = code.count("\n", 0, body_start) + code.count("\n", 0, len(body[: discards.start(1)])) + 1
                line = code.count("\n", 0, body_start + discards.start(1)) + 1
                notes.append(
                    f"{src.name}:{line}: {m.group(1)} uses `for i := 0; i < b.N; i++` and throws away the result of "
                    f"{discards.group(1)}(...). If the compiler inlines that call it may drop work whose result "
                    "nobody uses, and the benchmark then measures less than it claims. Since Go 1.24, "
                    "`for b.Loop() { ... }` keeps the arguments and results of calls in the loop alive and "
                    "excludes setup before the loop from the timing; it is the recommended form."
                )
    return notes


# ---------------------------------------------------------------- running


@dataclasses.dataclass
class _Variant:
    label: str | None
    snippet: Snippet
    binary: Path
    folder: Path


def _failure(run_result, snippet: Snippet, timeout: float, folder=None, listed=(), hung: bool = False) -> BenchError:
    """Kept for older callers: see :func:`golab.binary.benchmark_failure`."""
    return binary.benchmark_failure(run_result, snippet, timeout, folder, listed, hung)


def _warn_and_note(result: BenchResult, snippets: Iterable[Snippet], scale: float, asked: tuple[int, str]) -> None:
    if result.count < MIN_SAMPLES_ADVISED:
        result.warnings.append(
            f"only {result.count} samples per benchmark: medians and intervals are rough below "
            f"{MIN_SAMPLES_ADVISED} (benchstat's advice); use count={MIN_SAMPLES_ADVISED} or more for conclusions."
        )
    for s in result.benchmarks:
        if s.median_ns < TOO_FAST_NS:
            result.warnings.append(
                f"{s.label} takes {s.median_ns:.2g} ns/op: less than a clock cycle or two. The compiler has "
                "probably removed the work (an inlined call whose result is unused). Use `for b.Loop()` "
                "(Go 1.24+), or store the result in a package-level variable."
            )
    seen = set()
    for snip in snippets:
        for note in loop_notes(snip):
            if note not in seen:
                seen.add(note)
                result.notes.append(note)
    if scale < 1:
        result.notes.append(
            f"GOLAB_BENCH_SCALE={scale:g}: count {asked[0]} -> {result.count}, benchtime {asked[1]} -> {result.benchtime} "
            "(short runs for CI)."
        )


def _check_pattern(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise BenchError(f"the pattern {pattern!r} is not a valid regular expression: {exc}.") from None


def _measure_once(toolchain: Toolchain, v: _Variant, args: list[str], timeout: float, bt: str, listed: list[str],
                  cancel: threading.Event | None, on_sample: Callable[[Sample], None]):
    """One run of one variant's test binary: (run result, stream), retried
    when Go's testing package lost a panic; raises what a failed run means."""
    for attempt in range(LOST_PANIC_RETRIES + 1):
        taken: list[Sample] = []
        stream = binary.BenchStream(parse_line, taken.append)
        r = binary.run_binary(toolchain, v.binary, args, folder=v.folder, timeout=timeout, cancel=cancel,
                              benchmark=True, on_stdout_line=stream.feed)
        stream.close()
        if not (r.ok and lost_run("\n".join(stream.framed), bt)):
            break
        # Go's testing package can exit 0 while a benchmark's goroutine is
        # still panicking ("0  NaN ns/op", no trace): run it again to see it.
    if r.timed_out and cancel is not None and cancel.is_set():
        return r, stream
    if not r.ok or re.search(r"^--- FAIL", r.stdout, re.M):
        raise binary.benchmark_failure(r, v.snippet, timeout, v.folder, listed, hung=r.quit_sent)
    if not stream.passed:  # exit 0 without the testing package's PASS: os.Exit(0) in a benchmark
        raise binary.benchmark_failure(r, v.snippet, timeout, v.folder, listed)
    lost = lost_run("\n".join(stream.framed), bt)
    if lost:
        raise BenchPanic(
            f"{lost} stopped before finishing ({LOST_PANIC_RETRIES + 1} runs in a row reported fewer "
            f"iterations than asked, {bt}): it most likely panics, and Go's testing package lost the "
            "panic message as the process exited. Run the code with golab.run to see the panic.",
            lost, None, r.stderr,
        )
    for s in stream.samples:
        on_sample(s)
    return r, stream


def _run(
    variants: list[tuple[str | None, object]],
    *,
    pattern: str,
    count: int,
    benchtime: str | None,
    name: str,
    timeout: float | None,
    progress: Callable | None,
    cancel: threading.Event | None,
    toolchain: Toolchain | None,
    cpu: int | None,
    compare_pairs: bool,
) -> BenchResult:
    started = time.monotonic()
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BenchError(f"count must be a positive integer, not {count!r}.")
    if count > MAX_COUNT:  # each run starts the binary again: 10**12 runs would never end
        raise BenchError(f"count must be at most {MAX_COUNT} runs (the spread of 10 to 20 is what statistics need); "
                         f"got {count}.")
    _check_pattern(pattern)
    timeout = default_timeout() if timeout is None else check_seconds(timeout, "timeout")
    toolchain = toolchain or find_go()
    scale = bench_scale()
    asked = (count, check_benchtime(benchtime or DEFAULT_BENCHTIME))
    count, bt = scaled(count, benchtime, scale)
    snippets = [(label, load_bench(src, name=name)) for label, src in variants]
    for label, snip in snippets:
        if not benchmark_funcs(snip):
            raise _no_benchmarks(snip, pattern, [])
    samples: list[Sample] = []
    header: dict[str, str] = {}
    skipped: dict[str, str] = {}
    ignored: list[str] = []
    cancelled = False
    go_seconds = 0.0
    with workdir("bench-") as tmp:
        built = [
            _Variant(label, snip, binary.build_test_binary(toolchain, snip, tmp / f"v{i}", timeout, label), tmp / f"v{i}")
            for i, (label, snip) in enumerate(snippets)
        ]
        listed = [binary.list_benchmarks(toolchain, v.binary, pattern, timeout, v.snippet) for v in built]
        for v, names in zip(built, listed):
            if not names:
                raise _no_benchmarks(v.snippet, pattern, benchmark_funcs(v.snippet), binary_listed=True)
        total = count * sum(len(n) for n in listed)
        # (-test.timeout does not cover benchmarks: the alarm stops before them)
        args = ["-test.run", "^$", "-test.bench", pattern, "-test.benchmem", "-test.count", "1",
                "-test.benchtime", bt, "-test.v"]
        if cpu:
            args += ["-test.cpu", str(cpu)]
        for rnd in range(count):
            for i, v in enumerate(built):
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break

                def on_sample(s: Sample, v=v, rnd=rnd) -> None:
                    s.variant, s.round = v.label, rnd
                    samples.append(s)
                    if progress is not None:
                        progress(len(samples), max(total, len(samples)), s)

                r, stream = _measure_once(toolchain, v, args, timeout, bt, listed[i], cancel, on_sample)
                go_seconds += r.seconds
                if r.timed_out and cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                skipped.update(stream.skipped)
                ignored += stream.ignored
                h, _ = parse_output(r.stdout)
                header.update(h)
            if cancelled:
                break
    if cancelled and not samples:
        raise BenchCancelled("the benchmark run was cancelled before any sample was taken; nothing is left running.")
    if not samples and skipped:
        raise binary.skipped_error(skipped)
    if not samples:
        raise _no_benchmarks(snippets[0][1], pattern, benchmark_funcs(snippets[0][1]))
    result = _result(toolchain, variants, samples, header, count, bt, pattern, cancelled, go_seconds, compare_pairs)
    for n, why in skipped.items():
        result.warnings.append(f"{n} called b.Skip" + (f" ({why})" if why else "") + ": it was not measured.")
    if ignored:
        result.warnings.append(
            f"the benchmarks printed {len(ignored)} line(s) in Go's benchmark result format, e.g. {ignored[0]!r}; "
            "golab ignored them and kept only the testing package's own result lines."
        )
    _warn_and_note(result, [s for _, s in snippets], scale, asked)
    for c in result.comparisons:
        result.warnings += [w for w in c.warnings if w not in result.warnings]
    result.seconds = time.monotonic() - started
    return result


def _result(toolchain, variants, samples, header, count, bt, pattern, cancelled, go_seconds, compare_pairs) -> BenchResult:
    """Summaries and comparisons of the samples taken."""
    groups: dict[tuple[str | None, str], list[Sample]] = {}
    for s in samples:
        groups.setdefault((s.variant, s.name), []).append(s)
    order_names: dict[str, int] = {}
    for s in samples:
        order_names.setdefault(s.name, len(order_names))
    labels = [label for label, _ in variants]
    summaries = [summarize(name, group, variant) for (variant, name), group in groups.items()]
    summaries.sort(key=lambda s: (order_names[s.name], labels.index(s.variant)))
    result = BenchResult(
        go_version=toolchain.version,
        goos=header.get("goos", toolchain.goos),
        goarch=header.get("goarch", toolchain.goarch),
        pkg=header.get("pkg", "golab.local/snippet"),
        cpu=header.get("cpu", "unknown"),
        benchmarks=summaries,
        samples=samples,
        count=count,
        benchtime=bt,
        pattern=pattern,
        variants=[l for l in labels if l is not None],
        cancelled=cancelled,
        go_seconds=go_seconds,
    )
    if cancelled:
        result.warnings.append("cancelled: the results are partial (fewer samples than asked).")
    if compare_pairs and len(variants) == 2:
        a, b = labels
        for nm in result.names:
            try:
                result.comparisons.append(compare_summaries(result[nm, a], result[nm, b]))
            except KeyError:
                continue
    return result


def bench(
    source_or_path,
    pattern: str = ".",
    count: int = 10,
    benchtime: str | None = None,
    *,
    name: str = "snippet.go",
    timeout: float | None = None,
    progress: Callable[[int, int, Sample], None] | None = None,
    cancel: threading.Event | None = None,
    cpu: int | None = None,
    toolchain: Toolchain | None = None,
) -> BenchResult:
    """Run the benchmarks of a snippet, file or folder ``count`` times.

    ``pattern``: regular expression selecting benchmarks (``-bench``).
    ``benchtime``: ``"1s"`` (default), ``"200ms"`` or ``"1000x"``.
    ``timeout``: seconds one run of the test binary may take (default 60 or
    GOLAB_TIMEOUT); past it the run is killed and :class:`BenchTimeout` raised.
    ``progress(done, total, sample)`` is called after each sample;
    setting ``cancel`` stops the running test binary (and everything it started) and returns the
    samples taken so far with ``cancelled=True`` (or raises
    :class:`BenchCancelled` when there are none).  ``cpu`` sets GOMAXPROCS
    (``-test.cpu``).  With two or more benchmarks, compare them with
    ``result.compare("A", "B")``.
    """
    return _run(
        [(None, source_or_path)], pattern=pattern, count=count, benchtime=benchtime, name=name, timeout=timeout,
        progress=progress, cancel=cancel, toolchain=toolchain, cpu=cpu, compare_pairs=False,
    )


def compare(
    a,
    b,
    pattern: str = ".",
    count: int = 10,
    benchtime: str | None = None,
    *,
    labels: tuple[str, str] = ("A", "B"),
    name: str = "snippet.go",
    timeout: float | None = None,
    progress: Callable[[int, int, Sample], None] | None = None,
    cancel: threading.Event | None = None,
    cpu: int | None = None,
    toolchain: Toolchain | None = None,
) -> BenchResult:
    """Benchmark two variants of the same code, interleaved (A B A B ...).

    ``a`` and ``b`` are sources or paths that define benchmarks of the same
    names.  Each test binary is built once; each round runs A's then B's.
    ``result.comparisons`` holds one :class:`Comparison` (B against A) per
    benchmark name both define; ``result["Name", "B"]`` is one summary.
    """
    if len(labels) != 2 or labels[0] == labels[1]:
        raise BenchError("labels must be two different names, e.g. ('before', 'after').")
    return _run(
        [(labels[0], a), (labels[1], b)], pattern=pattern, count=count, benchtime=benchtime, name=name,
        timeout=timeout, progress=progress, cancel=cancel, toolchain=toolchain, cpu=cpu, compare_pairs=True,
    )
