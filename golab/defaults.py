"""Default settings of golab's measurements, in one table.

What it does: names, for each place a learner or instructor starts a
benchmark, how many samples it takes and how long each runs.  The API
(:func:`golab.bench`, :func:`golab.compare`) and ``python -m golab bench``
take full runs; the cell magic and the panels take fewer samples so a
lesson answers in seconds (5 samples are the fewest with which the
Mann-Whitney test can reach p < 0.05 for two benchmarks); the exercises
time nothing (allocs/op is exact after a few hundred iterations).  Callers
read this table and pass the values on explicitly, so one path never meets
two defaults.  ``GOLAB_BENCH_SCALE`` shrinks all of them (see
:mod:`golab.bench`).

What it reads: nothing.

What it returns: :data:`BENCH`, a dict ``{place: {"count": int,
"benchtime": str}}``, and :func:`bench_defaults`.
"""

from __future__ import annotations

BENCH: dict[str, dict[str, object]] = {
    # place                       samples      time per sample
    "api": {"count": 10, "benchtime": "1s"},  # golab.bench, golab.compare
    "cli": {"count": 10, "benchtime": "1s"},  # python -m golab bench
    "magic": {"count": 5, "benchtime": "1s"},  # %%go_bench
    "lab": {"count": 5, "benchtime": "1s"},  # golab.benchmark_lab
    "comparer": {"count": 5, "benchtime": "200x"},  # golab.comparer (before/after)
    "exercise": {"count": 1, "benchtime": "200x"},  # golab.allocs_per_op
}


def bench_defaults(place: str) -> dict[str, object]:
    """A copy of the defaults for ``place`` (one of :data:`BENCH`'s keys)."""
    if place not in BENCH:
        raise KeyError(f"no benchmark defaults for {place!r}; places: {', '.join(BENCH)}")
    return dict(BENCH[place])
