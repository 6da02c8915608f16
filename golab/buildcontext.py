"""Which files of a folder ``go build`` compiles, and with which language.

What it does: decides, the way ``go/build`` does, whether a ``.go`` file
belongs to the build for the toolchain's GOOS/GOARCH: files whose name starts
with ``_`` or ``.`` are ignored; a ``_GOOS``, ``_GOARCH`` or
``_GOOS_GOARCH`` name suffix (before ``_test``) must match; a ``//go:build``
expression in the file header (or, without one, the old ``// +build``
lines) must hold.  A tag holds when it is GOOS or GOARCH (``linux`` also
under ``android``, ``unix`` for every Unix), ``gc``, one of the toolchain's
release tags (``go1.1`` ... ``go1.27``) or tool tags (``goexperiment.*``,
``amd64.v1``); ``cgo`` only when asked (golab builds with CGO_ENABLED=0).
The tag lists come from the toolchain itself (one ``go list`` per
toolchain, cached on disk) and the known OS/arch names from its
``internal/syslist``, so they are exact for the Go in use.  It also finds
the module a path belongs to (the nearest ``go.mod`` above it) and reads its
``go`` directive, the language version the compiler gets as ``-lang``.

What it reads: file names and texts, ``go.mod`` files, the toolchain's
GOROOT; once per toolchain ``go list -f {{context...}}`` (in golab lite,
where there is no go, the site's manifest, written from the same data).

What it returns: plain values (:class:`BuildContext`, booleans,
:class:`ModuleFile`), or raises :class:`~golab.snippet.SnippetError` (via
:class:`ConstraintError`) for a ``//go:build`` line that does not parse.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
from pathlib import Path

from .toolchain import GolabError, Toolchain, run_go, user_temp_root, workdir

_lock = threading.Lock()
_contexts: dict[tuple, "BuildContext"] = {}


class ConstraintError(GolabError):
    """A build constraint golab (and go) cannot parse."""


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """What ``go/build`` matches tags and file names against."""

    goos: str
    goarch: str
    compiler: str
    tags: frozenset[str]  # release tags + tool tags
    known_os: frozenset[str]
    known_arch: frozenset[str]
    unix_os: frozenset[str]

    def match_tag(self, name: str, cgo: bool = False) -> bool:
        if name == "cgo":
            return cgo
        if name in (self.goos, self.goarch, self.compiler):
            return True
        if (self.goos, name) in (("android", "linux"), ("illumos", "solaris"), ("ios", "darwin")):
            return True
        if name == "unix" and self.goos in self.unix_os:
            return True
        if name == "boringcrypto":
            name = "goexperiment.boringcrypto"
        return name in self.tags


def _syslist(goroot: str) -> dict[str, frozenset[str]]:
    path = Path(goroot) / "src" / "internal" / "syslist" / "syslist.go"
    text = path.read_text(encoding="utf-8")
    found = {}
    for name in ("KnownOS", "UnixOS", "KnownArch"):
        m = re.search(r"var %s = map\[string\]bool\{(.*?)\n\}" % name, text, re.S)
        found[name] = frozenset(re.findall(r'"([^"]+)":\s*true', m.group(1)) if m else ())
    return found


def build_context(toolchain: Toolchain) -> BuildContext:
    """The toolchain's build context (cached in memory and on disk)."""
    key = (toolchain.goroot, toolchain.version, toolchain.goos, toolchain.goarch)
    with _lock:
        if key in _contexts:
            return _contexts[key]
    if toolchain.backend == "wasm":  # golab lite: no go to ask; the site's build wrote it down
        from .lite.backend import build_context_data

        data = build_context_data()
    else:
        data = context_data(toolchain)
    ctx = BuildContext(
        data["goos"],
        data["goarch"],
        data["compiler"],
        frozenset(t for t in data["tags"] if t),
        frozenset(data["KnownOS"]),
        frozenset(data["KnownArch"]),
        frozenset(data["UnixOS"]),
    )
    with _lock:
        _contexts[key] = ctx
    return ctx


def context_data(toolchain: Toolchain, target: dict[str, str] | None = None) -> dict:
    """What :class:`BuildContext` is made of, as JSON-ready data: one
    ``go list`` and GOROOT's syslist.go, cached on disk per toolchain;
    ``target`` ({"GOOS": ..., "GOARCH": ...}) asks for another target's."""
    key = (toolchain.goroot, toolchain.version, toolchain.goos, toolchain.goarch)
    if target:
        key += tuple(sorted(target.items()))
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:24]
    # beside the importcfg cache (also per toolchain), which test fixtures know as a cache
    disk = Path(user_temp_root()) / "importcfg" / f"context-{digest}.json"
    data = None
    if disk.is_file():
        try:
            data = json.loads(disk.read_text())
        except (OSError, ValueError):
            data = None
    if data is None:
        template = (
            "{{context.GOOS}} {{context.GOARCH}} {{context.Compiler}} "
            '{{join context.ReleaseTags ","}} {{join context.ToolTags ","}}'
        )
        with workdir("buildctx-") as tmp:
            result = run_go(toolchain, ["list", "-f", template, "runtime"], cwd=tmp, extra_env=target)
        fields = result.stdout.split()
        if result.returncode != 0 or len(fields) < 4:
            raise GolabError(
                "could not read the toolchain's build tags (go list failed: "
                + (result.stderr.strip() or "no output")
                + "); run python -m golab doctor."
            )
        data = {
            "goos": fields[0],
            "goarch": fields[1],
            "compiler": fields[2],
            "tags": sorted(",".join(fields[3:]).split(",")),
        }
        data.update({k: sorted(v) for k, v in _syslist(toolchain.goroot).items()})
        disk.parent.mkdir(parents=True, exist_ok=True)
        tmpfile = disk.with_suffix(f".{threading.get_ident()}.tmp")
        tmpfile.write_text(json.dumps(data))
        tmpfile.replace(disk)
    return data


# ---------------------------------------------------------------- file names


def ignored_name(name: str) -> bool:
    """go ignores files whose name starts with ``_`` or ``.``."""
    return name.startswith(("_", "."))


def good_os_arch_name(name: str, ctx: BuildContext) -> bool:
    """go/build's goodOSArchFile: the ``_GOOS`` / ``_GOARCH`` suffix rule."""
    stem = name.split(".", 1)[0]
    i = stem.find("_")
    if i < 0:
        return True
    parts = stem[i:].split("_")
    if parts and parts[-1] == "test":
        parts = parts[:-1]
    n = len(parts)
    if n >= 2 and parts[-2] in ctx.known_os and parts[-1] in ctx.known_arch:
        return ctx.match_tag(parts[-2]) and ctx.match_tag(parts[-1])
    if n >= 1 and (parts[-1] in ctx.known_os or parts[-1] in ctx.known_arch):
        return ctx.match_tag(parts[-1])
    return True


# ---------------------------------------------------------------- //go:build


# Go's unicode.IsSpace (Python's str.isspace also counts \x1c-\x1f)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _trim(line: str) -> str:
    """Go's bytes.TrimSpace."""
    return line.strip(_GO_SPACE)


def file_header(text: str) -> tuple[list[str], str | None]:
    """(header lines before the last blank line, the ``//go:build`` line or
    None): go/build's parseFileHeader, line by line on ``\\n`` only."""
    lines = text.split("\n")
    end = 0
    ended = False
    in_block = False
    go_build = None
    header: list[str] = []
    seen: list[str] = []
    for raw in lines:
        line = _trim(raw)
        if not line and not ended:
            end = len(seen) + 1
            seen.append(line)
            continue
        if not line.startswith("//"):
            ended = True
        if not in_block and _is_go_build(line):
            if go_build is not None:
                raise ConstraintError("multiple //go:build comments")
            go_build = line
        seen.append(line)
        rest = line
        stop = False
        while rest:
            if in_block:
                j = rest.find("*/")
                if j >= 0:
                    in_block = False
                    rest = _trim(rest[j + 2:])
                    continue
                break
            if rest.startswith("//"):
                break
            if rest.startswith("/*"):
                in_block = True
                rest = _trim(rest[2:])
                continue
            stop = True
            break
        if stop:
            break
    header = seen[:end]
    return header, go_build


def _is_go_build(line: str) -> bool:
    if not line.startswith("//go:build"):
        return False
    rest = line[len("//go:build"):]
    return not rest or len(_trim(rest)) < len(rest)


_TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[A-Za-z0-9_.]+)")


class _Expr:
    """A //go:build expression evaluated against a tag test."""

    def __init__(self, text: str):
        self.tokens: list[str] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                if text[pos:].strip() == "":
                    break
                raise ConstraintError(f"unexpected {text[pos:].strip()[:10]!r}")
            self.tokens.append(m.group(1))
            pos = m.end()
        if not self.tokens:
            raise ConstraintError("empty expression")

    def eval(self, ok) -> bool:
        self.i = 0
        value = self._or(ok)
        if self.i != len(self.tokens):
            raise ConstraintError(f"unexpected {self.tokens[self.i]!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _or(self, ok) -> bool:
        value = self._and(ok)
        while self._peek() == "||":
            self.i += 1
            right = self._and(ok)
            value = value or right
        return value

    def _and(self, ok) -> bool:
        value = self._not(ok)
        while self._peek() == "&&":
            self.i += 1
            right = self._not(ok)
            value = value and right
        return value

    def _not(self, ok) -> bool:
        tok = self._peek()
        if tok == "!":
            self.i += 1
            return not self._not(ok)
        if tok == "(":
            self.i += 1
            value = self._or(ok)
            if self._peek() != ")":
                raise ConstraintError("missing )")
            self.i += 1
            return value
        if tok is None or tok in (")", "&&", "||"):
            raise ConstraintError("missing tag" if tok is None else f"unexpected {tok!r}")
        self.i += 1
        return ok(tok)


def _plus_build_line(line: str, ok) -> bool | None:
    """One ``// +build`` line (spaces OR, commas AND, ! NOT), or None if the
    line is not one."""
    if not line.startswith("//"):
        return None
    body = line[2:].strip()
    if not body.startswith("+build"):
        return None
    fields = body.split()
    if fields[0] != "+build":
        return None
    for option in fields[1:]:
        if all((not ok(t[1:])) if t.startswith("!") else ok(t) for t in option.split(",")):
            return True
    return False


def constraints_hold(text: str, ctx: BuildContext, cgo: bool = False) -> bool:
    """Do the file's build constraints hold for this context?"""
    header, go_build = file_header(text)

    def ok(tag: str) -> bool:
        return ctx.match_tag(tag, cgo=cgo)

    if go_build is not None:
        return _Expr(go_build[len("//go:build"):]).eval(ok)
    for line in header:
        value = _plus_build_line(line, ok)
        if value is False:
            return False
    return True


def in_build(name: str, text: str, ctx: BuildContext, cgo: bool = False) -> bool:
    """Does ``go build`` compile this file of a folder (name + text)?"""
    if ignored_name(name) or not name.endswith(".go"):
        return False
    return good_os_arch_name(name, ctx) and constraints_hold(text, ctx, cgo=cgo)


# ---------------------------------------------------------------- go.mod


@dataclasses.dataclass(frozen=True)
class ModuleFile:
    """The go.mod a path belongs to."""

    path: Path  # the go.mod file
    module: str  # module path ("" if the file names none)
    go: str  # the go directive as written ("1.21", "1.22.3"); "1.16" when absent (cmd/go's default)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def lang(self) -> str:
        """The compiler's ``-lang`` value: ``go1.N``."""
        major_minor = ".".join(re.findall(r"\d+", self.go)[:2])
        return "go" + major_minor


_GO_DIRECTIVE = re.compile(r"^[ \t]*go[ \t]+([0-9][0-9A-Za-z.\-]*)[ \t]*(?://.*)?\r?$", re.M)
_MODULE_DIRECTIVE = re.compile(r'^[ \t]*module[ \t]+"?([^\s"]+)"?', re.M)


def find_module(start: Path) -> ModuleFile | None:
    """The nearest go.mod at or above ``start`` (a folder or a file)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        gomod = folder / "go.mod"
        if gomod.is_file():
            text = gomod.read_text(encoding="utf-8", errors="replace")
            g = _GO_DIRECTIVE.search(text)
            m = _MODULE_DIRECTIVE.search(text)
            return ModuleFile(gomod, m.group(1) if m else "", g.group(1) if g else "1.16")
    return None


def version_tuple(version: str) -> tuple[int, ...]:
    """``go1.27.3`` / ``1.21`` / ``1.21rc1`` -> (1, 27, 3) / (1, 21) / (1, 21)."""
    m = re.match(r"(?:go)?(\d+(?:\.\d+)*)", version)
    return tuple(int(p) for p in m.group(1).split(".")) if m else ()
