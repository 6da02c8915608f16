"""Every exception golab raises, in one place.

What it does: defines one base class, :class:`GolabError`, and a small typed
subclass for each kind of problem a user can act on.  Each message says what
happened and what to do next ("raise the timeout", "the snippet builds a
huge constant", "free some disk space"), never only what failed.  Timeouts
subclass the built-in :class:`TimeoutError`, bad settings subclass
:class:`ValueError`, so ``except TimeoutError`` and ``except ValueError`` work
as Python programmers expect.  The model is nbclient's ``exceptions.py``:
small, typed, messages a user can act on.

The learner's own mistakes (a compile error, a panic, an endless loop in
``golab.run``) are *data* in a report, not exceptions; these classes are for
what stops golab from producing a report at all.

What it reads: nothing.  What it returns: the classes.  Other modules
re-export the classes they used to define (``golab.toolchain.GolabError``,
``golab.build.CompilerFailed``, ``golab.bench.BenchError``, ...) so older
imports keep working.
"""

from __future__ import annotations


class GolabError(Exception):
    """Base class for errors a user can act on; the message says how."""


# ---------------------------------------------------------------- setup


class GoNotFound(GolabError):
    """No usable Go toolchain (or a program could not be started at all)."""


class InvalidSetting(GolabError, ValueError):
    """A limit or setting (an argument, a magic option, an environment
    variable, a CLI flag) has a value golab cannot use: NaN, infinite,
    zero, negative, or not a number.  The message names the setting."""


class UnsafeInput(GolabError, ValueError):
    """An input path is not something golab will read: a FIFO, a device,
    a symlink to one, or a file larger than the size limit."""


class DiskFull(GolabError, OSError):
    """The disk holding golab's temp folder (GOLAB_TMPDIR) is full."""


class SupervisorFailed(GolabError):
    """golab's supervisor could not set up a run (the sandbox's mounts, say):
    the program never started, so its exit status says nothing about it."""


# ---------------------------------------------------------------- time


class GoTimeout(GolabError, TimeoutError):
    """A go command or a program ran past its time limit and was killed."""


# ---------------------------------------------------------------- input and compiling


class SnippetError(GolabError):
    """The input is not something golab can compile; the message says why."""


class CompilerFailed(GolabError):
    """The compiler stopped without saying what is wrong with the code
    (it crashed, was killed, or ran out of memory)."""


class CompilerOutOfMemory(CompilerFailed, MemoryError):
    """The compiler or linker needed more memory than
    GOLAB_MAX_COMPILER_MEMORY allows."""

    def __init__(self, message: str, limit: int | None = None):
        super().__init__(message)
        self.limit = limit


# ---------------------------------------------------------------- benchmarks


class BenchError(GolabError):
    """A benchmark could not be built or run; the message says why and where."""


class BenchCompileError(BenchError):
    """The benchmark's code does not compile; ``errors`` holds the
    compiler's errors at the user's lines."""

    def __init__(self, message: str, errors: list):
        super().__init__(message)
        self.errors = errors


class BenchPanic(BenchError):
    """A benchmark panicked (or called b.Fatal / b.Error / os.Exit)."""

    def __init__(self, message: str, benchmark: str | None = None, location: str | None = None, output: str = ""):
        super().__init__(message)
        self.benchmark = benchmark
        self.location = location
        self.output = output


class BenchFailed(BenchPanic):
    """A benchmark reported failure with b.Fatal / b.Error."""


class InitPanic(BenchPanic):
    """The package panicked in ``init`` (or a package-level variable's
    initialiser) before any benchmark started."""


class BenchExitedEarly(BenchPanic):
    """The test binary ended before a benchmark finished: ``os.Exit`` in a
    benchmark, a ``TestMain`` that returns without ``m.Run()``, or
    ``log.Fatal``."""


class BenchOutOfMemory(BenchPanic, MemoryError):
    """A benchmark needed more memory than it was given: the Go runtime's
    own out-of-memory error, or golab's memory cap (GOLAB_MAX_MEMORY)."""


class BenchSkipped(BenchError):
    """Every selected benchmark called ``b.Skip``: nothing was measured."""


class BenchTimeout(BenchError, TimeoutError):
    """A benchmark never returned and was stopped."""

    def __init__(self, message: str, benchmark: str | None = None):
        super().__init__(message)
        self.benchmark = benchmark


class NoBenchmarks(BenchError):
    """No Benchmark function (or none matching the pattern)."""


class BenchCancelled(BenchError):
    """Cancelled before any sample was taken."""


class PhantomSamples(BenchError):
    """The benchmark's own output contains lines in Go's benchmark result
    format, so golab cannot tell measured results from printed text."""


# ---------------------------------------------------------------- measurements


class ProfileError(GolabError):
    """A profile could not be taken; the message says why."""


class FramesError(GolabError):
    """The stack experiment could not run; the message says why."""


__all__ = [
    "BenchCancelled", "BenchCompileError", "BenchError", "BenchExitedEarly", "BenchFailed", "BenchOutOfMemory",
    "BenchPanic", "BenchSkipped", "BenchTimeout", "CompilerFailed", "CompilerOutOfMemory", "DiskFull", "FramesError",
    "GoNotFound", "GoTimeout", "GolabError", "InitPanic", "InvalidSetting", "NoBenchmarks", "PhantomSamples",
    "ProfileError", "SnippetError", "UnsafeInput",
]
