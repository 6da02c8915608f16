"""golab.excerpt: one function's text and decisions, the size a lesson cell shows."""

from __future__ import annotations

import pytest

import golab
from golab.excerpt import FunctionNotFound, function_lines, strip_annotations

from conftest import EXAMPLES

SRC = """
type T struct{ n int }

func (t *T) Inc() { t.n++ }

func keep() *int { // want "^can inline keep"
	x := 1 // guide "stays on stack" want "^moved to heap: x$"
	return &x
}

func one() int { return 1 }

func generic[E any](e E) E {
	return e
}
"""


def test_func_source_reads_a_folder_and_drops_annotations():
    text = golab.func_source(EXAMPLES / "escapecases", "newInt")
    assert text.startswith("func newInt() *int {") and text.rstrip().endswith("}")
    assert "want" not in text and "guide" not in text, text
    kept = golab.func_source(EXAMPLES / "escapecases", "newInt", annotations=True)
    assert '// guide "escapes to heap"' in kept


def test_func_source_finds_methods_one_liners_and_generics():
    assert golab.func_source(SRC, "Inc") == "func (t *T) Inc() { t.n++ }\n"
    assert golab.func_source(SRC, "one") == "func one() int { return 1 }\n"
    assert golab.func_source(SRC, "generic").splitlines()[1] == "\treturn e"


def test_a_missing_function_names_those_there_are():
    with pytest.raises(FunctionNotFound, match="it declares: Inc, keep, one, generic"):
        golab.func_source(SRC, "nope")
    with pytest.raises(FileNotFoundError):
        golab.func_source("no/such/file.go", "f")


def test_strip_annotations_keeps_other_comments():
    assert strip_annotations('x := 1 // guide "a" want "b"\n// plain\n') == "x := 1\n// plain\n"


def test_in_function_and_annotated_read_the_report():
    report = golab.escape(SRC, level=2)
    _, first, last = function_lines(report, "keep")
    assert (first, last) == (report.find_line("func keep"), report.find_line("return &x") + 1)
    heap = golab.in_function(report, "keep", heap=True)
    assert [d.message for d in heap] == ["moved to heap: x"]
    assert all(d.kind != "can-inline" for d in golab.in_function(report, "keep"))
    assert any(d.kind == "can-inline" for d in golab.in_function(report, "keep", inlining=True))
    assert golab.heap_lines(report, "keep") == [f"line {first + 1}: moved to heap: x"]

    text = golab.annotated(report, "keep", flow=True)
    assert "want" not in text and "guide" not in text
    rows = text.splitlines()
    assert rows[1].strip().endswith("x := 1") and "HEAP   moved to heap: x" in rows[2], text
    assert any("flow: ~r0 ← &x" in r for r in rows), text


def test_why_heap_and_guide_verdicts():
    report = golab.escape(SRC, level=2)
    line = report.find_line("x := 1")
    why = golab.why_heap(report, line)
    assert why.splitlines()[0] == "moved to heap: x" and "in plain words:" in why
    assert golab.why_heap(report, report.find_line("func one")) == f"nothing on line {report.find_line('func one')} goes to the heap"
    verdicts = golab.guide_verdicts(golab.check(SRC), line)
    assert 'guide "stays on stack"' in verdicts and "verdict: differs" in verdicts


def test_heap_table_and_several_functions():
    report = golab.escape(SRC)
    table = golab.heap_table(report, "keep", "one")
    assert table.splitlines() == [f"keep  line {report.find_line('x := 1')}: moved to heap: x", "one   none"]
    both = golab.annotated(report, "keep", "one")
    assert "func keep()" in both and "func one()" in both and "\n\n" in both
    with pytest.raises(TypeError):
        golab.annotated(report)


BENCH = """
var sink []int

func BenchmarkTwo(b *testing.B) {
	for b.Loop() {
		sink = make([]int, 300)
		sink = make([]int, 300)
	}
}
"""


@pytest.mark.slow
def test_allocations_and_sites_print_only_reproducible_numbers():
    result = golab.bench(BENCH, count=1, benchtime="100x")
    assert golab.allocations(result, "Two") == "Two      2 allocs/op     5.2 KiB/op"  # 2 x 2688 B (2400 rounded to a size class)
    prof = golab.profile(BENCH, "Two", benchtime="100x")
    rows = golab.sites(prof).splitlines()
    assert len(rows) == 2 and all("objects/op" in r and "ns" not in r for r in rows), rows
    assert {r.split()[3] for r in rows} == {"1"}, rows
