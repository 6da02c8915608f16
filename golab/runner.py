"""Build and run a Go program, and say in plain words what happened.

What it does: normalises the input with :func:`golab.snippet.load` (a cell
fragment gets a package clause, imports and ``//line`` directives), then
builds and runs it through :mod:`golab.binary` (the one door for learners'
binaries: ``go build`` in a fresh temp module, then a run under golab's
supervisor, so nothing the program starts outlives it, with a time limit, an
output cap and an address-space cap, validated where they enter).  Compile
errors come back at the user's lines; a panic (a real one: exit status 2 and
a goroutine trace, not text a program printed) is parsed into its message
and the first frame in the user's files (positions are already in the
user's coordinates thanks to the ``//line`` directives); ``os.Exit(n)`` is
reported as exit status ``n``; a signal as that signal; a program
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
import threading
from typing import Sequence

from . import binary, display
from .binary import BUILD_TIMEOUT, Panic, is_out_of_memory as _is_oom, parse_panic  # noqa: F401  (re-exported)
from .build import CompileError
from .snippet import load
from .toolchain import Toolchain, check_bytes, check_seconds, default_max_memory, find_go, workdir, MIN_MEMORY

DEFAULT_RUN_TIMEOUT = 10.0  # seconds a learner's program may run (an endless loop stops here)


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
        if status == "panic" and binary.thread_limit(self.stderr):
            return (
                "The program could not start another thread: the user's limit on processes and threads "
                "(ulimit -u) was reached, by this program (starting processes or threads without end, a fork "
                "bomb?) or by others of the same user. It is not out of memory."
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
        if status == "out-of-memory" and not self.max_memory:
            return (
                "The program ran out of memory: the machine had no more to give (golab's memory cap is off, "
                "GOLAB_MAX_MEMORY=off), and the Go runtime stopped it. Look for a slice or map that grows "
                "without bound or a very large allocation."
            )
        if status == "out-of-memory":
            cap = f" of {self.max_memory / 1024**2:.0f} MiB"
            return (
                f"The program ran out of memory: it asked for more than the memory cap{cap} golab "
                "gives a program (GOLAB_MAX_MEMORY), and the Go runtime stopped it. Look for a slice or map that "
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
        # the program's bytes are data: an ESC sequence, a carriage return or a
        # bidi override is shown as an escape, never acted on by a terminal
        return display.escape_control("\n".join(parts))

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
    timeout = DEFAULT_RUN_TIMEOUT if timeout is None else check_seconds(timeout, "timeout")
    build_timeout = None if build_timeout is None else check_seconds(build_timeout, "build_timeout")
    max_memory = default_max_memory() if max_memory is None else check_bytes(max_memory, "max_memory", MIN_MEMORY)
    if max_output is not None:
        max_output = check_bytes(max_output, "max_output")
    toolchain = toolchain or find_go()
    snippet = load(source_or_path, name=name)
    sources = {s.name: s.text for s in snippet.sources if not s.is_test}
    report = RunReport(toolchain.version, sources, timeout=timeout, max_memory=max_memory)
    if snippet.package != "main":
        report.errors = [
            CompileError(
                snippet.sources[0].name, 1, 0,
                f"package {snippet.package} is not a program: only package main (with func main) can run",
            )
        ]
        return report
    if toolchain.backend == "wasm":
        # golab lite has the compiler but cannot link or run: a program that
        # does not compile still gets its errors at the learner's lines
        from .build import compile_snippet

        compiled = compile_snippet(snippet, toolchain=toolchain, timeout=build_timeout)
        if compiled.errors:
            report.errors = compiled.errors
            return report
    with workdir("run-") as tmp:
        built = binary.build_program(toolchain, snippet, tmp, build_timeout, cancel=cancel)
        report.build_seconds = built.seconds
        if built.binary is None:
            report.errors = built.errors
            return report
        result = binary.run_binary(toolchain, built.binary, args, folder=tmp, timeout=timeout,
                                   max_memory=max_memory or 0, max_output=max_output, cancel=cancel)
    # traces name the temp build dir: show the file names the user knows
    prefix = str(tmp) + os.sep
    report.stdout = result.stdout.replace(prefix, "")
    report.stderr = result.stderr.replace(prefix, "")
    report.exit_code = None if result.timed_out else result.returncode
    report.timed_out = result.timed_out
    report.cut_note = result.cut_note()
    report.run_seconds = result.seconds
    if not result.timed_out:
        report.out_of_memory = result.returncode != 0 and _is_oom(result.stderr)
        report.panic = parse_panic(result.stderr, set(sources), result.returncode)
    return report
