# golab lite: the site points IPython here (IPYTHONDIR, set in the site's
# Pyodide options), so the kernel starts fetching and compiling the Go
# compiler (WebAssembly) while the learner reads, before the first cell runs.
try:
    from golab.lite.backend import prefetch

    prefetch()
except Exception as exc:  # never keep the kernel from starting
    print(f"golab lite: the Go compiler will load on first use ({type(exc).__name__}: {exc})")
