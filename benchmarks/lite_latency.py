"""golab lite in Chromium: how long the first analysis and an edit take, and
what a first visit to lesson 02 downloads.

Runs golab.lite.browsercheck (the site served on loopback inside
``unshare -n``, gzip as a static host sends it, an empty Chromium profile
each round) ``--rounds`` times on a built site and prints:

- the first analysis after the page is loaded (kernel ready: an empty cell
  answered), from the execute request to its reply, in the browser; target
  <= 3 s;
- re-analysis after a one-line edit, median of the edits; target <= 0.5 s;
- bytes sent for lesson 02 on a first visit (page, kernel, first analysis,
  Run All), itemized (Pyodide, wheels, compiler, export data, JupyterLite,
  lesson files), as served with gzip and as the same files raw (what
  ``python -m http.server`` sends); target <= 40 MB as served;
- the second visit (same profile): compiler bytes downloaded (target 0) and
  where the kernel got it.

Also, without a browser: the WebAssembly compiler under Node (the same
compiler.js) against the native compiler on the same edits (--node).

Run: ``python benchmarks/lite_latency.py SITE [--rounds 3] [--node]``
(build SITE with ``python -m golab lite build SITE``).  Timings on a machine
other engineers are loading say little: the script prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def browser_rounds(site: Path, rounds: int, edits: int) -> list[dict]:
    results = []
    for i in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "check.json"
            proc = subprocess.run(
                [sys.executable, "-m", "golab.lite.browsercheck", str(site), "--json", str(out), "--edits", str(edits)],
                capture_output=True, text=True, timeout=1800,
            )
            if proc.returncode != 0 or not out.is_file():
                sys.exit(f"round {i + 1} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            results.append(json.loads(out.read_text()))
        r = results[-1]
        print(f"round {i + 1}: kernel ready {r['kernel_ready_s']:.1f} s, first analysis {r['first_analysis_s']:.2f} s "
              f"(compile {r['first_analysis']['ms'] / 1000:.2f} s, compiler load {r['first_analysis']['loadMs'] / 1000:.2f} s), "
              f"edit median {r['edit_analysis_median_s']:.3f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
    return results


def raw_size(site: Path, path: str) -> int:
    f = site / path.lstrip("/")
    return f.stat().st_size if f.is_file() else 0


def report(site: Path, results: list[dict]) -> None:
    from golab.lite.site import _part

    first = [r["first_analysis_s"] for r in results]
    edits = [t for r in results for t in r["edit_analysis_s"]]
    print()
    print(f"first analysis after load: median {statistics.median(first):.2f} s over {len(first)} rounds "
          f"(min {min(first):.2f}, max {max(first):.2f}); target <= 3 s")
    print(f"re-analysis after an edit: median {statistics.median(edits):.3f} s over {len(edits)} edits "
          f"(min {min(edits):.3f}, max {max(edits):.3f}); target <= 0.5 s")
    print(f"kernel ready after navigation: median {statistics.median(r['kernel_ready_s'] for r in results):.1f} s")
    last = results[-1]
    served: dict[str, int] = {}
    raw: dict[str, int] = {}
    for path, n in last["first_visit_bytes"].items():
        part = _part(path.lstrip("/"))
        served[part] = served.get(part, 0) + n
        raw[part] = raw.get(part, 0) + raw_size(site, path)
    print("first visit to lesson 02, bytes sent (gzip where the server compresses / the same files raw):")
    for part in sorted(served):
        print(f"  {part:12} {served[part] / 1e6:7.2f} MB / {raw[part] / 1e6:7.2f} MB")
    print(f"  {'total':12} {sum(served.values()) / 1e6:7.2f} MB / {sum(raw.values()) / 1e6:7.2f} MB; target <= 40 MB as served")
    print(f"second visit: compiler bytes downloaded {last['second_visit_compiler_bytes']}, "
          f"compiler from {last['second_visit_analysis']['from']}, all bytes {last['second_visit_bytes'] / 1e6:.2f} MB, "
          f"first analysis {last['second_visit_first_analysis_s']:.2f} s")


def node_vs_native(site: Path, rounds: int) -> None:
    import golab
    from golab.lite import backend
    from golab.lite.browsercheck import SNIPPET
    from golab.toolchain import find_go

    native = find_go()
    wasm = backend.configure_node(site / "static" / "golab")
    times = {"native": [], "wasm (node)": []}
    for i in range(rounds):
        for name, tc in (("native", native), ("wasm (node)", wasm)):
            t0 = time.perf_counter()
            golab.escape(SNIPPET % (1000 + i), level=2, toolchain=tc)
            times[name].append(time.perf_counter() - t0)
    for name, ts in times.items():
        print(f"golab.escape, {name}: median {statistics.median(ts):.3f} s over {len(ts)} edits (one process per compile)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--node", action="store_true", help="also time the compiler under Node against the native one")
    args = parser.parse_args()
    site = args.site.resolve()
    print(f"golab lite latency: {site}, {args.rounds} rounds, load average {os.getloadavg()[0]:.1f} at start")
    report(site, browser_rounds(site, args.rounds, args.edits))
    if args.node:
        node_vs_native(site, 5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
