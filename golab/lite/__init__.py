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

DEFAULT_BINDER_URL = ""
"""Where a learner gets a full kernel (programs, benchmarks, profiles, GC):
none by default, since a link is only as good as the repository behind it.
``python -m golab lite build --binder-url URL`` sets one (a mybinder.org or
BinderHub URL of the repository the site was built from); without it, the
site says how to run the lessons on the learner's own machine
(:data:`LOCAL_FULL_KERNEL`)."""

LOCAL_FULL_KERNEL = ('on your own machine (Linux or macOS, Python 3.10+), in a copy of golab\'s repository: '
                     '`pip install -e ".[test]" && python -m golab setup`, then `jupyter lab notebooks/`')
"""How to get a full kernel when the site has no Binder link: the README's commands."""
