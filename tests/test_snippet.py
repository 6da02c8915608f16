"""Fragments, files and folders become compilable packages; every position
maps back to what the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

import golab
from golab.snippet import SnippetError, infer_imports, load, parse_imports
from golab.toolchain import run_go


def test_fragment_gets_package_imports_and_main():
    s = load("func f() { fmt.Println(strings.ToUpper(\"x\")) }\n")
    assert s.package == "main"
    assert s.imports == ["fmt", "strings"]
    assert s.added_main
    text = next(t for n, t in s.files.items() if n != "golab_main.go")
    assert text.startswith('package main; import ("fmt"; "strings")\n//line snippet.go:1:1\n')


def test_whole_file_keeps_its_lines_and_needs_no_main_added():
    src = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(1) }\n'
    s = load(src)
    assert not s.added_main and s.inferred_imports == {"snippet.go": []}


def test_inference_ignores_strings_comments_and_existing_imports():
    assert infer_imports('// fmt.Println\nvar s = "time.Now"\n', set()) == []
    assert infer_imports("var r = rand.Intn(3)", {"rand"}) == []
    assert infer_imports("var d = http.StatusOK; var m = math.Pi", set()) == ["math", "net/http"]


def test_parse_imports_block_alias_and_single():
    src = 'package p\nimport (\n\tf "fmt"\n\t"strings"\n)\nimport _ "net/http/pprof"\n'
    assert parse_imports(src) == [("f", "fmt", 3), ("strings", "strings", 4), ("_", "net/http/pprof", 6)]


def test_compile_error_in_fragment_is_at_users_line():
    report = golab.escape("func f() int {\n\treturn 1\n}\n\nfunc g() {\n\tx := undefinedThing\n}\n")
    assert not report.ok
    undefined = [e for e in report.errors if "undefined: undefinedThing" in e.message]
    assert [(e.file, e.line, e.column) for e in undefined] == [("snippet.go", 6, 7)]


def test_missing_import_inserted_after_package_clause_keeps_lines():
    src = "package main\n\nfunc main() {\n\tfmt.Println(1)\n\tvar y int = \"no\"\n}\n"
    report = golab.escape(src)
    assert report.errors[0].line == 5, report.errors


def test_inferred_import_that_was_a_local_variable_is_dropped():
    src = "type T struct{ Now int }\n\nfunc f() int {\n\ttime := T{Now: 1}\n\treturn time.Now\n}\n"
    report = golab.escape(src)
    assert report.ok, report.errors
    assert report.inferred_imports == {}
    # the same retry serves programs and benchmarks
    assert golab.run(src + "\nfunc main() { println(f()) }\n").ok
    bench = src + "\nvar sink int\n\nfunc BenchmarkF(b *testing.B) {\n\tfor b.Loop() {\n\t\tsink = f()\n\t}\n}\n"
    assert golab.bench(bench, count=1, benchtime="10x").names == ["BenchmarkF"]


def test_folder_with_two_files(tmp_path):
    (tmp_path / "a.go").write_text("package main\n\nfunc main() { _ = mk() }\n")
    (tmp_path / "b.go").write_text("package main\n\nfunc mk() *int {\n\tx := 1\n\treturn &x\n}\n")
    (tmp_path / "b_test.go").write_text("package main\n")
    report = golab.escape(tmp_path)
    heap = report.heap()
    assert [(d.file.rsplit("/", 1)[-1], d.line, d.message) for d in heap] == [("b.go", 4, "moved to heap: x")]


@pytest.mark.parametrize(
    "source, needle",
    [
        ("", "empty"),
        ("   \n\n// only a comment\n", "empty"),
        (b"package main\x00\x01\x02", "binary"),
        (b"package main\n// caf\xe9\nfunc main() {}\n", "snippet.go:2: not valid UTF-8"),
        ('import "github.com/pkg/errors"\nfunc f() { errors.New("x") }', 'cannot import "github.com/pkg/errors": golab runs offline'),
        ('import "C"\nfunc f() {}', 'import "C" (cgo) is not supported'),
        ("x" * 1_100_000, "takes Go sources up to"),
    ],
)
def test_bad_input_has_a_clear_message(source, needle):
    with pytest.raises(SnippetError) as err:
        golab.escape(source)
    assert needle in str(err.value)


def test_not_a_go_file(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    with pytest.raises(SnippetError, match="not a .go file"):
        golab.escape(f)


def test_folder_without_go_files(tmp_path):
    with pytest.raises(SnippetError, match="holds no Go files"):
        golab.escape(tmp_path)


def test_missing_path():
    with pytest.raises(SnippetError, match="no such file"):
        golab.escape("does/not/exist.go")


def test_unknown_std_package_is_named():
    with pytest.raises(SnippetError, match='cannot import "nosuch/pkg"'):
        golab.escape('import "nosuch/pkg"\nfunc f() { pkg.X() }\n')


# ---------------------------------------------------------------- lines as Go sees them

# Characters Python's str.splitlines() breaks lines on, which Go does not:
# only \n ends a line in Go.  Inside comments and raw strings they are code.
ODD = "\x0c\x0b\x1c\x1d\x1e\x85\u2028\u2029"
ODD_SOURCE = (
    "package main\r\n"
    "\r\n"
    f"// odd characters in a comment: [{ODD}] and a lone \r carriage return\r\n"
    f"var raw = `raw[{ODD}\r]`\n"
    f"/* a block comment{ODD}\n   over two lines */\n"
    "func mk() *int {\r\n"
    "\tx := len(raw)\r\n"
    "\treturn &x\r\n"
    "}\n"
    "\n"
    "func main() { println(*mk(), len(raw)) }\n"
)


def test_go_lines_splits_on_newline_only():
    from golab.snippet import go_lines

    assert go_lines("a\x0cb\u2028c\rd\r\ne\n") == ["a\x0cb\u2028c\rd", "e"]
    assert go_lines("a\r\nb", keep_cr=True) == ["a\r", "b"]
    assert "\n".join(go_lines(ODD_SOURCE, keep_cr=True)) + "\n" == ODD_SOURCE
    assert len(go_lines(ODD_SOURCE)) == ODD_SOURCE.count("\n")


def test_odd_line_characters_are_kept_byte_for_byte_and_positions_match_go_build(tmp_path, toolchain):
    from test_packages import go_build_m, golab_lines

    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "go.mod").write_text("module example.com/odd\n\ngo 1.27\n")
    (folder / "main.go").write_bytes(ODD_SOURCE.encode())
    expected, raw = go_build_m(toolchain, folder)
    assert ("moved to heap: x" in {m for *_, m in expected}), raw
    for target in (folder, folder / "main.go"):
        report = golab.escape(target)
        assert report.ok, report.errors
        assert golab_lines(report, Path.cwd()) == expected
        assert list(report.sources.values()) == [ODD_SOURCE]
    # the same text as a fragment: same lines, same bytes
    fragment = golab.escape(ODD_SOURCE)
    assert fragment.sources == {"snippet.go": ODD_SOURCE}
    assert [(d.line, d.column, d.message) for d in fragment.heap()] == sorted(
        (line, col, m) for _, line, col, m in expected if "heap" in m
    )
    assert fragment.find_line("return &x") == 9
    # the raw string's bytes reach the program: Go drops only its \r
    go_run = run_go(toolchain, ["run", "."], cwd=folder, extra_env={"GOFLAGS": ""})
    ours = golab.run(ODD_SOURCE)
    assert ours.ok and go_run.returncode == 0, (ours, go_run.stderr)
    assert (ours.stdout + ours.stderr).strip() == (go_run.stdout + go_run.stderr).strip()
    assert (go_run.stderr.split()[1]) == str(len(f"raw[{ODD}]".encode()))


def test_views_number_lines_as_go_does():
    from golab.render import escape_text, highlight_lines
    from golab.snippet import go_lines

    html_lines = highlight_lines(ODD_SOURCE)
    assert len(html_lines) == len(go_lines(ODD_SOURCE))
    assert "func" in html_lines[7 - 1] and "mk" in html_lines[7 - 1]
    # leading blank lines stay where they are
    assert highlight_lines("\n\nfunc f() {}\n")[:2] == ["", ""]
    text = escape_text(golab.escape(ODD_SOURCE))
    assert "   9 |     return &x" in text and "moved to heap: x" in text
