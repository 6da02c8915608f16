"""How long golab.escape takes after a one-line edit, against two baselines
measured in the same run.

(a) what a learner types: ``go build -gcflags=-m`` of the same module
    (it also links a binary nobody needs for the analysis);
(b) the floor: the compiler binary itself (``$GOTOOLDIR/compile``, the
    ``toolchain.compile`` golab runs) with an importcfg and the flags golab
    passes, started with plain ``subprocess.run``: no ``go`` wrapper, no
    golab.

Each round edits one line (a new constant), so no result cache can answer;
the Go build cache is warm for the standard library, as it is in a lesson.
The three are interleaved round by round, in a rotated order, so drift in the
machine's load hits them alike.  Prints the medians and the two ratios;
targets: golab <= 0.5x (a) and <= 1.25x (b); and, for a busy machine, the
ratio of the fastest runs.  ``--profile`` adds where golab's own time goes
(cProfile of golab.escape over the same number of rounds).  ``--spawn`` adds
golab.escape with the compiler started the other way golab knows (a fork
with ``preexec_fn``, as on a machine without setpriv) and their ratio.

Run: ``python benchmarks/escape_latency.py [--rounds N] [--profile] [--spawn]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import golab  # noqa: E402
from golab import toolchain as toolchain_module  # noqa: E402
from golab.build import importcfg  # noqa: E402
from golab.toolchain import find_go, run_go, workdir  # noqa: E402

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

GOLAB = "golab.escape"
GO_BUILD = "go build -gcflags=-m"
COMPILER = "compile -m (the binary)"
PREEXEC = "golab.escape, preexec_fn"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="also profile golab.escape (cProfile)")
    parser.add_argument("--spawn", action="store_true",
                        help="also time golab.escape with the compiler spawned by fork + preexec_fn")
    args = parser.parse_args()
    toolchain = find_go()
    cfg = importcfg(toolchain, ["fmt"])
    env = toolchain.env()
    compiler = [toolchain.compile, "-p", "main", "-lang=go1.27", "-importcfg", "importcfg", "-o", "out.o", "-m", "main.go"]
    times: dict[str, list[float]] = {GOLAB: [], GO_BUILD: [], COMPILER: []}
    if args.spawn:
        times[PREEXEC] = []
    with workdir("latency-") as tmp:
        (tmp / "go.mod").write_text("module latency\n\ngo 1.27\n")
        (tmp / "importcfg").write_text(cfg)
        # warm-up: standard library in the build cache, first compile done
        (tmp / "main.go").write_text(SOURCE % 0)
        run_go(toolchain, ["build", "-gcflags=-m", "-o", str(tmp / "bin"), "."], cwd=tmp)
        subprocess.run(compiler, cwd=tmp, env=env, capture_output=True)
        golab.escape(SOURCE % 0)
        def go_build(i: int) -> None:
            (tmp / "main.go").write_text(SOURCE % i)
            t = time.perf_counter()
            r = run_go(toolchain, ["build", "-gcflags=-m", "-o", str(tmp / "bin"), "."], cwd=tmp)
            times[GO_BUILD].append(time.perf_counter() - t)
            assert r.returncode == 0, r.stderr

        def bare_compiler(i: int) -> None:
            (tmp / "main.go").write_text(SOURCE % (1000 + i))
            t = time.perf_counter()
            c = subprocess.run(compiler, cwd=tmp, env=env, capture_output=True, stdin=subprocess.DEVNULL)
            times[COMPILER].append(time.perf_counter() - t)
            assert c.returncode == 0 and b"escapes to heap" in c.stdout, c.stdout + c.stderr

        def golab_escape(i: int) -> None:
            t = time.perf_counter()
            report = golab.escape(SOURCE % (2000 + i))
            times[GOLAB].append(time.perf_counter() - t)
            assert report.ok and report.heap(), report

        def golab_escape_preexec(i: int) -> None:
            usual = toolchain_module._pdeathsig_wrapper() and list(toolchain_module._setpriv)
            toolchain_module._setpriv[:] = [None]
            try:
                t = time.perf_counter()
                report = golab.escape(SOURCE % (4000 + i))
                times[PREEXEC].append(time.perf_counter() - t)
            finally:
                toolchain_module._setpriv[:] = usual or [None]
            assert report.ok and report.heap(), report

        contenders = [go_build, bare_compiler, golab_escape] + ([golab_escape_preexec] if args.spawn else [])
        n = len(contenders)
        for i in range(1, args.rounds + 1):
            # interleaved, and each round in a rotated order, so neither
            # drift in the machine's load nor going first or last favours one
            for measure in contenders[i % n:] + contenders[: i % n]:
                measure(i)

    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    for name, ms in medians.items():
        spread = (min(times[name]) * 1000, max(times[name]) * 1000)
        print(f"{name:24s} median {ms:7.1f} ms   (min {spread[0]:.1f}, max {spread[1]:.1f}, n={len(times[name])})")
    a = medians[GOLAB] / medians[GO_BUILD]
    b = medians[GOLAB] / medians[COMPILER]
    print(f"ratio golab / {GO_BUILD:21s}: {a:.2f}x  (target <= 0.5x)")
    print(f"ratio golab / {COMPILER:21s}: {b:.2f}x  (target <= 1.25x)")
    low = min(times[GOLAB]) / min(times[COMPILER])
    print(f"(fastest runs, less sensitive to a busy machine: golab / compile = {low:.2f}x)")
    if args.spawn:
        how = "setpriv + vfork" if toolchain_module._pdeathsig_wrapper() else "preexec_fn (no setpriv here)"
        print(f"ratio golab.escape, {how} / {PREEXEC}: {medians[GOLAB] / medians[PREEXEC]:.2f}x")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.rounds):
            golab.escape(SOURCE % (3000 + i))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
