"""golab lite in a real browser, offline: lesson 02 top to bottom in the
Pyodide kernel of a built site, served on loopback inside a network
namespace (``unshare -n``), driven in Chromium by
:mod:`golab.lite.browsercheck`.

The site is built once per session (``python -m golab lite build``; needs
npm and PyPI the first time, then its caches), or taken from
``GOLAB_LITE_SITE`` (CI builds it before the network is cut:
tools/build_lite_for_ci.sh).  Select with ``pytest -m lite``.

Checked: every cell ran and none failed; each escape view the lesson shows is
the one the native kernel saved in the notebook (same badges, flows,
annotated source: the same compiler made it), and so is the view of a cell
appended to the lesson; the escape explorer widget drew (in a cell appended
to the lesson, so this holds whatever lesson 02 contains); the cell that runs a program says once that it needs a full kernel,
with the link, and the lesson went on; the first analysis finds what the
native compiler finds; a second visit does not download the compiler again;
no request left the machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import golab
from conftest import ROOT

pytestmark = [pytest.mark.lite, pytest.mark.browser]

CHROMIUM = os.environ.get("GOLAB_CHROMIUM", "/usr/bin/chromium")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"the lite browser test needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="the lite browser test needs playwright (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def lite_site(tmp_path_factory) -> Path:
    prebuilt = os.environ.get("GOLAB_LITE_SITE")
    if prebuilt:
        site = Path(prebuilt)
        assert (site / "jupyter-lite.json").is_file(), f"GOLAB_LITE_SITE={prebuilt} is not a built golab lite site"
        return site
    pytest.importorskip(
        "jupyterlite_core",
        reason="no golab lite site: build one with tools/build_lite_for_ci.sh (its own venv) and set GOLAB_LITE_SITE",
    )
    from golab.lite.site import build_site

    site = tmp_path_factory.mktemp("lite") / "site"
    build_site(site, log=lambda *a: None)
    return site


@pytest.fixture(scope="session")
def lesson_run(lite_site, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("lite-check") / "check.json"
    shot = ROOT / "artifacts" / "screenshots" / "lite_02.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "golab.lite.browsercheck", str(lite_site), "--json", str(out), "--edits", "3",
         "--screenshot", str(shot)],
        capture_output=True, text=True, timeout=1500,
    )
    assert proc.returncode == 0 and out.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


def _sanitize(text: str) -> str:
    """nbval's sanitize rules (timings and temp paths), as the lessons' saved outputs use them."""
    rules = re.findall(r"^regex: (.*)\nreplace: (.*)$", (ROOT / "notebooks" / "sanitize.cfg").read_text(), re.M)
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text)
    return text


def _html(cell: dict) -> list[str]:
    found = []
    for out in cell.get("outputs", []):
        html = out.get("data", {}).get("text/html")
        if html:
            found.append(_sanitize("".join(html) if isinstance(html, list) else html))
    return found


def _text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")) if "text" in out else "")
        plain = out.get("data", {}).get("text/plain")
        parts.append("".join(plain) if isinstance(plain, list) else plain or "")
    return "\n".join(parts)


def test_nothing_left_the_machine(lesson_run):
    assert lesson_run["offline"], "the check did not run in a network namespace with only loopback"
    assert lesson_run["nonlocal_requests"] == []
    assert lesson_run["failed_requests"] == []


def test_lesson_02_runs_top_to_bottom(lesson_run):
    state = lesson_run["run_all_state"]
    assert state["done"] == state["code"] > 10, state
    failed = [(i, c["source"][:80], o.get("ename"), o.get("evalue", "")[:300])
              for i, c in enumerate(lesson_run["cells"]) for o in c["outputs"] if o["output_type"] == "error"]
    assert failed == []
    assert "Traceback" not in "\n".join(_text(c) for c in lesson_run["cells"])


def test_escape_views_are_the_native_kernels(lesson_run, lite_site):
    """The annotated views (badges, flows, source) equal the outputs the
    native kernel saved in the lesson, cell by cell."""
    saved = json.loads((lite_site / "files" / "notebooks" / lesson_run["lesson"]).read_text())
    saved_cells = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert len(saved_cells) == len(lesson_run["cells"])
    compared = 0
    for i, (native, lite) in enumerate(zip(saved_cells, lesson_run["cells"])):
        native_views = [h for h in _html(native) if "golab-escape" in h]
        if not native_views or native.get("execution_count") is None:
            continue
        assert [h for h in _html(lite) if "golab-escape" in h] == native_views, f"cell {i}: {lite['source'][:80]!r}"
        compared += 1
    assert compared >= 1, "lesson 02 shows no saved escape view to compare"


def test_an_escape_view_is_the_native_one(lesson_run, toolchain):
    """A cell appended to the lesson: golab.escape's view in the browser is
    byte for byte what the native kernel draws for the same source."""
    from golab.lite.browsercheck import SNIPPET

    probe = lesson_run["probe_cells"][0]
    lite_html = [o["data"]["text/html"] for o in probe["outputs"] if "text/html" in o.get("data", {})]
    native_html = golab.escape(SNIPPET % 0, level=2, toolchain=toolchain)._repr_html_()
    assert lite_html == [native_html]
    assert probe["badges"] > 0 and probe["flows"] > 0


def test_escape_explorer_widget_draws(lesson_run):
    probe = lesson_run["probe_cells"][1]
    mimes = {k for o in probe["outputs"] for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes, probe["outputs"]
    assert probe["widgets"] > 0 and probe["selects"] > 0 and probe["widget_errors"] == 0, probe["text"][:1000]
    assert "heap" in probe["text"].lower()  # the explorer shows a verdict
    assert lesson_run["page"]["widget_errors"] == 0


def test_running_a_program_says_it_needs_a_full_kernel_and_the_lesson_goes_on(lesson_run, lite_site):
    probe = lesson_run["full_kernel_probe"]  # golab.run in a cell of its own, after the lesson
    assert probe["status"] == "ok" and probe["errors"] == [], probe
    assert len(probe["html"]) == 1 and "golab-needs-full-kernel" in probe["html"][0]
    assert "not reached" not in probe["text"] and "The rest of this cell did not run." in probe["html"][0]
    # the next cell reads the result: the short box, no made-up value, no traceback
    assert probe["after_status"] == "ok" and "This cell uses a result only a full kernel has" in probe["after_text"]
    # (print writes its first argument before it reaches the placeholder: nothing follows it)
    assert all(line.strip() in ("after:", "") or "full kernel" in line for line in probe["after_text"].replace(
        "after: [golab lite]", "after:\n[golab lite]").splitlines()), probe["after_text"]
    # the lesson's own cells that run programs, if it has any, then the probe:
    # each says it once; the first also says where to get a full kernel (the
    # site's Binder link, else the install commands), later ones are short
    magic_cells = [cell for cell in lesson_run["cells"] if cell["source"].startswith(("%%go_run", "%%go_bench"))]
    for cell in magic_cells:  # the full-kernel box (a warning), not a red "running the program failed"
        assert "failed" not in _text(cell) and "golab-needs-full-kernel" in "".join(_html(cell)), _text(cell)
    boxes = [_text(cell) for cell in magic_cells]
    boxes.append(probe["html"][0])
    for i, text in enumerate(boxes):
        assert text.count("needs a full kernel") == 1, (i, text[:500])
    url = json.loads((lite_site / "static" / "golab" / "manifest.json").read_text()).get("binder_url")
    if url:
        assert all(url in text for text in boxes), boxes
        assert f'href="{url}"' in boxes[-1]
    else:
        assert "pip install -e" in boxes[0] and "python -m golab setup" in boxes[0], boxes[0]
        assert not any("mybinder" in text or "<a " in text for text in boxes), boxes


PROGRAM_CELL = re.compile(r"^%%go_(run|bench)|golab\.(run|bench|profile|gc_\w+|compare_versions)\(", re.M)


def test_only_cells_that_run_programs_need_a_full_kernel(lesson_run):
    """Everything else in the lesson, reading go_examples folders included
    (build tags come from the site, not from go), works in the browser."""
    boxed = [(i, cell["source"][:80]) for i, cell in enumerate(lesson_run["cells"])
             if "full kernel" in _text(cell) + "".join(_html(cell))]
    assert boxed and all(PROGRAM_CELL.search(lesson_run["cells"][i]["source"]) for i, _ in boxed), boxed


def test_first_analysis_finds_what_the_native_compiler_finds(lesson_run, toolchain):
    from golab.lite.browsercheck import SNIPPET

    native = golab.escape(SNIPPET % 0, level=2, toolchain=toolchain)
    first = lesson_run["first_analysis"]
    assert (first["decisions"], first["heap"]) == (len(native.decisions), sum(d.heap for d in native.decisions))


def test_second_visit_does_not_download_the_compiler(lesson_run):
    assert lesson_run["second_visit_compiler_bytes"] == 0
    assert lesson_run["second_visit_analysis"]["from"] == "cache"
    assert lesson_run["first_visit_bytes"].get("/static/golab/compile.wasm", 0) > 1_000_000  # the first did
