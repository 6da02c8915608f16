"""What one snippet looks like under several Go versions.

What it does:

* :func:`compare_versions` compiles one snippet with each version (``-m`` or
  ``-m=2``; ``lang=`` sets the language version as a go.mod ``go`` line
  would) and lines the decisions up by source line, marking the lines whose
  decisions differ.
* :func:`allocs_by_version` builds the snippet's benchmarks with each
  version and runs each once for a fixed number of iterations:
  allocs/op and B/op, the deterministic part of a benchmark.

The toolchains themselves (fetching them, finding them offline) are
:mod:`golab.toolchains`; its names are re-exported here.

What it reads: Go source text or paths, the installed toolchains.

What it returns: :class:`VersionsReport`, :class:`AllocsByVersion` (plain
data; views in :mod:`golab.render_beyond`).
"""


from __future__ import annotations

import dataclasses
import re
from typing import Sequence

from . import display
from .snippet import load
from .toolchain import run, workdir

from .toolchains import (  # noqa: F401  (re-exported)
    DOWNLOAD_TIMEOUT, LESSON_VERSIONS, PINNED, InstalledGo, VersionError, VersionNotInstalled, add, installed, language_version, parse_version, pip_requirement, remove, short_version, toolchain_at, toolchain_for, toolchains_dir,
)


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

    def _repr_html_(self) -> str:
        return display.to_html(self)

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

    def _repr_html_(self) -> str:
        return display.to_html(self)

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
