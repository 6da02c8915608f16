"""The WebAssembly compiler backend: golab's compiler calls, without a subprocess.

What it does: when a :class:`~golab.toolchain.Toolchain`'s ``backend`` is
``"wasm"``, :func:`golab.toolchain.run_compiler` hands the native compiler's
argument list and working folder here.  The folder (the snippet's files, its
importcfg) is mounted at ``/work`` and the export data at ``/pkg`` of an
in-memory file system, ``cmd/compile`` built for wasip1 runs on it targeting
linux/amd64, and what it printed and wrote (``-json`` diagnostics) comes back
as a :class:`~golab.toolchain.RunResult`, the files written into the working
folder: the analysers downstream cannot tell the difference, because the
same compiler made the output.  Two runners execute the compiler:

- ``browser``: Pyodide (the JupyterLite kernel, a Web Worker) calls
  ``compiler.js`` through ``js``/``pyodide.ffi``; the compiler module is
  fetched once (then kept in the Cache API) and each call gets a fresh
  instance, synchronously, so ``golab.escape`` stays a plain function;
- ``node``: the same ``compiler.js`` (its WASI implementation and
  in-memory file system) under Node, one process per call: tests and
  benchmarks check golab lite's own glue without a browser.

Programs, benchmarks, profiles and GC runs need ``go build`` and a process:
:func:`needs_full_kernel` raises :class:`NeedsFullKernel`, whose message says
so once, with the way to a full kernel (the site's Binder link, if it has one).

What it reads: the site's ``static/golab/manifest.json`` (Go version, export
data files, Binder link if any; written by :mod:`golab.lite.site`) or, for the
``node`` runner, a folder with ``compile.wasm``, ``manifest.json`` and
``pkg/``.

What it returns: :func:`toolchain` (a Toolchain with ``backend="wasm"``),
:func:`importcfg` (text), :func:`run_compiler` (a RunResult).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Sequence

from ..toolchain import GolabError, GoNotFound, RunResult, Toolchain, run
from . import DEFAULT_BINDER_URL, LOCAL_FULL_KERNEL

WORK = "/work"  # the compiler's working folder in its file system
# a first compile, in the background once the compiler has loaded: V8 compiles
# the functions a compile needs on first use (about a second)
WARMUP = {
    "files": {
        "importcfg": "packagefile fmt=/pkg/fmt.a\n",
        "warmup.go": 'package main\n\nimport "fmt"\n\ntype T struct{ a, b int }\n\n'
        "func f(n int) *T {\n\tt := T{n, n}\n\treturn &t\n}\n\n"
        "func main() {\n\ts := make([]int, 8)\n\tfmt.Println(f(len(s)), s)\n}\n",
    },
    "argv": ["-p", "main", "-lang=go1.27", "-importcfg", "importcfg", "-o", "out.o",
             "-json=0,file:///work/diag", "-m=2", "warmup.go"],
}
PKG = "/pkg"  # the export data


class NeedsFullKernel(GolabError):
    """This needs a real Go toolchain (build, run, measure): golab lite has only the compiler."""

    def as_notice(self):
        """What a magic shows for it: the full-kernel box, not a failure."""
        from .kernel import NeedsFullKernelNotice

        return NeedsFullKernelNotice(str(self), self)


class _Assets:
    """Where the compiler and its export data are, and how to run it."""

    def __init__(self, runner: str, location: str, manifest: dict) -> None:
        self.runner = runner  # "node" or "browser"
        self.location = location  # folder (node) or URL ending in / (browser)
        self.manifest = manifest
        self.lock = threading.Lock()


_assets: _Assets | None = None
_told_full_kernel = False


def configure_node(folder: str | os.PathLike) -> Toolchain:
    """Use the compiler in ``folder`` (compile.wasm, manifest.json, pkg/) under Node."""
    global _assets
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not (folder / "compile.wasm").is_file() or not manifest_path.is_file():
        raise GoNotFound(f"{folder} has no compile.wasm and manifest.json: build them with golab.lite.compiler")
    if not shutil.which("node"):
        raise GoNotFound("the node runner of golab lite needs Node.js (`node` on PATH)")
    _assets = _Assets("node", str(folder), json.loads(manifest_path.read_text()))
    return toolchain()


def in_browser() -> bool:
    """Is this Python running in Pyodide (a JupyterLite kernel)?"""
    return sys.platform == "emscripten"


def _site_base() -> str:
    """URL of the site's ``static/golab/`` folder, seen from the kernel's worker."""
    import js  # Pyodide only

    here = str(js.location.href)
    for marker in ("/extensions/", "/static/", "/build/"):
        if marker in here:
            return here.split(marker, 1)[0] + "/static/golab/"
    return str(js.URL.new("static/golab/", here).href)


def _browser_module():
    """The compiler.js object, made once in the kernel's worker."""
    global _js_module
    if _js_module is None:
        from pyodide.code import run_js

        if not run_js("globalThis.__golabCompiler !== undefined"):
            source = resources.files("golab.lite").joinpath("compiler.js").read_text()
            options = json.dumps({"background": _can_wait(), "warmup": WARMUP})
            run_js(source + f"\nglobalThis.__golabCompiler = golabCompiler({json.dumps(_site_base())}, {options});")
        _js_module = run_js("globalThis.__golabCompiler")
    return _js_module


_js_module = None
last_run: dict = {}  # the last browser compile: ms (in JavaScript), loadMs, from (cache/network/sync)


def _can_wait() -> bool:
    """Can Python wait for a JavaScript promise here (JSPI, Pyodide's run_sync)?"""
    try:
        from pyodide.ffi import can_run_sync

        return bool(can_run_sync())
    except ImportError:
        return False


def _ensure_loaded(compiler) -> None:
    """Wait for the compiler module's asynchronous load where that is possible
    (else compileSync loads it synchronously on first use)."""
    if compiler.isLoaded() or not _can_wait():
        return
    from pyodide.ffi import run_sync

    run_sync(compiler.load(True))


def configure_browser() -> Toolchain:
    """Use the site's compiler from this Pyodide kernel."""
    global _assets
    from .kernel import install

    install()  # NeedsFullKernel shows as a box, and Run All goes on
    compiler = _browser_module()
    manifest = json.loads(str(compiler.manifestText()))
    _assets = _Assets("browser", str(compiler.base), manifest)
    return toolchain()


def prefetch() -> None:
    """In the browser: start loading the compiler in the background (and warm
    it up on a small snippet), so the first analysis need not wait for it.
    Called when the kernel starts (the site's IPython startup file)."""
    if in_browser() and _assets is None:
        configure_browser()


def toolchain() -> Toolchain:
    """The Toolchain golab's analysers get in golab lite."""
    if _assets is None:
        if in_browser():
            return configure_browser()
        raise GoNotFound("golab lite's compiler is not configured (configure_node(folder) or run in the lite site)")
    m = _assets.manifest
    where = "WebAssembly, in this browser" if _assets.runner == "browser" else f"WebAssembly under Node, {_assets.location}"
    return Toolchain(
        go="compile.wasm",
        goroot=f"{_assets.location} (golab lite)",
        version=m["goversion"],
        source=f"golab lite ({where})",
        goos=m["goos"],
        goarch=m["goarch"],
        gocache="",
        backend="wasm",
    )


def shipped_packages() -> list[str]:
    if _assets is None:
        toolchain()
    return sorted(_assets.manifest["packages"])


def importcfg(imports: Sequence[str]) -> str:
    """An importcfg naming the shipped export data of ``imports``."""
    from ..snippet import SnippetError

    if _assets is None:
        toolchain()
    files = _assets.manifest["packages"]
    missing = sorted(p for p in set(imports) if p not in files and p not in ("unsafe", "C"))
    if missing:
        raise SnippetError(
            f'cannot import "{missing[0]}" in golab lite: the browser carries the compiler\'s view of '
            f"{len(files)} standard packages ({', '.join(sorted(files))}). "
            f"For the rest, {full_kernel_way()}."
        )
    return "".join(f"packagefile {p}={PKG}/{files[p]}\n" for p in sorted(set(imports)) if p in files)


def build_context_data() -> dict:
    """The build context the site was built with (go list's tags and
    GOROOT's OS/arch lists, for the export data's target)."""
    if _assets is None:
        toolchain()
    data = _assets.manifest.get("build_context")
    if not data:
        raise GoNotFound("this golab lite site was built without the build context that reading a package folder "
                         "needs: rebuild it with python -m golab lite build")
    return data


def binder_url() -> str:
    """The site's full-kernel link (``--binder-url``), or "" when it has none."""
    if _assets is not None and _assets.manifest.get("binder_url"):
        return _assets.manifest["binder_url"]
    return DEFAULT_BINDER_URL


def full_kernel_way() -> str:
    """Where to get a full kernel, as the end of a sentence: the site's
    Binder link, else the README's install commands."""
    url = binder_url()
    if url:
        return f"open the lessons with a full kernel on Binder: {url}"
    return f"run the lessons with a full kernel {LOCAL_FULL_KERNEL}"


def needs_full_kernel(what: Sequence[str]) -> None:
    """Raise :class:`NeedsFullKernel` for a ``go`` command golab lite cannot run."""
    global _told_full_kernel
    verb = what[0] if what else "go"
    doing = {"run": "run a Go program", "test": "run benchmarks or tests", "build": "build and run a Go program"}.get(
        verb, f"run `go {verb}`"
    )
    if _told_full_kernel:
        url = binder_url()
        message = f"This cell needs a full kernel ({doing}){': ' + url if url else '.'}"
    else:
        message = (
            f"This cell needs a full kernel: it would {doing}, and golab lite has only the Go compiler, "
            "running in your browser. Escape analysis, inlining and stack frames work here; "
            "running programs, benchmarks, profiles and GC experiments need Go itself. "
            f"For those, {full_kernel_way()}."
        )
        _told_full_kernel = True
    raise NeedsFullKernel(message)


# ---------------------------------------------------------------- running the compiler


def _guest_args(args: Sequence[str], cwd: Path) -> list[str]:
    """The native compiler's arguments with host paths in ``cwd`` made guest paths."""
    host = str(cwd.resolve())
    out = []
    for a in list(args)[1:]:  # args[0] is the compiler's path
        if a.startswith("-json=") and "file://" in a:
            head, _, path = a.partition("file://")
            a = head + "file://" + _guest_path(path, host)
        elif a.startswith("/"):
            a = _guest_path(a, host)
        out.append(a)
    return out


def _guest_path(path: str, host: str) -> str:
    if path == host or path.startswith(host + "/"):
        return WORK + path[len(host) :]
    return path


def run_compiler(args: Sequence[str], *, cwd: str | os.PathLike, timeout: float | None = None) -> RunResult:
    """Run ``cmd/compile`` (as WebAssembly) with the native compiler's ``args`` in ``cwd``."""
    if _assets is None:
        toolchain()
    cwd = Path(cwd)
    guest = _guest_args(args, cwd)
    if _assets.runner == "node":
        script = resources.files("golab.lite").joinpath("node_compile.mjs")
        result = run(
            ["node", "--liftoff-only", str(script), _assets.location, str(cwd), *guest],
            cwd=cwd,
            timeout=timeout,
            # no address-space cap: V8 reserves several GiB of virtual memory
            # (guard regions) for each WebAssembly memory, and a cap makes
            # that reservation fail (RangeError) though little is used
            max_memory=0,
        )
        result.args = list(args)
        return result
    return _run_in_browser(args, guest, cwd)


def _run_in_browser(args: Sequence[str], guest: list[str], cwd: Path) -> RunResult:
    from js import Object  # Pyodide only
    from pyodide.ffi import to_js

    compiler = _browser_module()
    _ensure_loaded(compiler)
    files = {}
    for path in cwd.rglob("*"):
        if path.is_file():
            files[path.relative_to(cwd).as_posix()] = path.read_bytes()
    start = time.monotonic()
    with _assets.lock:
        reply = compiler.compileSync(to_js(files, dict_converter=Object.fromEntries), to_js(guest))
    out = reply.to_py()
    last_run.clear()
    last_run.update({k: out.get(k) for k in ("ms", "loadMs", "from")})
    for name, data in (out.get("written") or {}).items():
        target = cwd / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(data))
    if out.get("error"):
        raise GolabError(f"the WebAssembly Go compiler could not run: {out['error']}")
    return RunResult(
        args=list(args),
        returncode=int(out["exitCode"]),
        stdout=out["stdout"],
        stderr=out["stderr"],
        seconds=time.monotonic() - start,
    )
