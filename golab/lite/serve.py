"""Serve a golab lite site on this machine, the way a static host would.

What it does: a static file server (Python's ``http.server``) for a built
site that sends the ``.gz`` beside a file, with ``Content-Encoding: gzip``,
to browsers that accept gzip (static hosts compress; ``python -m http.server``
does not), with the MIME types JupyterLite needs (``application/wasm``,
``text/javascript`` for ``.mjs``).  It listens on 127.0.0.1 only and counts
what it sends, per path, so benchmarks can itemize a first visit.

What it reads: the site folder.

What it returns: :func:`start` gives a running :class:`SiteServer` (its URL,
the bytes sent per path); ``python -m golab lite serve OUT`` serves until
interrupted.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

MIME = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json",
        ".whl": "application/zip", ".ipynb": "application/json", ".a": "application/octet-stream"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}
    sent: dict[str, int]
    sent_lock: threading.Lock
    gzip_enabled: bool = True

    def log_message(self, format, *args):  # quiet: the counts say what was served
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        gz = path + ".gz"
        if (self.gzip_enabled and os.path.isfile(path) and os.path.isfile(gz)
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            f = open(gz, "rb")
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(size))
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Last-Modified", self.date_time_string(int(os.stat(path).st_mtime)))
            self.end_headers()
            self._count(size)
            return f
        f = super().send_head()
        if f is not None and hasattr(f, "fileno"):
            self._count(os.fstat(f.fileno()).st_size)
        return f

    def _count(self, size: int) -> None:
        key = self.path.split("?", 1)[0]
        with self.sent_lock:
            self.sent[key] = self.sent.get(key, 0) + size


class SiteServer:
    """A running server: ``url``, ``sent`` (path -> bytes), ``stop()``."""

    def __init__(self, httpd: http.server.ThreadingHTTPServer, thread: threading.Thread, sent: dict[str, int]) -> None:
        self.httpd, self.thread, self.sent = httpd, thread, sent
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}/"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def start(site: str | os.PathLike, port: int = 0, gzip: bool = True) -> SiteServer:
    """Serve ``site`` on 127.0.0.1 (``port=0``: a free port) from a thread."""
    site = Path(site)
    if not (site / "jupyter-lite.json").is_file():
        from .compiler import LiteBuildError

        raise LiteBuildError(f"{site} is not a golab lite site (no jupyter-lite.json): build it with python -m golab lite build {site}")
    sent: dict[str, int] = {}
    handler = type("Handler", (_Handler,), {"sent": sent, "sent_lock": threading.Lock(), "gzip_enabled": gzip})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="golab-lite-server", daemon=True)
    thread.start()
    return SiteServer(httpd, thread, sent)
