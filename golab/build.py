"""Compile a snippet with the compiler alone, fast, for analysis.

What it does: ``go build -gcflags=-m`` spends most of its time linking a
binary nobody needs for escape analysis or an assembly listing.  This module
calls the compiler (``$GOROOT/pkg/tool/$GOOS_$GOARCH/compile``) directly on
the snippet's files with an ``importcfg`` that points at the export data of
the standard-library packages it imports.  The importcfg comes from
``go list -export -deps`` once per set of imports and is cached in memory and
on disk (per user, per toolchain), so a warm edit-and-recompile costs one
compiler process.

What it reads: a :class:`~golab.snippet.Snippet`, compiler flags.

What it returns: :class:`CompileResult` with the compiler's text output, its
``-json`` diagnostics (raw, one dict per diagnostic, with the generated file
they belong to) and parsed :class:`CompileError` values in the user's
positions.  Raises :class:`~golab.snippet.SnippetError` for imports that
cannot be had offline and :class:`~golab.toolchain.GoTimeout` when the
compiler runs past its time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Sequence

from .compileresult import (  # noqa: F401  CompileError, CompilerFailed: re-exported for callers of golab.build
    _ERROR_LINE,
    CompileError,
    CompileResult,
    CompilerFailed,
    _failure_message,
    kept_output,
    parse_errors,
    read_diagnostics,
)
from .errors import CompilerOutOfMemory  # noqa: F401  (re-exported: older imports)
from .gopackage import compile_module
from .source import Position, Snippet, SnippetError, go_lines
from .toolchain import (
    GoTimeout, Toolchain, compiler_max_output, find_go, run, run_compiler, run_go, scratch_dir, user_temp_root, workdir,
)

_UNUSED_IMPORT = re.compile(r'^"([^"]+)" imported and not used')

_cfg_cache: dict[tuple, str] = {}
_cfg_lock = threading.Lock()


def _import_key(toolchain: Toolchain, imports: Sequence[str]) -> tuple:
    return (toolchain.goroot, toolchain.version, toolchain.gocache, tuple(sorted(set(imports) | {"runtime"})))


def importcfg(toolchain: Toolchain, imports: Sequence[str], timeout: float | None = None) -> str:
    """Text of an importcfg for these standard-library imports (and their deps)."""
    if toolchain.backend == "wasm":  # golab lite: the export data shipped with the site
        from .lite.backend import importcfg as lite_importcfg

        return lite_importcfg(imports)
    key = _import_key(toolchain, imports)
    with _cfg_lock:
        cached = _cfg_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    disk = Path(user_temp_root()) / "importcfg" / f"{digest}.cfg"
    text = None
    if disk.is_file():
        text = disk.read_text()
        # the build cache may have been trimmed since: every file must exist;
        # and it must be one of Go's (a program could rewrite this file to
        # point the compiler at export data of its own making)
        roots = tuple(os.path.join(os.path.realpath(r), "") for r in (toolchain.gocache, toolchain.goroot))
        if not all(os.path.exists(f) and os.path.realpath(f).startswith(roots)
                   for f in (line.split("=", 1)[1] for line in text.splitlines() if "=" in line)):
            text = None
    if text is None:
        with workdir("importcfg-") as tmp:
            result = run_go(
                toolchain,
                ["list", "-export", "-f", "{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}", "-deps", *key[3]],
                cwd=tmp,
                timeout=timeout,
            )
        if result.timed_out:
            raise GoTimeout(
                f"building the standard library packages {', '.join(imports) or 'runtime'} took longer than "
                f"{result.seconds:.0f} s (a cold build cache is slow the first time); raise GOLAB_TIMEOUT and retry."
            )
        if result.returncode != 0:
            missing = re.findall(r"package (\S+) is not in std", result.stderr)
            if missing:
                raise SnippetError(
                    f'cannot import "{missing[0]}": there is no such standard-library package in '
                    f"{toolchain.version}, and golab runs offline with the standard library only."
                )
            raise SnippetError("could not prepare the imports: " + result.stderr.strip().splitlines()[-1])
        text = result.stdout
        tmpfile = disk.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:  # a cache for the next process: a full disk only costs that process a `go list`
            disk.parent.mkdir(parents=True, exist_ok=True)
            tmpfile.write_text(text)
            os.replace(tmpfile, disk)
        except OSError:
            with contextlib.suppress(OSError):
                tmpfile.unlink()
    with _cfg_lock:
        _cfg_cache[key] = text
    return text


def without_unused_imports(snippet: Snippet, output: str) -> Snippet | None:
    """The snippet again without the imports golab inferred that the
    compiler's ``output`` calls unused (the identifier was a local variable,
    not a package: ``list.Len()`` on a local ``list``), or None when no
    inferred import is to blame and the errors are the user's.  Every
    caller that compiles a snippet retries once with it."""
    inferred = {p for paths in snippet.inferred_imports.values() for p in paths}
    unused = set()
    for line in go_lines(output):
        m = _ERROR_LINE.match(line)
        if m:
            u = _UNUSED_IMPORT.match(m.group("msg"))
            if u and u.group(1) in inferred:
                unused.add(u.group(1))
    return snippet.without_inferred(unused) if unused else None


def compile_snippet(
    snippet: Snippet,
    flags: Sequence[str] = (),
    *,
    toolchain: Toolchain | None = None,
    timeout: float | None = None,
    json_diagnostics: bool = True,
) -> CompileResult:
    """Compile the snippet's non-test files once with ``flags`` (e.g. ``-m=2``).

    Inferred imports that turn out unused are dropped and the compile is
    retried once (:func:`without_unused_imports`).
    """
    toolchain = toolchain or find_go()
    if snippet.module is not None:
        return compile_module(snippet, flags, toolchain=toolchain, timeout=timeout)
    cfg = importcfg(toolchain, snippet.imports, timeout=timeout)
    for attempt in range(2):
        with scratch_dir() as tmp:  # reused: a folder per compile costs a rmdir
            snippet.write(tmp)
            (tmp / "importcfg").write_text(cfg)
            jsondir = tmp / "diag"
            package_path = "main" if snippet.package == "main" else "golab.local/snippet"
            args = [
                toolchain.compile,
                "-p", package_path,
                "-lang=" + (snippet.lang or language_version(toolchain)),
                "-importcfg", "importcfg",
                "-o", "out.o",
                *(["-json=0," + str(jsondir)] if json_diagnostics else []),  # a plain path: no URL syntax (# ? %)
                *flags,
                *snippet.go_files(),
            ]
            cap = compiler_max_output()
            result = run_compiler(toolchain, args, cwd=tmp, timeout=timeout, max_output=cap)
            diagnostics = read_diagnostics(jsondir)
            late_errors = None
            if result.returncode != 0 and not result.timed_out and any(f.startswith(("-m", "-S")) for f in flags):
                # A late failure comes after the compiler's -m notes / -S
                # listing: compile again without them, so only errors are
                # reported as errors (not "can inline f" and the like).
                plain = [a for a in args if not a.startswith(("-m", "-json=")) and a != "-S"]
                again = run_compiler(toolchain, plain, cwd=tmp, timeout=timeout)
                if again.returncode != 0 and not again.timed_out:
                    late_errors = again.stdout + again.stderr
        if result.timed_out:
            raise GoTimeout(
                f"the compiler did not finish within {result.seconds:.0f} s and was stopped. "
                "Raise the timeout (timeout=..., or GOLAB_TIMEOUT) if the snippet is simply large."
            )
        output, warnings = kept_output(result, cap)
        errors = parse_errors(late_errors or output, snippet) if result.returncode != 0 else []
        if result.returncode != 0 and not errors:
            raise CompilerFailed(_failure_message(result.returncode, late_errors or output))
        retry = without_unused_imports(snippet, output) if errors and attempt == 0 else None
        if retry is None:
            break
        snippet = retry
    return CompileResult(toolchain, snippet, result.returncode, output, diagnostics, errors, result.seconds, warnings)


def map_json_position(snippet: Snippet, uri_or_file: str | None, line: int, character: int) -> Position | None:
    """A -json position (raw generated file, 1-based line and column) in the
    user's coordinates."""
    if not uri_or_file:
        return None
    return snippet.map_position(uri_or_file.removeprefix("file://"), line, character)


def language_version(toolchain: Toolchain) -> str:
    """The toolchain's own language version, ``go1.27`` for go1.27.3."""
    m = re.match(r"go(\d+)\.(\d+)", toolchain.version)
    return f"go{m.group(1)}.{m.group(2)}" if m else "go1.27"
