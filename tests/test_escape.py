"""Escape and inlining decisions from the real compiler, as data."""

from __future__ import annotations

import threading

import pytest

import golab
from golab.escape import KINDS, classify, parse_text
from golab.toolchain import GoTimeout

from conftest import EXAMPLES

CASES = EXAMPLES / "escapecases" / "main.go"


@pytest.fixture(scope="module")
def cases2():
    return golab.escape(CASES, level=2)


def test_pointer_return_moves_x_to_heap_with_flow(cases2):
    line = cases2.find_line("x := 42 // guide \"escapes to heap\"")
    (d,) = [d for d in cases2.on_line(line, str(CASES.relative_to(CASES.parents[2]))) if d.heap] or cases2.for_variable("x")[:1]
    assert (d.kind, d.subject, d.message) == ("moved-to-heap", "x", "moved to heap: x")
    assert d.flow[0] == "flow: ~r0 ← &x"
    assert any(step.startswith("from &x (address-of) at ") and step.endswith(f":{line + 1}:9") for step in d.flow)


def test_value_return_stays_on_stack(cases2):
    assert cases2.placement(13, next(iter(cases2.sources))) == "stack"


def test_kinds_seen_on_the_guide_examples(cases2):
    kinds = set(cases2.summary())
    assert {"moved-to-heap", "escapes", "does-not-escape", "leaking-param", "can-inline", "cannot-inline", "inlining-call"} <= kinds
    assert kinds <= set(KINDS)
    cost = [d for d in cases2.of_kind("can-inline") if d.subject == "newInt"][0].cost
    assert cost == 8
    reason = [d for d in cases2.of_kind("cannot-inline") if d.subject == "testInterface"][0].reason
    assert reason.startswith("function too complex: cost")


def test_inlined_repeats_are_folded_with_their_call_site(cases2):
    file = next(iter(cases2.sources))
    data = [d for d in cases2.decisions if d.subject == "data" and d.kind == "moved-to-heap"]
    assert len(data) == 1 and data[0].line == 44
    call = cases2.find_line("\tprocessLargeData()")
    assert data[0].inlined_at == [f"{file}:{call}:18"]  # the column where the call ends
    # a call-site decision that differs from the callee's is kept, marked
    (make,) = [d for d in cases2.on_line(cases2.find_line("len(createSlice())"), file) if d.subject.startswith("make(")]
    assert make.via == "createSlice" and make.message == "make([]int, 100) does not escape"


def test_level_one_has_no_flow_and_no_cannot_inline():
    r = golab.escape(CASES, level=1)
    assert all(not d.flow for d in r.decisions)
    assert not r.of_kind("cannot-inline")
    assert r.heap()


def test_no_inline_flag():
    r = golab.escape(CASES, inline=False)
    assert not r.of_kind("can-inline", "inlining-call")
    assert not any(d.inlined_at or d.via for d in r.decisions)


def test_unknown_lines_are_kept_as_other():
    assert classify("something the compiler says in 2030") == ("other", "", {})
    got = parse_text("a.go:3:4: brand new diagnostic\na.go:3:4: moved to heap: z\nnoise\n", {"a.go"})
    assert [(d.kind, d.message) for d in got] == [("other", "brand new diagnostic"), ("moved-to-heap", "moved to heap: z")]


@pytest.mark.parametrize(
    "message, kind, subject",
    [
        ("leaking param: p", "leaking-param", "p"),
        ("leaking param content: users", "leaking-param-content", "users"),
        ("leaking param: s to result ~r0 level=0", "leaking-param-result", "s"),
        ("x does not escape", "does-not-escape", "x"),
        ("&User{...} escapes to heap", "escapes", "&User{...}"),
        ("inlining call to fmt.Println", "inlining-call", "fmt.Println"),
        ("cannot inline main: function too complex: cost 121 exceeds budget 80", "cannot-inline", "main"),
        ("f capturing by ref: count (addr=false assign=true width=8)", "closure-capture", "count"),
    ],
)
def test_classify(message, kind, subject):
    assert classify(message)[:2] == (kind, subject)


def test_json_contract(cases2):
    data = cases2.to_json()
    assert data["go_version"].startswith("go1.27")
    assert data["errors"] == []
    for d in data["decisions"]:
        assert isinstance(d["file"], str) and isinstance(d["line"], int) and isinstance(d["column"], int)
        assert d["kind"] in KINDS and isinstance(d["subject"], str) and isinstance(d["message"], str)
        assert isinstance(d["flow"], list) and all(isinstance(s, str) for s in d["flow"])


def test_html_view_has_highlighting_badges_and_flow(cases2):
    page = cases2._repr_html_()
    assert "golab-badge golab-moved-to-heap" in page and "golab-badge golab-does-not-escape" in page
    assert "<details class=\"golab-flow\"" in page and "flow: ~r0 ← &amp;x" in page
    assert 'data-line="44"' in page and "<span style=" in page  # pygments colours inline
    assert "&lt;" not in cases2.sources[next(iter(cases2.sources))]  # source escaped only in the view


def test_text_view_lists_decisions_under_lines(cases2):
    text = str(cases2)
    assert "   7 |     x := 42" in text and "HEAP  col 2: moved to heap: x" in text
    assert repr(cases2).startswith("<EscapeReport go1.27")


def test_results_are_not_shared_between_callers():
    a = golab.escape("func f() *int { x := 1; return &x }\n")
    a.decisions.clear()
    b = golab.escape("func f() *int { x := 1; return &x }\n")
    assert b.heap()


def test_sixteen_threads_get_their_own_results(no_leaks):
    results: dict[int, golab.EscapeReport] = {}

    def work(i: int) -> None:
        results[i] = golab.escape(f"func f{i}() *[{i + 1}]int {{\n\tvar v{i} [{i + 1}]int\n\treturn &v{i}\n}}\n", name=f"t{i}.go")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in results.items():
        assert [(d.file, d.subject) for d in r.heap()] == [(f"t{i}.go", f"v{i}")]
    assert len(results) == 16


def test_a_compile_past_the_timeout_is_stopped(no_leaks):
    with pytest.raises(GoTimeout, match="did not finish within|took longer than"):
        golab.escape("func slow() int { return 41 }\n", timeout=0.001)
    assert golab.escape("func slow() int { return 42 }\n").ok  # and the next run works


def test_flow_explained_in_plain_words(cases2):
    by_subject = {d.subject: d for d in cases2.heap()}
    assert by_subject["x"].why == "Its address is taken; it is returned to the caller, so it must outlive the function: the caller gets it."
    assert by_subject["data"].why == "It is too large for the stack (over the compiler's size limit), so it reaches the heap."
    assert by_subject["count"].why == "A closure captures it, so it lives as long as the func literal."
    assert "passed to fmt.Fprintln" in by_subject["100"].why
    assert by_subject["x"].to_dict()["why"] == by_subject["x"].why
    assert "why does <code>x</code> escape? <i>Its address is taken" in cases2._repr_html_()
