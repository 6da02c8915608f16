"""golab's decisions are exactly the lines the compiler prints: each case is
compiled twice, once by plain ``go build -gcflags=...`` in a temp copy of its
module (offline env from golab.toolchain) and once by ``golab.escape``, and
the two lists of (file, line, column, message) must be equal as multisets,
both ways: nothing dropped, nothing folded, nothing invented.

The corpus is ``tests/corpus/`` (inlining depth 1 to 4, generics, closures,
methods, interfaces and devirtualization, standard-library inlining, copies
of one callee's several same-subject decisions, a non-main package, callees
in another file of the package) and
the lesson packages in ``go_examples/``.  One ``go build`` per case.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
from pathlib import Path

import pytest

import golab
from golab.escape import LEAK_KINDS
from golab.toolchain import run_go, workdir

from conftest import EXAMPLES, ROOT
from golab.snippet import MAIN_FILE

CORPUS = ROOT / "tests" / "corpus"

# (module folder, package folder, level, inline)
CASES = [
    *[
        (CORPUS, name, level, True)
        for name in ("inlinedepth", "generics", "samesubject", "closures", "methods", "ifaces", "stdlib", "library", "multifile")
        for level in (1, 2)
    ],
    (CORPUS, "flowpair", 2, True),
    (CORPUS, "flowpair", 2, False),
    (CORPUS, "closures", 2, False),
    (CORPUS, "generics", 2, False),
    *[(EXAMPLES, p.name, 1, True) for p in sorted(EXAMPLES.iterdir()) if p.is_dir()],
    (EXAMPLES, "escapecases", 2, True),
    (EXAMPLES, "escapecases", 2, False),
]

_POSITION = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")


def is_flow_line(message: str) -> bool:
    """-m=2's explanation lines: a header ("x escapes to heap in f:",
    "parameter p leaks to ~r0 for f with derefs=0:") and its indented steps."""
    return message.startswith(" ") or (
        message.endswith(":") and (" escapes to heap in " in message or message.startswith("parameter "))
    )


def compiler_lines(output: str) -> collections.Counter:
    lines = collections.Counter()
    for raw in output.splitlines():
        m = _POSITION.match(raw)
        if not m or is_flow_line(m.group("msg")) or os.path.basename(m.group("file")) == MAIN_FILE:
            continue  # "# package" headers, flow lines, the main golab adds (it reports nothing there)
        lines[(os.path.basename(m.group("file")), int(m.group("line")), int(m.group("col") or 0), m.group("msg"))] += 1
    return lines


def golab_lines(report: golab.EscapeReport) -> collections.Counter:
    return collections.Counter((os.path.basename(d.file), d.line, d.column, d.message) for d in report.decisions)


@pytest.fixture(scope="module")
def copies():
    """The corpus and go_examples copied to a temp folder: go build writes nothing into the repository."""
    with workdir("parity-") as tmp:
        for module in (CORPUS, EXAMPLES):
            shutil.copytree(module, tmp / module.name, ignore=shutil.ignore_patterns("*_test.go"))
            for folder in (tmp / module.name).iterdir():
                # a main package without func main (gc_churn: golab.gc_experiment adds one) gets the
                # empty main golab adds itself, so go build builds what golab compiles
                texts = [f.read_text() for f in folder.glob("*.go")] if folder.is_dir() else []
                if any(re.search(r"^package main\b", t, re.M) for t in texts) and not any(
                    re.search(r"^func main\(", t, re.M) for t in texts
                ):
                    (folder / MAIN_FILE).write_text("package main\n\nfunc main() {}\n")
        yield tmp


@pytest.mark.parametrize(
    "module, package, level, inline",
    CASES,
    ids=[f"{m.name}/{p}-m{lvl}{'' if inl else '-l'}" for m, p, lvl, inl in CASES],
)
def test_decisions_are_the_compilers_lines(toolchain, copies, module, package, level, inline):
    flags = f"-m={level}" + ("" if inline else " -l")
    built = run_go(toolchain, ["build", f"-gcflags={flags}", "-o", os.devnull, f"./{package}"], cwd=copies / module.name, timeout=300)
    assert built.returncode == 0, built.stderr
    expected = compiler_lines(built.stdout + built.stderr)
    assert expected, "the compiler printed nothing: the case tests nothing"
    report = golab.escape(module / package, level=level, inline=inline)
    assert report.ok, report.errors
    got = golab_lines(report)
    missing = sorted(expected - got)
    extra = sorted(got - expected)
    assert not missing and not extra, f"missing from golab: {missing}\nnot printed by the compiler: {extra}"
    if level == 2:  # the compiler explains every escape and leak it prints: each has its flow
        unexplained = [str(d) for d in report.decisions if (d.heap or d.kind in LEAK_KINDS) and not d.flow]
        assert not unexplained, unexplained


def test_the_corpus_covers_inlining_depth_four_and_copies(toolchain):
    """The corpus really has what the parity test is meant to cover."""
    report = golab.escape(CORPUS / "inlinedepth", level=1)
    copies = [d for d in report.decisions if d.inlined_from]
    assert {d.inlined_from["function"] for d in copies} >= {"leaf", "d1", "newNode"}
    # d1's `moved to heap: a` at d2, d3, d4 and main: four call sites deep
    assert len([d for d in copies if d.inlined_from["function"] == "d1"]) == 3
    assert any(d.kind == "other" or d.kind == "inlining-call" for d in golab.escape(CORPUS / "ifaces").decisions)


def _json_escapes(package: Path) -> list[tuple[tuple, str, tuple | None]]:
    """(position, subject, innermost inline position or None) for every
    escape the compiler's -json diagnostics report, in user coordinates.
    The compiler records there where an inlined copy came from
    ("inlineLoc" entries before the flow): the ground truth for
    inlined_from, which golab reads from the -m text alone."""
    from golab.build import compile_snippet, map_json_position
    from golab.snippet import load

    result = compile_snippet(load(package), ["-m=2"], json_diagnostics=True)
    found = []
    for diag in result.diagnostics:
        message = diag.get("message", "")
        if diag.get("code") not in ("escape", "escapes") or not message.endswith(" escapes to heap"):
            continue
        start = diag["range"]["start"]
        pos = map_json_position(result.snippet, diag["_file"], start["line"], start["character"])
        inline = None
        for info in diag.get("relatedInformation") or []:
            if info["message"] != "inlineLoc":
                break  # the flow starts; its own inlineLoc entries are about its steps
            r = info["location"]["range"]["start"]
            inline = map_json_position(result.snippet, info["location"]["uri"], r["line"], r["character"])
            inline = (os.path.basename(inline.file), inline.line, inline.column) if inline else ("outside",)
        found.append(((os.path.basename(pos.file), pos.line, pos.column), message.removesuffix(" escapes to heap"), inline))
    return found


AGREE = [CORPUS / p for p in ("inlinedepth", "flowpair", "generics", "closures", "methods", "ifaces", "stdlib", "samesubject", "library", "multifile")]
AGREE += [p for p in sorted(EXAMPLES.iterdir()) if p.is_dir()]


@pytest.mark.parametrize("package", AGREE, ids=[f"{p.parent.name}/{p.name}" for p in AGREE])
def test_inlined_from_agrees_with_the_compilers_own_inline_positions(package):
    report = golab.escape(package, level=2)
    escapes = _json_escapes(package)
    assert escapes
    heap = [d for d in report.decisions if d.heap]

    def origin(d) -> tuple | None:
        o = d.inlined_from
        if o is None:
            return None
        return ("outside",) if o["line"] is None else (os.path.basename(o["file"]), o["line"], o["column"])

    for pos, subject, inline in dict.fromkeys(escapes):  # -json may repeat one escape
        at = [d for d in heap if (os.path.basename(d.file), d.line, d.column) == pos]
        # -json names the node before inlining rewrote it ("i" for the
        # call site's "3 escapes to heap", "append(s, v)" for "append")
        named = [d for d in at if d.subject == subject] or [d for d in at if subject.startswith(d.subject)] or at
        assert named, f"{pos} {subject}: the compiler's JSON has an escape golab lacks"
        assert inline in [origin(d) for d in named], f"{pos} {subject}: the compiler says from {inline}, golab {[d.inlined_from for d in named]}"
    # and the other way: golab calls a heap decision a copy only where the compiler does
    said = {(pos, inline) for pos, _, inline in escapes}
    for d in heap:
        if origin(d) is not None:
            assert ((os.path.basename(d.file), d.line, d.column), origin(d)) in said, f"{d}: golab says copied from {d.inlined_from}"
