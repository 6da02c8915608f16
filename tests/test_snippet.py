"""Fragments, files and folders become compilable packages; every position
maps back to what the user wrote."""

from __future__ import annotations

import pytest

import golab
from golab.snippet import SnippetError, infer_imports, load, parse_imports


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
