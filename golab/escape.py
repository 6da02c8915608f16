"""Escape analysis and inlining decisions, and why.

What it does: compiles a snippet with ``-m`` (level 1) or ``-m=2`` (level 2,
which adds the reason chain) and, optionally, ``-l`` (no inlining), and turns
every line the compiler prints about the user's code into a
:class:`Decision`, at the file, line and column the compiler names, in the
compiler's words.  At level 2 each escape and leak carries the flow the
compiler printed for it, matched on the message and the position together
(two leaks of one parameter at one position each get their own).  Decisions
the inliner copies to a call site (``moved to heap: x`` again on the line
that calls an inlined ``leaf()``, at any depth of inlining) are entries of
their own, each with ``inlined_from`` naming the callee's decision and the
callee; the callee's decision lists those call sites in ``inlined_at``.
Grouping copies under their callee is a view's choice; the data keeps all.
Compiler lines golab does not know are kept as kind ``other``.

What it reads: Go source text, a .go file or a package folder (anything
:func:`golab.snippet.load` takes).

What it returns: an :class:`EscapeReport`: plain data (decisions, compile
errors in the user's positions, Go version), query methods, ``to_json()``,
a text form and ``_repr_html_``, both drawn by the view registered with
:mod:`golab.display` (:mod:`golab.render`).
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import os
import re
import threading
from collections import OrderedDict

from . import display
from .build import CompileError, CompileResult, compile_snippet
from .snippet import Snippet, go_lines, load, strip_comments_and_strings
from .source import _package_of
from .toolchain import Toolchain, check_seconds, find_go

HEAP_KINDS = ("moved-to-heap", "escapes")
LEAK_KINDS = ("leaking-param", "leaking-param-content", "leaking-param-result", "leaking-closure-reference")
INLINE_KINDS = ("can-inline", "cannot-inline", "inlining-call")
KINDS = (*HEAP_KINDS, "does-not-escape", *LEAK_KINDS, *INLINE_KINDS, "closure-capture", "other")

# (kind, pattern): the first match wins.  Subject is group "s".  Function
# names (can inline, cannot inline, inlining call) are read separately, with
# brackets balanced, because generic instances print with spaces in them:
# ``Id[go.shape.struct { A int }]``.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    (k, re.compile(p))
    for k, p in [
        ("moved-to-heap", r"^moved to heap: (?P<s>.+)$"),
        ("leaking-param-content", r"^leaking param content: (?P<s>\S+)$"),
        ("leaking-param-result", r"^leaking param: (?P<s>\S+) to result (?P<r>\S+) level=(?P<level>\d+)$"),
        ("leaking-param", r"^leaking param: (?P<s>\S+)$"),
        ("leaking-closure-reference", r"^leaking closure reference (?P<s>\S+)"),
        ("does-not-escape", r"^(?P<s>.+) does not escape$"),
        ("escapes", r"^(?P<s>.+) escapes to heap$"),
        ("closure-capture", r"^.+? capturing by (?P<how>ref|value): (?P<s>\S+) \(addr="),
    ]
]
# message prefix -> kind, for messages that name a function
_FUNCTION_MESSAGES = (("can inline ", "can-inline"), ("cannot inline ", "cannot-inline"), ("inlining call to ", "inlining-call"))
_COST = re.compile(r"^ with cost (?P<cost>\d+)(?: as: .*)?$")
_SCORE = re.compile(r"^ with score -?\d+$")

_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")
# -m=2 flow headers, printed before the decision they explain
_ESCAPE_HEADER = re.compile(r"^(?P<s>.+) escapes to heap in (?P<fn>.+):$")
_LEAK_HEADER = re.compile(r"^parameter (?P<s>\S+) leaks to (?P<sink>.+) for (?P<fn>.+) with derefs=(?P<derefs>-?\d+):$")


def split_function_name(text: str) -> tuple[str, str]:
    """(name, rest): a function name as the compiler prints it, read up to the
    first space or colon outside brackets (generic instances contain both),
    and the text after it."""
    depth = 0
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == "\\":
                continue
            if ch == quote:
                quote = ""
            continue
        if ch in "\"`":
            quote = ch
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif depth <= 0 and ch in " :":
            return text[:i], text[i:]
    return text, ""


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
    # A copy the inliner made at a call site: the callee's decision it repeats
    # ({"file", "line", "column", "function"}; file/line/column are None for
    # a callee whose source golab does not have), else None.
    inlined_from: dict | None = None
    inlined_at: list[str] = dataclasses.field(default_factory=list)  # call sites copying it (from inlined_from)
    via: str | None = None  # inlined function this call-site decision comes from (inlined_from's)

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
            "inlined_from": dict(self.inlined_from) if self.inlined_from else None,
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
            phrase = f"it is passed to {callee}, which may keep it" if callee else phrase
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
    """(kind, subject, extras) for one summary line of ``-m`` output.

    Every shape the compiler prints at ``-m`` and ``-m=2`` (escape, inline,
    devirtualize and walk phases) is either one of :data:`KINDS` or kept as
    ``other`` with its words in ``message``; nothing is dropped."""
    for prefix, kind in _FUNCTION_MESSAGES:
        if message.startswith(prefix):
            name, rest = split_function_name(message[len(prefix):])
            if not name:
                break
            extras: dict = {}
            if kind == "can-inline":
                m = _COST.match(rest)
                if rest and not m:
                    break
                if m:
                    extras["cost"] = int(m.group("cost"))
            elif kind == "cannot-inline":
                if rest.startswith(": "):
                    extras["reason"] = rest[2:]
                elif rest.startswith(" into "):  # one call, not the function: "cannot inline f into g: ..."
                    extras["reason"] = rest.strip()
                else:
                    break
            elif rest and not _SCORE.match(rest):
                break
            return kind, name, extras
    for kind, pattern in _PATTERNS:
        m = pattern.match(message)
        if m:
            return kind, m.group("s"), {}
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
    # what the decisions may lack (the compiler's output passed golab's cap):
    # never silent, the views show each one
    warnings: list[str] = dataclasses.field(default_factory=list)

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
        for number, line in enumerate(go_lines(self.sources[file]), 1):
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
        data = {
            "go_version": self.go_version,
            "decisions": [d.to_dict() for d in self.decisions],
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data

    def text(self, flow: bool | None = None) -> str:
        """The source with each line's decisions beside it (the CLI's view)."""
        return display.to_text(self, flow=self.level >= 2 if flow is None else flow)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        counts = self.summary()
        heap = sum(counts.get(k, 0) for k in HEAP_KINDS)
        state = f"{len(self.errors)} compile error(s)" if self.errors else f"{len(self.decisions)} decisions, {heap} heap"
        if self.warnings:
            state += f", {len(self.warnings)} warning(s): output cut"
        return f"<EscapeReport {self.go_version} -m={self.level}{'' if self.inline else ' -l'}: {state}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


# ---------------------------------------------------------------- parsing


def _flow_key(d: Decision) -> tuple | None:
    """What flow header explains this decision: (what, position, subject,
    sink, derefs), None for the decisions the compiler explains with none."""
    pos = (d.file, d.line, d.column)
    if d.kind in HEAP_KINDS:
        return ("heap", pos, d.subject)
    if d.kind == "leaking-param":
        return ("leak", pos, d.subject, "{heap}", 0)
    if d.kind == "leaking-param-content":
        return ("leak", pos, d.subject, "{heap}", None)  # any derefs > 0
    if d.kind == "leaking-param-result":
        m = _PATTERNS[2][1].match(d.message)
        return ("leak", pos, d.subject, m.group("r"), int(m.group("level"))) if m else None
    return None


def _claim_flow(pending: list[tuple[tuple, list[str]]], key: tuple) -> list[str]:
    """Take the flow for ``key`` out of ``pending`` (headers in the order the
    compiler printed them); the message decides, never the position alone."""
    if key[0] == "heap":
        for i, (k, steps) in enumerate(pending):
            if k == key:
                return pending.pop(i)[1]
        # the header may name the node as it was before inlining rewrote it
        # ("i escapes to heap in main:" for the call site's "3 escapes to
        # heap"), or the call ("append(s, v)" for "append escapes to heap")
        here = [i for i, (k, _) in enumerate(pending) if k[:2] == key[:2]]
        subject = key[2]
        for same in (
            lambda other: subject == "append" and other.startswith("append("),
            lambda other: _shape(other) == _shape(subject),
            lambda other: _head(other) == _head(subject) != "",
        ):
            for i in here:
                if same(pending[i][0][2]):
                    return pending.pop(i)[1]
        return pending.pop(here[0])[1] if len(here) == 1 else []
    # a parameter's leak may be explained more than once as the solver walks
    # again with fewer dereferences: take the one the verdict reports (the
    # fewest derefs) and drop the others printed for the same verdict
    same = [i for i, (k, _) in enumerate(pending) if k[:4] == key[:4]]
    if key[4] is None:
        fits = [i for i in same if pending[i][0][4] > 0]
    else:
        fits = [i for i in same if pending[i][0][4] == key[4]]
    if not fits:
        return []
    best = min(fits, key=lambda i: pending[i][0][4])
    steps = pending[best][1]
    for i in reversed(fits):
        del pending[i]
    return steps


def parse_text(output: str, snippet: Snippet | None = None) -> list[Decision]:
    """One decision per line the compiler printed, in the compiler's order,
    repeats included; at ``-m=2`` each with the flow printed for it.

    Which lines belong to the learner's report is decided here, once, for
    both ways golab compiles (the compiler alone on a snippet, go in a
    module): every line ``go build -gcflags=-m`` prints for the package,
    at the file it names, except lines at a file golab wrote itself
    (:meth:`Snippet.is_added`: an added empty ``main``).
    So the user's files, the call sites the inliner copied a callee's
    decision to (the callee's body in the package, in another package of
    the module or in the standard library), the compiler's
    ``<autogenerated>`` wrappers and the lines it prints at a
    standard-library or dependency file for a generic instantiated in the
    package (``$GOROOT/src/sync/atomic/type.go:58:6: can inline ...``) are
    all kept: go build prints them while compiling the learner's package."""
    decisions: list[Decision] = []
    pending: list[tuple[tuple, list[str]]] = []  # flow headers not yet claimed, in order
    current: list[str] | None = None  # steps of the header being read
    for raw in go_lines(output):
        m = _LINE.match(raw)
        if not m:
            continue
        file = m.group("file").removeprefix("./")
        if snippet is not None and snippet.is_added(file):
            continue  # a line golab added (an empty main)
        line, col, msg = int(m.group("line")), int(m.group("col") or 0), m.group("msg")
        pos = (file, line, col)
        if msg.startswith(" "):  # a step of the flow header above
            if current is not None:
                current.append(msg.strip().rstrip(":"))
            continue
        header = _ESCAPE_HEADER.match(msg)
        leak = None if header else _LEAK_HEADER.match(msg)
        if header or leak:
            current = []
            if header:
                key = ("heap", pos, header.group("s"))
            else:
                key = ("leak", pos, leak.group("s"), leak.group("sink"), int(leak.group("derefs")))
            pending.append((key, current))
            continue
        current = None
        kind, subject, extras = classify(msg)
        d = Decision(file, line, col, kind, subject, msg, **extras)
        key = _flow_key(d)
        if key is not None:
            d.flow = list(_claim_flow(pending, key))
        decisions.append(d)
    return decisions


_GENERIC_ARGS = re.compile(r"\[[^\[\]]*\]")
_CLOSURE_SUFFIX = re.compile(r"(?:\.(?:func|gowrap|deferwrap)\d+)+$")


def _declared_name(name: str) -> str:
    """The name a function has in the source, for a name the compiler prints:
    ``Ptr[go.shape.int]`` -> ``Ptr``, ``(*Pair[go.shape.int]).Swap`` ->
    ``(*Pair).Swap``, ``makeCounter.func1`` -> ``makeCounter`` (a closure
    lies inside the function that holds it)."""
    while True:
        stripped = _GENERIC_ARGS.sub("", name)
        if stripped == name:
            break
        name = stripped
    return _CLOSURE_SUFFIX.sub("", name)


def _function_ranges(sources: dict[str, str]) -> dict[str, tuple[str, int, int]]:
    """Name (as the compiler prints it, without type arguments) -> (file,
    first line, last line)."""
    decl = re.compile(r"^func[ \t]*(?:\([ \t]*\w*[ \t]*(?P<ptr>\*)?[ \t]*(?P<recv>\w+)[^)]*\)[ \t]*)?(?P<name>\w+)", re.M)
    top = re.compile(r"^(?:func|type|var|const|import)\b", re.M)
    ranges: dict[str, tuple[str, int, int]] = {}
    for file, text in sources.items():
        code = strip_comments_and_strings(text)
        breaks = [m.start() for m in re.finditer("\n", code)]  # line of offset o: bisect(breaks, o - 1) + 1
        starts = [bisect.bisect_left(breaks, m.start()) + 1 for m in top.finditer(code)]
        total = len(breaks) + 1
        for m in decl.finditer(code):
            first = bisect.bisect_left(breaks, m.start()) + 1
            later = bisect.bisect_right(starts, first)
            last = (starts[later] - 1) if later < len(starts) else total
            name, recv = m.group("name"), m.group("recv")
            names = [name]
            if recv:
                names = [f"(*{recv}).{name}" if m.group("ptr") else f"{recv}.{name}"]
            for n in names:
                ranges.setdefault(n, (file, first, last))
    return ranges


def _is_closure(name: str) -> bool:
    """Does the compiler's name denote a func literal (``main.func1``,
    ``F[go.shape.int].func2``, ``main.func1.1``)?"""
    bare = _GENERIC_ARGS.sub("", name)
    return bool(re.search(r"\.func\d+(?:\.\d+)*$", bare) or _CLOSURE_SUFFIX.search(bare))


def _code_lines(text: str) -> tuple[list[str], list[str]]:
    """(lines, the same lines with comments and strings blanked)."""
    lines = go_lines(text, keep_cr=True)
    return lines, go_lines(strip_comments_and_strings("\n".join(lines)), keep_cr=True)


def _literal_span(text: tuple[list[str], list[str]], line: int, column: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((line, column), (line, column)) from the ``func`` keyword of a func
    literal at ``line:column`` (column in bytes, as the compiler counts) to
    the ``}`` closing its body, or None when the text there is not one.
    ``text`` is :func:`_code_lines` of the file."""
    lines, code = text
    if not 1 <= line <= len(lines) or len(code) != len(lines):
        return None
    raw = lines[line - 1].encode("utf-8", "surrogateescape")
    col = len(raw[: column - 1].decode("utf-8", "replace"))
    if not code[line - 1][col:].startswith("func"):
        return None
    parens = 0
    braces = 0
    in_body = False
    word = ""
    last_word = ""
    for n in range(line - 1, len(code)):
        text_line = code[n]
        for i in range(col + 4 if n == line - 1 else 0, len(text_line)):
            ch = text_line[i]
            if ch.isalnum() or ch == "_":
                word += ch
                continue
            if word:
                last_word, word = word, ""
            if ch in "([":
                parens += 1
            elif ch in ")]":
                parens -= 1
            elif ch == "{":
                if braces == 0 and not in_body and parens == 0 and last_word not in ("struct", "interface"):
                    in_body = True
                braces += 1
                last_word = ""
            elif ch == "}":
                braces -= 1
                if in_body and braces == 0:
                    end_col = len(lines[n][:i].encode("utf-8", "surrogateescape")) + 1
                    return (line, column), (n + 1, end_col)
            elif not ch.isspace():
                last_word = ""
        if word:
            last_word, word = word, ""
    return None


# Things at an inlined call's own position that belong to the caller: the
# call's result temporaries (``~r0 escapes to heap`` when the result is
# converted to an interface) and the slice of a variadic call.
_CALLER_SUBJECT = re.compile(r"^(?:~[rRb]\d+|\.\.\. argument)$")
_WORD = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|\'(?:\\.|[^\'\\])*\'|\w+')


_QUALIFIED_NAME = re.compile(r"\b[a-z]\w*\.(?=[A-Z])")


def _shape(subject: str) -> str:
    """A subject with names and literals blanked: after inlining, the
    compiler prints ``make([]int, 3)`` at the call site for the callee's
    ``make([]int, n)``, ``3 escapes`` for ``i escapes``, and
    ``&store.Store{...}`` in another package for ``&Store{...}``."""
    return _WORD.sub("_", _QUALIFIED_NAME.sub("", subject).replace("...", "\0")).replace("\0", "...")


def _head(subject: str) -> str:
    """What kind of thing a subject is: ``make(``, ``&T{``, ``new(``, ``func literal``."""
    m = re.match(r"^[^({]*[({]", subject)
    return m.group(0) if m else ""


def _copy_tests(d: Decision) -> list:
    """Tests, strictest first, for "is callee decision c the one d copies"."""
    if d.kind == "other":  # no subject: the words must be the same
        return [lambda c: c.kind == "other" and c.message == d.message]
    tests = [lambda c: c.kind != "other" and c.subject == d.subject]
    if not _CALLER_SUBJECT.match(d.subject):
        tests.append(lambda c: c.kind != "other" and _shape(c.subject) == _shape(d.subject))
        if _head(d.subject):
            tests.append(lambda c: c.kind != "other" and _head(c.subject) == _head(d.subject))
    return tests


def link_inlined(decisions: list[Decision], sources: dict[str, str]) -> None:
    """Mark each decision the inliner copied to a call site with where it came
    from (``inlined_from``: the callee's decision and the callee), and list
    those call sites on the callee's decision (``inlined_at``).  Nothing is
    removed: every copy stays an entry of its own, at the compiler's
    position, with its own message and flow.

    The compiler prints a copy at the outermost call site, the position of
    the call that was inlined, together with one ``inlining call to F`` line
    per function inlined there (at any depth).  A copy is matched with the
    decision in those functions' bodies about the same thing: the same
    subject, else the same subject with names and literals blanked, taken in
    order (the compiler walks the inlined body in source order)."""
    callees: dict[tuple, list[str]] = {}
    for d in decisions:
        if d.kind == "inlining-call":
            callees.setdefault((d.file, d.line, d.column), []).append(d.subject)
    analysis = [d for d in decisions if d.kind not in INLINE_KINDS]
    at: dict[tuple, list[Decision]] = {}
    for d in analysis:
        d.inlined_from, d.via, d.inlined_at = None, None, []
        at.setdefault((d.file, d.line, d.column), []).append(d)
    if not any(pos in callees for pos in at):
        return  # nothing at an inlined call: no copies
    # A package is a folder: several packages (a module's ./...) may each
    # have a newPoint or a main.func1, and a call site's unqualified callee
    # is the one of its own package.
    # A position in no folder of the sources (the compiler's <autogenerated>
    # wrappers, a standard-library file) is looked up in all of them (None).
    folders = {os.path.dirname(f) for f in sources}
    by_folder: dict[str | None, dict[str, tuple[str, int, int]]] = {}

    def ranges_in(folder: str | None) -> dict[str, tuple[str, int, int]]:
        if folder not in by_folder:
            by_folder[folder] = _function_ranges(
                {f: t for f, t in sources.items() if folder is None or os.path.dirname(f) == folder}
            )
        return by_folder[folder]

    # A callee in another package of the sources (``./...``: main calls an
    # inlined ``store.New``) is printed with its package's name.
    folders_of: dict[str, set[str]] = {}  # package name -> folders
    for f, t in sources.items():
        folders_of.setdefault(_package_of(t) or "", set()).add(os.path.dirname(f))

    def locate(name: str, folder: str | None) -> tuple[str, int, int] | None:
        """(file, first line, last line) of the function the compiler calls
        ``name`` at a call site in ``folder``, or None when the sources do
        not have it (the standard library's, a package not analysed)."""
        declared = _declared_name(name)
        where = ranges_in(folder).get(declared)
        if where is None and "." in declared:
            qualifier, rest = declared.split(".", 1)
            other = folders_of.get(qualifier, set()) - {folder}
            if len(other) == 1:
                where = ranges_in(next(iter(other))).get(rest)
        return where

    body: dict[tuple[str | None, str], list[Decision]] = {}
    on_line: dict[tuple[str, int], list[Decision]] = {}  # (file, line) -> decisions, in the compiler's order
    for d in analysis:
        on_line.setdefault((d.file, d.line), []).append(d)

    def between(file: str, first: tuple[int, int], last: tuple[int, int]) -> list[Decision]:
        """Decisions of ``file`` from (line, column) ``first`` to ``last``."""
        return [
            d for n in range(first[0], last[0] + 1) for d in on_line.get((file, n), ()) if first <= (d.line, d.column) <= last
        ]

    code: dict[str, tuple[list[str], list[str]]] = {}  # file -> _code_lines, read once
    literals: dict[tuple[str, str], tuple] = {}  # (folder, closure name) -> its func keyword ("can inline main.func1")
    for d in decisions:
        if d.kind == "can-inline" and _is_closure(d.subject):
            literals.setdefault((os.path.dirname(d.file), d.subject), (d.file, d.line, d.column))

    def inside(name: str, folder: str | None) -> list[Decision]:
        """The decisions in the body of the function the compiler calls
        ``name`` in the package in ``folder``; for a closure
        (``main.func1``), in its func literal only, not in the whole
        function that holds it (whose other call sites' decisions are not
        the closure's)."""
        if (folder, name) not in body:
            where = locate(name, folder)
            found = [] if where is None else between(where[0], (where[1], 0), (where[2], 1 << 30))
            start = literals.get((folder, name)) if folder is not None else next(
                (p for (_, n), p in literals.items() if n == name), None
            )
            span = None
            if start is not None and start[0] in sources:
                if start[0] not in code:
                    code[start[0]] = _code_lines(sources[start[0]])
                span = _literal_span(code[start[0]], start[1], start[2])
            if span is not None:
                found = between(start[0], span[0], span[1])
            body[(folder, name)] = found
        return body[(folder, name)]

    origin: dict[int, dict | None] = {}  # id(decision) -> inlined_from
    source: dict[int, Decision] = {}  # id(copy) -> the decision in a body golab has that it repeats
    active: set[tuple] = set()

    def link(pos: tuple) -> None:
        """Set ``origin`` for every decision at ``pos`` (callees first)."""
        here = at.get(pos, [])
        if all(id(d) in origin for d in here):
            return
        names = callees.get(pos, [])
        if not names or pos in active:
            for d in here:
                origin.setdefault(id(d), None)
            return
        active.add(pos)
        folder = os.path.dirname(pos[0]) if os.path.dirname(pos[0]) in folders else None
        candidates: list[tuple[Decision, str]] = []
        seen: set[int] = set()
        # Shapes of one generic function (leak[go.shape.int], leak[go.shape.string])
        # share its body, where the compiler printed one decision per shape
        # at each position: the j-th decision there goes with the j-th shape.
        sharing: dict[tuple, list[str]] = {}
        for name in names:
            sharing.setdefault(tuple(map(id, inside(name, folder))), []).append(name)
        for name in names:
            shapes = sharing[tuple(map(id, inside(name, folder)))]
            nth: dict[tuple, int] = {}
            for c in inside(name, folder):
                cpos = (c.file, c.line, c.column)
                j = nth[cpos] = nth.get(cpos, -1) + 1
                if len(shapes) > 1 and shapes[j % len(shapes)] != name:
                    continue
                if cpos != pos and id(c) not in seen:
                    seen.add(id(c))
                    candidates.append((c, name))
        candidates.sort(key=lambda cn: (cn[0].line, cn[0].column))
        used: set[int] = set()
        for d in here:
            match = None
            for same in _copy_tests(d):
                match = next(((c, n) for c, n in candidates if id(c) not in used and same(c)), None)
                if match:
                    break
            if match is not None:
                c, name = match
                used.add(id(c))
                link((c.file, c.line, c.column))
                root = origin.get(id(c))
                if root is not None and root["line"] is not None:
                    origin[id(d)] = dict(root)  # a copy of a copy: the first decision
                    source[id(d)] = source[id(c)]
                else:
                    origin[id(d)] = {"file": c.file, "line": c.line, "column": c.column, "function": name}
                    source[id(d)] = c
                continue
            outside = [n for n in names if locate(n, folder) is None]
            if outside and not _CALLER_SUBJECT.match(d.subject) and d.kind != "other":
                # copied from a body golab does not have (the standard
                # library's): the innermost such callee, no position
                origin[id(d)] = {"file": None, "line": None, "column": None, "function": outside[-1]}
            else:
                origin[id(d)] = None  # the caller's own: the call's result, its ... slice
        active.discard(pos)

    for pos in at:
        link(pos)
    for d in analysis:
        d.inlined_from = origin.get(id(d))
        d.via = d.inlined_from["function"] if d.inlined_from else None
    for d in analysis:
        first = source.get(id(d))
        if first is not None and d.position not in first.inlined_at:
            first.inlined_at.append(d.position)


def decisions_from(result: CompileResult, level: int) -> list[Decision]:
    sources = {s.name: s.text for s in result.snippet.sources if not s.is_test}
    decisions = parse_text(result.output, result.snippet)
    if level < 2:
        for d in decisions:
            d.flow = []
    link_inlined(decisions, sources)
    order = {name: i for i, name in enumerate(sources)}
    decisions.sort(key=lambda d: (order.get(d.file, len(order)), d.file, d.line, d.column, KINDS.index(d.kind)))
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
    go: str | None = None,
) -> EscapeReport:
    """Ask the compiler what escapes, what stays and what is inlined.

    ``source_or_path``: Go source (a whole file or a fragment) or a path to a
    .go file or a package folder.  ``level``: 1 for ``-m``, 2 for ``-m=2``
    (adds each escape's flow, the reason chain).  ``inline=False`` compiles
    with ``-l``.  Compile errors do not raise: they are in ``report.errors``,
    at the user's lines.  Problems with the input or the toolchain raise
    :class:`golab.GolabError` subclasses with a message that says what to do.
    ``go="1.21"`` compiles with another Go version from golab's cache
    (:mod:`golab.versions`; ``python -m golab toolchains add 1.21`` fetches it).
    """
    if level not in (1, 2):
        raise ValueError("level must be 1 (-m) or 2 (-m=2)")
    if timeout is not None:  # checked where it enters, cached answer or not
        check_seconds(timeout, "timeout")
    if go is not None:
        from .toolchains import language_version, toolchain_for

        toolchain = toolchain_for(go)
    toolchain = toolchain or find_go()
    snippet = load(source_or_path, name=name)
    flags = ["-m=2" if level == 2 else "-m"] + ([] if inline else ["-l"])
    if go is not None:
        flags.append(f"-lang={language_version(toolchain)}")  # an older compiler rejects go1.27
    # a module's file names are shown relative to where the learner is and as
    # they named the path: the same files asked for from elsewhere are another answer
    names = (snippet.module.user_path, os.getcwd()) if snippet.module is not None else None
    key = hashlib.sha256(
        repr((toolchain.goroot, toolchain.version, flags, snippet.lang, names, sorted(snippet.files.items()))).encode()
    ).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _copy(_cache[key])
    result = compile_snippet(snippet, flags, toolchain=toolchain, timeout=timeout, json_diagnostics=False)
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
        warnings=list(result.warnings),
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
        decisions=[
            dataclasses.replace(
                d, flow=list(d.flow), inlined_at=list(d.inlined_at), inlined_from=dict(d.inlined_from) if d.inlined_from else None
            )
            for d in report.decisions
        ],
        errors=[dataclasses.replace(e) for e in report.errors],
        sources=dict(report.sources),
        warnings=list(report.warnings),
    )
