"""golab lite's WebAssembly compiler decides exactly what the native one does.

Every Go snippet of lessons 00-02 (the Go in Python strings, the bodies of
``%%go_*`` cells, the go_examples folders the lessons name) goes through
``golab.escape`` (levels 1 and 2) twice: once with the native toolchain,
once with ``cmd/compile`` built for wasip1 and run under Node's WASI through
golab's ``wasm`` backend (the browser runs the same module; the browser test
checks a few there).  Decisions, flows and compile errors must be identical.
``%%go_frames`` cells are compared through ``golab.frames`` the same way.
"""

from __future__ import annotations

import importlib
import shutil

import pytest

import golab
from conftest import EXAMPLES, ROOT
from golab.lite.lessons import imports_of, lesson_snippets, lite_lessons

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs Node.js for its WASI runtime")

LESSONS = lite_lessons(ROOT / "notebooks", prefixes=("00_", "01_", "02_"))
SNIPPETS = lesson_snippets(LESSONS)


def _forget_results() -> None:
    cache = getattr(importlib.import_module("golab.escape"), "_cache", None)
    if cache is not None:
        cache.clear()


@pytest.fixture(scope="module")
def wasm_toolchain(tmp_path_factory, toolchain):
    from golab.lite import backend
    from golab.lite.compiler import STD_PACKAGES, write_assets

    folder = tmp_path_factory.mktemp("lite-assets")
    packages = STD_PACKAGES + tuple(sorted(imports_of(SNIPPETS, EXAMPLES)))
    write_assets(toolchain, folder, packages, log=lambda *a: None)
    return backend.configure_node(folder)


def test_the_lessons_have_snippets_to_compare():
    kinds = {s.kind for s in SNIPPETS}
    assert len(LESSONS) >= 3, [p.name for p in LESSONS]
    assert len(SNIPPETS) >= 15 and {"escape", "frames"} <= kinds, SNIPPETS


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.ident for s in SNIPPETS])
def test_wasm_compiler_decides_as_the_native_one(snippet, toolchain, wasm_toolchain):
    kind, source = snippet.kind, snippet.source
    if kind == "frames":
        native = golab.frames(source, toolchain=toolchain).to_json()
        wasm = golab.frames(source, toolchain=wasm_toolchain).to_json()
        assert wasm == native
        return
    for level in (1, 2):
        native = golab.escape(source, level=level, toolchain=toolchain).to_json()
        _forget_results()  # the WebAssembly compiler must really run, not a cached report
        wasm = golab.escape(source, level=level, toolchain=wasm_toolchain).to_json()
        assert wasm == native, f"level {level}"
    assert native["decisions"] or native["errors"]


def test_a_compile_error_is_at_the_users_line(toolchain, wasm_toolchain):
    source = "func broken() *int {\n\tx := 42\n\treturn &y\n}\n"
    native = golab.escape(source, toolchain=toolchain)
    wasm = golab.escape(source, toolchain=wasm_toolchain)
    assert [str(e) for e in wasm.errors] == [str(e) for e in native.errors]
    assert any(e.line == 3 and "undefined: y" in e.message for e in wasm.errors), wasm.errors


def test_an_import_the_site_does_not_carry_is_refused_clearly(wasm_toolchain):
    with pytest.raises(golab.GolabError, match=r'cannot import "image/png" in golab lite.*full kernel'):
        golab.escape('import "image/png"\nvar _ = png.Decode\n', toolchain=wasm_toolchain)


def test_running_a_program_says_it_needs_a_full_kernel(wasm_toolchain):
    from golab.lite.backend import NeedsFullKernel

    with pytest.raises(NeedsFullKernel, match=r"needs a full kernel.*(Binder: http|python -m golab setup)"):
        golab.run("func main() { println(1) }", toolchain=wasm_toolchain)


def test_a_program_that_does_not_compile_gets_its_errors_not_needs_full_kernel(toolchain, wasm_toolchain):
    """Lesson 00's %%go_run with a missing parenthesis: the browser has the
    compiler, so the learner sees the same errors at the same lines as on a
    full kernel."""
    broken = 'func main() {\n\tfmt.Println("missing a parenthesis"\n}\n'
    lite = golab.run(broken, toolchain=wasm_toolchain)
    native = golab.run(broken, toolchain=toolchain)
    assert [(e.file, e.line, e.column, e.message) for e in lite.errors] == [
        (e.file, e.line, e.column, e.message) for e in native.errors] and lite.errors
    assert lite.explanation() == native.explanation()


def test_export_data_is_pkgdef_only(wasm_toolchain):
    folder = wasm_toolchain.goroot.removesuffix(" (golab lite)")
    data = open(f"{folder}/pkg/fmt.a", "rb").read()
    assert data.startswith(b"!<arch>\n__.PKGDEF")
    assert 10_000 < len(data) < 200_000, len(data)  # the whole archive is about 1 MB


def test_a_folder_is_read_with_the_sites_build_context_not_go(toolchain, wasm_toolchain):
    """golab lite has no go to ask for build tags: the site's manifest carries
    them, written from the toolchain for the export data's target, and they
    are the native toolchain's own for linux/amd64 (where the tests run)."""
    from golab.buildcontext import build_context

    lite = build_context(wasm_toolchain)
    assert lite == build_context(toolchain) and (lite.goos, lite.goarch) == ("linux", "amd64")
    assert "go1.27" in lite.tags and "linux" in lite.unix_os and "windows" in lite.known_os
