"""How much time golab.bench adds on top of the Go runs themselves.

Runs, in the same process and on the same package (go_examples/points, or a
path given as the first argument), with the same count and benchtime:

  1. bare ``go test -run ^$ -bench . -benchmem -count N -benchtime T``
     (what a user would type: build + run),
  2. ``golab.bench(path, count=N, benchtime=T)`` (build the test binary once,
     run it N times interleaved, parse, statistics),

alternating the two several times, and prints wall times and their ratio.
Target: golab at most 10% slower than bare go test.  Also prints golab's
time split (building, test binary runs, the rest) and the one-time cost of
importing scipy.stats (paid once per kernel, not per call).  Prints figures
only; no assertions.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import golab  # noqa: E402
from golab import toolchain  # noqa: E402
from golab.snippet import load  # noqa: E402


def bare(path: Path, count: int, benchtime: str) -> float:
    tc = toolchain.find_go()
    snippet = load(path, include_tests=True)
    with toolchain.workdir("overhead-") as tmp:
        snippet.write(tmp)
        start = time.perf_counter()
        r = toolchain.run_go(tc, ["test", "-run", "^$", "-bench", ".", "-benchmem", "-count", str(count), "-benchtime", benchtime, "."], cwd=tmp)
        elapsed = time.perf_counter() - start
    assert r.ok, r.stderr
    return elapsed


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "go_examples" / "points"
    t0 = time.perf_counter()
    import scipy.stats  # noqa: F401  (golab imports it lazily on first use)

    scipy_s = time.perf_counter() - t0
    golab.bench(path, count=3, benchtime="10x")  # warm the build cache for both
    for count, benchtime in ((10, "2000x"), (10, "100ms")):
        bares, golabs, builds, runs = [], [], [], []
        for _ in range(3):
            bares.append(bare(path, count, benchtime))
            start = time.perf_counter()
            r = golab.bench(path, count=count, benchtime=benchtime)
            golabs.append(time.perf_counter() - start)
            runs.append(r.go_seconds)
        b, g = statistics.median(bares), statistics.median(golabs)
        print(f"{path.name}: count={count} benchtime={benchtime}")
        print(f"  bare go test -bench : {b:6.2f} s   (median of 3; runs {', '.join(f'{x:.2f}' for x in bares)})")
        print(f"  golab.bench         : {g:6.2f} s   (median of 3; runs {', '.join(f'{x:.2f}' for x in golabs)})")
        print(f"    of which test binary runs: {statistics.median(runs):.2f} s")
        print(f"  ratio golab / bare  : {g / b:.3f}  ({(g / b - 1) * 100:+.1f}%)")
    print(f"one-time import of scipy.stats (first golab.bench in a process): {scipy_s:.2f} s")


if __name__ == "__main__":
    main()
