#!/usr/bin/env bash
# Create .venv and install arrayprof (built from source: C extension via meson-python) with EXTRAS.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-notebook}"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet ".[${extras}]"
