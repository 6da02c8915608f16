"""A whole class on one hub: golab assumes no single user.

Checked here: temp folders and caches are per user; golab works from a
read-only copy of the lessons with a read-only HOME (Go's build cache then
falls back to the per-user temp folder), and writes nothing next to the
notebooks.  Read-only is enforced with a read-only bind mount in a private
mount namespace (``unshare -m``), because root ignores file modes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from golab.toolchain import _usable_cache, user_temp_root

from conftest import EXAMPLES, ROOT, unshare_works


def test_temp_root_is_per_user_and_private(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path))
    root = user_temp_root()
    assert os.path.basename(root) == f"golab-{os.getuid()}"
    assert oct(os.stat(root).st_mode & 0o777) == "0o700"


def test_unwritable_build_cache_falls_back_to_the_user_temp_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLAB_TMPDIR", str(tmp_path))
    assert _usable_cache("off") == os.path.join(user_temp_root(), "go-build")


@pytest.mark.skipif(not unshare_works("-m"), reason="unshare -m is not permitted on this machine")
def test_lessons_run_from_a_read_only_copy_with_a_read_only_home(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "notebooks", course / "notebooks")
    shutil.copytree(EXAMPLES, course / "go_examples")
    home = tmp_path / "home"
    home.mkdir()
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    script = f"""
set -e
mount --bind {course} {course} && mount -o remount,ro,bind {course}
mount --bind {home} {home} && mount -o remount,ro,bind {home}
cd {course}/notebooks
touch probe 2>/dev/null && {{ echo "the lessons folder is writable"; exit 9; }}
{sys.executable} -m golab doctor
{sys.executable} -m golab check ../go_examples > /dev/null
{sys.executable} -m jupyter nbconvert --to notebook --execute --stdout 00_start_here.ipynb \\
    --ExecutePreprocessor.timeout=600 > {tmp_path}/executed.ipynb
"""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GOCACHE", "XDG_", "JUPYTER_", "IPYTHON"))
    }
    env.update(HOME=str(home), GOLAB_TMPDIR=str(tmp_path / "user-tmp"), GOLAB_BENCH_SCALE="0.1")
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"GOCACHE:  {tmp_path / 'user-tmp'}" in r.stdout  # the per-user fallback, not ~/.cache
    assert (tmp_path / "executed.ipynb").stat().st_size > 0
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before  # nothing written next to them
