"""Build golab lite: a static JupyterLite site with the compiler lessons.

What it does: ``python -m golab lite build OUT`` lays out a JupyterLite
source folder and runs ``jupyter lite build`` on it (always clean: a rebuild
over an old site can silently drop the local Pyodide), then adds golab's
compiler files and checks the result.  The site holds:

- JupyterLite (jupyterlite-core, jupyterlite-pyodide-kernel; pinned in the
  ``lite`` extra) with the widgets' labextension;
- Pyodide's core from npm and a lock naming only local wheels
  (:mod:`golab.lite.wheels`): golab and its pure-Python dependencies;
- ``static/golab/``: ``compile.wasm`` (cmd/compile of the pinned Go for
  wasip1, :mod:`golab.lite.compiler`), the ``__.PKGDEF`` export data of the
  standard packages the lessons import, ``manifest.json``;
- the compiler lessons (:data:`golab.lite.lessons.LITE_PREFIXES`, whatever
  their names are at build time) and ``go_examples/``, in ``files/``;
- a ``.gz`` beside every large compressible file, which
  :mod:`golab.lite.serve` sends to browsers that accept gzip.

Nothing in the site points at a CDN or a registry; :func:`check_site`
fails the build if anything does.

What it reads: golab's source tree (notebooks/, go_examples/), the native Go
toolchain, the network at build time only (npm registry, PyPI; cached).

What it returns: a :class:`SiteReport` (paths, itemized sizes, raw and gzip).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..toolchain import find_go, workdir
from . import DEFAULT_BINDER_URL
from .compiler import STD_PACKAGES, LiteBuildError, cache_dir, write_assets
from .lessons import imports_of, lesson_snippets, lite_lessons
from .wheels import build_golab_wheel, check_labextensions, fetch_pyodide, fetch_wheels, shim_wheels, source_root, write_lock

KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
PRELOAD = ["golab"]  # loaded with Pyodide, before the first cell: golab and its dependencies
COMPRESS = (".wasm", ".js", ".mjs", ".json", ".a", ".css", ".html", ".svg", ".ipynb", ".map")
GZIP_MIN = 4096
# JupyterLab settings: lessons are short, so every cell stays rendered (no
# windowing): widgets keep their views when scrolled away.
SETTINGS = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}


@dataclasses.dataclass
class SiteReport:
    out: Path
    lessons: list[str]
    packages: list[str]  # std packages with export data
    sizes: dict[str, tuple[int, int]]  # part -> (bytes raw, bytes as served with gzip)
    seconds: float

    def text(self) -> str:
        rows = [f"golab lite site in {self.out} ({self.seconds:.0f} s)", f"lessons: {', '.join(self.lessons)}",
                f"export data for {len(self.packages)} standard packages", "size, raw / gzip:"]
        for part, (raw, gz) in self.sizes.items():
            rows.append(f"  {part:14} {raw / 1e6:8.2f} MB / {gz / 1e6:6.2f} MB")
        rows.append(f"serve it: python -m golab lite serve {self.out}   (or python -m http.server -d {self.out})")
        return "\n".join(rows)


def _kernelspec_for_lite(nb: dict) -> dict:
    nb.setdefault("metadata", {})["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    return nb


_LESSON_LINK = re.compile(r"\[([^\]]+)\]\(((?:\./)?(\d\d_[\w.-]+\.ipynb))(#[^)\s]*)?\)")


def lesson_for_lite(nb: dict, present: set[str]) -> dict:
    """A lesson as the site serves it: the Pyodide kernelspec; a note under
    its first cell on what runs here and what needs a full kernel; every
    multi-line string as one string (JupyterLite showed a saved output's
    list of lines joined with commas); and a link to a lesson the site does
    not carry as plain text that says so (the link did nothing)."""
    nb = _kernelspec_for_lite(nb)

    def joined(value):
        return "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value

    for cell in nb.get("cells", []):
        cell["source"] = joined(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            cell["source"] = _LESSON_LINK.sub(
                lambda m: m.group(0) if m.group(3) in present else f"{m.group(1)} (a lesson for a full kernel)",
                cell["source"])
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = joined(out["text"])
            for mime, value in out.get("data", {}).items():
                if not mime.endswith("json"):
                    out["data"][mime] = joined(value)
    nb["cells"][1:1] = [{"cell_type": "markdown", "id": "golab-lite-note", "metadata": {}, "source": LITE_NOTE}]
    return nb


LITE_NOTE = (
    "> **golab lite.** This lesson runs in your browser, with the real Go compiler built for WebAssembly: escape "
    "analysis, inlining and stack frames work as on a full kernel. Cells that run programs, benchmarks, profiles or "
    "GC experiments need a full kernel. The outputs saved under them come from one: read them before **Run All**, "
    "which replaces them with a box saying so."
)


def _lite_config(out_name: str) -> dict:
    return {
        "LiteBuildConfig": {"contents": ["files"], "no_sourcemaps": True, "apps": ["lab"],
                            "settings_overrides": ["overrides.json"]},
        "PyodideLockAddon": {"enabled": False},
    }


def _jupyter_lite_json(python_version: str) -> dict:
    # IPython in the kernel reads golab's startup file from the installed
    # wheel (golab/lite/ipython/...): it starts loading the Go compiler
    ipython_dir = f"/lib/python{python_version}/site-packages/golab/lite/ipython"
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "golab lite",
            "exposeAppInBrowser": True,
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": PRELOAD, "env": {"IPYTHONDIR": ipython_dir}},
                }
            },
        },
    }


def build_site(
    out: str | os.PathLike,
    *,
    notebooks: Path | None = None,
    examples: Path | None = None,
    binder_url: str = DEFAULT_BINDER_URL,
    log=print,
) -> SiteReport:
    """Write the golab lite site into ``out`` (replaced if it is an older site)."""
    start = time.monotonic()
    out = Path(out).resolve()
    root = source_root()
    notebooks = Path(notebooks or root / "notebooks")
    examples = Path(examples or root / "go_examples")
    if out.exists() and any(out.iterdir()):
        if not (out / "jupyter-lite.json").is_file():
            raise LiteBuildError(f"{out} is not empty and is not a golab lite site: choose an empty or new folder")
        shutil.rmtree(out)
    check_labextensions()
    toolchain = find_go()
    cache = cache_dir(toolchain)
    lessons = lite_lessons(notebooks)
    if not lessons:
        raise LiteBuildError(f"no compiler lessons (00_, 01_, 02_, 03_, 08_ ...) in {notebooks}")
    packages = sorted(set(STD_PACKAGES) | imports_of(lesson_snippets(lessons), examples))

    with workdir("lite-site-") as lite:
        log(f"Pyodide from npm, wheels from PyPI (cached in {cache})")
        pyodide_dir = lite / "static" / "pyodide"
        info = fetch_pyodide(cache / "npm", pyodide_dir)
        wheels = [*fetch_wheels(cache / "wheels"), *shim_wheels(), build_golab_wheel(lite / "golab-wheel")]
        write_lock(info, wheels, pyodide_dir)

        files = lite / "files"
        (files / "notebooks").mkdir(parents=True)
        for nb in lessons:
            data = lesson_for_lite(json.loads(nb.read_text(encoding="utf-8")), {p.name for p in lessons})
            (files / "notebooks" / nb.name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if examples.is_dir():
            shutil.copytree(examples, files / "go_examples", ignore=shutil.ignore_patterns("*_test.go.orig", "__pycache__"))
        (lite / "jupyter_lite_config.json").write_text(json.dumps(_lite_config(out.name), indent=1))
        (lite / "jupyter-lite.json").write_text(json.dumps(_jupyter_lite_json(".".join(info["python"].split(".")[:2])), indent=1))
        (lite / "overrides.json").write_text(json.dumps(SETTINGS, indent=1))

        log("jupyter lite build")
        proc = subprocess.run(
            [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite), "--output-dir", str(out)],
            cwd=lite, capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0 or "FAIL" in proc.stdout + proc.stderr:
            tail = [l for l in (proc.stdout + proc.stderr).splitlines() if "FAIL" in l or "rror" in l][-6:]
            raise LiteBuildError("jupyter lite build failed: " + (" / ".join(tail) or f"exit status {proc.returncode}"))

    log(f"the Go compiler as WebAssembly ({toolchain.version}) and export data for {len(packages)} packages")
    static_golab = out / "static" / "golab"
    manifest = write_assets(toolchain, static_golab, packages, extra={"binder_url": binder_url}, log=log)
    manifest["compiler_sha256"] = hashlib.sha256((static_golab / "compile.wasm").read_bytes()).hexdigest()
    (static_golab / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    check_site(out)
    compress_site(out)
    return SiteReport(out, [nb.stem for nb in lessons], sorted(manifest["packages"]), site_sizes(out), time.monotonic() - start)


def check_site(out: Path) -> None:
    """Fail unless the site is self-contained: a local Pyodide, a lock whose
    every wheel is in the site, the compiler and its manifest."""
    problems = []
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config.get("litePluginSettings", {}).get(KERNEL_PLUGIN, {})
    if not str(kernel.get("pyodideUrl", "")).startswith("./"):
        problems.append(f"pyodideUrl is not local: {kernel.get('pyodideUrl')!r}")
    if not kernel.get("disablePyPIFallback"):
        problems.append("the PyPI fallback is on")
    lock_path = out / "static" / "pyodide" / "pyodide-lock.json"
    if not lock_path.is_file():
        problems.append("no static/pyodide/pyodide-lock.json")
    else:
        for name, pkg in json.loads(lock_path.read_text())["packages"].items():
            file = lock_path.parent / pkg["file_name"]
            if "://" in pkg["file_name"] or not file.is_file():
                problems.append(f"lock entry {name}: {pkg['file_name']} is not in the site")
            elif hashlib.sha256(file.read_bytes()).hexdigest() != pkg["sha256"]:
                problems.append(f"lock entry {name}: sha256 differs from {file.name}")
    for need in ("static/golab/compile.wasm", "static/golab/manifest.json", "static/pyodide/pyodide.mjs"):
        if not (out / need).is_file():
            problems.append(f"missing {need}")
    for text_file in [out / "jupyter-lite.json", *(out / "static" / "golab").glob("*.json")]:
        if "cdn.jsdelivr" in text_file.read_text():
            problems.append(f"{text_file.relative_to(out)} names a CDN")
    if problems:
        raise LiteBuildError("the site is not self-contained:\n  " + "\n  ".join(problems))


def compress_site(out: Path) -> None:
    """A ``.gz`` beside every compressible file of at least 4 KB."""
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in COMPRESS and path.stat().st_size >= GZIP_MIN:
            with open(path, "rb") as src, gzip.GzipFile(path.with_name(path.name + ".gz"), "wb", 9, mtime=0) as dst:
                shutil.copyfileobj(src, dst)


def _part(rel: str) -> str:
    if rel.startswith("static/golab/pkg/"):
        return "export data"
    if rel.startswith("static/golab/"):
        return "compiler"
    if rel.startswith("static/pyodide/") and rel.endswith(".whl"):
        return "wheels"
    if rel.startswith("static/pyodide/"):
        return "pyodide"
    if rel.startswith("files/"):
        return "lessons"
    return "jupyterlite"


def site_sizes(out: Path) -> dict[str, tuple[int, int]]:
    """part -> (raw bytes, bytes served with gzip where a .gz exists)."""
    sizes: dict[str, list[int]] = {}
    for path in out.rglob("*"):
        if not path.is_file() or path.suffix == ".gz":
            continue
        rel = path.relative_to(out).as_posix()
        gz = path.with_name(path.name + ".gz")
        entry = sizes.setdefault(_part(rel), [0, 0])
        entry[0] += path.stat().st_size
        entry[1] += gz.stat().st_size if gz.is_file() else path.stat().st_size
    total = [sum(v[0] for v in sizes.values()), sum(v[1] for v in sizes.values())]
    return {**{k: tuple(v) for k, v in sorted(sizes.items())}, "total": tuple(total)}
