"""Build and run a Go program, and say in plain words what happened.

What it does: normalises the input with :func:`golab.snippet.load` (a cell
fragment gets a package clause, imports and ``//line`` directives), builds it
with ``go build`` in a fresh temp module, then runs the binary with
:func:`golab.toolchain.run` in its own process group, with a time limit, an
output cap and an address-space cap.  Compile errors come back at the user's
lines (:func:`golab.build.parse_errors`); a panic is parsed from the
goroutine trace into its message and the first frame in the user's files
(positions are already in the user's coordinates thanks to the ``//line``
directives); ``os.Exit(n)`` is reported as exit status ``n``; a program
stopped by the time limit or killed by the memory cap is explained in plain
words.  Nothing here raises for the learner's mistakes: they are data in the
report.  Problems with the input or the toolchain raise
:class:`golab.GolabError` subclasses.

What it reads: Go source text, a .go file or a package folder (anything
:func:`golab.snippet.load` takes), program arguments.

What it returns: a :class:`RunReport` (plain data with ``__repr__``, ``text()``
and ``_repr_html_`` through :mod:`golab.display`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from typing import Sequence

from . import display
from .build import CompileError, parse_errors, without_unused_imports
from .snippet import load
from .toolchain import GoTimeout, Toolchain, default_max_memory, find_go, run, run_go, workdir

DEFAULT_RUN_TIMEOUT = 10.0  # seconds a learner's program may run (an endless loop stops here)
BUILD_TIMEOUT = 120.0  # a cold build of fmt + net/http can be slow the first time

_PANIC = re.compile(r"^panic: (?P<msg>.*?)(?: \[recovered\])?$", re.M)
_FATAL = re.compile(r"^fatal error: (?P<msg>.*)$", re.M)
_FRAME_POS = re.compile(r"^\t(?P<file>[^\s:][^:]*):(?P<line>\d+)(?: \+0x[0-9a-f]+)?$")
_FUNC_LINE = re.compile(r"^(?P<func>[\w./*()\[\]{}-]+)\(.*\)$")
_OOM = ("out of memory", "cannot allocate memory")


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

    def __str__(self) -> str:
        kind = "fatal error" if self.fatal else "panic"
        where = f" at {self.position}" + (f" in {self.function}" if self.function else "") if self.file else ""
        return f"{kind}: {self.message}{where}"


@dataclasses.dataclass
class RunReport:
    """What building and running one program did."""

    go_version: str
    sources: dict[str, str]  # user file -> text as written
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None  # None when the program never ran (compile error)
    timed_out: bool = False
    timeout: float = DEFAULT_RUN_TIMEOUT
    cut_note: str = ""  # "[golab: output cut: ...]" or ""
    errors: list[CompileError] = dataclasses.field(default_factory=list)
    panic: Panic | None = None
    out_of_memory: bool = False
    max_memory: int | None = None
    build_seconds: float = 0.0
    run_seconds: float = 0.0

    # ------------------------------------------------------------ queries
    @property
    def compiled(self) -> bool:
        return not self.errors

    @property
    def ok(self) -> bool:
        """Compiled, ran to the end and exited with status 0."""
        return self.compiled and not self.timed_out and self.exit_code == 0

    @property
    def status(self) -> str:
        """One of: compile-error, timeout, out-of-memory, panic, killed, exit, ok."""
        if self.errors:
            return "compile-error"
        if self.timed_out:
            return "timeout"
        if self.out_of_memory:
            return "out-of-memory"
        if self.panic is not None:
            return "panic"
        if self.exit_code is not None and self.exit_code < 0:
            return "killed"
        if self.exit_code != 0:
            return "exit"
        return "ok"

    def explanation(self) -> str:
        """One or two sentences saying what happened, for a learner."""
        status = self.status
        if status == "compile-error":
            first = self.errors[0]
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            return f"The program did not compile: {first}{more}."
        if status == "timeout":
            return (
                f"The program was still running after {self.timeout:g} s and was stopped "
                "(an endless loop, or waiting for something that never comes). "
                "Fix the loop, or pass a larger timeout."
            )
        if status == "out-of-memory" and "failed to reserve" in self.stderr:
            cap = f"{self.max_memory / 1024**2:.0f} MiB" if self.max_memory else "the memory cap"
            return (
                f"The memory cap ({cap}) is too small for the Go runtime to start: it reserves "
                "several hundred MiB of address space before main runs. Use max_memory of at "
                "least 768 MiB (the cap limits address space, not memory in use)."
            )
        if status == "out-of-memory" and ("runtime.copystack" in self.stderr or "stack overflow" in self.stderr):
            where = f" (at {self.panic.position})" if self.panic and self.panic.position else ""
            return (
                f"The goroutine's stack grew until memory ran out{where}: a recursion that never "
                "stops. Each call adds a frame; give the recursion a base case."
            )
        if status == "out-of-memory":
            cap = f" of {self.max_memory / 1024**2:.0f} MiB" if self.max_memory else ""
            return (
                f"The program ran out of memory: it asked for more than the memory cap{cap} golab "
                "gives a program, and the Go runtime stopped it. Look for a slice or map that "
                "grows without bound or a very large allocation; pass a larger max_memory if the "
                "program really needs that much."
            )
        if status == "panic":
            p = self.panic
            where = f" at {p.position}" if p.position else ""
            return f"The program {'stopped with a fatal error' if p.fatal else 'panicked'}{where}: {p.message}"
        if status == "killed":
            import signal

            try:
                name = signal.Signals(-self.exit_code).name
            except ValueError:
                name = f"signal {-self.exit_code}"
            return (
                f"The program was killed by {name} from outside (not by golab's limits): the system's "
                "out-of-memory killer, or someone stopped the process. Run it again."
            )
        if status == "exit":
            return f"The program ended with exit status {self.exit_code} (it called os.Exit, or log.Fatal)."
        return "The program ran and exited with status 0."

    # ------------------------------------------------------------ output
    def text(self) -> str:
        parts = [f"# {self.go_version}: {self.explanation()}"]
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr and self.status not in ("compile-error",):
            parts.append("-- stderr --\n" + self.stderr.rstrip("\n"))
        if self.cut_note:
            parts.append(self.cut_note)
        return "\n".join(parts)

    def to_json(self) -> dict:
        return {
            "go_version": self.go_version,
            "status": self.status,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "out_of_memory": self.out_of_memory,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "cut_note": self.cut_note,
            "errors": [e.to_dict() for e in self.errors],
            "panic": dataclasses.asdict(self.panic) if self.panic else None,
        }

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        code = "" if self.exit_code is None else f", exit status {self.exit_code}"
        return f"<RunReport {self.go_version}: {self.status}{code}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


# ---------------------------------------------------------------- parsing


def parse_panic(stderr: str, user_files: set[str]) -> Panic | None:
    """The panic (or fatal error) in a Go program's stderr, with the first
    stack frame that lies in the user's files."""
    m = _PANIC.search(stderr)
    fatal = False
    if m is None:
        m = _FATAL.search(stderr)
        fatal = True
    if m is None:
        return None
    message = m.group("msg")
    # a panic with an error value spanning lines ("panic: boom\n\tmore") keeps the first line
    panic = Panic(message=message, fatal=fatal)
    lines = stderr[m.end():].splitlines()
    previous = ""
    for raw in lines:
        pos = _FRAME_POS.match(raw)
        if pos:
            file = pos.group("file")
            name = _user_file(file, user_files)
            if name is not None:
                panic.file, panic.line = name, int(pos.group("line"))
                fn = _FUNC_LINE.match(previous.strip())
                panic.function = fn.group("func") if fn else previous.strip()
                break
        previous = raw
    return panic


def _user_file(file: str, user_files: set[str]) -> str | None:
    """The user file a trace path names (traces may show it relative,
    absolute, or with the build dir prepended)."""
    if file in user_files:
        return file
    for name in user_files:
        if file.endswith("/" + name) or os.path.basename(file) == os.path.basename(name) and not file.startswith(("/usr", "runtime/")) and "golab" not in os.path.basename(file):
            return name
    return None


def _is_oom(stderr: str) -> bool:
    if re.search(r"^fatal error: failed to reserve ", stderr, re.M):
        return True  # the cap is below what the runtime reserves at start
    return bool(re.search(r"^fatal error: (?:runtime: )?(?:out of memory|cannot allocate memory)", stderr, re.M)) or (
        "runtime: out of memory" in stderr
    )


# ---------------------------------------------------------------- entry point


def run_program(
    source_or_path,
    args: Sequence[str] = (),
    timeout: float | None = None,
    max_memory: int | None = None,
    max_output: int | None = None,
    *,
    name: str = "main.go",
    build_timeout: float | None = None,
    toolchain: Toolchain | None = None,
    cancel: threading.Event | None = None,
) -> RunReport:
    """Build the program and run it; never raises for the program's own failures.

    ``timeout`` (seconds, default 10) limits the run, not the build;
    ``max_memory`` (bytes, default GOLAB_MAX_MEMORY or 2 GiB) caps the
    program's address space; ``max_output`` (bytes) caps each of stdout and
    stderr.  ``name`` is the file name reported for source text.  The package
    must be ``main`` (a fragment without a package clause is).
    """
    toolchain = toolchain or find_go()
    snippet = load(source_or_path, name=name)
    sources = {s.name: s.text for s in snippet.sources if not s.is_test}
    timeout = DEFAULT_RUN_TIMEOUT if timeout is None else float(timeout)
    max_memory = default_max_memory() if max_memory is None else int(max_memory)
    report = RunReport(toolchain.version, sources, timeout=timeout, max_memory=max_memory or None)
    if snippet.package != "main":
        report.errors = [
            CompileError(
                snippet.sources[0].name, 1, 0,
                f"package {snippet.package} is not a program: only package main (with func main) can run",
            )
        ]
        return report
    with workdir("run-") as tmp:
        for attempt in range(2):
            snippet.write(tmp)
            build = run_go(
                toolchain,
                ["build", "-o", "prog", "."],
                cwd=tmp,
                timeout=BUILD_TIMEOUT if build_timeout is None else build_timeout,
                cancel=cancel,
            )
            if build.timed_out:
                raise GoTimeout(
                    f"building the program took longer than {build.seconds:.0f} s and was stopped "
                    "(a cold build cache is slow the first time); run it again, or raise build_timeout."
                )
            if build.returncode == 0:
                break
            output = build.stdout + build.stderr
            errors = parse_errors(output, snippet)
            retry = without_unused_imports(snippet, output) if attempt == 0 else None
            if retry is not None:
                snippet = retry  # same file names: the next write replaces them
                continue
            report.errors = errors or [CompileError("", 0, 0, output.strip() or "go build failed")]
            report.build_seconds = build.seconds
            return report
        report.build_seconds = build.seconds
        result = run(
            [str(tmp / "prog"), *map(str, args)],
            cwd=tmp,
            env=toolchain.env(),
            timeout=timeout,
            max_output=max_output,
            max_memory=max_memory or None,
            cancel=cancel,
        )
    # traces name the temp build dir: show the file names the user knows
    prefix = str(tmp) + os.sep
    report.stdout = result.stdout.replace(prefix, "")
    report.stderr = result.stderr.replace(prefix, "")
    report.exit_code = None if result.timed_out else result.returncode
    report.timed_out = result.timed_out
    report.cut_note = result.cut_note()
    report.run_seconds = result.seconds
    if not result.timed_out:
        report.out_of_memory = _is_oom(result.stderr)
        report.panic = parse_panic(result.stderr, set(sources))
    return report
