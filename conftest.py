"""Test-session settings shared by tests/ and the lessons that nbval runs.

The lessons re-execute in golab's short benchmark mode (GOLAB_BENCH_SCALE,
see golab/bench.py) unless the environment sets it: their saved outputs are
made that way (tools/refresh_notebooks.py), and a plain `pytest` on a
learner's machine then behaves as CI does.  nbval's kernels inherit this
environment."""

import os

os.environ.setdefault("GOLAB_BENCH_SCALE", "0.1")
