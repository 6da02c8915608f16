"""One table of benchmark defaults (golab.defaults.BENCH), and every entry point agrees with it.

What it checks: golab.bench / golab.compare's own defaults are the table's
"api" row (their module keeps its signature; this test keeps them equal),
``python -m golab bench`` uses the "cli" row, ``%%go_bench`` the "magic" row,
and the panels and exercises theirs: no path meets two different defaults.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from golab.defaults import BENCH, bench_defaults

bench_module = importlib.import_module("golab.bench")


def _defaults(fn) -> dict:
    params = inspect.signature(fn).parameters
    return {"count": params["count"].default, "benchtime": params["benchtime"].default or bench_module.DEFAULT_BENCHTIME}


def test_api_defaults_are_the_tables():
    assert _defaults(bench_module.bench) == BENCH["api"]
    assert _defaults(bench_module.compare) == BENCH["api"]


def test_cli_uses_the_cli_row():
    from golab.__main__ import build_parser

    args = build_parser().parse_args(["bench", "x_test.go"])
    assert {"count": args.count, "benchtime": args.benchtime} == BENCH["cli"]


def test_magic_uses_the_magic_row():
    from golab.magics import GolabMagics
    from IPython.core.magic_arguments import parse_argstring

    args = parse_argstring(GolabMagics.go_bench, "")
    assert {"count": args.count, "benchtime": args.benchtime} == BENCH["magic"]


def test_panels_and_exercises_use_their_rows():
    from golab.widgets import AllocsPerOp, Compare

    root = importlib.import_module("conftest").ROOT
    ex = AllocsPerOp(str(root / "go_examples" / "points"), "BenchmarkHeapAlloc")
    assert {"count": ex.count, "benchtime": ex.benchtime} == BENCH["exercise"]
    c = Compare("func f() int { return 1 }\n", "func f() int { return 2 }\n")
    assert {"count": c.count, "benchtime": c.benchtime} == BENCH["comparer"]


def test_unknown_place_is_a_clear_error():
    with pytest.raises(KeyError, match="places: api, cli"):
        bench_defaults("nowhere")
