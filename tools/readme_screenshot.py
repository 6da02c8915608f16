"""Redraw docs/escape-view.png: the README's example as JupyterLab shows it.

What it does: starts JupyterLab (the browser test's server helper: a free
port, a temporary folder, golab's shipped settings) and headless Chromium,
runs a two-cell notebook holding the README's ``golab.escape(...)`` example,
opens the "why" fold under the heap badge and saves a picture of the
output at docs/escape-view.png.

Run: ``python tools/readme_screenshot.py`` (needs Chromium at
/usr/bin/chromium and the playwright package, like the browser tests).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

README = (ROOT / "README.md").read_text()
EXAMPLE = re.search(r"```python\n(import golab\ngolab\.escape\(.*?\))\n```", README, re.S).group(1)
OUT = ROOT / "docs" / "escape-view.png"


def main() -> int:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, Lab, open_notebook, run_all, write_notebook

    with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as config:
        write_notebook(Path(root) / "readme.ipynb", [EXAMPLE])
        lab = Lab(Path(root), Path(config))
        try:
            lab.wait_ready()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1000, "height": 800}, device_scale_factor=2)
                open_notebook(page, lab, "readme.ipynb")
                state = run_all(page, timeout=120)
                assert not state["errors"], state["errors"]
                page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
                view = page.locator(".golab-escape").first
                view.wait_for()
                heap_row = view.locator(".golab-line", has=page.locator(".golab-moved-to-heap")).first
                heap_row.locator(".golab-flow summary").first.click()
                page.wait_for_timeout(500)
                cell = page.locator(".jp-Cell").first
                cell.screenshot(path=str(OUT))
                browser.close()
        finally:
            lab.stop()
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
