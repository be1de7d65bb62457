#!/usr/bin/env bash
# The main job: set up, then profile the example notebook headless and print its report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh notebook
mkdir -p artifacts
status=0
.venv/bin/arrayprof run examples/demo.ipynb --json artifacts/demo.json || status=$?
echo "JSON report: artifacts/demo.json"
exit "$status"
