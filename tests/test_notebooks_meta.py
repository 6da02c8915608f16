"""Static checks over the lesson notebooks (no kernel, no Go).

nbval re-executes the lessons and compares their saved outputs; these tests
check what nbval cannot: that each notebook is saved executed (so nbval has
something to compare), that most of its code cells are actually compared,
that it stays small (no plotly.js bundle, no megabytes of widget state,
at most 45 cells), that it opens with its idea and ends with
predict-then-reveal exercises whose answers no saved output gives away, that
no test scaffolding (asserts, magic probes, sample gradings) sits in the
learner's path, that it loads the guide's examples from ../go_examples
instead of pasting copies, and that every lesson is linked from 00 and the
README.  The exercises themselves are graded in tests/test_lessons.py.
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
MAX_CELLS = 45
ROOT = Path(__file__).resolve().parent.parent
LESSONS = [
    "00_start_here", "01_stack_frames", "02_escape_analysis", "03_escape_cases",
    "04_benchmarks", "05_optimizations", "06_profiling",
    "07_garbage_collector", "08_inlining_pgo", "09_go_versions",
]

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_MARKERS = re.compile(r"^\s*#\s*NBVAL_(IGNORE_OUTPUT|SKIP)\b", re.M)
EXERCISE = re.compile(r"^\w+ = (?:stack_or_heap|allocs_per_op|GOGCDoubles|LiveOrGarbage|AllocatesOn)\(", re.M)
SCAFFOLDING = re.compile(r"^\s*assert\b|magics_manager|\.grade\(|FRAMES_PLACEHOLDER", re.M)
ANSWER_WORDS = re.compile(r"the truth is|Not quite|\bCorrect\b")


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


def is_exercise(cell: dict) -> bool:
    return cell["cell_type"] == "code" and bool(EXERCISE.search(source(cell)))


def exercises(nb: dict) -> int:
    """Predict-then-reveal exercises (a cell building one; graded in tests/test_lessons.py)."""
    return sum(1 for c in code_cells(nb) if is_exercise(c) and c.get("execution_count") is not None)


def output_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(source({"source": out.get("text", "")}))
        for data in out.get("data", {}).values():
            parts.append("".join(data) if isinstance(data, list) else json.dumps(data))
    return "\n".join(parts)


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
    assert exercises(nb) >= 1, f"{path.name}: no exercise (an executed cell `ex = stack_or_heap(...)` or `allocs_per_op(...)`)"


def test_at_most_45_cells(notebook):
    path, nb = notebook
    assert len(nb["cells"]) <= MAX_CELLS, f"{path.name}: {len(nb['cells'])} cells; split the topic into two lessons"


def test_no_scaffolding_in_the_learners_path(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        m = SCAFFOLDING.search(source(cell))
        assert not m, f"{path.name} cell {i}: test scaffolding in a lesson ({m.group(0).strip()!r}); checks belong in tests/"


def test_no_saved_output_gives_an_answer_away(notebook):
    path, nb = notebook
    for i, cell in enumerate(code_cells(nb)):
        if is_exercise(cell):
            assert not cell.get("outputs"), f"{path.name}: exercise cell {i} is saved with an output"
        m = ANSWER_WORDS.search(output_text(cell))
        assert not m, f"{path.name}: code cell {i} saves a graded answer ({m.group(0)!r})"


def test_opens_with_its_idea_and_ends_with_exercises(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    lines = [line for line in source(first).splitlines() if line.strip()]
    assert first["cell_type"] == "markdown" and re.match(rf"# {path.name[:2]} · ", lines[0]), f"{path.name}: no '# NN · title' first"
    idea = " ".join(lines[1:])
    assert idea.count(". ") + idea.endswith(".") >= 2, f"{path.name}: the opening cell states no idea in sentences"
    code = code_cells(nb)
    first_exercise = next(i for i, c in enumerate(code) if is_exercise(c))
    after = [source(c)[:50] for c in code[first_exercise:] if not is_exercise(c)]
    assert not after, f"{path.name}: code cells after the exercises began: {after}"


def test_lessons_are_the_ten_and_linked_everywhere():
    assert [p.stem for p in NOTEBOOKS] == LESSONS
    start = "".join(source(c) for c in load(NOTEBOOKS[0])["cells"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in LESSONS[1:]:
        assert f"]({name}.ipynb)" in start, f"00_start_here does not link {name}"
        assert f"{name}.ipynb" in readme, f"README does not list {name}"
    for path in NOTEBOOKS:
        for target in re.findall(r"\]\((\d\d_\w+\.ipynb)\)", "".join(source(c) for c in load(path)["cells"])):
            assert (ROOT / "notebooks" / target).exists(), f"{path.name} links {target}, which does not exist"


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
    # exercise cells show a widget (not comparable); their grading is checked in tests/test_lessons.py
    cells = [c for c in cells if not is_exercise(c)]
    checked = sum(is_checked(c) for c in cells)
    assert cells and checked / len(cells) >= MIN_CHECKED, f"{path.name}: {checked}/{len(cells)} code cells (exercises aside) checked by nbval"


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
