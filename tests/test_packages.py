"""A folder is a package as ``go build`` sees it, and a learner's own module
(sub-packages, vendored dependencies) gives the decisions ``go build
-gcflags=-m`` gives in that folder.  Every comparison runs the real
``go build`` in the same folder, in temp dirs these tests build."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import golab
from golab.buildcontext import build_context, in_build
from golab.snippet import SnippetError, _display_name
from golab.toolchain import run_go

from conftest import ROOT

_M_LINE = re.compile(r"^(?P<file>[^\s:#][^:]*?\.go):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")


def go_build_m(toolchain, folder: Path, patterns=(".",), flags="-m") -> tuple[set[tuple], str]:
    """(file, line, column, message) of every line ``go build -gcflags=FLAGS``
    prints in ``folder`` about a file of the folder (files made absolute; the
    lines it prints at a standard-library file, for a generic instantiation,
    are not about the learner's code and golab leaves them out), and its raw
    output."""
    r = run_go(
        toolchain,
        ["build", f"-gcflags={flags}", "-o", os.devnull, *patterns],
        cwd=folder,
        extra_env={"GOFLAGS": ""},
    )
    found = set()
    for raw in (r.stdout + r.stderr).split("\n"):
        m = _M_LINE.match(raw)
        if m and not m.group("msg").startswith(" "):
            file = os.path.normpath(os.path.join(folder, m.group("file")))
            if not file.startswith(str(folder) + os.sep):
                continue
            found.add((file, int(m.group("line")), int(m.group("col")), m.group("msg")))
    return found, r.stdout + r.stderr


def golab_lines(report, base: Path) -> set[tuple]:
    """The compiler lines golab's data holds: each decision at its place,
    and each call site the inliner repeated it at."""
    found = set()
    for d in report.decisions:
        found.add((os.path.normpath(os.path.join(base, d.file)), d.line, d.column, d.message))
        for site in d.inlined_at:
            file, line, col = site.rsplit(":", 2)
            found.add((os.path.normpath(os.path.join(base, file)), int(line), int(col), d.message))
    return found


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    return root


DEP = {
    "go.mod": "module example.com/dep\n\ngo 1.21\n",
    "dep.go": (
        "package dep\n\n"
        "// Box returns its argument's address: inlined, it moves to the heap at the caller.\n"
        "func Box(v int) *int { return &v }\n\n"
        "type Counter struct{ n int }\n\n"
        "func (c *Counter) Add(k int) { c.n += k }\n"
    ),
}

APP = {
    "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n",
    "main.go": (
        "package main\n\n"
        "import (\n\t\"fmt\"\n\n\t\"example.com/app/internal/store\"\n\t\"example.com/dep\"\n)\n\n"
        "func main() {\n"
        "\ts := store.New(4)\n"
        "\ts.Put(*dep.Box(3))\n"
        "\tc := &dep.Counter{}\n"
        "\tc.Add(2)\n"
        "\tfmt.Println(s.Len(), keep(c))\n"
        "}\n"
    ),
    "keep.go": "package main\n\nimport \"example.com/dep\"\n\nvar kept []*dep.Counter\n\nfunc keep(c *dep.Counter) int {\n\tkept = append(kept, c)\n\treturn len(kept)\n}\n",
    "internal/store/store.go": (
        "package store\n\n"
        "type Store struct{ items []int }\n\n"
        "func New(n int) *Store { return &Store{items: make([]int, 0, n)} }\n\n"
        "func (s *Store) Put(v int) { s.items = append(s.items, v) } // want \"leaking param content: s\"\n\n"
        "func (s *Store) Len() int { return len(s.items) }\n"
    ),
    "internal/store/store_windows.go": "package store\n\nfunc New(n int) *Store { return nil }\n",
    "internal/e2e/e2e_test.go": "package e2e\n\nimport \"testing\"\n\nfunc TestNothing(t *testing.T) {}\n",  # tests only
}


@pytest.fixture(scope="module")
def app(tmp_path_factory, toolchain):
    """A module with two files, an internal package and a vendored
    dependency (a second module, replaced and vendored offline)."""
    root = tmp_path_factory.mktemp("pkgs")
    write(root / "dep", DEP)
    write(root / "app", APP)
    r = run_go(toolchain, ["mod", "vendor"], cwd=root / "app", extra_env={"GOFLAGS": ""})
    assert r.returncode == 0, r.stderr
    assert (root / "app" / "vendor" / "modules.txt").is_file()
    return root / "app"


def test_own_module_matches_go_build_in_that_folder(app, toolchain):
    expected, raw = go_build_m(toolchain, app)
    assert expected, raw
    report = golab.escape(app)
    assert report.ok, report.errors
    assert golab_lines(report, Path.cwd()) == expected
    # inlined from the internal package and from the vendored dependency
    assert any("inlining call to store.New" in m for *_, m in expected)
    assert any("inlining call to dep.Box" in m for *_, m in expected)
    assert sorted(report.sources) == sorted(_display_name(app / n) for n in ("keep.go", "main.go"))


def test_dot_dot_dot_names_every_package_and_files_read_as_the_user_wrote_them(app, toolchain, monkeypatch):
    expected, raw = go_build_m(toolchain, app, ("./...",))
    monkeypatch.chdir(app.parent)
    report = golab.escape("./app/...")
    assert report.ok, report.errors
    assert golab_lines(report, app.parent) == expected
    files = {d.file for d in report.decisions}
    assert "app/internal/store/store.go" in files and "app/main.go" in files  # relative, as typed
    assert not any("vendor" in f for f in report.sources)  # ./... skips vendor/, as go does
    assert "app/internal/store/store_windows.go" not in report.sources
    leak = [d for d in report.decisions if d.file == "app/internal/store/store.go" and d.kind == "leaking-param-content"]
    assert leak and leak[0].line == 7
    # -m=2: the flows of a sub-package's decisions, at the user's positions
    level2 = golab.escape("./app/...", level=2)
    heap = [d for d in level2.decisions if d.file == "app/internal/store/store.go" and d.heap]
    assert heap and all(d.flow for d in heap)
    assert any("at app/internal/store/store.go:5:" in step for d in heap for step in d.flow)


def test_frames_of_a_module_list_its_sub_packages(app):
    report = golab.frames(str(app) + "/...")
    assert not report.errors, report.errors
    by_name = {(Path(f.file).name, f.function) for f in report.frames if f.compiled}
    assert ("store.go", "(*Store).Put") in by_name and ("main.go", "main") in by_name


def test_cli_escape_and_check_on_a_module(app, toolchain):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run(
        [sys.executable, "-m", "golab", "escape", "--json", "./app/..."],
        cwd=app.parent, capture_output=True, text=True, env=env, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    expected, _ = go_build_m(toolchain, app, ("./...",))
    got = {(os.path.normpath(os.path.join(app.parent, d["file"])), d["line"], d["column"], d["message"]) for d in data["decisions"]}
    for d in data["decisions"]:
        for site in d.get("inlined_at", []):
            f, line, col = site.rsplit(":", 2)
            got.add((os.path.normpath(os.path.join(app.parent, f)), int(line), int(col), d["message"]))
    assert got == expected
    r = subprocess.run(
        [sys.executable, "-m", "golab", "check", "--json", "./app"],
        cwd=app.parent, capture_output=True, text=True, env=env, timeout=300,
    )
    data = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [w["holds"] for w in data["wants"]] == [True], data


def test_a_dependency_not_available_offline_is_named_and_nothing_is_downloaded(tmp_path, toolchain, monkeypatch):
    cache = tmp_path / "modcache"
    cache.mkdir()
    monkeypatch.setenv("GOMODCACHE", str(cache))
    write(tmp_path / "m", {
        "go.mod": "module example.com/m\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
        "go.sum": (
            "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
            "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n"
        ),
        "main.go": 'package main\n\nimport "github.com/google/uuid"\n\nfunc main() { println(uuid.NewString()) }\n',
    })
    with pytest.raises(SnippetError) as err:
        golab.escape(tmp_path / "m")
    text = str(err.value)
    assert 'imports "github.com/google/uuid" from module github.com/google/uuid v1.6.0' in text
    assert "go mod download github.com/google/uuid" in text and "go mod vendor" in text
    assert "main.go:3" in text
    assert list(cache.iterdir()) in ([], [cache / "cache"]) and not (cache / "github.com").exists()
    # not in go.mod at all: says go get
    (tmp_path / "m" / "go.mod").write_text("module example.com/m\n\ngo 1.22\n")
    with pytest.raises(SnippetError, match=r"no module in .*go.mod provides.*go get github.com/google/uuid"):
        golab.escape(tmp_path / "m")


def test_a_mistyped_folder_says_no_such_file_or_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for typo in ("./mymod", "mymod/sub", "./mymod/...", "../nowhere/x"):
        with pytest.raises(SnippetError, match="no such file or folder"):
            golab.escape(typo)
    r = subprocess.run(
        [sys.executable, "-m", "golab", "escape", "./mymod"],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120,
    )
    assert r.returncode == 2 and "no such file or folder" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- build constraints


CONSTRAINED = {
    "go.mod": "module example.com/c\n\ngo 1.27\n",
    "main.go": "package main\n\nfunc main() { println(*pick()) }\n",
    "gen.go": "//go:build ignore\n\npackage main\n\nfunc main() { x := 1; println(&x) }\n",
    "x_linux.go": "package main\n\nfunc pick() *int { v := 1; return &v }\n",
    "x_windows.go": "package main\n\nfunc pick() *int { return nil }\n",
    "y_amd64.go": "//go:build linux && !cgo\n\npackage main\n\nvar sink *int\n\nfunc store() { w := 2; sink = &w }\n",
    "y_other.go": "//go:build !amd64 || !linux\n\npackage main\n\nfunc store() {}\n",
    "z_plus.go": "// +build !linux\n\npackage main\n\nfunc store() {}\n",
    "_skip.go": "package main\n\nfunc pick() {}\n",
}


def test_build_constraints_pick_the_files_go_build_picks(tmp_path, toolchain):
    folder = write(tmp_path / "c", CONSTRAINED)
    if toolchain.goos != "linux" or toolchain.goarch != "amd64":
        pytest.skip("the case is written for linux/amd64")
    expected, raw = go_build_m(toolchain, folder)
    report = golab.escape(folder)
    assert report.ok, report.errors  # with the constraints ignored: "pick redeclared"
    assert golab_lines(report, Path.cwd()) == expected
    assert any(m == "moved to heap: v" for *_, m in expected) and any(m == "moved to heap: w" for *_, m in expected)
    assert sorted(Path(f).name for f in report.sources) == ["main.go", "x_linux.go", "y_amd64.go"]
    # the same folder with no module around it (the fast path alone)
    (folder / "go.mod").unlink()
    assert golab_lines(golab.escape(folder), Path.cwd()) == expected


def test_constraint_matcher_agrees_with_go_list(tmp_path, toolchain):
    headers = {
        "a.go": "package p\n",
        "b_linux.go": "package p\n",
        "b_darwin.go": "package p\n",
        "c_arm64.go": "package p\n",
        "c_amd64.go": "package p\n",
        "d_windows_amd64.go": "package p\n",
        "d_linux_amd64.go": "package p\n",
        "linux.go": "package p\n",  # a bare GOOS name is no suffix
        "e_unix.go": "package p\n",  # unix is no file-name suffix
        "f.go": "//go:build unix\n\npackage p\n",
        "g.go": "//go:build (linux || darwin) && !386\n\npackage p\n",
        "h.go": "//go:build cgo\n\npackage p\n",
        "i.go": "//go:build go1.21 && !go1.99\n\npackage p\n",
        "j.go": "//go:build goexperiment.greenteagc\n\npackage p\n",
        "k.go": "// Copyright\n\n//go:build ignore\n\npackage p\n",
        "l.go": "/* block */\n//go:build ignore\n\npackage p\n",
        "m.go": "package p\n\n//go:build ignore\n",  # after the package clause: not a constraint
        "n.go": "// +build linux,amd64 darwin\n\npackage p\n",
        "o.go": "// +build !linux\n\npackage p\n",
        "p.go": "// +build linux\n//go:build !linux\n\npackage p\n",  # //go:build wins
        "q.go": "//go:build gc && amd64.v1\n\npackage p\n",
        "r_test.go": "package p\n",
        "s_windows_test.go": "package p\n",
        ".hidden.go": "package p\n",
    }
    folder = write(tmp_path / "p", {"go.mod": "module example.com/p\n\ngo 1.27\n", **headers})
    r = run_go(toolchain, ["list", "-json=GoFiles,TestGoFiles,IgnoredGoFiles", "."], cwd=folder, extra_env={"GOFLAGS": ""})
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    go_picks = set(listed.get("GoFiles", []) + listed.get("TestGoFiles", []))
    ctx = build_context(toolchain)
    ours = {name for name, text in headers.items() if in_build(name, text, ctx)}
    assert ours == go_picks
    assert "b_darwin.go" not in ours and "k.go" not in ours and "m.go" in ours  # the test can fail


# ---------------------------------------------------------------- language version


LOOP = (
    "package main\n\n"
    "var fs []func() int\n\n"
    "func main() {\n"
    "\tfor _, v := range []int{1, 2, 3} {\n"
    "\t\tfs = append(fs, func() int { return v })\n"
    "\t}\n"
    "\tprintln(len(fs))\n"
    "}\n"
)


@pytest.mark.parametrize("go, heap", [("1.21", True), ("1.22", False), ("1.27", False)])
def test_go_directive_sets_the_language_version(tmp_path, toolchain, go, heap):
    folder = write(tmp_path / "lang", {"go.mod": f"module example.com/lang\n\ngo {go}\n", "main.go": LOOP})
    expected, raw = go_build_m(toolchain, folder)
    for target in (folder, folder / "main.go"):
        report = golab.escape(target)
        assert golab_lines(report, Path.cwd()) == expected
        assert any(d.message == "moved to heap: v" for d in report.decisions) is heap


def test_go1_21_module_rejects_range_over_int_as_go_build_does(tmp_path, toolchain):
    src = "package main\n\nfunc main() {\n\tfor j := range 3 {\n\t\tprintln(j)\n\t}\n}\n"
    folder = write(tmp_path / "old", {"go.mod": "module example.com/old\n\ngo 1.21\n", "main.go": src})
    _, raw = go_build_m(toolchain, folder)
    assert "requires go1.22" in raw
    report = golab.escape(folder)
    assert not report.ok
    assert [(Path(e.file).name, e.line) for e in report.errors] == [("main.go", 4)]
    assert "requires go1.22" in report.errors[0].message
    (folder / "go.mod").write_text("module example.com/old\n\ngo 1.22\n")
    assert golab.escape(folder).ok


def test_a_module_asking_for_a_newer_go_is_refused_clearly(tmp_path):
    folder = write(tmp_path / "new", {"go.mod": "module example.com/new\n\ngo 1.99\n", "main.go": "package main\n\nfunc main() {}\n"})
    with pytest.raises(SnippetError, match=r"go 1\.99 needs a newer Go than golab's go1\.27"):
        golab.escape(folder)


# ---------------------------------------------------------------- embed and cgo


def test_go_embed_compiles_as_go_build_does(tmp_path, toolchain):
    folder = write(tmp_path / "emb", {
        "go.mod": "module example.com/emb\n\ngo 1.27\n",
        "main.go": (
            "package main\n\nimport (\n\t\"embed\"\n\t\"fmt\"\n)\n\n"
            "//go:embed hello.txt\nvar hello string\n\n"
            "//go:embed static/*.txt\nvar static embed.FS\n\n"
            "func main() {\n\tb, _ := static.ReadFile(\"static/a.txt\")\n\tfmt.Println(hello, len(b))\n}\n"
        ),
        "hello.txt": "hello\n",
        "static/a.txt": "a\n",
        "static/b.txt": "b\n",
    })
    expected, raw = go_build_m(toolchain, folder)
    assert expected, raw
    report = golab.escape(folder)
    assert report.ok, report.errors
    assert golab_lines(report, Path.cwd()) == expected


def test_cgo_in_a_module_package_is_refused_clearly(tmp_path):
    folder = write(tmp_path / "cg", {
        "go.mod": "module example.com/cg\n\ngo 1.27\n",
        "main.go": "package main\n\nimport \"example.com/cg/inner\"\n\nfunc main() { inner.F() }\n",
        "inner/c.go": "package inner\n\n// int one() { return 1; }\nimport \"C\"\n\nfunc F() { _ = C.one() }\n",
    })
    with pytest.raises(SnippetError, match=r'inner/c.go: import "C" \(cgo\) is not supported'):
        golab.escape(str(folder) + "/...")


def test_a_dependency_in_the_module_cache_is_used_offline(tmp_path, toolchain, monkeypatch):
    """The dependency is put in a fresh module cache from a local file
    proxy (no network), then golab builds with GOPROXY=off from that cache."""
    import zipfile

    proxy = tmp_path / "proxy" / "example.com" / "lib" / "@v"
    proxy.mkdir(parents=True)
    lib_go = "package lib\n\nfunc Pair(a, b int) []int { return []int{a, b} }\n\nfunc Ptr(s string) *string { return &s }\n"
    (proxy / "list").write_text("v1.0.0\n")
    (proxy / "v1.0.0.info").write_text('{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}')
    (proxy / "v1.0.0.mod").write_text("module example.com/lib\n\ngo 1.21\n")
    with zipfile.ZipFile(proxy / "v1.0.0.zip", "w") as z:
        z.writestr("example.com/lib@v1.0.0/go.mod", "module example.com/lib\n\ngo 1.21\n")
        z.writestr("example.com/lib@v1.0.0/lib.go", lib_go)
    cache = tmp_path / "modcache"
    monkeypatch.setenv("GOMODCACHE", str(cache))
    folder = write(tmp_path / "user", {
        "go.mod": "module example.com/user\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n",
        "main.go": (
            "package main\n\nimport \"example.com/lib\"\n\nvar sink []int\n\n"
            "func main() {\n\tsink = lib.Pair(1, 2)\n\tprintln(*lib.Ptr(\"x\"))\n}\n"
        ),
    })
    setup = run_go(
        toolchain, ["mod", "tidy"], cwd=folder,
        extra_env={"GOPROXY": (tmp_path / "proxy").as_uri(), "GOFLAGS": "-mod=mod -modcacherw", "GOSUMDB": "off"},
    )
    assert setup.returncode == 0, setup.stderr
    assert (cache / "example.com" / "lib@v1.0.0" / "lib.go").is_file()
    expected, raw = go_build_m(toolchain, folder)
    assert any("inlining call to lib.Pair" in m for *_, m in expected), raw
    report = golab.escape(folder)
    assert report.ok, report.errors
    assert golab_lines(report, Path.cwd()) == expected
    # the same module without that cache: named, not fetched
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(SnippetError, match=r'imports "example.com/lib" from module example.com/lib v1.0.0, which is not available offline'):
        golab.escape(folder)


def test_a_file_constraint_can_raise_its_own_language_version(tmp_path, toolchain):
    """go1.21 module, but the file says //go:build go1.22: the compiler gives
    that file go1.22 loop semantics, in golab as in go build."""
    folder = write(tmp_path / "filever", {
        "go.mod": "module example.com/filever\n\ngo 1.21\n",
        "main.go": "//go:build go1.22\n\n" + LOOP,
    })
    expected, raw = go_build_m(toolchain, folder)
    report = golab.escape(folder)
    assert golab_lines(report, Path.cwd()) == expected
    assert not any(d.message == "moved to heap: v" for d in report.decisions)


def test_running_or_benchmarking_a_module_package_says_what_to_do(app):
    with pytest.raises(SnippetError, match="go test -bench"):
        golab.bench(app, count=1, benchtime="1x")
    with pytest.raises(SnippetError, match="go run in the module folder"):
        golab.run(app)


def test_embed_in_a_fragment_says_what_to_do():
    with pytest.raises(SnippetError, match="//go:embed needs files beside the code"):
        golab.escape('import _ "embed"\n\n//go:embed hello.txt\nvar hello string\n')


@pytest.mark.parametrize("module", [True, False])
def test_a_cgo_file_with_a_pure_go_fallback_builds_as_go_does(tmp_path, toolchain, module):
    files = {
        "go.mod": "module example.com/fb\n\ngo 1.27\n",
        "main.go": "package main\n\nfunc main() { println(*value()) }\n",
        "v_cgo.go": "//go:build cgo\n\npackage main\n\n// int one() { return 1; }\nimport \"C\"\n\nfunc value() *int { v := int(C.one()); return &v }\n",
        "v_nocgo.go": "//go:build !cgo\n\npackage main\n\nfunc value() *int { v := 1; return &v }\n",
    }
    if module:  # an import of the module's own package sends it through go
        files["main.go"] = "package main\n\nimport \"example.com/fb/inner\"\n\nfunc main() { println(*value(), inner.N) }\n"
        files["inner/inner.go"] = "package inner\n\nconst N = 1\n"
    folder = write(tmp_path / "fb", files)
    expected, raw = go_build_m(toolchain, folder)
    report = golab.escape(folder)
    assert report.ok, report.errors
    assert golab_lines(report, Path.cwd()) == expected
    assert [Path(f).name for f in report.sources] == ["main.go", "v_nocgo.go"]


def test_a_library_package_compiled_alone_matches_go_build(tmp_path, toolchain):
    """A non-main package that imports only the standard library takes
    golab's fast path (the compiler alone, another -p): the decisions are
    still go build's, generics, methods and closures included."""
    folder = write(tmp_path / "lib", {
        "go.mod": "module example.com/lib\n\ngo 1.27\n",
        "lib.go": (
            "package lib\n\nimport \"strings\"\n\n"
            "type Pair[K comparable, V any] struct {\n\tKey K\n\tVal V\n}\n\n"
            "func NewPair[K comparable, V any](k K, v V) *Pair[K, V] { return &Pair[K, V]{k, v} }\n\n"
            "type Buf struct{ b []byte }\n\n"
            "func (b *Buf) Add(s string) *Buf { b.b = append(b.b, s...); return b }\n\n"
            "func Upper(words []string) []string {\n"
            "\tout := make([]string, 0, len(words))\n"
            "\tfor _, w := range words {\n\t\tout = append(out, strings.ToUpper(w))\n\t}\n\treturn out\n}\n\n"
            "func Counter() func() int {\n\tn := 0\n\treturn func() int { n++; return n }\n}\n\n"
            "func Use() int { p := NewPair(\"a\", 1); var b Buf; b.Add(\"x\"); return p.Val + len(b.b) + Counter()() }\n"
        ),
    })
    expected, raw = go_build_m(toolchain, folder)
    assert len(expected) > 10, raw
    report = golab.escape(folder)
    assert report.ok, report.errors
    from golab.snippet import load

    assert load(folder).module is None  # the fast path
    assert golab_lines(report, Path.cwd()) == expected


@pytest.mark.parametrize("go, printed", [("1.21", "3 3 3"), ("1.22", "1 2 3")])
def test_run_uses_the_modules_language_version(tmp_path, toolchain, go, printed):
    src = LOOP.replace("\tprintln(len(fs))\n", "\tprintln(fs[0](), fs[1](), fs[2]())\n")
    folder = write(tmp_path / "run", {"go.mod": f"module example.com/run\n\ngo {go}\n", "main.go": src})
    go_run = run_go(toolchain, ["run", "."], cwd=folder, extra_env={"GOFLAGS": ""})
    assert go_run.stderr.strip() == printed
    ours = golab.run(folder)
    assert ours.ok and (ours.stdout + ours.stderr).strip() == printed


def test_every_lesson_example_at_once_matches_go_build(toolchain, monkeypatch):
    """``go_examples/...``: ten packages of the lessons' own module in one
    go build, each decision at the file and place go build names."""
    monkeypatch.chdir(ROOT)
    expected, raw = go_build_m(toolchain, ROOT / "go_examples", ("./...",))
    report = golab.escape("go_examples/...")
    assert report.ok, report.errors
    assert golab_lines(report, ROOT) == expected
    assert len({Path(f).parent.name for f in report.sources}) >= 10


def test_a_broken_go_build_line_is_named(tmp_path):
    folder = write(tmp_path / "bad", {
        "main.go": "package main\n\nfunc main() {}\n",
        "x.go": "//go:build linux &&\n\npackage main\n",
    })
    with pytest.raises(SnippetError, match=r"x.go: cannot parse its //go:build line"):
        golab.escape(folder)


def test_a_function_written_in_assembly_gives_go_builds_decisions(tmp_path, toolchain):
    """The body of add is in add_amd64.s.  go build assembles it; golab's
    fast path compiles the Go files alone (without -complete, so a
    declaration without a body is allowed): the decisions are the same."""
    if toolchain.goarch != "amd64":
        pytest.skip("the assembly is amd64")
    folder = write(tmp_path / "asm", {
        "go.mod": "module example.com/asm\n\ngo 1.27\n",
        "add.go": "package main\n\nfunc add(a, b int) int\n\nfunc box(v int) *int { return &v }\n\nfunc main() { println(*box(add(1, 2))) }\n",
        "add_amd64.s": (
            '#include "textflag.h"\n\n'
            "// func add(a, b int) int\n"
            "TEXT \u00b7add(SB), NOSPLIT, $0-24\n"
            "\tMOVQ a+0(FP), AX\n\tADDQ b+8(FP), AX\n\tMOVQ AX, ret+16(FP)\n\tRET\n"
        ),
    })
    expected, raw = go_build_m(toolchain, folder)
    assert any(m == "moved to heap: v" for *_, m in expected), raw
    report = golab.escape(folder)
    assert report.ok, report.errors
    assert golab_lines(report, Path.cwd()) == expected


def test_a_module_listing_is_reused_only_while_nothing_changed(tmp_path, toolchain):
    from golab.snippet import load

    folder = write(tmp_path / "re", {
        "go.mod": "module example.com/re\n\ngo 1.27\n",
        "main.go": "package main\n\nimport \"example.com/re/a\"\n\nfunc main() { println(a.N) }\n",
        "a/a.go": "package a\n\nconst N = 1\n",
    })
    target = str(folder) + "/..."
    first = load(target)
    assert [p["ImportPath"] for p in load(target).module.packages] == [p["ImportPath"] for p in first.module.packages]
    write(folder, {"lib/deep/b.go": "package deep\n\nfunc B() *int { x := 2; return &x }\n"})  # a new package two folders down
    assert "example.com/re/lib/deep" in [p["ImportPath"] for p in load(target).module.packages]
    write(folder, {"a/a_other.go": "//go:build ignore\n\npackage a\n"})  # a new file, left out by its constraint
    report = golab.escape(target)
    assert "moved to heap: x" in [d.message for d in report.decisions]
    assert not any(f.endswith("a_other.go") for f in report.sources)
    (folder / "a" / "a_other.go").write_text("package a\n\nconst M = 2\n")  # an edit in place: now part of a
    assert any(f.endswith("a_other.go") for f in golab.escape(target).sources)
