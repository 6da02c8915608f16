"""golab: learn how Go manages memory with the real Go compiler.

The public API, each returning plain data that renders itself in Jupyter:

- ``escape`` (what escapes, what is inlined, and why) and ``check`` (the
  ``// want`` / ``// guide`` annotations next to the code vs the compiler);
- ``run`` (build and run a program with time, memory and output caps);
- ``bench`` and ``compare`` (benchmarks with honest statistics), ``frames``
  and ``stack_growth`` (stack frames), ``profile``, ``gctrace`` and
  ``memstats`` (allocations and GC);
- ``find_go`` (which Go), and the error types a user can act on;
- lazily, the widgets (``escape_explorer``, ``benchmark_lab``,
  ``comparer``, the exercises ``stack_or_heap`` and ``allocs_per_op``) and
  ``%load_ext golab`` for the cell magics.

The functions shadow their modules as attributes of the package
(``golab.bench`` is the function): reach a module with
``importlib.import_module("golab.bench")``.
"""

from .bench import BenchError, BenchResult, Comparison, Sample, Summary, bench, compare
from .claims import CheckReport, check
from .escape import Decision, EscapeReport, escape
from .frames import Frame, FrameReport, FramesError, StackGrowth, frames, stack_growth
from .profile import AllocProfile, GCTrace, MemStatsDelta, ProfileError, gctrace, memstats, profile
from .runner import Panic, RunReport, run_program as run
from .snippet import SnippetError, load
from .errors import CompilerOutOfMemory, DiskFull, InvalidSetting
from .toolchain import GoNotFound, GolabError, GoTimeout, find_go

__version__ = "0.1.0"

__all__ = [
    "AllocProfile", "BenchError", "BenchResult", "CheckReport", "Comparison", "CompilerOutOfMemory", "Decision",
    "DiskFull", "EscapeReport", "InvalidSetting",
    "Frame", "FrameReport", "FramesError", "GCTrace", "GoNotFound", "GoTimeout", "GolabError", "MemStatsDelta",
    "Panic", "ProfileError", "RunReport", "Sample", "SnippetError", "StackGrowth", "Summary",
    "bench", "check", "compare", "escape", "find_go", "frames", "gctrace", "load", "memstats", "profile",
    "run", "stack_growth",
]

_WIDGETS = ("stack_or_heap", "allocs_per_op", "escape_explorer", "benchmark_lab", "comparer", "Grade")


def load_ipython_extension(ipython):  # `%load_ext golab`
    """Register golab's cell magics (%%go_escape, %%go_bench, %%go_run, %%go_frames)."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)


def __getattr__(name):  # the widgets module needs a UI library: load it only when asked
    if name in _WIDGETS:
        from . import widgets

        return getattr(widgets, "compare" if name == "comparer" else name)
    raise AttributeError(f"module 'golab' has no attribute {name!r}")
