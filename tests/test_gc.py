"""gc_experiment runs real Go under real GC settings and reads the runtime's
own metrics; its views and exercises draw and grade that data."""

from __future__ import annotations

import subprocess
import sys

import pytest

import golab
from golab.gc import GCExperimentError, parse_bytes, parse_samples, parse_setting, scaled_size, setting_label

from conftest import EXAMPLES

WORKLOAD = EXAMPLES / "gc_churn"
MiB = 2**20

SMALL = """
type blob struct {
	next *blob
	pad  [56]byte
}

var keep []*blob

func work(n int) {
	keep = make([]*blob, 4096)
	for i := 0; i < n; i++ {
		b := &blob{}
		if i%8 == 0 {
			keep[(i/8)%len(keep)] = b
		}
	}
}
"""


@pytest.fixture(scope="module")
def gogc():
    with pytest.MonkeyPatch.context() as mp:  # module fixtures run before conftest's full_benchmarks
        mp.delenv("GOLAB_BENCH_SCALE", raising=False)
        return golab.gc_experiment(WORKLOAD, "churn", 300_000, [25, 100, 400, "off", "GOGC=off GOMEMLIMIT=48MiB"])


def test_fewer_cycles_as_gogc_grows(gogc):
    assert gogc.cycles(25) > gogc.cycles(100) > gogc.cycles(400)
    assert gogc.cycles("off") == 0
    assert gogc.gc_cpu_fraction("off") == 0.0
    assert gogc.gc_cpu_fraction(25) > gogc.gc_cpu_fraction(400) > 0


def test_goal_is_live_heap_times_one_plus_gogc(gogc):
    for value in (25, 100, 400):
        last = gogc[value].first.end
        assert last.goal / last.live == pytest.approx(1 + value / 100, rel=0.03)


def test_gogc_off_has_no_goal_and_a_limit_sets_one(gogc):
    assert all(s.goal is None for s in gogc["off"].first.samples)
    limited = gogc["GOGC=off GOMEMLIMIT=48MiB"]
    assert limited.cycles > 0
    assert all(s.goal < 48 * MiB for s in limited.first.samples if s.goal is not None)
    assert gogc["off"].peak_heap > limited.peak_heap


def test_samples_are_a_time_series(gogc):
    run = gogc[100].first
    times = [s.seconds for s in run.samples]
    assert len(times) >= 5 and times == sorted(times)
    assert run.samples[0].seconds < 0.005  # read before the workload started
    assert run.end.seconds >= times[-1]
    assert run.wall_seconds > 0
    # 300,000 chains of 8 records of 128 bytes: about 300 MB allocated
    assert 290e6 < run.allocated < 330e6
    assert run.alloc_rate == pytest.approx(run.allocated / run.wall_seconds)


def test_to_json_and_text(gogc):
    data = gogc.to_json()
    assert [s["label"] for s in data["settings"]] == gogc.labels
    assert data["settings"][0]["runs"][0]["samples"]
    assert "GOGC=25" in gogc.text() and "cycles" in gogc.text()
    with pytest.raises(KeyError, match="the settings are"):
        gogc["GOGC=7"]


def test_live_heap_not_garbage_sets_cost_per_cycle():
    small = golab.gc_experiment(WORKLOAD, "smallLive", 200_000, [100])
    big = golab.gc_experiment(WORKLOAD, "bigLive", 200_000, [100])
    s, b = small.settings[0], big.settings[0]
    assert abs(s.first.allocated - b.first.allocated) < 0.02 * b.first.allocated
    assert b.live_heap > 2 * s.live_heap
    assert b.gc_cpu_per_cycle > 2 * s.gc_cpu_per_cycle
    assert s.cycles > b.cycles


def test_memory_limit_is_not_a_hard_cap():
    exp = golab.gc_experiment(WORKLOAD, "bigLive", 200_000, [100, "GOMEMLIMIT=16MiB"])
    limited = exp["GOMEMLIMIT=16MiB"]
    assert limited.memory_limit == 16 * MiB
    assert limited.live_heap > 16 * MiB  # more live data than the limit ...
    assert limited.peak_mapped > 16 * MiB  # ... so the runtime went over it and finished
    assert limited.cycles > exp.cycles(100)


def test_goexperiment_builds_the_other_collector():
    exp = golab.gc_experiment(SMALL, "work", 50_000, ["GOGC=100", "GOGC=100 GOEXPERIMENT=nogreenteagc"], repeat=3)
    assert exp["GOGC=100"].built_with == ""
    assert exp["GOGC=100 GOEXPERIMENT=nogreenteagc"].built_with == "nogreenteagc"
    assert [r.round for r in exp["GOGC=100"].runs] == [0, 1, 2]
    c = exp.compare("GOGC=100", "GOGC=100 GOEXPERIMENT=nogreenteagc")
    assert c.n == (3, 3)
    assert "GOEXPERIMENT=nogreenteagc" in c.verdict


def test_short_mode_scales_size_and_repeat(monkeypatch):
    monkeypatch.setenv("GOLAB_BENCH_SCALE", "0.1")
    exp = golab.gc_experiment(SMALL, "work", 40_000, [100], repeat=10)
    assert exp.size == 20_000 and exp.repeat == 5
    assert any("GOLAB_BENCH_SCALE=0.1" in n for n in exp.notes)
    assert scaled_size(400_000, 0.1) == 200_000 and scaled_size(400_000, 1) == 400_000
    assert scaled_size(2_000, 0.01) == 1_000


@pytest.mark.parametrize(
    "setting, env, experiment",
    [
        (100, {"GOGC": "100"}, None),
        ("off", {"GOGC": "off"}, None),
        (-1, {"GOGC": "off"}, None),
        ("GOGC=50 GOMEMLIMIT=64MiB", {"GOGC": "50", "GOMEMLIMIT": "64MiB"}, None),
        ({"GOMAXPROCS": 1}, {"GOMAXPROCS": "1"}, None),
        ("GOEXPERIMENT=nogreenteagc", {}, "nogreenteagc"),
    ],
)
def test_parse_setting(setting, env, experiment):
    assert parse_setting(setting) == (env, experiment)


@pytest.mark.parametrize(
    "setting, message",
    [
        ("GOGC=lots", "GOGC=lots is not valid"),
        ("GODEBUG=gctrace=1", "not a GC setting golab varies"),
        ("GOMEMLIMIT=64MB", "not a size Go understands"),
        ("GOGC", "not NAME=VALUE"),
        (True, "not a GC setting"),
        (1.5, "not a GC setting"),
        ("GOMAXPROCS=0", "GOMAXPROCS=0 is not valid"),
    ],
)
def test_bad_settings_say_what_to_write(setting, message):
    with pytest.raises(GCExperimentError, match=message):
        parse_setting(setting)


def test_labels_and_sizes():
    assert setting_label(25) == "GOGC=25"
    assert setting_label("GOGC=off GOMEMLIMIT=1GiB") == "GOGC=off GOMEMLIMIT=1GiB"
    assert parse_bytes("64MiB") == 64 * MiB and parse_bytes("1024") == 1024


@pytest.mark.parametrize(
    "source, workload, kwargs, message",
    [
        ("func main() {}\nfunc work(n int) {}\n", "work", {}, "has its own func main"),
        ("func other(n int) {}\n", "work", {}, r"no `func work\(n int\)`"),
        ("package lib\n\nfunc work(n int) {}\n", "work", {}, "must be in package main"),
        (SMALL, "work; os.Exit(1)", {}, "name of a Go function"),
        (SMALL, "work", {"size": 0}, "size must be a positive integer"),
        (SMALL, "work", {"settings": 100}, "settings must be a list"),
        (SMALL, "work", {"settings": [100, "GOGC=100"]}, "listed twice"),
        (SMALL, "work", {"repeat": 0}, "repeat must be a positive integer"),
    ],
)
def test_bad_input_is_a_message(source, workload, kwargs, message):
    with pytest.raises(GCExperimentError, match=message):
        golab.gc_experiment(source, workload, **kwargs)


def test_compile_error_at_the_users_line():
    with pytest.raises(GCExperimentError, match=r"does not compile:\n(.|\n)*workload.go:3:7: undefined: undefinedThing"):
        golab.gc_experiment("func work(n int) {\n\tx := 1\n\ty := undefinedThing\n}\n", "work", 10, [100])


def test_a_panicking_workload_is_reported_with_its_line():
    src = "func work(n int) {\n\tvar s []int\n\t_ = s[n]\n}\n"
    with pytest.raises(GCExperimentError, match=r"index out of range.*workload.go:3"):
        golab.gc_experiment(src, "work", 5, [100])


def test_unknown_goexperiment_is_a_message():
    with pytest.raises(GCExperimentError, match="nosuchthing"):
        golab.gc_experiment(SMALL, "work", 1000, ["GOEXPERIMENT=nosuchthing"])


def test_parse_samples_ignores_the_programs_own_output():
    row = " ".join(["5"] * 10)
    text = f"hello\ngolab-gc-sample {row}\ngarbage line\ngolab-gc-sample 1 2\ngolab-gc-end 7 {row}\n"
    samples, end, wall = parse_samples(text)
    assert len(samples) == 1 and end is not None and wall == 7e-9


def test_data_module_imports_no_view():
    """As tests/test_imports.py checks the other analysers: each module imported
    alone, with ``golab`` an empty namespace (its ``__init__`` loads the views
    into golab.display on purpose, so ``import golab.gc`` would always load them)."""
    from test_imports import FRESH, PACKAGE, VIEWS

    for module in ("gc", "pgo", "versions", "toolchains"):
        code = FRESH.format(path=str(PACKAGE), module=module, views=VIEWS)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=PACKAGE.parent)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip().splitlines()[-1] == "[]", f"importing golab.{module} loaded view code: {proc.stdout}"


# ---------------------------------------------------------------- views and exercises


def test_views_draw_every_setting(gogc):
    from golab import render_beyond as views

    html = views.gc_html(gogc)
    for label in gogc.labels:
        assert label in html
    fig = views.gc_heap_figure(gogc, [25, 400])
    bundle = fig._repr_mimebundle_()
    traces = bundle["application/vnd.plotly.v1+json"]["data"]
    assert [t["name"] for t in traces] == ["GOGC=25", "GOGC=25 goal", "GOGC=400", "GOGC=400 goal"]
    assert all(len(t["x"]) <= views.MAX_POINTS for t in traces)
    assert "<svg" in bundle["text/html"] and "plotly.js" not in bundle["text/html"]
    summary = views.gc_summary_figure(gogc)._repr_mimebundle_()
    assert len(summary["application/vnd.plotly.v1+json"]["data"]) == 3
    assert "GOGC=25" in repr(views.gc_table([gogc]))


def test_results_draw_themselves_through_the_display_registry(gogc):
    from golab import display, render_beyond as views

    assert display.renderer(gogc) is views.gc_html
    assert "golab-gc" in gogc._repr_html_()


def test_gogc_exercise_is_graded_by_the_measurement(gogc):
    from golab.widgets_beyond import GOGCDoubles

    exp = golab.gc_experiment(WORKLOAD, "churn", 600_000, [100, 200])
    ex = GOGCDoubles(exp)
    ratio = exp.cycles(200) / exp.cycles(100)
    expected = "about half as many" if ratio < 0.71 else ("about the same" if ratio < 1.41 else "about twice as many")
    assert ex.truth() == expected
    assert ex.grade(expected).correct
    other = next(c for c in ex.choices if c != expected)
    assert not ex.grade(other).correct
    assert set(ex.measured) == {"GOGC=100", "GOGC=200"}
    with pytest.raises(ValueError, match="answer one of"):
        ex.grade("many")
    assert "0" not in repr(ex.grade(expected)).split("\n")[1].replace("100", "").replace("200", "")


def test_live_exercise_runs_once_and_grades():
    from golab.widgets_beyond import LiveOrGarbage

    ex = LiveOrGarbage(WORKLOAD, size=100_000)
    first = ex.experiments()
    assert ex.experiments() is first
    assert ex.grade("the one with more live data").correct
