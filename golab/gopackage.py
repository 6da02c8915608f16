"""A learner's own package on disk, built by go itself in its module.

What it does: some packages cannot be copied into a temp folder and
compiled alone: they import other packages of their module
(``example.com/m/internal/store``) or dependencies (vendored in
``vendor/`` or already in the module cache), embed files (``//go:embed``),
or the learner names several packages at once (``./path/...``).  For those
golab asks go itself, in the module, offline:

1. ``go list -e -json -deps PATTERNS`` (run in the folder the user named)
   gives the packages go would build, their files after build constraints,
   their embedded files and their errors.  A dependency that is not
   available offline becomes one :class:`~golab.snippet.SnippetError`
   naming the package, its module and the command that makes it available
   (``go mod download`` / ``go mod vendor``, online); nothing is
   downloaded (``GOPROXY=off``).  cgo is refused as for snippets.  The
   listing is reused while none of the files and folders it read has
   changed (size and mtime), so a second analysis of an unchanged module
   costs no go process before the compile.
2. ``go list -export -gcflags=FLAGS PATTERNS`` compiles exactly what
   ``go build -gcflags=FLAGS PATTERNS`` compiles (the flags apply to the
   named packages only; dependencies come from the build cache) without
   linking a binary.  The gcflags always carry a fresh
   ``-json=0,file://DIR``: that makes go recompile the named packages, so
   the compiler's output is never a cached replay (whose relative file
   names are those of the folder of the run that filled the cache), and
   gives the ``-json`` diagnostics for the flows.
3. File names in the output are rewritten to what the user sees: the path
   they gave joined with the file's path below it
   (``mymod/internal/store/store.go``), at the start of each line and at
   the end of each ``-m=2`` flow step (``... at mymod/...:5:33``), as a
   snippet's ``//line`` directives name them.

Nothing is written into the user's folder: go reads it, the build goes to
go's cache and the diagnostics to a golab temp folder.

What it reads: the folder or pattern, go.mod, the files go lists.

What it returns: a :class:`~golab.snippet.Snippet` whose ``module`` is a
:class:`ModuleBuild` (files and identity line maps keyed by absolute path,
sources by display name), and for it a
:class:`~golab.compileresult.CompileResult` shaped like the fast path's, so
:mod:`golab.escape` and :mod:`golab.frames` read both alike.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

from .buildcontext import ModuleFile, build_context, find_module, in_build, version_tuple
from .compileresult import CompileResult, CompilerFailed, _failure_message, kept_output, parse_errors, read_diagnostics
from .source import (
    LineMap,
    Snippet,
    SnippetError,
    SourceFile,
    check_total_size,
    read_go_file,
    _check_text,
    _display_name,
    go_lines,
    parse_imports,
)
from .toolchain import GoTimeout, Toolchain, compiler_max_output, find_go, run_go, workdir

DEPENDENCIES = "(dependencies)"  # Snippet.files key of the dependency fingerprint


@dataclasses.dataclass
class ModuleBuild:
    """What go builds, where, and how its files are named for the user."""

    module: ModuleFile
    cwd: Path  # the folder go runs in: the folder the user named (absolute)
    patterns: list[str]  # ".", "./...", "./main.go"
    packages: list[dict]  # go list records of the named packages
    display: dict[str, str]  # absolute path -> the name the user sees
    user_path: str  # what the user gave

    def describe(self) -> str:
        names = [p["ImportPath"] for p in self.packages]
        return f"{self.user_path} (package{'s' if len(names) > 1 else ''} {', '.join(names)})"

    def display_name(self, path: str) -> str:
        """The user's name for any file below the folder (others unchanged)."""
        full = os.path.normpath(os.path.join(self.cwd, path))
        if full in self.display:
            return self.display[full]
        rel = os.path.relpath(full, self.cwd)
        if rel.startswith(".."):  # outside the folder (GOROOT, the module cache): never relative to the build folder
            return path if os.path.isabs(path) or path.startswith("<") else _display_name(Path(full))
        return _join_display(self.user_path, rel)


def _join_display(user_path: str, rel: str) -> str:
    base = user_path
    if base.endswith("..."):
        base = base[:-3].rstrip("/" + os.sep) or "."
    if os.path.isfile(base):
        base = os.path.dirname(base) or "."
    return _display_name(Path(base) / rel)


def _decode_stream(text: str) -> list[dict]:
    """``go list -json`` prints objects one after another."""
    decoder = json.JSONDecoder()
    items, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return items
        item, i = decoder.raw_decode(text, i)
        items.append(item)


# GOFLAGS empty: go picks -mod=vendor when vendor/ exists and otherwise
# -mod=readonly, as in the learner's own shell (golab's -mod=mod default
# would look past vendor/ and could rewrite go.mod).
_GOFLAGS = {"GOFLAGS": ""}


def _requires(gomod: Path) -> dict[str, str]:
    """module path -> version from go.mod's require lines."""
    text = gomod.read_text(encoding="utf-8", errors="replace")
    found: dict[str, str] = {}
    for block in re.findall(r"^require\s*\((.*?)^\)", text, re.M | re.S):
        for m in re.finditer(r"^\s*(\S+)\s+(\S+)", block, re.M):
            found[m.group(1)] = m.group(2)
    for m in re.finditer(r"^require\s+([^\s(]+)\s+(\S+)", text, re.M):
        found[m.group(1)] = m.group(2)
    return found


def _missing_dependency(module: ModuleFile, importpath: str, err: str, where: str) -> SnippetError:
    requires = _requires(module.path)
    owner = max((m for m in requires if importpath == m or importpath.startswith(m + "/")), key=len, default=None)
    root = _display_name(module.root)
    if owner is None:
        return SnippetError(
            f'{where}imports "{importpath}", which no module in {root}/go.mod provides, and golab '
            f"never downloads. While online, run go get {importpath} in {root} (then go mod vendor to "
            "keep it beside the code), and run golab again."
        )
    version = requires[owner]
    return SnippetError(
        f'{where}imports "{importpath}" from module {owner} {version}, which is not available offline '
        f"(it is neither in vendor/ nor in the module cache) and golab never downloads. While online, run "
        f"go mod download {owner} (module cache) or go mod vendor (vendor/ folder) in {root}, then run "
        f"golab again. (go said: {err.strip().splitlines()[0] if err.strip() else 'not found'})"
    )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _in_module(importpath: str, module_path: str) -> bool:
    return bool(module_path) and (importpath == module_path or importpath.startswith(module_path + "/"))


def _import_at(pos: str, folders: list[Path]) -> str:
    """The import path written at ``file:line:col`` (go list's error position)."""
    m = re.match(r"^(.*?):(\d+):(\d+)$", pos)
    if not m:
        return ""
    for folder in folders:
        f = folder / m.group(1)
        if f.is_file():
            lines = go_lines(f.read_text(encoding="utf-8", errors="replace"))
            n, col = int(m.group(2)), int(m.group(3))
            if 1 <= n <= len(lines):
                q = re.match(r'\s*"([^"]+)"', lines[n - 1][col - 1:])
                return q.group(1) if q else ""
    return ""


def _split_target(target: str) -> tuple[Path, list[str], str]:
    """(folder go runs in, patterns, what the user gave)."""
    user = target
    recursive = target == "..." or target.endswith(("/...", os.sep + "..."))
    base = target[:-3].rstrip("/" + os.sep) if recursive else target
    base = base or "."
    p = Path(os.path.expanduser(base))
    if not p.exists():
        raise SnippetError(f"{user}: no such file or folder.")
    if p.is_file():
        if recursive:
            raise SnippetError(f"{user}: /... follows a folder, not a file.")
        return p.resolve().parent, ["./" + p.name], user
    return p.resolve(), ["./..." if recursive else "."], user


_LIST_FIELDS = "Dir,ImportPath,Name,GoFiles,IgnoredGoFiles,EmbedFiles,Imports,Standard,DepOnly,Error,DepsErrors,Module,Match"
_listings: "OrderedDict[tuple, tuple[tuple, list[dict]]]" = OrderedDict()
_listings_lock = threading.Lock()


def _list(toolchain: Toolchain, module: ModuleFile, cwd: Path, patterns: list[str], user: str) -> list[dict]:
    """``go list -e -deps -json`` of the patterns, reused while nothing it
    read has changed (see :func:`_stamp`): a second analysis of an unchanged
    module (level 2 after level 1, frames after escape) skips one go process."""
    key = (toolchain.goroot, toolchain.version, str(cwd), tuple(patterns), os.environ.get("GOMODCACHE"), os.environ.get("GOPATH"))
    with _listings_lock:
        cached = _listings.get(key)
    if cached is not None and _stamp(module, cwd, patterns, cached[1]) == cached[0]:
        return cached[1]
    result = run_go(toolchain, ["list", "-e", "-deps", f"-json={_LIST_FIELDS}", *patterns], cwd=cwd, extra_env=_GOFLAGS)
    if result.timed_out:
        raise GoTimeout(f"go list {' '.join(patterns)} in {user} did not finish in {result.seconds:.0f} s.")
    try:
        listed = _decode_stream(result.stdout)
    except ValueError:
        listed = []
    if not listed:
        detail = (result.stderr.strip() or "no output").splitlines()[-1]
        raise SnippetError(f"{user}: go could not list the package: {detail}")
    if any(p.get("Error") or p.get("DepsErrors") for p in listed):
        return listed  # never reused: a missing dependency may be fetched meanwhile
    stamp = _stamp(module, cwd, patterns, listed)
    with _listings_lock:
        _listings[key] = (stamp, listed)
        _listings.move_to_end(key)
        while len(_listings) > 16:
            _listings.popitem(last=False)
    return listed


def _stamp(module: ModuleFile, cwd: Path, patterns: list[str], listed: list[dict]) -> tuple:
    """Size and mtime of everything a listing depends on: go.mod, go.sum,
    vendor/modules.txt, every non-standard package's folder (a file added,
    removed or renamed changes it) and files, and for ``./...`` every
    folder below (a new package)."""
    paths = [module.path, module.root / "go.sum", module.root / "vendor" / "modules.txt"]
    for p in listed:
        if p.get("Standard") or not p.get("Dir"):
            continue
        folder = Path(p["Dir"])
        paths.append(folder)
        for name in (p.get("GoFiles") or []) + (p.get("IgnoredGoFiles") or []) + (p.get("EmbedFiles") or []):
            paths.append(folder / name)
    if "./..." in patterns:
        for here, dirs, _ in os.walk(cwd):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_")) and d not in ("vendor", "testdata")]
            paths.append(Path(here))
    stamp = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            stamp.append((str(path), None))
            continue
        stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(stamp)


def load_module(target: str | os.PathLike, include_tests: bool = False, toolchain: Toolchain | None = None) -> Snippet:
    """The package(s) at ``target`` (folder, .go file, or ``folder/...``) as
    go builds them in their module.  ``include_tests`` is refused: golab
    benchmarks and runs only packages it can copy."""
    target = os.fspath(target)
    cwd, patterns, user = _split_target(target)
    module = find_module(cwd)
    if module is None:
        raise SnippetError(
            f"{user}: imports packages beyond the standard library (or embeds files, or names several "
            "packages) but is not inside a Go module: there is no go.mod in it or above it, and golab runs "
            "offline (GOPROXY=off), so outside a module it compiles with the standard library only. Run "
            "go mod init example.com/NAME in the folder (and, online, go mod vendor for dependencies), "
            "then run golab again."
        )
    toolchain = toolchain or find_go()
    if version_tuple(module.go) > version_tuple(toolchain.version):
        raise SnippetError(
            f"{_display_name(module.path)}: go {module.go} needs a newer Go than golab's {toolchain.version}, "
            "which runs offline and never downloads another toolchain (GOTOOLCHAIN=local)."
        )
    if include_tests:
        raise SnippetError(
            f"{user}: this package imports other packages of its module or dependencies (or embeds files); "
            "golab analyses it (escape, frames, check) with go in its module, but runs and benchmarks only "
            "packages whose files import the standard library. Run go test -bench in the folder instead."
        )
    listed = _list(toolchain, module, cwd, patterns, user)
    named = [p for p in listed if not p.get("DepOnly")]
    ctx = build_context(toolchain)
    # cgo first: go (CGO_ENABLED=0) drops such files, and the errors that
    # follow from that would hide the reason.  A file that imports "C" under
    # a constraint that excludes it without cgo (//go:build cgo, beside a
    # //go:build !cgo fallback) is left out, as go leaves it out.
    for p in listed:
        if p.get("Standard") or not p.get("Dir") or not _inside(Path(p["Dir"]), module.root):
            continue
        folder = Path(p["Dir"])
        for name in p.get("IgnoredGoFiles") or []:
            text = (folder / name).read_text(encoding="utf-8", errors="replace")
            if any(path == "C" for _, path, _ in parse_imports(text)) and in_build(name, text, ctx, cgo=False):
                shown = _join_display(user, os.path.relpath(folder / name, cwd))
                raise SnippetError(
                    f'{shown}: import "C" (cgo) is not supported: golab compiles with '
                    "CGO_ENABLED=0 so results do not depend on a C compiler. Remove the cgo part."
                )
    # a dependency that is not available offline: one message naming it
    for p in named:
        for e in p.get("DepsErrors") or []:
            err = e.get("Err", "")
            pos = e.get("Pos") or ""
            importpath = _import_at(pos, [cwd, Path(p["Dir"])]) if pos else ""
            if not importpath:
                m = re.search(r"package (\S+?)[;:)]?(?:\s|$)", err)
                importpath = m.group(1) if m else ""
            where = f"{_join_display(user, pos) if not os.path.isabs(pos) else _display_name(Path(pos))}: " if pos else ""
            if importpath and "." in importpath.split("/", 1)[0] and not _in_module(importpath, module.module):
                raise _missing_dependency(module, importpath, err, where)
            raise SnippetError(f"{where}{err.strip()}")
    for p in listed:
        err = (p.get("Error") or {}).get("Err", "")
        path = p["ImportPath"]
        if p.get("DepOnly") and err and not p.get("Standard") and "." in path.split("/", 1)[0] and not _in_module(path, module.module):
            raise _missing_dependency(module, path, err, "")
    sources: list[SourceFile] = []
    files: dict[str, str] = {}
    maps: dict[str, LineMap] = {}
    display: dict[str, str] = {}
    imports: set[str] = set()
    kept = []
    check_total_size([str(Path(p["Dir"]) / n) for p in named for n in p.get("GoFiles") or []], user)
    for p in named:
        err = (p.get("Error") or {}).get("Err", "")
        folder = Path(p["Dir"])
        if not p.get("GoFiles"):
            if "./..." in patterns:
                continue  # as go build ./... : a folder of tests only (or none) builds nothing
            raise SnippetError(f"{_join_display(user, os.path.relpath(folder, cwd))}: {err or 'no Go files'}")
        kept.append(p)
        imports.update(p.get("Imports") or [])
        for name in p["GoFiles"]:
            full = str(folder / name)
            shown = _join_display(user, os.path.relpath(full, cwd))
            text = _check_text(shown, read_go_file(Path(full), shown))
            sources.append(SourceFile(shown, text, False, path=full))
            files[full] = text
            maps[full] = LineMap(shown, list(range(1, len(go_lines(text)) + 2)))
            display[full] = shown
    if not kept:
        raise SnippetError(f"{user}: matched no packages.")
    files[DEPENDENCIES] = _fingerprint(module, listed)
    build = ModuleBuild(module, cwd, patterns, kept, display, user)
    return Snippet(
        package=kept[0].get("Name") or "main",
        sources=sources,
        files=files,
        line_maps=maps,
        imports=sorted(imports),
        inferred_imports={s.name: [] for s in sources},
        added_main=False,
        lang=module.lang,
        module=build,
    )


def _fingerprint(module: ModuleFile, listed: list[dict]) -> str:
    """Size and mtime of every non-standard file the build reads: a result
    cache keyed on it misses when a dependency changes."""
    rows = []
    extra = [module.path, module.root / "go.sum", module.root / "vendor" / "modules.txt"]
    for p in listed:
        if p.get("Standard") or not p.get("Dir"):
            continue
        for name in (p.get("GoFiles") or []) + (p.get("EmbedFiles") or []):
            extra.append(Path(p["Dir"]) / name)
    for f in extra:
        try:
            st = os.stat(f)
        except OSError:
            continue
        rows.append(f"{f} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(rows)


# ---------------------------------------------------------------- compiling

_POS = re.compile(r"^(?P<file>[^\s:#][^:\n]*?\.go)(?P<rest>:\d+(?::\d+)?: )")
_LISTING_POS = re.compile(r"\((?P<file>[^()\s]+?\.go)(?P<rest>:\d+)\)")
# the position a -m=2 flow step ends with: "from x (spill) at internal/store/store.go:5:33"
_STEP_POS = re.compile(r"(?P<at> at )(?P<file>[^\s:][^:\n]*?\.go)(?P<rest>:\d+:\d+)$")


def _quote(flag: str) -> str:
    return f"'{flag}'" if any(c.isspace() for c in flag) or '"' in flag else flag


def compile_module(
    snippet: Snippet,
    flags: Sequence[str] = (),
    *,
    toolchain: Toolchain | None = None,
    timeout: float | None = None,
) -> CompileResult:
    """Compile the named packages as ``go build -gcflags=FLAGS`` does."""
    toolchain = toolchain or find_go()
    build = snippet.module
    assert build is not None
    with workdir("module-") as tmp:
        jsondir = tmp / "diag"
        gcflags = " ".join(_quote(f) for f in [*flags, "-json=0,file://" + str(jsondir)])
        args = ["list", "-export", "-f", "{{.ImportPath}}", "-gcflags=" + gcflags, *build.patterns]
        cap = compiler_max_output()
        result = run_go(toolchain, args, cwd=build.cwd, extra_env=_GOFLAGS, timeout=timeout, max_output=cap)
        diagnostics = read_diagnostics(jsondir)
    if result.timed_out:
        raise GoTimeout(
            f"go did not finish compiling {build.describe()} within {result.seconds:.0f} s and was stopped. "
            "Raise the timeout (timeout=..., or GOLAB_TIMEOUT) if the package is simply large."
        )
    text, warnings = kept_output(result, cap, ("stderr",))  # stdout holds only the import paths
    output = _rename(text, build)
    errors = parse_errors(output, snippet) if result.returncode != 0 else []
    if result.returncode != 0 and not errors:
        raise CompilerFailed(_failure_message(result.returncode, output))
    return CompileResult(toolchain, snippet, result.returncode, output, diagnostics, errors, result.seconds, warnings)


def _rename(output: str, build: ModuleBuild) -> str:
    """Compiler output with file names as the user sees them."""
    lines = []
    for line in output.split("\n"):
        line = _POS.sub(lambda m: build.display_name(m.group("file")) + m.group("rest"), line, count=1)
        if ":  " in line:  # a flow step: its own position too
            line = _STEP_POS.sub(lambda m: m.group("at") + build.display_name(m.group("file")) + m.group("rest"), line, count=1)
        if "TEXT" in line or "STEXT" in line or "\t" in line:
            line = _LISTING_POS.sub(lambda m: "(" + build.display_name(m.group("file")) + m.group("rest") + ")", line)
        lines.append(line)
    return "\n".join(lines)
