"""The Go compiler as WebAssembly, and the export data it reads.

What it does: builds ``cmd/compile`` of the pinned toolchain for
``GOOS=wasip1 GOARCH=wasm`` (``go build -trimpath -ldflags="-s -w"``), once
per toolchain version: the result is cached in golab's per-user cache
folder, so a second site build copies it.  It also writes the export data of
the standard packages a snippet may import, for linux/amd64 (the target the
WebAssembly compiler is told to compile for, so its output is the native
compiler's): ``go list -export`` names each package's archive, and only its
first member, ``__.PKGDEF``, is kept (the compiler reads nothing else; fmt
shrinks from 1 MB to 43 KB).  The compiler opens only the export data of a
snippet's direct imports.

What it reads: a :class:`~golab.toolchain.Toolchain` (native Go), a list of
import paths, ``XDG_CACHE_HOME``/``HOME`` for the cache.

What it returns: the path of ``compile.wasm`` (:func:`build_compiler`) and a
manifest dict (:func:`write_export_data`): Go version, target, and for each
import path the file name of its export data, which
:mod:`golab.lite.backend` reads at run time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Iterable

from ..buildcontext import context_data
from ..toolchain import GolabError, Toolchain, run_go, user_temp_root, workdir

TARGET = {"GOOS": "linux", "GOARCH": "amd64"}
"""What the WebAssembly compiler compiles for (and the export data is for)."""

# Standard packages whose export data a site ships: what lesson snippets
# import (directly or by golab's import inference), plus the imports found in
# the lessons' Go files at build time (see golab.lite.site).
STD_PACKAGES = (
    "bufio", "bytes", "container/list", "context", "errors", "fmt", "io", "maps", "math",
    "math/rand", "os", "runtime", "slices", "sort", "strconv", "strings", "sync",
    "sync/atomic", "testing", "time", "unicode", "unicode/utf8", "unsafe",
)


class LiteBuildError(GolabError):
    """A step of building golab lite failed; the message says which and how to fix it."""


def cache_dir(toolchain: Toolchain) -> Path:
    """Per-user, per-toolchain cache folder for the WebAssembly compiler."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else ""
    )
    if not base or not _writable(base):
        base = user_temp_root()
    version_file = Path(toolchain.goroot) / "VERSION"
    stamp = version_file.read_bytes() if version_file.is_file() else toolchain.version.encode()
    key = f"{toolchain.version}-{hashlib.sha256(stamp).hexdigest()[:12]}"
    return Path(base) / "golab" / "lite" / key


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        return os.access(path, os.W_OK)
    except OSError:
        return False


def build_compiler(toolchain: Toolchain, *, timeout: float = 900.0, log=print) -> Path:
    """``compile.wasm`` for this toolchain, built on first use and cached."""
    target = cache_dir(toolchain) / "compile.wasm"
    if target.is_file() and target.stat().st_size > 1_000_000:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log(f"building cmd/compile of {toolchain.version} for wasip1/wasm (about a minute, once per Go version)")
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    with workdir("lite-build-") as tmp:
        (tmp / "go.mod").write_text("module golab.local/litebuild\n\ngo 1.21\n")
        result = run_go(
            toolchain,
            ["build", "-trimpath", "-ldflags=-s -w", "-o", str(partial), "cmd/compile"],
            cwd=tmp,
            extra_env={"GOOS": "wasip1", "GOARCH": "wasm"},
            timeout=timeout,
        )
    if not result.ok or not partial.is_file():
        partial.unlink(missing_ok=True)
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise LiteBuildError(
            f"building cmd/compile for WebAssembly with {toolchain.go} failed"
            + (" (timed out)" if result.timed_out else "")
            + (": " + " / ".join(detail) if detail else "")
        )
    os.replace(partial, target)
    return target


def pkgdef_only(archive: bytes) -> bytes:
    """The ``__.PKGDEF`` member of a Go archive, as an archive of its own."""
    if archive[:8] != b"!<arch>\n":
        raise LiteBuildError("export data is not a Go archive (no !<arch> header)")
    header = archive[8:68]
    if header[:16].decode("ascii", "replace").strip() != "__.PKGDEF":
        raise LiteBuildError("export data does not start with __.PKGDEF")
    size = int(header[48:58].decode("ascii").strip())
    return b"!<arch>\n" + header + archive[68 : 68 + size] + (b"\n" if size % 2 else b"")


def export_file_name(import_path: str) -> str:
    return import_path.replace("/", "_") + ".a"


def write_export_data(
    toolchain: Toolchain, packages: Iterable[str], dest: Path, *, timeout: float = 600.0
) -> dict:
    """Write ``__.PKGDEF`` export data of ``packages`` into ``dest``; return the manifest."""
    wanted = sorted({p for p in packages if p != "unsafe" and p != "C"})
    dest.mkdir(parents=True, exist_ok=True)
    with workdir("lite-export-") as tmp:
        (tmp / "go.mod").write_text("module golab.local/liteexport\n\ngo 1.21\n")
        result = run_go(
            toolchain,
            ["list", "-export", "-f", "{{.ImportPath}} {{.Export}}", *wanted],
            cwd=tmp,
            extra_env=dict(TARGET),
            timeout=timeout,
        )
    if not result.ok:
        detail = result.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise LiteBuildError(f"go list -export failed: {detail[0]}")
    files = {}
    for line in result.stdout.splitlines():
        import_path, _, archive = line.partition(" ")
        if not archive:
            raise LiteBuildError(f"go list -export gave no export data for {import_path}")
        name = export_file_name(import_path)
        (dest / name).write_bytes(pkgdef_only(Path(archive).read_bytes()))
        files[import_path] = name
    return {"goversion": toolchain.version, **{k.lower(): v for k, v in TARGET.items()}, "packages": files}


def copy_compiler(toolchain: Toolchain, dest: Path, log=print) -> Path:
    """Copy the cached ``compile.wasm`` into ``dest`` (building it first if needed)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / "compile.wasm"
    shutil.copyfile(build_compiler(toolchain, log=log), out)
    return out


def write_assets(
    toolchain: Toolchain, folder: Path, packages: Iterable[str] = STD_PACKAGES, *, extra: dict | None = None, log=print
) -> dict:
    """Lay out what the WebAssembly backend reads: ``compile.wasm``,
    ``pkg/*.a`` and ``manifest.json`` (with ``extra`` keys, e.g. the Binder
    link) in ``folder``; return the manifest."""
    folder = Path(folder)
    copy_compiler(toolchain, folder, log=log)
    manifest = write_export_data(toolchain, packages, folder / "pkg")
    # what go/build matches file names and //go:build lines against, for the
    # target the export data is for: a folder is read as go build reads it
    manifest["build_context"] = context_data(toolchain, TARGET)
    manifest.update(extra or {})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest
