"""Command line: ``python -m golab doctor | escape | check | bench | frames | profile``.

What it does: parses arguments, calls the analysers and prints their text
views (:mod:`golab.render`, through :mod:`golab.display`) or JSON.  Text
from the user's code or programs is printed with control characters
escaped (``\x1b``), so output cannot drive the terminal.  ``check`` prints
only what differs and a summary (``-v``: every line); a compile error comes
first and alone.  Exit codes: 0 success; 1 the Go code did not compile (or, for
``check``, an expectation does not hold); 2 a usage or toolchain problem, with
a one-line reason on stderr and no Python traceback.

What it reads: command-line arguments, Go files and folders.

What it returns: an exit code.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from . import cli_measure, cli_setup, cli_versions, display
from .render import escape_control
from .toolchain import GolabError, GoNotFound, INSTALL_HINT, check_seconds, check_settings, containment, find_go, smoke_test


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage problems: exit 2, one line
        self.print_usage(sys.stderr)
        print(f"golab: {message}", file=sys.stderr)
        sys.exit(2)


def cmd_doctor(args) -> int:
    try:
        toolchain = find_go(refresh=True)
    except GoNotFound as exc:
        print(f"golab doctor: {exc}", file=sys.stderr)
        return 2
    print(toolchain.describe())
    print("offline:  GOTOOLCHAIN=local GOPROXY=off GOWORK=off CGO_ENABLED=0")
    print(containment().describe())
    if importlib.util.find_spec("jupyterlite_pyodide_kernel") is not None:
        print("warning:  jupyterlite-pyodide-kernel is installed here; its JupyterLab extension breaks a normal "
              "JupyterLab (\"Shared module @jupyterlite/services doesn't exist\"). Build golab lite from a venv of "
              "its own (README: golab lite) and `pip uninstall jupyterlite-pyodide-kernel` here.")
    result = smoke_test(toolchain, timeout=args.timeout)
    if result.ok and "golab ok" in result.stderr + result.stdout:
        print(f"smoke test: compiled and ran a one-line program in {result.seconds:.1f} s")
        return 0
    detail = (result.stderr or result.stdout).strip() or ("timed out" if result.timed_out else "no output")
    print(f"golab doctor: the smoke test failed: {detail}\n{INSTALL_HINT}", file=sys.stderr)
    return 2


def cmd_escape(args) -> int:
    from .escape import escape

    # a Path: the argument is always a file, folder or pattern, never Go source
    report = escape(Path(args.path), level=args.m, inline=not args.no_inline, timeout=args.timeout)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(display.to_text(report, flow=args.m >= 2, show_annotations=args.annotations))
    if report.errors:
        if not args.json:
            print(f"golab: {len(report.errors)} compile error(s), see above", file=sys.stderr)
        return 1
    return 0


def cmd_check(args) -> int:
    from .claims import check_tree

    report = check_tree(args.path, timeout=args.timeout)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(display.to_text(report, verbose=args.verbose))
    return 0 if report.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m golab", description="Learn how Go manages memory with the real compiler.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--timeout", type=float, default=None, help="seconds before a go command is stopped (default 60, or GOLAB_TIMEOUT)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("doctor", parents=[common], help="which Go golab uses, and a smoke test")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("escape", parents=[common], help="escape-analysis and inlining decisions per line")
    p.add_argument("path", help="a .go file or a folder holding a Go package")
    p.add_argument("-m", type=int, choices=(1, 2), default=1, help="2 adds the reason chain (flow) of each escape")
    p.add_argument("--no-inline", action="store_true", help="compile with -l (inlining off)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--annotations", action="store_true", help="show the // want and // guide comments in the source")
    p.set_defaults(func=cmd_escape)

    p = sub.add_parser("check", parents=[common], help="check // want and // guide annotations against the compiler")
    p.add_argument("path", help="a .go file or a folder (searched recursively)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every want and guide claim, not only what differs")
    p.add_argument("--json", action="store_true", help="machine-readable output (every line)")
    p.set_defaults(func=cmd_check)

    cli_measure.register(sub)
    cli_versions.register(sub)
    cli_setup.register(sub)
    from .lite import cli as lite_cli  # python -m golab lite build OUT (README: golab lite)

    lite_cli.register(sub)
    return parser


class _Printable:
    """A text stream that shows control characters (a program's or a
    file's ESC sequences, say) as escapes instead of sending them raw to
    the terminal (and bidi controls, C1 controls); newlines, tabs and
    carriage returns pass."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        # \r passes here (golab's own progress lines use it); program output
        # reaches this stream already escaped by the text views
        if "\r" in text:
            return self._stream.write("\r".join(escape_control(part) for part in text.split("\r")))
        return self._stream.write(escape_control(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        if getattr(args, "timeout", None) is not None:
            check_seconds(args.timeout, "--timeout")
        check_settings()  # a bad GOLAB_* value: one line, exit 2
        return args.func(args)
    except GolabError as exc:
        print(escape_control(f"golab: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("golab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
