"""Re-execute the lessons and save them the way nbval checks them.

What it does: runs each notebook top to bottom in a fresh kernel started in
``notebooks/`` (as nbval does), in the short benchmark mode CI uses
(``GOLAB_BENCH_SCALE=0.1`` unless set), then keeps the saved file small:
no widget state, no widget-view outputs (nbval cannot reproduce them), no
per-cell execution timestamps.  Run it after changing golab's views or an
example, then commit the notebooks: their saved outputs are what nbval
compares.

What it reads: ``notebooks/*.ipynb`` (or the paths given).

What it returns: exit 0, with one line per notebook: size, code cells,
cells nbval compares, cells it ignores.

Usage: ``python tools/refresh_notebooks.py [notebooks/04_benchmarks.ipynb ...]``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IGNORED = {"nbval-ignore-output", "nbval-skip"}


def strip(nb) -> None:
    """Widget state and widget views out; nothing else changes."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if any(WIDGET_VIEW in o.get("data", {}) for o in cell.get("outputs", [])):
            cell.outputs = []
        cell.metadata.pop("execution", None)


def refresh(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    strip(nb)
    nbformat.write(nb, path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    ignored = [c for c in code if IGNORED & set(c.metadata.get("tags", []))]
    return f"{path.name}: {path.stat().st_size // 1024} KB, {len(code)} code cells, {len(code) - len(ignored)} compared, {len(ignored)} ignored"


def main(argv: list[str]) -> int:
    os.environ.setdefault("GOLAB_BENCH_SCALE", "0.1")
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(refresh(path), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
