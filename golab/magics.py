"""IPython cell magics: ``%%go_escape``, ``%%go_run``, ``%%go_bench``, ``%%go_frames``.

What it does: ``%load_ext golab`` registers the magics.  Each one hands the
cell body to an analyser (:func:`golab.escape`, :func:`golab.run`,
:mod:`golab.bench`, :mod:`golab.frames`), displays the result object (its
``_repr_html_`` in JupyterLab, its ``__repr__`` as plain text) and returns
it, so the cell's value is the result: the next cell can assert on ``_``
or on ``_golab`` (the magics also store the last result there) when nbval
re-runs the notebook.  A learner's mistake (compile error, panic, endless
loop, bad flag) is shown as a message at the learner's line, never as a
Python traceback; the kernel survives and the next run works.

What it reads: the magic's arguments and the cell body.

``%%go_bench`` with two or more benchmarks also shows a chart of every
sample and returns the result, whose HTML holds one verdict (ratio, its
interval, p-value) per comparison.  Counts and times default to
:data:`golab.defaults.BENCH` ``["magic"]``.  ``%%go_escape`` hides the
``// want`` / ``// guide`` annotations unless ``--annotations``.

What it returns: the analyser's result (or a view of it), or a
:class:`~golab.render_messages.Notice` for an error.  It never runs ``go``
itself.
"""

from __future__ import annotations

import shlex

from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import display
from .defaults import bench_defaults
from .render_messages import Notice
from .toolchain import GolabError

MAGICS = ("go_escape", "go_run", "go_bench", "go_frames")


class _UsageError(ValueError):
    """Bad magic arguments (shown as a message, not a traceback)."""


def _parse(fn, line: str):
    """parse_argstring, but a bad flag becomes a message, not a SystemExit/traceback."""
    try:
        import shlex

        return fn.parser.parse_args(shlex.split(line))  # like a shell: quotes are syntax, not part of the value
    except SystemExit as exc:  # argparse exits on --help and on errors
        raise _UsageError(f"%%{fn.__name__} {line}: bad arguments (see %%{fn.__name__}? for the options)") from exc
    except Exception as exc:  # UsageError from IPython's argparse wrapper
        raise _UsageError(f"%%{fn.__name__} {line}: {exc}") from exc


@magics_class
class GolabMagics(Magics):
    """Go memory-management magics: the real Go compiler on the cell body."""

    def _finish(self, result):
        """Store and return the result; IPython displays the returned value."""
        self.shell.user_ns["_golab"] = result
        return result

    def _fail(self, exc: BaseException, what: str):
        notice = Notice.from_error(exc, what)
        self.shell.user_ns["_golab"] = notice
        return notice

    # ---------------------------------------------------------------- escape
    @magic_arguments()
    @argument("-m", type=int, default=1, choices=(1, 2), help="1 for -m, 2 for -m=2 (adds why: the flow)")
    @argument("-l", action="store_true", help="disable inlining (-l)")
    @argument("--name", default="cell.go", help="file name shown for the cell")
    @argument("--no-inlining", action="store_true", help="hide can-inline / inlining-call notes")
    @argument("--annotations", action="store_true", help="show the // want and // guide comments")
    @argument("--timeout", type=float, default=None, help="compile time limit in seconds")
    @argument("--go", default=None, help="another Go version, e.g. 1.21 (python -m golab toolchains add 1.21)")
    @cell_magic
    def go_escape(self, line, cell):
        """Show what the compiler decides for the cell: stack or heap, and why."""
        from .escape import escape

        try:
            args = _parse(self.go_escape, line)
            report = escape(cell, level=args.m, inline=not args.l, name=args.name, timeout=args.timeout, go=args.go)
        except (GolabError, _UsageError) as exc:
            return self._fail(exc, "escape analysis")
        if args.no_inlining or args.annotations:
            report = EscapeView(report, show_inlining=not args.no_inlining, show_annotations=args.annotations)
        return self._finish(report)

    # ---------------------------------------------------------------- run
    @magic_arguments()
    @argument("--timeout", type=float, default=None, help="seconds the program may run (default 10)")
    @argument("--max-memory", type=int, default=None, help="memory cap in MiB (at least 768)")
    @argument("--max-output", type=int, default=None, help="bytes of output kept per stream")
    @argument("--name", default="main.go", help="file name shown for the cell")
    @argument("args", nargs="*", help="arguments passed to the program")
    @cell_magic
    def go_run(self, line, cell):
        """Build the cell as a program and run it (stdout, panics, exit status)."""
        from .runner import run_program

        try:
            args = _parse(self.go_run, line)
            report = run_program(
                cell,
                args=args.args,
                timeout=args.timeout,
                max_memory=None if args.max_memory is None else args.max_memory << 20,
                max_output=args.max_output,
                name=args.name,
            )
        except (GolabError, _UsageError) as exc:
            return self._fail(exc, "running the program")
        return self._finish(report)

    # ---------------------------------------------------------------- bench
    @magic_arguments()
    @argument("--count", type=int, default=bench_defaults("magic")["count"], help="runs of each benchmark (go test -count)")
    @argument("--benchtime", default=bench_defaults("magic")["benchtime"], help="go test -benchtime (1s, 200x, ...)")
    @argument("--pattern", default=".", help="go test -bench regexp: which benchmarks")
    @argument("--timeout", type=float, default=None, help="seconds one run of the test binary may take (default 60)")
    @argument("--name", default="cell_test.go", help="file name shown for the cell")
    @argument("--quiet", action="store_true", help="no progress display")
    @cell_magic
    def go_bench(self, line, cell):
        """Run the cell's Benchmark functions with -benchmem and show the summary."""
        progress = None
        try:
            args = _parse(self.go_bench, line)
            from .bench import bench

            progress = None if args.quiet else _TextProgress()
            result = bench(
                cell,
                count=args.count,
                benchtime=args.benchtime,
                pattern=args.pattern,
                timeout=args.timeout,
                name=args.name,
                progress=progress,
            )
            if progress is not None:
                progress.done(result)
        except (GolabError, _UsageError, ImportError) as exc:
            if progress is not None:
                progress.clear()  # it never started: no "starting" line above the error
            return self._fail(exc, "the benchmark")
        if len(result.benchmarks) >= 2:  # a comparison: show every sample too
            from IPython.display import display as show

            from .render_measure import bench_figure

            show(bench_figure(result))
        return self._finish(result)

    # ---------------------------------------------------------------- frames
    @magic_arguments()
    @argument("--name", default="cell.go", help="file name shown for the cell")
    @argument("-l", action="store_true", help="disable inlining (-l)")
    @argument("--timeout", type=float, default=None, help="compile time limit in seconds")
    @cell_magic
    def go_frames(self, line, cell):
        """Show each function's stack frame size (from the compiler's assembly)."""
        try:
            args = _parse(self.go_frames, line)
            from .frames import frames

            result = frames(cell, name=args.name, inline=not args.l, timeout=args.timeout)
        except (GolabError, _UsageError, ImportError) as exc:
            return self._fail(exc, "stack frames")
        return self._finish(result)


class EscapeView:
    """An EscapeReport shown with view options (no inlining notes, or with
    annotations); the same data otherwise: attributes are the report's."""

    def __init__(self, report, **options):
        self._report = report
        self._options = options

    def __getattr__(self, name):
        return getattr(self._report, name)

    def __repr__(self) -> str:
        return repr(self._report)

    def _repr_html_(self) -> str:
        return display.to_html(self._report, **self._options)


class _TextProgress:
    """Progress of a benchmark run as one display that updates in place."""

    def __init__(self) -> None:
        from IPython.display import display

        self._handle = display(Notice("info", "benchmark: starting (building the test binary)"), display_id=True)
        self._last = -1

    def __call__(self, done: int, total: int, sample=None) -> None:
        pct = int(100 * done / total) if total else 0
        text = f"benchmark: {done}/{total} runs" + (f" ({sample.name})" if sample is not None else "")
        if pct == self._last:
            return
        self._last = pct
        if self._handle is not None:
            self._handle.update(Notice("info", text))

    def done(self, result) -> None:
        if self._handle is not None:
            self._handle.update(Notice("ok", "benchmark: finished"))

    def clear(self) -> None:
        if self._handle is not None:
            self._handle.update({"text/plain": ""}, raw=True)


def show_golab_error(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for a GolabError raised by a call in a cell
    (``golab.escape("./no/such.go")``): its message, written for the
    learner, as the cell's error (one line: name and message), not a
    traceback through golab's own code with the message at the bottom.  It
    is still an error output, so nbval and nbclient see the cell fail."""
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(GolabMagics)
    if not ipython.custom_exceptions:  # golab lite's kernel has its own handler, which does the same
        ipython.set_custom_exc((GolabError,), show_golab_error)


def unload_ipython_extension(ipython) -> None:
    # IPython has no unregister for magics; re-loading registers the same names again
    if ipython.custom_exceptions == (GolabError,):
        ipython.set_custom_exc((), None)


def split_args(line: str) -> list[str]:  # for tests and callers that build lines
    return shlex.split(line)
