"""Static checks over the lesson notebooks (no kernel, no Go).

nbval re-executes the lessons and compares their saved outputs; these tests
check what nbval cannot: that each notebook is saved executed (so nbval has
something to compare), that most of its code cells are actually compared,
that it stays small (no plotly.js bundle, no megabytes of widget state),
that it has predict-then-reveal exercises, and that it loads the guide's
examples from ../go_examples instead of pasting copies.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MAX_BYTES = 500 * 1024
MAX_WIDGET_STATE = 4 * 1024
MIN_CHECKED = 0.60
MIN_EXERCISES = 12

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_MARKERS = re.compile(r"^\s*#\s*NBVAL_(IGNORE_OUTPUT|SKIP)\b", re.M)
EXERCISE = re.compile(r"\.grade\(")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def is_ignored(cell: dict) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & IGNORE_TAGS) or bool(IGNORE_MARKERS.search(source(cell)))


def is_checked(cell: dict) -> bool:
    """nbval compares this cell's saved outputs: not ignored, executed, with outputs."""
    return not is_ignored(cell) and cell.get("execution_count") is not None and bool(cell.get("outputs"))


def exercises(nb: dict) -> int:
    """Graded sample answers that nbval compares (one per exercise)."""
    return sum(1 for c in code_cells(nb) if EXERCISE.search(source(c)) and is_checked(c))


def test_there_are_lessons():
    names = [p.name for p in NOTEBOOKS]
    assert "00_start_here.ipynb" in names, names
    assert len(NOTEBOOKS) >= 2


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, load(request.param)


def test_kernelspec_is_python3(notebook):
    path, nb = notebook
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", path.name


def test_small_enough(notebook):
    path, _ = notebook
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


def test_no_plotly_bundle(notebook):
    path, nb = notebook
    text = path.read_text(encoding="utf-8")
    assert "plotly.js v" not in text, f"{path.name} embeds the plotly.js bundle"
    for cell in code_cells(nb):
        for out in cell.get("outputs", []):
            for mime, data in out.get("data", {}).items():
                body = "".join(data) if isinstance(data, list) else json.dumps(data)
                if "<script" in body and "plotly" in body.lower():
                    pytest.fail(f"{path.name}: a {mime} output carries plotly in a <script>")


def test_no_big_widget_state(notebook):
    path, nb = notebook
    state = nb["metadata"].get("widgets")
    size = len(json.dumps(state)) if state else 0
    assert size <= MAX_WIDGET_STATE, f"{path.name}: {size} bytes of saved widget state"


def test_has_an_exercise(notebook):
    path, nb = notebook
    assert exercises(nb) >= 1, f"{path.name}: no graded exercise (a checked cell calling .grade(...))"


def test_loads_examples_by_path(notebook):
    path, nb = notebook
    assert any("../go_examples" in source(c) for c in code_cells(nb)), f"{path.name} never loads ../go_examples"


def test_saved_executed_and_mostly_checked(notebook):
    path, nb = notebook
    cells = code_cells(nb)
    unexecuted = [source(c)[:60] for c in cells if c.get("execution_count") is None and not is_ignored(c)]
    assert not unexecuted, f"{path.name}: cells saved without being executed: {unexecuted}"
    errors = [source(c)[:60] for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: cells saved with an error: {errors}"
    checked = sum(is_checked(c) for c in cells)
    assert cells and checked / len(cells) >= MIN_CHECKED, f"{path.name}: {checked}/{len(cells)} code cells checked by nbval"


def test_no_marker_line_before_a_cell_magic(notebook):
    path, nb = notebook
    for cell in code_cells(nb):
        lines = [line for line in source(cell).splitlines() if line.strip()]
        if any(line.lstrip().startswith("%%") for line in lines[1:]):
            pytest.fail(f"{path.name}: a line before a %%magic breaks the cell (use tags): {lines[0]!r}")


def test_magic_cells_load_the_extension(notebook):
    path, nb = notebook
    sources = [source(c) for c in code_cells(nb)]
    if any(s.lstrip().startswith("%%go_") for s in sources):
        assert any("%load_ext golab" in s for s in sources), f"{path.name} uses golab magics without %load_ext golab"


def test_enough_exercises_overall():
    total = sum(exercises(load(p)) for p in NOTEBOOKS)
    assert total >= MIN_EXERCISES, f"{total} graded exercises across the lessons (want >= {MIN_EXERCISES})"
