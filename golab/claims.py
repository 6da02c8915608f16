"""Expectations written next to the code: what the compiler must say, and
what the guide claims.

What it does: reads expectation comments in Go files, in the style of Go's own
compiler tests (``// ERROR "..."``) and ``analysistest`` (``// want "..."``):

    x := 42 // guide "escapes to heap" want "moved to heap: x"
    y := 7  // want !"heap"

``want "REGEX"`` says a decision the pinned compiler reports on this line
must match REGEX; ``want !"REGEX"`` says none may.  ``guide "TEXT"`` records
what the guide claims for the line.  :func:`check` compiles the file (with
``-m=2``, inlining on) and reports each ``want`` as holding or not, and each
guide claim beside the compiler's actual words for that line, with a verdict:
``agrees`` (same words), ``agrees, other words`` (same placement, the
compiler words it differently), ``differs`` (the compiler puts it elsewhere)
or ``unclear`` (a claim that names neither heap nor stack).

What it reads: Go source text or paths (files, folders, recursively for
``check_tree``).

What it returns: :class:`CheckReport` with :class:`WantResult` and
:class:`ClaimResult` rows; plain data with a text form and ``_repr_html_``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Sequence
from pathlib import Path

from . import display
from .escape import EscapeReport, escape
from .snippet import go_lines

_COMMENT = re.compile(r"//\s*((?:guide|want)\b.*)$")
_ITEM = re.compile(r'(guide|want)\s+((?:!?"(?:\\.|[^"\\])*"\s*)+)')
_QUOTED = re.compile(r'(!?)"((?:\\.|[^"\\])*)"')


@dataclasses.dataclass
class Annotation:
    file: str
    line: int
    kind: str  # "want" or "guide"
    text: str  # regex (want) or claim (guide)
    negated: bool = False


def parse_annotations(text: str, file: str = "snippet.go") -> list[Annotation]:
    """Every ``want`` / ``guide`` annotation in a Go source."""
    found = []
    for number, line in enumerate(go_lines(text), 1):
        m = _COMMENT.search(line)
        if not m:
            continue
        for item in _ITEM.finditer(m.group(1)):
            for q in _QUOTED.finditer(item.group(2)):
                value = q.group(2).replace('\\"', '"')
                found.append(Annotation(file, number, item.group(1), value, q.group(1) == "!"))
    return found


def claimed_placement(claim: str) -> str | None:
    """"heap", "stack" or None for a guide claim in plain words."""
    lowered = claim.lower()
    if "heap" in lowered or "escape" in lowered:
        return "heap"
    if "stack" in lowered:
        return "stack"
    return None


@dataclasses.dataclass
class WantResult:
    annotation: Annotation
    holds: bool
    actual: list[str]  # the compiler's messages on that line

    def __str__(self) -> str:
        a = self.annotation
        expect = ("no match for " if a.negated else "") + f'"{a.text}"'
        state = "holds " if self.holds else "DIFFERS"
        said = "; ".join(self.actual) or "(nothing on this line)"
        return f"{a.file}:{a.line}: want {expect}: {state} — compiler: {said}"


@dataclasses.dataclass
class ClaimResult:
    annotation: Annotation
    verdict: str  # agrees | agrees, other words | differs | unclear
    claimed: str | None  # heap / stack / None
    actual_placement: str  # heap / stack
    actual: list[str]  # the compiler's escape-related messages on the line

    def __str__(self) -> str:
        a = self.annotation
        said = "; ".join(self.actual) or "nothing: it stays on the stack"
        return f'{a.file}:{a.line}: guide "{a.text}" — compiler: {said} — {self.verdict}'


@dataclasses.dataclass
class CheckReport:
    wants: list[WantResult]
    claims: list[ClaimResult]
    reports: dict[str, EscapeReport]  # file -> the escape report it was checked against
    errors: list[str]

    @property
    def ok(self) -> bool:
        """Every ``want`` holds and everything compiled."""
        return not self.errors and all(w.holds for w in self.wants)

    def text(self) -> str:
        lines = [str(w) for w in self.wants] + [str(c) for c in self.claims] + [f"error: {e}" for e in self.errors]
        held = sum(w.holds for w in self.wants)
        lines.append(
            f"{held}/{len(self.wants)} wants hold; guide claims: "
            + ", ".join(f"{sum(c.verdict == v for c in self.claims)} {v}" for v in ("agrees", "agrees, other words", "differs", "unclear"))
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        held = sum(w.holds for w in self.wants)
        differs = sum(c.verdict == "differs" for c in self.claims)
        return (
            f"<CheckReport {held}/{len(self.wants)} wants hold, {len(self.claims)} guide claims "
            f"({differs} differ){', ' + str(len(self.errors)) + ' errors' if self.errors else ''}>"
        )

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "wants": [
                {**dataclasses.asdict(w.annotation), "holds": w.holds, "actual": w.actual} for w in self.wants
            ],
            "claims": [
                {
                    **dataclasses.asdict(c.annotation),
                    "verdict": c.verdict,
                    "claimed": c.claimed,
                    "actual_placement": c.actual_placement,
                    "actual": c.actual,
                }
                for c in self.claims
            ],
            "errors": self.errors,
        }

    def _repr_html_(self) -> str:
        return display.to_html(self)


def _messages(report: EscapeReport, file: str, line: int) -> list[str]:
    """What the compiler printed for a line: every decision on it, the
    copies the inliner made at a call on this line included."""
    return [d.message for d in report.on_line(line, file)]


def judge_claim(annotation: Annotation, report: EscapeReport) -> ClaimResult:
    """Compare one guide claim with what the compiler said on its line."""
    decisions = report.on_line(annotation.line, annotation.file)
    placement = "heap" if any(d.heap for d in decisions) else "stack"
    actual = [d.message for d in decisions if d.kind not in ("can-inline", "cannot-inline", "inlining-call")]
    claimed = claimed_placement(annotation.text)
    if claimed is None:
        verdict = "unclear"
    elif claimed != placement:
        verdict = "differs"
    elif claimed == "stack" and not any(d.heap for d in decisions):
        verdict = "agrees"  # the compiler is silent about what stays put
    elif any(annotation.text.strip().lower() in m.lower() for m in actual):
        verdict = "agrees"
    else:
        verdict = "agrees, other words"
    return ClaimResult(annotation, verdict, claimed, placement, actual)


def safe_pattern(text: str) -> re.Pattern:
    """A ``// want`` regex, refused (re.error) when it can backtrack
    exponentially: a repeated group that itself holds a repeat or an
    alternative, like ``(a+)+`` or ``(a|a)*`` (Python's engine has no time
    limit; Go's RE2 would not backtrack at all)."""
    import re._parser as sre  # the parser of the re module

    if len(text) > 1000:
        raise re.error("longer than 1000 characters")

    def risky(items, inside_repeat: bool) -> bool:
        for op, av in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                lo, hi, sub = av
                if inside_repeat and hi != lo:
                    return True
                if risky(sub, inside_repeat or hi > 1):
                    return True
            elif name == "BRANCH":
                if inside_repeat:
                    return True
                if any(risky(b, inside_repeat) for b in av[1]):
                    return True
            elif name == "SUBPATTERN":
                if risky(av[-1], inside_repeat):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT"):
                if risky(av[1], inside_repeat):
                    return True
        return False

    pattern = re.compile(text)
    if risky(sre.parse(text), False):
        raise re.error("a repeated group that itself repeats (like (a+)+) can take exponential time; write it without nested repetition")
    return pattern


MATCH_BUDGET = 10**8  # steps: about a second of Python's regex engine in the worst case


def open_repeats(text: str) -> int:
    """How many repeats of variable width (``.*``, ``a+``, ``x{1,5}``) a
    pattern holds.  Without nested repetition (:func:`safe_pattern` refuses
    it) a search backtracks at most about ``n ** (k + 1)`` steps on a
    message of ``n`` characters: ``.*`` fourteen times is polynomial, and
    still hours."""
    import re._parser as sre

    def count(items) -> int:
        total = 0
        for op, av in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                total += (av[0] != av[1]) + count(av[2])
            elif name == "BRANCH":
                total += max((count(b) for b in av[1]), default=0)
            elif name == "SUBPATTERN":
                total += count(av[-1])
            elif name in ("ASSERT", "ASSERT_NOT"):
                total += count(av[1])
        return total

    return count(sre.parse(text))


def want_matches(text: str, messages: Sequence[str]) -> bool:
    """Does the ``// want`` regex ``text`` find any of ``messages``?  Raises
    re.error for a pattern that could backtrack exponentially, or whose
    worst case on these messages is past :data:`MATCH_BUDGET` steps (so
    ``golab check`` answers in about a second, whatever the pattern)."""
    pattern = safe_pattern(text)
    k = open_repeats(text)
    for m in messages:
        if k and (len(m) + 1) ** (k + 1) > MATCH_BUDGET:
            raise re.error(
                f"{k} open-ended repeats (.*, +, {{m,n}}) could take very long on a compiler message of {len(m)} "
                "characters; use fewer of them and more literal text")
    return any(pattern.search(m) for m in messages)


def check_report(report: EscapeReport) -> CheckReport:
    """Check the annotations in an already compiled report's sources."""
    wants, claims = [], []
    for file, text in report.sources.items():
        for a in parse_annotations(text, file):
            if a.kind == "want":
                messages = _messages(report, file, a.line)
                try:
                    matched = want_matches(a.text, messages)
                except re.error as exc:
                    wants.append(WantResult(a, False, [f"bad regular expression: {exc}"]))
                    continue
                wants.append(WantResult(a, matched != a.negated, messages))
            else:
                claims.append(judge_claim(a, report))
    errors = [str(e) for e in report.errors]
    return CheckReport(wants, claims, {f: report for f in report.sources}, errors)


def check(source_or_path, **kwargs) -> CheckReport:
    """Compile (``-m=2``) and check every annotation in a snippet, file or folder."""
    return check_report(escape(source_or_path, level=2, **kwargs))


def go_dirs(root: str | os.PathLike) -> list[Path]:
    """Folders under ``root`` (or ``root`` itself) that hold .go files."""
    root = Path(os.fspath(root).removesuffix("/..."))  # check is recursive anyway
    if root.is_file():
        return [root]
    # as go's ./... : no vendor/ or testdata/ folders, no hidden or _ ones,
    # and a folder of tests only is no package to compile
    skip = lambda part: part.startswith((".", "_")) or part in ("vendor", "testdata")  # noqa: E731
    return sorted(
        {
            p.parent
            for p in root.rglob("*.go")
            if not p.name.endswith("_test.go") and not any(skip(part) for part in p.relative_to(root).parts)
        }
    )


def check_tree(root: str | os.PathLike, **kwargs) -> CheckReport:
    """Check every package folder below ``root``; one combined report."""
    total = CheckReport([], [], {}, [])
    for folder in go_dirs(root):
        part = check(folder, **kwargs)
        total.wants += part.wants
        total.claims += part.claims
        total.reports.update(part.reports)
        total.errors += [f"{folder}: {e}" for e in part.errors]
    return total
