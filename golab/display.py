"""The one door between golab's result objects and their views.

What it does: keeps a registry ``result type -> renderer`` that the view
modules fill when they are imported (``display.register(EscapeReport,
html=escape_html, text=escape_text)`` in :mod:`golab.render`), and answers
``to_html(obj)`` / ``to_text(obj)`` for any registered type (a subclass
finds its base class's renderer, the way IPython's
``formatters['text/html'].for_type`` does).  The analysers' result classes
implement ``_repr_html_`` as ``return display.to_html(self)``: a data
module imports this registry and never a view, so the views can change (or
be left out) without touching the analysers, and there is no import cycle
between data and drawing.  ``golab/__init__`` imports the view modules, so
importing golab fills the registry.

What it reads: result objects (any type).

What it returns: strings.  An object without a registered view falls back to
its ``repr()`` in a ``<pre>`` (HTML) or to ``repr()`` (text), never an error.
This module imports nothing from golab.
"""

from __future__ import annotations

import html
import re
from typing import Any, Callable

# Characters no text view may pass on raw: C0 controls but tab and newline
# (carriage return included: it overwrites a line), DEL and C1 controls
# (ESC sequences, OSC 52 clipboard writes, OSC 8 links, BEL, NUL), Unicode
# line and paragraph separators, and the bidirectional controls that
# reorder what a reader sees (U+202E and friends: "Trojan Source").
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u0085\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_control(text: str) -> str:
    """Plain text with control characters written as escapes (``\\x1b``,
    ``\\u202e``): what a terminal may safely print."""
    return CONTROL.sub(lambda m: (f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                                  else f"\\u{ord(m.group(0)):04x}"), text)

_HTML: dict[type, Callable[..., str]] = {}
_TEXT: dict[type, Callable[..., str]] = {}


def register(cls: type, *, html: Callable[..., str] | None = None, text: Callable[..., str] | None = None) -> None:
    """Draw instances of ``cls`` (and its subclasses) with these functions."""
    if html is not None:
        _HTML[cls] = html
    if text is not None:
        _TEXT[cls] = text


def _find(table: dict[type, Callable[..., str]], obj: Any) -> Callable[..., str] | None:
    for cls in type(obj).__mro__:
        if cls in table:
            return table[cls]
    return None


def renderer(obj: Any, kind: str = "html") -> Callable[..., str] | None:
    """The registered renderer for ``obj`` (kind "html" or "text"), or None."""
    return _find(_HTML if kind == "html" else _TEXT, obj)


def to_html(obj: Any, **options: Any) -> str:
    """``obj`` as HTML through its registered view (``options`` go to the view)."""
    draw = _find(_HTML, obj)
    if draw is None:
        return f"<pre>{html.escape(repr(obj))}</pre>"
    return draw(obj, **options)


def to_text(obj: Any, **options: Any) -> str:
    """``obj`` as plain text through its registered view, else ``str(obj)``."""
    draw = _find(_TEXT, obj)
    if draw is None:
        return repr(obj)
    return draw(obj, **options)


def registered() -> dict[str, list[str]]:
    """Which types have which views (for tests and the curious)."""
    names: dict[str, list[str]] = {}
    for kind, table in (("html", _HTML), ("text", _TEXT)):
        for cls in table:
            names.setdefault(f"{cls.__module__}.{cls.__qualname__}", []).append(kind)
    return names
