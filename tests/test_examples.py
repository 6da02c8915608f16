"""go_examples/ is real Go: it builds and vets with the pinned toolchain, and
every expectation written next to the code holds."""

from __future__ import annotations

import pytest

from golab.claims import check_tree, claimed_placement, parse_annotations
from golab.toolchain import run_go

from conftest import EXAMPLES


def test_examples_build_and_vet(toolchain):
    result = run_go(toolchain, ["vet", "./..."], cwd=EXAMPLES, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def report():
    return check_tree(EXAMPLES)


def test_every_want_holds(report):
    broken = [str(w) for w in report.wants if not w.holds]
    assert not broken, "\n".join(broken)
    assert not report.errors


def test_the_guide_examples_are_all_annotated(report):
    files = {w.annotation.file.split("go_examples/")[-1].split("/")[0] for w in report.wants}
    assert {"stackframes", "users", "escapecases", "points", "points_alloc", "processusers"} <= files
    assert len(report.wants) >= 40 and len(report.claims) >= 15


def test_known_guide_errors_are_reported_as_differs(report):
    differs = {(c.annotation.file.split("go_examples/")[-1], c.annotation.text) for c in report.claims if c.verdict == "differs"}
    assert ("points/points.go", "heap allocated") in differs  # &Point{...} does not escape on Go 1.27
    assert ("escapecases/main.go", "escapes to heap due to interface conversion") in differs


def test_annotation_parser():
    src = 'x := 1 // guide "escapes to heap" want "moved to heap: x" !"does not"\n// the guide\'s words\n'
    got = [(a.kind, a.text, a.negated, a.line) for a in parse_annotations(src)]
    assert got == [("guide", "escapes to heap", False, 1), ("want", "moved to heap: x", False, 1), ("want", "does not", True, 1)]


@pytest.mark.parametrize(
    "claim, placement",
    [("escapes to heap", "heap"), ("stack allocated", "stack"), ("likely escapes due to size", "heap"), ("returns it", None)],
)
def test_claimed_placement(claim, placement):
    assert claimed_placement(claim) == placement
