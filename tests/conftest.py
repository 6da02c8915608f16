"""Shared fixtures: the real Go toolchain (never a mock), and a check that
tests leave no golab temp folders and no child processes behind."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "go_examples"


@pytest.fixture(scope="session")
def toolchain():
    import golab

    return golab.find_go()


def unshare_works(flag: str) -> bool:
    """Can this machine give a command a private namespace (``-n`` network,
    ``-m`` mounts)?"""
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", flag, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(autouse=True)
def full_benchmarks(monkeypatch):
    """Unit tests measure what they ask for: the short benchmark mode that
    the root conftest sets for the lessons does not apply here (tests of
    the scaling set GOLAB_BENCH_SCALE themselves)."""
    monkeypatch.delenv("GOLAB_BENCH_SCALE", raising=False)


@pytest.fixture(scope="session")
def ip():
    """One IPython shell for the session with ``%load_ext golab`` (IPython
    allows one global app per process: start_ipython() returns None the
    second time)."""
    from IPython import get_ipython
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing.globalipapp import start_ipython

    if InteractiveShell.initialized():  # a test (widgets) made a plain shell first
        shell = InteractiveShell.instance()
    else:
        shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "golab")
    return shell


def golab_temp_dirs() -> set[str]:
    from golab.toolchain import user_temp_root

    root = Path(user_temp_root())
    keep = {"importcfg", "go-build", "gopath", "benchbin", "helpers", "golab-helpers"}  # caches, not leftovers
    found = set()
    for p in root.iterdir():
        if p.name.startswith("pool-"):  # reusable scratch folders (toolchain.scratch_dir): empty between runs
            found |= {f"{p.name}/{slot.name}/{f.name}" for slot in p.iterdir() for f in slot.iterdir()}
        elif p.name not in keep:
            found.add(p.name)
    return found


def descendants(pid: int | None = None) -> dict[int, str]:
    """Live (not zombie) descendants of ``pid`` (default: this test
    process), pid -> command name, from /proc."""
    root = os.getpid() if pid is None else pid
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        close = stat.rindex(")")
        fields = stat[close + 2 :].split()
        if fields[0] == "Z":
            continue
        parents[int(entry)] = int(fields[1])
        names[int(entry)] = stat[stat.index("(") + 1 : close]
    found = {}
    for child in parents:
        p = child
        while p in parents and p not in (root, 0, 1):
            p = parents[p]
        if p == root and child != root:
            found[child] = names[child]
    return found


def golab_processes(marker: str | None = None, root: str | None = None) -> list[str]:
    """Live processes golab started for this test process, found by the
    marker every one of them carries (GOLAB_RUN_ID in its environment) or,
    for one that cleared its environment, by its working dir inside golab's
    temp root: "pid:name".  Not by parent chain: a process that made itself
    a new session or was double-forked has left the chain."""
    from golab.toolchain import SESSION_MARKER, marked_processes, user_temp_root

    marker = marker or SESSION_MARKER
    pids = set(marked_processes(marker))
    root = root or user_temp_root()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cwd = os.readlink(f"/proc/{entry}/cwd")
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z" and cwd.startswith(root.rstrip("/") + "/"):
                pids.add(int(entry))
    names = {}
    for pid in pids:
        try:
            names[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
    return [f"{pid}:{name}" for pid, name in sorted(names.items())]


def child_processes() -> list[str]:
    """Descendants of this test process still alive, as "pid:name"."""
    return [f"{pid}:{name}" for pid, name in descendants().items()]


@pytest.fixture
def no_leaks(tmp_path_factory, monkeypatch):
    """Fails the test if it leaves a golab temp dir or a child process.

    golab's temp root is private to the test (GOLAB_TMPDIR), so other
    processes using golab at the same time cannot blur the count."""
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path_factory.mktemp("golab-tmp")))
    before = golab_temp_dirs()
    yield
    import time

    for _ in range(50):  # killed groups take a moment to be reaped
        if not child_processes() and not golab_processes():
            break
        time.sleep(0.1)
    assert not child_processes(), f"child processes left running: {child_processes()}"
    assert not golab_processes(), f"processes golab started still running: {golab_processes()}"
    assert golab_temp_dirs() - before == set(), f"temp dirs left: {golab_temp_dirs() - before}"
