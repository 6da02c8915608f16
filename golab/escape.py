"""Escape analysis and inlining decisions, and why.

What it does: compiles a snippet with ``-m`` (level 1) or ``-m=2`` (level 2,
which adds the reason chain) and, optionally, ``-l`` (no inlining), and turns
the compiler's report into :class:`Decision` values.  The compiler's
structured ``-json`` diagnostics (the LSP-style output gopls reads) supply the
flow of each escape and leak with exact positions; the ``-m`` text supplies
what JSON leaves out ("does not escape", inlining calls).  Decisions the
inliner repeats at call sites (``moved to heap: data`` again at the line that
calls an inlined function) are folded into the original decision, which
remembers those call sites in ``inlined_at``; a call-site decision that
differs from the callee's own (inlined, the ``make`` no longer escapes) is
kept, with ``via`` naming the inlined function.  Compiler lines golab does not
know are kept as kind ``other``.

What it reads: Go source text, a .go file or a package folder (anything
:func:`golab.snippet.load` takes).

What it returns: an :class:`EscapeReport`: plain data (decisions, compile
errors in the user's positions, Go version), query methods, ``to_json()``,
a text form, and ``_repr_html_`` (drawn by :mod:`golab.render`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections import OrderedDict

from .build import CompileError, CompileResult, compile_snippet, map_json_position
from .snippet import Snippet, load, strip_comments_and_strings
from .toolchain import Toolchain, check_seconds, find_go

HEAP_KINDS = ("moved-to-heap", "escapes")
LEAK_KINDS = ("leaking-param", "leaking-param-content", "leaking-param-result", "leaking-closure-reference")
INLINE_KINDS = ("can-inline", "cannot-inline", "inlining-call")
KINDS = (*HEAP_KINDS, "does-not-escape", *LEAK_KINDS, *INLINE_KINDS, "closure-capture", "other")

# (kind, pattern): the first match wins.  Subject is group "s".
_PATTERNS: list[tuple[str, re.Pattern]] = [
    (k, re.compile(p))
    for k, p in [
        ("moved-to-heap", r"^moved to heap: (?P<s>.+)$"),
        ("leaking-param-content", r"^leaking param content: (?P<s>\S+)"),
        ("leaking-param-result", r"^leaking param: (?P<s>\S+) to result (?P<r>\S+) level=\d+"),
        ("leaking-param", r"^leaking param: (?P<s>\S+)$"),
        ("leaking-closure-reference", r"^leaking closure reference (?P<s>\S+)"),
        ("does-not-escape", r"^(?P<s>.+) does not escape$"),
        ("escapes", r"^(?P<s>.+) escapes to heap$"),
        ("can-inline", r"^can inline (?P<s>\S+?)(?: with cost (?P<cost>\d+))?(?: as: .*)?$"),
        ("cannot-inline", r"^cannot inline (?P<s>\S+?): (?P<reason>.+)$"),
        ("inlining-call", r"^inlining call to (?P<s>\S+)"),
        ("closure-capture", r"^\S+ capturing by (?P<how>ref|value): (?P<s>\S+)"),
    ]
]

_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")
_FLOW_HEADER = re.compile(r"^(?:.+ escapes to heap in \S+|parameter \S+ leaks to .+):$")


@dataclasses.dataclass
class Decision:
    """One thing the compiler decided about one place in the source."""

    file: str
    line: int
    column: int
    kind: str
    subject: str  # the variable, expression or function it is about
    message: str  # the compiler's own words
    flow: list[str] = dataclasses.field(default_factory=list)  # why (level 2)
    cost: int | None = None  # inlining cost (can-inline)
    reason: str | None = None  # why not inlined (cannot-inline)
    inlined_at: list[str] = dataclasses.field(default_factory=list)  # call sites repeating it
    via: str | None = None  # inlined function this call-site decision comes from

    @property
    def heap(self) -> bool:
        """Does this decision put something on the heap?"""
        return self.kind in HEAP_KINDS

    @property
    def why(self) -> str:
        """The flow in one plain sentence ("" without flow, i.e. at level 1)."""
        return explain_flow(self.flow)

    @property
    def position(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict:
        d = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "flow": list(self.flow),
        }
        if self.inlined_at:
            d["inlined_at"] = list(self.inlined_at)
        if self.via:
            d["via"] = self.via
        if self.cost is not None:
            d["cost"] = self.cost
        if self.reason:
            d["reason"] = self.reason
        if self.flow:
            d["why"] = self.why
        return d

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


# Reason tags the compiler's flow steps end with, "from EXPR (TAG)", in words.
REASONS = {
    "address-of": "its address is taken",
    "return": "it is returned to the caller",
    "assign": "it is assigned",
    "assign-pair": "it is assigned",
    "spill": "it is stored in a temporary",
    "slice-literal-element": "it is put in a slice literal",
    "call parameter": "it is passed to a function whose parameter leaks",
    "captured by a closure": "a closure captures it",
    "reference": "the closure refers to it",
    "too large for stack": "it is too large for the stack (over the compiler's size limit)",
    "interface-converted": "it is converted to an interface",
    "non-constant size": "its size is only known at run time",
    "go func": "a goroutine uses it",
    "defer func": "a deferred call uses it",
    "star-dot-equals": "it is stored through a pointer",
    "star-equals": "it is stored through a pointer",
    "dot-equals": "it is stored in a field",
    "key of map put": "it is used as a map key",
    "value of map put": "it is stored as a map value",
    "appended to slice": "it is appended to a slice",
    "appendee slice": "the slice it is appended to escapes",
    "array-element": "it is stored in an array",
    "struct literal element": "it is stored in a struct literal",
    "map literal key": "it is used as a map-literal key",
    "map literal value": "it is stored as a map-literal value",
}
PLUMBING = {"spill", "assign", "assign-pair", "reference"}  # steps that only move a value along
_STEP_REASON = re.compile(r"^from (?P<expr>.*) \((?P<tag>[^()]+)\)(?: at \S+)?$")
_STEP_SINK = re.compile(r"^flow: (?P<sink>.+?) ← ")


def explain_flow(flow: list[str]) -> str:
    """The flow chain in one plain sentence: why the value ends up where it does."""
    reasons: list[str] = []
    plumbing: list[str] = []
    for step in flow:
        m = _STEP_REASON.match(step)
        if not m:
            continue
        tag, expr = m.group("tag"), m.group("expr")
        phrase = REASONS.get(tag, tag)
        if tag == "call parameter":
            callee = expr.split("(", 1)[0]
            phrase = f"it is passed to {callee}, which keeps it" if callee else phrase
        elif tag == "slice-literal-element" and expr == "... argument":
            phrase = "it is packed into the ... arguments of a variadic call"
        target = plumbing if tag in PLUMBING else reasons
        if phrase not in target:
            target.append(phrase)
    reasons = reasons or plumbing
    sinks = [m.group("sink") for m in map(_STEP_SINK.match, flow) if m]
    if not reasons and not sinks:
        return ""
    end = sinks[-1] if sinks else ""
    if end.startswith("~r"):
        where = "so it must outlive the function: the caller gets it"
    elif end == "{heap}":
        where = "so it reaches the heap"
    elif end.startswith("{storage for ") and end.endswith("}"):
        where = f"so it lives as long as the {end[len('{storage for '):-1]}"
    else:
        where = f"so it flows to {end}" if end else ""
    sentence = "; ".join(reasons)
    sentence = sentence[:1].upper() + sentence[1:]
    return f"{sentence}{', ' + where if where else ''}."


def classify(message: str) -> tuple[str, str, dict]:
    """(kind, subject, extras) for one summary line of ``-m`` output."""
    for kind, pattern in _PATTERNS:
        m = pattern.match(message)
        if m:
            extras = {}
            if kind == "can-inline" and m.group("cost"):
                extras["cost"] = int(m.group("cost"))
            if kind == "cannot-inline":
                extras["reason"] = m.group("reason")
            return kind, m.group("s"), extras
    return "other", "", {}


@dataclasses.dataclass
class EscapeReport:
    """What the compiler decided for one snippet."""

    go_version: str
    level: int
    inline: bool
    decisions: list[Decision]
    errors: list[CompileError]
    sources: dict[str, str]  # user file name -> text as the user wrote it
    output: str = ""  # the compiler's raw text, for the curious
    seconds: float = 0.0
    inferred_imports: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    # ------------------------------------------------------------ queries
    @property
    def ok(self) -> bool:
        return not self.errors

    def on_line(self, line: int, file: str | None = None) -> list[Decision]:
        """Decisions reported on a line (of ``file``, default: the first file)."""
        file = file or next(iter(self.sources), None)
        return [d for d in self.decisions if d.line == line and d.file == file]

    def heap(self) -> list[Decision]:
        """Every decision that puts something on the heap."""
        return [d for d in self.decisions if d.heap]

    def of_kind(self, *kinds: str) -> list[Decision]:
        return [d for d in self.decisions if d.kind in kinds]

    def for_variable(self, name: str) -> list[Decision]:
        """Decisions about a named variable or parameter (``x``, ``&x``)."""
        return [d for d in self.decisions if d.subject in (name, "&" + name) and d.kind not in INLINE_KINDS]

    def placement(self, line: int, file: str | None = None) -> str:
        """"heap" if the compiler moves or lets escape anything on this line, else "stack"."""
        return "heap" if any(d.heap for d in self.on_line(line, file)) else "stack"

    def find_line(self, text: str, file: str | None = None) -> int:
        """Number of the first line of the source containing ``text``."""
        file = file or next(iter(self.sources))
        for number, line in enumerate(self.sources[file].splitlines(), 1):
            if text in line:
                return number
        raise ValueError(f"{text!r} is not in {file}")

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.kind] = counts.get(d.kind, 0) + 1
        return counts

    # ------------------------------------------------------------ output
    def to_json(self) -> dict:
        return {
            "go_version": self.go_version,
            "decisions": [d.to_dict() for d in self.decisions],
            "errors": [e.to_dict() for e in self.errors],
        }

    def text(self, flow: bool | None = None) -> str:
        """The source with each line's decisions beside it (the CLI's view)."""
        from .render import escape_text  # text rendering lives with the views

        return escape_text(self, flow=self.level >= 2 if flow is None else flow)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        counts = self.summary()
        heap = sum(counts.get(k, 0) for k in HEAP_KINDS)
        state = f"{len(self.errors)} compile error(s)" if self.errors else f"{len(self.decisions)} decisions, {heap} heap"
        return f"<EscapeReport {self.go_version} -m={self.level}{'' if self.inline else ' -l'}: {state}>"

    def _repr_html_(self) -> str:
        from .render import escape_html

        return escape_html(self)


# ---------------------------------------------------------------- parsing


def parse_text(output: str, user_files: set[str]) -> list[Decision]:
    """Decisions from ``-m`` / ``-m=2`` text, with text flows attached."""
    decisions: list[Decision] = []
    pending: dict[tuple, list[str]] = {}  # position -> flow lines not yet claimed
    current: tuple | None = None
    for raw in output.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        file = m.group("file").removeprefix("./")
        if file not in user_files:
            continue
        line, col, msg = int(m.group("line")), int(m.group("col") or 0), m.group("msg")
        pos = (file, line, col)
        if msg.startswith(" "):  # a flow step of the header above
            if current == pos:
                pending.setdefault(pos, []).append(msg.strip().rstrip(":"))
            continue
        if _FLOW_HEADER.match(msg):
            current = pos
            pending.setdefault(pos, [])
            continue
        current = None
        kind, subject, extras = classify(msg)
        flow = pending.pop(pos, []) if kind in HEAP_KINDS + LEAK_KINDS else []
        decisions.append(Decision(file, line, col, kind, subject, msg, flow, **extras))
    return decisions


def json_flows(result: CompileResult) -> dict[tuple, list[list[str]]]:
    """Flow chains from the -json diagnostics: position -> [chain, ...]."""
    flows: dict[tuple, list[list[str]]] = {}
    for diag in result.diagnostics:
        if diag.get("code") not in ("escape", "escapes", "leak"):
            continue
        start = diag["range"]["start"]
        pos = map_json_position(result.snippet, diag.get("_file"), start["line"], start["character"])
        if pos is None:
            continue
        chain = []
        for info in diag.get("relatedInformation") or []:
            text = info.get("message", "")
            if not text.startswith("escflow:"):
                continue
            step = text.removeprefix("escflow:").strip().rstrip(":")
            loc = info.get("location", {})
            r = loc.get("range", {}).get("start", {})
            where = map_json_position(result.snippet, loc.get("uri"), r.get("line", 0), r.get("character", 0))
            if step.startswith("from ") and where is not None:
                step += f" at {where}"
            chain.append(step)
        flows.setdefault((pos.file, pos.line, pos.column), []).append(chain)
    return flows


def _function_ranges(sources: dict[str, str]) -> dict[str, tuple[str, int, int]]:
    """Name (as the compiler prints it) -> (file, first line, last line)."""
    decl = re.compile(r"^func[ \t]*(?:\([ \t]*\w*[ \t]*(?P<ptr>\*)?[ \t]*(?P<recv>\w+)[^)]*\)[ \t]*)?(?P<name>\w+)", re.M)
    top = re.compile(r"^(?:func|type|var|const|import)\b", re.M)
    ranges: dict[str, tuple[str, int, int]] = {}
    for file, text in sources.items():
        code = strip_comments_and_strings(text)
        starts = [code.count("\n", 0, m.start()) + 1 for m in top.finditer(code)]
        total = code.count("\n") + 1
        for m in decl.finditer(code):
            first = code.count("\n", 0, m.start()) + 1
            later = [s for s in starts if s > first]
            last = (later[0] - 1) if later else total
            name, recv = m.group("name"), m.group("recv")
            names = [name]
            if recv:
                names = [f"(*{recv}).{name}" if m.group("ptr") else f"{recv}.{name}", f"{recv}.{name}", f"(*{recv}).{name}"]
            for n in names:
                ranges.setdefault(n, (file, first, last))
    return ranges


def fold_inlined(decisions: list[Decision], sources: dict[str, str]) -> list[Decision]:
    """Fold decisions the inliner repeated at call sites into the originals."""
    # exact repeats first (the compiler prints some lines twice)
    seen: set[tuple] = set()
    unique = []
    for d in decisions:
        key = (d.file, d.line, d.column, d.kind, d.message)
        if key in seen:
            continue
        seen.add(key)
        unique.append(d)
    ranges = _function_ranges(sources)
    calls: dict[tuple, list[str]] = {}
    for d in unique:
        if d.kind == "inlining-call":
            calls.setdefault((d.file, d.line, d.column), []).append(d.subject)
    kept = []
    for d in unique:
        callees = [c for c in calls.get((d.file, d.line, d.column), []) if c in ranges]
        if d.kind == "inlining-call" or not callees:
            kept.append(d)
            continue
        original = None
        for callee in callees:
            file, first, last = ranges[callee]
            for e in unique:
                if e is not d and e.file == file and first <= e.line <= last and e.kind == d.kind and e.subject == d.subject:
                    original = e
                    break
            if original:
                break
        if original is not None:
            original.inlined_at.append(d.position)
        else:
            d.via = callees[0]
            kept.append(d)
    return kept


def decisions_from(result: CompileResult, level: int) -> list[Decision]:
    sources = {s.name: s.text for s in result.snippet.sources if not s.is_test}
    decisions = parse_text(result.output, set(sources))
    if level >= 2:
        flows = json_flows(result)
        for d in decisions:
            chains = flows.get((d.file, d.line, d.column))
            if chains and (d.heap or d.kind in LEAK_KINDS):
                d.flow = chains.pop(0)
    else:
        for d in decisions:
            d.flow = []
    order = {name: i for i, name in enumerate(sources)}
    decisions = fold_inlined(decisions, sources)
    decisions.sort(key=lambda d: (order.get(d.file, 99), d.line, d.column, KINDS.index(d.kind)))
    return decisions


# ---------------------------------------------------------------- entry point

_cache: "OrderedDict[str, EscapeReport]" = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 64


def escape(
    source_or_path,
    level: int = 1,
    inline: bool = True,
    *,
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> EscapeReport:
    """Ask the compiler what escapes, what stays and what is inlined.

    ``source_or_path``: Go source (a whole file or a fragment) or a path to a
    .go file or a package folder.  ``level``: 1 for ``-m``, 2 for ``-m=2``
    (adds each escape's flow, the reason chain).  ``inline=False`` compiles
    with ``-l``.  Compile errors do not raise: they are in ``report.errors``,
    at the user's lines.  Problems with the input or the toolchain raise
    :class:`golab.GolabError` subclasses with a message that says what to do.
    """
    if level not in (1, 2):
        raise ValueError("level must be 1 (-m) or 2 (-m=2)")
    if timeout is not None:  # checked where it enters, cached answer or not
        check_seconds(timeout, "timeout")
    toolchain = toolchain or find_go()
    snippet = load(source_or_path, name=name)
    flags = ["-m=2" if level == 2 else "-m"] + ([] if inline else ["-l"])
    key = hashlib.sha256(
        repr((toolchain.goroot, toolchain.version, flags, sorted(snippet.files.items()))).encode()
    ).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _copy(_cache[key])
    result = compile_snippet(snippet, flags, toolchain=toolchain, timeout=timeout)
    report = EscapeReport(
        go_version=toolchain.version,
        level=level,
        inline=inline,
        decisions=decisions_from(result, level) if result.ok else [],
        errors=result.errors,
        sources={s.name: s.text for s in result.snippet.sources if not s.is_test},
        output=result.output,
        seconds=result.seconds,
        inferred_imports={k: v for k, v in result.snippet.inferred_imports.items() if v},
    )
    with _cache_lock:
        _cache[key] = report
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return _copy(report)


def _copy(report: EscapeReport) -> EscapeReport:
    """Callers may mutate what they get; the cache keeps its own."""
    return dataclasses.replace(
        report,
        decisions=[dataclasses.replace(d, flow=list(d.flow), inlined_at=list(d.inlined_at)) for d in report.decisions],
        errors=[dataclasses.replace(e) for e in report.errors],
        sources=dict(report.sources),
    )
