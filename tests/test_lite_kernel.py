"""golab lite's kernel additions: a cell that needs a full kernel shows one
box, no traceback, and the lesson goes on (in a real IPython shell, in a
subprocess so the handler does not stay in the test session's shell)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

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
    cell("import golab\ngolab.escape('./nope/x.go')")
    print("types:", type(shell.user_ns["run"]).__name__, type(shell.user_ns["_golab"]).__name__)
    '''
)


def test_needs_full_kernel_is_one_box_and_the_lesson_goes_on():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    cells = out.split("=== cell")[1:]
    assert len(cells) == 7, out
    first, second, third, fourth, fifth, sixth, seventh = cells
    # the first such cell: the long message with the way out, no traceback, nothing after the raise
    # (this site has no Binder link: the way out is the README's install commands)
    assert "[golab lite] This cell needs a full kernel" in first and 'pip install -e ".[test]"' in first
    assert "http" not in first
    assert "Traceback" not in first and "not reached" not in first
    assert "The rest of this cell did not run." in first  # the print after the raise
    # a result it would have given is a placeholder: printing, formatting,
    # counting, testing or iterating it stops the cell with a short box, no
    # traceback, and never prints a made-up value (False, 0, an empty list)
    for cell in (second, third, fourth):
        assert "[golab lite] This cell uses a result only a full kernel has." in cell, cell
        assert "Traceback" not in cell and "stdout:" not in cell and "False" not in cell
    # the second time, the message is short
    assert "needs a full kernel (run benchmarks or tests)" in fifth and "Binder" not in fifth
    assert "did not run" not in fifth + second  # nothing came after the raise
    # any other error is shown as usual
    assert "ZeroDivisionError" in sixth
    # golab's own errors: the message, no traceback through golab
    assert "no such file or folder" in seventh and "Traceback" not in seventh
    assert "types: FullKernelOnly FullKernelOnly" in out


def test_the_way_to_a_full_kernel_is_the_sites_binder_link_or_the_install_commands(monkeypatch):
    """No link unless the site was built with one (--binder-url): a default
    link would point at a repository that may not exist."""
    from golab.lite import DEFAULT_BINDER_URL, backend, kernel

    assert DEFAULT_BINDER_URL == ""
    for url in ("", "https://mybinder.org/v2/gh/someone/golab/HEAD"):
        monkeypatch.setattr(backend, "_assets", backend._Assets("node", "x", {"binder_url": url}))
        monkeypatch.setattr(backend, "_told_full_kernel", False)
        messages = []
        for verb in ("run", "test"):  # the long message, then the short one
            try:
                backend.needs_full_kernel([verb])
            except backend.NeedsFullKernel as exc:
                messages.append(str(exc))
        box = kernel.notice_html(messages[0])
        if url:
            assert messages[0].endswith(f"on Binder: {url}.") and messages[1].endswith(f": {url}")
            assert f'<a href="{url}" target="_blank" rel="noopener">{url}</a>.' in box
        else:
            assert "http" not in "".join(messages) and "<a " not in box
            assert "<code>pip install -e &quot;.[test]&quot; &amp;&amp; python -m golab setup</code>" in box
            assert messages[1] == "This cell needs a full kernel (run benchmarks or tests)."


def test_a_magic_shows_needs_full_kernel_as_the_box_not_as_a_failure():
    from golab.lite.backend import NeedsFullKernel
    from golab.render_messages import Notice

    error = NeedsFullKernel("This cell needs a full kernel (build and run a Go program).")
    notice = Notice.from_error(error, "running the program")
    assert notice.kind == "warn" and notice.ok and notice.error is error
    assert repr(notice) == "[golab lite] This cell needs a full kernel (build and run a Go program)."
    assert "golab-needs-full-kernel" in notice._repr_html_() and "failed" not in notice._repr_html_()


def test_a_widget_shows_needs_full_kernel_as_the_box():
    from golab.lite.backend import NeedsFullKernel
    from golab.render_messages import error_html

    shown = error_html(NeedsFullKernel("This cell needs a full kernel (run benchmarks or tests)."))
    assert "golab-needs-full-kernel" in shown and "golab-error" not in shown and "NeedsFullKernel" not in shown


def test_a_placeholder_never_becomes_a_fact():
    """Lesson 08 in the browser printed "newPoint inlined at the hot call
    site: False" from a placeholder: every way of reading it as a value
    refuses, and displayed alone it is the box."""
    from golab.lite.backend import NeedsFullKernel
    from golab.lite.kernel import FullKernelOnly

    p = FullKernelOnly()
    uses = [bool, len, list, str, int, float, lambda v: f"{v}", lambda v: f"{v:5}", lambda v: v == 0,
            lambda v: v < 1, lambda v: 3 in v, lambda v: sorted(v), lambda v: "%d" % v]
    for use in uses:
        with pytest.raises(NeedsFullKernel, match="uses a result only a full kernel has"):
            use(p.base.allocs_per_op)
    assert p.find_line("x")[3].heap is p and {p: 1}[p] == 1  # passing it around is fine
    assert "golab-needs-full-kernel" in p._repr_html_() and repr(p).startswith("[golab lite] This cell uses")
