"""The lessons in a real browser: JupyterLab 4.6 driven by Playwright and Chromium.

What it checks: every notebook in ``notebooks/`` runs top to bottom inside
JupyterLab (the kernel that learners get, the frontend extensions they get):
no error output, no broken widget, every plotly chart drew its SVG, every
badge and flow drawn inside the row of its line, no text cut or past the
right edge, no answer on the page before the learner answers (no grade,
no annotation comment, no telling comment in an exercise excerpt), and no
JupyterLab news popup (the setting golab ships); the panels at 1024 and
1400 px in the light and dark themes (nothing cut, key text with a contrast
of at least 3:1) and an exercise that reveals only after Submit; the
instructor's flow (edit a ``%%go_escape`` cell in the browser, re-run it, the
heap badge goes away); and the two interactive panels (the escape explorer's
case dropdown redraws its view, the benchmark lab's Run button fills its
progress bar and draws a chart).

How: one JupyterLab server (on a free port, a random token, a temporary copy
of ``notebooks/`` and ``go_examples/``, since JupyterLab autosaves) and one
headless Chromium (Debian's ``/usr/bin/chromium``; ``playwright install`` is
not needed) for the whole module.  ``--expose-app-in-browser`` gives the test
``window.jupyterapp`` to run commands and read the notebook model.  A
full-page screenshot of each notebook goes to ``artifacts/screenshots/``.

Skipped, with the reason, when Chromium or the playwright package is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, descendants

NOTEBOOKS = ROOT / "notebooks"
SHIPPED_OVERRIDES = ROOT / "golab" / "jupyterlab" / "golab.json"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("GOLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium)",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    pytest.skip(f"browser tests need the playwright package ({exc}); pip install -e '.[test]'", allow_module_level=True)

# Time limits (seconds).  Generous: 2 shared cores, real Go builds and benchmarks.
SERVER_START = 90
KERNEL_START = 90
RUN_ALL = 300  # one notebook, top to bottom
WIDGET_ACTION = 180

NOTEBOOK_FILES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
# constructors that put an ipywidgets panel on the page
WIDGET_CALLS = re.compile(
    r"\b(escape_explorer|benchmark_lab|stack_or_heap|allocs_per_op|compare|EscapeExplorer|BenchmarkLab|ipywidgets|interact)\b"
)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


# ---------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


class Lab:
    """A running JupyterLab server on a temporary copy of the lessons."""

    def __init__(self, root: Path, config: Path) -> None:
        self.root = root
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        settings = config / "settings"
        # windowing off: every cell is in the DOM (queries and full-page screenshots see all of it)
        _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings", {"windowingMode": "none", "scrollPastEnd": False})
        # no news popup: the setting golab ships (installed into {sys.prefix}/share/jupyter/lab/settings/
        # overrides.d by pyproject's data-files), laid out here the same way, so the test sees what a
        # learner's JupyterLab reads, not a test-only user setting
        app_settings = config / "app-settings"
        (app_settings / "overrides.d").mkdir(parents=True)
        shutil.copy(SHIPPED_OVERRIDES, app_settings / "overrides.d" / "golab.json")
        env = dict(os.environ)
        env.update(
            GOLAB_BENCH_SCALE="0.1",
            JUPYTER_CONFIG_DIR=str(config / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(config / "runtime"),
            IPYTHONDIR=str(config / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        self.log_path = config / "jupyter.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                _python(), "-m", "jupyterlab",
                "--no-browser", "--allow-root",
                f"--ServerApp.token={self.token}",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                "--expose-app-in-browser",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.app_settings_dir={app_settings}",
                f"--LabApp.workspaces_dir={config / 'workspaces'}",
            ],
            cwd=root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: terminated as a whole
        )

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def api(self, path: str, method: str = "GET", timeout: float = 5):
        req = urllib.request.Request(f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("/api/status", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer /api/status within {SERVER_START}s:\n{self.log_tail()}")

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"

    def stop(self) -> None:
        if self.proc.poll() is None:
            kids = list(descendants(self.proc.pid))  # kernels run in their own sessions
            try:  # graceful: the server shuts its kernels down
                self.api("/api/shutdown", method="POST", timeout=5)
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    self.proc.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
            for pid in kids:  # anything the server left behind, by pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._log.close()


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("golab-lab")
    config = tmp_path_factory.mktemp("golab-lab-config")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=ignore)
    shutil.copytree(EXAMPLES, root / "go_examples", ignore=ignore)
    server = Lab(root, config)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.problems = problems  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        try:  # free the kernel before the next notebook (2 cores)
            pg.evaluate(
                """async () => {
                    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                    if (w && w.sessionContext) { await w.sessionContext.shutdown(); }
                }"""
            )
        except PlaywrightError:
            pass
        context.close()


# ---------------------------------------------------------------- notebook helpers

# The state of the notebook in the main area, read from JupyterLab's own model.
STATE_JS = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext || !panel.content.model) return {ready: false};
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel;
  let code = 0, done = 0, running = 0;
  const errors = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    code++;
    if (cell.model.executionCount !== null) done++;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) running++;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs.get(i).toJSON();
      if (out.output_type === 'error') {
        errors.push(`cell ${index + 1}: ${out.ename}: ${out.evalue}`);
      }
    }
  });
  return {ready: true, status: kernel ? kernel.status : 'none', code, done, running, errors,
          dirty: panel.context.model.dirty};
}"""


def open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.url(path), wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function(
        """async () => {
          const w = window.jupyterapp.shell.currentWidget;
          if (!w || !w.sessionContext) return false;
          await w.sessionContext.ready;
          const k = w.sessionContext.session && w.sessionContext.session.kernel;
          return !!k && k.status === 'idle';
        }""",
        timeout=KERNEL_START * 1000,
        polling=500,
    )


def run_all(page, timeout: float = RUN_ALL) -> dict:
    """Clear outputs, run every cell, wait until the kernel is idle and no cell is queued."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel .jp-OutputArea-output')", timeout=10_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return wait_settled(page, timeout, expect_all=True)


def wait_settled(page, timeout: float, expect_all: bool = False) -> dict:
    deadline = time.monotonic() + timeout
    calm = 0
    state: dict = {}
    while time.monotonic() < deadline:
        state = page.evaluate(STATE_JS)
        settled = (
            state.get("ready")
            and state["status"] == "idle"
            and state["running"] == 0
            and (not expect_all or state["done"] == state["code"] or state["errors"])
        )
        calm = calm + 1 if settled else 0
        if calm >= 3:  # idle three polls in a row: no cell is waiting to start
            return state
        time.sleep(0.7)
    raise AssertionError(f"the notebook did not finish within {timeout:.0f}s; last state: {state}")


def page_text_problems(page, math: bool = True) -> list[str]:
    """Error outputs and broken widgets (and code typeset as math) as the learner would see them."""
    return page.evaluate(
        """(checkMath) => {
          const found = [];
          const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document;
          area.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').forEach(el => {
            const t = el.textContent;
            if (/Traceback|Error:|Exception/.test(t)) found.push('stderr/error output: ' + t.slice(0, 400));
          });
          const text = area.innerText || '';
          // golab's own HTML is code: `$` in it (regex anchors) must not become MathJax formulas
          const math = area.querySelectorAll('[class^="golab-"] mjx-container, [class*=" golab-"] mjx-container').length;
          if (checkMath && math) found.push(`${math} MathJax formula(s) typeset inside golab output (add class "mathjax_ignore" to it)`);
          for (const bad of ['Error displaying widget', 'model not found', 'Could not render content for', 'Javascript Error']) {
            if (text.includes(bad)) found.push('page shows: ' + bad);
          }
          return found;
        }""",
        math,
    )


def screenshot(page, name: str) -> Path:
    """A full-length picture of the notebook (the lab scrolls inside a panel, so grow the viewport)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = page.evaluate(
        """() => {
          const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
          const outer = panel && panel.querySelector('.jp-WindowedPanel-outer');
          const inner = panel && panel.querySelector('.jp-WindowedPanel-viewport');
          if (!outer || !inner) return 0;
          outer.scrollTop = 0;
          return outer.getBoundingClientRect().top + inner.getBoundingClientRect().height + 60;
        }"""
    )
    size = page.viewport_size
    tall = max(size["height"], min(int(height), 30_000))
    page.set_viewport_size({"width": size["width"], "height": tall})
    try:
        page.wait_for_timeout(800)  # let plotly resize and layout settle
        page.evaluate(
            "() => document.querySelectorAll('.jp-NotebookPanel .jp-WindowedPanel-outer').forEach(o => { o.scrollTop = 0; })"
        )
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


CHART_HEIGHTS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .js-plotly-plot')]
  .map(p => Math.round(p.getBoundingClientRect().height))"""


def notebook_expects(name: str) -> tuple[bool, bool]:
    """(has widgets, has plotly charts), from the lesson's source and saved outputs."""
    nb = json.loads((NOTEBOOKS / name).read_text())
    widgets = plotly = False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = "".join(cell.get("source", ""))
        if WIDGET_CALLS.search(src):
            widgets = True
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            widgets = widgets or WIDGET_MIME in data
            plotly = plotly or PLOTLY_MIME in data
    return widgets, plotly


def write_notebook(path: Path, cells: list[str]) -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [], "source": src}
            for i, src in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))


def assert_clean(page, state: dict, math: bool = True) -> None:
    problems = list(state.get("errors", [])) + page_text_problems(page, math)
    assert not problems, "\n".join(problems)


# Answers on the page before the learner answered: a grade, the grader's words, or the
# annotations and telling comments an exercise excerpt must leave out.
SPOILERS_JS = """() => {
  const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const found = [];
  area.querySelectorAll('.golab-grade').forEach(g => found.push('a graded answer: ' + g.innerText.slice(0, 160)));
  area.querySelectorAll('.jp-OutputArea-output').forEach(o => {
    const text = o.innerText;
    for (const words of ['Not quite', 'the answer is', 'the truth is']) {
      if (text.includes(words)) found.push(`output says "${words}": ` + text.slice(Math.max(0, text.indexOf(words) - 60), text.indexOf(words) + 100));
    }
  });
  area.querySelectorAll('.golab-escape .golab-code, .golab-exercise-excerpt').forEach(c => {
    if (/\\/\\/\\s*(want|guide)\\b/.test(c.textContent)) found.push('an annotation comment on screen: ' + c.textContent.trim().slice(0, 120));
  });
  area.querySelectorAll('.golab-exercise-excerpt').forEach(c => {
    const m = c.textContent.match(/\\/\\/.*\\b(heap|stack|escap\\w*|alloc\\w*)\\b.*/i);
    if (m) found.push('a telling comment in an exercise excerpt: ' + m[0].slice(0, 120));
  });
  return found;
}"""

# Every badge and flow is drawn inside the row of its line: the row's number is the line the
# compiler named (data-line), the gutter shows that number, and the badge's box lies within
# the row's box (not on the next row, not past the right edge of the code block).
BADGE_ROWS_JS = """() => {
  const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const bad = [];
  area.querySelectorAll('.golab-escape .golab-line').forEach(row => {
    const gutter = row.querySelector('.golab-gutter');
    if (gutter && gutter.textContent.trim() !== row.dataset.line) bad.push(`row ${row.dataset.line} shows number ${gutter.textContent}`);
    const r = row.getBoundingClientRect();
    if (!r.height) return;  // folded away
    const block = row.closest('.golab-source').getBoundingClientRect();
    row.querySelectorAll('.golab-badge, .golab-flow').forEach(b => {
      const x = b.getBoundingClientRect();
      if (!x.height) return;
      if (x.top < r.top - 1 || x.bottom > r.bottom + 1) bad.push(`row ${row.dataset.line}: "${b.textContent.slice(0, 60)}" drawn outside its row`);
      if (b.classList.contains('golab-badge') && x.right > Math.max(block.right, r.right) + 1) bad.push(`row ${row.dataset.line}: badge "${b.textContent.slice(0, 60)}" cut at the right edge`);
    });
  });
  return bad;
}"""

NEWS_JS = """() => {
  const toasts = [...document.querySelectorAll('.Toastify__toast, .jp-Notification-Toast')].map(t => t.innerText);
  const text = document.body.innerText;
  return toasts.concat(/notified about|official Jupyter news/i.test(text) ? ['page text asks about news'] : []);
}"""


def assert_no_news_popup(page) -> None:
    popups = page.evaluate(NEWS_JS)
    assert not popups, f"JupyterLab shows a popup over the lesson: {popups}"


# Text that does not fit its box: labels, buttons, badges, table cells, verdicts; chart titles and
# charts past their output area.
OVERFLOW_JS = """() => {
  const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const bad = [];
  const sel = ['button', '.widget-label', '.widget-toggle-button', '.golab-badge', '.golab-summary',
               '.golab-verdict td', '.golab-verdict th', '.golab-bench th', '.golab-bench td', '.golab-status',
               '.golab-compare-side > div:first-child', '.golab-grade'];
  area.querySelectorAll(sel.map(s => '.jp-OutputArea-output ' + s).join(', ')).forEach(el => {
    if (!el.offsetParent) return;
    if (el.scrollWidth > el.clientWidth + 1) bad.push(`cut: "${el.innerText.trim().slice(0, 60)}" (${el.scrollWidth} > ${el.clientWidth} px)`);
  });
  area.querySelectorAll('.jp-OutputArea-output').forEach(out => {
    const o = out.getBoundingClientRect();
    out.querySelectorAll('.golab-badge, .widget-button, .golab-verdict, .golab-bench table, .js-plotly-plot').forEach(el => {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > o.right + 1) bad.push(`past the right edge of its output: "${(el.innerText || el.className).trim().slice(0, 60)}" (${Math.round(r.right)} > ${Math.round(o.right)})`);
    });
  });
  area.querySelectorAll('.js-plotly-plot').forEach(p => {
    const svg = p.querySelector('svg.main-svg'), title = p.querySelector('.gtitle');
    if (!svg || !title) return;
    const s = svg.getBoundingClientRect(), r = title.getBoundingClientRect();
    if (r.right > s.right + 1 || r.left < s.left - 1) bad.push(`chart title cut: "${title.textContent}"`);
  });
  return bad;
}"""


# ---------------------------------------------------------------- every lesson


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_notebook_runs_in_jupyterlab(page, lab, name):
    expects_widgets, expects_plotly = notebook_expects(name)
    open_notebook(page, lab, f"notebooks/{name}")
    state = run_all(page)
    page.wait_for_timeout(1500)  # widget views and plotly draw after the outputs arrive
    heights_before = page.evaluate(CHART_HEIGHTS_JS)
    shot = screenshot(page, Path(name).stem)  # grows and restores the viewport: a window resize
    page.wait_for_timeout(500)
    heights_after = page.evaluate(CHART_HEIGHTS_JS)
    assert_clean(page, state)
    assert state["done"] == state["code"], f"not every cell ran: {state} (screenshot {shot})"

    counts = page.evaluate(
        """() => {
          const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
          const plots = [...area.querySelectorAll('.js-plotly-plot')];
          return {
            widgets: area.querySelectorAll('.jupyter-widgets, .widget-box, [class*="widget-"]').length,
            plots: plots.length,
            plotsWithoutSvg: plots.filter(p => !p.querySelector('svg.main-svg')).length,
          };
        }"""
    )
    if expects_widgets:
        assert counts["widgets"] > 0, f"{name} builds widgets but none rendered (screenshot {shot})"
    if expects_plotly:
        assert counts["plots"] > 0, f"{name} stores plotly charts but none rendered after a run (screenshot {shot})"
    assert counts["plotsWithoutSvg"] == 0, f"{counts['plotsWithoutSvg']} plotly chart(s) drew no SVG (screenshot {shot})"
    assert_no_news_popup(page)
    misplaced = page.evaluate(BADGE_ROWS_JS)
    assert not misplaced, f"{name}: badges outside the row of their line (screenshot {shot}):\n" + "\n".join(misplaced)
    cut = page.evaluate(OVERFLOW_JS)
    assert not cut, f"{name}: text cut or past the right edge (screenshot {shot}):\n" + "\n".join(cut)
    spoilers = page.evaluate(SPOILERS_JS)
    assert not spoilers, f"{name} shows answers before the learner answers (screenshot {shot}):\n" + "\n".join(spoilers)
    # a chart must keep its size when the window (or the side bar) changes size
    assert all(h >= 100 for h in heights_before), f"plotly chart heights {heights_before} px (screenshot {shot})"
    assert all(h >= 100 for h in heights_after), (
        f"plotly chart(s) collapsed after a window resize: heights {heights_before} -> {heights_after} px "
        f"(Plotly.Plots.resize keeps the size only when layout has both width and height; screenshot {shot})"
    )
    assert not page.problems, page.problems  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the instructor edits a cell

ESCAPE_BEFORE = "\nfunc newInt() *int {\n\tx := 42\n\treturn &x\n}"  # a blank first line: the idiom that once moved badges
ESCAPE_AFTER = "func newInt() int {\n\tx := 42\n\treturn x\n}"

HEAP_BADGES_JS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const out = cells[1].node.querySelector('.jp-OutputArea');
  if (!out) return null;
  const lines = [...out.querySelectorAll('.golab-line')];
  return lines.map(l => ({line: Number(l.dataset.line), code: (l.querySelector('.golab-code') || l).textContent,
                          text: l.textContent, heap: l.querySelectorAll('.golab-moved-to-heap, .golab-escapes').length}));
}"""


def test_instructor_edits_escape_cell(page, lab):
    write_notebook(lab.root / "instructor_edit.ipynb", ["%load_ext golab", "%%go_escape\n" + ESCAPE_BEFORE])
    open_notebook(page, lab, "instructor_edit.ipynb")
    state = run_all(page, timeout=120)
    assert_clean(page, state)
    page.wait_for_selector(".jp-Cell >> nth=1 >> .golab-escape")
    lines = page.evaluate(HEAP_BADGES_JS)
    assert lines, "the %%go_escape cell showed no annotated source"
    x_line = next((l for l in lines if "x := 42" in l["text"]), None)
    assert x_line is not None, lines
    assert x_line["heap"] >= 1 and "moved to heap: x" in x_line["text"], f"no heap badge on `x := 42`: {lines}"
    assert x_line["line"] == 3 and x_line["code"].strip() == "x := 42", f"the badge is not on line 3, `x := 42`: {lines}"
    assert sum(l["heap"] for l in lines) == 1, f"a heap badge on another row: {lines}"
    assert not page.evaluate(BADGE_ROWS_JS)
    assert_no_news_popup(page)

    screenshot(page, "instructor_edit_before")

    # edit the cell in CodeMirror like an instructor: click, select all, type
    editor = page.locator(".jp-Cell").nth(1).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text("%%go_escape\n" + ESCAPE_AFTER)
    source = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.sharedModel.getSource()")
    assert _squash(source) == _squash("%%go_escape\n" + ESCAPE_AFTER), f"editor holds {source!r}"

    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """() => {
          const out = window.jupyterapp.shell.currentWidget.content.widgets[1].node.querySelector('.golab-escape');
          return out && out.textContent.includes('return x') && !out.textContent.includes('return &x');
        }""",
        timeout=60_000,
    )
    state = wait_settled(page, 60)
    assert_clean(page, state)
    lines = page.evaluate(HEAP_BADGES_JS)
    assert sum(l["heap"] for l in lines) == 0, f"heap badge still shown after returning a value: {lines}"
    assert any("x := 42" in l["text"] for l in lines), lines
    screenshot(page, "instructor_edit")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- the panels


def _lesson_with(call: str) -> str | None:
    for name in NOTEBOOK_FILES:
        text = (NOTEBOOKS / name).read_text()
        if re.search(rf"\b{call}\s*\(", text):
            return name
    return None


def _open_panel(page, lab, call: str, fallback_cells: list[str], fallback_name: str) -> str:
    """Open the lesson that builds the panel and run it, or a small notebook that builds it directly."""
    lesson = _lesson_with(call)
    if lesson is not None:
        path = f"notebooks/{lesson}"
    else:
        write_notebook(lab.root / "notebooks" / fallback_name, fallback_cells)
        path = f"notebooks/{fallback_name}"
    open_notebook(page, lab, path)
    state = run_all(page)
    assert_clean(page, state, math=False)  # MathJax in the lesson: test_notebook_runs_in_jupyterlab's job
    return path


def test_escape_explorer_dropdown_redraws(page, lab):
    import golab.widgets

    if not hasattr(golab.widgets, "escape_explorer"):
        pytest.skip("golab.widgets.escape_explorer does not exist yet")
    _open_panel(page, lab, "escape_explorer", ["import golab.widgets\ngolab.widgets.escape_explorer()"], "browser_explorer.ipynb")
    # the explorer: a box holding a case dropdown and an annotated view
    explorer = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator(".widget-dropdown")).filter(
        has=page.locator(".golab-escape")
    ).first
    explorer.wait_for(timeout=60_000)
    explorer.scroll_into_view_if_needed()
    select = explorer.locator(".widget-dropdown select").first
    options = select.evaluate("s => [...s.options].map(o => o.value)")  # labels carry &nbsp;: use values
    assert len(options) >= 2, f"the explorer offers {options}"
    view = explorer.locator(".golab-escape").first
    before = view.inner_html()
    current = select.input_value()
    target = next(o for o in options if o != current)
    select.select_option(value=target)
    page.wait_for_function(
        "([el, old]) => el.isConnected ? el.innerHTML !== old : true",
        arg=[view.element_handle(), before],
        timeout=WIDGET_ACTION * 1000,
    )
    explorer.locator(".golab-escape").first.wait_for(timeout=WIDGET_ACTION * 1000)
    after = explorer.locator(".golab-escape").first.inner_html()
    assert after != before, "the annotated view did not change after picking another case"
    assert explorer.locator(".golab-line").count() > 0
    assert not page_text_problems(page, math=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    explorer.screenshot(path=str(SCREENSHOTS / "escape_explorer.png"))


def test_benchmark_lab_run_button(page, lab):
    import golab.widgets

    if not hasattr(golab.widgets, "benchmark_lab"):
        pytest.skip("golab.widgets.benchmark_lab does not exist yet")
    _open_panel(
        page,
        lab,
        "benchmark_lab",
        ['import golab.widgets\ngolab.widgets.benchmark_lab("../go_examples/points_alloc", count=3, benchtime="100ms")'],
        "browser_bench.ipynb",
    )
    run = page.locator(".jp-OutputArea-output button.widget-button", has_text=re.compile(r"^\s*Run\s*$")).first
    run.wait_for(timeout=60_000)
    run.scroll_into_view_if_needed()
    # the panel's output (held as a handle: the button's label turns into "Cancel" while it runs)
    panel = run.evaluate_handle("b => b.closest('.jp-OutputArea-output')")
    page.evaluate("p => p.querySelectorAll('.js-plotly-plot').forEach(e => e.dataset.golabOld = '1')", panel)
    run.click()
    _wait_panel(  # the click reached the kernel: the button reads Cancel, or the run is already over
        page, panel, "the run to start",
        "p => [...p.querySelectorAll('button.widget-button')].some(b => /Cancel/.test(b.textContent))"
        " || !/press Run/.test(p.innerText)",
        timeout=30,
    )
    # the progress bar fills (ipywidgets 8: .widget-hprogress .progress-bar, width in %) ...
    _wait_panel(
        page, panel, "the progress bar to reach its max",
        "p => [...p.querySelectorAll('.progress-bar')].some(b => parseFloat(b.style.width) >= 99.9)",
    )
    # ... a new chart is drawn (with its SVG) ...
    _wait_panel(
        page, panel, "a new plotly chart with its SVG",
        "p => [...p.querySelectorAll('.js-plotly-plot')].some(e => !e.dataset.golabOld && e.querySelector('svg.main-svg'))",
    )
    # ... and the button reads Run again
    _wait_panel(
        page, panel, "the Run button to come back",
        "p => [...p.querySelectorAll('button.widget-button')].some(b => /^\\s*Run\\s*$/.test(b.textContent))",
        timeout=30,
    )
    bar = page.evaluate("p => p.querySelector('.progress-bar').className", panel)
    assert "success" in bar, f"the progress bar did not end as success: {bar}"
    failed = page.evaluate("p => [...p.querySelectorAll('.golab-error, .golab-bad')].map(e => e.innerText)", panel)
    assert not failed, f"the benchmark lab reported: {failed}"
    wait_settled(page, 60)
    assert not page_text_problems(page, math=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.as_element().screenshot(path=str(SCREENSHOTS / "benchmark_lab.png"))


def _wait_panel(page, panel, what: str, predicate_js: str, timeout: float = WIDGET_ACTION) -> None:
    """Wait for ``predicate_js(panel)``; stop early, with the panel's text, if it shows an error."""
    js = f"p => !!p.querySelector('.golab-error, .golab-bad, .progress-bar-danger') || ({predicate_js})(p)"
    try:
        page.wait_for_function(js, arg=panel, timeout=timeout * 1000, polling=500)
    except PlaywrightError as exc:
        text = page.evaluate("p => p.innerText", panel)
        raise AssertionError(f"waited {timeout:.0f}s for {what}; the panel shows:\n{text}") from exc
    failed = page.evaluate("p => [...p.querySelectorAll('.golab-error, .golab-bad')].map(e => e.innerText)", panel)
    assert not failed, f"waiting for {what}, the benchmark lab reported: {failed}"


# ---------------------------------------------------------------- layout, themes, an exercise

LONG_LINE_CELL = (
    "%%go_escape -m 2\n\n"
    "func describe(n int) string {\n"
    '\tlabel := fmt.Sprintf("a long line that runs far to the right of the code block, past any window width: %d", n) '
    "// and a comment that makes it longer still, so the badges must wrap inside the row\n"
    "\treturn label\n}\n"
)
LAYOUT_CELLS = [
    "import golab",
    "%load_ext golab",
    LONG_LINE_CELL,
    'golab.benchmark_lab("../go_examples/points", count=5, benchtime="2000x")',
    'golab.comparer("../go_examples/prealloc", "../go_examples/prealloc", before_bench="BenchmarkBuildList",\n'
    '               after_bench="BenchmarkBuildListOptimized", bench_source="../go_examples/prealloc", count=5, benchtime="100x")',
    'golab.stack_or_heap("../go_examples/escapecases/main.go", find=\'x := 42 // guide "escapes\')',
]

# WCAG contrast of key text against what is really behind it (alpha blended up the tree).
CONTRAST_JS = """() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g) || [0, 0, 0]; return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const blend = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3]));
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [255, 255, 255];
    for (const layer of layers.reverse()) colour = blend(layer, colour);
    return colour;
  };
  const lum = rgb => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
                       return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]); };
  const area = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const picks = ['.golab-summary', '.golab-gutter', '.golab-code', '.golab-code span', '.golab-badge', '.golab-flow summary',
                 '.golab-bench th', '.golab-bench td', '.golab-verdict b', '.golab-status', '.golab-compare-side > div:first-child',
                 '.golab-exercise-excerpt', '.golab-exercise-excerpt .golab-line span', '.golab-grade'];
  const low = [];
  let measured = 0;
  for (const sel of picks) {
    [...area.querySelectorAll('.jp-OutputArea-output ' + sel)].slice(0, 12).forEach(el => {
      if (!el.offsetParent || !el.textContent.trim()) return;
      const bg = background(el);
      const fg = blend(rgba(getComputedStyle(el).color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      measured++;
      if (ratio < 3) low.push(`${sel} "${el.textContent.trim().slice(0, 40)}": contrast ${ratio.toFixed(2)}`);
    });
  }
  return {measured, low};
}"""


def _set_theme(page, theme: str) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "true" if "Light" in theme else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000)
    page.wait_for_timeout(800)


def _click_and_wait(page, button_text: str, done_js: str, what: str) -> None:
    button = page.locator(".jp-OutputArea-output button.widget-button", has_text=re.compile(rf"^\s*{button_text}\s*$")).first
    button.scroll_into_view_if_needed()
    button.click()
    try:
        page.wait_for_function(done_js, timeout=WIDGET_ACTION * 1000, polling=500)
    except PlaywrightError as exc:
        raise AssertionError(f"waited for {what}; the page shows: {page.locator('.jp-NotebookPanel').inner_text()[-1500:]}") from exc


def test_layout_themes_and_an_exercise(page, lab):
    """The panels at 1024 and 1400 px, light and dark: nothing cut, key text readable; an
    exercise shows nothing graded until the learner answers, then reveals."""
    write_notebook(lab.root / "notebooks" / "layout.ipynb", LAYOUT_CELLS)
    open_notebook(page, lab, "notebooks/layout.ipynb")
    state = run_all(page, timeout=180)
    assert_clean(page, state, math=False)
    assert_no_news_popup(page)
    _click_and_wait(page, "Run", "() => document.querySelectorAll('.jp-NotebookPanel .golab-bench .golab-verdict').length >= 1"
                    " && document.querySelectorAll('.jp-NotebookPanel .js-plotly-plot svg.main-svg').length >= 1", "the lab's verdict and chart")
    _click_and_wait(page, "Compare benchmarks", "() => !!document.querySelector('.jp-NotebookPanel .golab-decisions-vs-allocs')"
                    " && document.querySelectorAll('.jp-NotebookPanel .js-plotly-plot svg.main-svg').length >= 2", "the comparison")
    assert not page.evaluate(SPOILERS_JS), "an answer shows before the learner answered"
    assert not page.evaluate(BADGE_ROWS_JS)
    problems = []
    for theme in ("JupyterLab Light", "JupyterLab Dark"):
        _set_theme(page, theme)
        for width in (1024, 1400):
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_timeout(1000)  # widgets and plotly re-layout
            where = f"{theme} at {width} px"
            problems += [f"{where}: {p}" for p in page.evaluate(OVERFLOW_JS)]
            contrast = page.evaluate(CONTRAST_JS)
            assert contrast["measured"] >= 20, f"{where}: only {contrast['measured']} elements measured"
            problems += [f"{where}: {p}" for p in contrast["low"]]
            problems += [f"{where}: {p}" for p in page.evaluate(BADGE_ROWS_JS)]
            screenshot(page, f"layout_{'dark' if 'Dark' in theme else 'light'}_{width}")
    _set_theme(page, "JupyterLab Light")
    assert not problems, "\n".join(problems)

    # the exercise: nothing graded until the learner picks an answer and submits
    exercise = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator(".golab-exercise-excerpt")).first
    exercise.scroll_into_view_if_needed()
    assert exercise.locator(".golab-grade").count() == 0
    exercise.locator(".widget-toggle-button", has_text="heap").first.click()
    exercise.locator("button.widget-button", has_text="Submit").click()
    exercise.locator(".golab-grade").wait_for(timeout=WIDGET_ACTION * 1000)
    revealed = exercise.locator(".golab-grade").inner_text()
    assert revealed.startswith("Correct") and "heap" in revealed, revealed
    assert "Its address is taken" in revealed  # the why, in plain words
    assert not page_text_problems(page, math=False)
