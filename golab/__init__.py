"""golab: learn how Go manages memory with the real Go compiler.

The public API: ``escape`` (what escapes and why), ``find_go`` (which Go),
and the error types a user can act on.  Measurement and lesson helpers live
in their own modules and are re-exported here when present.
"""

from .escape import Decision, EscapeReport, escape
from .snippet import SnippetError, load
from .toolchain import GoNotFound, GolabError, GoTimeout, find_go

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "EscapeReport",
    "GoNotFound",
    "GoTimeout",
    "GolabError",
    "SnippetError",
    "escape",
    "find_go",
    "load",
]

# ---- program runs, exercises, widgets and the IPython extension
from .runner import Panic, RunReport, run_program as run  # noqa: E402

__all__ += ["Panic", "RunReport", "run"]


def load_ipython_extension(ipython):  # `%load_ext golab`
    """Register golab's cell magics (%%go_escape, %%go_bench, %%go_run, %%go_frames)."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)


def __getattr__(name):  # widgets import ipywidgets: load them only when asked
    if name in ("stack_or_heap", "allocs_per_op", "escape_explorer", "benchmark_lab", "compare", "Grade"):
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'golab' has no attribute {name!r}")

# Measurements (benchmarks, stack frames, allocation profiles).  Note that the
# functions shadow their modules as attributes of the package: use
# ``import golab.bench as bench_module`` (or ``from golab import bench as ...``
# after ``import golab.bench``) to reach a module itself.
from .bench import BenchError, BenchResult, Comparison, Sample, Summary, bench, compare

__all__ += ["BenchError", "BenchResult", "Comparison", "Sample", "Summary", "bench", "compare"]
from .frames import Frame, FrameReport, FramesError, StackGrowth, frames, stack_growth

__all__ += ["Frame", "FrameReport", "FramesError", "StackGrowth", "frames", "stack_growth"]
from .profile import AllocProfile, GCTrace, MemStatsDelta, ProfileError, gctrace, memstats, profile

__all__ += ["AllocProfile", "GCTrace", "MemStatsDelta", "ProfileError", "gctrace", "memstats", "profile"]
