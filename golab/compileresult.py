"""What a compile gave back, the same for both ways golab compiles.

What it does: holds the shapes a compile returns (:class:`CompileResult`,
:class:`CompileError`, :class:`CompilerFailed`) and reads what the compiler
wrote: its error lines, in the user's positions (:func:`parse_errors`), and
its ``-json`` diagnostics (:func:`read_diagnostics`).  The fast path
(:mod:`golab.build`: the compiler alone) and the module path
(:mod:`golab.gopackage`: go itself, in the learner's module) both return a
:class:`CompileResult` built here, so :mod:`golab.escape` and
:mod:`golab.frames` read both alike; neither path imports the other's
module for it.

What it reads: the compiler's text output and the folder of ``-json``
files it wrote.

What it returns: plain data.  Nothing here runs a process.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
from pathlib import Path

from .source import Snippet, go_lines
from .errors import CompilerFailed  # noqa: F401  (the one home of golab's exceptions; re-exported)
from .toolchain import RunResult, Toolchain, human_bytes




def _failure_message(returncode: int, output: str) -> str:
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
        return f"the Go compiler {how} before it finished (not a problem in your code); run it again."
    tail = output.strip().splitlines()[-3:]
    return f"the Go compiler failed with exit status {returncode} and no error position" + (
        ": " + " / ".join(tail) if tail else "; run it again."
    )


@dataclasses.dataclass
class CompileError:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "") if self.file else ""
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class CompileResult:
    toolchain: Toolchain
    snippet: Snippet
    returncode: int
    output: str  # the compiler's text (stdout + stderr): -m lines, errors
    diagnostics: list[dict]  # -json diagnostics, each with "_file" (generated name)
    errors: list[CompileError]
    seconds: float
    # what the analysis may lack, in words a reader can act on: the output
    # cap cut the compiler's text (never silently: the views show these)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


_STREAMS = {"stdout": "standard output", "stderr": "standard error"}


def kept_output(result: RunResult, cap: int, streams: tuple[str, ...] = ("stdout", "stderr")) -> tuple[str, list[str]]:
    """The compiler's text from ``streams`` of ``result``, and a warning for
    each stream the output cap (``cap`` bytes) cut.  A cut stream loses its
    last, partial line too: half a line (``moved to he``) is no decision."""
    texts, warnings = [], []
    for name in streams:
        text = getattr(result, name)
        cut = getattr(result, f"{name}_cut")
        if cut:
            text = text[: text.rfind("\n") + 1]
            warnings.append(
                f"the compiler printed {human_bytes(cut)} more on its {_STREAMS[name]} than golab "
                f"keeps ({human_bytes(cap)}): the lines past that point are missing, and with them "
                "what they say (decisions, frames). Analyse a smaller file or one package at a time, or raise GOLAB_COMPILER_MAX_OUTPUT."
            )
        texts.append(text)
    return "".join(texts), warnings


_ERROR_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")

HINTS = {
    "non-declaration statement outside function body": (
        "a snippet's top level holds declarations (func, type, var, const); "
        "put statements inside func main() { ... }"
    ),
    "function main is undeclared": "add func main() { ... } or leave the package clause out",
}


def parse_errors(output: str, snippet: Snippet) -> list[CompileError]:
    """Compile errors from compiler/go output, in the user's positions."""
    errors: list[CompileError] = []
    users = snippet.user_files
    for raw in go_lines(output):
        if not raw.strip() or raw.startswith("#"):
            continue
        m = _ERROR_LINE.match(raw)
        if not m:
            if errors and raw.startswith(("\t", " ")):
                errors[-1].message += "\n" + raw.strip()
            elif raw.strip() != "too many errors":
                errors.append(CompileError("", 0, 0, raw.strip()))
            else:
                errors[-1].message += " (and more: the compiler stops after 10 errors)" if errors else ""
            continue
        file = m.group("file").removeprefix("./")
        line, col, msg = int(m.group("line")), int(m.group("col") or 0), m.group("msg")
        if file not in users and snippet.module is not None:
            pass  # go built the module in place: a file of another package, as go names it
        elif file not in users:
            # a position golab generated (header line, added main) or raw temp-file path
            mapped = snippet.map_position(file, line, col)
            if mapped is not None:
                file, line = mapped.file, mapped.line
            else:
                file, line, col = "", 0, 0
        for needle, hint in HINTS.items():
            if needle in msg:
                msg += f" (hint: {hint})"
        errors.append(CompileError(file, line, col, msg))
    return errors


def read_diagnostics(folder: Path) -> list[dict]:
    diagnostics = []
    if not folder.is_dir():
        return diagnostics
    for path in sorted(folder.rglob("*.json")):
        current_file = None
        for line in go_lines(path.read_text(encoding="utf-8", errors="replace")):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "file" in item and "range" not in item:
                current_file = item["file"]  # the full path: module builds have many x.go
                continue
            item["_file"] = current_file
            diagnostics.append(item)
    return diagnostics
