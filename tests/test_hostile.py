"""Hostile and faulty input, across the Python API, the magics, the CLI and
the widgets.  For each case: a clear message within the time limit, no
Python traceback for the user's mistake, no temp dir and no child process
left behind (checked by the ``no_leaks`` fixture), and the next normal run
correct."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import golab
from golab.build import CompilerFailed
from golab.toolchain import GolabError

from conftest import ROOT

GOOD = "func newInt() *int {\n\tx := 42\n\treturn &x\n}\n"
HELLO = 'func main() { fmt.Println("hello") }\n'


def next_run_is_correct() -> None:
    report = golab.escape(GOOD + f"// {time.monotonic_ns()}\n")  # not a cached answer
    assert [d.message for d in report.heap()] == ["moved to heap: x"]
    run = golab.run(HELLO)
    assert run.ok and run.stdout == "hello\n"


# ---------------------------------------------------------------- Python API: escape

ESCAPE_ERRORS = {
    "syntax error": ("func f() {\n\tx := \n}\n", "snippet.go:3:1: syntax error"),
    "type error": ('func f() int {\n\treturn "no"\n}\n', "snippet.go:2:9: cannot use \"no\""),
    "statement at top level": ("x := 1\n", "put statements inside func main()"),
    "undefined name": ("func f() { g() }\n", "snippet.go:1:12: undefined: g"),
}


@pytest.mark.parametrize("case", ESCAPE_ERRORS)
def test_escape_compile_errors_are_data_at_users_line(case, no_leaks):
    source, needle = ESCAPE_ERRORS[case]
    report = golab.escape(source)
    assert not report.ok and needle in "\n".join(str(e) for e in report.errors)
    assert "compiler rejected" in report._repr_html_()
    next_run_is_correct()


SNIPPET_ERRORS = {
    "empty": ("", "is empty"),
    "binary garbage": (bytes(range(256)) * 4, "binary file"),
    "non-UTF-8": (b"package main\n\nvar s = \"caf\xe9\"\n", "not valid UTF-8"),
    "5 MB file": ("// " + "x" * (5 * 1024 * 1024) + "\n", "takes Go sources up to"),
    "non-standard import": ('import "github.com/google/uuid"\nvar _ = uuid.New', "runs offline"),
    "cgo": ('import "C"\nfunc f() { C.puts(nil) }\n', "cgo"),
    "no such std package": ('import "encoding/yamlish"\nvar _ = yamlish.X\n', 'cannot import "encoding/yamlish"'),
}


@pytest.mark.parametrize("case", SNIPPET_ERRORS)
def test_escape_bad_input_raises_a_clear_golab_error(case, no_leaks):
    source, needle = SNIPPET_ERRORS[case]
    with pytest.raises(GolabError) as err:
        golab.escape(source)
    assert needle in str(err.value)
    next_run_is_correct()


def test_go_generate_directive_is_never_run(tmp_path, no_leaks):
    marker = tmp_path / "generated"
    src = f"//go:generate touch {marker}\n" + GOOD
    report = golab.escape(src)
    run = golab.run(f"//go:generate touch {marker}\n" + HELLO)
    assert report.heap() and run.ok and not marker.exists()


def test_compile_past_timeout_is_stopped(no_leaks):
    with pytest.raises(golab.GoTimeout):
        golab.escape(GOOD + "// timeout case\n", timeout=0.001)
    next_run_is_correct()


@pytest.mark.parametrize("value, needle", [("/nonexistent/go", "not an executable file"), (sys.executable, "not a working Go toolchain")])
def test_golab_go_pointing_at_nothing_or_not_go(monkeypatch, value, needle):
    monkeypatch.setenv("GOLAB_GO", value)
    with pytest.raises(golab.GoNotFound, match=needle):
        golab.escape(GOOD + "// golab_go\n")
    monkeypatch.delenv("GOLAB_GO")
    next_run_is_correct()


# ---------------------------------------------------------------- Python API: programs

PROGRAMS = {
    "endless loop": ("func main() {\n\tfor {\n\t}\n}\n", dict(timeout=2), "timeout", "still running after 2 s"),
    "prints 100 MB": (
        'func main() {\n\tline := strings.Repeat("x", 1023) + "\\n"\n\tfor i := 0; i < 100*1024; i++ {\n\t\tos.Stdout.WriteString(line)\n\t}\n}\n',
        dict(timeout=30),
        "ok",
        "output cut",
    ),
    "panics": ("func main() {\n\tvar s []int\n\t_ = s[5]\n}\n", {}, "panic", "main.go:3: runtime error: index out of range [5] with length 0"),
    "endless goroutines": (
        "func main() {\n\tfor {\n\t\tgo func() { select {} }()\n\t}\n}\n",
        dict(timeout=3),
        None,  # stopped by the memory cap or the time limit, whichever comes first
        "",
    ),
    "allocates until out of memory": (
        "var keep [][]byte\n\nfunc main() {\n\tfor {\n\t\tkeep = append(keep, make([]byte, 64<<20))\n\t}\n}\n",
        dict(timeout=30, max_memory=1 << 30),
        "out-of-memory",
        "ran out of memory",
    ),
    "os.Exit(3)": ("func main() {\n\tos.Exit(3)\n}\n", {}, "exit", "exit status 3"),
    "log.Fatal": ('func main() {\n\tlog.Fatal("boom")\n}\n', {}, "exit", "exit status 1"),
    "deadlock": ("func main() {\n\tc := make(chan int)\n\t<-c\n}\n", {}, "panic", "all goroutines are asleep - deadlock!"),
    "nil map write": ('func main() {\n\tvar m map[string]int\n\tm["a"] = 1\n}\n', {}, "panic", "main.go:3: assignment to entry in nil map"),
    "endless recursion": (
        "func f(n int) int { return f(n+1) + 1 }\n\nfunc main() { f(0) }\n",
        dict(timeout=30),
        None,  # the stack hits the memory cap (out-of-memory) or Go's 1 GB stack limit (fatal)
        "main.go:1",
    ),
}


@pytest.mark.parametrize("case", PROGRAMS)
def test_programs_that_misbehave_are_stopped_and_explained(case, no_leaks):
    source, kwargs, status, needle = PROGRAMS[case]
    start = time.monotonic()
    report = golab.run(source, **kwargs)
    elapsed = time.monotonic() - start
    if status is not None:
        assert report.status == status, report.text()[:2000]
    else:
        assert report.status in ("timeout", "out-of-memory", "panic"), report.text()[:2000]
    text = report.explanation() + "\n" + report.text()
    assert needle in text, text[:3000]
    assert elapsed < kwargs.get("timeout", 10) + 60
    assert "Traceback" not in report._repr_html_()
    next_run_is_correct()


def test_big_output_is_capped_with_a_note(no_leaks):
    report = golab.run(PROGRAMS["prints 100 MB"][0], timeout=30)
    assert len(report.stdout) <= 1_000_000
    assert "MiB of standard output not shown" in report.cut_note


def test_relative_writes_stay_in_the_temp_dir(tmp_path, monkeypatch, no_leaks):
    """A program that writes a file next to itself writes into golab's temp
    dir (its working directory), which is removed: nothing lands next to
    the notebook."""
    monkeypatch.chdir(tmp_path)
    report = golab.run('func main() {\n\tos.WriteFile("out.txt", []byte("x"), 0o644)\n\tfmt.Println(os.Getwd())\n}\n')
    assert report.ok
    assert not (tmp_path / "out.txt").exists()
    assert "golab-" in report.stdout  # it ran inside golab's per-user temp folder


def test_writes_outside_are_not_sandboxed_but_do_not_break_golab(tmp_path, no_leaks):
    """golab is not a sandbox (documented): an absolute write succeeds, and
    golab keeps working."""
    target = tmp_path / "outside.txt"
    report = golab.run(f'func main() {{\n\tos.WriteFile("{target}", []byte("x"), 0o644)\n}}\n')
    assert report.ok and target.exists()
    next_run_is_correct()


# ---------------------------------------------------------------- magics


MAGIC_CASES = {
    "escape syntax error": ("%%go_escape\nfunc f() {\n\tx := \n}\n", "cell.go:3:1"),
    "escape empty cell": ("%%go_escape\n\n", "empty"),
    "escape binary import": ('%%go_escape\nimport "example.com/x"\n', "runs offline"),
    "escape bad flag": ("%%go_escape -m 7\n" + GOOD, "argument -m: invalid choice: 7"),
    "run panic": ("%%go_run\nfunc main() {\n\tpanic(\"boom\")\n}\n", "main.go:2"),
    "run endless loop": ("%%go_run --timeout 2\nfunc main() {\n\tfor {\n\t}\n}\n", "still running after 2 s"),
    "run compile error": ("%%go_run\nfunc main() {\n\tx := 1\n}\n", "main.go:2:2: declared and not used: x"),
}


@pytest.mark.parametrize("case", MAGIC_CASES)
def test_magics_show_messages_not_tracebacks(ip, case, no_leaks):
    cell, needle = MAGIC_CASES[case]
    result = ip.run_cell(cell, store_history=False)
    assert result.error_in_exec is None and result.error_before_exec is None
    text = getattr(result.result, "text", "")
    shown = repr(result.result) + "\n" + (text() if callable(text) else str(text))
    assert needle in shown, shown
    ok = ip.run_cell("%%go_escape\n" + GOOD, store_history=False)
    assert [d.message for d in ok.result.heap()] == ["moved to heap: x"]


# ---------------------------------------------------------------- CLI


def cli(*args, cwd=ROOT, env=None):
    return subprocess.run(
        [sys.executable, "-m", "golab", *args], capture_output=True, text=True, cwd=cwd, timeout=300, env={**os.environ, **(env or {})}
    )


CLI_FILES = {
    "binary.go": (bytes(range(256)), "binary file"),
    "latin1.go": (b"package main\n// \xe9\n", "not valid UTF-8"),
    "huge.go": (b"// " + b"x" * (5 * 1024 * 1024), "takes Go sources up to"),
    "cgo.go": (b'package main\nimport "C"\nfunc main() {}\n', "cgo"),
    "notes.txt": (b"hello", "not a .go file"),
}


@pytest.mark.parametrize("name", CLI_FILES)
def test_cli_bad_files_exit_2_with_one_line(tmp_path, name, no_leaks):
    data, needle = CLI_FILES[name]
    (tmp_path / name).write_bytes(data)
    r = cli("escape", str(tmp_path / name))
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_bad_want_regex_is_reported(tmp_path):
    (tmp_path / "main.go").write_text('package main\n\nfunc main() {} // want "(unclosed"\n')
    r = cli("check", str(tmp_path))
    assert r.returncode == 1 and "bad regular expression" in r.stdout and "Traceback" not in r.stderr


def test_cli_golab_go_not_go(no_leaks):
    r = cli("escape", str(ROOT / "go_examples" / "users"), env={"GOLAB_GO": "/bin/echo"})
    assert r.returncode == 2 and "not a working Go toolchain" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- widgets


def test_escape_explorer_with_a_broken_case_shows_the_error():
    explorer = golab.escape_explorer({"broken": "func f() {\n\tx := \n}\n", "good": GOOD})
    explorer.case.value = "broken" if hasattr(explorer, "case") else None
    explorer.refresh()
    html = explorer.view.value if hasattr(explorer, "view") else str(explorer.children)
    assert "snippet.go:3:1" in html or "3:1" in html
    explorer.case.value = "good"
    explorer.refresh()
    assert "moved to heap: x" in explorer.view.value


def test_exercise_on_broken_source_raises_clear_error():
    with pytest.raises(GolabError, match="does not compile: exercise.go:3:1: syntax error"):
        golab.stack_or_heap("func f() {\n\tx := \n}\n", line=2).truth()


# ---------------------------------------------------------------- a crash mid-run


def _kill_when_running(name: str, stop: threading.Event, needs: str = "") -> None:
    """SIGKILL the first process golab started called ``name`` (whose
    command line holds ``needs``: the measuring run of a test binary, not
    its ``-test.list`` run), as soon as it appears: a simulated crash.
    Found by golab's marker; a process that ends between being seen and
    being killed is not a kill: keep looking (the race that made this flaky)."""
    from conftest import golab_processes

    while not stop.is_set():
        for entry in golab_processes():
            pid, comm = entry.split(":", 1)
            if comm != name:
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if needs not in cmdline:
                    continue
                os.kill(int(pid), signal.SIGKILL)
                return
            except (OSError, ProcessLookupError):
                continue
        time.sleep(0.02)


def test_program_killed_mid_run_is_reported_and_next_run_works(no_leaks):
    stop = threading.Event()
    killer = threading.Thread(target=_kill_when_running, args=("prog", stop))
    killer.start()
    try:
        report = golab.run("func main() {\n\ttime.Sleep(20 * time.Second)\n}\n", timeout=30)
    finally:
        stop.set()
        killer.join()
    assert report.status == "killed", report.text()
    assert "killed by SIGKILL from outside" in report.explanation()
    next_run_is_correct()


def test_benchmark_killed_mid_run_is_a_clear_error_and_next_run_works(no_leaks):
    src = "func BenchmarkSlow(b *testing.B) {\n\tfor b.Loop() {\n\t\ttime.Sleep(time.Millisecond)\n\t}\n}\n"
    stop = threading.Event()
    killer = threading.Thread(target=_kill_when_running, args=("bench.test", stop, "-test.bench"))
    killer.start()
    try:
        with pytest.raises(GolabError) as err:
            golab.bench(src, count=3, benchtime="2000x", timeout=60)
    finally:
        stop.set()
        killer.join()
    assert "BenchmarkSlow" in str(err.value) and "Traceback" not in str(err.value)
    ok = golab.bench(src, count=1, benchtime="3x")
    assert len(ok["Slow"].samples) == 1
    next_run_is_correct()


def test_compiler_killed_mid_compile_is_a_clear_error(no_leaks):
    stop = threading.Event()
    killer = threading.Thread(target=_kill_when_running, args=("compile", stop))
    killer.start()
    try:
        # a program large enough (about 3 s to compile) that the compiler is
        # still busy when it is killed
        big = "".join(f"func f{i}(x int) *int {{ y := x * {i}; return &y }}\n" for i in range(4000))
        with pytest.raises(CompilerFailed, match="the Go compiler was killed by SIGKILL before it finished"):
            golab.escape(big)
    finally:
        stop.set()
        killer.join()
    next_run_is_correct()


def test_sixteen_threads_mixing_escape_and_bench(no_leaks):
    """Eight threads ask for escape reports and eight run benchmarks, all at
    once, each on its own snippet: every result belongs to its snippet."""
    results: dict[str, object] = {}
    errors: list[BaseException] = []

    def escape_job(i: int) -> None:
        try:
            results[f"e{i}"] = golab.escape(f"func mk{i}() *[{i + 1}]int {{\n\tvar v{i} [{i + 1}]int\n\treturn &v{i}\n}}\n", name=f"e{i}.go")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def bench_job(i: int) -> None:
        src = f"var sink{i} []byte\n\nfunc BenchmarkB{i}(b *testing.B) {{\n\tfor b.Loop() {{\n\t\tsink{i} = make([]byte, {(i + 1) * 16})\n\t}}\n}}\n"
        try:
            results[f"b{i}"] = golab.bench(src, count=1, benchtime="5000x")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=escape_job, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=bench_job, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(8):
        report = results[f"e{i}"]
        assert [(d.file, d.subject) for d in report.heap()] == [(f"e{i}.go", f"v{i}")]
        bench = results[f"b{i}"]
        assert bench.names == [f"BenchmarkB{i}"] and bench[f"B{i}"].allocs_per_op == 1
