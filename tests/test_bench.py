"""golab.bench: real Go benchmarks, statistics, guardrails and bad input."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

import golab
import importlib

gb = importlib.import_module("golab.bench")  # golab.bench is the function
from golab.toolchain import user_temp_root

ROOT = Path(__file__).resolve().parents[1]
POINTS = ROOT / "go_examples" / "points"
POINTS_ALLOC = ROOT / "go_examples" / "points_alloc"

GUIDE = """
type Point struct{ X, Y, Z float64 }

func sumPointsStack(count int) float64 {
	sum := 0.0
	for i := 0; i < count; i++ {
		p := Point{X: 1.0, Y: 2.0, Z: 3.0}
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func sumPointsHeap(count int) float64 {
	sum := 0.0
	for i := 0; i < count; i++ {
		p := &Point{X: 1.0, Y: 2.0, Z: 3.0}
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func BenchmarkStackAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sumPointsStack(1000)
	}
}

func BenchmarkHeapAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sumPointsHeap(1000)
	}
}
"""

ALLOC = """
var sink []byte

//go:noinline
func alloc(n int) []byte { return make([]byte, n) }

func BenchmarkAlloc(b *testing.B) {
	for b.Loop() {
		sink = alloc(64)
	}
}

func BenchmarkNoAlloc(b *testing.B) {
	var buf [64]byte
	for b.Loop() {
		buf[0]++
	}
}
"""


def leftovers(root: str) -> tuple[list[str], list[int]]:
    """golab temp dirs under ``root``, and processes this test process
    started that still run a program built there."""
    dirs = sorted(p.name for p in Path(root).iterdir() if p.name.startswith(("bench-", "run-", "compile-")))
    procs = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                exe = os.readlink(f"/proc/{entry}/exe")
            except OSError:
                continue
            if exe.startswith(root):
                procs.append(int(entry))
    return dirs, procs


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """Run golab with its own temp root; afterwards nothing may remain there."""
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path))
    root = user_temp_root()
    yield
    dirs, procs = leftovers(root)
    assert procs == [], "a test binary is still running"
    assert dirs == [], "a temp dir was left behind"


# ---------------------------------------------------------------- statistics (no Go)


def test_median_ci_order_statistics():
    xs = list(range(1, 11))  # n=10: benchstat's interval is [x(2), x(9)]
    ci = gb.median_ci(xs)
    assert (ci.lo, ci.hi) == (2, 9) and ci.exact
    assert ci.confidence == pytest.approx(1 - 2 * 11 / 1024)
    small = gb.median_ci([5, 1, 3, 2, 4])  # n=5 cannot reach 95%
    assert not small.exact and (small.lo, small.hi) == (1, 5)
    assert gb.median_ci(list(range(1, 7))).exact  # n=6 can


def test_comparison_statistics():
    a = gb.summarize("BenchmarkA", [gb.Sample("BenchmarkA", 1, v) for v in (100, 101, 102, 99, 98, 100, 103, 97, 100, 101)])
    b = gb.summarize("BenchmarkB", [gb.Sample("BenchmarkB", 1, v / 2) for v in (100, 101, 102, 99, 98, 100, 103, 97, 100, 101)])
    c = gb.compare_summaries(a, b)
    assert c.significant and c.p_value < 0.001
    assert c.ratio == pytest.approx(0.5)
    assert c.ratio_ci.lo <= 0.5 <= c.ratio_ci.hi
    assert c.verdict.startswith("B is 2.00x faster than A (p<0.001, n=10+10)")
    same = gb.compare_summaries(a, gb.summarize("BenchmarkC", [gb.Sample("BenchmarkC", 1, v) for v in (101, 99, 100, 102, 98, 100, 97, 103, 101, 100)]))
    assert not same.significant and same.verdict.startswith("no significant difference between A and C")


def test_scale_and_benchtime():
    assert gb.scaled(10, None, 0.1) == (5, "100ms")
    assert gb.scaled(100, None, 0.1) == (10, "100ms")
    assert gb.scaled(10, "2000x", 0.5) == (5, "1000x")
    assert gb.scaled(10, "10x", 0.1) == (5, "10x")  # an iteration count stays up to 1000
    assert gb.scaled(10, "100000x", 0.1) == (5, "10000x")
    assert gb.scaled(2, "1s", 0.1) == (2, "100ms")  # never more runs than asked
    assert gb.scaled(10, "1s", 1.0) == (10, "1s")
    with pytest.raises(gb.BenchError, match="not valid"):
        gb.check_benchtime("fast")


def test_parse_line_custom_metrics():
    s = gb.parse_line("BenchmarkM-2   \t    1000\t  1.272 ns/op\t  3.500 widgets/op\t 16 B/op\t 1 allocs/op")
    assert (s.name, s.procs, s.iterations, s.ns_per_op, s.bytes_per_op, s.allocs_per_op) == ("BenchmarkM", 2, 1000, 1.272, 16, 1)
    assert s.metrics == {"widgets/op": 3.5}
    assert gb.parse_line("BenchmarkPanic-2   \t       0\t               NaN ns/op") is None


# ---------------------------------------------------------------- real runs


def test_guide_snippet_as_one_text(clean):
    seen = []
    r = golab.bench(GUIDE, count=3, benchtime="2000x", progress=lambda done, total, s: seen.append((done, total, s.name)))
    assert r["StackAlloc"] is r["BenchmarkStackAlloc"]
    # Go 1.27: &Point{} does not escape sumPointsHeap, so neither allocates
    assert r["StackAlloc"].allocs_per_op == 0 and r["HeapAlloc"].allocs_per_op == 0
    assert [d for d, _, _ in seen] == list(range(1, 7)) and seen[-1][1] == 6
    # interleaved: rounds alternate StackAlloc, HeapAlloc
    assert [s.name for s in r.samples[:4]] == ["BenchmarkStackAlloc", "BenchmarkHeapAlloc"] * 2
    assert any("only 3 samples" in w for w in r.warnings)
    assert any("b.Loop()" in n and "bench_test.go:" in n for n in r.notes)
    text = r.go_text()
    assert text.startswith("goos: linux\ngoarch: ") and "\npkg: " in text and "\ncpu: " in text
    lines = [l for l in text.splitlines() if l.startswith("Benchmark")]
    assert len(lines) == 6 and all(l.split()[-4:-2] == ["0", "B/op"] or "B/op" in l for l in lines)
    assert gb.parse_output(text)[1][0].ns_per_op == r.samples[0].ns_per_op
    j = json.loads(json.dumps(r.to_json()))
    assert set(j) == {"go_version", "benchmarks"}
    assert set(j["benchmarks"][0]) == {"name", "samples", "median_ns", "ci_ns", "bytes_per_op", "allocs_per_op"}
    assert set(j["benchmarks"][0]["samples"][0]) == {"ns_per_op", "bytes_per_op", "allocs_per_op"}
    c = r.compare("HeapAlloc", "StackAlloc")
    assert c.n == (3, 3) and c.warnings  # n=3+3 cannot reach p<0.05
    assert "<table" in r._repr_html_()


def test_folder_with_tests_and_real_allocations(clean):
    r = golab.bench(POINTS_ALLOC, pattern="^BenchmarkHeapAlloc$", count=3, benchtime="200x")
    heap = r["HeapAlloc"]
    # 1000 Points of 24 bytes: allocs/op is exact; B/op may carry a few bytes
    # of the runtime's own bookkeeping at a short benchtime (see bench.py)
    assert heap.allocs_per_op == 1000 and 24000 <= heap.bytes_per_op <= 24000 + 16
    assert r.names == ["BenchmarkHeapAlloc"]


def test_compare_variants_interleaved(clean):
    before = ALLOC
    after = ALLOC.replace("sink = alloc(64)", "sink = nil")
    r = golab.compare(before, after, pattern="^BenchmarkAlloc$", count=3, benchtime="1000x", labels=("before", "after"))
    assert [s.variant for s in r.samples] == ["before", "after"] * 3
    # allocs/op is exact; B/op may carry a few bytes of the runtime's own
    # bookkeeping on a busy machine (bench.py's docstring): 64 is the make
    assert r["Alloc", "before"].allocs_per_op == 1 and 64 <= r["Alloc", "before"].bytes_per_op <= 64 + 8
    assert r["Alloc", "after"].allocs_per_op == 0
    (c,) = r.comparisons
    assert c.base.variant == "before" and "allocs/op 1 -> 0" in c.verdict
    assert "variant: before" in r.go_text() and "variant" not in r.go_text("after")


def test_scale_env(monkeypatch, clean):
    monkeypatch.setenv("GOLAB_BENCH_SCALE", "0.1")
    r = golab.bench(ALLOC, pattern="NoAlloc", count=10, benchtime="1000x")
    assert (r.count, r.benchtime) == (5, "1000x") and len(r["NoAlloc"].samples) == 5
    assert any("GOLAB_BENCH_SCALE" in n for n in r.notes)


SIZES = [8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224]  # Go size classes


def test_threads_do_not_cross_results(clean):
    results: dict[int, object] = {}
    errors = []

    def work(i: int) -> None:
        src = f"func BenchmarkN{i}(b *testing.B) {{\n\tfor b.Loop() {{\n\t\tsink = make([]byte, {SIZES[i]})\n\t}}\n}}\nvar sink []byte\n"
        try:
            results[i] = golab.bench(src, count=1, benchtime="20000x")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, r in results.items():
        # sizes are >= 8 bytes apart; the runtime's own background allocations
        # can add a byte or two per op at a small benchtime on a busy machine
        assert r.names == [f"BenchmarkN{i}"] and SIZES[i] <= r[f"N{i}"].bytes_per_op < SIZES[i] + 8


def test_cancel_returns_partial(clean):
    stop = threading.Event()

    def progress(done, total, sample):
        if done == 2:
            stop.set()

    r = golab.bench(ALLOC, pattern="NoAlloc", count=20, benchtime="100x", progress=progress, cancel=stop)
    assert r.cancelled and 2 <= len(r.samples) < 20
    stop2 = threading.Event()
    stop2.set()
    with pytest.raises(gb.BenchCancelled):
        golab.bench(ALLOC, count=3, benchtime="10x", cancel=stop2)


def test_too_fast_warning(clean):
    # enough iterations that the timer's fixed cost vanishes: an empty loop is ~0.3 ns/op
    r = golab.bench("func BenchmarkNothing(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t}\n}\n", count=3, benchtime="20000000x")
    assert any("probably removed the work" in w for w in r.warnings)


# ---------------------------------------------------------------- bad input


def test_panic_points_at_user_line(clean):
    src = 'func f(n int) int {\n\tif n == 3 {\n\t\tpanic("boom at three")\n\t}\n\treturn n\n}\n\nfunc BenchmarkP(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tf(i)\n\t}\n}\n'
    with pytest.raises(gb.BenchPanic) as info:
        golab.bench(src, count=1, benchtime="10x", name="cell.go")
    msg = str(info.value)
    assert "BenchmarkP panicked: boom at three at cell.go:3" in msg and "BenchmarkP at cell.go:10" in msg
    assert "golab-" not in msg and "Traceback" not in msg


def test_fatal(clean):
    with pytest.raises(gb.BenchFailed, match=r"BenchmarkF failed \(b.Fatal / b.Error\): cell.go:2: bad thing"):
        golab.bench('func BenchmarkF(b *testing.B) {\n\tb.Fatal("bad thing")\n}\n', count=1, name="cell.go")


def test_never_returns_is_killed(clean):
    with pytest.raises(gb.BenchTimeout) as info:
        golab.bench("func BenchmarkSpin(b *testing.B) {\n\tfor {\n\t}\n}\n", count=1, timeout=2)
    assert "BenchmarkSpin did not finish within 2 s" in str(info.value)
    # the SIGQUIT trace names the line unless the spinning goroutine was on
    # another thread ("stack unavailable"); the benchmark name is always there
    assert "golab-" not in str(info.value) and "Traceback" not in str(info.value)


def test_compile_error_in_user_coordinates(clean):
    with pytest.raises(gb.BenchCompileError) as info:
        golab.bench("func BenchmarkC(b *testing.B) {\n\tx := undefinedThing\n}\n", count=1)
    assert "bench_test.go:2:7: undefined: undefinedThing" in str(info.value)
    assert info.value.errors[0].file == "bench_test.go"


def test_no_benchmarks(clean):
    with pytest.raises(gb.NoBenchmarks, match=r"no Benchmark functions in cell.go.*func BenchmarkXxx\(b \*testing.B\)"):
        golab.bench("func f() {}\n", name="cell.go")
    with pytest.raises(gb.NoBenchmarks, match=r"pattern 'Nope'.*BenchmarkAlloc, BenchmarkNoAlloc"):
        golab.bench(ALLOC, pattern="Nope", count=1)
    assert isinstance(gb.NoBenchmarks("x"), golab.GolabError)


def test_cli_bench_json_and_errors(clean):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "golab", "bench", str(POINTS), "--count", "3", "--benchtime", "100x", "--json"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"go_version", "benchmarks"} and [b["name"] for b in data["benchmarks"]] == ["BenchmarkStackAlloc", "BenchmarkHeapAlloc"]
    assert data["benchmarks"][0]["allocs_per_op"] == 0 and len(data["benchmarks"][0]["ci_ns"]) == 2
    assert "1/6 BenchmarkStackAlloc" in out.stderr  # progress on stderr
    bad = subprocess.run([sys.executable, "-m", "golab", "bench", "/no/such.go"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip() == "golab: /no/such.go: no such file or folder."


def test_lost_panic_is_retried_then_reported(clean):
    """Go's testing package sometimes exits 0 with "0  NaN ns/op" while a
    benchmark goroutine is panicking; golab runs it again to see the panic,
    and never reports such a run as a result (seen about 1 in 15 runs on a
    busy machine with go1.27.3)."""
    assert gb.lost_run("BenchmarkP-2   \t       0\t               NaN ns/op\nPASS\n", "1s") == "BenchmarkP"
    assert gb.lost_run("BenchmarkP-2   \t       1\t   812 ns/op\nPASS\n", "10x") == "BenchmarkP"
    assert gb.lost_run("BenchmarkP-2   \t      10\t   812 ns/op\nPASS\n", "10x") is None
    src = 'func f(n int) int {\n\tif n == 3 {\n\t\tpanic("boom at three")\n\t}\n\treturn n\n}\n\nfunc BenchmarkP(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tf(i)\n\t}\n}\n'
    for _ in range(12):
        with pytest.raises(gb.BenchPanic, match="BenchmarkP"):
            golab.bench(src, count=1, benchtime="10x", name="cell.go")
