#!/usr/bin/env bash
# Open JupyterLab on the tutorial notebooks, with arrayprof in the kernel and the Array Inspector
# panel in the sidebar.  Extra arguments go to `jupyter lab` (e.g. --no-browser --port 8890).
# Building the panel from this repository needs node and npm (wheels of it need neither).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh notebook
.venv/bin/python -m pip install --quiet "jupyterlab>=4,<5" ./jupyterlab-arrayprof
extra=()
if [ "$(id -u)" = 0 ]; then extra+=(--allow-root); fi  # containers often run as root
exec .venv/bin/jupyter lab --notebook-dir=notebooks "${extra[@]}" "$@"
