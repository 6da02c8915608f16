"""CLI subcommands for measurements: ``bench``, ``frames``, ``profile``.

What it does: :func:`register` adds the three subcommands to the argparse
subparsers of ``python -m golab``; each handler calls the analyser, prints
its text form (or JSON with ``--json``) and returns an exit code.  ``bench``
shows progress on stderr.  golab errors are raised and printed by
``golab.__main__`` as one line on stderr (exit 2).

What it reads: command-line arguments, Go files and folders.

What it returns: exit codes: 0 success, 1 the Go code did not compile
(``frames``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .defaults import bench_defaults
from .render import escape_control

CLI = bench_defaults("cli")


def _progress(done: int, total: int, sample) -> None:
    name = escape_control(sample.name)
    if sys.stderr.isatty():
        print(f"\r{done}/{total} {name} {sample.ns_per_op:.4g} ns/op   ", end="", file=sys.stderr, flush=True)
    else:
        print(f"{done}/{total} {name}: {sample.ns_per_op:.4g} ns/op", file=sys.stderr, flush=True)


def cmd_bench(args) -> int:
    from .bench import bench

    result = bench(args.path, pattern=args.bench, count=args.count, benchtime=args.benchtime, timeout=args.timeout,
                   progress=None if args.quiet else _progress)
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    elif args.go_format:
        print(escape_control(result.go_text()), end="")
    else:
        print(escape_control(result.text()))
    return 0


def cmd_frames(args) -> int:
    from .frames import frames, stack_growth

    if args.growth:
        g = stack_growth(max_depth=args.max_depth, timeout=args.timeout)
        print(json.dumps(g.to_json(), indent=2) if args.json else escape_control(g.verdict()))
        return 0
    if not args.path:
        print("golab frames: give a PATH (or --growth)", file=sys.stderr)
        return 2
    report = frames(Path(args.path), inline=not args.no_inline, timeout=args.timeout)  # a path, never source
    print(json.dumps(report.to_json(), indent=2) if args.json else escape_control(report.text()))
    return 1 if report.errors else 0


def cmd_profile(args) -> int:
    from .profile import profile

    p = profile(args.path, args.benchmark, benchtime=args.benchtime, timeout=args.timeout)
    print(json.dumps(p.to_json(), indent=2) if args.json else escape_control(p.text()))
    return 0


def register(subparsers) -> None:
    """Add ``bench``, ``frames`` and ``profile`` to ``python -m golab``."""
    p = subparsers.add_parser("bench", help="run benchmarks (go test -bench -benchmem), with medians and 95%% intervals")
    p.add_argument("path", help="a _test.go file, a .go file holding Benchmark funcs, or a package folder")
    p.add_argument("--bench", default=".", help="regexp selecting benchmarks (default: all)")
    p.add_argument("--count", type=int, default=CLI["count"], help=f"samples per benchmark (default {CLI['count']})")
    p.add_argument("--benchtime", default=CLI["benchtime"], help=f"per sample: {CLI['benchtime']} (default), 200ms or 1000x")
    p.add_argument("--timeout", type=float, default=None, help="seconds one run of the test binary may take")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--go-format", action="store_true", help="Go's benchmark text format (for benchstat)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_bench)

    p = subparsers.add_parser("frames", help="stack frame and argument sizes per function (compile -S)")
    p.add_argument("path", nargs="?", help="a .go file or a package folder")
    p.add_argument("--no-inline", action="store_true", help="compile with -l (inlining off)")
    p.add_argument("--growth", action="store_true", help="run the goroutine stack growth experiment instead")
    p.add_argument("--max-depth", type=int, default=256, help="recursion depth for --growth")
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_frames)

    p = subparsers.add_parser("profile", help="allocation sites of a benchmark (memprofile, exact counts)")
    p.add_argument("path", help="a _test.go file or a package folder")
    p.add_argument("--benchmark", default=None, help="which benchmark (default: the first)")
    p.add_argument("--benchtime", default="1000x", help="iterations, e.g. 1000x")
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_profile)
