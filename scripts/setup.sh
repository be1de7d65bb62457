#!/usr/bin/env bash
# Create a virtual environment and install arrayprof into it (built from source: the C extension
# via meson-python, always against NumPy 2 headers: pyproject's build requirement) with EXTRAS.
#
# Usage: scripts/setup.sh [--venv DIR] [--python PY] [--with REQ]... [extras]
#   scripts/setup.sh test                                   .venv with the test extra
#   scripts/setup.sh --venv .venv-py313 --python python3.13 test-core
#   scripts/setup.sh --venv .venv-np126 --with 'numpy==1.26.*' test-core
#                     (--with adds a requirement resolved together with arrayprof's: the wheel
#                      built against NumPy 2 then runs on NumPy 1.26, as users' installs do)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
python=python3
with=()
while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --with) with+=("$2"); shift 2 ;;
        -*) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
extras="${1:-notebook}"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ".[${extras}]" "${with[@]}"
