"""golab: learn how Go manages memory with the real Go compiler.

The public API, each returning plain data that renders itself in Jupyter:

- ``escape`` (what escapes, what is inlined, and why) and ``check`` (the
  ``// want`` / ``// guide`` annotations next to the code vs the compiler);
- ``run`` (build and run a program with time, memory and output caps);
- ``bench`` and ``compare`` (benchmarks with honest statistics), ``frames``
  and ``stack_growth`` (stack frames), ``profile``, ``gctrace`` and
  ``memstats`` (allocations and GC), ``gc_experiment`` (one workload under
  several GC settings, sampled from runtime/metrics);
- ``pgo_experiment`` (profile, rebuild with -pgo, the decisions that changed,
  both builds compared), ``compare_versions`` and ``allocs_by_version`` (one
  snippet under several Go versions; ``escape(src, go="1.21")`` too);
- ``func_source``, ``in_function``, ``annotated``, ``heap_lines``,
  ``heap_table``, ``why_heap``, ``guide_verdicts``, ``allocations``,
  ``sites`` (one function's text or decisions, a benchmark's or profile's
  reproducible numbers: the size a lesson cell shows; :mod:`golab.excerpt`);
- ``find_go`` (which Go), and the error types a user can act on;
- lazily, the widgets (``escape_explorer``, ``benchmark_lab``,
  ``comparer``, the exercises ``stack_or_heap`` and ``allocs_per_op``) and
  ``%load_ext golab`` for the cell magics.

Result objects draw themselves through :mod:`golab.display`, a registry
that the view modules (``render``, ``render_measure``, ``render_run``)
fill when this package is imported; the analysers import no view.

The functions shadow their modules as attributes of the package
(``golab.bench`` is the function): reach a module with
``importlib.import_module("golab.bench")``.
"""

from .bench import BenchError, BenchResult, Comparison, Sample, Summary, bench, compare
from .claims import CheckReport, check
from .escape import Decision, EscapeReport, escape
from .excerpt import allocations, annotated, func_source, guide_verdicts, heap_lines, heap_table, in_function, sites, why_heap
from .gc import GCExperiment, GCExperimentError, gc_experiment
from .pgo import PGOError, PGOResult, pgo_experiment
from .versions import VersionNotInstalled, VersionsReport, allocs_by_version, compare_versions
from .frames import Frame, FrameReport, FramesError, StackGrowth, frames, stack_growth
from .profile import AllocProfile, GCTrace, MemStatsDelta, ProfileError, gctrace, memstats, profile
from .runner import Panic, RunReport, run_program as run
from .snippet import SnippetError, load
from .errors import CompilerOutOfMemory, DiskFull, InvalidSetting, SupervisorFailed
from .toolchain import GoNotFound, GolabError, GoTimeout, find_go
from . import render, render_beyond, render_measure, render_run  # noqa: E402,F401  the views register with golab.display

__version__ = "0.1.0"

__all__ = [
    "AllocProfile", "BenchError", "BenchResult", "CheckReport", "Comparison", "CompilerOutOfMemory", "Decision",
    "DiskFull", "EscapeReport", "InvalidSetting",
    "Frame", "FrameReport", "FramesError", "GCTrace", "GoNotFound", "GoTimeout", "GolabError", "MemStatsDelta",
    "Panic", "ProfileError", "RunReport", "Sample", "SnippetError", "StackGrowth", "Summary", "SupervisorFailed",
    "GCExperiment", "GCExperimentError", "PGOError", "PGOResult", "VersionNotInstalled", "VersionsReport",
    "allocations", "allocs_by_version", "annotated", "bench", "check", "compare", "compare_versions", "escape",
    "find_go", "frames", "func_source", "gc_experiment", "gctrace", "guide_verdicts", "heap_lines", "heap_table",
    "in_function", "load", "memstats", "pgo_experiment", "profile", "run", "sites", "stack_growth", "why_heap",
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
