"""The lessons read without a kernel: ``jupyter nbconvert --to html`` of the saved notebooks.

What it checks: what GitHub, a course site or an emailed HTML file shows.
The saved outputs are rendered as they are (nothing is executed): golab's
annotated source (highlighted Go, ``golab-escape`` with coloured badges) is in
the page; every plotly chart that is stored also carries a static fallback
(an SVG/PNG, or HTML with an inline SVG) that the HTML shows, because
nbconvert cannot draw the plotly mime type; and no page embeds plotly.js or
points to its CDN (a lesson must stay small in git and readable offline).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_FILES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))

PLOTLY_MIME = "application/vnd.plotly.v1+json"
STATIC = ("image/svg+xml", "image/png", "text/html")
MAX_HTML_BYTES = 3 * 1024 * 1024  # nbconvert's own CSS is ~0.3 MB; plotly.js alone would be ~4.5 MB
PLOTLY_JS = re.compile(r"plotly\.js v\d|Plotly\.newPlot|cdn\.plot\.ly|plotly-latest(\.min)?\.js|plotly-\d+\.\d+\.\d+(\.min)?\.js")


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory):
    """All lessons converted in one nbconvert run (it starts Python once)."""
    out = tmp_path_factory.mktemp("nbconvert-html")
    if not NOTEBOOK_FILES:
        pytest.skip("no notebooks in notebooks/")
    proc = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", "--output-dir", str(out), *(str(NOTEBOOKS / n) for n in NOTEBOOK_FILES)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=out,
    )
    assert proc.returncode == 0, f"nbconvert failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return out


def _outputs(name: str):
    nb = json.loads((NOTEBOOKS / name).read_text())
    for index, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            yield index, out


def _html(html_dir: Path, name: str) -> str:
    path = html_dir / (Path(name).stem + ".html")
    assert path.is_file(), f"nbconvert wrote no {path.name}"
    return path.read_text(errors="replace")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_html_is_small_and_has_no_plotly_js(html_dir, name):
    path = html_dir / (Path(name).stem + ".html")
    html = _html(html_dir, name)
    size = path.stat().st_size
    assert size < MAX_HTML_BYTES, f"{path.name} is {size / 1e6:.1f} MB: something embeds a library or huge outputs"
    found = PLOTLY_JS.search(html)
    assert found is None, f"{path.name} embeds or loads plotly.js ({found.group(0)!r}): use the plotly_mimetype renderer with a static fallback"


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_stored_charts_have_a_static_fallback_in_the_html(html_dir, name):
    html = _html(html_dir, name)
    charts = [(i, out) for i, out in _outputs(name) if PLOTLY_MIME in out.get("data", {})]
    if not charts:
        pytest.skip(f"{name} stores no plotly chart")
    for index, out in charts:
        data = out["data"]
        static = [m for m in STATIC if m in data]
        assert static, f"{name} cell {index + 1}: a plotly chart without a static fallback ({sorted(data)}): blank without a kernel"
        if "image/png" in data and "image/svg+xml" not in data and "text/html" not in data:
            assert _text(data["image/png"]).strip()[:200] in html.replace("\n", ""), f"{name} cell {index + 1}: the PNG is not in the page"
            continue
        fallback = _text(data.get("image/svg+xml") or data["text/html"])
        assert "<svg" in fallback or "<img" in fallback, (
            f"{name} cell {index + 1}: the chart's fallback draws nothing (no <svg>/<img>): {fallback[:300]!r}"
        )
        # nbconvert re-serialises the HTML (attribute order changes): compare the chart's visible text
        words = _visible_text(fallback)[:120]
        assert words and words in _visible_text(html), (
            f"{name} cell {index + 1}: the chart's static fallback ({words!r}) is not in the HTML page"
        )
    svgs = sum("<svg" in _text(out["data"].get("image/svg+xml") or out["data"].get("text/html", "")) for _, out in charts)
    assert html.count("<svg") >= svgs, f"{name}: {svgs} stored chart fallbacks draw an <svg>, the page has {html.count('<svg')}"


def _visible_text(html: str) -> str:
    text = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
    return re.sub(r"\s+", " ", text).strip()


def test_escape_lesson_shows_the_annotated_source(html_dir):
    name = "03_escape_cases.ipynb"
    if name not in NOTEBOOK_FILES:
        pytest.skip(f"{name} not written yet")
    html = _html(html_dir, name)
    assert 'class="golab-escape' in html, "no annotated source (golab-escape) in the saved 03 lesson"
    assert re.search(r'class="golab-badge golab-moved-to-heap"[^>]*>heap: moved to heap: x<', html), (
        "the heap badge for `x` (Example 1) is missing from the saved annotated source"
    )
    assert 'class="golab-badge golab-does-not-escape"' in html, "no stack badge in the saved annotated source"
    assert 'class="golab-flow"' in html, "the 'why does ... escape?' folds are missing"
    # highlighted Go: inline colours on keywords (JupyterLab's editor variables with a fallback)
    assert re.search(r'<span style="color:(?:#[0-9a-f]{6}|var\(--jp-mirror-editor-keyword-color,#[0-9a-f]{6}\))[^"]*">func</span>', html), (
        "the Go source is not highlighted"
    )


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_saved_golab_html_is_in_the_page(html_dir, name):
    """Every golab HTML output that is stored shows up (nbconvert picks text/html, not text/plain)."""
    html = _html(html_dir, name)
    stored = [(i, out) for i, out in _outputs(name) if "golab-" in _text(out.get("data", {}).get("text/html", ""))]
    if not stored:
        pytest.skip(f"{name} stores no golab HTML output")
    for index, out in stored:
        classes = re.findall(r'class="(golab-[\w-]+)', _text(out["data"]["text/html"]))
        assert f'class="{classes[0]}' in html, f"{name} cell {index + 1}: {classes[0]} missing from the HTML page"


@pytest.mark.parametrize("name", NOTEBOOK_FILES)
def test_code_in_golab_html_is_not_typeset_as_math(html_dir, name):
    """nbconvert's page runs MathJax 2 over `$...$`; Go regexps in `// want "...$"` comments
    are not formulas.  MathJax 2 skips elements with class tex2jax_ignore (JupyterLab's
    MathJax 3: mathjax_ignore)."""
    html = _html(html_dir, name)
    risky = []
    for block in re.finditer(r'<div class="(golab-escape[^"]*)"', html):
        if _element(html, block.start()).count("$") >= 2 and "tex2jax_ignore" not in block.group(1):
            risky.append(block.group(1))
    assert not risky, (
        f"{len(risky)} annotated source block(s) hold `$` signs that MathJax will typeset as formulas; "
        'add class="tex2jax_ignore mathjax_ignore" to the golab-escape div'
    )


def _element(html: str, start: int) -> str:
    """The <div> that opens at ``start``, up to its matching </div>."""
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[start : start + tag.end()]
    return html[start:]
