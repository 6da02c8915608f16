"""Bounded everywhere, honest reports, isolation (issue 9, parts 2-4).

Hostile inputs and settings a learner (or a hub's configuration) can give
golab: a snippet that makes the compiler eat memory, FIFOs and devices
named ``.go``, NaN and negative limits, odd temp folders, file names that
look like format strings or code, a program that makes its folder
read-only or overwrites cached benchmark binaries, benchmarks that end
in every wrong way, a full disk.  Each case asserts what golab says and
that nothing is left behind (the ``no_leaks`` fixture finds processes by
golab's marker).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import golab
from golab import toolchain as tc
from golab.errors import (
    BenchExitedEarly, BenchOutOfMemory, BenchSkipped, CompilerOutOfMemory, InitPanic, InvalidSetting, SnippetError,
)

from conftest import ROOT

GOOD = "func newInt() *int {\n\tx := 42\n\treturn &x\n}\n"
HELLO = 'func main() { fmt.Println("hello") }\n'


def cli(*args, env=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "golab", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


# ---------------------------------------------------------------- the compiler's memory


HUGE_CONSTANT = 'const s0 = "0123456789abcdef"\n' + "".join(
    f"const s{i} = s{i - 1} + s{i - 1}\n" for i in range(1, 25)
) + "var X = s24\n\nfunc main() { println(len(X)) }\n"


@pytest.mark.parametrize("call", ["escape", "run", "frames"])
def test_a_huge_constant_stops_at_the_compiler_memory_cap_with_one_clear_error(call, monkeypatch, no_leaks):
    monkeypatch.setenv("GOLAB_MAX_COMPILER_MEMORY", "1G")
    with pytest.raises(CompilerOutOfMemory) as err:
        getattr(golab, call)(HUGE_CONSTANT)
    message = str(err.value)
    assert message.startswith("the compiler needed more than 1.0 GiB") and "huge constant" in message
    assert "\n" not in message and "can inline" not in message  # one error, not the compiler's notes
    assert err.value.limit == 1024**3


# ---------------------------------------------------------------- inputs checked before reading


def test_a_fifo_named_go_is_refused_without_blocking(tmp_path, no_leaks):
    fifo = tmp_path / "x.go"
    os.mkfifo(fifo)
    with pytest.raises(SnippetError, match="not a regular file"):
        golab.escape(str(fifo))
    with pytest.raises(SnippetError, match="not a regular file"):
        golab.run(fifo)


def test_a_folder_holding_a_fifo_and_a_device_link_reads_only_regular_files(tmp_path, no_leaks):
    os.mkfifo(tmp_path / "fifo.go")
    (tmp_path / "zero.go").symlink_to("/dev/zero")
    (tmp_path / "main.go").write_text("package main\n\n" + GOOD + "\nfunc main() { newInt() }\n")
    report = golab.escape(tmp_path)
    assert [d.subject for d in report.heap()] == ["x"]


def test_a_symlink_to_dev_zero_and_a_huge_sparse_file_are_not_read(tmp_path, no_leaks):
    (tmp_path / "zero.go").symlink_to("/dev/zero")
    with pytest.raises(SnippetError, match="not a regular file"):
        golab.escape(tmp_path / "zero.go")
    big = tmp_path / "big.go"
    with open(big, "wb") as f:
        f.truncate(8 * 1024**3)  # 8 GiB of nothing: read whole, this would take minutes and all memory
    with pytest.raises(SnippetError, match="takes Go sources up to"):
        golab.escape(big)


def test_a_mistyped_folder_is_not_compiled_as_source(no_leaks):
    with pytest.raises(SnippetError, match="no such file or folder"):
        golab.escape("go_examples/userz")
    with pytest.raises(SnippetError, match="no such file or folder"):
        golab.run("examples/mian.go")


# ---------------------------------------------------------------- limits checked where they enter

BAD_SECONDS = [float("nan"), float("inf"), 0, -1, "soon"]


@pytest.mark.parametrize("value", BAD_SECONDS, ids=repr)
@pytest.mark.parametrize("call", ["run", "escape", "bench", "frames"])
def test_api_refuses_timeouts_that_never_or_always_fire(call, value, no_leaks):
    src = "func BenchmarkX(b *testing.B) { for b.Loop() {} }\n" if call == "bench" else HELLO
    with pytest.raises(InvalidSetting, match="timeout must be a") as err:
        getattr(golab, call)(src, timeout=value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "1e400", "abc"])
def test_env_timeout_is_refused_with_its_name(monkeypatch, value, no_leaks):
    monkeypatch.setenv("GOLAB_TIMEOUT", value)
    for call in (golab.run, golab.escape):
        with pytest.raises(InvalidSetting, match="GOLAB_TIMEOUT must be a"):
            call(HELLO)


@pytest.mark.parametrize("name, value", [
    ("GOLAB_MAX_MEMORY", "0"), ("GOLAB_MAX_MEMORY", "-1"), ("GOLAB_MAX_MEMORY", "lots"), ("GOLAB_MAX_MEMORY", "nan"),
    ("GOLAB_MAX_MEMORY", "1M"), ("GOLAB_MAX_OUTPUT", "-5"), ("GOLAB_MAX_COMPILER_MEMORY", "0"),
    ("GOLAB_TIMEOUT", "nan"), ("GOLAB_CONTAINMENT", "chroot"), ("GOLAB_SANDBOX", "maybe"),
    ("GOLAB_TMPDIR", "/dev/null/sub"),
])
def test_cli_bad_environment_is_one_line_and_exit_2(name, value, no_leaks):
    r = cli("escape", str(ROOT / "go_examples" / "users"), env={name: value})
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert name in r.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3"])
def test_cli_timeout_flag_refuses_nan_and_negatives(value):
    r = cli("escape", str(ROOT / "go_examples" / "users"), "--timeout", value)
    assert r.returncode == 2 and "--timeout must be a positive, finite number" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", [0, -1, float("nan")], ids=repr)
def test_api_memory_cap_of_zero_or_less_is_refused_not_unlimited(value, no_leaks):
    with pytest.raises(InvalidSetting, match="max_memory must be"):
        golab.run(HELLO, max_memory=value)


@pytest.mark.parametrize("setting", ["timeout", "max_memory", "max_output"])
@pytest.mark.parametrize("value", [10**400, 1e300, "99999999T"], ids=["10**400", "1e300", "99999999T"])
def test_huge_limits_are_refused_not_a_traceback_or_no_limit(setting, value, no_leaks):
    """Attacks 01-03: 10**400 gave an OverflowError traceback; 1e300 seconds
    or 99999999T bytes (past 2**64) silently meant no limit at all."""
    if setting == "timeout" and isinstance(value, str):
        value = 1e12
    with pytest.raises(InvalidSetting, match=f"{setting} must be"):
        golab.run(HELLO, **{setting: value})


def test_a_huge_memory_setting_in_the_environment_is_refused(monkeypatch, no_leaks):
    monkeypatch.setenv("GOLAB_MAX_MEMORY", "99999999T")
    with pytest.raises(InvalidSetting, match="GOLAB_MAX_MEMORY"):
        golab.run(HELLO)


def test_a_file_name_past_the_file_systems_limit_is_a_message(no_leaks):
    """Attack 05: a 300-character name gave an OSError traceback."""
    with pytest.raises(SnippetError, match="file name .* bytes long"):
        golab.run(HELLO, name="a" * 300 + ".go")


@pytest.mark.parametrize("args", [["a\x00b"], ["x" * 3_000_000]], ids=["nul", "3MB"])
def test_arguments_the_system_cannot_pass_are_a_message(args, no_leaks):
    """Attack 39: a NUL gave a ValueError traceback, 3 MB of arguments a
    GoNotFound ("could not start")."""
    with pytest.raises(InvalidSetting, match="argument"):
        golab.run(HELLO, args=args)


def test_magic_timeout_nan_is_a_message(ip, no_leaks):
    result = ip.run_cell("%%go_run --timeout nan\n" + HELLO, store_history=False)
    assert result.error_in_exec is None
    assert "timeout must be a positive, finite number" in repr(result.result) + str(getattr(result.result, "message", ""))


def test_magic_arguments_parse_like_a_shell(ip, no_leaks):
    src = "func BenchmarkStackThing(b *testing.B) { for b.Loop() {} }\n"
    result = ip.run_cell("%%go_bench --pattern 'Stack' --count 1 --benchtime 10x\n" + src, store_history=False)
    assert result.error_in_exec is None
    assert result.result.names == ["BenchmarkStackThing"], repr(result.result)


# ---------------------------------------------------------------- temp folders


@pytest.mark.parametrize("folder", ["relative/tmp", "odd#name?x=%41"])
def test_odd_golab_tmpdir_values_work_and_stay_inside(tmp_path, monkeypatch, folder, no_leaks):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLAB_TMPDIR", folder)
    assert golab.run(HELLO).stdout == "hello\n"
    assert [d.subject for d in golab.escape(GOOD).heap()] == ["x"]
    made = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert made == {folder.split("/")[0]}, made  # the compiler wrote nothing outside it
    assert os.path.isabs(tc.user_temp_root())


def test_a_golab_tmpdir_that_cannot_be_made_is_one_clear_error(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path / "file" / "sub"))
    with pytest.raises(InvalidSetting, match="Set GOLAB_TMPDIR to a writable folder"):
        golab.run(HELLO)


READ_ONLY = """
import sys, golab
from golab.toolchain import user_temp_root
r = golab.run('func main() {\\n\\tos.MkdirAll("keep/deeper", 0o755)\\n\\tos.WriteFile("keep/deeper/f", []byte("x"), 0o644)\\n'
              '\\tos.Chmod("keep/deeper", 0o500)\\n\\tos.Chmod("keep", 0o500)\\n\\tos.Chmod(".", 0o500)\\n}\\n', timeout=60)
print(r.status, sorted(__import__("os").listdir(user_temp_root())))
"""


def _learner() -> pwd.struct_passwd:
    name = "golabsafety"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if os.getuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs a non-root user: run as root (to create one with useradd) or create 'golabsafety'")
    made = subprocess.run(["useradd", "--create-home", name], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"could not create a non-root user: {made.stderr.strip()}")
    return pwd.getpwnam(name)


request_cleanup: list[Path] = []


@pytest.fixture(autouse=True, scope="module")
def _remove_learner_homes():
    yield
    for home in request_cleanup:
        tc.remove_tree(home)


@pytest.mark.slow
def test_read_only_folders_a_program_makes_are_removed_for_a_non_root_user():
    user = _learner()
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to run as another user")
    home = Path(tempfile.mkdtemp(prefix="golab-learner-"))
    os.chown(home, user.pw_uid, user.pw_gid)
    os.chmod(home, 0o755)
    request_cleanup.append(home)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(home / "tmp"),
           "GOCACHE": str(home / "go-build")}
    r = subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                        sys.executable, "-c", READ_ONLY], capture_output=True, text=True, env=env, timeout=600, cwd=home)
    assert r.returncode == 0, r.stderr[-3000:]
    status, left = r.stdout.split(" ", 1)
    assert status == "ok"
    assert not [d for d in eval(left) if d.startswith("run-")], left


# ---------------------------------------------------------------- cached benchmark binaries

ALLOC = "var sink []byte\n\nfunc BenchmarkAlloc(b *testing.B) {\n\tfor b.Loop() {\n\t\tsink = make([]byte, 64)\n\t}\n}\n"
NOALLOC = ALLOC.replace("make([]byte, 64)", "nil")


def test_a_program_cannot_poison_another_benchmarks_cached_binary(no_leaks):
    first = golab.bench(ALLOC, count=1, benchtime="100x")
    assert first["Alloc"].allocs_per_op == 1
    cache = Path(tc.user_temp_root()) / "benchbin"
    (alloc_bin,) = [p for p in cache.glob("*.test")]
    golab.bench(NOALLOC, count=1, benchtime="100x")  # another program's binary, also cached
    other = next(p for p in cache.glob("*.test") if p != alloc_bin)
    # what a program run through golab could do: overwrite the cached binary
    report = golab.run(f'func main() {{\n\tdata, _ := os.ReadFile("{other}")\n\tos.Chmod("{alloc_bin}", 0o700)\n'
                       f'\tfmt.Println(os.WriteFile("{alloc_bin}", data, 0o700))\n}}\n')
    assert report.stdout == "<nil>\n" and alloc_bin.read_bytes() == other.read_bytes()
    again = golab.bench(ALLOC, count=1, benchtime="100x")
    assert again["Alloc"].allocs_per_op == 1  # measured the right program: the poisoned copy was not used


def test_a_benchmark_writing_through_its_own_binary_cannot_poison_the_cache(no_leaks):
    src = ('var sink []byte\n\nfunc BenchmarkSelf(b *testing.B) {\n\tos.WriteFile(os.Args[0], []byte("x"), 0o700)\n'
           '\tfor b.Loop() {\n\t\tsink = make([]byte, 64)\n\t}\n}\n')
    golab.bench(src, count=1, benchtime="10x")
    again = golab.bench(src, count=1, benchtime="10x")
    assert again["Self"].allocs_per_op == 1


# ---------------------------------------------------------------- names are data


def test_names_that_look_like_format_strings_are_data(tmp_path, no_leaks):
    pkg = tmp_path / "{pkg}"
    pkg.mkdir()
    (pkg / "{line}.go").write_text("package main\n\n" + GOOD)
    (pkg / "a{b.go").write_text("package main\n\nfunc main() { newInt() }\n")
    report = golab.escape(pkg)
    assert [(Path(d.file).name, d.subject) for d in report.heap()] == [("{line}.go", "x")]
    assert golab.run(pkg).ok


def test_a_newline_in_a_file_name_cannot_inject_code(tmp_path, no_leaks):
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "main.go").write_text('package main\n\nfunc main() { println("ok") }\n')
    (pkg / 'x.go:1:1\nfunc init() { panic("injected") }\n.go').write_text("package main\n")
    with pytest.raises(SnippetError, match="control character"):
        golab.run(pkg)
    with pytest.raises(SnippetError, match="control character"):
        golab.escape(GOOD, name="a\nb.go")


# ---------------------------------------------------------------- honest benchmark reports

BENCH_BODY = "func BenchmarkB(b *testing.B) {\n\tfor b.Loop() {\n\t\tsink = make([]byte, 64)\n\t}\n}\n\nvar sink []byte\n"


def test_init_panic_is_reported_with_message_and_line(no_leaks):
    src = 'func init() {\n\tpanic("config missing")\n}\n\n' + BENCH_BODY
    with pytest.raises(InitPanic) as err:
        golab.bench(src, count=1, benchtime="10x")
    assert "config missing" in str(err.value) and "bench_test.go:2" in str(err.value)
    assert "no benchmark matches" not in str(err.value)


def test_test_main_that_exits_early_is_reported(no_leaks):
    src = "func TestMain(m *testing.M) {\n\tos.Exit(0)\n}\n\n" + BENCH_BODY
    with pytest.raises(BenchExitedEarly, match="TestMain"):
        golab.bench(src, count=1, benchtime="10x")


def test_os_exit_0_in_a_benchmark_is_an_early_exit_not_a_result(no_leaks):
    src = "func BenchmarkE(b *testing.B) {\n\tos.Exit(0)\n}\n"
    with pytest.raises(BenchExitedEarly, match="BenchmarkE ended the test binary with exit status 0"):
        golab.bench(src, count=1, benchtime="10x")


def test_b_skip_is_reported_as_a_skip(no_leaks):
    with pytest.raises(BenchSkipped, match="b.Skip.*BenchmarkS: not on this machine"):
        golab.bench('func BenchmarkS(b *testing.B) {\n\tb.Skip("not on this machine")\n}\n', count=1, benchtime="10x")
    both = golab.bench('func BenchmarkS(b *testing.B) {\n\tb.Skip("later")\n}\n\n' + BENCH_BODY, count=1, benchtime="10x")
    assert both.names == ["BenchmarkB"] and any("BenchmarkS called b.Skip (later)" in w for w in both.warnings)


def test_out_of_memory_in_a_benchmark_names_the_cap(monkeypatch, no_leaks):
    monkeypatch.setenv("GOLAB_MAX_MEMORY", "1536M")  # well above what a test binary needs to start
    src = "var keep [][]byte\n\nfunc BenchmarkGrow(b *testing.B) {\n\tfor {\n\t\tkeep = append(keep, make([]byte, 64<<20))\n\t}\n}\n"
    with pytest.raises(BenchOutOfMemory) as err:
        golab.bench(src, count=1, benchtime="1x", timeout=60)
    assert "BenchmarkGrow ran out of memory" in str(err.value) and "memory cap of 1.5 GiB" in str(err.value)
    assert isinstance(err.value, MemoryError)


def test_printed_benchmark_lines_are_not_samples(no_leaks):
    src = ('func BenchmarkB(b *testing.B) {\n\tfmt.Println("BenchmarkB-2   \\t 1000\\t 1.0 ns/op\\t 0 B/op\\t 0 allocs/op")\n'
           '\tfmt.Println("BenchmarkFake-2 \\t 5\\t 7 ns/op")\n\tfor b.Loop() {\n\t\tsink = make([]byte, 64)\n\t}\n}\n\n'
           "var sink []byte\n")
    r = golab.bench(src, count=2, benchtime="50x")
    assert r.names == ["BenchmarkB"] and len(r["B"].samples) == 2
    assert r["B"].allocs_per_op == 1 and all(s.iterations == 50 for s in r.samples)
    assert any("printed" in w and "benchmark result format" in w for w in r.warnings)


def test_a_fake_result_glued_in_front_of_the_real_line_is_not_a_sample(no_leaks):
    """Attack 24: the benchmark prints a whole fake result line in its first
    run and an unfinished "BenchmarkB-2 \\t12345" at the end of each run,
    so the testing package's real line is glued behind it: the real result
    (the line's suffix) is kept, every fake is ignored."""
    src = ('var once bool\n\nvar sink []byte\n\nfunc BenchmarkB(b *testing.B) {\n\tif !once {\n\t\tonce = true\n'
           '\t\tfmt.Print("BenchmarkB-2 \\t99999999\\t0.0001 ns/op\\t0 B/op\\t0 allocs/op\\n")\n\t}\n'
           '\tfor b.Loop() {\n\t\tsink = make([]byte, 64)\n\t}\n\tfmt.Print("BenchmarkB-2 \\t12345")\n}\n')
    r = golab.bench(src, count=3, benchtime="50x")
    assert len(r["B"].samples) == 3, r.samples
    assert all(s.iterations == 50 and s.allocs_per_op == 1 for s in r.samples), r.samples
    assert any("benchmark result format" in w for w in r.warnings)


def test_panic_text_on_stderr_with_exit_0_is_not_a_panic(no_leaks):
    report = golab.run('func main() {\n\tfmt.Fprintln(os.Stderr, "panic: just words")\n}\n')
    assert report.status == "ok" and report.panic is None
    real = golab.run('func main() {\n\tpanic("real")\n}\n')
    assert real.status == "panic" and real.panic.message == "real" and real.panic.line == 2


# ---------------------------------------------------------------- a full disk

FULL_DISK = """
import golab
from golab.errors import DiskFull
for call in (lambda: golab.run('func main() { fmt.Println(1) }'),
             lambda: golab.bench('func BenchmarkX(b *testing.B) { for b.Loop() {} }', count=1, benchtime='10x')):
    try:
        call()
        print("no error")
    except DiskFull as exc:
        print("DiskFull:", exc)
"""


def test_a_full_disk_reads_as_a_full_disk(tmp_path, no_leaks):
    tc.supervisor_path()  # in the per-user cache, not on the small disk
    full = tmp_path / "full"
    full.mkdir()
    (tmp_path / "full_disk.py").write_text(FULL_DISK)
    script = f"mount -t tmpfs -o size=1m tmpfs {full} && exec {sys.executable} {tmp_path / 'full_disk.py'}"
    r = subprocess.run(["unshare", "--user", "--map-current-user", "--mount", "sh", "-c", script], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(full)})
    if r.returncode != 0 and not r.stdout:
        pytest.skip(f"cannot mount a small disk here (needs user and mount namespaces): {r.stderr.strip()[-300:]}")
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and all(l.startswith("DiskFull: the disk is full") for l in lines), r.stdout + r.stderr
    assert "does not compile" not in r.stdout


FULL_DISK_ESCAPE = """
import os, golab
from golab.toolchain import user_temp_root
user_temp_root()
try:
    with open(os.path.join(os.environ["GOLAB_TMPDIR"], "filler"), "wb") as f:
        while True:
            f.write(b"x" * 65536)
            f.flush()
except OSError:
    pass
try:
    golab.escape('import "strings"\\n\\nfunc f() *int {\\n\\tx := len(strings.Repeat("a", 3))\\n\\treturn &x\\n}\\n')
    print("no error")
except golab.GolabError as exc:
    print(type(exc).__name__ + ":", exc)
"""


def test_a_full_disk_during_an_escape_analysis_is_disk_full_not_a_traceback(tmp_path, no_leaks):
    """Attack 25: the compile's scratch files (the snippet, its importcfg)
    on a full disk gave an OSError traceback."""
    tc.supervisor_path()
    full = tmp_path / "full"
    full.mkdir()
    (tmp_path / "full_disk.py").write_text(FULL_DISK_ESCAPE)
    script = f"mount -t tmpfs -o size=1m tmpfs {full} && echo mounted && exec {sys.executable} {tmp_path / 'full_disk.py'}"
    r = subprocess.run(["unshare", "--user", "--map-current-user", "--mount", "sh", "-c", script], capture_output=True,
                       text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(full)})
    if not r.stdout.startswith("mounted\n"):
        pytest.skip(f"cannot mount a small disk here (needs user and mount namespaces): {r.stderr.strip()[-300:]}")
    assert r.stdout.removeprefix("mounted\n").startswith("DiskFull: ") and "full" in r.stdout, r.stdout + r.stderr[-2000:]
    assert "Traceback" not in r.stderr


# ---------------------------------------------------------------- terminal and regexes


def test_control_characters_do_not_reach_the_terminal_raw(tmp_path):
    (tmp_path / "main.go").write_text("package main\n\n// \x1b[2J\x1b]0;owned\x07 clear screen\n" + GOOD + "\nfunc main() { newInt() }\n")
    r = cli("escape", str(tmp_path))
    assert r.returncode == 0 and "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "\\x1b[2J" in r.stdout


def test_an_exponential_want_regex_is_refused_quickly(tmp_path):
    (tmp_path / "main.go").write_text(
        "package main\n\nfunc f() *int {\n\tx := 1 // want \"(m+)+$\"\n\treturn &x\n}\n\nfunc main() { f() }\n"
    )
    r = cli("check", str(tmp_path), "--timeout", "120")
    assert r.returncode == 1 and "exponential time" in r.stdout, r.stdout + r.stderr


def test_a_polynomial_want_regex_is_refused_quickly(no_leaks):
    """Attack 30: fourteen ``.*`` and a letter that is never there: no
    nested repetition, but about n**15 steps of backtracking (hours)."""
    import time

    long = "a" * 44
    src = (f"func f({long}, b *int) *int {{ return {long} }} // want \"{'.*' * 14}Z\"\n\n"
           "func main() { x, y := 1, 2; f(&x, &y) }\n")
    start = time.monotonic()
    report = golab.check(src, timeout=120)
    assert time.monotonic() - start < 30
    (want,) = report.wants
    assert not want.holds and "open-ended repeats" in want.actual[0], want


def test_a_want_regex_with_a_few_open_repeats_still_works(no_leaks):
    report = golab.check("func f(p *int) *int { return p } // want \"leaking param: .* to result .*\"\n")
    assert [w.holds for w in report.wants] == [True], report.wants


# ---------------------------------------------------------------- the sandbox


def _sandbox_or_skip(monkeypatch):
    monkeypatch.setenv("GOLAB_SANDBOX", "1")
    try:
        box = tc.containment()
    except InvalidSetting as exc:
        pytest.skip(f"no sandbox on this machine: {exc}")
    assert box.sandbox


def test_sandboxed_programs_cannot_write_outside_reach_the_network_or_share_tmp(tmp_path, monkeypatch, no_leaks):
    _sandbox_or_skip(monkeypatch)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    target, shared = tmp_path / "outside.txt", Path("/tmp") / f"golab-sandbox-{os.getpid()}"
    try:
        report = golab.run(
            "import (\n\t\"fmt\"\n\t\"net\"\n\t\"os\"\n)\n\nfunc main() {\n"
            f'\tfmt.Println(os.WriteFile("{target}", []byte("x"), 0o644) != nil)\n'
            f'\tfmt.Println(os.WriteFile("{shared}", []byte("x"), 0o644) == nil)\n'
            f'\t_, err := net.Dial("tcp", "127.0.0.1:{port}")\n\tfmt.Println(err != nil)\n'
            '\tfmt.Println(os.WriteFile("here.txt", []byte("x"), 0o644) == nil)\n}\n'
        )
    finally:
        server.close()
    assert report.stdout.split() == ["true", "true", "true", "true"], report.text()
    assert not target.exists() and not shared.exists()  # /tmp was private
    bench = golab.bench(f'func BenchmarkW(b *testing.B) {{\n\tif os.WriteFile("{target}", nil, 0o644) == nil {{\n'
                        '\t\tb.Fatal("wrote outside")\n\t}\n\tfor b.Loop() {\n\t}\n}\n', count=1, benchtime="10x")
    assert bench.names == ["BenchmarkW"] and not target.exists()


def test_without_the_sandbox_golab_is_not_a_sandbox(tmp_path, monkeypatch, no_leaks):
    """Said plainly in the README: without GOLAB_SANDBOX=1 a program can
    write the user's files."""
    monkeypatch.setenv("GOLAB_SANDBOX", "0")
    target = tmp_path / "outside.txt"
    assert golab.run(f'func main() {{\n\tos.WriteFile("{target}", []byte("x"), 0o644)\n}}\n').ok
    assert target.exists()


# ---------------------------------------------------------------- views stay small


def test_a_16k_line_escape_view_is_cut_with_a_note(no_leaks):
    src = "".join(f"func f{i}() *int {{\n\tx := {i}\n\treturn &x\n}}\n" for i in range(4000))
    report = golab.escape(src)
    assert len(report.heap()) == 4000
    html = report._repr_html_()
    assert "The view stops before line" in html and "shows every line" in html and len(html) < 3_000_000
    assert 'data-line="1"' in html and 'data-line="16000"' not in html


# ---------------------------------------------------------------- late compiler failures


@pytest.mark.parametrize("call", ["escape", "frames"])
def test_a_late_compile_error_is_not_buried_under_the_compilers_notes(call, no_leaks):
    """The compiler reports a frame that is too large after escape analysis
    has printed its notes: only the error is an error."""
    src = "func big(a [1 << 28]int64) int64 { return a[7] }\n\nfunc f() *int { x := 1; return &x }\n"
    report = getattr(golab, call)(src)
    assert [str(e) for e in report.errors] == ["snippet.go:1:6: stack frame too large (>1GB): 0 MB locals + 2048 MB args"]


# ---------------------------------------------------------------- memory caps too small to start


def test_a_memory_cap_too_small_for_the_go_runtime_says_so(monkeypatch, no_leaks):
    report = golab.run(HELLO, max_memory="100M")
    assert report.status == "out-of-memory" and "too small for the Go runtime to start" in report.explanation()
    monkeypatch.setenv("GOLAB_MAX_MEMORY", "100M")
    with pytest.raises(BenchOutOfMemory, match="memory cap of 100.0 MiB .* too small for the Go runtime to start"):
        golab.bench(BENCH_BODY, count=1, benchtime="10x")


def test_a_hang_in_init_is_reported_as_a_hang_in_init(no_leaks):
    src = "func init() {\n\tfor {\n\t\ttime.Sleep(time.Millisecond)\n\t}\n}\n\n" + BENCH_BODY
    with pytest.raises(golab.GolabError) as err:
        golab.bench(src, count=1, benchtime="10x", timeout=3)
    assert isinstance(err.value, TimeoutError)
    assert "did not even list its benchmarks within 3 s" in str(err.value) and "init()" in str(err.value)
    assert "it was at bench_test.go:3" in str(err.value)


def test_a_cached_escape_answer_does_not_skip_the_timeout_check(no_leaks):
    src = GOOD + "// cached once\n"
    golab.escape(src)
    with pytest.raises(InvalidSetting, match="timeout must be a positive"):
        golab.escape(src, timeout=float("nan"))


def test_the_sandbox_works_when_golabs_caches_live_under_tmp(monkeypatch, no_leaks):
    """A hub with a read-only HOME keeps the supervisor in the temp folder,
    which the sandbox replaces with a private /tmp."""
    _sandbox_or_skip(monkeypatch)
    toolchain = golab.find_go()
    key = (toolchain.goroot, toolchain.version, toolchain.gocache)
    under_tmp = Path(tc.user_temp_root()) / "helpers" / "supervisor-under-tmp"
    under_tmp.parent.mkdir()
    monkeypatch.setitem(tc._helper_paths, key, str(under_tmp))  # where supervisor_path puts it then
    assert tc.supervisor_path() == str(under_tmp) and str(under_tmp).startswith(tempfile.gettempdir())
    assert golab.run(HELLO).stdout == "hello\n"


# ---------------------------------------------------------------- the temp root belongs to us (attack 14)


def _fresh_root(monkeypatch, base: Path) -> Path:
    monkeypatch.setenv("GOLAB_TMPDIR", str(base))
    return base / f"golab-{os.getuid()}"


@pytest.mark.parametrize("how", ["open", "foreign", "symlink"])
def test_a_temp_root_another_user_made_first_is_refused(tmp_path, monkeypatch, how):
    """Another user makes /tmp/golab-UID first (mode 0777, or a symlink to a
    folder of theirs) and plants a benchmark binary: golab must not use it."""
    root = _fresh_root(monkeypatch, tmp_path / "shared")
    if how == "symlink":
        theirs = tmp_path / "theirs"
        (theirs / "benchbin").mkdir(parents=True)
        os.chmod(theirs, 0o700)
        root.parent.mkdir()
        root.symlink_to(theirs)
    else:
        (root / "benchbin").mkdir(parents=True)
        os.chmod(root, 0o777)
        if how == "foreign":
            if os.getuid() != 0:
                pytest.skip("only root can give a folder to another user")
            user = _learner()
            os.chown(root, user.pw_uid, user.pw_gid)
            os.chmod(root, 0o700)
    want = {"open": "open to other users", "foreign": "belongs to uid", "symlink": "symlink"}[how]
    with pytest.raises(InvalidSetting, match=want):
        golab.run(HELLO)
    with pytest.raises(InvalidSetting, match="GOLAB_TMPDIR"):
        golab.bench(ALLOC, count=1, benchtime="10x")


def test_a_poisoned_cached_benchmark_with_a_matching_digest_file_is_not_trusted_after_a_restart(no_leaks):
    """Attack 13: a program rewrites a cached test binary and the ``.sha256``
    beside it; after a kernel restart (this process's in-memory digests
    gone) the benchmark must measure the source, not the planted binary."""
    import hashlib

    from golab import binary

    golab.bench(ALLOC, count=1, benchtime="100x")
    cache = Path(tc.user_temp_root()) / "benchbin"
    alloc_bin = next(p for p in cache.glob("*.test") if str(p) in binary._digests)
    golab.bench(NOALLOC, count=1, benchtime="100x")
    other = next(p for p in cache.glob("*.test") if p != alloc_bin)
    planted = other.read_bytes()  # a real benchmark binary that measures 0 allocs/op
    os.chmod(alloc_bin, 0o700)
    alloc_bin.write_bytes(planted)
    alloc_bin.with_suffix(".sha256").write_text(hashlib.sha256(planted).hexdigest() + "\n")
    binary._digests.clear()  # what a kernel restart forgets
    again = golab.bench(ALLOC, count=1, benchtime="100x")
    assert again["Alloc"].allocs_per_op == 1


# ---------------------------------------------------------------- the sandbox holds (attacks 18, 20)

UNDO_MOUNTS = r"""
import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	fmt.Println(syscall.Mount("", "/", "", syscall.MS_BIND|syscall.MS_REMOUNT, "") != nil)
	fmt.Println(syscall.Unmount("/tmp", syscall.MNT_DETACH) != nil)
	fmt.Println(os.WriteFile("TARGET", []byte("x"), 0o644) != nil)
	fmt.Println(os.WriteFile("here.txt", []byte("x"), 0o644) == nil)
	// a user namespace of its own: every capability there, but the mounts are locked
	exec.Command("unshare", "-Urm", "sh", "-c", "mount -o remount,bind,rw / ; umount -l /tmp ; echo x > TARGET").Run()
}
"""


def test_a_sandboxed_program_cannot_undo_its_mounts(tmp_path, monkeypatch, no_leaks):
    """Attack 18: golab running as root, GOLAB_SANDBOX=1: the program is
    uid 0 in a user namespace that owns its mount namespace; it must have
    no capability left to remount / read-write or unmount the private /tmp,
    and a user namespace of its own must find the mounts locked."""
    _sandbox_or_skip(monkeypatch)
    target = tmp_path / "outside.txt"
    report = golab.run(UNDO_MOUNTS.replace("TARGET", str(target)))
    assert report.stdout.split() == ["true"] * 4, report.text()
    assert not target.exists()


AS_LEARNER = """
import os, sys, golab
os.environ.update(dict(a.split("=", 1) for a in sys.argv[2:]) or {"GOLAB_SANDBOX": "1"})
try:
    r = golab.run(sys.argv[1], timeout=120)
    print(r.status if r.exit_code in (0, None) else r.exit_code, r.stdout.split())
except golab.GolabError as e:
    print(type(e).__name__, e)
"""


def _run_as_learner(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run Python ``code`` as a non-root user (made with useradd), with a
    home and temp folder of its own; /root is made traversable for the
    run when the interpreter lives there, and put back."""
    user = _learner()
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to run as another user")
    home = Path(tempfile.mkdtemp(prefix="golab-learner-"))
    os.chown(home, user.pw_uid, user.pw_gid)
    os.chmod(home, 0o755)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(home / "tmp"),
           "GOCACHE": str(home / "go-build")}
    root_mode = os.stat("/root").st_mode
    opened = sys.executable.startswith("/root/") and not root_mode & 0o001
    try:
        if opened:
            os.chmod("/root", stat.S_IMODE(root_mode) | 0o711)
        return subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                               sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                              timeout=900, cwd=home)
    finally:
        if opened:
            os.chmod("/root", stat.S_IMODE(root_mode))
        tc.remove_tree(home)  # here, not at module teardown: other modules call this too


@pytest.mark.slow
def test_the_sandbox_works_for_a_non_root_user_and_still_holds(tmp_path, monkeypatch):
    """Attack 20: for a non-root user every sandboxed run failed (the mount
    step lost its capabilities at execve) and was reported as the
    program's os.Exit.  Now it runs, and the program cannot undo it."""
    _sandbox_or_skip(monkeypatch)
    outside = tmp_path / "learner-outside"
    outside.mkdir()
    os.chmod(outside, 0o777)
    target = outside / "x.txt"
    r = _run_as_learner(AS_LEARNER, UNDO_MOUNTS.replace("TARGET", str(target)))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "ok " + str(["true"] * 4), r.stdout + r.stderr[-2000:]
    assert not target.exists()


# ---------------------------------------------------------------- a program's bytes are data (attacks 23, 28)

RAW_CONTROLS = "\x00\x07\x1b\r\x85\x9b\u2028\u202e\u2066"
NOISY = ('func main() {\n\tfmt.Print("\\x1b]52;c;ZWNobw==\\x07 real\\rFAKE \\x1b[2J\\x00nul \\u202eevil\\u2066 \\u0085\\u009b\\n")\n'
         '\tfmt.Fprint(os.Stderr, "\\x1b[1A\\x1b[2Kerased\\r\\n")\n\tos.Exit(1)\n}\n')


def test_control_characters_from_a_program_reach_no_view_raw(no_leaks):
    """ESC sequences (OSC 52 writes the clipboard), BEL, NUL, a carriage
    return that overwrites a line, C1 controls and bidi overrides a program
    prints are shown as escapes or marks in str(), text() and HTML."""
    report = golab.run(NOISY)
    assert "\x1b" in report.stdout and "\u202e" in report.stdout  # the data itself is kept as it was
    for view in (str(report), report.text(), report._repr_html_()):
        assert not [c for c in view if c in RAW_CONTROLS], [hex(ord(c)) for c in view if c in RAW_CONTROLS]
    assert "\\x1b]52" in report.text() and "\\u202e" in report.text()


def test_the_cli_prints_no_bidi_or_c1_controls_of_a_file(tmp_path, no_leaks):
    """Attack 28: a bidi override (U+202E) in a comment reordered what the
    terminal showed of the source."""
    (tmp_path / "main.go").write_text("package main\n\n// \u202eevil\u2066 \x85\x9b[2J\n" + GOOD + "\nfunc main() { newInt() }\n")
    r = cli("escape", str(tmp_path))
    assert r.returncode == 0, r.stderr[-1500:]
    assert not [c for c in r.stdout + r.stderr if c in RAW_CONTROLS], (r.stdout + r.stderr)[-1500:]
    assert "\\u202e" in r.stdout


# ---------------------------------------------------------------- fatal errors are what they are (attacks 09, 17, 21, 33)


@pytest.mark.parametrize("src, message", [
    ('import "runtime"\n\nfunc main() {\n\tdefer println("deferred")\n\truntime.Goexit()\n}\n', "no goroutines"),
    ('import _ "unsafe"\n\n//go:linkname throw runtime.throw\nfunc throw(string)\n\nfunc main() { throw("linkname throw") }\n',
     "linkname throw"),
    ('import (\n\t"runtime"\n\t"runtime/debug"\n\t"time"\n)\n\nfunc main() {\n\tdebug.SetMaxThreads(8)\n'
     '\tfor i := 0; i < 50; i++ {\n\t\tgo func() {\n\t\t\truntime.LockOSThread()\n\t\t\ttime.Sleep(time.Hour)\n\t\t}()\n\t}\n'
     '\ttime.Sleep(time.Hour)\n}\n', "thread exhaustion"),
], ids=["goexit-deadlock", "linkname-throw", "thread-exhaustion"])
def test_fatal_errors_without_a_goroutine_trace_are_fatal_errors_not_os_exit(src, message, no_leaks):
    """Fatal errors the runtime prints with no goroutine trace (no goroutine
    left), with a "goroutine 1 gp=... m=..." header (a throw), or with
    "runtime stack:" (thread exhaustion) read as fatal errors."""
    report = golab.run(src, timeout=20)
    assert report.status == "panic" and report.panic and report.panic.fatal, report.text()
    assert message in report.explanation()


EAGAIN = ("runtime: failed to create new OS thread (have 7 already; errno=11)\n"
          "runtime: may need to increase max user processes (ulimit -u)\nfatal error: newosproc\n\n"
          "goroutine 1 gp=0xc000002380 m=0 mp=0x563ac0 [running]:\nruntime.throw({0x4b3d6c?, 0x0?})\n")


def test_a_full_process_table_is_not_out_of_memory():
    """Attack 17: a fork bomb that hits ``ulimit -u`` (EAGAIN, errno=11) was
    reported as out of memory.  Checked on the runtime's own words: a real
    run needs a non-root user whose process limit is reached (root is
    exempt from RLIMIT_NPROC)."""
    from golab import binary
    from golab.runner import RunReport

    assert not binary.is_out_of_memory(EAGAIN) and binary.thread_limit(EAGAIN)
    assert binary.is_out_of_memory(EAGAIN.replace("errno=11", "errno=12"))
    report = RunReport(go_version="go1.27.3", sources={"main.go": ""}, exit_code=2, stderr=EAGAIN,
                       panic=binary.parse_panic(EAGAIN, {"main.go"}, 2))
    assert report.status == "panic" and "ulimit -u" in report.explanation()
    assert "memory" not in report.explanation().replace("not out of memory", "")


def test_a_benchmark_count_of_a_trillion_is_refused(ip, no_leaks):
    """Attack 29: ``--count 1000000000000`` was accepted and ran until
    the kernel was interrupted."""
    from golab.errors import BenchError

    with pytest.raises(BenchError, match="count must be at most"):
        golab.bench("func BenchmarkX(b *testing.B) { for b.Loop() {} }", count=10**12)
    out = ip.run_cell_magic("go_bench", "--count 1000000000000", "func BenchmarkX(b *testing.B) { for b.Loop() {} }\n")
    assert "count must be at most" in str(out)


@pytest.mark.parametrize("module", [False, True], ids=["folder", "module"])
def test_a_folder_of_many_large_files_is_refused_before_reading(tmp_path, module, no_leaks):
    """Attack 35: 120 files of 0.9 MB each pass the per-file limit; read
    whole they took two minutes and 550 MB."""
    import time

    if module:
        (tmp_path / "go.mod").write_text("module example.com/big\n\ngo 1.22\n")
    for i in range(6):
        (tmp_path / f"f{i}.go").write_text("package main\n// " + "x" * 900_000 + "\n")
    start = time.monotonic()
    with pytest.raises(SnippetError, match="MB in all"):
        golab.escape(str(tmp_path))
    assert time.monotonic() - start < 20


@pytest.mark.parametrize("directive", ["//line /etc/passwd:1", "/*line snippet.go:99*/"])
def test_a_learners_line_directive_is_refused_not_silently_misplaced(directive, no_leaks):
    """Attack 06: a //line directive in the learner's code made the
    compiler report decisions at another file or line: some were dropped,
    others shown at line 99 of a 6-line snippet."""
    src = f"{directive}\nfunc leak() *int {{ x := 42; return &x }}\n\nfunc main() {{ leak() }}\n"
    with pytest.raises(SnippetError, match=r":1: a line directive"):
        golab.escape(src, level=2)


def test_gctrace_lines_a_program_prints_among_the_runtimes_are_not_counted(no_leaks):
    """Attack 41: fake ``gc N @...`` lines on stderr were counted as cycles.
    Mixed with the runtime's own, the numbering gives them away."""
    from golab.errors import ProfileError

    src = ('var sink []byte\n\nfunc main() {\n\tfor i := 0; i < 200; i++ {\n\t\tsink = make([]byte, 1<<20)\n'
           '\t\tfmt.Fprintf(os.Stderr, "gc %d @0.%03ds 99%%: 0.1+9999+0.1 ms clock, 0.2+0/1/2+0.2 ms cpu, '
           '4000->4000->4000 MB, 4000 MB goal, 0 MB stacks, 0 MB globals, 2 P\\n", i%5+1, i)\n\t}\n}\n')
    with pytest.raises(ProfileError, match="does not add up"):
        golab.gctrace(src)
    honest = golab.gctrace('var sink []byte\n\nfunc main() {\n\tfor i := 0; i < 200; i++ {\n\t\tsink = make([]byte, 1<<20)\n\t}\n}\n')
    assert honest.cycles and [c.number for c in honest.cycles] == list(range(1, len(honest.cycles) + 1))
