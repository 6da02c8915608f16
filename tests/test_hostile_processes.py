"""Nothing a learner's program starts outlives golab (issue 9, part 1).

Every case runs the real supervisor, the real Go toolchain and real
programs that try to escape: a child in a new session, in a new process
group, a double fork, ``nohup``, a child that clears its environment, a
child that holds the output pipes.  After each call returns or raises
(success, timeout, Ctrl-C), and after the Python process that made the call
is killed (SIGKILL, SIGTERM), no process golab started is left.  The leak
check finds processes by the marker golab gives each of them (the
``GOLAB_RUN_ID`` environment variable, or a working dir inside golab's temp
root), never by parent chain.  Both mechanisms are tested: the PID
namespace (where user namespaces work) and the subreaper fallback.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import golab
from golab import toolchain as tc

from conftest import ROOT, golab_processes

MECHANISMS = ["pid-namespace", "subreaper"]

# Children that try every way out of a process group; each sleeps 300 s.
ESCAPE = r"""
import (
	"os"
	"os/exec"
	"syscall"
)

func escape() {
	// a new session
	s := exec.Command("sleep", "301")
	s.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	s.Start()
	// a new process group
	g := exec.Command("sleep", "302")
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g.Start()
	// a double fork: the shell exits at once, its child is orphaned
	exec.Command("sh", "-c", "(setsid sleep 303 &) ; exit 0").Run()
	// nohup, ignoring SIGHUP
	exec.Command("nohup", "sleep", "304").Start()
	// an empty environment: no GOLAB_RUN_ID to find it by
	e := exec.Command("sleep", "305")
	e.Env = []string{}
	e.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	e.Start()
	// a child that holds our output pipes open
	p := exec.Command("sleep", "306")
	p.Stdout, p.Stderr = os.Stdout, os.Stderr
	p.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	p.Start()
}
"""

ESCAPE_AND_EXIT = ESCAPE + 'func main() {\n\tescape()\n\tfmt.Println("escaped")\n}\n'
ESCAPE_AND_SPIN = ESCAPE + 'func main() {\n\tescape()\n\tfmt.Println("escaped")\n\tfor {\n\t}\n}\n'


@pytest.fixture(params=MECHANISMS)
def mechanism(request, monkeypatch):
    monkeypatch.setenv("GOLAB_CONTAINMENT", request.param)
    if request.param == "pid-namespace":
        try:
            tc.containment()
        except golab.GolabError as exc:
            pytest.skip(f"no PID namespaces here: {exc}")
    assert tc.containment().mechanism == request.param
    return request.param


def _settle(marker: str | None = None, root: str | None = None, seconds: float = 2.0) -> list[str]:
    """Processes still marked after up to ``seconds``: the requirement is
    2 s (measured on this kind of machine: about 70 ms after Python is
    killed, in both mechanisms)."""
    end = time.monotonic() + seconds
    left = golab_processes(marker, root)
    while left and time.monotonic() < end:
        time.sleep(0.05)
        left = golab_processes(marker, root)
    return left


def test_children_in_new_sessions_groups_and_double_forks_end_with_the_program(mechanism, no_leaks):
    report = golab.run(ESCAPE_AND_EXIT, timeout=30)
    assert report.status == "ok" and report.stdout == "escaped\n", report.text()
    assert not report.timed_out  # a child holding the pipes did not keep golab waiting
    assert _settle() == []


def test_children_end_when_the_program_times_out(mechanism, no_leaks):
    report = golab.run(ESCAPE_AND_SPIN, timeout=3)
    assert report.status == "timeout" and "escaped" in report.stdout
    assert _settle() == []


def test_ctrl_c_during_a_run_leaves_nothing(mechanism, no_leaks):
    def interrupt_when_running() -> None:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if any(":sleep" in p for p in golab_processes()):
                _thread.interrupt_main()  # what Ctrl-C / a kernel interrupt does
                return
            time.sleep(0.05)

    threading.Thread(target=interrupt_when_running, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        golab.run(ESCAPE_AND_SPIN, timeout=60)
    assert _settle() == []


def test_a_benchmark_that_escapes_and_hangs_leaves_nothing(mechanism, no_leaks):
    src = ESCAPE.replace("func escape()", "func escapeAll()") + textwrap.dedent(
        """
        func BenchmarkEscape(b *testing.B) {
        \tescapeAll()
        \ttime.Sleep(time.Hour)
        }
        """
    )
    with pytest.raises(golab.GolabError) as err:
        golab.bench(src, count=1, benchtime="1x", timeout=3)
    assert "did not finish within 3 s" in str(err.value)
    assert isinstance(err.value, TimeoutError)
    assert _settle() == []


PARENT = """
import sys, golab
from golab.toolchain import SESSION_MARKER, user_temp_root
print(SESSION_MARKER, user_temp_root(), flush=True)
golab.run(sys.stdin.read(), timeout=120)
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_python_ends_everything_and_the_next_start_sweeps_its_temp_dir(mechanism, sig, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                              text=True)
    parent.stdin.write(ESCAPE_AND_SPIN)
    parent.stdin.close()
    marker, root = parent.stdout.readline().split()
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end and sum(":sleep" in p for p in golab_processes(marker, root)) < 6:
            time.sleep(0.1)
        assert sum(":sleep" in p for p in golab_processes(marker, root)) == 6, golab_processes(marker, root)
        left_dirs = set(os.listdir(root)) - {"benchbin", "importcfg"}
        assert any(d.startswith("run-") for d in left_dirs)
    finally:
        parent.send_signal(sig)
        parent.wait()
    assert _settle(marker, root) == []
    # the temp dir of the dead process is still there until a golab process starts
    subprocess.run([sys.executable, "-c", "from golab.toolchain import user_temp_root; user_temp_root()"], env=env,
                   check=True)
    assert not [d for d in os.listdir(root) if d.startswith("run-")]


COMPILING_PARENT = """
import sys, golab
from golab import toolchain
from golab.toolchain import SESSION_MARKER, user_temp_root
if sys.argv[1] == "preexec":
    toolchain._setpriv[:] = [None]  # as on a machine without util-linux's setpriv
print(SESSION_MARKER, user_temp_root(), flush=True)
golab.escape("".join(f"func f{i}(p *int) *int {{ x := *p + {i}; if x > 3 {{ return &x }}; return p }}\\n"
                     for i in range(12000)), level=2, timeout=120)  # seconds of compiler work, under 1 MB
"""


def _analysing(processes: list[str]) -> bool:
    """Is golab's own compile running (``compile ... -lang=...``)?  Not the
    ``compile -V=full`` that ``go list`` runs for a moment to learn the
    compiler's version: seeing that one made this test flaky."""
    for p in processes:
        pid, _, name = p.partition(":")
        if name == "compile":
            with contextlib.suppress(OSError):
                if b"-lang=" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return True
    return False


@pytest.mark.parametrize("spawn", ["setpriv", "preexec"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_python_mid_compile_ends_the_compiler(sig, spawn, tmp_path):
    """The compiler runs without the supervisor (run_compiler: direct): when
    Python dies, its parent-death signal ends it, with seconds of work still
    to do; set by setpriv (a vfork, the usual way) or by the child itself
    (where there is no setpriv)."""
    if spawn == "setpriv" and not tc._pdeathsig_wrapper():
        pytest.skip("this machine has no setpriv with --pdeathsig")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GOLAB_TMPDIR": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-c", COMPILING_PARENT, spawn], stdout=subprocess.PIPE, env=env,
                              text=True)
    marker, root = parent.stdout.readline().split()
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end and not _analysing(golab_processes(marker, root)):
            time.sleep(0.02)
        assert _analysing(golab_processes(marker, root)), "the compiler never started"
    finally:
        parent.send_signal(sig)
        parent.wait()
    assert _settle(marker, root) == []


@pytest.mark.parametrize("spawn", ["setpriv", "preexec"])
def test_a_direct_command_gets_the_limits_and_the_parent_death_signal(spawn, monkeypatch):
    """What run(direct=True) promises the compiler, read from the kernel: the
    address-space, CPU-time and core limits (a child started after the
    prlimit inherits them), and SIGKILL (9) as the parent-death signal."""
    if spawn == "setpriv" and not tc._pdeathsig_wrapper():
        pytest.skip("this machine has no setpriv with --pdeathsig")
    if spawn == "preexec":
        monkeypatch.setattr(tc, "_setpriv", [None])
    script = ("import ctypes, sys, time; time.sleep(0.3); sig = ctypes.c_int(); "
              "ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0); "  # PR_GET_PDEATHSIG
              "print(sig.value); sys.stdout.write(open('/proc/self/limits').read())")
    result = tc.run([sys.executable, "-c", script], direct=True, max_memory=3 << 30, timeout=20)
    assert result.ok, result.stderr
    first, _, limits = result.stdout.partition("\n")
    assert first == "9"
    rows = {line[:26].strip(): line[26:].split() for line in limits.splitlines()[1:]}
    assert rows["Max address space"][:2] == [str(3 << 30)] * 2
    assert rows["Max core file size"][:2] == ["0", "0"]
    cpu = int(20 * (os.cpu_count() or 1) + 30)
    assert rows["Max cpu time"][:2] == [str(cpu)] * 2


def test_doctor_says_which_mechanism_is_active(mechanism):
    r = subprocess.run([sys.executable, "-m", "golab", "doctor"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert f"containment: {mechanism}:" in r.stdout
    how = "started by setpriv" if tc._pdeathsig_wrapper() else "no setpriv here"
    assert "\ncompiler: " in r.stdout and how in r.stdout


def test_a_program_cannot_forge_its_own_fate(no_leaks):
    """The supervisor's status pipe is not inherited: a program cannot
    write "exit 0" on it to hide a crash."""
    src = ('func main() {\n\tfor fd := 3; fd < 64; fd++ {\n\t\tf := os.NewFile(uintptr(fd), "x")\n'
           '\t\tif f != nil {\n\t\t\tf.Write([]byte("exit 0\\nexit"))\n\t\t}\n\t}\n\tos.Exit(7)\n}\n')
    assert golab.run(src).exit_code == 7


def test_a_poisoned_supervisor_is_rebuilt_not_used(no_leaks):
    helper = tc.supervisor_path()
    original = Path(helper).read_bytes()

    def put(data: bytes) -> None:  # swap the file, as a program could (it may be running: no in-place write)
        staged = Path(helper + ".test-swap")
        staged.write_bytes(data)
        os.chmod(staged, 0o700)
        os.replace(staged, helper)

    try:
        put(b"#!/bin/sh\necho poisoned\n")
        report = golab.run('func main() { fmt.Println("real") }')
        assert report.stdout == "real\n"
        assert Path(helper).read_bytes() == original  # rebuilt from source (the build is reproducible)
    finally:
        if Path(helper).read_bytes() != original:
            put(original)


def test_temp_dirs_of_live_processes_are_not_swept(tmp_path):
    root = tmp_path / f"golab-{os.getuid()}"
    root.mkdir()
    mine = root / f"run-{tc._OWNER}.keep"
    dead = root / "run-999999999.1.gone"
    reused = root / f"run-{os.getpid()}.1.gone"  # our pid, another start time: a dead process's pid reused
    for d in (mine, dead, reused):
        (d / "sub").mkdir(parents=True)
    os.chmod(dead / "sub", 0o500)
    removed = tc.sweep_dead_temp_dirs(str(root))
    assert sorted(removed) == sorted([dead.name, reused.name])
    assert mine.exists() and not dead.exists() and not reused.exists()


def test_in_a_pid_namespace_a_program_cannot_signal_golabs_process(mechanism, no_leaks):
    """What the README says: in the PID namespace the learner's kernel is not
    there to be signalled; under the subreaper it is (same user)."""
    src = (f'import "syscall"\n\nfunc main() {{\n\tfmt.Println(syscall.Kill({os.getpid()}, 0))\n}}\n')
    out = golab.run(src).stdout.strip()
    assert out == ("no such process" if mechanism == "pid-namespace" else "<nil>"), out


def test_a_program_that_kills_the_supervisor_leaves_nothing(mechanism, no_leaks):
    src = ('import (\n\t"os"\n\t"os/exec"\n\t"syscall"\n\t"time"\n)\n\nfunc main() {\n'
           '\texec.Command("sleep", "307").Start()\n\tsyscall.Kill(os.Getppid(), syscall.SIGKILL)\n'
           '\ttime.Sleep(300 * time.Second)\n}\n')
    report = golab.run(src, timeout=30)
    assert report.status in ("killed", "ok", "exit")  # the supervisor (under the subreaper: its parent) is gone
    assert _settle() == []


NEXT_PROCESS = """
import golab
print(golab.run('func main() { fmt.Println("real") }').stdout, end="")
"""


def test_a_poisoned_supervisor_with_a_matching_digest_file_is_not_trusted_by_the_next_process(tmp_path, no_leaks):
    """Attack 12: a program replaces the cached supervisor and writes a
    matching ``.sha256`` beside it; a kernel restart (a new Python process)
    must not run it: nothing on disk is trusted for the digest."""
    import hashlib

    helper = tc.supervisor_path()
    original = Path(helper).read_bytes()
    marker = tmp_path / "poisoned-supervisor-ran"
    evil = f"#!/bin/sh\necho ran >> {marker}\nexit 125\n".encode()
    staged = Path(helper + ".test-swap")
    try:
        staged.write_bytes(evil)
        os.chmod(staged, 0o700)
        os.replace(staged, helper)
        Path(helper + ".sha256").write_text(hashlib.sha256(evil).hexdigest() + "\n")
        r = subprocess.run([sys.executable, "-c", NEXT_PROCESS], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert r.stdout == "real\n", r.stderr[-2000:]
        assert not marker.exists()
        assert Path(helper).read_bytes() == original  # rebuilt from source (the build is reproducible)
    finally:
        Path(helper + ".sha256").unlink(missing_ok=True)
        if Path(helper).read_bytes() != original:
            staged.write_bytes(original)
            os.chmod(staged, 0o700)
            os.replace(staged, helper)


TOUCH_SUPERVISOR = r"""
import (
	"fmt"
	"os"
)

func main() {
	sup := os.Getppid()
	_, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", sup), os.O_RDWR, 0)
	fmt.Println(err != nil)
	_, err = os.ReadDir(fmt.Sprintf("/proc/%d/fd", sup))
	fmt.Println(err != nil)
	for fd := 0; fd < 64; fd++ { // forge a fate on whatever pipe is there
		if f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", sup, fd), os.O_WRONLY, 0); err == nil {
			f.Write([]byte("exit 0\n"))
		}
	}
	os.Exit(7)
}
"""


@pytest.mark.slow
def test_under_the_subreaper_a_program_cannot_reach_into_the_supervisor():
    """Attacks 10 and 11: running as the same user, a program could write the
    supervisor's memory through /proc/PID/mem (and so outlive golab) or
    reopen its status pipe through /proc/PID/fd (and forge its fate).  The
    supervisor is not dumpable: neither is allowed.  Run as a non-root
    user: root may do both anyway (CAP_SYS_PTRACE)."""
    from test_hostile_inputs import AS_LEARNER, _run_as_learner

    r = _run_as_learner(AS_LEARNER, TOUCH_SUPERVISOR, "GOLAB_CONTAINMENT=subreaper")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "7 ['true', 'true']", r.stdout + r.stderr[-2000:]


def test_the_sweep_removes_a_planted_symlink_without_following_it(tmp_path):
    """Attack 37: a program plants, in golab's temp root, a symlink named
    like a dead process's temp dir, pointing at a folder of the user's; the
    next sweep must remove the link, not chmod (or empty) its target."""
    root = tmp_path / f"golab-{os.getuid()}"
    root.mkdir(mode=0o700)
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "keep.txt").write_text("precious")
    os.chmod(notes, 0o755)
    os.chmod(notes / "sub", 0o750)
    (root / "run-999999999.1.planted").symlink_to(notes)
    (root / "run-999999998.1.dir").mkdir()
    (root / "run-999999998.1.dir" / "inner").symlink_to(notes)
    removed = tc.sweep_dead_temp_dirs(str(root))
    assert sorted(removed) == ["run-999999998.1.dir", "run-999999999.1.planted"]
    assert os.listdir(root) == []
    assert (notes / "keep.txt").read_text() == "precious"
    assert oct(os.stat(notes).st_mode & 0o777) == "0o755" and oct(os.stat(notes / "sub").st_mode & 0o777) == "0o750"


def test_in_a_pid_namespace_a_program_cannot_open_the_kernels_memory(monkeypatch, no_leaks):
    """What the README says of the pid-namespace mechanism: the host's /proc
    is visible, but (even as root) the program cannot open golab's Python
    process's memory or environment: it holds no capability outside its
    user namespace."""
    monkeypatch.setenv("GOLAB_CONTAINMENT", "pid-namespace")
    try:
        tc.containment()
    except golab.GolabError as exc:
        pytest.skip(f"no PID namespaces here: {exc}")
    me = os.getpid()
    src = (f'func main() {{\n\t_, err := os.OpenFile("/proc/{me}/mem", os.O_RDWR, 0)\n\tfmt.Println(err != nil)\n'
           f'\t_, err = os.ReadFile("/proc/{me}/environ")\n\tfmt.Println(err != nil)\n}}\n')
    assert golab.run(src).stdout.split() == ["true", "true"]
