"""Where the bytes go: allocation profiles, GC traces and MemStats deltas.

What it does:

* :func:`profile` runs one benchmark once with ``-test.memprofile`` and
  ``-test.memprofilerate=1`` (every allocation recorded, so counts are exact,
  not sampled), reads the profile with ``go tool pprof -raw`` and folds the
  samples into allocation sites: for each sample the innermost frame in the
  user's files (inlined frames included) is the site.  Positions are already
  the user's thanks to golab's ``//line`` directives.  Per-op figures divide by
  the iterations the benchmark function ran (``N`` of ``benchtime=Nx`` plus
  the one iteration of Go's calibration run).  This puts an escape-analysis
  decision ("moved to heap: x" at points.go:39) next to the bytes it cost.
* :func:`gctrace` runs a program (or a benchmark) with ``GODEBUG=gctrace=1``
  and parses each ``gc N @t s P%: ...`` line into a :class:`GCCycle` (heap
  before/after/live, goal, stop-the-world pauses).
* :func:`memstats` wraps one call (``call="f()"``) in a generated ``main``
  that reads ``runtime.MemStats`` before and after (after a ``runtime.GC()``)
  and prints JSON: Mallocs, Frees, TotalAlloc, HeapAlloc, NumGC deltas.  The
  call is made from a ``//go:noinline`` wrapper, so the result is what the
  call costs when made normally, not after being inlined into ``main``.

What it reads: Go source text, .go files or folders (see :mod:`golab.bench`
for how benchmarks are found).

What it returns: :class:`AllocProfile`, :class:`GCTrace`, :class:`MemStatsDelta`
(plain data, ``to_json()``, ``_repr_html_`` from :mod:`golab.render_measure`).
Errors a user can act on raise :class:`ProfileError` or the
:mod:`golab.bench` errors (compile errors, panics, hangs) with user positions.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from . import binary, display
from .bench import _no_benchmarks, benchmark_funcs, load_bench, parse_line, parse_output
from .binary import strip_build_path
from .errors import ProfileError  # noqa: F401  (re-exported: older imports)
from .snippet import MAIN_FILE, load
from .toolchain import Toolchain, check_seconds, default_timeout, find_go, run_go, workdir


@dataclasses.dataclass
class AllocSite:
    function: str
    file: str
    line: int
    bytes: int
    objects: int
    bytes_per_op: float | None = None
    objects_per_op: float | None = None
    stack: list[str] = dataclasses.field(default_factory=list)  # user frames, innermost first

    @property
    def position(self) -> str:
        return f"{self.file}:{self.line}"


@dataclasses.dataclass
class AllocProfile:
    go_version: str
    benchmark: str | None
    iterations: int | None  # times the benchmark body ran in total (N + 1)
    sites: list[AllocSite]  # user code only, most bytes first
    other_bytes: int  # allocated outside the user's code (testing, runtime)
    warnings: list[str] = dataclasses.field(default_factory=list)
    bench_line: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(s.bytes for s in self.sites)

    @property
    def total_objects(self) -> int:
        return sum(s.objects for s in self.sites)

    def at(self, position_or_line) -> AllocSite | None:
        for s in self.sites:
            if position_or_line in (s.position, s.line) or (isinstance(position_or_line, str) and s.position.endswith(position_or_line)):
                return s
        return None

    def to_json(self) -> dict:
        return {
            "go_version": self.go_version,
            "benchmark": self.benchmark,
            "iterations": self.iterations,
            "sites": [dict(dataclasses.asdict(s), position=s.position) for s in self.sites],
            "other_bytes": self.other_bytes,
            "warnings": list(self.warnings),
        }

    def text(self) -> str:
        lines = [f"{self.go_version} {self.benchmark}: {self.iterations} iterations, memprofilerate=1"]
        for s in self.sites:
            per = f"  {s.bytes_per_op:,.1f} B/op  {s.objects_per_op:,.2f} objects/op" if s.bytes_per_op is not None else ""
            lines.append(f"{s.position}: {s.function}: {s.bytes:,} B in {s.objects:,} objects{per}")
        if not self.sites:
            lines.append("no heap allocations in your code")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<AllocProfile {self.benchmark}: {len(self.sites)} sites, {self.total_bytes} bytes>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


# ---------------------------------------------------------------- pprof -raw

_SAMPLE = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+):\s*([\d ]+)$")
_LOC = re.compile(r"^\s*(\d+): 0x[0-9a-f]+ M=\d+ (\S+) (\S+?):(\d+)(?::\d+)? s=\d+$")
_LOC_MORE = re.compile(r"^\s+(\S+) (\S+?):(\d+)(?::\d+)? s=\d+$")


def parse_raw(text: str) -> tuple[list[tuple[int, int, list[int]]], dict[int, list[tuple[str, str, int]]]]:
    """(samples [(objects, bytes, location ids)], locations {id: [(func, file, line)]})."""
    samples = []
    locations: dict[int, list[tuple[str, str, int]]] = {}
    section = ""
    current = None
    for line in text.splitlines():
        if line.startswith("Samples:"):
            section = "samples"
            continue
        if line.startswith("Locations"):
            section = "locations"
            continue
        if line.startswith("Mappings"):
            section = ""
            continue
        if section == "samples":
            m = _SAMPLE.match(line)
            if m:
                samples.append((int(m.group(1)), int(m.group(2)), [int(x) for x in m.group(5).split()]))
        elif section == "locations":
            m = _LOC.match(line)
            if m:
                current = int(m.group(1))
                locations[current] = [(m.group(2), m.group(3), int(m.group(4)))]
                continue
            m = _LOC_MORE.match(line)
            if m and current is not None:
                locations[current].append((m.group(1), m.group(2), int(m.group(3))))
    return samples, locations


def _short(func: str) -> str:
    for p in ("golab.local/snippet.", "main."):
        if func.startswith(p):
            return func[len(p):]
    return func


def sites_from_raw(text: str, snippet, folder: Path) -> tuple[list[AllocSite], int]:
    prefix = str(folder).rstrip("/") + "/"
    users = snippet.user_files
    samples, locations = parse_raw(text)
    sites: dict[tuple, AllocSite] = {}
    other = 0
    for objects, nbytes, ids in samples:
        if not nbytes and not objects:
            continue
        frames = [f for i in ids for f in locations.get(i, [])]
        user = []
        for func, file, line in frames:
            rel = strip_build_path(file, folder)
            if rel in users:
                user.append((_short(func), rel, line))
        if not user:
            other += nbytes
            continue
        func, file, line = user[0]
        key = (func, file, line)
        site = sites.setdefault(key, AllocSite(func, file, line, 0, 0, stack=[f"{f} {fi}:{li}" for f, fi, li in user]))
        site.bytes += nbytes
        site.objects += objects
    return sorted(sites.values(), key=lambda s: (-s.bytes, s.file, s.line)), other


def profile(
    source_or_path,
    benchmark: str | None = None,
    benchtime: str = "1000x",
    *,
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> AllocProfile:
    """Allocation sites of one benchmark (the first one when not named)."""
    toolchain = toolchain or find_go()
    timeout = default_timeout() if timeout is None else check_seconds(timeout, "timeout")
    if not re.fullmatch(r"[1-9]\d*x", benchtime):
        raise ProfileError(f"benchtime must be a number of iterations like '1000x' (got {benchtime!r}), so per-op figures are exact.")
    snippet = load_bench(source_or_path, name=name)
    funcs = benchmark_funcs(snippet)
    if not funcs:
        raise _no_benchmarks(snippet, ".", [])
    if benchmark is None:
        benchmark = funcs[0]
    full = benchmark if benchmark.startswith("Benchmark") else "Benchmark" + benchmark
    if full not in funcs:
        raise _no_benchmarks(snippet, full, funcs)
    with workdir("profile-") as tmp:
        folder = tmp / "v0"
        test_binary = binary.build_test_binary(toolchain, snippet, folder, timeout, None)
        r = binary.run_binary(
            toolchain, test_binary,
            ["-test.run", "^$", "-test.bench", f"^{full}$", "-test.benchmem", "-test.count", "1", "-test.v",
             "-test.benchtime", benchtime, "-test.memprofile", "mem.out", "-test.memprofilerate", "1"],
            folder=folder, timeout=timeout, benchmark=True,
        )
        stream = binary.BenchStream(lambda line: None)
        for line in r.stdout.splitlines():
            stream.feed(line)
        if not r.ok or r.quit_sent or not stream.passed:
            raise binary.benchmark_failure(r, snippet, timeout, folder, [full], hung=r.quit_sent)
        if full in stream.skipped:
            raise binary.skipped_error({full: stream.skipped[full]})
        pp = run_go(toolchain, ["tool", "pprof", "-raw", "-sample_index=alloc_space", str(test_binary), "mem.out"], cwd=folder, timeout=timeout)
        if not pp.ok:
            raise ProfileError("go tool pprof could not read the profile: " + (pp.stderr or pp.stdout).strip()[-300:])
        sites, other = sites_from_raw(pp.stdout, snippet, folder)
    _, samples = parse_output(r.stdout)
    iterations = int(benchtime[:-1]) + 1  # Go's b.N=1 calibration run, then N
    for s in sites:
        s.bytes_per_op = s.bytes / iterations
        s.objects_per_op = s.objects / iterations
    warnings = []
    if samples and samples[0].allocs_per_op is not None:
        measured = samples[0].allocs_per_op
        in_loop = sum(s.objects for s in sites) / iterations
        if abs(in_loop - measured) >= 1:
            warnings.append(
                f"the profile counts {in_loop:.2f} objects per iteration in your code but -benchmem reports {measured} "
                "allocs/op: allocations before the loop (setup) are counted once per run of the benchmark function."
            )
    line = next((l for l in r.stdout.splitlines() if l.startswith(full) and parse_line(l) is not None), "")
    return AllocProfile(toolchain.version, full, iterations, sites, other, warnings, line)


# ---------------------------------------------------------------- gctrace

_GC_LINE = re.compile(
    r"^gc (?P<n>\d+) @(?P<at>[\d.]+)s (?P<pct>\d+)%: (?P<c1>[\d.]+)\+(?P<c2>[\d.]+)\+(?P<c3>[\d.]+) ms clock, .*? ms cpu, "
    r"(?P<h0>\d+)->(?P<h1>\d+)->(?P<h2>\d+) MB, (?P<goal>\d+) MB goal(?P<rest>.*)$"
)


@dataclasses.dataclass
class GCCycle:
    number: int
    at_seconds: float  # since program start
    cpu_percent: int  # share of CPU spent in GC since start
    stw_sweep_term_ms: float
    concurrent_ms: float
    stw_mark_term_ms: float
    heap_before_mb: int
    heap_after_mb: int
    heap_live_mb: int
    heap_goal_mb: int
    forced: bool = False

    @property
    def pause_ms(self) -> float:
        """Stop-the-world time of this cycle (both pauses)."""
        return self.stw_sweep_term_ms + self.stw_mark_term_ms


@dataclasses.dataclass
class GCTrace:
    cycles: list[GCCycle]
    output: str = ""

    @property
    def total_pause_ms(self) -> float:
        return sum(c.pause_ms for c in self.cycles)

    def to_json(self) -> dict:
        return {"cycles": [dict(dataclasses.asdict(c), pause_ms=c.pause_ms) for c in self.cycles], "total_pause_ms": self.total_pause_ms}

    def __repr__(self) -> str:
        return f"<GCTrace {len(self.cycles)} cycles, {self.total_pause_ms:.3f} ms paused>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


def parse_gctrace(text: str) -> list[GCCycle]:
    cycles = []
    for line in text.splitlines():
        m = _GC_LINE.match(line.strip())
        if m:
            cycles.append(GCCycle(
                int(m.group("n")), float(m.group("at")), int(m.group("pct")), float(m.group("c1")), float(m.group("c2")),
                float(m.group("c3")), int(m.group("h0")), int(m.group("h1")), int(m.group("h2")), int(m.group("goal")),
                "(forced)" in m.group("rest"),
            ))
    return cycles


def _build_program(toolchain: Toolchain, snippet, folder: Path, timeout: float) -> Path:
    built = binary.build_program(toolchain, snippet, folder, timeout)
    if built.binary is None:
        raise ProfileError("the program does not compile:\n" + "\n".join(f"  {e}" for e in built.errors[:10]))
    return built.binary


def gctrace(
    source_or_path,
    args: list[str] | tuple = (),
    *,
    benchmark: str | None = None,
    benchtime: str = "1000x",
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> GCTrace:
    """GC cycles of a program run (or of one benchmark, when ``benchmark`` is given)."""
    toolchain = toolchain or find_go()
    timeout = default_timeout() if timeout is None else check_seconds(timeout, "timeout")
    with workdir("profile-") as tmp:
        folder = tmp / "v0"
        folder.mkdir()
        if benchmark:
            snippet = load_bench(source_or_path, name=name)
            test_binary = binary.build_test_binary(toolchain, snippet, folder, timeout, None)
            full = benchmark if benchmark.startswith("Benchmark") else "Benchmark" + benchmark
            cmd = [str(test_binary), "-test.run", "^$", "-test.bench", f"^{full}$", "-test.benchtime", benchtime]
        else:
            snippet = load(source_or_path, name=name)
            cmd = [str(_build_program(toolchain, snippet, folder, timeout)), *args]
        r = binary.run_binary(toolchain, cmd[0], cmd[1:], folder=folder, timeout=timeout,
                              extra_env={"GODEBUG": "gctrace=1"})
    if r.timed_out:
        raise ProfileError(f"the program did not finish within {timeout:g} s and was stopped.")
    if r.returncode != 0:
        raise binary.benchmark_failure(r, snippet, timeout, folder)
    cycles = parse_gctrace(r.stderr)
    numbers = [c.number for c in cycles]
    if numbers != list(range(1, len(cycles) + 1)) or any(b.at_seconds < a.at_seconds for a, b in zip(cycles, cycles[1:])):
        # the runtime numbers its cycles 1, 2, 3... at growing times: anything
        # else means the program printed lines in gctrace's format too (it
        # shares standard error with the runtime)
        raise ProfileError(
            f"the trace does not add up: cycles numbered {_numbers(numbers)}, where the runtime counts 1, 2, 3... "
            "The program itself prints lines in GODEBUG=gctrace's format, so golab cannot tell its cycles from "
            "the runtime's; remove those prints.")
    return GCTrace(cycles, r.stderr)


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:8])) + (", ..." if len(numbers) > 8 else "")


# ---------------------------------------------------------------- memstats

FIELDS = ("Mallocs", "Frees", "TotalAlloc", "HeapAlloc", "HeapObjects", "NumGC")

_MEMSTATS_MAIN = """package main

import (
	"encoding/json"
	"os"
	"runtime"
)

//go:noinline
func golabCall() {
//line {file}:{line}
	{call}
}

func main() {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < {times}; i++ {
		golabCall()
	}
	runtime.ReadMemStats(&after)
	pick := func(m *runtime.MemStats) map[string]uint64 {
		return map[string]uint64{"Mallocs": m.Mallocs, "Frees": m.Frees, "TotalAlloc": m.TotalAlloc,
			"HeapAlloc": m.HeapAlloc, "HeapObjects": m.HeapObjects, "NumGC": uint64(m.NumGC)}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"before": pick(&before), "after": pick(&after)})
}
"""


@dataclasses.dataclass
class MemStatsDelta:
    call: str
    times: int
    before: dict[str, int]
    after: dict[str, int]

    @property
    def delta(self) -> dict[str, int]:
        return {k: self.after.get(k, 0) - self.before.get(k, 0) for k in FIELDS}

    @property
    def mallocs(self) -> int:
        return self.delta["Mallocs"]

    @property
    def total_alloc(self) -> int:
        return self.delta["TotalAlloc"]

    @property
    def num_gc(self) -> int:
        return self.delta["NumGC"]

    def to_json(self) -> dict:
        return {"call": self.call, "times": self.times, "before": self.before, "after": self.after, "delta": self.delta}

    def __repr__(self) -> str:
        return f"<MemStats {self.call} x{self.times}: {self.mallocs} mallocs, {self.total_alloc} bytes, {self.num_gc} GCs>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


def memstats(
    source_or_path,
    call: str,
    times: int = 1,
    *,
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> MemStatsDelta:
    """runtime.MemStats before and after ``times`` calls of ``call`` (a Go statement)."""
    if "\n" in call or not call.strip():
        raise ProfileError("call must be one Go statement on one line, e.g. call=\"sumPointsHeap(1000)\".")
    if not isinstance(times, int) or times < 1:
        raise ProfileError("times must be a positive integer.")
    toolchain = toolchain or find_go()
    timeout = default_timeout() if timeout is None else check_seconds(timeout, "timeout")
    snippet = load(source_or_path, name=name)
    if snippet.package != "main" or not snippet.added_main:
        raise ProfileError(
            "memstats writes its own func main around the call: give code without func main (package main), "
            "for example the functions of the lesson only."
        )
    snippet.files[MAIN_FILE] = (
        _MEMSTATS_MAIN.replace("{call}", call.strip()).replace("{times}", str(times))
        .replace("{file}", f"{call.strip()} (memstats call)").replace("{line}", "1")
    )
    with workdir("profile-") as tmp:
        folder = tmp / "v0"
        folder.mkdir()
        program = _build_program(toolchain, snippet, folder, timeout)
        r = binary.run_binary(toolchain, program, [], folder=folder, timeout=timeout)
    if r.timed_out:
        raise ProfileError(f"{call} did not return within {timeout:g} s and was stopped.")
    if r.returncode != 0:
        raise binary.benchmark_failure(r, snippet, timeout, folder)
    try:
        data = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ProfileError("the MemStats program printed no JSON: " + r.stdout[-300:]) from None
    return MemStatsDelta(call.strip(), times, data["before"], data["after"])
