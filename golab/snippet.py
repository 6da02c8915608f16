"""Turn Go as people write it into a package the compiler accepts.

What it does: takes Go source text (a whole file or a fragment, as in the
guide: functions with no package clause, no imports, no ``main``) or a path to
a ``.go`` file or a package folder, and normalises each file: adds
``package main`` when the clause is missing, adds imports for standard-library
packages the code uses but does not import (``fmt.``, ``sync.``,
``http.`` ...), and adds an empty ``main`` in a separate file when a ``main``
package has none.  Every file gets ``//line`` directives, so the compiler, the
linker, panics and profiles all report the positions the user wrote; the
:class:`LineMap` maps the raw positions that ``-json`` diagnostics use.

A folder is read as ``go build`` reads it: only the files its build
constraints and ``_GOOS``/``_GOARCH`` name suffixes select for the toolchain
(:mod:`golab.buildcontext`), and the ``go`` directive of the go.mod above it
becomes the compiler's language version (``Snippet.lang``, ``-lang``).  A
package that only go itself can build (it imports its module's other
packages or dependencies, embeds files, or the path ends in ``/...``) is
handed to :mod:`golab.gopackage`, which returns the same :class:`Snippet`
shape with ``module`` set.  Lines are Go's: only ``\n`` ends one
(:func:`go_lines`); every other byte is kept.

The data shapes, Go's line rule, the lexer and the normalisation of files
into a package live in :mod:`golab.source`; this module re-exports them, so
``golab.snippet`` stays the one name to import them by.

What it reads: the text or the files (and, for folders, the go.mod above
them and the toolchain's build tags, read once).

What it returns: a :class:`Snippet` (package name, the files to write, line
maps, imports, language version) or raises :class:`SnippetError` with a
message that says what to change.  Nothing here compiles Go.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .buildcontext import ConstraintError, build_context, ignored_name, in_build
from .gopackage import load_module
from .source import (  # noqa: F401  re-exported: golab.snippet is where callers find them
    MAIN_FILE,
    MAX_NAME_BYTES,
    MAX_SOURCE_BYTES,
    MAX_TOTAL_SOURCE_BYTES,
    STD_IMPORTS,
    LineMap,
    Position,
    Snippet,
    SnippetError,
    SourceFile,
    _build,
    _check_name,
    _check_text,
    _display_name,
    check_total_size,
    go_lines,
    infer_imports,
    is_std_path,
    parse_imports,
    read_go_file,
    strip_comments,
    strip_comments_and_strings,
)
from .toolchain import find_go


_PATHLIKE = re.compile(r"^(?:\.{1,2}/|~/|/(?![/*])|[\w.\-]+/)[^\n(){};=\"'`]*$")


def _looks_like_path(value: str) -> bool:
    """A one-line string that names a file or folder (existing or not: a
    mistyped ``./mymod`` must say "no such file or folder", not be compiled
    as Go): it exists, ends in ``.go`` or ``/...``, or starts like a path
    (``./``, ``../``, ``/``, ``~/``, ``name/``) with none of the characters
    a line of Go would have."""
    if "\n" in value or len(value) >= 4096:
        return False
    value = value.strip()
    return (
        value.endswith((".go", "/..."))
        or value == "..."
        or os.path.exists(value)
        or bool(_PATHLIKE.match(value))
    )


def _mistyped_path(value: str) -> bool:
    """One line, no spaces or Go punctuation, with a slash or a .go ending,
    and nothing there: a path with a typo, not a fragment of Go."""
    v = value.strip()
    return (
        "\n" not in v and 0 < len(v) < 4096 and not re.search(r"[\s(){}=:;\"'`]", v)
        and ("/" in v or v.endswith(".go")) and not os.path.exists(v.removesuffix("/..."))  # ./mod/... names a folder
    )


def read_sources(path: str | os.PathLike, include_tests: bool = False) -> list[SourceFile]:
    """The Go files at ``path``: a file, or the files of a folder that
    ``go build`` compiles for the toolchain's GOOS/GOARCH (build
    constraints and file-name suffixes applied, ``_x.go`` and ``.x.go``
    skipped; see :mod:`golab.buildcontext`).  A file named on its own is
    taken whatever its constraints say, as ``go build file.go`` does."""
    p = Path(path)
    if not p.exists():
        raise SnippetError(f"{path}: no such file or folder.")
    if p.is_dir():
        candidates = sorted(f for f in p.iterdir() if f.suffix == ".go" and f.is_file() and not ignored_name(f.name))
        if not include_tests:
            candidates = [f for f in candidates if not f.name.endswith("_test.go")]
        if not candidates:
            what = "Go files" if include_tests else "Go files (other than _test.go)"
            raise SnippetError(f"{path}: the folder holds no {what}.")
        ctx = build_context(find_go())
    else:
        if p.suffix != ".go":
            raise SnippetError(f"{path}: not a .go file. Give golab Go source, a .go file or a folder of them.")
        candidates = [p]
        ctx = None
    if len(candidates) > 1:  # one file gets read_go_file's own message
        check_total_size(candidates, path)
    sources = []
    excluded = []
    for f in candidates:
        name = _display_name(f)
        data = read_go_file(f, name)
        text = _check_text(name, data)
        if ctx is not None:
            try:
                keep = in_build(f.name, text, ctx)
            except ConstraintError as exc:
                raise SnippetError(f"{name}: cannot parse its //go:build line ({exc}).") from None
            if not keep:
                excluded.append(f.name)
                continue
        sources.append(SourceFile(name, text, f.name.endswith("_test.go"), path=str(f)))
    if not sources:
        raise SnippetError(
            f"{path}: build constraints exclude all its Go files for {ctx.goos}/{ctx.goarch} "
            f"({', '.join(excluded)})."
        )
    return sources


_EMBED = re.compile(r"^[ \t]*//go:embed[ \t]", re.M)


def _needs_go_build(sources: list[SourceFile]) -> bool:
    """Can only go itself build these files (imports beyond the standard
    library, //go:embed)?"""
    for s in sources:
        if _EMBED.search(s.text):
            return True
        if any(not is_std_path(path) and path != "C" for _, path, _ in parse_imports(s.text)):
            return True
    return False

def load(
    source_or_path: str | os.PathLike,
    *,
    name: str = "snippet.go",
    include_tests: bool = False,
) -> Snippet:
    """Normalise Go source text, a .go file or a package folder.

    ``name`` is the file name reported for source text (a notebook cell is
    ``cell.go``); files keep their own paths.  ``include_tests`` adds a
    folder's ``_test.go`` files (benchmarks need them).
    """
    if isinstance(source_or_path, str) and _mistyped_path(source_or_path):
        raise SnippetError(
            f"{source_or_path}: no such file or folder (it looks like a path, not Go source). Check the spelling."
        )
    if isinstance(source_or_path, os.PathLike) or (
        isinstance(source_or_path, str) and _looks_like_path(source_or_path)
    ):
        target = os.fspath(source_or_path)
        if target == "..." or target.endswith(("/...", os.sep + "...")):
            return load_module(target, include_tests=include_tests)
        sources = read_sources(source_or_path, include_tests=include_tests)
        if _needs_go_build(sources):
            return load_module(target, include_tests=include_tests)
    elif isinstance(source_or_path, str):
        data = source_or_path.encode("utf-8", "surrogateescape")
        sources = [SourceFile(name, _check_text(name, data), name.endswith("_test.go"))]
        if _EMBED.search(sources[0].text):
            raise SnippetError(
                f"{name}: //go:embed needs files beside the code: put the code and the files in a folder "
                "with a go.mod and give golab that folder."
            )
    elif isinstance(source_or_path, bytes):
        sources = [SourceFile(name, _check_text(name, source_or_path), name.endswith("_test.go"))]
    else:
        raise SnippetError(f"expected Go source text or a path, got {type(source_or_path).__name__}.")
    return _build(sources)
