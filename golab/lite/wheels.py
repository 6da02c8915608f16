"""The Python side of golab lite: Pyodide, the wheels, and a lock naming them.

What it does: fetches Pyodide's core from the npm registry (``npm pack
pyodide@VERSION``, the version jupyterlite-pyodide-kernel is built for), the
pinned pure-Python wheels of ``pyodide-requirements.txt`` from PyPI
(``pip download --require-hashes``), builds golab's own wheel, and writes a
``pyodide-lock.json`` that names every wheel by a local file name with its
sha256, its imports and its dependencies (Requires-Dist evaluated for
Pyodide: emscripten, Python 3.14).  Pyodide's own lock points at a CDN and
``pyodide-lock``'s solver needs Python 3.12 or later; this writes the lock
directly, with any Python golab runs on.  Downloads are cached per user, so a
rebuild needs no network.

What it reads: the network at build time (npm registry, PyPI), golab's
source tree, the installed jupyterlite-pyodide-kernel (its shim wheels).

What it returns: paths, and the lock as a dict.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import resources
from pathlib import Path

from .compiler import LiteBuildError

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "package.json")
# Pyodide in the browser: what Requires-Dist markers see there.
PYODIDE_MARKERS = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "extra": "",
}
# Shim wheels jupyterlite-pyodide-kernel ships for its kernel (2 KB instead of the real packages).
SHIMS = ("widgetsnbextension-4.0.999-py3-none-any.whl",)


def pyodide_version() -> str:
    """The Pyodide version the installed jupyterlite-pyodide-kernel is built for."""
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION
    except ImportError:
        raise LiteBuildError(
            'building golab lite needs jupyterlite: pip install -e ".[lite]" (jupyterlite-core and '
            "jupyterlite-pyodide-kernel 0.8.6)"
        ) from None
    return PYODIDE_VERSION


def _run(args: list[str], cwd: Path | None = None, what: str = "") -> str:
    try:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LiteBuildError(f"{what or args[0]} could not run: {exc}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-4:]
        raise LiteBuildError(f"{what or ' '.join(args[:3])} failed: " + " / ".join(tail))
    return proc.stdout


def fetch_pyodide(cache: Path, dest: Path) -> dict:
    """Pyodide's core files from npm into ``dest``; return the npm lock's ``info``."""
    version = pyodide_version()
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / f"pyodide-{version}.tgz"
    if not tgz.is_file():
        if not shutil.which("npm"):
            raise LiteBuildError("building golab lite needs npm (Node.js) to fetch Pyodide from the npm registry")
        _run(["npm", "pack", f"pyodide@{version}", "--silent"], cwd=cache, what=f"npm pack pyodide@{version}")
    dest.mkdir(parents=True, exist_ok=True)
    info = None
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            name = member.name.split("/", 1)[-1]
            if name in PYODIDE_FILES:
                (dest / name).write_bytes(tar.extractfile(member).read())
            elif name == "pyodide-lock.json":
                info = json.loads(tar.extractfile(member).read())["info"]
    if info is None or not all((dest / f).is_file() for f in PYODIDE_FILES):
        raise LiteBuildError(f"{tgz} is not a Pyodide package (files missing); delete it and build again")
    return info


def requirements_file() -> Path:
    return Path(str(resources.files("golab.lite").joinpath("pyodide-requirements.txt")))


def fetch_wheels(cache: Path) -> list[Path]:
    """The pinned wheels (downloaded once, checked against their hashes)."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = [line.split()[0] for line in requirements_file().read_text().splitlines() if line and not line.startswith("#")]
    have = {p.name.split("-")[0].lower().replace("_", "-") + "==" + p.name.split("-")[1]: p for p in cache.glob("*.whl")}
    if not all(w in have for w in wanted):
        _run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--require-hashes",
             "--platform", "any", "--python-version", "3.14", "--implementation", "py", "--abi", "none",
             "-d", str(cache), "-r", str(requirements_file())],
            what="pip download of golab lite's wheels",
        )
        have = {p.name.split("-")[0].lower().replace("_", "-") + "==" + p.name.split("-")[1]: p for p in cache.glob("*.whl")}
    missing = [w for w in wanted if w not in have]
    if missing:
        raise LiteBuildError(f"pip download did not bring {', '.join(missing)}")
    return [have[w] for w in wanted]


def check_labextensions() -> None:
    """The widget labextension the site takes from this Python environment
    must be the version of the jupyterlab-widgets wheel the kernel gets."""
    import importlib.metadata

    pinned = next(
        line.split()[0].split("==")[1]
        for line in requirements_file().read_text().splitlines()
        if line.startswith("jupyterlab-widgets==")
    )
    try:
        installed = importlib.metadata.version("jupyterlab_widgets")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed != pinned:
        raise LiteBuildError(
            f"the site's widget frontend comes from this environment's jupyterlab_widgets ({installed or 'not installed'}), "
            f"but the kernel gets jupyterlab-widgets {pinned}: pip install jupyterlab_widgets=={pinned}"
        )


def shim_wheels() -> list[Path]:
    import jupyterlite_pyodide_kernel  # noqa: F401  (pyodide_version() said how to install it)

    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite" / "pyodide-kernel-extension"
    found = [labext / "static" / "pypi" / name for name in SHIMS]
    missing = [p for p in found if not p.is_file()]
    if missing:
        raise LiteBuildError(f"the shim wheels of jupyterlite-pyodide-kernel are missing: {missing}")
    return found


def source_root() -> Path:
    """golab's source tree (the folder with pyproject.toml)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise LiteBuildError(f"golab lite builds golab's wheel from its source tree; no pyproject.toml in {root}")
    return root


def build_golab_wheel(dest: Path) -> Path:
    """golab's own wheel, built from its source tree."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("golab-*.whl"):
        old.unlink()
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest), str(source_root())],
        what="building golab's wheel",
    )
    wheels = list(dest.glob("golab-*.whl"))
    if len(wheels) != 1:
        raise LiteBuildError(f"building golab's wheel left {len(wheels)} wheels in {dest}")
    with zipfile.ZipFile(wheels[0]) as z:
        for needed in ("golab/lite/compiler.js", "golab/lite/ipython/profile_default/startup/00-golab-lite.py"):
            if needed not in z.namelist():
                raise LiteBuildError(f"golab's wheel lacks {needed} (package data in pyproject.toml)")
    return wheels[0]


def _canonical(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_entry(path: Path) -> dict:
    from packaging.requirements import Requirement

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode("utf-8"))
        top = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        if top:
            imports = [line.strip() for line in z.read(top).decode().splitlines() if line.strip()]
        else:
            imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                              if not n.split("/")[0].endswith((".dist-info", ".data"))
                              and (n.endswith("/__init__.py") and n.count("/") == 1 or ("/" not in n and n.endswith(".py")))})
    depends = []
    for spec in meta.get_all("Requires-Dist") or []:
        req = Requirement(spec)
        if req.marker is None or req.marker.evaluate(PYODIDE_MARKERS):
            depends.append(_canonical(req.name))
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "file_name": path.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": [i for i in imports if not i.startswith("_") or i == "_pytest"] or imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }


def write_lock(info: dict, wheels: list[Path], dest: Path) -> dict:
    """Copy ``wheels`` into ``dest`` and write ``dest/pyodide-lock.json`` naming them."""
    packages = {}
    for wheel in wheels:
        shutil.copyfile(wheel, dest / wheel.name)
        entry = _wheel_entry(dest / wheel.name)
        packages[_canonical(entry["name"])] = entry
    for entry in packages.values():  # only what the site carries: the rest is not for emscripten
        entry["depends"] = sorted(d for d in set(entry["depends"]) if d in packages)
    lock = {"info": info, "packages": dict(sorted(packages.items()))}
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock
