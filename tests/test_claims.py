"""check() reads every decision on a line, the copies the inliner makes at a
call site included: a `want` or a guide claim about a call line is judged
against what the compiler printed there."""

from __future__ import annotations

import golab

SOURCE = """package main

func leaf() *int {
	x := 1
	return &x
}

func mid() *int { return leaf() } // want "^moved to heap: x$" "^inlining call to leaf$"

var sink *int

func main() {
	sink = mid() // guide "x escapes to heap" want "^moved to heap: x$"
	println(*mid()) // guide "stays on the stack" want !"moved to heap"
}
"""


def test_wants_and_guide_claims_on_call_lines_see_the_call_site_copies():
    report = golab.check(SOURCE)
    assert report.ok, report.text()
    assert [w.holds for w in report.wants] == [True, True, True, True]
    by_line = {c.annotation.line: c for c in report.claims}
    assert by_line[13].verdict == "agrees, other words" and by_line[13].actual_placement == "heap"
    assert by_line[13].actual == ["moved to heap: x"]
    assert by_line[14].verdict == "agrees" and by_line[14].actual_placement == "stack"


def test_a_negated_want_on_a_call_line_fails_when_a_copy_puts_it_on_the_heap():
    report = golab.check(SOURCE.replace('sink = mid() // guide "x escapes to heap" want "^moved to heap: x$"', 'sink = mid() // want !"heap"'))
    (broken,) = [w for w in report.wants if not w.holds]
    assert broken.annotation.line == 13 and "moved to heap: x" in broken.actual
