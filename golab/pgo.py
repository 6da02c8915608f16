"""Profile-guided optimization, for real: profile, rebuild, compare.

What it does: :func:`pgo_experiment` takes a package with a benchmark and

1. builds its test binary without a profile (``go test -c -pgo=off``);
2. runs the benchmark once with ``-test.cpuprofile`` and keeps the CPU
   profile as ``default.pgo``;
3. builds the test binary again with that profile (``-pgo=default.pgo``);
4. compiles the package with ``-m=2`` without and with the profile
   (``-pgoprofile``, the compiler flag the go command passes) and lists the
   decisions that changed: functions inlined at hot call sites, interface
   and function-value calls devirtualized, allocations that no longer
   escape once the callee is inlined;
5. benchmarks both binaries ``count`` times, interleaved, and compares them
   with golab's statistics (median ratio with its interval, Mann-Whitney p).

What go1.27.3 does with a profile (``src/cmd/compile/internal/inline/inl.go``
and ``devirtualize/pgo.go``): the call edges that make up the hottest 99% of
the profile's call weight are *hot*; at a hot call site a callee may be
inlined up to a cost of 2000 (``inlineHotMaxBudget``) instead of 80, unless
the caller is itself very big; a hot interface method call or function-value
call whose profile shows one dominant concrete callee is rewritten into a
type check plus a direct call (``PGO devirtualizing interface call ...``),
which can then be inlined.  Note that ``-pgo=auto`` (the go command's
default) picks up ``default.pgo`` from a *main* package's folder; golab
passes the profile explicitly.

What it reads: Go source text, a .go file or a package folder with a
``Benchmark`` function (the package may not be ``main``: its functions must
carry the package path the profile names).

What it returns: a :class:`PGOResult` (plain data: both reports, the changed
decisions, both benchmark summaries, the comparison).  Views live in
:mod:`golab.render_beyond`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import time
from pathlib import Path

from . import display
from .bench import (
    Comparison, Sample, Summary, bench_scale, benchmark_funcs, check_benchtime, compare_summaries, load_bench,
    parse_output, scaled, summarize,
)
from .build import compile_snippet, parse_errors
from .escape import EscapeReport, decisions_from
from .toolchain import GolabError, Toolchain, default_max_memory, default_timeout, find_go, run, run_go, workdir

BASE, PGO = "without profile", "with profile"
PROFILE_NAME = "default.pgo"
DEFAULT_PROFILE_TIME = "2s"  # about 200 samples at pprof's 100 Hz
MIN_PROFILE_SECONDS = 1.0  # the short CI mode never profiles for less
MODULE = "golab.local/snippet"


class PGOError(GolabError):
    """The PGO experiment could not run; the message says why."""


@dataclasses.dataclass
class ChangedLine:
    """One source line whose compiler decisions differ with the profile."""

    file: str
    line: int
    code: str
    before: list[str]  # the compiler's messages without the profile
    after: list[str]  # ... and with it

    @property
    def added(self) -> list[str]:
        return [m for m in self.after if m not in self.before]

    @property
    def removed(self) -> list[str]:
        return [m for m in self.before if m not in self.after]


@dataclasses.dataclass
class PGOResult:
    go_version: str
    benchmark: str
    profile_seconds: float  # how long the profiled run took
    profile_bytes: int
    hot_functions: list[tuple[str, float]]  # (function, share of CPU samples, cumulative), hottest first
    before: EscapeReport  # -m=2 without the profile
    after: EscapeReport  # -m=2 with it
    changed: list[ChangedLine]
    base: Summary
    pgo: Summary
    comparison: Comparison
    count: int
    benchtime: str
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0  # the whole experiment, builds included

    @property
    def speedup(self) -> float:
        """How many times faster the build with the profile ran (median ns/op)."""
        return self.comparison.speedup

    def messages(self, line: int, with_profile: bool) -> list[str]:
        report = self.after if with_profile else self.before
        return [d.message for d in report.on_line(line)]

    def inlined_with_profile(self) -> list[str]:
        """Functions the profile got inlined at some call site (a call site
        the build without the profile did not inline them at: the compiler's
        own wrappers may inline the same method elsewhere in both builds)."""
        before = {(d.file, d.line, d.column, d.subject) for d in self.before.of_kind("inlining-call")}
        return sorted({d.subject for d in self.after.of_kind("inlining-call")
                       if (d.file, d.line, d.column, d.subject) not in before})

    def devirtualized(self) -> list[str]:
        return sorted({d.message for d in self.after.decisions if "devirtualizing" in d.message})

    def to_json(self) -> dict:
        return {
            "go_version": self.go_version, "benchmark": self.benchmark, "profile_seconds": self.profile_seconds,
            "profile_bytes": self.profile_bytes, "hot_functions": self.hot_functions,
            "changed": [dataclasses.asdict(c) for c in self.changed],
            "base": self.base.to_dict(), "pgo": self.pgo.to_dict(), "comparison": self.comparison.to_dict(),
            "notes": list(self.notes),
        }

    def text(self) -> str:
        lines = [f"{self.go_version} {self.benchmark}: {self.comparison.verdict}"]
        for c in self.changed:
            lines.append(f"  {c.file}:{c.line}: {c.code}")
            lines += [f"    - {m}" for m in c.removed]
            lines += [f"    + {m}" for m in c.added]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<PGOResult {self.benchmark}: {len(self.changed)} lines changed, {self.comparison.verdict}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


# ---------------------------------------------------------------- pieces


def _hidden(message: str) -> bool:
    """Compiler chatter that says nothing about the code (kept out of the diff)."""
    return "ignoring self-assignment" in message


def changed_lines(before: EscapeReport, after: EscapeReport) -> list[ChangedLine]:
    """Lines whose set of compiler messages differs between two reports."""
    keys = sorted({(d.file, d.line) for d in before.decisions + after.decisions})
    out = []
    for file, line in keys:
        b = sorted({d.message for d in before.on_line(line, file) if not _hidden(d.message)})
        a = sorted({d.message for d in after.on_line(line, file) if not _hidden(d.message)})
        if a != b:
            text = after.sources.get(file, "")
            code = text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) else ""
            out.append(ChangedLine(file, line, code, b, a))
    return out


def _report(toolchain: Toolchain, snippet, flags: list[str], timeout: float) -> EscapeReport:
    result = compile_snippet(snippet, ["-m=2", *flags], toolchain=toolchain, timeout=timeout)
    if not result.ok:
        raise PGOError("the package does not compile:\n" + "\n".join(f"  {e}" for e in result.errors[:10]))
    return EscapeReport(
        go_version=toolchain.version, level=2, inline=True, decisions=decisions_from(result, 2), errors=[],
        sources={s.name: s.text for s in result.snippet.sources if not s.is_test}, output=result.output,
        seconds=result.seconds,
    )


def _build(toolchain: Toolchain, snippet, folder: Path, pgo: str, timeout: float) -> Path:
    binary = folder / ("pgo.test" if pgo != "off" else "base.test")
    r = run_go(toolchain, ["test", "-c", f"-pgo={pgo}", "-o", binary.name, "."], cwd=folder, timeout=timeout)
    if r.timed_out:
        raise PGOError(f"building the test binary took longer than {r.seconds:.0f} s and was stopped; run it again.")
    if not r.ok:
        errors = parse_errors(r.stderr + r.stdout, snippet)
        lines = "\n".join(f"  {e}" for e in errors[:10]) or "  " + (r.stderr or r.stdout).strip()[-500:]
        raise PGOError(f"the benchmark does not build (-pgo={pgo}):\n{lines}")
    return binary


def _run_bench(toolchain: Toolchain, binary: Path, name: str, benchtime: str, timeout: float, extra=()) -> str:
    r = run([str(binary), "-test.run", "^$", "-test.bench", f"^{name}$", "-test.benchmem", "-test.count", "1",
             "-test.benchtime", benchtime, *extra], cwd=binary.parent, env=toolchain.env(), timeout=timeout,
            max_memory=default_max_memory())
    if r.timed_out:
        raise PGOError(f"{name} did not finish within {timeout:g} s and was stopped.")
    if not r.ok or re.search(r"^--- FAIL", r.stdout, re.M):
        tail = (r.stdout + r.stderr).strip().splitlines()[-8:]
        raise PGOError(f"{name} failed:\n  " + "\n  ".join(tail))
    return r.stdout


_TOP = re.compile(r"^\s*\S+\s+([\d.]+)%\s+([\d.]+)%\s+\S+\s+([\d.]+)%\s+(.+?)\s*$")


def hot_functions(toolchain: Toolchain, binary: Path, profile: Path, limit: int = 8) -> list[tuple[str, float]]:
    """(function, cumulative share of CPU samples) from ``go tool pprof -top -cum``."""
    r = run_go(toolchain, ["tool", "pprof", "-top", "-cum", str(binary), str(profile)], cwd=binary.parent, timeout=60)
    out = []
    for line in r.stdout.splitlines():
        m = _TOP.match(line)
        if m:
            func = m.group(4).replace(MODULE + ".", "")
            if func.startswith(("runtime.", "testing.", "internal/")) or func.endswith(".func1"):
                continue
            out.append((func, float(m.group(3)) / 100))
        if len(out) >= limit:
            break
    return out


def _seconds(benchtime: str) -> float:
    """A benchtime duration in seconds (an ``Nx`` count counts as long enough)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", benchtime)
    if not m:
        return float("inf")
    unit = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    return float(m.group(1)) * unit


# ---------------------------------------------------------------- entry point


def pgo_experiment(
    source_or_path,
    benchmark: str | None = None,
    count: int = 10,
    benchtime: str = "1s",
    *,
    profile_time: str = DEFAULT_PROFILE_TIME,
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> PGOResult:
    """Profile one benchmark, rebuild with the profile, and compare both builds.

    ``benchmark``: the Benchmark function to profile and compare (default:
    the first).  ``count`` rounds of both binaries, interleaved; ``benchtime``
    per run; ``profile_time`` for the profiling run.  ``GOLAB_BENCH_SCALE``
    shortens all three (noted in ``result.notes``).
    """
    started = time.monotonic()
    toolchain = toolchain or find_go()
    timeout = default_timeout() if timeout is None else float(timeout)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise PGOError(f"count must be a positive integer, not {count!r}.")
    check_benchtime(profile_time)
    snippet = load_bench(source_or_path, name=name)
    if snippet.package == "main":
        raise PGOError(
            "pgo_experiment needs a package other than main (e.g. `package shapes`): the profile names functions by "
            "their package path, and golab compiles a main package under another path than go test does."
        )
    funcs = benchmark_funcs(snippet)
    if not funcs:
        raise PGOError("there is no func BenchmarkX(b *testing.B) in the source: PGO needs a benchmark to profile.")
    full = funcs[0] if benchmark is None else (benchmark if benchmark.startswith("Benchmark") else "Benchmark" + benchmark)
    if full not in funcs:
        raise PGOError(f"there is no {full}; the benchmarks are: {', '.join(funcs)}.")
    if not snippet.go_files():
        raise PGOError(
            "all the code is in the benchmark's test file: put the functions to optimize in a .go file and the "
            "benchmark in a _test.go file of the same folder, and pass the folder."
        )
    scale = bench_scale()
    asked = (count, benchtime, profile_time)
    count, benchtime = scaled(count, benchtime, scale)
    scaled_profile = scaled(1, profile_time, scale)[1]
    if scale < 1 and _seconds(scaled_profile) < MIN_PROFILE_SECONDS:  # fewer samples miss the hot calls
        scaled_profile = profile_time if _seconds(profile_time) < MIN_PROFILE_SECONDS else f"{MIN_PROFILE_SECONDS:g}s"
    profile_time = scaled_profile
    notes = []
    if scale < 1:
        notes.append(f"GOLAB_BENCH_SCALE={scale:g}: count {asked[0]} -> {count}, benchtime {asked[1]} -> {benchtime}, "
                     f"profile {asked[2]} -> {profile_time} (short runs for CI).")
    with workdir("pgo-") as tmp:
        folder = tmp / "pkg"
        folder.mkdir()
        snippet.write(folder)
        base = _build(toolchain, snippet, folder, "off", timeout * 5)
        t0 = time.monotonic()
        _run_bench(toolchain, base, full, profile_time, timeout, ["-test.cpuprofile", PROFILE_NAME])
        profile_seconds = time.monotonic() - t0
        profile = folder / PROFILE_NAME
        if not profile.is_file() or profile.stat().st_size == 0:
            raise PGOError("the profiling run wrote no CPU profile.")
        hot = hot_functions(toolchain, base, profile)
        pgo = _build(toolchain, snippet, folder, PROFILE_NAME, timeout * 5)
        kept = tmp / "profile.pgo"
        shutil.copy(profile, kept)
        before = _report(toolchain, snippet, [], timeout)
        after = _report(toolchain, snippet, [f"-pgoprofile={kept}"], timeout)
        samples: list[Sample] = []
        for rnd in range(count):
            for label, binary in ((BASE, base), (PGO, pgo)):
                _, got = parse_output(_run_bench(toolchain, binary, full, benchtime, timeout))
                for s in got:
                    if s.name == full:
                        s.variant, s.round = label, rnd
                        samples.append(s)
        profile_bytes = kept.stat().st_size
    base_summary = summarize(full, [s for s in samples if s.variant == BASE], BASE)
    pgo_summary = summarize(full, [s for s in samples if s.variant == PGO], PGO)
    comparison = compare_summaries(base_summary, pgo_summary)
    result = PGOResult(
        toolchain.version, full, profile_seconds, profile_bytes, hot, before, after, changed_lines(before, after),
        base_summary, pgo_summary, comparison, count, benchtime, notes,
    )
    if not result.changed:
        result.notes.append("the profile changed no inlining or escape decision: the benchmark's hot calls were "
                            "already inlined, or too few samples landed on them (a longer profile_time helps).")
    result.seconds = time.monotonic() - started
    return result
