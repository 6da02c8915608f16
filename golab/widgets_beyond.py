"""Predict-then-reveal exercises for the GC, PGO and Go-versions lessons.

What it does: each exercise asks a question with a few choices and grades
the learner's answer against a measurement made by golab (a
:class:`~golab.gc.GCExperiment` the lesson just ran, or one it runs when
graded), never against a stored key.  They follow :class:`golab.widgets.Exercise`:
``ex.grade(answer)`` returns a :class:`~golab.widgets.Grade` whose text holds
no timing or count (so nbval can compare it), ``ex`` alone in a cell shows
the question with a Submit button and reveals the answer only after one is
given.  The measured figures behind a grade are kept on the exercise
(``ex.measured``) for a cell that shows them.

What it reads: result objects of :mod:`golab.gc` and :mod:`golab.versions`.

What it returns: exercise objects and Grade values.  It runs ``go`` only
through the analysers.
"""

from __future__ import annotations

import math

from .widgets import Exercise, Grade


def _closest(ratio: float, options: dict[str, float]) -> str:
    """The option whose ratio is nearest in log scale."""
    if ratio <= 0:
        return min(options, key=options.get)
    return min(options, key=lambda k: abs(math.log(ratio) - math.log(options[k])))


class _Choice(Exercise):
    choices: tuple = ()

    def _check(self, answer) -> str:
        norm = str(answer).strip().lower()
        for c in self.choices:
            if norm == c.lower():
                return c
        raise ValueError(f"answer one of: {', '.join(repr(c) for c in self.choices)} (not {answer!r})")


class GOGCDoubles(_Choice):
    """How do GC cycles change when GOGC doubles?  Graded by a GC experiment."""

    choices = ("about twice as many", "about the same", "about half as many")
    background = True

    def __init__(self, experiment=None, *, source=None, workload: str = "churn", size: int = 1_000_000,
                 low: int = 100, high: int = 200) -> None:
        if experiment is None and source is None:
            raise ValueError("give experiment=... (a gc_experiment result with both settings) or source=...")
        self.experiment, self.source, self.workload, self.size = experiment, source, workload, size
        self.low, self.high = f"GOGC={low}", f"GOGC={high}"
        self.question = (f"{self.workload} runs under {self.low}, then under {self.high}. "
                         f"Under {self.high}, how many GC cycles does it run, compared with {self.low}?")
        self.measured: dict[str, int] = {}

    def _measure(self):
        if self.experiment is not None and self.low in self.experiment.labels and self.high in self.experiment.labels:
            return self.experiment
        from .gc import gc_experiment

        self.experiment = gc_experiment(self.source, self.workload, self.size,
                                        [int(self.low.split("=")[1]), int(self.high.split("=")[1])])
        return self.experiment

    def truth(self) -> str:
        exp = self._measure()
        low, high = exp.cycles(self.low), exp.cycles(self.high)
        self.measured = {self.low: low, self.high: high}
        return _closest(high / low if low else 1.0, {self.choices[0]: 2.0, self.choices[1]: 1.0, self.choices[2]: 0.5})

    def grade(self, answer) -> Grade:
        answer = self._check(answer)
        truth = self.truth()
        fewer = "fewer" if self.measured[self.high] < self.measured[self.low] else "not fewer"
        explanation = (
            f"Measured just now: {self.high} ran {fewer} cycles than {self.low} ({truth}; the figures are in "
            "exercise.measured).\n"
            "Why: the runtime sets the heap goal to live heap + (live heap + stacks + globals) x GOGC/100 "
            "(mgcpacer.go). Doubling GOGC doubles the room above the live heap, so the same allocations fill "
            "it about half as often: half the cycles, for a bigger heap."
        )
        return Grade(self.question, answer, truth, answer == truth, explanation)


class LiveOrGarbage(_Choice):
    """Which costs the collector more per cycle: garbage or live data?"""

    choices = ("the one with more live data", "about the same", "the one with less live data")
    background = True

    def __init__(self, source, small: str = "smallLive", big: str = "bigLive", *, size: int = 400_000,
                 setting=100) -> None:
        """``small`` and ``big``: two workload functions in ``source`` that
        allocate the same and keep a small / a big live heap."""
        self.source, self.small_name, self.big_name, self.size, self.setting = source, small, big, size, setting
        self.question = (f"{small} and {big} allocate exactly the same objects; {big} keeps far more of them "
                         "live. Which one costs the collector more CPU per GC cycle?")
        self.measured: dict[str, float] = {}
        self._experiments = None

    def experiments(self):
        """(small, big): the two gc_experiment results the grade uses (run once, then kept)."""
        if self._experiments is None:
            from .gc import gc_experiment

            self._experiments = tuple(gc_experiment(self.source, w, self.size, [self.setting])
                                      for w in (self.small_name, self.big_name))
        return self._experiments

    def truth(self) -> str:
        small, big = self.experiments()
        s, b = small.settings[0], big.settings[0]
        self.measured = {f"{small.workload} ms/cycle": s.gc_cpu_per_cycle * 1000,
                         f"{big.workload} ms/cycle": b.gc_cpu_per_cycle * 1000}
        ratio = b.gc_cpu_per_cycle / s.gc_cpu_per_cycle if s.gc_cpu_per_cycle else 1.0
        return _closest(ratio, {self.choices[0]: 3.0, self.choices[1]: 1.0, self.choices[2]: 1 / 3})

    def grade(self, answer) -> Grade:
        answer = self._check(answer)
        truth = self.truth()
        explanation = (
            f"Measured (/cpu/classes/gc/total over /gc/cycles/total): {truth} costs more per cycle.\n"
            "Why: a cycle marks what is reachable from the roots (stacks, globals) and never scans garbage; "
            "the GC CPU the runtime counts is that marking and the pauses. So a cycle's work grows with the "
            "live heap, while garbage only decides how often a cycle starts."
        )
        return Grade(self.question, answer, truth, answer == truth, explanation)


class AllocatesOn(_Choice):
    """On which Go versions does a benchmark allocate?  Graded by running it on each."""

    choices = ("on every version", "on the older versions only", "on the newest only", "on no version")
    background = True

    def __init__(self, source, benchmark: str, versions=("1.21", "1.24", "1.27")) -> None:
        self.source, self.versions = source, tuple(versions)
        self.benchmark = benchmark if benchmark.startswith("Benchmark") else "Benchmark" + benchmark
        self.question = (f"{self.benchmark.removeprefix('Benchmark')} runs on Go {', '.join(self.versions)}. "
                         "On which of them does one iteration allocate on the heap?")
        self.measured: dict[str, int] = {}
        self._table = None

    def table(self):
        """The allocs/op of every benchmark on every version (measured once, then kept)."""
        if self._table is None:
            from .versions import allocs_by_version

            self._table = allocs_by_version(self.source, self.versions)
        return self._table

    def truth(self) -> str:
        table = self.table()
        counts = [table.allocs[self.benchmark, v] for v in table.versions]
        self.measured = dict(zip(table.versions, counts))
        newest, older = counts[-1], counts[:-1]
        if all(counts):
            return self.choices[0]
        if not any(counts):
            return self.choices[3]
        if all(older) and not newest:
            return self.choices[1]
        if newest and not any(older):
            return self.choices[2]
        return "it varies: " + ", ".join(f"{v}: {c}" for v, c in self.measured.items())

    def grade(self, answer) -> Grade:
        answer = self._check(answer)
        truth = self.truth()
        per = "; ".join(f"{v}: {c} allocs/op" for v, c in self.measured.items())
        explanation = f"Measured with each version's own compiler and runtime: {per}."
        return Grade(self.question, answer, truth, answer == truth, explanation)
