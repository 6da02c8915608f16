"""golab lite: the compiler lessons in a browser, with nothing installed.

What it does: builds a static JupyterLite site (:mod:`golab.lite.site`) whose
Pyodide kernel runs golab against the real Go compiler, ``cmd/compile`` of
the pinned toolchain built for WebAssembly (:mod:`golab.lite.compiler`), and
provides the compiler backend golab uses there (:mod:`golab.lite.backend`):
the same ``golab.escape``, ``%%go_escape``, ``%%go_frames`` and explorer,
with the compiler run from Pyodide instead of as a subprocess.

What it reads and returns: see each module.  Nothing here is imported by
golab on a normal (native) kernel unless a toolchain's backend is ``wasm``.
"""

DEFAULT_BINDER_URL = "https://mybinder.org/v2/gh/golab-lessons/golab/HEAD?urlpath=lab/tree/notebooks"
"""Where a learner gets a full kernel (programs, benchmarks, profiles, GC);
``python -m golab lite build --binder-url URL`` sets another."""
