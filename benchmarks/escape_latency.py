"""How long golab.escape takes after a one-line edit, against two baselines
measured in the same run.

(a) what a learner types: ``go build -gcflags=-m`` of the same module
    (it also links a binary nobody needs for the analysis);
(b) the floor: the compiler alone, ``go tool compile -m`` with an importcfg.

Each round edits one line (a new constant), so no result cache can answer;
the Go build cache is warm for the standard library, as it is in a lesson.
Prints the medians and the two ratios; targets: golab <= 0.5x (a) and
<= 1.5x (b).  Run: ``python benchmarks/escape_latency.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import golab  # noqa: E402
from golab.build import importcfg  # noqa: E402
from golab.toolchain import find_go, run, run_go, workdir  # noqa: E402

SOURCE = """package main

import "fmt"

type User struct {
	Name string
	Age  int
}

func newUser(name string) *User {
	u := &User{Name: name, Age: %d}
	return u
}

func main() {
	fmt.Println(newUser("gopher").Name)
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    toolchain = find_go()
    cfg = importcfg(toolchain, ["fmt"])
    times: dict[str, list[float]] = {"golab.escape": [], "go build -gcflags=-m": [], "go tool compile -m": []}
    with workdir("latency-") as tmp:
        (tmp / "go.mod").write_text("module latency\n\ngo 1.27\n")
        (tmp / "importcfg").write_text(cfg)
        # warm-up: standard library in the build cache, first compile done
        (tmp / "main.go").write_text(SOURCE % 0)
        run_go(toolchain, ["build", "-gcflags=-m", "-o", str(tmp / "bin"), "."], cwd=tmp)
        golab.escape(SOURCE % 0)
        for i in range(1, args.rounds + 1):
            # interleave the three so machine drift hits them alike
            src = SOURCE % i
            (tmp / "main.go").write_text(src)
            t = time.perf_counter()
            r = run_go(toolchain, ["build", "-gcflags=-m", "-o", str(tmp / "bin"), "."], cwd=tmp)
            times["go build -gcflags=-m"].append(time.perf_counter() - t)
            assert r.returncode == 0, r.stderr

            (tmp / "main.go").write_text(SOURCE % (1000 + i))
            t = time.perf_counter()
            r = run(
                [toolchain.go, "tool", "compile", "-p", "main", "-importcfg", "importcfg", "-m", "-o", "out.o", "main.go"],
                cwd=tmp,
                env=toolchain.env(),
            )
            times["go tool compile -m"].append(time.perf_counter() - t)
            assert r.returncode == 0, r.stderr

            t = time.perf_counter()
            report = golab.escape(SOURCE % (2000 + i))
            times["golab.escape"].append(time.perf_counter() - t)
            assert report.ok and report.heap(), report

    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for name, ms in medians.items():
        spread = (min(times[name]) * 1000, max(times[name]) * 1000)
        print(f"{name:24s} median {ms:7.1f} ms   (min {spread[0]:.1f}, max {spread[1]:.1f}, n={len(times[name])})")
    a = medians["golab.escape"] / medians["go build -gcflags=-m"]
    b = medians["golab.escape"] / medians["go tool compile -m"]
    print(f"ratio golab / go build -gcflags=-m : {a:.2f}x  (target <= 0.5x)")
    print(f"ratio golab / go tool compile -m   : {b:.2f}x  (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
