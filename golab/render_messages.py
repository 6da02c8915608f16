"""Message boxes every golab view shares: notices, errors, status lines.

What it does: draws a short message (ok, bad, warn or info) as a small,
self-contained HTML box with inline styles that follow JupyterLab's theme
variables (``--jp-*``, with light fallbacks), so it reads in the light and
dark themes, in ``nbconvert --to html`` and inside an ``ipywidgets.HTML``
value.  :class:`Notice` is the object the magics return and the widgets
show instead of a traceback.

What it reads: text and exceptions.

What it returns: strings and :class:`Notice` objects.  It never runs ``go``.
"""

from __future__ import annotations

import html

from .render import visible

_BOX = (
    "border-radius:4px;padding:6px 10px;margin:4px 0;font-family:var(--jp-ui-font-family,sans-serif);"
    "overflow-wrap:anywhere;line-height:1.4"
)
# (accent, background): the --jp-*-color3 backgrounds are light in JupyterLab's light and dark
# themes alike, so the dark text on them stays readable in both
_STYLES = {
    "ok": f"border-left:4px solid var(--jp-success-color1,#12602b);background:var(--jp-success-color3,#dcf5e3);color:#0b3d1b;{_BOX}",
    "bad": f"border-left:4px solid var(--jp-error-color1,#a3160f);background:var(--jp-error-color3,#fdecea);color:#5f1510;{_BOX}",
    "warn": f"border-left:4px solid var(--jp-warn-color1,#8a4b00);background:var(--jp-warn-color3,#fff0d6);color:#4d2a00;{_BOX}",
    "info": (
        "border-left:4px solid var(--jp-border-color1,#888);background:var(--jp-layout-color2,#f3f3f3);"
        f"color:var(--jp-content-font-color1,#222);{_BOX}"
    ),
}
PRE = (
    "white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0;padding:6px 8px;"
    "background:var(--jp-cell-editor-background,#f7f7f7);color:var(--jp-content-font-color1,#222);border-radius:4px;"
    "font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,13px);max-height:30em;overflow:auto"
)
MUTED = "color:var(--jp-content-font-color2,#555)"


def box(kind: str, body_html: str, cls: str = "golab-message") -> str:
    """A coloured message box: kind is ok, bad, warn or info."""
    return f'<div class="{cls} golab-{kind} tex2jax_ignore mathjax_ignore" style="{_STYLES.get(kind, _STYLES["info"])}">{body_html}</div>'


def pre(text: str, cls: str = "golab-output") -> str:
    return f'<pre class="{cls}" style="{PRE}">{visible(text)}</pre>'


def error_html(exc: BaseException) -> str:
    """A golab error (or any exception) as a message box, not a traceback."""
    as_notice = getattr(exc, "as_notice", None)
    if callable(as_notice):  # not a failure: golab lite's "needs a full kernel"
        return as_notice()._repr_html_()
    name = type(exc).__name__
    return box("bad", f"<b>{html.escape(name)}</b>: {html.escape(str(exc))}", cls="golab-error")


def status_html(kind: str, text: str) -> str:
    """A one-line status message (a widget's "Running…", "Done.")."""
    return box(kind, html.escape(text), cls="golab-status")


class Notice:
    """A message for the learner (an error, a status): HTML and plain text.

    Returned by the magics and shown by the widgets instead of a traceback.
    ``kind`` is ok, bad, warn or info; ``error`` keeps the exception, if any.
    """

    def __init__(self, kind: str, text: str, error: BaseException | None = None) -> None:
        self.kind = kind
        self.text = text
        self.error = error

    @classmethod
    def from_error(cls, exc: BaseException, what: str = "") -> "Notice":
        from .toolchain import GolabError

        as_notice = getattr(exc, "as_notice", None)
        if callable(as_notice):  # an error that is not a failure (golab lite's "needs a full kernel")
            return as_notice()
        lead = f"{what} failed: " if what else ""
        # golab's own errors carry a message written for the learner; others get their type
        body = str(exc) if isinstance(exc, (GolabError, ValueError)) else f"{type(exc).__name__}: {exc}"
        return cls("bad", f"{lead}{body}", exc)

    @property
    def ok(self) -> bool:
        return self.kind != "bad"

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return box(self.kind, visible(self.text).replace("\n", "<br>"), cls="golab-notice")
