"""Which lessons golab lite carries, and the Go in them.

What it does: picks the compiler lessons from ``notebooks/`` by their number
prefix (whatever their current names: ``00_``, ``01_``, ``02_``, ``03_``,
``08_``), and finds every Go snippet in a lesson: Go in Python string
literals, the bodies of ``%%go_*`` cells and the ``../go_examples/...``
folders a lesson names.  The site builder uses it to choose the standard
packages whose export data it ships; the parity test uses it to compare the
WebAssembly compiler with the native one on exactly the lessons' Go.

What it reads: notebook files (JSON), Go files under go_examples.

What it returns: lists of paths, :class:`LessonSnippet` values, import paths.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path
from typing import Iterable

LITE_PREFIXES = ("00_", "01_", "02_", "03_", "08_")
"""Lessons whose cells need only the compiler (or say that they need more)."""

_MAGIC = re.compile(r"%%(go_\w+)[^\n]*\n")


@dataclasses.dataclass(frozen=True)
class LessonSnippet:
    ident: str  # lesson:cell...
    kind: str  # "escape" (escape analysis), "frames" (%%go_frames) or "run" (%%go_run/%%go_bench)
    source: str  # Go source, or the path of a go_examples file or folder


def lite_lessons(notebooks: Path, prefixes: Iterable[str] = LITE_PREFIXES) -> list[Path]:
    """The lessons in ``notebooks`` whose names start with one of ``prefixes``."""
    return sorted(p for p in Path(notebooks).glob("*.ipynb") if p.name.startswith(tuple(prefixes)))


def lesson_snippets(lessons: Iterable[Path]) -> list[LessonSnippet]:
    """Every distinct Go snippet of these lessons."""
    found: dict[str, LessonSnippet] = {}
    for nb in lessons:
        nb = Path(nb)
        cells = [c for c in json.loads(nb.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        for i, cell in enumerate(cells):
            text = "".join(cell["source"])
            magic = _MAGIC.match(text)
            if magic:
                name = magic.group(1)
                kind = {"go_frames": "frames", "go_escape": "escape"}.get(name, "run")
                body = text[magic.end():]
                found.setdefault(body, LessonSnippet(f"{nb.stem}:cell{i}:{name}", kind, body))
                continue
            try:
                tree = ast.parse(text)
            except SyntaxError:  # line magics and the like: no Python strings to read
                continue
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                    continue
                value = node.value
                if "func " in value and "\n" in value:
                    found.setdefault(value, LessonSnippet(f"{nb.stem}:cell{i}:line{node.lineno}", "escape", value))
                elif value.startswith("../go_examples/"):
                    path = (nb.parent / value).resolve()
                    if path.exists():
                        found.setdefault(str(path), LessonSnippet(f"{nb.stem}:{value}", "escape", str(path)))
    return sorted(found.values(), key=lambda s: s.ident)


def imports_of(snippets: Iterable[LessonSnippet], examples: Path | None = None) -> set[str]:
    """Standard packages the snippets (and every Go file under ``examples``) import,
    inferred imports included."""
    from ..snippet import load, parse_imports
    from ..toolchain import GolabError

    found: set[str] = set()
    for s in snippets:
        try:
            found.update(load(s.source).imports)
        except GolabError:  # a lesson's deliberate mistake: its own imports still count
            if not Path(s.source).exists():
                found.update(path for _, path, _ in parse_imports(s.source))
    if examples is not None and Path(examples).is_dir():
        for go_file in Path(examples).rglob("*.go"):
            found.update(path for _, path, _ in parse_imports(go_file.read_text(encoding="utf-8")))
    return {p for p in found if "." not in p.split("/")[0]}  # the standard library only
