"""golab.profile: exact allocation sites, GC traces, MemStats deltas (real Go)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import golab

pr = importlib.import_module("golab.profile")  # golab.profile is the function
ROOT = Path(__file__).resolve().parents[1]

SRC = """type Point struct{ X, Y, Z float64 }

var sink *Point

func mk(n int) {
	for i := 0; i < n; i++ {
		sink = &Point{1, 2, 3}
	}
}

func churn() {
	for i := 0; i < 300; i++ {
		sinkb = make([]byte, 1<<20)
	}
}

var sinkb []byte
"""


@pytest.fixture
def clean(monkeypatch, tmp_path):
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path))
    root = golab.toolchain.user_temp_root()
    yield
    left = [p.name for p in Path(root).iterdir() if p.name.startswith(("profile-", "bench-"))]
    assert left == []


def test_profile_sites_match_escape_analysis(clean):
    p = golab.profile(ROOT / "go_examples" / "points_alloc", "HeapAlloc", benchtime="100x")
    (site,) = p.sites
    assert site.position == "go_examples/points_alloc/points.go:39" and site.function == "sumPointsHeap"
    assert (site.bytes_per_op, site.objects_per_op) == (24000, 1000)  # 1000 Points of 24 bytes, exact
    assert p.iterations == 101 and p.at(39) is site
    report = golab.escape(ROOT / "go_examples" / "points_alloc")
    assert report.placement(39) == "heap"  # the compiler's decision, next to its cost
    assert "<table" in p._repr_html_() and p.to_json()["sites"][0]["position"] == site.position


def test_guide_heap_version_allocates_nothing(clean):
    p = golab.profile(ROOT / "go_examples" / "points", "HeapAlloc", benchtime="100x")
    assert p.sites == [] and "no heap allocations" in p.text()


def test_profile_bad_input(clean):
    with pytest.raises(golab.GolabError, match="no Benchmark functions"):
        golab.profile("func f() {}\n")
    with pytest.raises(golab.GolabError, match="BenchmarkNope.*BenchmarkHeapAlloc"):
        golab.profile(ROOT / "go_examples" / "points", "Nope")
    with pytest.raises(pr.ProfileError, match="benchtime"):
        golab.profile(ROOT / "go_examples" / "points", benchtime="1s")


def test_memstats_counts_exactly(clean):
    m = golab.memstats(SRC, call="mk(1000)")
    assert (m.mallocs, m.total_alloc) == (1000, 24000)
    assert m.delta["NumGC"] == 0 and "MemStats" in m._repr_html_()
    with pytest.raises(pr.ProfileError, match="func main"):
        golab.memstats(SRC + "func main() {}\n", call="mk(1)")
    with pytest.raises(pr.ProfileError, match="does not compile"):
        golab.memstats(SRC, call="nosuch()")


def test_gctrace_parses_cycles(clean):
    t = golab.gctrace(SRC + "func main() { churn() }\n")
    assert len(t.cycles) >= 5 and [c.number for c in t.cycles[:3]] == [1, 2, 3]
    assert all(c.pause_ms >= 0 and c.heap_goal_mb >= 1 for c in t.cycles)
    assert t.total_pause_ms == pytest.approx(sum(c.pause_ms for c in t.cycles))


def test_parse_gctrace_line():
    line = "gc 7 @0.512s 3%: 0.015+0.35+0.003 ms clock, 0.030+0.10/0.2/0.3+0.006 ms cpu, 4->5->1 MB, 6 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)"
    (c,) = pr.parse_gctrace(line)
    assert (c.number, c.at_seconds, c.heap_before_mb, c.heap_after_mb, c.heap_live_mb, c.heap_goal_mb, c.forced) == (7, 0.512, 4, 5, 1, 6, True)
    assert c.pause_ms == pytest.approx(0.018)
