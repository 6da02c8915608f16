"""Drive a built golab lite site in Chromium, offline, and report what happened.

What it does: serves the site on 127.0.0.1 (:mod:`golab.lite.serve`, gzip
on), opens a lesson in headless Chromium (Playwright, Debian's
``/usr/bin/chromium``) with an empty profile, and measures and records:

1. the page until the Pyodide kernel is idle;
2. the first escape analysis after that (``golab.escape`` in the kernel, timed
   in the browser from request to reply), then ten re-analyses after
   one-line edits;
3. "Run All" on the lesson: every cell's outputs (from the notebook model),
   and on the page the escape views' badges and flows, the widgets, and
   the boxes of cells that need a full kernel;
4. the bytes the server sent, per path (itemized by part of the site);
5. a second visit in the same profile: whether the compiler was downloaded
   again, and where the kernel got it (Cache API).

Run as ``python -m golab.lite.browsercheck SITE --json OUT.json``: it
re-executes itself inside ``unshare -n`` (a network namespace with only
loopback) where the machine allows it, so nothing can leave the machine.
Used by tests/test_lite_browser.py and benchmarks/lite_latency.py.

What it reads: a built site.  What it returns: a JSON-able dict (and the
file given with --json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("GOLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

SNIPPET = """
type point struct{ x, y int }

func newPoint(x, y int) *point {
	p := point{x, y}
	return &p
}

func sum(n int) int {
	s := make([]int, n)
	total := 0
	for i := range s {
		total += i + %d
	}
	return total
}
"""

EXECUTE_JS = """async (code) => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  const out = [];
  const t0 = performance.now();
  const sent = Date.now();
  const f = k.requestExecute({code, stop_on_error: false, store_history: false});
  f.onIOPub = (m) => { if (m.header.msg_type !== 'status') out.push([m.header.msg_type, m.content]); };
  const r = await f.done;
  return {status: r.content.status, ms: performance.now() - t0, sent, out};
}"""

APP_JS = "() => !!(window.jupyterapp && window.jupyterapp.shell && window.jupyterapp.shell.currentWidget && window.jupyterapp.shell.currentWidget.sessionContext)"

KERNEL_IDLE_JS = """async () => {
  const w = window.jupyterapp && window.jupyterapp.shell && window.jupyterapp.shell.currentWidget;
  if (!w || !w.sessionContext) return false;
  await w.sessionContext.ready;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

STATE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = [...w.content.model.cells].filter(c => c.type === 'code');
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return {code: cells.length, done: cells.filter(c => c.executionCount !== null).length,
          status: k ? k.status : 'none'};
}"""

CELLS_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return [...w.content.model.cells].filter(c => c.type === 'code').map(c => ({
    source: c.sharedModel.getSource(),
    execution_count: c.executionCount,
    outputs: c.outputs.toJSON(),
  }));
}"""

# cells appended to the lesson after Run All, whatever the lesson contains:
# an escape view of SNIPPET (compared with the native one by the test) and
# the escape explorer widget
PROBE_CELLS = [
    "import golab\ngolab.escape({snippet!r}, level=2)",
    "from golab.widgets import escape_explorer\nescape_explorer()",
]

APPEND_RUN_JS = """async (source) => {
  const app = window.jupyterapp;
  const w = app.shell.currentWidget;
  const nb = w.content;
  nb.model.sharedModel.insertCell(nb.model.cells.length, {cell_type: 'code', source});
  nb.activeCellIndex = nb.model.cells.length - 1;
  await app.commands.execute('notebook:run-cell');
  return nb.model.cells.length - 1;
}"""

CELL_DOM_JS = """(index) => {
  const w = window.jupyterapp.shell.currentWidget;
  const cell = w.content.widgets[index];
  const node = cell.node;
  return {
    executed: cell.model.executionCount !== null,
    outputs: cell.model.outputs.toJSON(),
    widgets: node.querySelectorAll('.jupyter-widgets').length,
    widget_errors: (node.innerText.match(/Error displaying widget/g) || []).length,
    selects: node.querySelectorAll('select').length,
    badges: node.querySelectorAll('.golab-badge').length,
    flows: node.querySelectorAll('details.golab-flow').length,
    text: node.innerText.slice(0, 4000),
  };
}"""

PAGE_JS = """() => {
  const q = (s) => document.querySelectorAll(s).length;
  const text = document.body.innerText;
  return {
    badges: q('.golab-escape .golab-badge'),
    heap_badges: q('.golab-badge.golab-moved-to-heap, .golab-badge.golab-escapes'),
    flows: q('.golab-escape details.golab-flow'),
    escape_views: q('.golab-escape'),
    widgets: q('.jupyter-widgets'),
    widget_errors: (text.match(/Error displaying widget/g) || []).length,
    full_kernel_boxes: [...document.querySelectorAll('.golab-notice, .golab-needs-full-kernel')]
        .map(e => e.innerText).filter(t => /full kernel/i.test(t)),
    full_kernel_links: [...document.querySelectorAll('.golab-needs-full-kernel a[href]')].map(a => a.href),
  };
}"""


def _offline() -> bool:
    """Only loopback in this network namespace? (/proc/net/dev: /sys shows the host's.)"""
    try:
        names = [line.split(":")[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
    except OSError:
        return False
    return names == ["lo"]


def _wait(page, js: str, timeout: float, what: str) -> None:
    try:
        page.wait_for_function(js, timeout=timeout * 1000, polling=500)
    except Exception as exc:  # playwright's TimeoutError: say what we waited for
        raise RuntimeError(f"golab lite check: {what} did not happen within {timeout:.0f} s ({type(exc).__name__})") from None


def _open(page, url: str, timeout: float) -> float:
    t0 = time.monotonic()
    page.goto(url, wait_until="load", timeout=timeout * 1000)
    _wait(page, APP_JS, timeout, "the lesson opening in JupyterLite")
    _wait(page, KERNEL_IDLE_JS, timeout, "the Pyodide kernel becoming idle")
    time.sleep(1)
    _wait(page, APP_JS, timeout, "the lesson staying open")
    _wait(page, KERNEL_IDLE_JS, timeout, "the kernel staying idle")
    # "idle" comes before Pyodide has loaded its packages: a first, empty
    # cell's reply says the kernel really is ready
    if _execute(page, "pass")["status"] != "ok":
        raise RuntimeError("golab lite check: the kernel did not run an empty cell")
    return time.monotonic() - t0


def _execute(page, code: str) -> dict:
    reply = page.evaluate(EXECUTE_JS, code)
    texts = []
    for kind, content in reply["out"]:
        if kind == "stream":
            texts.append(content["text"])
        elif kind == "error":
            texts.append(f"{content['ename']}: {content['evalue']}")
        elif kind in ("display_data", "execute_result"):
            texts.append(str(content.get("data", {}).get("text/plain", "")) + "\n")
    reply["text"] = "".join(texts)
    return reply


def _analysis(page, n: int) -> tuple[dict, dict]:
    """One golab.escape in the kernel; the reply (ms: request to reply, in
    the browser) and what the kernel measured of it."""
    code = (
        "import time as _t\n_t0 = _t.perf_counter()\nimport golab\nfrom golab.lite import backend as _b\n"
        "_t1 = _t.perf_counter()\n"
        f"_r = golab.escape({SNIPPET % n!r}, level=2)\n"
        "import json as _j\n"
        "print(_j.dumps({'decisions': len(_r.decisions), 'heap': sum(d.heap for d in _r.decisions), "
        "'started': _t.time() * 1000 - (_t.perf_counter() - _t0) * 1000, 'import_s': _t1 - _t0, 'escape_s': _t.perf_counter() - _t1, **_b.last_run}))"
    )
    reply = _execute(page, code)
    if reply["status"] != "ok":
        raise RuntimeError(f"golab lite check: an analysis failed in the kernel: {reply['text'][-2000:]}")
    measured = json.loads(reply["text"].strip().splitlines()[-1])
    measured["queued_s"] = (measured.pop("started") - reply["sent"]) / 1000  # before the cell started
    return reply, measured


def _part(path: str) -> str:
    from .site import _part as part

    return part(path.lstrip("/"))


def check(site: Path, lesson: str = "02", edits: int = 10, timeout: float = 300, screenshot: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from .serve import start

    lessons = sorted((site / "files" / "notebooks").glob(f"{lesson}_*.ipynb"))
    if not lessons:
        raise RuntimeError(f"golab lite check: no lesson {lesson}_*.ipynb in {site}/files/notebooks")
    nb = lessons[0].name
    result: dict = {"offline": _offline(), "lesson": nb}
    server = start(site)
    profile = tempfile.mkdtemp(prefix="golab-lite-chromium-")
    requests: list[str] = []
    failed: list[str] = []
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport={"width": 1400, "height": 1000}
            )
            context.on("request", lambda r: requests.append(r.url))
            context.on("requestfailed", lambda r: failed.append(r.url))
            page = context.new_page()
            url = f"{server.url}lab/index.html?path=notebooks/{nb}"

            # 1-2. first visit: kernel, first analysis, edits
            result["kernel_ready_s"] = _open(page, url, timeout)
            reply, text = _analysis(page, 0)
            result["first_analysis_s"] = reply["ms"] / 1000
            result["first_analysis"] = text
            times = []
            for i in range(1, edits + 1):
                reply, text = _analysis(page, i)
                times.append(reply["ms"] / 1000)
            result["edit_analysis_s"] = times
            result["edit_analysis_median_s"] = statistics.median(times) if times else None
            result["edit_analysis"] = text

            # 3. the lesson, top to bottom
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            t0 = time.monotonic()
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            deadline = time.monotonic() + timeout
            calm, state = 0, {}
            while time.monotonic() < deadline:
                state = page.evaluate(STATE_JS)
                calm = calm + 1 if state["status"] == "idle" and state["done"] == state["code"] else 0
                if calm >= 3:
                    break
                time.sleep(0.7)
            result["run_all_s"] = time.monotonic() - t0
            result["run_all_state"] = state
            result["cells"] = page.evaluate(CELLS_JS)
            result["page"] = page.evaluate(PAGE_JS)
            probes = []
            for source in PROBE_CELLS:
                index = page.evaluate(APPEND_RUN_JS, source.format(snippet=SNIPPET % 0))
                _wait(page, f"() => window.jupyterapp.shell.currentWidget.content.widgets[{index}].model.executionCount !== null",
                      timeout, "a probe cell running")
                time.sleep(2)  # let the widget manager draw
                probes.append(page.evaluate(CELL_DOM_JS, index))
            result["probe_cells"] = probes
            page.evaluate("() => { const ws = window.jupyterapp.shell.currentWidget.content.widgets; ws[ws.length - 1].node.scrollIntoView(); }")
            time.sleep(1)
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=False)
            # a program run, whatever the lesson has: one box, no traceback, and the next cell goes on
            probe = _execute(page, "import golab\nran = golab.run('package main\\n\\nfunc main() { println(1) }\\n')\nprint('not reached')")
            after = _execute(page, "print('after:', ran.stdout)")
            result["full_kernel_probe"] = {
                "status": probe["status"],
                "text": probe["text"],
                "html": [c.get("data", {}).get("text/html", "") for kind, c in probe["out"] if kind == "display_data"],
                "errors": [c for kind, c in probe["out"] if kind == "error"],
                "after_status": after["status"],
                "after_text": after["text"],
            }
            sent = dict(server.sent)
            result["first_visit_bytes"] = sent
            parts: dict[str, int] = {}
            for path, n in sent.items():
                parts[_part(path)] = parts.get(_part(path), 0) + n
            result["first_visit_bytes_by_part"] = {**dict(sorted(parts.items())), "total": sum(sent.values())}
            page.close()

            # 5. second visit, same profile
            server.sent.clear()
            page = context.new_page()
            result["second_visit_kernel_ready_s"] = _open(page, url, timeout)
            reply, text = _analysis(page, 99)
            result["second_visit_first_analysis_s"] = reply["ms"] / 1000
            result["second_visit_analysis"] = text
            result["second_visit_compiler_bytes"] = sum(n for path, n in server.sent.items() if path.endswith("compile.wasm"))
            result["second_visit_bytes"] = sum(server.sent.values())
            context.close()
    finally:
        server.stop()
        shutil.rmtree(profile, ignore_errors=True)
    result["nonlocal_requests"] = sorted({u for u in requests if not u.startswith(server.url) and u.split(":")[0] in ("http", "https", "ws", "wss")})
    result["failed_requests"] = sorted(set(failed))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golab.lite.browsercheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--lesson", default="02", help="number prefix of the lesson to run (default 02)")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--online", action="store_true", help="do not enter a network namespace")
    args = parser.parse_args(argv)
    if not args.online and not _offline() and shutil.which("unshare"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            inner = " ".join(map(_quote, [sys.executable, "-m", "golab.lite.browsercheck", *(argv or sys.argv[1:])]))
            return subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {inner}"]).returncode
    if not os.path.exists(CHROMIUM):
        print(f"golab lite check: needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        result = check(args.site.resolve(), args.lesson, args.edits, args.timeout, args.screenshot)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.json:
        args.json.write_text(text)
    else:
        print(text)
    return 0


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(str(s))


if __name__ == "__main__":
    sys.exit(main())
