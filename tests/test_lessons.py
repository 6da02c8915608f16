"""Each lesson exercise, graded right and wrong against the live compiler or benchmark.

The lessons show exercises as widgets and never grade a sample answer in the
learner's path (that would print the answer).  Here every exercise cell of
every notebook is executed as the notebook runs it (in ``notebooks/``, with
``golab`` imported), then graded twice: the expected answer must be judged
correct, and a wrong one not, with the truth named.  The expected answers
below are what go1.27.3 says; an exercise whose answer changes with the
toolchain (or with golab's engine) fails here, and its lesson's prose must be
re-read.  A new exercise without an expected answer fails too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import golab

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXERCISE = re.compile(r"^(?P<name>\w+) = (?P<kind>stack_or_heap|allocs_per_op|GOGCDoubles|LiveOrGarbage|AllocatesOn)\(", re.M)

# notebook -> exercise variable -> the answer the pinned compiler / benchmark gives
ANSWERS: dict[str, dict[str, object]] = {
    "00_start_here": {"ex_double": "stack"},
    "01_stack_frames": {"ex_grid": "heap", "ex_buffer": "stack", "ex_fill": 2},
    "02_escape_analysis": {"ex_global": "heap", "ex_literal": "stack", "ex_convert": "heap"},
    "03_escape_cases": {
        "ex_sprintf": "heap",
        "ex_closure": "stack",
        "ex_method": "stack",
        "ex_map": "heap",
        "ex_concat": "heap",
        "ex_callback": "heap",
    },
    "04_benchmarks": {"ex_fixed": 0, "ex_sized": 1},
    "05_optimizations": {"ex_pool": 0, "ex_users": 101, "ex_small": 1},
    "06_profiling": {"ex_create": 21, "ex_local_user": "stack"},
    "07_garbage_collector": {"ex_gogc": "about half as many", "ex_live": "the one with more live data"},
    "08_inlining_pgo": {"ex_budget": "stack"},
    "09_go_versions": {"ex_slice": "on every version"},
}


def exercise_cells(notebook: Path) -> dict[str, str]:
    """Exercise variable -> the source of the cell that builds it."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for m in EXERCISE.finditer(src):
            found[m.group("name")] = src
    return found


def test_every_exercise_has_an_expected_answer():
    seen = {p.stem: set(exercise_cells(p)) for p in sorted(NOTEBOOKS.glob("*.ipynb"))}
    expected = {nb: set(answers) for nb, answers in ANSWERS.items()}
    assert seen == expected, f"exercises in the notebooks {seen} != exercises graded here {expected}"


CASES = [(nb, name, answer) for nb, answers in ANSWERS.items() for name, answer in answers.items()]


@pytest.mark.slow
@pytest.mark.parametrize("notebook, name, answer", CASES, ids=[f"{nb}:{name}" for nb, name, _ in CASES])
def test_exercise_grades_right_and_wrong(notebook, name, answer, monkeypatch):
    source = exercise_cells(NOTEBOOKS / f"{notebook}.ipynb").get(name)
    assert source is not None, f"{notebook} has no exercise {name}"
    monkeypatch.chdir(NOTEBOOKS)  # the cells use ../go_examples paths, as the kernel does
    if notebook[:2] in ("07", "08", "09"):
        # the short mode the lessons run in (tools/refresh_notebooks.py): a GC experiment at half its size
        monkeypatch.setenv("GOLAB_BENCH_SCALE", "0.1")
    namespace = {"golab": golab}
    exec(compile(source, f"{notebook}:{name}", "exec"), namespace)
    exercise = namespace[name]

    right = exercise.grade(answer)
    assert right.correct, f"{notebook} {name}: {answer!r} was graded wrong:\n{right!r}"
    assert right.truth == answer

    if answer in ("stack", "heap"):
        wrong_answer = {"stack": "heap", "heap": "stack"}[answer]
    elif isinstance(answer, str):  # a choice (lessons 07-09): any other one; the grade reuses its measurement
        wrong_answer = next(c for c in exercise.choices if c != answer)
    else:
        wrong_answer = answer + 1
    wrong = exercise.grade(wrong_answer)  # the choice exercises grade against the measurement made above
    assert not wrong.correct, f"{notebook} {name}: the wrong answer {wrong_answer!r} was graded right"
    assert wrong.truth == answer
    assert str(answer) in repr(wrong), "a wrong answer's feedback names the truth"


def test_a_typo_is_a_clear_message_not_a_traceback(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)
    namespace = {"golab": golab}
    exec(exercise_cells(NOTEBOOKS / "00_start_here.ipynb")["ex_double"], namespace)
    # graded as "not an answer" (views: no traceback, nothing revealed), not raised
    g = namespace["ex_double"].grade("stak")
    assert not g.understood and g.truth is None
    assert "answer 'stack' or 'heap'" in g.explanation and "Did you mean 'stack'?" in g.explanation


def test_the_guides_stack_loop_loses_its_additions():
    """Lesson 04's evidence of dead-code elimination, from the compiler's -S listing."""
    src = golab.func_source(NOTEBOOKS.parent / "go_examples" / "points", "sumPointsStack") + """
type Point struct{ X, Y, Z float64 }

func stackAllocLoop(n int) {
	for i := 0; i < n; i++ {
		sumPointsStack(1000)
	}
}
"""
    listing = golab.frames(src)
    alone, inlined = listing.assembly("sumPointsStack"), listing.assembly("stackAllocLoop")
    assert "ADDSD" in alone, alone  # on its own, one addition per element
    assert "$1000" in inlined and "ADDSD" not in inlined and "MOVSD" not in inlined, inlined
    with pytest.raises(KeyError):
        listing.assembly("nope")
