"""Escape and inlining decisions from the real compiler, as data."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import golab
from golab.escape import KINDS, classify, parse_text
from golab.toolchain import GoTimeout

from conftest import EXAMPLES, ROOT

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


def test_inlined_copies_are_entries_at_the_call_site(cases2):
    file = next(iter(cases2.sources))
    (data,) = [d for d in cases2.on_line(44, file) if d.subject == "data"]
    call = cases2.find_line("\tprocessLargeData()")
    (copy,) = [d for d in cases2.on_line(call, file) if d.kind == "moved-to-heap"]
    assert copy.column == 18 and copy.message == "moved to heap: data"  # the column where the call ends
    assert copy.inlined_from == {"file": file, "line": 44, "column": 6, "function": "processLargeData"}
    assert copy.flow and copy.flow != data.flow  # its own chain, printed for the call site
    assert cases2.placement(call, file) == "heap"
    assert data.inlined_from is None and data.inlined_at == [f"{file}:{call}:18"]  # derived from the copies
    # a copy whose verdict differs from the callee's keeps its own words
    (make,) = [d for d in cases2.on_line(cases2.find_line("len(createSlice())"), file) if d.subject.startswith("make(")]
    assert make.via == "createSlice" and make.message == "make([]int, 100) does not escape"
    assert make.inlined_from["function"] == "createSlice" and make.inlined_from["line"] == 29


THREE_LEVELS = """package main

func leaf() *int {
	x := 1
	return &x
}

func mid() *int { return leaf() }

func top() *int { return mid() }

var sink *int

func main() {
	sink = top()
}
"""


def test_three_levels_of_inlining_keep_every_copy():
    for level in (1, 2):
        r = golab.escape(THREE_LEVELS, level=level)
        moved = [(d.line, d.column, d.inlined_from and d.inlined_from["function"]) for d in r.of_kind("moved-to-heap")]
        assert moved == [(4, 2, None), (8, 30, "leaf"), (10, 29, "leaf"), (15, 12, "leaf")]
        assert all(r.placement(line) == "heap" for line in (8, 10, 15))
        (x,) = [d for d in r.on_line(4) if d.kind == "moved-to-heap"]
        assert x.inlined_at == ["snippet.go:8:30", "snippet.go:10:29", "snippet.go:15:12"]
        mid = r.on_line(8)[-1] if r.on_line(8)[-1].heap else [d for d in r.on_line(8) if d.heap][0]
        assert mid.inlined_from == {"file": "snippet.go", "line": 4, "column": 2, "function": "leaf"}
        data = r.to_json()["decisions"]
        assert [d["inlined_from"] for d in data if d["line"] == 4 and d["kind"] == "moved-to-heap"] == [None]
        assert all("inlined_from" in d for d in data)
    # a want that the copy makes false, and one it makes true
    checked = golab.check(THREE_LEVELS.replace("return leaf() }", 'return leaf() } // want !"moved to heap"').replace(
        "sink = top()", 'sink = top() // want "^moved to heap: x$"'))
    assert [w.holds for w in checked.wants] == [False, True]


def test_two_leaks_at_one_position_each_get_their_own_flow():
    r = golab.escape("func two(p *int) (*int, *int) { return p, p }\n", level=2, inline=False)
    leaks = r.of_kind("leaking-param-result")
    assert [d.message for d in leaks] == ["leaking param: p to result ~r0 level=0", "leaking param: p to result ~r1 level=0"]
    assert [d.flow[0] for d in leaks] == ["flow: ~r0 ← p", "flow: ~r1 ← p"]
    assert (leaks[0].line, leaks[0].column) == (leaks[1].line, leaks[1].column)


MIX = """var sink any
var keep []int

func mix(n int) []int {
	i := n; s := make([]int, n); sink = i
	return s
}

func main() {
	keep = mix(3)
}
"""


def test_two_escapes_on_one_line_each_get_their_own_flow():
    r = golab.escape(MIX, level=2)
    for line, i_subject, make_subject in ((5, "i", "make([]int, n)"), (10, "3", "make([]int, 3)")):
        (i,) = [d for d in r.on_line(line) if d.subject == i_subject]
        (mk,) = [d for d in r.on_line(line) if d.subject == make_subject]
        assert i.heap and mk.heap
        assert i.flow[0] == "flow: {heap} ← &{storage for i}" and "sink = i (assign)" in i.flow[-1]
        assert mk.flow[0] == f"flow: s ← &{{storage for {make_subject}}}"
        assert i.flow != mk.flow
    # at the call site both are at one position, the inlined call's; the
    # compiler's header there names "i" for the decision that says "3"
    assert (i.line, i.column) == (mk.line, mk.column) == (10, 12)
    assert mk.flow[-1] == "from keep = ~r0 (assign) at snippet.go:10:7"
    assert i.flow[1] == "from i (spill) at snippet.go:10:12"


def test_unclassified_decisions_are_never_taken_for_one_another():
    r = golab.escape(ROOT / "tests" / "corpus" / "ifaces", level=1)
    devirt = [d for d in r.decisions if d.message == "devirtualizing s.Area to *Circle"]
    own, copy = devirt  # in direct(), and at main's call of direct()
    assert own.kind == "other" and own.inlined_from is None  # (*Circle).Area is inlined there too: not its copy
    assert copy.inlined_from == {"file": own.file, "line": own.line, "column": own.column, "function": "direct"}
    assert own.inlined_at == [copy.position]


GENERIC_SHAPES = """package main

func leak[T any](v T) *T { return &v }

func both[T any](v T) *T { return leak(v) }

func main() {
	a := both(1)
	b := both("s")
	println(*a, *b)
}
"""


def test_copies_of_two_shapes_at_one_call_name_each_shape_once():
    """leak[go.shape.int] and leak[go.shape.string] are both inlined at
    5:39 (and, through both's wrappers, at 5:6): the compiler prints one
    copy per shape there, so each shape names one copy, not both."""
    for level in (1, 2):
        r = golab.escape(GENERIC_SHAPES, level=level)
        for column in (6, 39):
            copies = [d for d in r.of_kind("moved-to-heap") if (d.line, d.column) == (5, column)]
            assert sorted(d.inlined_from["function"] for d in copies) == ["leak[go.shape.int]", "leak[go.shape.string]"]
            assert all(d.inlined_from["line"] == 3 and d.inlined_from["column"] == 18 for d in copies)


def test_level_one_has_no_flow_and_no_cannot_inline():
    r = golab.escape(CASES, level=1)
    assert all(not d.flow for d in r.decisions)
    assert not r.of_kind("cannot-inline")
    assert r.heap()


def test_no_inline_flag():
    r = golab.escape(CASES, inline=False)
    assert not r.of_kind("can-inline", "inlining-call")
    assert not any(d.inlined_at or d.via or d.inlined_from for d in r.decisions)


def test_unknown_lines_are_kept_as_other():
    assert classify("something the compiler says in 2030") == ("other", "", {})
    got = parse_text("a.go:3:4: brand new diagnostic\na.go:3:4: moved to heap: z\nnoise\n")
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
        ("Id[struct { A int }] capturing by value: v (addr=false assign=false width=8)", "closure-capture", "v"),
        ("can inline Id[go.shape.struct { A int }]", "can-inline", "Id[go.shape.struct { A int }]"),
        (
            "can inline Id[struct { A int }] with cost 8 as: func(struct { A int }) struct { A int } { return v }",
            "can-inline",
            "Id[struct { A int }]",
        ),
        ("inlining call to Id[go.shape.struct { A int }]", "inlining-call", "Id[go.shape.struct { A int }]"),
        ("inlining call to (*Pair[go.shape.string,go.shape.int]).Swap", "inlining-call", "(*Pair[go.shape.string,go.shape.int]).Swap"),
        ("inlining call to f with score 12", "inlining-call", "f"),
        ("cannot inline F[struct { A int; B string \"k: v\" }]: recursive", "cannot-inline", 'F[struct { A int; B string "k: v" }]'),
        ("cannot inline f into g: repeated recursive cycle", "cannot-inline", "f"),
        ("append escapes to heap", "escapes", "append"),
        ("append does not escape", "does-not-escape", "append"),
        ("string(rune(97 + i)) escapes to heap", "escapes", "string(rune(97 + i))"),
        # kept verbatim as "other": every other shape the compiler prints
        ("devirtualizing s.Area to *Circle", "other", ""),
        ("partially devirtualizing s.Area to *Circle", "other", ""),
        ("cannot devirtualize s.M(): shaped receiver go.shape.int", "other", ""),
        ("closure converted to global", "other", ""),
        ("zero-copy string->[]byte conversion", "other", ""),
        ("(*Stack).Pop ignoring self-assignment in s.items = s.items[:len(s.items) - 1]", "other", ""),
        ("function main considered 'big'; reducing max cost of inlinees", "other", ""),
        ("p does not escape, mutate, or call", "other", ""),
        ("mutates param: p derefs=0", "other", ""),
        ("assuming p is unsafe uintptr", "other", ""),
        ("can inline", "other", ""),
    ],
)
def test_classify(message, kind, subject):
    assert classify(message)[:2] == (kind, subject)


def test_classify_reads_cost_and_reason_of_generic_functions():
    assert classify("can inline Id[go.shape.struct { A int }] with cost 2 as: func() {}")[2] == {"cost": 2}
    assert classify("cannot inline Id[struct { A int }]: function too complex: cost 90 exceeds budget 80")[2] == {
        "reason": "function too complex: cost 90 exceeds budget 80"
    }


def test_json_contract(cases2):
    data = cases2.to_json()
    assert data["go_version"].startswith("go1.27")
    assert data["errors"] == []
    for d in data["decisions"]:
        assert isinstance(d["file"], str) and isinstance(d["line"], int) and isinstance(d["column"], int)
        assert d["kind"] in KINDS and isinstance(d["subject"], str) and isinstance(d["message"], str)
        assert isinstance(d["flow"], list) and all(isinstance(s, str) for s in d["flow"])
        o = d["inlined_from"]
        assert o is None or (set(o) == {"file", "line", "column", "function"} and isinstance(o["function"], str))
    assert any(d["inlined_from"] for d in data["decisions"]) and any(d["inlined_from"] is None for d in data["decisions"])


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


# 10,000 small functions (0.8 MB): the compiler needs seconds for them
# (3.5 s for 4,000 on a loaded 2-core machine), far past the timeout below,
# so the run is always stopped.  A one-line snippet with timeout=0.001 was
# not: under load the compile could end before the waiting thread looked.
SLOW = "".join(f"func f{i}(p *int) *int {{ x := *p + {i}; if x > 3 {{ return &x }}; return p }}\n" for i in range(10_000))


def test_a_compile_past_the_timeout_is_stopped(no_leaks):
    with pytest.raises(GoTimeout, match="did not finish within|took longer than"):
        golab.escape(SLOW, timeout=0.25)
    assert golab.escape("func slow() int { return 42 }\n").ok  # and the next run works


def _boxes(n: int) -> str:
    return "".join(f"func f{i}(v int) *int {{ x := v + {i}; return &x }}\n" for i in range(n))


def test_compiler_output_past_a_megabyte_is_kept_whole():
    """-m=2 on 3,000 functions prints over 1 MB (golab's cap for a
    program's output): every decision is still there."""
    report = golab.escape(_boxes(3000), level=2, timeout=600)
    assert len(report.output) > 1_000_000
    assert len([d for d in report.decisions if d.kind == "moved-to-heap"]) == 3000
    assert not report.warnings


def test_compiler_output_past_the_cap_is_never_cut_silently(monkeypatch):
    monkeypatch.setenv("GOLAB_COMPILER_MAX_OUTPUT", "100000")
    report = golab.escape(_boxes(1000) + "// cut\n", level=2, timeout=600)
    heap = [d for d in report.decisions if d.kind == "moved-to-heap"]
    assert 0 < len(heap) < 1000
    assert all(d.message == "moved to heap: x" for d in heap)  # no half line read as a decision
    assert all(d.kind != "other" for d in report.decisions), [d for d in report.decisions if d.kind == "other"]
    assert len(report.warnings) == 1 and "more on its standard output than golab keeps" in report.warnings[0]
    assert "GOLAB_COMPILER_MAX_OUTPUT" in report.warnings[0]
    assert report.to_json()["warnings"] == report.warnings
    assert report.text().splitlines()[1].startswith("warning: the compiler printed")
    assert "Some decisions are missing" in report._repr_html_()
    assert "warning" in repr(report)


def test_flow_explained_in_plain_words(cases2):
    by_subject = {d.subject: d for d in cases2.heap()}
    assert by_subject["x"].why == "Its address is taken; it is returned to the caller, so it must outlive the function: the caller gets it."
    assert by_subject["data"].why == "It is too large for the stack (over the compiler's size limit), so it reaches the heap."
    assert by_subject["count"].why == "A closure captures it, so it lives as long as the func literal."
    assert "passed to fmt.Fprintln" in by_subject["100"].why
    assert by_subject["x"].to_dict()["why"] == by_subject["x"].why
    assert "why does <code>x</code> escape? <i>Its address is taken" in cases2._repr_html_()


def test_readme_json_contract_example_is_what_golab_prints():
    import json
    import re

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The JSON contract"):]
    block = section[section.index("```json") + len("```json"):section.index("```", section.index("```json") + 7)]
    shown = [json.loads(entry) for entry in re.findall(r"\{.*?\}(?=\n\{|\n$)", block.strip() + "\n", re.S)]
    source = "func leaf() *int {\n\tx := 1\n\treturn &x\n}\n\nvar sink *int\n\nfunc main() {\n\tsink = leaf()\n}\n"
    data = golab.escape(source, name="leaf.go").to_json()
    assert shown == [d for d in data["decisions"] if d["kind"] == "moved-to-heap"]


def test_copies_from_the_standard_library_name_the_callee_without_a_position():
    r = golab.escape(ROOT / "tests" / "corpus" / "stdlib")
    file = next(iter(r.sources))
    line = r.find_line("r := strings.NewReader(s)", file)
    (reader,) = [d for d in r.on_line(line, file) if d.subject == "&strings.Reader{...}"]
    assert reader.inlined_from == {"file": None, "line": None, "column": None, "function": "strings.NewReader"}
    # main inlines read(), which inlined strings.NewReader: the copy comes from read's line
    main = r.find_line("fmt.Println(read(", file)
    copies = {d.subject: d.inlined_from for d in r.on_line(main, file) if d.kind not in ("inlining-call",)}
    assert copies["&strings.Reader{...}"] == {"file": file, "line": line, "column": reader.column, "function": "read"}
    assert copies["a"]["function"] == "big"  # moved to heap: a, big() inlined
    # the caller's own values at an inlined call's position are not copies
    assert copies["~r0"] is None and copies["... argument"] is None and copies["1048576"] is None


def test_compiles_reuse_an_emptied_scratch_folder(no_leaks):
    from golab.toolchain import user_temp_root

    pool = Path(user_temp_root()) / f"pool-{os.getpid()}"
    golab.escape("func a() *int { x := 1; return &x }\n")
    slots = sorted(pool.iterdir())
    golab.escape("func b() *int { y := 2; return &y }\n")
    assert sorted(pool.iterdir()) == slots and len(slots) == 1  # the same folder again, no new one
    assert not any(list(slot.iterdir()) for slot in slots)  # and nothing left in it


def test_pools_of_dead_processes_are_removed_after_an_hour(no_leaks):
    import subprocess
    import sys
    import time as clock

    from golab.toolchain import scratch_dir, user_temp_root, _scratch_free

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    root = Path(user_temp_root())
    old, fresh = root / f"pool-{dead.stdout.strip()}", root / "pool-999999999"
    for pool in (old, fresh):
        (pool / "slot").mkdir(parents=True)
    hour_ago = clock.time() - 3700
    os.utime(old / "slot", (hour_ago, hour_ago))
    os.utime(old, (hour_ago, hour_ago))
    _scratch_free.pop(str(root / f"pool-{os.getpid()}"), None)  # this process's first pool here
    with scratch_dir():
        pass
    assert not old.exists()  # dead and unused for an hour
    assert fresh.exists()  # no such process either, but used a moment ago: maybe another container's
    (fresh / "slot").rmdir()
    fresh.rmdir()


def test_a_copy_in_a_compiler_wrapper_names_the_users_method():
    """The (*P).Get wrapper the compiler generates inlines P.Get: its copy
    of ``moved to heap: y`` is at <autogenerated>, from the user's method."""
    report = golab.escape(
        "package main\ntype P struct{x int}\nfunc (p P) Get() *int { y := p.x; return &y }\n"
        "type G interface{ Get() *int }\nfunc main() { var g G = &P{}; _ = g.Get() }\n"
    )
    copy = next(d for d in report.decisions if d.file == "<autogenerated>" and d.kind == "moved-to-heap")
    assert copy.inlined_from == {"file": "snippet.go", "line": 3, "column": 25, "function": "P.Get"}
