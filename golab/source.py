"""Go source as the compiler counts it, and the package golab writes from it.

What it does: the data every path shares (:class:`Snippet`,
:class:`SourceFile`, :class:`LineMap`, :class:`Position`,
:class:`SnippetError`), Go's own line rule (:func:`go_lines`: only ``\n``
ends a line), a small lexer (comments and strings blanked, imports read,
standard-library imports inferred for a fragment) and the normalisation of
files into a package the compiler accepts: ``package main`` added when the
clause is missing, inferred imports, an empty ``main`` in a file of its own,
and ``//line`` directives so the compiler, the linker, panics and profiles
report the positions the user wrote.  The ``go`` directive of the go.mod the
files sit in becomes the language version (``Snippet.lang``).

This module sits low in golab's import graph (it imports only
:mod:`golab.toolchain` and :mod:`golab.buildcontext`), so both the snippet
path (:mod:`golab.snippet`, :mod:`golab.build`) and the module path
(:mod:`golab.gopackage`) build on it without importing each other in a
circle.

What it reads: the text it is given (and, for files on disk, the go.mod
above them).

What it returns: a :class:`Snippet` or raises :class:`SnippetError` with a
message that says what to change.  Nothing here compiles Go or reads a
folder.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .buildcontext import find_module, version_tuple
from .errors import SnippetError  # noqa: F401  (re-exported: older imports)
from .toolchain import find_go

if TYPE_CHECKING:
    from .gopackage import ModuleBuild

MAX_SOURCE_BYTES = 1_000_000  # a teaching snippet is never this large
MAX_TOTAL_SOURCE_BYTES = 4_000_000  # all the files of a folder or module together
MAIN_FILE = "golab_main.go"  # the file golab adds to hold an empty main

# Package identifiers a fragment may use without importing, and their paths.
STD_IMPORTS: dict[str, str] = {
    "atomic": "sync/atomic",
    "big": "math/big",
    "binary": "encoding/binary",
    "bits": "math/bits",
    "bufio": "bufio",
    "bytes": "bytes",
    "cmp": "cmp",
    "context": "context",
    "debug": "runtime/debug",
    "errors": "errors",
    "filepath": "path/filepath",
    "fmt": "fmt",
    "hex": "encoding/hex",
    "http": "net/http",
    "io": "io",
    "json": "encoding/json",
    "list": "container/list",
    "log": "log",
    "maps": "maps",
    "math": "math",
    "os": "os",
    "pprof": "runtime/pprof",
    "rand": "math/rand",
    "reflect": "reflect",
    "regexp": "regexp",
    "runtime": "runtime",
    "slices": "slices",
    "sort": "sort",
    "strconv": "strconv",
    "strings": "strings",
    "sync": "sync",
    "testing": "testing",
    "time": "time",
    "unicode": "unicode",
    "unsafe": "unsafe",
    "utf8": "unicode/utf8",
}




@dataclasses.dataclass(frozen=True)
class Position:
    file: str  # the name the user knows: "cell.go", "go_examples/x/main.go"
    line: int
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


@dataclasses.dataclass
class LineMap:
    """Generated line (1-based) -> user line, for one generated file."""

    user_file: str
    lines: list[int | None]  # index i holds the user line of generated line i+1

    def user_line(self, generated_line: int) -> int | None:
        if 1 <= generated_line <= len(self.lines):
            return self.lines[generated_line - 1]
        return None


@dataclasses.dataclass
class SourceFile:
    """One file as the user wrote it."""

    name: str  # display name
    text: str
    is_test: bool = False
    path: str | None = None  # the file on disk, when it came from one


@dataclasses.dataclass
class Snippet:
    """A normalised package, ready to be written into a temp module."""

    package: str
    sources: list[SourceFile]
    files: dict[str, str]  # file name inside the module -> generated text
    line_maps: dict[str, LineMap]  # generated file name -> map
    imports: list[str]  # every import path used by the package (sorted)
    inferred_imports: dict[str, list[str]]  # user file -> paths golab added
    added_main: bool
    # the compiler's -lang ("go1.21"): the go directive of the go.mod the
    # files sit in; None for text (the toolchain's own language version)
    lang: str | None = None
    # set when the input is a package of a module that go itself must build
    # (imports of the module's other packages or of dependencies, //go:embed,
    # a ./... pattern): see golab.gopackage.  files/line_maps are then keyed
    # by absolute path and line maps are the identity.
    module: "ModuleBuild | None" = None

    @property
    def user_files(self) -> set[str]:
        return {s.name for s in self.sources}

    def is_added(self, file: str) -> bool:
        """Is ``file``, as the compiler printed it, one golab wrote itself?
        The compiler names such a file (by its full temp path) only for the
        lines golab added: a fragment's package clause and import line, the
        empty ``main``; the user's lines in it carry the user's name through
        ``//line``.  Never for a module: go compiles the learner's files in
        place."""
        if self.module is not None or file in self.user_files:
            return False
        return os.path.basename(file) in self.files

    def source_text(self, name: str) -> str:
        for s in self.sources:
            if s.name == name:
                return s.text
        raise KeyError(name)

    def go_files(self, tests: bool = False) -> list[str]:
        """Generated files to compile (without ``_test.go`` unless asked)."""
        return sorted(n for n in self.files if tests or not n.endswith("_test.go"))

    def map_position(self, generated_file: str, line: int, column: int = 0) -> Position | None:
        """User position of a raw position in a generated file, or None when
        it falls on a line golab added."""
        lm = self.line_maps.get(generated_file)
        if lm is None and self.module is None:  # module builds: full paths only
            lm = self.line_maps.get(os.path.basename(generated_file))
        if lm is None:
            return None
        user = lm.user_line(line)
        return Position(lm.user_file, user, column) if user else None

    @property
    def package_paths(self) -> list[str]:
        """Import paths the compiler gives the package(s): symbol prefixes."""
        if self.module is not None:
            return [p["ImportPath"] for p in self.module.packages]
        return ["main" if self.package == "main" else "golab.local/snippet"]

    def write(self, folder: Path, module: str = "golab.local/snippet") -> None:
        if self.module is not None:
            raise SnippetError(
                f"{self.module.describe()} is built by go in its own module; golab can analyse it "
                "(escape, frames, check) but not copy it to run or benchmark it. Run go test -bench "
                "or go run in the module folder, or give golab a folder whose files import only the "
                "standard library."
            )
        go = (self.lang or "go1.27").removeprefix("go")
        (folder / "go.mod").write_text(f"module {module}\n\ngo {go}\n")
        for name, text in self.files.items():
            # bytes, so nothing is translated: the compiler sees what the user wrote
            (folder / name).write_bytes(text.encode("utf-8", "surrogateescape"))

    def without_inferred(self, paths: set[str]) -> "Snippet":
        """The same input with some inferred imports dropped (the compiler
        said they were unused: the identifier was a local variable)."""
        keep = {
            name: [p for p in inferred if p not in paths]
            for name, inferred in self.inferred_imports.items()
        }
        return _build(self.sources, forced_imports=keep)


# ---------------------------------------------------------------- lines


def go_lines(text: str, keep_cr: bool = False) -> list[str]:
    """The lines of Go source as the Go compiler counts them.

    Only ``\n`` ends a line in Go; every other character (form feed,
    ``\v``, a lone ``\r``, U+0085, U+2028, U+2029) belongs to the line it
    sits on, which Python's ``str.splitlines()`` would break.  A final
    ``\n`` does not start another line.  The ``\r`` of a ``\r\n`` line end
    is dropped (Go treats it as white space at the end of the line) unless
    ``keep_cr``: ``"\n".join(go_lines(t, keep_cr=True))`` gives back ``t``
    byte for byte (without a final newline).  Every module that numbers the
    lines of Go source uses this function.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not keep_cr:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


# ---------------------------------------------------------------- lexing

_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<string>"(?:\\.|[^"\\\n])*"|`[^`]*`|'(?:\\.|[^'\\\n])+')""",
    re.S | re.X,
)


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_comments(text: str) -> str:
    """Comments blanked (newlines kept), strings intact."""
    return _TOKEN.sub(lambda m: _blank(m) if m.group("comment") else m.group(0), text)


def strip_comments_and_strings(text: str) -> str:
    return _TOKEN.sub(_blank, text)


_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_]\w*)", re.M)
_IMPORT_SPEC = re.compile(r'(?:([A-Za-z_]\w*|\.)[ \t]+)?"([^"]+)"')
_IMPORT_DECL = re.compile(r"^[ \t]*import[ \t]*(\((?P<block>.*?)\)|(?P<single>[^\n]*))", re.M | re.S)
_QUALIFIED = re.compile(r"(?<![\w.])([a-z][a-z0-9]*)\.[A-Za-z_]")


def parse_imports(text: str) -> list[tuple[str, str, int]]:
    """(local name, path, line) for each import in ``text``."""
    code = strip_comments(text)
    found = []
    for decl in _IMPORT_DECL.finditer(code):
        body = decl.group("block") if decl.group("block") is not None else decl.group("single")
        start = decl.start("block") if decl.group("block") is not None else decl.start("single")
        for spec in _IMPORT_SPEC.finditer(body):
            path = spec.group(2)
            local = spec.group(1) or path.rsplit("/", 1)[-1]
            line = code.count("\n", 0, start + spec.start(2)) + 1
            found.append((local, path, line))
    return found


def infer_imports(text: str, imported_names: set[str]) -> list[str]:
    """Standard-library paths for package identifiers the code uses but does
    not import."""
    code = strip_comments_and_strings(text)
    used = {m.group(1) for m in _QUALIFIED.finditer(code)}
    return sorted({STD_IMPORTS[name] for name in used if name in STD_IMPORTS and name not in imported_names})


def is_std_path(path: str) -> bool:
    first = path.split("/", 1)[0]
    return "." not in first and path != "C"


# ---------------------------------------------------------------- building


def _check_text(name: str, data: bytes) -> str:
    if len(data) > MAX_SOURCE_BYTES:
        raise SnippetError(
            f"{name} is {len(data) / 1e6:.1f} MB; golab takes Go sources up to "
            f"{MAX_SOURCE_BYTES / 1e6:.0f} MB. Analyse a smaller file or a single package."
        )
    if b"\x00" in data:
        raise SnippetError(f"{name} contains NUL bytes: it looks like a binary file, not Go source.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SnippetError(
            f"{name}:{line}: not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}). "
            "Go source must be UTF-8: re-save the file with UTF-8 encoding."
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not strip_comments(text).strip():
        raise SnippetError(f"{name} is empty: there is no Go code to compile.")
    directive = _LINE_DIRECTIVE.search(text)
    if directive:
        line = text.count("\n", 0, directive.start()) + 1
        raise SnippetError(
            f"{name}:{line}: a line directive ({directive.group(0).strip()!r}...) would make the compiler report "
            "this code at another file and line, so golab could not show its decisions where you wrote them "
            "(golab writes //line directives of its own to map positions). Remove the directive."
        )
    return text


# a //line directive starts a line; a /*line directive may be anywhere (the Go spec, "Line directives")
_LINE_DIRECTIVE = re.compile(r"^//line |/\*line ", re.M)


def _check_imports(source: SourceFile) -> list[tuple[str, str, int]]:
    imports = parse_imports(source.text)
    for _, path, line in imports:
        if path == "C":
            raise SnippetError(
                f'{source.name}:{line}: import "C" (cgo) is not supported: golab compiles with '
                "CGO_ENABLED=0 so results do not depend on a C compiler. Remove the cgo part."
            )
        if not is_std_path(path) and source.path:
            raise SnippetError(
                f'{source.name}:{line}: imports "{path}": golab.escape, frames and check analyse a '
                "package that imports others by building it with go in its module, but running and "
                "benchmarking copy the files alone, which needs standard-library imports only. "
                "Run go test -bench or go run in the module folder instead."
            )
        if not is_std_path(path):
            raise SnippetError(
                f'{source.name}:{line}: cannot import "{path}": golab runs offline '
                "(GOPROXY=off) and compiles a snippet with the standard library only. Replace the import with "
                "standard-library code, copy the needed function into the snippet, or give golab "
                "the package's folder in its module (with the dependency vendored or in the module cache)."
            )
    return imports


def _normalise(source: SourceFile, package: str, forced: list[str] | None) -> tuple[str, list[int | None], list[str]]:
    """Generated text, its line map and the imports golab added."""
    lines = go_lines(source.text, keep_cr=True)  # the compiled text keeps every byte
    imports = _check_imports(source)
    if forced is None:
        inferred = infer_imports(source.text, {local for local, _, _ in imports})
    else:
        inferred = forced
    import_line = ("import (" + "; ".join(f'"{p}"' for p in inferred) + ")") if inferred else ""
    def directive(line: int) -> str:  # the name is data: never a format string
        return f"//line {source.name}:{line}:1"

    out: list[str] = []
    mapping: list[int | None] = []

    def add(text: str, user_line: int | None) -> None:
        out.append(text)
        mapping.append(user_line)

    match = _PACKAGE.search(strip_comments_and_strings(source.text))
    if match is None:
        add(f"package {package}" + (f"; {import_line}" if import_line else ""), None)
        add(directive(1), None)
        for i, text in enumerate(lines, 1):
            add(text, i)
    else:
        clause_line = source.text.count("\n", 0, match.start()) + 1
        add(directive(1), None)
        for i, text in enumerate(lines, 1):
            add(text, i)
            if i == clause_line and import_line:
                add(import_line, None)
                add(directive(i + 1), None)
    return "\n".join(out) + "\n", mapping, inferred


def _package_of(text: str) -> str | None:
    match = _PACKAGE.search(strip_comments_and_strings(text))
    return match.group(1) if match else None


_FUNC_MAIN = re.compile(r"^[ \t]*func[ \t]+main[ \t]*\(", re.M)


def _build(sources: list[SourceFile], forced_imports: dict[str, list[str]] | None = None) -> Snippet:
    packages = {p for p in (_package_of(s.text) for s in sources if not s.is_test) if p}
    test_packages = {p for p in (_package_of(s.text) for s in sources if s.is_test) if p}
    if len(packages) > 1:
        raise SnippetError(
            "these files declare different packages (" + ", ".join(sorted(packages)) + "); "
            "a folder must hold one package."
        )
    package = next(iter(packages), None) or next(iter(p for p in test_packages if not p.endswith("_test")), "main")
    files: dict[str, str] = {}
    maps: dict[str, LineMap] = {}
    all_imports: set[str] = set()
    inferred_by_file: dict[str, list[str]] = {}
    for source in sources:
        _check_name(source.name)
    for index, source in enumerate(sources):
        # Generated names differ from every display name, so a raw position
        # (a line golab added) is never mistaken for one the user wrote.
        base = os.path.basename(source.name)
        stem = base[:-3] if base.endswith(".go") else base
        if source.is_test and not stem.endswith("_test"):
            stem += "_test"
        base = f"golab{index}_{stem}.go"
        forced = None if forced_imports is None else forced_imports.get(source.name, [])
        text, mapping, inferred = _normalise(source, package, forced)
        files[base] = text
        maps[base] = LineMap(source.name, mapping)
        inferred_by_file[source.name] = inferred
        all_imports.update(path for _, path, _ in parse_imports(source.text))
        all_imports.update(inferred)
    added_main = False
    if package == "main" and not any(_FUNC_MAIN.search(strip_comments_and_strings(s.text)) for s in sources if not s.is_test):
        files[MAIN_FILE] = "package main\n\nfunc main() {}\n"
        added_main = True
    return Snippet(package, sources, files, maps, sorted(all_imports), inferred_by_file, added_main, lang=_lang_of(sources))


def _lang_of(sources: list[SourceFile]) -> str | None:
    """``go1.N`` from the go.mod the files sit in (None for text), checked
    against the toolchain: a module asking for a newer Go cannot be built
    offline with this one."""
    on_disk = next((s.path for s in sources if s.path), None)
    if on_disk is None:
        return None
    module = find_module(Path(on_disk))
    if module is None:
        return None
    toolchain = find_go()
    if version_tuple(module.go) > version_tuple(toolchain.version):
        raise SnippetError(
            f"{_display_name(module.path)}: go {module.go} needs a newer Go than golab's {toolchain.version}, "
            "which runs offline and never downloads another toolchain (GOTOOLCHAIN=local). "
            f"Lower the go line of go.mod to at most {'.'.join(map(str, version_tuple(toolchain.version)[:2]))}."
        )
    return module.lang


MAX_NAME_BYTES = 200  # room for the suffixes golab adds (_test.go, .tmp)


def _check_name(name: str) -> None:
    """A file name goes into ``//line`` directives: a newline or another
    control character would end the directive and inject code."""
    bad = [c for c in name if ord(c) < 0x20 or ord(c) == 0x7F]
    if bad:
        raise SnippetError(
            f"the file name {name!r} contains a control character ({bad[0]!r}); golab writes file names into "
            "//line directives, so it refuses them. Rename the file."
        )
    # golab writes the file under this name: a name past the file system's
    # limit (255 bytes on Linux) would fail there as an OSError
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in re.split(r"[/\\]", name)), default=0)
    if longest > MAX_NAME_BYTES:
        raise SnippetError(
            f"the file name {name[:40]!r}... is {longest} bytes long; golab takes file names up to {MAX_NAME_BYTES} "
            "bytes (the file system's limit is 255). Use a shorter name."
        )


def check_total_size(files, where) -> None:
    """Refuse a set of files larger than MAX_TOTAL_SOURCE_BYTES in all, from
    their sizes on disk, before reading any: 120 files of 0.9 MB each pass
    the per-file limit and took two minutes and 550 MB."""
    total = 0
    for f in files:
        try:
            total += os.stat(f).st_size
        except OSError:
            continue  # read_go_file says what is wrong with it
        if total > MAX_TOTAL_SOURCE_BYTES:
            raise SnippetError(
                f"{where}: its Go files hold more than {MAX_TOTAL_SOURCE_BYTES / 1e6:.0f} MB in all; golab analyses "
                "teaching-sized packages. Point it at a smaller folder or a single file.")


def read_go_file(path: Path, name: str) -> bytes:
    """The bytes of a Go source file, checked before reading: a regular
    file (not a FIFO, a device, or a symlink to one), at most
    MAX_SOURCE_BYTES read."""
    import stat as _stat

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        st = os.stat(path)
        if not _stat.S_ISREG(st.st_mode):
            raise SnippetError(f"{name}: not a regular file (a FIFO, a device or a socket?); golab reads Go source files only.")
        if st.st_size > MAX_SOURCE_BYTES:
            raise SnippetError(
                f"{name} is {st.st_size / 1e6:.1f} MB; golab takes Go sources up to "
                f"{MAX_SOURCE_BYTES / 1e6:.0f} MB. Analyse a smaller file or a single package."
            )
        fd = os.open(path, flags)
    except OSError as exc:
        raise SnippetError(f"{name}: cannot read it ({exc.strerror}).") from None
    try:
        if not _stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for something else since the check
            raise SnippetError(f"{name}: not a regular file; golab reads Go source files only.")
        chunks, size = [], 0
        while size <= MAX_SOURCE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_SOURCE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)  # _check_text refuses it when it grew past the limit
    except OSError as exc:
        raise SnippetError(f"{name}: cannot read it ({exc.strerror}).") from None
    finally:
        os.close(fd)


def _display_name(path: Path) -> str:
    """The name golab reports for a file, also written into its ``//line``
    directives.  It must never start with ``..``: the toolchain resolves a
    relative ``//line`` name against the build folder, so ``../x.go`` would
    come back from panics and profiles as some other path.  A relative path
    that climbs out (``../go_examples/x/main.go``, as a notebook names the
    examples) is shown without its leading ``../`` parts, which keeps saved
    lesson output the same on every machine; an absolute path outside the
    working folder stays absolute."""
    if path.is_absolute():
        rel = os.path.relpath(path)
        return rel if not rel.startswith("..") else str(path)
    parts = Path(os.path.normpath(path)).parts
    while parts and parts[0] == "..":
        parts = parts[1:]
    return str(Path(*parts)) if parts else path.name
