"""Stack frame sizes per function, and how a goroutine's stack grows.

What it does, part 1 (:func:`frames`): compiles a snippet with the compiler
alone (``compile -S -m``, no linking, via :func:`golab.build.compile_snippet`)
and reads the assembly listing.  Each compiled function has a header line
``main.f STEXT size=55 args=0x10 locals=0x28`` and a ``TEXT main.f(SB),
ABIInternal, $40-16`` line whose ``$frame-args`` pair is the function's
stack frame (locals, spills, outgoing arguments; the return address is not
counted) and the size of its arguments and results.  The position in
parentheses is already in the user's coordinates thanks to golab's ``//line``
directives.  The ``-m`` lines of the same compile say which functions can be
inlined and where calls were inlined: an inlined call has no frame of its
own at run time (its locals live in the caller's frame), even though the
compiler still emits a body for other callers.  Functions the source
declares but the listing lacks (generic functions never instantiated, say)
are reported with ``compiled=False``.  Note what the listing teaches: a
local the function never reads (the guide's ``var buffer [1024]byte``) is
removed, so "a 1 KiB array on the stack" can be a 0-byte frame.

Part 2 (:func:`stack_growth`): builds and runs ``go_examples/stackgrowth``
(a goroutine recursing through frames of known size, reporting per depth the
stack bytes used and whether the runtime moved the stack to a bigger one),
and returns where the stack started and where it doubled.  On Go 1.27
linux/amd64 the starting size read from ``runtime/metrics`` is 2048 bytes, as
the guide says; the result checks this against the run, never assumes it.

What it reads: Go source text, a .go file or a folder (part 1); the
stackgrowth example program (part 2, or ``source=`` to give another one with
the same output format).

What it returns: :class:`FrameReport` (list of :class:`Frame`, compile errors
in user positions, ``to_json()``, ``_repr_html_``) and :class:`StackGrowth`.
Nothing here imports plotly or ipywidgets; figures live in
:mod:`golab.render_measure`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from . import display
from .build import CompileError, compile_snippet
from .escape import _function_ranges
from .snippet import MAIN_FILE, load, strip_comments_and_strings
from . import binary
from .errors import FramesError  # noqa: F401  (re-exported: older imports)
from .toolchain import Toolchain, check_seconds, default_timeout, find_go, workdir

GUIDE_START_STACK = 2048  # the guide: "starting at 2KB and growing as needed"
EXAMPLE = Path(__file__).resolve().parents[1] / "go_examples" / "stackgrowth" / "main.go"


@dataclasses.dataclass
class Frame:
    """One compiled function's stack frame."""

    function: str  # as the compiler names it without the package: "f", "(*T).M", "f.func1"
    symbol: str  # full symbol: "main.f"
    file: str
    line: int
    frame_bytes: int  # $frame of the TEXT line (locals, spills, outgoing args)
    args_bytes: int  # arguments and results
    nosplit: bool = False  # no stack-growth check in the prologue
    inlinable: bool = False  # "can inline f"
    inline_cost: int | None = None
    inlined_at: list[str] = dataclasses.field(default_factory=list)  # call sites where it was inlined
    compiled: bool = True  # False: declared in the source, no TEXT symbol
    generated: bool = False  # a wrapper or golab's added main, not code the user wrote

    @property
    def inlined(self) -> bool:
        """Inlined into at least one caller: there, it has no frame of its own."""
        return bool(self.inlined_at)

    @property
    def position(self) -> str:
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["inlined"] = self.inlined
        return d

    def __str__(self) -> str:
        if not self.compiled:
            return f"{self.position}: {self.function}: not compiled (no TEXT symbol)"
        extra = f", inlined at {', '.join(self.inlined_at)}" if self.inlined_at else ""
        return f"{self.position}: {self.function}: frame {self.frame_bytes} B, args {self.args_bytes} B{extra}"


@dataclasses.dataclass
class FrameReport:
    go_version: str
    goarch: str
    frames: list[Frame]
    errors: list[CompileError]
    sources: dict[str, str]
    inline: bool = True
    seconds: float = 0.0
    listing: str = dataclasses.field(default="", repr=False)  # the compiler's -S output
    # what the frames may lack (the compiler's output passed golab's cap): the views show it
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def assembly(self, function: str) -> str:
        """The instructions the compiler generated for ``function`` (from ``-S``): one
        ``file:line  OP  ARGS`` row each, without FUNCDATA/PCDATA and the hex dump."""
        symbol = self[function].symbol
        rows, inside = [], False
        for raw in self.listing.splitlines():
            head = _STEXT.match(raw)
            if head:
                inside = head.group("sym") == symbol
                continue
            m = _ASM_ROW.match(raw) if inside else None
            if m and m.group("op") not in ("FUNCDATA", "PCDATA", "TEXT"):
                rows.append(f"{os.path.basename(m.group('file'))}:{m.group('line'):<4} {m.group('op'):<8} {m.group('args')}".rstrip())
        return "\n".join(rows)

    def __getitem__(self, function: str) -> Frame:
        for f in self.frames:
            if f.function == function or f.symbol == function:
                return f
        names = ", ".join(f.function for f in self.frames) or "none"
        raise KeyError(f"no function {function!r}; compiled: {names}")

    def __contains__(self, function: str) -> bool:
        return any(f.function == function or f.symbol == function for f in self.frames)

    def __iter__(self):
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)

    def user_frames(self) -> list[Frame]:
        return [f for f in self.frames if not f.generated]

    def to_json(self) -> dict:
        return {
            "go_version": self.go_version,
            "goarch": self.goarch,
            "inline": self.inline,
            "frames": [f.to_dict() for f in self.frames],
            "errors": [e.to_dict() for e in self.errors],
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }

    def text(self) -> str:
        if self.errors:
            return "\n".join(str(e) for e in self.errors)
        rows = [("function", "position", "frame", "args", "inlined")]
        for f in self.user_frames():
            rows.append(
                (
                    f.function,
                    f.position,
                    f"{f.frame_bytes} B" if f.compiled else "-",
                    f"{f.args_bytes} B" if f.compiled else "-",
                    ("at " + ", ".join(f.inlined_at)) if f.inlined_at else ("can inline" if f.inlinable else ""),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [f"{self.go_version} {self.goarch}" + ("" if self.inline else " (-l: inlining off)")]
        lines += [f"warning: {w}" for w in self.warnings]
        for r in rows:
            lines.append("  ".join(c.rjust(w) if i in (2, 3) else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        state = f"{len(self.errors)} compile error(s)" if self.errors else f"{len(self.user_frames())} functions"
        return f"<FrameReport {self.go_version} {self.goarch}: {state}>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


# ---------------------------------------------------------------- parsing -S

# "\t0x0006 00006 (snippet.go:2[/tmp/.../golab0_snippet.go:4])\tADDQ\tCX, DX": the user's position first
_ASM_ROW = re.compile(r"^\t0x[0-9a-f]+ \d+ \((?P<file>[^:()\[\]]*):(?P<line>\d+)(?:\[[^\]]*\])?\)\t(?P<op>\S+)\t?(?P<args>.*)$")
_STEXT = re.compile(r"^(?P<sym>\S+) STEXT (?P<flags>.*?)size=\d+ .*?args=(?P<args>0x[0-9a-f]+) locals=(?P<locals>0x[0-9a-f]+)")
_TEXT = re.compile(
    r"^\s+0x[0-9a-f]+ \d+ \((?P<pos>[^)\[]*?)(?::(?P<line>\d+))?(?:\[[^\]]*\])?\)\s+TEXT\s+(?P<sym>\S+)\(SB\), (?P<attrs>[^$]*)\$(?P<frame>-?\d+)-(?P<args>\d+)"
)
_M_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_PKG_PREFIXES = ("main.", "golab.local/snippet.")


def _short(symbol: str, prefixes: tuple[str, ...] = _PKG_PREFIXES) -> str:
    for p in prefixes:
        if symbol.startswith(p):
            return symbol[len(p):]
    return symbol


def parse_listing(output: str, user_files: set[str], packages: tuple[str, ...] = ()) -> list[Frame]:
    """Frames from ``-S`` output (TEXT lines), in listing order."""
    frames: list[Frame] = []
    seen: set[str] = set()
    stext: dict[str, str] = {}
    for raw in output.splitlines():
        h = _STEXT.match(raw)
        if h:
            stext[h.group("sym")] = h.group("flags")
            continue
        m = _TEXT.match(raw)
        if not m:
            continue
        sym = m.group("sym")
        prefixes = _PKG_PREFIXES + tuple(p + "." for p in packages)  # a module's packages (golab.gopackage)
        if "#" in sym or sym in seen or not sym.startswith(prefixes):
            continue  # '#' marks a duplicate body of a closure
        seen.add(sym)
        file = m.group("pos") or ""
        line = int(m.group("line") or 0)
        attrs = m.group("attrs")
        generated = file not in user_files or "WRAPPER" in attrs
        if file not in user_files:
            file = os.path.basename(file)
        frames.append(
            Frame(
                function=_short(sym, prefixes),
                symbol=sym,
                file=file,
                line=line,
                frame_bytes=max(0, int(m.group("frame"))),
                args_bytes=int(m.group("args")),
                nosplit="NOSPLIT" in attrs or "nosplit" in stext.get(sym, ""),
                generated=generated,
            )
        )
    return frames


def _inlining(output: str, user_files: set[str]) -> tuple[dict[str, int | None], dict[str, list[str]]]:
    """(can-inline name -> cost, name -> call sites where it was inlined) from -m lines."""
    can: dict[str, int | None] = {}
    at: dict[str, list[str]] = {}
    for raw in output.splitlines():
        m = _M_LINE.match(raw)
        if not m or m.group("file") not in user_files:
            continue
        msg = m.group("msg")
        c = re.match(r"^can inline (\S+?)(?: with cost (\d+))?(?: as: .*)?$", msg)
        if c:
            can[c.group(1)] = int(c.group(2)) if c.group(2) else None
            continue
        i = re.match(r"^inlining call to (\S+)", msg)
        if i:
            where = f"{m.group('file')}:{m.group('line')}"
            at.setdefault(_short(i.group(1)), [])
            if where not in at[_short(i.group(1))]:
                at[_short(i.group(1))].append(where)
    return can, at


def frames(
    source_or_path,
    *,
    inline: bool = True,
    name: str = "snippet.go",
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> FrameReport:
    """Each function's stack frame and argument size, from the compiler.

    ``inline=False`` compiles with ``-l`` (no inlining: every call keeps its
    own frame).  Compile errors do not raise: they are in ``report.errors``,
    in the user's positions.
    """
    toolchain = toolchain or find_go()
    snippet = load(source_or_path, name=name)
    flags = ["-S", "-m"] + ([] if inline else ["-l"])
    result = compile_snippet(snippet, flags, toolchain=toolchain, timeout=timeout, json_diagnostics=False)
    sources = {s.name: s.text for s in result.snippet.sources if not s.is_test}
    report = FrameReport(toolchain.version, toolchain.goarch, [], result.errors, sources, inline, result.seconds)
    report.listing = result.output
    report.warnings = list(result.warnings)
    if not result.ok:
        return report
    users = set(sources)
    found = parse_listing(result.output, users, tuple(result.snippet.package_paths))
    can, at = _inlining(result.output, users)
    for f in found:
        if f.function in can:
            f.inlinable, f.inline_cost = True, can[f.function]
        f.inlined_at = list(at.get(f.function, []))
        if f.file == MAIN_FILE or (snippet.added_main and f.function == "main" and f.file not in users):
            f.generated = True
    # functions the source declares that have no TEXT symbol
    ranges = _function_ranges(sources)
    compiled = {f.function for f in found}
    declared = []
    for fn, (file, first, _) in ranges.items():
        plain = fn.replace("(*", "").replace(")", "")
        if fn in compiled or plain in compiled or any(c in (fn, f"(*{fn})") for c in compiled):
            continue
        if "." in fn and not fn.startswith("(*"):
            # methods are listed under three spellings by _function_ranges; keep one
            recv, meth = fn.split(".", 1)
            if f"(*{recv}).{meth}" in compiled or fn in declared:
                continue
        if any(d.file == file and d.line == first for d in declared):
            continue
        declared.append(Frame(fn, "", file, first, 0, 0, compiled=False, inlinable=fn in can, inlined_at=list(at.get(fn, []))))
    order = {n: i for i, n in enumerate(sources)}
    report.frames = sorted(found + declared, key=lambda f: (f.generated, order.get(f.file, 99), f.line, f.function))
    return report


# ---------------------------------------------------------------- stack growth


@dataclasses.dataclass
class Growth:
    depth: int  # recursion depth at which the runtime moved the stack
    used_bytes: int  # stack bytes in use at that depth
    new_size: int  # stack size after the move


@dataclasses.dataclass
class StackGrowth:
    """What the runtime did while a goroutine recursed deeper and deeper."""

    go_version: str
    goarch: str
    start_bytes: int  # runtime/metrics /gc/stack/starting-size:bytes
    start_estimate: int | None  # derived from the growth events (cross-check)
    frame_bytes: int  # stack bytes per recursion level, measured
    pad_bytes: int  # the array each frame holds (the frame_bytes asked)
    max_depth: int
    depths: list[int]
    used: list[int]  # stack bytes in use at each depth
    stack: list[int]  # stack size in force at each depth
    growths: list[Growth]
    stack_inuse_delta: int | None = None
    guide_start_bytes: int = GUIDE_START_STACK
    output: str = ""

    @property
    def final_size(self) -> int:
        return self.stack[-1] if self.stack else self.start_bytes

    @property
    def matches_guide(self) -> bool:
        """Does the stack start at the guide's 2 KB and grow (double) as needed?"""
        doubles = all(g.new_size == 2 * prev for g, prev in zip(self.growths, [self.start_bytes] + [g.new_size for g in self.growths]))
        return self.start_bytes == self.guide_start_bytes and doubles

    def verdict(self) -> str:
        start = f"{self.start_bytes} bytes" + (f" ({self.start_bytes // 1024} KiB)" if self.start_bytes >= 1024 else "")
        grow = ", ".join(f"{g.new_size // 1024} KiB at depth {g.depth}" for g in self.growths) or "never grew"
        claim = "as the guide says" if self.start_bytes == self.guide_start_bytes else f"the guide says {self.guide_start_bytes}"
        return f"{self.go_version} {self.goarch}: a goroutine stack starts at {start} ({claim}); it doubled to {grow}."

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("output")
        d["matches_guide"] = self.matches_guide
        return d

    def __str__(self) -> str:
        return self.verdict()

    def __repr__(self) -> str:
        return f"<StackGrowth {self.go_version}: start {self.start_bytes} B, {len(self.growths)} growths to {self.final_size} B>"

    def _repr_html_(self) -> str:
        return display.to_html(self)


def parse_growth(output: str) -> dict:
    values: dict = {"rows": []}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("depth="):
            kv = dict(part.split("=", 1) for part in line.split())
            values["rows"].append((int(kv["depth"]), int(kv["used"]), kv["moved"] == "true", int(kv.get("stack", 0))))
        elif "=" in line and " " not in line:
            k, v = line.split("=", 1)
            values[k] = v
    return values


def _growth_source(source: str | None, pad_bytes: int) -> str:
    if source is None:
        if not EXAMPLE.is_file():
            raise FramesError(
                f"the stack-growth program {EXAMPLE} is missing; pass source=... with a program that prints "
                "start_stack=<bytes> and depth=<n> used=<bytes> moved=<bool> lines."
            )
        source = EXAMPLE.read_text(encoding="utf-8")
    if pad_bytes != 128:
        if "var pad [128]byte" not in source:
            raise FramesError("frame_bytes can only be changed for a program declaring `var pad [128]byte`.")
        source = source.replace("var pad [128]byte", f"var pad [{pad_bytes}]byte")
    return source


def stack_growth(
    max_depth: int = 256,
    frame_bytes: int = 128,
    *,
    source: str | None = None,
    timeout: float | None = None,
    toolchain: Toolchain | None = None,
) -> StackGrowth:
    """Run the stack-growth experiment and return where the stack grew.

    ``max_depth``: deepest recursion level; ``frame_bytes``: size of the
    array each recursive frame holds (the frame itself is a little larger:
    see ``result.frame_bytes``).
    """
    if not isinstance(max_depth, int) or not 1 <= max_depth <= 1_000_000:
        raise FramesError("max_depth must be an integer between 1 and 1000000.")
    if not isinstance(frame_bytes, int) or not 1 <= frame_bytes <= 1 << 20:
        raise FramesError("frame_bytes must be an integer between 1 and 1048576.")
    toolchain = toolchain or find_go()
    if toolchain.backend == "wasm":  # golab lite has the compiler only: say so (once, with the way out)
        from .lite.backend import needs_full_kernel

        needs_full_kernel(["run"])
    timeout = default_timeout() if timeout is None else check_seconds(timeout, "timeout")
    text = _growth_source(source, frame_bytes)
    snippet = load(text, name="stackgrowth.go")
    with workdir("frames-") as tmp:
        built = binary.build_program(toolchain, snippet, tmp, timeout, name="stackgrowth")
        if built.binary is None:
            raise FramesError("the stack-growth program does not build: " + "; ".join(str(e) for e in built.errors[:5]))
        r = binary.run_binary(toolchain, built.binary, [f"-maxdepth={max_depth}"], folder=tmp, timeout=timeout)
    if r.timed_out:
        raise FramesError(f"the stack-growth program did not finish within {timeout:g} s and was stopped.")
    if r.returncode != 0:
        raise FramesError(f"the stack-growth program failed (exit {r.returncode}): " + (r.stderr or r.stdout).strip()[-500:])
    v = parse_growth(r.stdout)
    if "start_stack" not in v or not v["rows"]:
        raise FramesError("the stack-growth program printed no start_stack= / depth= lines:\n" + r.stdout[-500:])
    rows = v["rows"]
    start = int(v["start_stack"])
    growths = [Growth(d, used, size) for d, used, moved, size in rows if moved]
    est = v.get("start_stack_estimate", "unknown")
    return StackGrowth(
        go_version=toolchain.version,
        goarch=toolchain.goarch,
        start_bytes=start,
        start_estimate=int(est) if est.isdigit() else None,
        frame_bytes=int(v.get("frame", 0)),
        pad_bytes=frame_bytes,
        max_depth=max_depth,
        depths=[r[0] for r in rows],
        used=[r[1] for r in rows],
        stack=[r[3] for r in rows],
        growths=growths,
        stack_inuse_delta=int(v["stack_inuse_delta"]) if v.get("stack_inuse_delta", "").lstrip("-").isdigit() else None,
        output=r.stdout,
    )
