"""Offline, provably: golab's Go work inside a network-less namespace
(``unshare -n``), with a cold Go build cache, so an accidental download
attempt fails loudly here instead of silently succeeding on a developer's
machine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT, unshare_works


pytestmark = pytest.mark.skipif(not unshare_works("-n"), reason="unshare -n is not permitted on this machine")


def offline(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        ["unshare", "-n", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_the_namespace_really_has_no_network():
    probe = "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=3)\n    print('ONLINE')\nexcept OSError as e:\n    print('offline', e)\n"
    r = offline(sys.executable, "-c", probe)
    assert r.stdout.startswith("offline"), r.stdout + r.stderr


def test_escape_check_and_run_work_offline_with_a_cold_build_cache(tmp_path):
    env = {"GOCACHE": str(tmp_path / "cold-cache"), "GOLAB_TMPDIR": str(tmp_path / "tmp")}
    doctor = offline(sys.executable, "-m", "golab", "doctor", env=env)
    assert doctor.returncode == 0, doctor.stderr
    assert str(tmp_path / "cold-cache") in doctor.stdout

    check = offline(sys.executable, "-m", "golab", "check", str(EXAMPLES), env=env)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr

    escape = offline(sys.executable, "-m", "golab", "escape", "--json", "-m", "2", str(EXAMPLES / "escapecases"), env=env)
    assert escape.returncode == 0, escape.stderr
    assert any(d["message"] == "moved to heap: x" for d in json.loads(escape.stdout)["decisions"])

    program = "import golab; r = golab.run('func main() { fmt.Println(strings.Repeat(\"go\", 2)) }'); print(r.status, r.stdout.strip())"
    run = offline(sys.executable, "-c", program, env=env)
    assert run.stdout.strip() == "ok gogo", run.stdout + run.stderr


def test_benchmarks_work_offline(tmp_path):
    env = {"GOLAB_TMPDIR": str(tmp_path)}
    r = offline(
        sys.executable, "-m", "golab", "bench", str(EXAMPLES / "points_alloc"),
        "--count", "3", "--benchtime", "100x", "--json", env=env,
    )
    assert r.returncode == 0, r.stderr
    data = {b["name"]: b for b in json.loads(r.stdout)["benchmarks"]}
    heap = next(b for name, b in data.items() if name.endswith("HeapAlloc"))
    assert heap["allocs_per_op"] == 1000


def test_a_module_import_fails_fast_and_says_offline(tmp_path):
    src = tmp_path / "main.go"
    src.write_text('package main\n\nimport "golang.org/x/exp/slices"\n\nfunc main() { _ = slices.Max([]int{1}) }\n')
    r = offline(sys.executable, "-m", "golab", "escape", str(src), timeout=60)
    assert r.returncode == 2 and "golab runs offline" in r.stderr
