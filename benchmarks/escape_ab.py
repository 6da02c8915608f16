"""golab.escape of an earlier git revision against the working tree,
interleaved in one process, with the compiler binary as the floor.

A before/after figure taken minutes apart on a shared machine measures the
machine's load, not the change.  This script imports both versions of golab
side by side (the earlier one extracted with ``git archive`` into a temp
folder and renamed ``golab_before``), and in each round times the compiler
binary alone (``$GOTOOLDIR/compile`` with an importcfg, as golab runs it),
then both versions, in alternating order, each on a freshly edited snippet
(the script's source of ``escape_latency.py``) so no result cache answers.
It also prints each version's own CPU time per call (Python work, the
compiler child excluded), which a loaded machine disturbs much less than
wall time.

Run: ``python benchmarks/escape_ab.py --before REV [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import golab  # noqa: E402
from escape_latency import SOURCE  # noqa: E402
from golab.build import importcfg  # noqa: E402
from golab.toolchain import find_go, run, workdir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", required=True, help="git revision to compare with (e.g. main)")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as old:
        archive = subprocess.run(["git", "archive", args.before, "golab"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
        (Path(old) / "golab").rename(Path(old) / "golab_before")  # golab imports itself relatively
        sys.path.insert(0, old)
        import golab_before  # noqa: E402

        toolchain = find_go()
        cfg = importcfg(toolchain, ["fmt"])
        names = {f"before ({args.before})": golab_before, "after (working tree)": golab}
        times: dict[str, list[float]] = {"compile binary": [], **{n: [] for n in names}}
        cpu: dict[str, list[float]] = {n: [] for n in names}  # golab's own CPU (Python), children excluded
        with workdir("escape-ab-") as tmp:
            (tmp / "importcfg").write_text(cfg)
            for k, module in enumerate(names.values()):
                module.escape(SOURCE % k)  # warm-up
            for i in range(1, args.rounds + 1):
                (tmp / "main.go").write_text(SOURCE % (100_000 + i))
                t = time.perf_counter()
                r = run([toolchain.compile, "-p", "main", "-importcfg", "importcfg", "-m", "-o", "out.o", "main.go"], cwd=tmp, env=toolchain.env())
                times["compile binary"].append(time.perf_counter() - t)
                assert r.returncode == 0, r.stderr
                order = list(names.items())
                if i % 2:
                    order.reverse()
                for k, (name, module) in enumerate(order):
                    t, c = time.perf_counter(), time.process_time()
                    report = module.escape(SOURCE % (200_000 * (1 + list(names).index(name)) + i))
                    times[name].append(time.perf_counter() - t)
                    cpu[name].append(time.process_time() - c)
                    assert report.ok and report.heap(), report
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for name, ms in medians.items():
        print(f"{name:28s} median {ms:6.1f} ms  (min {min(times[name]) * 1000:.1f}, n={len(times[name])})")
    for name, values in cpu.items():
        print(f"{name:28s} golab's own CPU per call (children excluded) median {statistics.median(values) * 1000:.2f} ms")
    before, after = (medians[n] for n in names)
    floor = medians["compile binary"]
    print(f"after / before: {after / before:.3f}x   before / binary: {before / floor:.2f}x   after / binary: {after / floor:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
