#!/usr/bin/env bash
# Set up and run every test: lint, the Python suite (real kernels, real NumPy), browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"
if ! command -v chromium >/dev/null 2>&1; then
    # browser tests use Debian's chromium (never a downloaded browser)
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium unavailable"
fi
ruff check src tests benchmarks
python -m pytest -q tests
if [ -x jupyterlab-arrayprof/scripts/test.sh ]; then
    jupyterlab-arrayprof/scripts/test.sh
fi
