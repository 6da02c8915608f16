"""Data and drawing stay apart: analysers import no view, and golab's modules
import each other without cycles.

What it checks: each analyser module, imported alone in a fresh interpreter
(the ``golab`` package stands in as an empty namespace, so its
``__init__``, which loads the views into :mod:`golab.display`, does not
run), pulls in no view module and no UI library; rendering a result then
goes through the registry.  And the graph of imports between golab's
modules, read from their source (imports inside functions included,
``if TYPE_CHECKING:`` blocks left out), has no cycle.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "golab"

ANALYSERS = ["escape", "bench", "stats", "frames", "profile", "claims", "runner", "snippet", "source", "build", "compileresult",
             "gopackage", "buildcontext", "toolchain", "display", "defaults", "gc", "pgo", "versions", "toolchains"]
VIEWS = ["golab.render", "golab.render_measure", "golab.render_run", "golab.render_messages", "golab.render_beyond",
         "golab.widgets", "golab.widgets_beyond",
         "golab.magics", "ipywidgets", "plotly", "IPython", "pygments"]

FRESH = """
import importlib, json, sys, types
pkg = types.ModuleType("golab")
pkg.__path__ = [{path!r}]
sys.modules["golab"] = pkg
importlib.import_module("golab." + {module!r})
print(json.dumps(sorted(m for m in sys.modules if m in {views!r} or any(m.startswith(v + ".") for v in {views!r}))))
"""


@pytest.mark.parametrize("module", ANALYSERS)
def test_analyser_imports_no_view(module):
    code = FRESH.format(path=str(PACKAGE), module=module, views=VIEWS)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing golab.{module} loaded view code: {loaded}"


def test_importing_golab_fills_the_registry():
    code = "import golab, json; from golab import display; print(json.dumps(display.registered()))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    registered = json.loads(proc.stdout)
    for name in ("golab.escape.EscapeReport", "golab.claims.CheckReport", "golab.bench.BenchResult", "golab.bench.Summary",
                 "golab.bench.Comparison", "golab.frames.FrameReport", "golab.frames.StackGrowth", "golab.profile.AllocProfile",
                 "golab.profile.GCTrace", "golab.profile.MemStatsDelta", "golab.runner.RunReport"):
        assert "html" in registered.get(name, []), f"{name} has no HTML view registered: {registered}"


def test_every_repr_html_goes_through_the_registry():
    """No result class draws itself: its ``_repr_html_`` is ``display.to_html(self)``."""
    offenders = []
    for path in PACKAGE.glob("*.py"):
        if path.stem.startswith("render") or path.stem in ("widgets", "magics"):
            continue
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name == "_repr_html_":
                body = ast.unparse(fn.body[-1])
                if body != "return display.to_html(self)":
                    offenders.append(f"{path.name}:{fn.lineno}: {body}")
    assert not offenders, offenders


def _imports(path: Path) -> set[str]:
    """golab modules a file imports, anywhere but under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add("golab." + node.module.split(".")[0])
            else:
                for alias in node.names:
                    found.add("golab." + alias.name if (PACKAGE / f"{alias.name}.py").exists() else "golab")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("golab"):
            found.add(".".join(node.module.split(".")[:2]))
        elif isinstance(node, ast.Import):
            found.update(".".join(a.name.split(".")[:2]) for a in node.names if a.name.startswith("golab"))
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("importlib.import_module", "import_module"):
            if node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("golab."):
                found.add(".".join(str(node.args[0].value).split(".")[:2]))
    return found


def test_no_import_cycles():
    graph = {}
    for path in PACKAGE.glob("*.py"):
        name = "golab" if path.stem == "__init__" else f"golab.{path.stem}"
        graph[name] = {m for m in _imports(path) if m != name}
    # every submodule is imported with its package first: that edge is Python's, not a design choice
    graph = {n: {m for m in deps if m != "golab"} for n, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
