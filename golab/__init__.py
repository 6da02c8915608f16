"""golab: learn how Go manages memory with the real Go compiler.

The public API: ``escape`` (what escapes and why), ``find_go`` (which Go),
and the error types a user can act on.  Measurement and lesson helpers live
in their own modules and are re-exported here when present.
"""

from .escape import Decision, EscapeReport, escape
from .snippet import SnippetError, load
from .toolchain import GoNotFound, GolabError, GoTimeout, find_go

__version__ = "0.1.0"

__all__ = [
    "Decision",
    "EscapeReport",
    "GoNotFound",
    "GoTimeout",
    "GolabError",
    "SnippetError",
    "escape",
    "find_go",
    "load",
]
