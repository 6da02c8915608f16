"""The garbage collector, measured: one workload under several GC settings.

What it does: :func:`gc_experiment` builds a Go workload (a package-main
function that takes one ``int``, e.g. ``func churn(n int)``) with a ``main``
golab writes: a sampler goroutine reads ``runtime/metrics`` about every
millisecond into a preallocated buffer (no allocation, no printing while the
workload runs), ``main`` times one call ``workload(size)`` and, after it
returns, prints every sample.  The program is run once per setting and
repetition, settings interleaved (A B C A B C ...) so a drift of the machine
spreads over all of them.  A setting is run-time environment (``GOGC``,
``GOMEMLIMIT``, ``GOMAXPROCS``) and, when it names ``GOEXPERIMENT``, a
separate build of the same source (``GOEXPERIMENT=nogreenteagc`` builds the
collector Go used before Green Tea).

What the runtime reports and when (checked in go1.27.3's ``src/runtime``):

* ``/gc/heap/goal:bytes``: the heap goal, ``live + (live + stacks +
  globals) * GOGC/100`` (``gcControllerState.commit`` in ``mgcpacer.go``),
  at least 4 MiB * GOGC/100, and lowered by a memory limit
  (``memoryLimitHeapGoal``).  With ``GOGC=off`` and no limit it is "never":
  reported here as ``None``.
* ``/memory/classes/heap/objects:bytes``: the heap in use, live objects plus
  dead ones not yet swept (what grows between cycles and drops after one).
* ``/gc/heap/live:bytes``: what the last cycle marked live, which includes
  the objects allocated while it was marking (they are born marked), so a
  fast-allocating program shows more "live" heap than it keeps.
* ``/cpu/classes/gc/total:cpu-seconds`` over ``/cpu/classes/total:cpu-seconds``
  is the GC CPU fraction.  The runtime updates both only at the end of a GC
  cycle (``cpuStatsAggregate.compute`` copies the snapshot taken in
  ``gcMarkTermination``), so the fraction covers the run up to the last
  completed cycle, and a run with no cycle reports 0.  Both are the
  runtime's estimates (GOMAXPROCS x wall time for the total), comparable with
  each other, not with ``time``'s CPU seconds.
* ``/gc/cycles/total:gc-cycles``, ``/gc/heap/allocs:bytes`` (all bytes ever
  allocated), and ``/memory/classes/total:bytes`` minus
  ``/memory/classes/heap/released:bytes``: the memory the runtime holds,
  which is what ``GOMEMLIMIT`` limits (the GC guide's definition, and
  ``mappedReady`` in ``mgcpacer.go``).

``GOLAB_BENCH_SCALE`` (e.g. ``0.1``) scales ``size`` (never below half of it
and never below 1000) and the repetitions, so CI runs short.

What it reads: Go source text, a .go file or a package folder holding the
workload function (package main, no ``func main``).

What it returns: a :class:`GCExperiment`: per setting a :class:`GCSetting`
with its runs (:class:`GCRun`, each with its :class:`GCSample` list, wall
time, cycles, GC CPU fraction, allocation rate), query helpers
(``exp["GOGC=100"]``, ``exp.cycles(...)``), ``compare(a, b)`` (golab's
benchmark statistics on wall time) and ``to_json()``.  It never imports a
view; :mod:`golab.render_beyond` draws it.  Problems a user can fix raise
:class:`GCExperimentError` with the fix in the message; a workload that
panics, runs out of memory or past its time raises it too, with the
program's own message.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import time
from pathlib import Path
from typing import Sequence

from . import display
from .bench import MIN_SCALED_COUNT, Comparison, Sample, bench_scale, compare_summaries, summarize
from .build import parse_errors
from .runner import parse_panic
from .snippet import MAIN_FILE, SnippetError, load
from .toolchain import GolabError, Toolchain, default_max_memory, find_go, run, run_go, workdir

DEFAULT_SETTINGS = (25, 50, 100, 200, 400, "off")
RUN_TIMEOUT = 60.0  # seconds one run of the workload may take
BUILD_TIMEOUT = 300.0  # a GOEXPERIMENT build recompiles the runtime and the std packages it imports
MIN_SCALED_SIZE = 1000
KNOWN_VARIABLES = ("GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GOEXPERIMENT")

# runtime/metrics names, in the order the generated main prints them
METRICS = (
    ("heap", "/memory/classes/heap/objects:bytes"),
    ("goal", "/gc/heap/goal:bytes"),
    ("live", "/gc/heap/live:bytes"),
    ("cycles", "/gc/cycles/total:gc-cycles"),
    ("gc_cpu", "/cpu/classes/gc/total:cpu-seconds"),
    ("total_cpu", "/cpu/classes/total:cpu-seconds"),
    ("allocated", "/gc/heap/allocs:bytes"),
    ("mapped", "/memory/classes/total:bytes"),
    ("released", "/memory/classes/heap/released:bytes"),
)
NO_GOAL = 1 << 62  # a goal above this is the runtime's "never" (GOGC=off, no limit)

_MAIN = """package main

import (
	"runtime/metrics"
	"time"
)

// Written by golab: sample runtime/metrics while {workload}({size}) runs.
var golabNames = []string{{names}}

func golabRead(s []metrics.Sample, out []uint64, start time.Time) []uint64 {
	metrics.Read(s)
	out = append(out, uint64(time.Since(start)))
	for i := range s {
		switch s[i].Value.Kind() {
		case metrics.KindFloat64:
			out = append(out, uint64(s[i].Value.Float64()*1e9))
		case metrics.KindUint64:
			out = append(out, s[i].Value.Uint64())
		default:
			out = append(out, 0)
		}
	}
	return out
}

func golabPrint(tag string, row []uint64) {
	print(tag)
	for _, v := range row {
		print(" ", v)
	}
	println()
}

func main() {
	width := len(golabNames) + 1
	s := make([]metrics.Sample, len(golabNames))
	for i, name := range golabNames {
		s[i].Name = name
	}
	buf := make([]uint64, 0, {max_samples}*width)
	stop, done := make(chan struct{}), make(chan struct{})
	start := time.Now()
	buf = golabRead(s, buf, start) // before the workload: the runtime's starting goal
	go func() {
		defer close(done)
		for len(buf)+width <= cap(buf) {
			select {
			case <-stop:
				return
			default:
			}
			buf = golabRead(s, buf, start)
			time.Sleep({interval_us} * time.Microsecond)
		}
	}()
	{workload}({size})
	wall := time.Since(start)
	close(stop)
	<-done
	end := golabRead(s, make([]uint64, 0, width), start)
	for i := 0; i+width <= len(buf); i += width {
		golabPrint("golab-gc-sample", buf[i:i+width])
	}
	golabPrint("golab-gc-end "+itoa(uint64(wall)), end)
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
"""


class GCExperimentError(GolabError):
    """The experiment could not run; the message says why and what to do."""


# ---------------------------------------------------------------- data


@dataclasses.dataclass
class GCSample:
    """One reading of runtime/metrics during a run (bytes, seconds)."""

    seconds: float  # since the workload started
    heap: int  # live + not yet swept objects
    goal: int | None  # heap goal; None: no goal (GOGC=off without a limit)
    live: int  # marked live by the last cycle
    cycles: int
    gc_cpu: float  # GC CPU seconds, as of the last cycle
    total_cpu: float  # GOMAXPROCS x wall seconds, as of the last cycle
    allocated: int  # bytes allocated since the program started
    mapped: int  # memory the runtime has mapped and not released: what GOMEMLIMIT limits


@dataclasses.dataclass
class GCRun:
    """One run of the workload under one setting."""

    label: str
    round: int
    wall_seconds: float
    samples: list[GCSample]
    end: GCSample  # read right after the workload returned

    @property
    def cycles(self) -> int:
        return self.end.cycles - (self.samples[0].cycles if self.samples else 0)

    @property
    def gc_cpu_fraction(self) -> float:
        """GC CPU over all CPU (both as the runtime estimates them) up to the last cycle; 0 without a cycle."""
        return self.end.gc_cpu / self.end.total_cpu if self.end.total_cpu else 0.0

    @property
    def gc_cpu_seconds(self) -> float:
        return self.end.gc_cpu

    @property
    def peak_heap(self) -> int:
        return max([s.heap for s in self.samples] + [self.end.heap])

    @property
    def peak_mapped(self) -> int:
        return max([s.mapped for s in self.samples] + [self.end.mapped])

    @property
    def allocated(self) -> int:
        return self.end.allocated - (self.samples[0].allocated if self.samples else 0)

    @property
    def alloc_rate(self) -> float:
        """Bytes allocated per second of wall time: the workload's throughput."""
        return self.allocated / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def gc_cpu_per_cycle(self) -> float:
        return self.end.gc_cpu / self.end.cycles if self.end.cycles else 0.0

    def to_json(self) -> dict:
        return {
            "label": self.label, "round": self.round, "wall_seconds": self.wall_seconds, "cycles": self.cycles,
            "gc_cpu_fraction": self.gc_cpu_fraction, "peak_heap": self.peak_heap, "allocated": self.allocated,
            "samples": [dataclasses.asdict(s) for s in self.samples], "end": dataclasses.asdict(self.end),
        }


@dataclasses.dataclass
class GCSetting:
    """One GC setting and its runs."""

    label: str  # "GOGC=100", "GOGC=off GOMEMLIMIT=64MiB", "GOEXPERIMENT=nogreenteagc"
    env: dict[str, str]  # run-time variables
    experiment: str | None  # GOEXPERIMENT for the build, or None (the toolchain's default)
    runs: list[GCRun] = dataclasses.field(default_factory=list)
    built_with: str = ""  # GOEXPERIMENT recorded in the binary's build info ('' for the default)

    def _median(self, values) -> float:
        values = list(values)
        return statistics.median(values) if values else float("nan")

    @property
    def cycles(self) -> int:
        return int(self._median(r.cycles for r in self.runs))

    @property
    def wall_seconds(self) -> float:
        return self._median(r.wall_seconds for r in self.runs)

    @property
    def gc_cpu_fraction(self) -> float:
        return self._median(r.gc_cpu_fraction for r in self.runs)

    @property
    def gc_cpu_per_cycle(self) -> float:
        return self._median(r.gc_cpu_per_cycle for r in self.runs)

    @property
    def peak_heap(self) -> int:
        return int(self._median(r.peak_heap for r in self.runs))

    @property
    def peak_mapped(self) -> int:
        return int(self._median(r.peak_mapped for r in self.runs))

    @property
    def live_heap(self) -> int:
        """The live heap the last cycle of a run marked (median over runs; 0 without a cycle)."""
        return int(self._median(r.end.live if r.end.cycles else 0 for r in self.runs))

    @property
    def alloc_rate(self) -> float:
        return self._median(r.alloc_rate for r in self.runs)

    @property
    def memory_limit(self) -> int | None:
        raw = self.env.get("GOMEMLIMIT")
        return parse_bytes(raw) if raw and raw != "off" else None

    @property
    def first(self) -> GCRun:
        """The run the charts draw (the first one)."""
        return self.runs[0]

    def to_json(self) -> dict:
        return {
            "label": self.label, "env": dict(self.env), "experiment": self.experiment, "built_with": self.built_with,
            "cycles": self.cycles, "wall_seconds": self.wall_seconds, "gc_cpu_fraction": self.gc_cpu_fraction,
            "peak_heap": self.peak_heap, "live_heap": self.live_heap, "alloc_rate": self.alloc_rate,
            "runs": [r.to_json() for r in self.runs],
        }


@dataclasses.dataclass
class GCExperiment:
    """A workload measured under several GC settings."""

    go_version: str
    workload: str
    size: int
    settings: list[GCSetting]
    repeat: int
    gomaxprocs: int | None
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def __getitem__(self, key) -> GCSetting:
        label = setting_label(key) if not isinstance(key, str) or "=" in key or key == "off" else key
        for s in self.settings:
            if s.label in (key, label):
                return s
        raise KeyError(f"no setting {key!r}; the settings are: {', '.join(self.labels)}")

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.settings]

    def cycles(self, key) -> int:
        return self[key].cycles

    def wall_seconds(self, key) -> float:
        return self[key].wall_seconds

    def gc_cpu_fraction(self, key) -> float:
        return self[key].gc_cpu_fraction

    def compare(self, a, b) -> Comparison:
        """Wall time of setting ``b`` against ``a`` with golab's benchmark
        statistics (median ratio, its interval, Mann-Whitney p)."""
        sa, sb = self[a], self[b]
        return compare_summaries(_summary(self.workload, sa), _summary(self.workload, sb))

    def to_json(self) -> dict:
        return {
            "go_version": self.go_version, "workload": self.workload, "size": self.size, "repeat": self.repeat,
            "gomaxprocs": self.gomaxprocs, "notes": list(self.notes),
            "settings": [s.to_json() for s in self.settings],
        }

    def text(self) -> str:
        lines = [f"{self.go_version}: {self.workload}({self.size:,}), {self.repeat} run(s) per setting"]
        for s in self.settings:
            lines.append(
                f"  {s.label:<34} {s.cycles:>5} cycles  GC CPU {s.gc_cpu_fraction:6.1%}  peak heap "
                f"{s.peak_heap / 2**20:7.1f} MiB  wall {s.wall_seconds * 1000:8.1f} ms  "
                f"{s.alloc_rate / 2**20:8.0f} MiB/s allocated"
            )
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<GCExperiment {self.workload}({self.size}): {', '.join(self.labels)}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)

def _summary(workload: str, setting: GCSetting):
    name = "Benchmark" + workload[:1].upper() + workload[1:]
    samples = [Sample(name, 1, r.wall_seconds * 1e9, variant=setting.label, round=r.round) for r in setting.runs]
    return summarize(name, samples, setting.label)


# ---------------------------------------------------------------- settings

_BYTES = re.compile(r"^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB)?$")
_UNITS = {None: 1, "B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def parse_bytes(text: str) -> int:
    """``64MiB`` -> 67108864 (GOMEMLIMIT's syntax: B, KiB, MiB, GiB, TiB)."""
    m = _BYTES.match(str(text).strip())
    if not m:
        raise GCExperimentError(
            f"GOMEMLIMIT={text!r} is not a size Go understands: write a number with B, KiB, MiB, GiB or TiB, "
            "e.g. GOMEMLIMIT=64MiB (or off)."
        )
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def parse_setting(setting) -> tuple[dict[str, str], str | None]:
    """(run-time environment, GOEXPERIMENT) of one setting.

    A setting is an int (GOGC), ``"off"`` (GOGC=off), or a string of
    ``NAME=VALUE`` words among GOGC, GOMEMLIMIT, GOMAXPROCS and GOEXPERIMENT,
    e.g. ``"GOGC=off GOMEMLIMIT=64MiB"``; a dict of the same works too.
    """
    if isinstance(setting, bool):
        raise GCExperimentError(f"{setting!r} is not a GC setting: give GOGC as a number (100), 'off', or 'GOGC=50 GOMEMLIMIT=64MiB'.")
    if isinstance(setting, int):
        pairs = {"GOGC": str(setting)}
    elif isinstance(setting, dict):
        pairs = {str(k): str(v) for k, v in setting.items()}
    elif isinstance(setting, str):
        text = setting.strip()
        if text == "off" or text.lstrip("-").isdigit():
            pairs = {"GOGC": text}
        else:
            pairs = {}
            for word in text.replace(",", " ").split():
                name, eq, value = word.partition("=")
                if not eq or not value:
                    raise GCExperimentError(f"{word!r} in setting {setting!r} is not NAME=VALUE (e.g. GOGC=50).")
                pairs[name] = value
            if not pairs:
                raise GCExperimentError("an empty setting: give GOGC (e.g. 100 or 'off') or 'GOMEMLIMIT=64MiB'.")
    else:
        raise GCExperimentError(f"{setting!r} is not a GC setting: give 100, 'off' or 'GOGC=50 GOMEMLIMIT=64MiB'.")
    env, experiment = {}, None
    for name, value in pairs.items():
        if name not in KNOWN_VARIABLES:
            raise GCExperimentError(f"{name} is not a GC setting golab varies: use {', '.join(KNOWN_VARIABLES)}.")
        if name == "GOGC" and not (value == "off" or re.fullmatch(r"-?\d+", value)):
            raise GCExperimentError(f"GOGC={value} is not valid: give a percentage (25, 100, 400) or off.")
        if name == "GOGC" and value != "off" and int(value) < 0:
            value = "off"  # the runtime treats a negative GOGC as off
        if name == "GOMEMLIMIT" and value != "off":
            parse_bytes(value)
        if name == "GOMAXPROCS" and not (value.isdigit() and int(value) > 0):
            raise GCExperimentError(f"GOMAXPROCS={value} is not valid: give a positive number of threads.")
        if name == "GOEXPERIMENT":
            if not re.fullmatch(r"[a-z0-9,]+", value):
                raise GCExperimentError(f"GOEXPERIMENT={value} is not valid: e.g. GOEXPERIMENT=nogreenteagc.")
            experiment = value
        else:
            env[name] = value
    return env, experiment


def setting_label(setting) -> str:
    env, experiment = parse_setting(setting)
    words = [f"{k}={v}" for k, v in env.items()]
    if experiment:
        words.append(f"GOEXPERIMENT={experiment}")
    return " ".join(words)


def scaled_size(size: int, scale: float) -> int:
    if scale >= 1:
        return size
    return min(size, max(MIN_SCALED_SIZE, int(size * scale), size // 2))


# ---------------------------------------------------------------- running


def _parse_row(words: list[str]) -> GCSample:
    values = [int(w) for w in words]
    t, rest = values[0], dict(zip((k for k, _ in METRICS), values[1:]))
    goal = rest["goal"]
    return GCSample(
        seconds=t / 1e9, heap=rest["heap"], goal=None if goal >= NO_GOAL else goal, live=rest["live"],
        cycles=rest["cycles"], gc_cpu=rest["gc_cpu"] / 1e9, total_cpu=rest["total_cpu"] / 1e9,
        allocated=rest["allocated"], mapped=rest["mapped"] - rest["released"],
    )


def parse_samples(stderr: str) -> tuple[list[GCSample], GCSample | None, float | None]:
    """(samples, end sample, wall seconds) from the generated main's output."""
    samples, end, wall = [], None, None
    width = len(METRICS) + 1
    for line in stderr.splitlines():
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "golab-gc-sample" and len(words) == width + 1:
                samples.append(_parse_row(words[1:]))
            elif words[0] == "golab-gc-end" and len(words) == width + 2:
                wall = int(words[1]) / 1e9
                end = _parse_row(words[2:])
        except ValueError:
            continue
    return samples, end, wall


def _program(workload: str, size: int, interval_us: int, max_samples: int) -> str:
    names = ", ".join(f'"{n}"' for _, n in METRICS)
    return (
        _MAIN.replace("{names}", names).replace("{workload}", workload).replace("{size}", str(size))
        .replace("{interval_us}", str(interval_us)).replace("{max_samples}", str(max_samples))
    )


_FUNC = r"^[ \t]*func[ \t]+{name}[ \t]*\([ \t]*\w+[ \t]+int[ \t]*\)[ \t]*\{{"


def _load_workload(source_or_path, workload: str, name: str):
    if not re.fullmatch(r"[A-Za-z_]\w*", workload or ""):
        raise GCExperimentError(f"workload must be the name of a Go function, like workload='churn' (got {workload!r}).")
    snippet = load(source_or_path, name=name)
    if snippet.package != "main":
        raise GCExperimentError(
            f"the workload must be in package main (this is package {snippet.package}): golab writes the main "
            "that calls it."
        )
    if not snippet.added_main:
        raise GCExperimentError(
            "the source has its own func main: gc_experiment writes the main that samples the runtime while "
            f"it calls {workload}(size). Remove func main (keep {workload})."
        )
    pattern = re.compile(_FUNC.format(name=re.escape(workload)), re.M)
    if not any(pattern.search(s.text) for s in snippet.sources if not s.is_test):
        raise GCExperimentError(
            f"there is no `func {workload}(n int)` in the source: the workload is a function golab calls "
            f"once with the size, e.g. func {workload}(n int) {{ ... }}."
        )
    return snippet


def _build(toolchain: Toolchain, snippet, folder: Path, experiment: str | None, timeout: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    snippet.write(folder)
    extra = {"GOEXPERIMENT": experiment} if experiment else None
    result = run_go(toolchain, ["build", "-trimpath", "-o", "prog", "."], cwd=folder, extra_env=extra, timeout=timeout)
    if result.timed_out:
        raise GCExperimentError(
            f"building the workload{' with GOEXPERIMENT=' + experiment if experiment else ''} took longer than "
            f"{result.seconds:.0f} s and was stopped (a GOEXPERIMENT build recompiles the runtime the first time); "
            "run it again, the build cache keeps it."
        )
    if result.returncode != 0:
        output = result.stderr + result.stdout
        if experiment and "unknown GOEXPERIMENT" in output:
            raise GCExperimentError(f"{toolchain.version} does not know GOEXPERIMENT={experiment}: {output.strip().splitlines()[-1]}")
        errors = parse_errors(output, snippet)
        lines = "\n".join(f"  {e}" for e in errors[:10]) or "  " + output.strip()
        raise GCExperimentError("the workload does not compile:\n" + lines)
    return folder / "prog"


def built_experiment(toolchain: Toolchain, binary: Path) -> str:
    """The GOEXPERIMENT a binary was built with, from its build info ('' for the default)."""
    info = run_go(toolchain, ["version", "-m", str(binary)], timeout=30)
    m = re.search(r"^\s*build\s+GOEXPERIMENT=(\S*)$", info.stdout, re.M)
    return m.group(1) if m else ""


def gc_experiment(
    source_or_path,
    workload: str = "churn",
    size: int = 400_000,
    settings: Sequence = DEFAULT_SETTINGS,
    *,
    repeat: int = 1,
    gomaxprocs: int | None = None,
    interval_ms: float = 1.0,
    name: str = "workload.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> GCExperiment:
    """Run ``workload(size)`` once per setting (``repeat`` times, interleaved)
    and sample the runtime's own GC metrics while it runs.

    ``settings``: GOGC values (``25``, ``"off"``) or ``"NAME=VALUE ..."``
    strings over GOGC, GOMEMLIMIT, GOMAXPROCS and GOEXPERIMENT (a build-time
    setting: ``"GOEXPERIMENT=nogreenteagc"`` builds the previous collector).
    ``gomaxprocs`` sets GOMAXPROCS for every setting that does not set it.
    ``timeout``: seconds one run may take (default 60).  With
    ``GOLAB_BENCH_SCALE`` below 1, ``size`` and ``repeat`` shrink (noted in
    ``result.notes``).
    """
    started = time.monotonic()
    toolchain = toolchain or find_go()
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise GCExperimentError(f"size must be a positive integer (the argument golab passes to the workload), not {size!r}.")
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise GCExperimentError(f"repeat must be a positive integer, not {repeat!r}.")
    if not settings or isinstance(settings, (str, int, dict)):
        raise GCExperimentError("settings must be a list, e.g. settings=[25, 100, 400, 'off', 'GOMEMLIMIT=64MiB'].")
    if not 0.1 <= float(interval_ms) <= 1000:
        raise GCExperimentError("interval_ms must be between 0.1 and 1000 milliseconds.")
    timeout = RUN_TIMEOUT if timeout is None else float(timeout)
    parsed: list[GCSetting] = []
    for s in settings:
        env, experiment = parse_setting(s)
        if gomaxprocs is not None:
            env.setdefault("GOMAXPROCS", str(int(gomaxprocs)))
        label = setting_label(s)
        if any(p.label == label for p in parsed):
            raise GCExperimentError(f"the setting {label} is listed twice.")
        parsed.append(GCSetting(label, env, experiment))
    scale = bench_scale()
    notes = []
    run_size = scaled_size(size, scale)
    runs = repeat if scale >= 1 else min(repeat, max(MIN_SCALED_COUNT, round(repeat * scale)))
    if scale < 1 and (run_size, runs) != (size, repeat):
        notes.append(f"GOLAB_BENCH_SCALE={scale:g}: size {size:,} -> {run_size:,}, repeat {repeat} -> {runs} (short runs for CI).")
    snippet = _load_workload(source_or_path, workload, name)
    interval_us = max(100, int(float(interval_ms) * 1000))
    max_samples = 50_000
    snippet.files[MAIN_FILE] = _program(workload, run_size, interval_us, max_samples)
    users = {s.name for s in snippet.sources}
    with workdir("gc-") as tmp:
        binaries: dict[str | None, Path] = {}
        for s in parsed:
            if s.experiment not in binaries:
                folder = tmp / f"b{len(binaries)}"
                binaries[s.experiment] = _build(toolchain, snippet, folder, s.experiment, BUILD_TIMEOUT)
            s.built_with = built_experiment(toolchain, binaries[s.experiment]) if s.experiment else ""
        for rnd in range(runs):
            for s in parsed:
                binary = binaries[s.experiment]
                env = toolchain.env()
                for variable in (*KNOWN_VARIABLES, "GODEBUG"):  # only the setting decides
                    env.pop(variable, None)
                env.update(s.env)
                r = run([str(binary)], cwd=binary.parent, env=env, timeout=timeout, max_memory=default_max_memory())
                if r.timed_out:
                    raise GCExperimentError(
                        f"{workload}({run_size}) under {s.label} did not finish within {timeout:g} s and was stopped; "
                        "give a smaller size or a larger timeout."
                    )
                samples, end, wall = parse_samples(r.stderr)
                if r.returncode != 0 or end is None:
                    panic = parse_panic(r.stderr, users)
                    if panic is not None:
                        why = str(panic)
                    else:
                        why = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit status {r.returncode}"
                    oom = "out of memory" in r.stderr
                    hint = (" The memory cap golab gives a program (GOLAB_MAX_MEMORY) was reached: lower the size."
                            if oom else "")
                    raise GCExperimentError(f"{workload}({run_size}) under {s.label} failed: {why}.{hint}")
                s.runs.append(GCRun(s.label, rnd, wall, samples, end))
    exp = GCExperiment(toolchain.version, workload, run_size, parsed, runs, gomaxprocs, notes)
    exp.seconds = time.monotonic() - started
    return exp
