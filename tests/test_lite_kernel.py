"""golab lite's kernel additions: a cell that needs a full kernel shows one
box, no traceback, and the lesson goes on (in a real IPython shell, in a
subprocess so the handler does not stay in the test session's shell)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    r'''
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    from golab.lite import kernel
    kernel.install()

    def cell(code):
        print("=== cell", flush=True)
        r = shell.run_cell(code)
        print("=== ok" if r.error_in_exec is None or not r.error_in_exec.__class__.__name__ in ("ZeroDivisionError",) else "=== error", flush=True)

    cell("from golab.lite.backend import needs_full_kernel\nrun = needs_full_kernel(['build'])\nprint('not reached')")
    cell("print('stdout:', run.stdout, f'{run.frame_bytes:5}')")
    cell("print(len(list(run.events)), bool(run))")
    cell("max(run.events)")
    cell("needs_full_kernel(['test'])")
    cell("1/0")
    print("types:", type(shell.user_ns["run"]).__name__, type(shell.user_ns["_golab"]).__name__)
    '''
)


def test_needs_full_kernel_is_one_box_and_the_lesson_goes_on():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    cells = out.split("=== cell")[1:]
    assert len(cells) == 6, out
    first, second, third, fourth, fifth, sixth = cells
    # the first such cell: the long message with the way out, no traceback, nothing after the raise
    assert "[golab lite] This cell needs a full kernel" in first and "Binder" in first and "http" in first
    assert "Traceback" not in first and "not reached" not in first
    # a result it would have given reads as a placeholder
    assert "stdout: (needs a full kernel) (needs a full kernel)" in second
    assert "0 False" in third
    # a cell that fails only because it used the placeholder: a short box, no traceback
    assert "uses a result only a full kernel has" in fourth and "Traceback" not in fourth
    # the second time, the message is short
    assert "needs a full kernel (run benchmarks or tests)" in fifth and "Binder" not in fifth
    # any other error is shown as usual
    assert "ZeroDivisionError" in sixth
    assert "types: FullKernelOnly FullKernelOnly" in out
