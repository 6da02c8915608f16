"""golab.run: build and run real Go programs, and report what happened."""

from __future__ import annotations

import time

import pytest

import golab
from golab.runner import parse_panic


def test_hello_runs():
    r = golab.run('func main() {\n\tfmt.Println("hello")\n}\n', name="cell.go")
    assert r.ok and r.status == "ok"
    assert r.stdout == "hello\n"
    assert r.exit_code == 0
    assert repr(r) == "<RunReport go1.27.3: ok, exit status 0>"
    assert "hello" in r._repr_html_()


def test_args_are_passed():
    src = 'func main() {\n\tfmt.Println(strings.Join(os.Args[1:], "+"))\n}\n'
    assert golab.run(src, args=["a", "b c"]).stdout == "a+b c\n"


def test_compile_error_at_users_line():
    r = golab.run('func main() {\n\tx := 1\n\tfmt.Println("x"\n}\n', name="cell.go")
    assert r.status == "compile-error" and not r.ok
    assert r.exit_code is None
    assert r.errors[0].file == "cell.go" and r.errors[0].line == 3
    html = r._repr_html_()
    assert "cell.go, line 3" in html and "&gt;   3 |" in html


def test_panic_parsed_with_users_line():
    src = "func main() {\n\tx := []int{1, 2, 3}\n\ti := 5\n\tfmt.Println(x[i])\n}\n"
    r = golab.run(src, name="cell.go")
    assert r.status == "panic" and r.exit_code == 2
    assert r.panic.message == "runtime error: index out of range [5] with length 3"
    assert (r.panic.file, r.panic.line, r.panic.function) == ("cell.go", 4, "main.main")
    assert "/tmp/" not in r.stderr  # temp build dir is not shown
    assert "panicked at cell.go:4" in r.explanation()


def test_panic_in_helper_function():
    src = 'func boom() {\n\tpanic("boom")\n}\n\nfunc main() {\n\tboom()\n}\n'
    r = golab.run(src, name="cell.go")
    assert r.panic.message == "boom"
    assert (r.panic.line, r.panic.function) == (2, "main.boom")


def test_os_exit_status():
    r = golab.run('func main() {\n\tfmt.Println("bye")\n\tos.Exit(3)\n}\n')
    assert r.status == "exit" and r.exit_code == 3 and r.stdout == "bye\n"
    assert "exit status 3" in r.explanation() and r.panic is None


def test_endless_loop_stopped_by_timeout():
    start = time.monotonic()
    r = golab.run("func main() {\n\tfor {\n\t}\n}\n", timeout=2)
    assert time.monotonic() - start < 30
    assert r.timed_out and r.status == "timeout" and r.exit_code is None
    assert "2 s" in r.explanation()


def test_memory_cap_explained():
    src = (
        "func main() {\n\tvar keep [][]byte\n\tfor {\n"
        "\t\tb := make([]byte, 64<<20)\n\t\tb[0] = 1\n\t\tkeep = append(keep, b)\n\t}\n}\n"
    )
    r = golab.run(src, max_memory=768 << 20, timeout=30)
    assert r.out_of_memory and r.status == "out-of-memory"
    assert "ran out of memory" in r.explanation() and "768 MiB" in r.explanation()


def test_memory_cap_too_small_for_runtime_explained():
    r = golab.run("func main() {}\n", max_memory=128 << 20)
    assert r.status == "out-of-memory"
    assert "too small for the Go runtime to start" in r.explanation()


def test_output_cut_note():
    src = 'func main() {\n\tfor i := 0; i < 100000; i++ {\n\t\tfmt.Println("line", i)\n\t}\n}\n'
    r = golab.run(src, max_output=1000)
    assert len(r.stdout) <= 1000
    assert r.cut_note.startswith("[golab: output cut:")
    assert r.cut_note in r._repr_html_()


def test_not_a_main_package():
    r = golab.run("package lib\n\nfunc F() int { return 1 }\n")
    assert r.status == "compile-error" and "package main" in r.errors[0].message


def test_run_example_folder(tmp_path):
    (tmp_path / "main.go").write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(6 * 7) }\n')
    assert golab.run(str(tmp_path)).stdout == "42\n"


def test_bad_input_raises_golab_error():
    with pytest.raises(golab.GolabError):
        golab.run("")


def test_parse_panic_recovered_and_goexit_shapes():
    trace = "panic: oops [recovered]\n\tpanic: again\n\ngoroutine 1 [running]:\nmain.f(...)\n\tcell.go:7 +0x1\n"
    p = parse_panic(trace, {"cell.go"})
    assert p.message == "oops" and p.line == 7 and p.function == "main.f"
    assert parse_panic("all good\n", {"cell.go"}) is None
