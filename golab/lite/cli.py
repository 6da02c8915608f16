"""``python -m golab lite build OUT`` and ``python -m golab lite serve OUT``.

What it does: registers the ``lite`` command with golab's command line:
``build`` writes the site (:func:`golab.lite.site.build_site`) and prints
its itemized size; ``serve`` serves a built site on 127.0.0.1
(:mod:`golab.lite.serve`) until interrupted.

What it reads: command-line arguments.  What it returns: an exit code
(problems raise GolabError subclasses, which golab's command line prints
as one line, exit status 2).
"""

from __future__ import annotations

import sys
import time

from . import DEFAULT_BINDER_URL


def cmd_build(args) -> int:
    from .site import build_site

    report = build_site(args.out, binder_url=args.binder_url, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(report.text())
    return 0


def cmd_serve(args) -> int:
    from .serve import start

    server = start(args.out, port=args.port, gzip=not args.no_gzip)
    print(f"golab lite at {server.url}lab/index.html (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def register(sub) -> None:
    lite = sub.add_parser("lite", help="golab lite: the compiler lessons as a static site (JupyterLite + Go as WebAssembly)")
    lite_sub = lite.add_subparsers(dest="lite_command", required=True, parser_class=type(lite))
    p = lite_sub.add_parser("build", help="write the site into OUT (needs npm and PyPI the first time)")
    p.add_argument("out", help="output folder (created; an older golab lite site there is replaced)")
    p.add_argument("--binder-url", default=DEFAULT_BINDER_URL, help="the full-kernel link (a Binder URL of the repository) shown by cells that run programs; "
                   "without it they say how to run the lessons on one's own machine")
    p.set_defaults(func=cmd_build)
    p = lite_sub.add_parser("serve", help="serve a built site on 127.0.0.1, gzip included")
    p.add_argument("out", help="the site folder")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-gzip", action="store_true", help="send files uncompressed, as python -m http.server does")
    p.set_defaults(func=cmd_serve)
