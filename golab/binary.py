"""One door for learners' binaries: build, cache, run, watch, read their end.

What it does:

* :func:`build_program` builds a ``main`` package with ``go build`` (one retry
  without imports golab inferred that the compiler calls unused) and
  returns its compile errors at the user's lines when it does not compile;
* :func:`build_test_binary` builds a snippet's test binary (``go test -c
  -trimpath``) through a per-user cache.  A cached binary is *copied* (never
  hard-linked: a program could write through the link) and its SHA-256 is
  checked against the digest recorded when it was built before every use, so
  a program golab ran cannot make a later benchmark measure another program
  (the digest lives in this process's memory only: none is read from disk);
* :func:`run_binary` runs a built binary through :func:`golab.toolchain.run`
  (the supervisor, the caps, the marker), with the memory cap of programs,
  in the sandbox when ``GOLAB_SANDBOX=1``, and, for a benchmark, SIGQUIT at
  the deadline so a hung benchmark is reported at the user's line;
* :func:`parse_panic` reads a Go panic (or fatal error) from stderr, only
  when the exit status says the program really crashed (a program that
  prints "panic: ..." and exits 0 did not panic);
* :func:`benchmark_failure` turns a test binary run that did not end well
  into the exception that says what happened: a panic in ``init``, a
  ``TestMain`` or ``os.Exit`` that ended the binary early, every benchmark
  skipped, out of memory (Go's own, or golab's cap), a hang, a panic, a
  ``b.Fatal``;
* :class:`BenchStream` reads the output of ``-test.v`` benchmark runs and
  trusts a result line only in the framing the testing package gives it
  (the last result after the benchmark's name line), so lines a program
  prints in the benchmark format never become samples.

What it reads: :class:`~golab.snippet.Snippet` values, built binaries, their
output.  What it returns: paths, :class:`~golab.toolchain.RunResult`,
:class:`Panic`, :class:`BuildResult`, exceptions from :mod:`golab.errors`.
Nothing here spawns a process itself: :mod:`golab.toolchain` does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Callable, Sequence

from .build import CompileError, parse_errors, without_unused_imports
from .errors import (
    BenchCompileError, BenchError, BenchExitedEarly, BenchFailed, BenchOutOfMemory, BenchPanic, BenchSkipped,
    BenchTimeout, GoTimeout, InitPanic,
)
from .snippet import Snippet
from .toolchain import (
    RunResult, Toolchain, default_max_memory, file_digest, human_bytes, run, run_go, user_temp_root,
)

MODULE = "golab.local/snippet"  # Snippet.write's module path; -trimpath makes it the prefix of every file
BUILD_TIMEOUT = 120.0  # a cold build of fmt + net/http can be slow the first time
QUIT_GRACE = 3.0  # seconds a Go program gets to print its goroutines after SIGQUIT

# ---------------------------------------------------------------- building


@dataclasses.dataclass
class BuildResult:
    snippet: Snippet  # as built (an inferred import may have been dropped)
    binary: Path | None  # None: it does not compile
    errors: list[CompileError]
    seconds: float
    output: str = ""


def build_program(toolchain: Toolchain, snippet: Snippet, folder: Path, timeout: float | None = None, *,
                  cancel: threading.Event | None = None, name: str = "prog") -> BuildResult:
    """``go build -o NAME`` of a main package in ``folder``.  A build past
    ``timeout`` raises :class:`GoTimeout`; compile errors are returned."""
    folder.mkdir(parents=True, exist_ok=True)
    build = None
    for attempt in range(2):
        snippet.write(folder)
        build = run_go(toolchain, ["build", "-o", name, "."], cwd=folder,
                       timeout=BUILD_TIMEOUT if timeout is None else timeout, cancel=cancel)
        if build.timed_out:
            raise GoTimeout(
                f"building the program took longer than {build.seconds:.0f} s and was stopped "
                "(a cold build cache is slow the first time); run it again, or raise the build timeout."
            )
        if build.returncode == 0:
            return BuildResult(snippet, folder / name, [], build.seconds)
        output = build.stdout + build.stderr
        retry = without_unused_imports(snippet, output) if attempt == 0 else None
        if retry is None:
            errors = parse_errors(output, snippet)
            return BuildResult(snippet, None, errors or [CompileError("", 0, 0, output.strip() or "go build failed")],
                               build.seconds, output)
        snippet = retry  # same file names: the next write replaces them
    raise AssertionError("unreachable")  # pragma: no cover


_digests: dict[str, str] = {}  # cache file -> SHA-256 recorded when this process built it
_cache_lock = threading.Lock()


def _binary_key(toolchain: Toolchain, snippet: Snippet) -> str:
    return hashlib.sha256(repr((toolchain.goroot, toolchain.version, snippet.lang, sorted(snippet.files.items()))).encode()).hexdigest()[:32]


def _from_cache(cache: Path, binary: Path) -> bool:
    """Copy a cached binary to ``binary`` if its content is what this process
    built.  Only a digest held in memory counts: a program golab ran (as the
    same user) can rewrite any file in the cache, a digest beside the binary
    included, so after a kernel restart a benchmark is built again (Go's
    build cache makes that a link step)."""
    sidecar = cache.with_suffix(".sha256")  # written by older golab versions: removed with a stale binary
    with _cache_lock:
        want = _digests.get(str(cache))
    if want is None:
        return False
    try:
        shutil.copyfile(cache, binary)
        os.chmod(binary, 0o700)
    except OSError:
        return False
    if file_digest(binary) != want:
        binary.unlink(missing_ok=True)
        for stale in (cache, sidecar):
            try:
                stale.unlink()
            except OSError:
                pass
        return False
    return True


def _to_cache(binary: Path, cache: Path) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        digest = file_digest(binary)
        tmp = cache.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.copyfile(binary, tmp)
        os.chmod(tmp, 0o500)
        os.replace(tmp, cache)
        with _cache_lock:
            _digests[str(cache)] = digest
    except OSError:
        pass


def build_test_binary(toolchain: Toolchain, snippet: Snippet, folder: Path, timeout: float | None,
                      label: str | None = None) -> Path:
    """The snippet's test binary in ``folder`` (from the verified per-user
    cache when the same source was built before by the same toolchain;
    built with -trimpath so its file names do not depend on the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    snippet.write(folder)
    binary = folder / "bench.test"
    cache = Path(user_temp_root()) / "benchbin" / f"{_binary_key(toolchain, snippet)}.test"
    if cache.is_file() and _from_cache(cache, binary):
        return binary
    result = None
    for attempt in range(2):
        result = run_go(toolchain, ["test", "-c", "-trimpath", "-o", str(binary), "."], cwd=folder, timeout=timeout)
        retry = None
        if result.returncode != 0 and not result.timed_out and attempt == 0:
            retry = without_unused_imports(snippet, result.stderr + result.stdout)
        if retry is None:
            break
        snippet = retry  # same file names: this write replaces them
        snippet.write(folder)
    if result.timed_out:
        raise BenchTimeout(
            f"building the test binary took longer than {result.seconds:.0f} s and was stopped; "
            "raise the timeout (timeout=..., GOLAB_TIMEOUT) if the build cache is cold."
        )
    if result.returncode != 0 or not binary.exists():
        errors = parse_errors(result.stderr + result.stdout, snippet)
        errors = [e for e in errors if e.message and not e.message.startswith("FAIL")]
        what = f" ({label})" if label else ""
        lines = "\n".join(f"  {e}" for e in errors[:10]) or "  " + (result.stderr or result.stdout).strip()
        raise BenchCompileError(f"the benchmark{what} does not compile:\n{lines}", errors)
    _to_cache(binary, cache)
    return binary


# ---------------------------------------------------------------- running


def run_binary(toolchain: Toolchain, binary: Path | str, args: Sequence[str] = (), *, folder: Path | str,
               timeout: float, max_memory: int | None = None, max_output: int | None = None,
               on_stdout_line: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
               benchmark: bool = False, extra_env: dict[str, str] | None = None) -> RunResult:
    """Run a learner's binary: memory cap of programs (``max_memory``, default
    GOLAB_MAX_MEMORY; 0 for none), the sandbox when GOLAB_SANDBOX=1, and for a
    ``benchmark`` a goroutine dump (SIGQUIT) at the deadline before it is
    killed."""
    memory = default_max_memory() if max_memory is None else (max_memory or 0)
    return run(
        [str(binary), *map(str, args)], cwd=folder, env=toolchain.env(extra_env), timeout=timeout,
        max_output=max_output, max_memory=memory, on_stdout_line=on_stdout_line, cancel=cancel,
        quit_first=benchmark, sandbox=True,
    )


def list_benchmarks(toolchain: Toolchain, binary: Path, pattern: str, timeout: float,
                    snippet: Snippet | None = None) -> list[str]:
    """Names of the benchmarks ``pattern`` selects (``-test.list``).  A
    binary that cannot even list them (a panic in ``init``) raises the
    error that says so."""
    r = run_binary(toolchain, binary, ["-test.list", pattern], folder=binary.parent, timeout=timeout, benchmark=True)
    if r.timed_out and snippet is not None:
        frames = user_frames(r.stderr, snippet, binary.parent)
        where = f"; it was at {frames[0][1]}" if frames else ""
        raise BenchTimeout(
            f"the test binary did not even list its benchmarks within {timeout:g} s and was stopped{where}: a func "
            "init(), a package-level variable's initialiser or TestMain never returns. Fix the loop or wait there."
        )
    if not r.ok and snippet is not None:
        raise benchmark_failure(r, snippet, timeout, binary.parent, [])
    return [l.strip() for l in r.stdout.splitlines() if l.strip().startswith("Benchmark")]


# ---------------------------------------------------------------- panics

_PANIC = re.compile(r"^panic: (?P<msg>.*?)(?: \[recovered[^\]]*\])?$", re.M)
_FATAL = re.compile(r"^fatal error: (?P<msg>.*)$", re.M)
_FRAME_POS = re.compile(r"^\t(?P<file>[^\s:][^:]*):(?P<line>\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$")
_FUNC_LINE = re.compile(r"^(?P<func>[\w./*()\[\]{}-]+)\(.*\)$")
# what the runtime prints after a panic or fatal error: a goroutine header
# (``goroutine 1 [running]:``, or with ``gp=... m=...`` when the runtime
# throws: GOTRACEBACK=system), or ``runtime stack:`` (thread exhaustion)
_GOROUTINE = re.compile(r"^(?:goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[|runtime stack:$)", re.M)
PANIC_EXIT = 2  # the Go runtime's exit status after a panic or fatal error


@dataclasses.dataclass
class Panic:
    """A panic (or fatal runtime error) and where in the user's code it happened."""

    message: str  # "runtime error: index out of range [5] with length 3"
    file: str = ""  # user file of the first frame in the user's code, or ""
    line: int = 0
    function: str = ""  # "main.main"
    fatal: bool = False  # "fatal error:" (not recoverable) rather than "panic:"

    @property
    def position(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""

    @property
    def in_init(self) -> bool:
        """Raised while the package initialised (``init`` or a package-level variable)."""
        return bool(re.search(r"(^|\.)init(\.\d+)?$", self.function))

    def __str__(self) -> str:
        kind = "fatal error" if self.fatal else "panic"
        where = f" at {self.position}" + (f" in {self.function}" if self.function else "") if self.file else ""
        return f"{kind}: {self.message}{where}"


def parse_panic(stderr: str, user_files: set[str], returncode: int | None = None) -> Panic | None:
    """The panic (or fatal error) in a Go program's stderr, with the first
    stack frame that lies in the user's files.  With ``returncode`` given,
    text that only looks like a panic (the program printed it and exited
    other than with status 2) is not one."""
    if returncode is not None and returncode != PANIC_EXIT:
        return None
    m = _PANIC.search(stderr)
    fatal = False
    if m is None:
        m = _FATAL.search(stderr)
        fatal = True
    if m is None:
        return None
    if returncode is not None and not _GOROUTINE.search(stderr, m.end()) and (
            not fatal or stderr[m.end():].strip()):
        # no goroutine trace followed (a fatal error may have none when no
        # goroutine is left: "no goroutines (main called runtime.Goexit)"):
        # printed text, not the runtime
        return None
    panic = Panic(message=m.group("msg"), fatal=fatal)
    previous = ""
    for raw in stderr[m.end():].splitlines():
        pos = _FRAME_POS.match(raw)
        if pos:
            name = _user_file(pos.group("file"), user_files)
            if name is not None:
                panic.file, panic.line = name, int(pos.group("line"))
                fn = _FUNC_LINE.match(previous.strip())
                panic.function = fn.group("func") if fn else previous.strip()
                break
        previous = raw
    return panic


def _user_file(file: str, user_files: set[str]) -> str | None:
    """The user file a trace path names (traces may show it relative,
    absolute, or with the build dir or module path prepended)."""
    if file in user_files:
        return file
    stripped = strip_build_path(file)
    if stripped in user_files:
        return stripped
    for name in user_files:
        if file.endswith("/" + name) or (
            os.path.basename(file) == os.path.basename(name)
            and not file.startswith(("/usr", "runtime/")) and "golab" not in os.path.basename(file)
        ):
            return name
    return None


def is_out_of_memory(stderr: str) -> bool:
    """The Go runtime said it could not get memory (its own words)."""
    if re.search(r"^fatal error: failed to reserve ", stderr, re.M):
        return True  # the cap is below what the runtime reserves at start
    return bool(re.search(r"^fatal error: (?:runtime: )?(?:out of memory|cannot allocate memory)", stderr, re.M)) or (
        "runtime: out of memory" in stderr
    ) or bool(re.search(r"^runtime: failed to create new OS thread.*errno=12\b", stderr, re.M))
    # errno=11 (EAGAIN) is the process/thread limit (ulimit -u, a fork bomb), not memory: see thread_limit


def thread_limit(stderr: str) -> bool:
    """The runtime could not start a thread because the user's process and
    thread limit was reached (EAGAIN: ``ulimit -u``), not for memory."""
    return bool(re.search(r"^runtime: failed to create new OS thread.*errno=11\b", stderr, re.M))


def strip_build_path(file: str, folder: Path | str | None = None) -> str:
    """A file name from a trace or profile, relative to the snippet folder."""
    if file.startswith(MODULE + "/"):
        return file[len(MODULE) + 1:]
    if folder:
        prefix = str(folder).rstrip("/") + "/"
        if file.startswith(prefix):
            return file[len(prefix):]
    return file


_TRACE_FRAME = re.compile(r"^\t(?P<file>[^\t ]+?):(?P<line>\d+)(?: \+0x[0-9a-f]+)?(?: fp=.*)?$")
_FUNC_FRAME = re.compile(r"^(?P<func>\S+)\(.*\)$")


def user_frames(output: str, snippet: Snippet, folder: Path | str | None = None) -> list[tuple[str, str]]:
    """(function, file:line) of goroutine-trace frames in the user's files.

    ``go test`` joins a ``//line`` file name with the package folder, so a
    trace says ``/tmp/golab-0/bench-x/v0/cell.go:2``; ``folder`` is stripped.
    """
    users = snippet.user_files
    frames = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        m = _TRACE_FRAME.match(line)
        if not m:
            continue
        file = strip_build_path(m.group("file"), folder)
        if file not in users:
            mapped = snippet.map_position(os.path.basename(file), int(m.group("line")))
            if mapped is None:
                continue
            where = str(mapped)
        else:
            where = f"{file}:{m.group('line')}"
        func = ""
        if i > 0:
            f = _FUNC_FRAME.match(lines[i - 1])
            func = f.group("func") if f else lines[i - 1].strip()
        frames.append((func.removeprefix("main.").removeprefix(MODULE + "."), where))
    return frames


# ---------------------------------------------------------------- benchmark output

_NAME_LINE = re.compile(r"^(Benchmark\S*)$")
_RESULT = re.compile(r"^(?P<name>Benchmark\S*?)(?:-(?P<procs>\d+))?\s+(?P<n>\d+)\s+(?P<rest>\S.*)$")


class BenchStream:
    """Reads a ``-test.v`` benchmark run line by line and keeps only the
    result lines the testing package wrote: for each benchmark, the last
    result line after its name line and before the next name line (a
    program's own printing comes before it).  Result-shaped lines outside
    that framing, or extra ones inside it, are counted in ``ignored``."""

    def __init__(self, parse: Callable[[str], object | None], on_sample: Callable[[object], None] | None = None):
        self._parse = parse
        self._on_sample = on_sample
        self.current: str | None = None  # name line in force
        self._pending: tuple[str, object] | None = None
        self.samples: list = []
        self.framed: list[str] = []  # the result lines trusted, as printed (a lost run's "0 NaN ns/op" too)
        self.ignored: list[str] = []
        self.started: list[str] = []  # benchmarks whose name line appeared
        self.skipped: dict[str, str] = {}  # name -> reason
        self.passed = False

    def _flush(self) -> None:
        if self._pending is not None:
            raw, sample = self._pending
            self.framed.append(raw)
            if sample is not None:
                self.samples.append(sample)
                if self._on_sample is not None:
                    self._on_sample(sample)
            self._pending = None

    def feed(self, line: str) -> None:
        text = line.rstrip("\n")
        stripped = text.strip()
        name = _NAME_LINE.match(text)
        if name:
            self._flush()
            self.current = name.group(1)
            self.started.append(self.current)
            return
        if stripped == "PASS" or stripped.startswith(("--- FAIL", "FAIL")):
            self._flush()
            self.passed = self.passed or stripped == "PASS"
            self.current = None
            return
        skip = re.match(r"^--- SKIP: (Benchmark\S*)", stripped)
        if skip:
            self.skipped[skip.group(1)] = self._last_log or ""
            return
        if text.startswith("    "):
            self._last_log = stripped.split(": ", 1)[-1]
        # The testing package writes "NAME\t" and the result right after the
        # benchmark's last run, with a newline: its line is the *suffix* of
        # the output line, after whatever the program printed without a
        # newline ("BenchmarkAdd-2 \t12345" glued in front of it, say).
        # So the result is read from the last "Benchmark" on the line that
        # starts a result-shaped rest, and what came before it is ignored.
        shaped, start = None, len(text)
        while shaped is None:
            start = text.rfind("Benchmark", 0, start)
            if start < 0:
                return
            shaped = _RESULT.match(text[start:].strip())
        if start > 0 and text[:start].strip():
            self.ignored.append(text[:start].strip())
        real = text[start:]
        sample = self._parse(real)
        name = shaped.group("name")
        stripped = real.strip()
        if self.current is None or not (name == self.current or name.startswith(self.current + "/")
                                        or self.current.startswith(name + "/")):
            self.ignored.append(stripped)
            return
        if self._pending is not None:
            self.ignored.append(self._pending[0])
        self._pending = (stripped, sample)

    _last_log: str | None = None

    def close(self) -> None:
        self._flush()


# ---------------------------------------------------------------- failures


def _running_benchmark(stdout: str, listed: Sequence[str] = ()) -> str | None:
    fail = re.search(r"^--- FAIL: (Benchmark\S*)", stdout, re.M)
    if fail:
        return fail.group(1)
    started = [m.group(1) for m in re.finditer(r"^(Benchmark\S*)$", stdout, re.M)]
    if started:
        return started[-1].split("/")[0]
    return listed[0] if listed else None


def benchmark_failure(run_result: RunResult, snippet: Snippet, timeout: float, folder=None, listed=(),
                      hung: bool = False) -> BenchError:
    """The error that says what ended a test binary run badly."""
    out, err = run_result.stdout, run_result.stderr
    bench = _running_benchmark(out, listed)
    frames = user_frames(err + "\n" + out, snippet, folder)
    where = frames[0][1] if frames else None
    trace = "".join(f"\n    {fn} at {pos}" for fn, pos in frames[:6] if fn or pos)
    started = bool(re.search(r"^Benchmark\S*$", out, re.M))
    if run_result.timed_out or hung:
        return BenchTimeout(
            f"{bench or 'a benchmark'} did not finish within {timeout:g} s and was stopped (it and everything it "
            "started were killed)" + (f"; it was running at {where}" if where else "") + ". A benchmark that never "
            "returns usually loops forever or waits on a channel nobody sends to; check the loop condition "
            "(`for b.Loop()` or `i < b.N`), or raise timeout=... if it is just slow."
            + (f"\n  goroutine trace (your code):{trace}" if trace else ""),
            bench,
        )
    if is_out_of_memory(err):
        cap = run_result.max_memory
        if cap and re.search(r"failed to reserve|failed to create new OS thread", err):
            why = (f"golab's memory cap of {human_bytes(cap)} (GOLAB_MAX_MEMORY) is too small for the Go runtime to "
                   "start; raise it to at least 1G")
        elif cap:
            why = (f"it asked for more than golab's memory cap of {human_bytes(cap)} (GOLAB_MAX_MEMORY) and the Go "
                   "runtime stopped it (\"fatal error: runtime: out of memory\")")
        else:
            why = "the machine had no more memory to give (\"fatal error: runtime: out of memory\")"
        return BenchOutOfMemory(
            f"{bench or 'the benchmark'} ran out of memory: {why}" + (f"; it was at {where}" if where else "")
            + ". Look for a slice or map that grows every iteration and is never released.",
            bench, where, err,
        )
    panic = parse_panic(err, snippet.user_files | {p for _, p in frames}, run_result.returncode)
    if panic is None and run_result.returncode == PANIC_EXIT:
        panic = parse_panic(err, snippet.user_files)
    if panic is not None and (panic.in_init or not started) and not panic.fatal:
        at = where or panic.position
        return InitPanic(
            f"the package panicked while it initialised, before any benchmark ran: {panic.message}"
            + (f" at {at}" if at else "") + ". A func init() or a package-level variable's initialiser panics; "
            "fix it (or move the work into the benchmark).",
            None, at, err,
        )
    if panic is not None:
        msg = panic.message
        return BenchPanic(
            f"{bench or 'a benchmark'} {'stopped with a fatal error' if panic.fatal else 'panicked'}: {msg}"
            + (f" at {where}" if where else "") + (f"\n  goroutine trace (your code):{trace}" if trace else ""),
            bench, where, err,
        )
    fail = re.search(r"^--- FAIL: (Benchmark\S*)\n((?:[ \t]+.*\n?)*)", out, re.M)
    if fail:
        detail = [l.strip() for l in fail.group(2).splitlines() if l.strip()]
        if not detail:  # -test.v writes the log lines before the FAIL line
            before = re.search(r"((?:^[ \t]+.*\n)+)^--- FAIL: " + re.escape(fail.group(1)) + r"$", out, re.M)
            detail = [l.strip() for l in before.group(1).splitlines() if l.strip()] if before else []
        return BenchFailed(
            f"{fail.group(1)} failed (b.Fatal / b.Error): " + ("; ".join(detail) if detail else "no message"),
            fail.group(1), detail[0].split(": ", 1)[0] if detail else None, out,
        )
    if run_result.returncode < 0:
        import signal

        try:
            name = signal.Signals(-run_result.returncode).name
        except ValueError:
            name = f"signal {-run_result.returncode}"
        return BenchPanic(
            f"{bench or 'the benchmark'} was killed by {name} from outside golab (the system's out-of-memory "
            "killer, or someone stopped the process); run it again.",
            bench, where, err + out,
        )
    status = run_result.returncode
    tail = [l for l in (err.strip() or out.strip()).splitlines()[-5:] if l.strip() not in ("PASS", "FAIL")]
    said = (": " + " / ".join(tail)) if tail else ""
    if not started:
        return BenchExitedEarly(
            f"the test binary exited with status {status} before any benchmark started: a TestMain that "
            "returns or calls os.Exit without m.Run(), or os.Exit / log.Fatal in an init" + said,
            None, where, err + out,
        )
    return BenchExitedEarly(
        f"{bench or 'the benchmark'} ended the test binary with exit status {status} before it finished: "
        "os.Exit or log.Fatal in the benchmark (a benchmark must return)" + (f" at {where}" if where else "") + said,
        bench, where, err + out,
    )


def skipped_error(skipped: dict[str, str]) -> BenchSkipped:
    items = "; ".join(f"{n}: {why}" if why else n for n, why in skipped.items())
    return BenchSkipped(
        f"every selected benchmark called b.Skip, so nothing was measured ({items}). Remove the b.Skip, "
        "or select other benchmarks with the pattern."
    )
