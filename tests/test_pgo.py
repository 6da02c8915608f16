"""PGO for real: a CPU profile from a real benchmark run, a rebuild with it,
the compiler's changed decisions and both builds measured."""

from __future__ import annotations

import pytest

import golab
from golab.pgo import PGOError, changed_lines, pgo_experiment

from conftest import EXAMPLES

SHAPES = EXAMPLES / "pgo"


@pytest.fixture(scope="module")
def result():
    with pytest.MonkeyPatch.context() as mp:  # module fixtures run before conftest's full_benchmarks
        mp.delenv("GOLAB_BENCH_SCALE", raising=False)
        return pgo_experiment(SHAPES, "Hot", count=5, benchtime="2000x", profile_time="1s")


def _line(text: str) -> int:
    return golab.escape(SHAPES).find_line(text)


def test_the_profile_inlines_newpoint_at_the_hot_call_site(result):
    call = _line("p := newPoint(i)")
    assert "inlining call to newPoint" not in result.messages(call, with_profile=False)
    assert "inlining call to newPoint" in result.messages(call, with_profile=True)
    assert "&Point{...} does not escape" in result.messages(call, with_profile=True)
    # newPoint's own body is still compiled for other callers, where &Point{} escapes
    assert "&Point{...} escapes to heap" in result.messages(11, with_profile=True)
    assert result.inlined_with_profile() == ["Quad.Area", "newPoint"]


def test_the_profile_devirtualizes_the_interface_call(result):
    area = _line("t += s.Area()")
    assert result.devirtualized() == ["PGO devirtualizing interface call s.Area to Quad.Area"]
    changed = {c.line for c in result.changed}
    assert {_line("func newPoint"), _line("p := newPoint(i)"), area} <= changed
    by_line = {c.line: c for c in result.changed}
    assert "cannot inline newPoint: function too complex: cost 85 exceeds budget 80" in by_line[10].removed


def test_both_builds_are_measured_interleaved(result):
    assert result.base.allocs_per_op == 1000 and result.pgo.allocs_per_op == 0
    assert [s.round for s in result.base.samples] == [0, 1, 2, 3, 4]
    assert result.comparison.n == (5, 5)
    assert result.comparison.base is result.base and result.comparison.other is result.pgo
    assert result.profile_bytes > 0 and result.profile_seconds > 0.5
    assert any(name == "newPoint" for name, _ in result.hot_functions)
    assert "allocs/op 1000 -> 0" in result.comparison.verdict
    data = result.to_json()
    assert data["pgo"]["allocs_per_op"] == 0 and data["changed"]


def test_views(result):
    from golab import render_beyond as views

    html = views.pgo_html(result)
    assert "+ inlining call to newPoint" in html and "- cannot inline newPoint" in html
    assert "with the profile" in html
    bundle = views.pgo_figure(result)._repr_mimebundle_()
    assert [t["y"] for t in bundle["application/vnd.plotly.v1+json"]["data"]] == [["without profile", "with profile"]]
    assert "<svg" in bundle["text/html"]
    # the verdict as the title, wrapped so that no line runs past the chart's right edge
    title = bundle["application/vnd.plotly.v1+json"]["layout"]["title"]["text"]
    assert all(len(line) <= 72 for line in title.split("<br>"))
    assert "text-align:left" in html  # JupyterLab right-aligns a <td> that does not say


def test_changed_lines_compares_two_reports():
    over = open(SHAPES / "shapes.go").read()
    under = over.replace("\tif p.Y < -1000 {\n\t\tp.Y = -p.Y % 1000\n\t}\n", "")
    assert under != over
    a = golab.escape(over, level=2)
    b = golab.escape(under, level=2)
    changed = changed_lines(a, b)
    assert changed[0].line == 10
    assert changed[0].removed == ["cannot inline newPoint: function too complex: cost 85 exceeds budget 80"]
    assert changed[0].added[0].startswith("can inline newPoint with cost 72")


def test_short_mode_never_profiles_for_less_than_a_second(monkeypatch, tmp_path):
    monkeypatch.setenv("GOLAB_BENCH_SCALE", "0.1")
    (tmp_path / "tiny.go").write_text("package tiny\n\nfunc add(a, b int) int { return a + b }\n")
    (tmp_path / "tiny_test.go").write_text(
        'package tiny\n\nimport "testing"\n\nfunc BenchmarkAdd(b *testing.B) {\n\tfor b.Loop() {\n\t\tadd(1, 2)\n\t}\n}\n')
    r = pgo_experiment(tmp_path, count=5, benchtime="1000x")
    assert r.count == 5
    assert any("profile 2s -> 1s" in n for n in r.notes)
    assert any("changed no inlining" in n for n in r.notes)  # add was inlined without a profile already


@pytest.mark.parametrize(
    "source, kwargs, message",
    [
        ("func main() {}\n", {}, "package other than main"),
        ("package lib\n\nfunc f() {}\n", {}, "no func BenchmarkX"),
        ('package lib\n\nimport "testing"\n\nfunc BenchmarkA(b *testing.B) {}\n', {}, "all the code is in the benchmark's test file"),
        ('package lib\n\nimport "testing"\n\nfunc BenchmarkA(b *testing.B) {}\n', {"benchmark": "B"}, "no BenchmarkB; the benchmarks are: BenchmarkA"),
        ('package lib\n\nimport "testing"\n\nfunc BenchmarkA(b *testing.B) {}\n', {"count": 0}, "count must be a positive integer"),
    ],
)
def test_bad_input_is_a_message(source, kwargs, message):
    with pytest.raises(PGOError, match=message):
        pgo_experiment(source, **kwargs)


def test_a_compile_error_is_at_the_users_line(tmp_path):
    (tmp_path / "lib.go").write_text("package lib\n\nfunc f() int {\n\treturn undefinedThing\n}\n")
    (tmp_path / "lib_test.go").write_text('package lib\n\nimport "testing"\n\nfunc BenchmarkA(b *testing.B) {}\n')
    with pytest.raises(PGOError, match=r"does not build(.|\n)*lib.go:4"):
        pgo_experiment(tmp_path, count=5)
