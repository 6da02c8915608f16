"""What golab lite adds to the Pyodide kernel: the lesson goes on.

What it does: in golab lite, a cell that calls ``golab.run``,
``golab.bench``, ``golab.stack_growth`` and the like raises
:class:`~golab.lite.backend.NeedsFullKernel` (they need ``go build`` and a
process; the browser has only the compiler), and ``%%go_run`` shows that
error as a box.  :func:`install` registers an IPython exception handler and
a post-cell hook so that:

- the cell shows one box (the message, with a link to a full kernel) and no
  traceback, and counts as done, not failed: "Run All" goes on;
- the names that cell was assigning, and ``_golab`` after a magic, are bound
  to a :class:`FullKernelOnly` placeholder: a later cell may pass it around
  and take its fields, but the moment it would turn into a fact (printed,
  formatted, tested as true or false, compared, counted, iterated) the cell
  stops with a one-line box, "This cell uses a result only a full kernel
  has", instead of printing a made-up ``False`` or ``0``;
- a later cell that fails otherwise because it used such a placeholder (a
  TypeError from arithmetic on it) shows that box too.  Any other exception
  shows its usual traceback.

What it reads: the running IPython shell, the failing cell's source (from
the traceback's frame).  What it returns: nothing; it displays HTML.
"""

from __future__ import annotations

import ast
import html
import linecache
import re

from ..render_messages import Notice

_installed = False


class FullKernelOnly:
    """Stands in for a result that only a full kernel can compute: every
    attribute, item and call gives the placeholder again; anything that
    would make a fact of it raises :func:`result_needs_full_kernel` (shown
    as the box), and displayed on its own it is that box."""

    def __getattr__(self, name: str):
        if name.startswith(("__", "_repr_", "_ipython", "_ipy", "_fields")):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def _refuse(self, *args, **kwargs):
        raise result_needs_full_kernel()

    __bool__ = __len__ = __iter__ = __contains__ = __str__ = __format__ = _refuse
    __int__ = __float__ = __index__ = __complex__ = __round__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"[golab lite] {_uses_message()}"

    def _repr_html_(self) -> str:
        return notice_html(_uses_message())


def _uses_message() -> str:
    from .backend import binder_url

    url = binder_url()
    return f"This cell uses a result only a full kernel has{f' ({url})' if url else ''}."


def result_needs_full_kernel():
    """The error a placeholder raises when it is used as a value."""
    from .backend import NeedsFullKernel

    return NeedsFullKernel(_uses_message())


def notice_html(message: str) -> str:
    from ..render_messages import box

    text = html.escape(message)
    text = re.sub(r"(https?://[^\s<]+?)([.,)]?(?:\s|$))", r'<a href="\1" target="_blank" rel="noopener">\1</a>\2', text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)  # commands to type
    return box("warn", f"<b>Needs a full kernel.</b> {text}", cls="golab-notice golab-needs-full-kernel")


class NeedsFullKernelNotice(Notice):
    """The box (HTML) and its plain text; a magic returns it as its Notice."""

    def __init__(self, message: str, error: BaseException | None = None) -> None:
        super().__init__("warn", message, error)
        self.message = message

    def __repr__(self) -> str:
        return f"[golab lite] {self.message}"

    def _repr_html_(self) -> str:
        return notice_html(self.message)


def _cell(tb) -> tuple[ast.Module | None, int]:
    """The failing cell's code, parsed (None if it does not parse), and the
    line of it that was running: from the traceback's entry for the cell."""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "<module>":
            try:
                return ast.parse("".join(linecache.getlines(code.co_filename))), tb.tb_lineno
            except SyntaxError:
                return None, tb.tb_lineno
        tb = tb.tb_next
    return None, 0


def _cell_targets(tree: ast.Module | None) -> set[str]:
    """Names the failing cell assigns at its top level."""
    names: set[str] = set()
    for node in tree.body if tree is not None else ():
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def _uses_placeholder(tb) -> bool:
    """Did the failing code touch a placeholder?  (For the cell itself: the
    names it uses; its frame's namespace is the whole user namespace.)"""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "<module>":
            values = [frame.f_globals.get(n) for n in frame.f_code.co_names]
        else:
            values = list(frame.f_locals.values())
        if any(isinstance(v, FullKernelOnly) for v in values):
            return True
        tb = tb.tb_next
    return False


def _skipped_rest(tree: ast.Module | None, line: int) -> bool:
    """Did the cell stop (at ``line``) before its last statement?"""
    return tree is not None and bool(tree.body) and line < tree.body[-1].lineno


def _handler(shell, etype, value, tb, tb_offset=None):
    from IPython.display import display

    from .backend import NeedsFullKernel

    full_kernel = isinstance(value, NeedsFullKernel)
    if full_kernel or _uses_placeholder(tb):
        tree, line = _cell(tb)  # parsed once, for both questions
        rest = " The rest of this cell did not run." if _skipped_rest(tree, line) else ""
        if full_kernel:
            for name in _cell_targets(tree):
                shell.user_ns[name] = FullKernelOnly()
            shell.user_ns["_golab"] = FullKernelOnly()
            display(NeedsFullKernelNotice(str(value) + rest))
        else:
            display(NeedsFullKernelNotice(_uses_message() + rest))
        return []
    from ..magics import show_golab_error
    from ..toolchain import GolabError

    if isinstance(value, GolabError):  # a message for the learner: its one line, as %load_ext golab shows it
        return show_golab_error(shell, etype, value, tb, tb_offset)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)  # anything else: as usual
    return []


def _after_cell(result=None) -> None:
    """A magic showed NeedsFullKernel as a Notice: make ``_golab`` a placeholder."""
    from IPython import get_ipython

    from .backend import NeedsFullKernel

    shell = get_ipython()
    last = shell.user_ns.get("_golab") if shell else None
    if last is not None and isinstance(getattr(last, "error", None), NeedsFullKernel):
        shell.user_ns["_golab"] = FullKernelOnly()


def install() -> None:
    """Set this up in the running IPython kernel (once; no-op outside IPython)."""
    global _installed
    if _installed:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.set_custom_exc((Exception,), _handler)
    shell.events.register("post_run_cell", _after_cell)
    _installed = True
