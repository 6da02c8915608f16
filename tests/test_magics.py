"""%load_ext golab and the cell magics, in a real IPython shell with real Go."""

from __future__ import annotations

import pytest

import golab
from golab.render_messages import Notice


def run_cell(ip, text):
    """Run a cell as the kernel would; return (result, error) like nbval sees it."""
    res = ip.run_cell(text, store_history=False)
    return res.result, res.error_in_exec or res.error_before_exec


def test_magics_are_registered(ip):
    cell = ip.magics_manager.magics["cell"]
    for name in ("go_escape", "go_run", "go_bench", "go_frames"):
        assert name in cell, f"%%{name} is not registered"
    # an unknown magic must not be mistaken for ours
    assert "go_nope" not in cell


def test_go_escape_returns_report_and_stores_it(ip):
    body = "func newInt() *int {\n\tx := 42\n\treturn &x\n}\n"
    result, error = run_cell(ip, "%%go_escape -m 2\n" + body)
    assert error is None
    assert isinstance(result, golab.EscapeReport)
    assert ip.user_ns["_golab"] is result
    assert result.level == 2 and result.placement(2) == "heap"
    assert [d.message for d in result.heap()] == ["moved to heap: x"]
    assert result.heap()[0].flow  # -m=2 explains why
    assert "cell.go" in result.sources
    assert "moved to heap: x" in result._repr_html_()


def test_go_escape_flags(ip):
    body = "func id(p *int) *int {\n\treturn p\n}\n"
    result, _ = run_cell(ip, "%%go_escape -l --name lesson.go\n" + body)
    assert result.inline is False and "lesson.go" in result.sources
    assert not result.of_kind("can-inline")
    result, _ = run_cell(ip, "%%go_escape --no-inlining\n" + body)
    assert "can inline" not in result._repr_html_()
    assert "leaks" in result._repr_html_()


def test_go_escape_syntax_error_at_learners_line(ip):
    result, error = run_cell(ip, "%%go_escape\nfunc f() {\n\tx := \n}\n")
    assert error is None  # no Python traceback
    assert result.errors and result.errors[0].file == "cell.go" and result.errors[0].line == 3
    assert "cell.go:3" in result._repr_html_()


def test_bad_arguments_are_a_message(ip):
    result, error = run_cell(ip, "%%go_escape -m 3\nfunc f() {}\n")
    assert error is None
    assert isinstance(result, Notice) and not result.ok
    assert "invalid choice: 3" in repr(result)
    assert "golab-notice" in result._repr_html_()


def test_go_run_prints_program_output(ip):
    result, error = run_cell(ip, '%%go_run\nfunc main() {\n\tfmt.Println("hi from Go")\n}\n')
    assert error is None and result.ok and result.stdout == "hi from Go\n"
    assert repr(result) == "<RunReport go1.27.3: ok, exit status 0>"


def test_go_run_passes_args(ip):
    result, _ = run_cell(ip, '%%go_run one two\nfunc main() {\n\tfmt.Println(len(os.Args))\n}\n')
    assert result.stdout == "3\n"


def test_go_run_compile_error_panic_timeout_then_fine(ip):
    result, error = run_cell(ip, "%%go_run\nfunc main() {\n\tfmt.Println(undefinedName)\n}\n")
    assert error is None and result.status == "compile-error"
    assert (result.errors[0].file, result.errors[0].line) == ("main.go", 2)
    assert "undefined: undefinedName" in result._repr_html_()

    result, error = run_cell(ip, '%%go_run\nfunc main() {\n\tvar m map[string]int\n\tm["a"] = 1\n}\n')
    assert error is None and result.status == "panic"
    assert result.panic.line == 3 and "nil map" in result.panic.message
    assert "panicked at main.go:3" in result._repr_html_()

    result, error = run_cell(ip, "%%go_run --timeout 3\nfunc main() {\n\tfor {\n\t}\n}\n")
    assert error is None and result.status == "timeout"
    assert "after 3 s" in result._repr_html_()

    result, error = run_cell(ip, '%%go_run\nfunc main() {\n\tfmt.Println("fine again")\n}\n')
    assert error is None and result.ok and result.stdout == "fine again\n"


def test_go_run_bad_input_is_a_notice(ip):
    result, error = run_cell(ip, '%%go_run\nimport "github.com/x/y"\nfunc main() {}\n')
    assert error is None and isinstance(result, Notice)
    assert "offline" in result.text


def test_go_bench_and_frames_never_raise(ip):
    result, error = run_cell(ip, "%%go_bench --benchtime nonsense --count 1\nfunc BenchmarkX(b *testing.B) {}\n")
    assert error is None and result is not None
    result, error = run_cell(ip, "%%go_frames\nfunc f() {\n\tx := \n}\n")
    assert error is None and result is not None


TWO_BENCHMARKS = """
var sink *[64]byte

//go:noinline
func fill(p *[64]byte) { p[0] = 1 }

func BenchmarkStack(b *testing.B) {
	for b.Loop() {
		var a [64]byte
		fill(&a)
	}
}

func BenchmarkHeap(b *testing.B) {
	for b.Loop() {
		a := new([64]byte)
		fill(a)
		sink = a
	}
}
"""


def test_go_bench_with_two_benchmarks_compares_and_draws(ip):
    from IPython.utils.capture import capture_output

    with capture_output() as shown:
        result, error = run_cell(ip, "%%go_bench --count 5 --benchtime 2000x --quiet\n" + TWO_BENCHMARKS)
    assert error is None, error
    assert isinstance(result, golab.BenchResult) and len(result.benchmarks) == 2
    html = result._repr_html_()
    assert "golab-verdict" in html and "<table" in html and "<pre" not in html  # tables, not a text dump
    assert html.count("Heap") >= 2 and "p (Mann-Whitney)" in html and "95% CI of ratio" in html
    figures = [o for o in shown.outputs if "application/vnd.plotly.v1+json" in o.data]
    assert len(figures) == 1, [sorted(o.data) for o in shown.outputs]
    traces = figures[0].data["application/vnd.plotly.v1+json"]["data"]
    boxes = [t for t in traces if t["type"] == "box"]
    assert len(boxes) == 2 and all(len(t["x"]) == 5 and t["boxpoints"] == "all" for t in boxes)  # every sample
    assert "<svg" in figures[0].data["text/html"]  # the static fallback for nbconvert


def test_go_escape_hides_annotations_unless_asked(ip):
    body = 'func f() *int {\n\tx := 1 // guide "escapes" want "moved to heap: x"\n\treturn &x\n}\n'
    result, _ = run_cell(ip, "%%go_escape\n" + body)
    assert "guide" not in result._repr_html_()
    result, _ = run_cell(ip, "%%go_escape --annotations\n" + body)
    assert "guide" in result._repr_html_() and result.placement(2) == "heap"


GOLAB_ERROR_SCRIPT = r'''
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("%load_ext golab")
print("=== cell", flush=True)
shell.run_cell('import golab\ngolab.escape("./nope/x.go")\nprint("not reached")')
print("=== cell", flush=True)
shell.run_cell('1/0')
print("=== cell", flush=True)
shell.run_cell("%unload_ext golab")
shell.run_cell('golab.escape("./nope/x.go")')
'''


def test_a_golab_error_in_a_cell_is_its_message_not_a_traceback():
    """After %load_ext golab, a GolabError raised by a call in a cell shows
    its message (written for the learner) without the traceback through
    golab's code; other errors keep theirs; unloading puts it back."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", GOLAB_ERROR_SCRIPT], capture_output=True, text=True, timeout=120)
    golab_error, other, unloaded = (proc.stdout + proc.stderr).split("=== cell")[1:]
    assert "Traceback" not in golab_error and "not reached" not in golab_error and "escape.py" not in golab_error
    assert "SnippetError: ./nope/x.go: no such file or folder" in golab_error and "Check the spelling." in golab_error
    assert "ZeroDivisionError" in other and "Traceback" in other
    assert "Traceback" in unloaded and "SnippetError" in unloaded


BENCH_THAT_FAILS_SCRIPT = r'''
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("%load_ext golab")
shell.display_pub.publish = lambda data, **kw: print("DISPLAY", repr(data.get("text/plain")), kw.get("update"), flush=True)
shell.run_cell("%%go_bench\nfunc Broken(b *testing.B) { undefined() }\n")
shell.run_cell("%%go_bench --count nope\nfunc BenchmarkX(b *testing.B) {}\n")
'''


def test_a_benchmark_that_never_starts_leaves_no_starting_line():
    """The progress line ("benchmark: starting ...") is taken back when the
    run fails before it starts (a compile error; golab lite's 'needs a full
    kernel'), and a bad option fails cleanly before any progress."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", BENCH_THAT_FAILS_SCRIPT], capture_output=True, text=True, timeout=300)
    shown = [line for line in proc.stdout.splitlines() if line.startswith("DISPLAY")]
    assert shown[0].startswith("DISPLAY 'benchmark: starting") and shown[1] == "DISPLAY '' True", proc.stdout + proc.stderr
    assert "NameError" not in proc.stdout + proc.stderr and "UnboundLocalError" not in proc.stdout + proc.stderr


def test_a_golab_error_is_still_an_error_output_for_nbval():
    """In a real kernel the cell's output is an error (so nbval and nbclient
    see the cell fail) whose traceback is the one line of golab's message."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%load_ext golab\nimport golab"),
                                         nbformat.v4.new_code_cell('golab.escape("./nope/x.go")')])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    (out,) = nb.cells[1].outputs
    assert out.output_type == "error" and out.ename == "SnippetError"
    assert out.traceback == ["SnippetError: ./nope/x.go: no such file or folder (it looks like a path, not Go source). "
                             "Check the spelling."]
