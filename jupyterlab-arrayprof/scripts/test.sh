#!/usr/bin/env bash
# Build, install and test the Array Inspector panel from a clean clone:
#   1. npm install (from the lock file), then the TypeScript unit tests (vitest)
#   2. pip install ./jupyterlab-arrayprof (clean prebuilt labextension) and check that
#      `jupyter labextension list` shows it enabled
#   3. the kernel side through a real kernel (pytest tests/test_comm.py)
#   4. the browser tests: a real JupyterLab on 127.0.0.1, Debian's headless chromium (galata),
#      and the panel's layout at 400/560/1400 px in light and dark (tests/browser/test_panel_layout.py)
#
# Uses the `python` on PATH (or $PYTHON); installs what is missing into that environment:
# arrayprof itself, JupyterLab, the hatch build plugins; chromium with apt-get when absent.
# Playwright never downloads a browser.  Ends with one line "lab: N passed, N failed".
#
# Environment: PYTHON, CHROMIUM_PATH (default /usr/bin/chromium), ARRAYPROF_UI_PORT (default: a
# free port), SKIP_UI_TESTS=1 to stop after step 3.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
PYBIN="$(dirname "$PYTHON")"
export PATH="$PYBIN:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

passed=0
failed=0
failed_steps=()
start_all=$SECONDS

step() {  # step NAME COMMAND... : run, time, count
  local name="$1"; shift
  local t0=$SECONDS
  echo "=== [lab] $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== [lab] $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "=== [lab] $name: FAILED ($((SECONDS - t0)) s)"
  fi
}

finish() {
  echo "=== [lab] total $((SECONDS - start_all)) s"
  if ((failed > 0)); then
    echo "=== [lab] failed: ${failed_steps[*]}"
  fi
  echo "lab: $passed passed, $failed failed"
  ((failed == 0))
  exit $?
}

pip_quiet() { "$PYTHON" -m pip install -q --disable-pip-version-check "$@"; }

python_deps() {
  if ! "$PYTHON" -c "import arrayprof._native" 2>/dev/null; then
    pip_quiet "$ROOT" || return 1
  fi
  "$PYTHON" - <<'EOF' 2>/dev/null || pip_quiet "jupyterlab>=4,<5" "notebook>=7,<8" "hatchling>=1.5" "hatch-jupyter-builder>=0.5" "jupyter_client>=8" "ipykernel>=6.25" pytest
import hatch_jupyter_builder, hatchling, ipykernel, jupyter_client, jupyterlab, notebook, pytest  # noqa: F401
EOF
}

# `npm ci` refuses this lock file: the registry here lacks some of rollup's optional platform
# packages, so npm cannot record them, and ci calls the lock out of sync.  `npm install
# --no-save` follows the lock and leaves it untouched.
npm_install() {
  (cd "$1" && npm install --no-save --no-audit --no-fund --loglevel=error)
}

npm_deps() {
  npm_install "$HERE"
}

unit_tests() {
  (cd "$HERE" && npx vitest run)
}

install_extension() {
  # a clean build: no stale JavaScript can ship (hatch-jupyter-builder's skip-if-exists is off,
  # and build:prod cleans first; this removes what an earlier run left)
  rm -rf "$HERE/lib" "$HERE/tsconfig.tsbuildinfo" "$HERE/jupyterlab_arrayprof/labextension" \
         "$HERE/build" "$HERE/dist"
  pip_quiet --no-build-isolation --force-reinstall --no-deps "$HERE" || return 1
  local listing
  listing="$(jupyter labextension list 2>&1)"
  echo "$listing" | grep -i "arrayprof"
  echo "$listing" | grep -E "jupyterlab-arrayprof v[0-9.]+ .*enabled.*OK" >/dev/null
}

kernel_tests() {
  (cd "$ROOT" && "$PYTHON" -m pytest -q -p no:cacheprovider tests/test_comm.py)
}

panel_layout_tests() {
  ensure_chromium || return 1
  (cd "$ROOT" && ARRAYPROF_PANEL_TESTS=1 "$PYTHON" -m pytest -q -p no:cacheprovider tests/browser/test_panel_layout.py)
}

ensure_chromium() {
  if [ -x "$CHROMIUM_PATH" ]; then
    return 0
  fi
  echo "chromium missing: installing Debian's package"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  [ -x "$CHROMIUM_PATH" ]
}

ui_tests() {
  ensure_chromium || return 1
  npm_install "$HERE/ui-tests" || return 1
  if [ -z "${ARRAYPROF_UI_PORT:-}" ]; then
    ARRAYPROF_UI_PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
  export ARRAYPROF_UI_PORT
  (cd "$HERE/ui-tests" && rm -rf test-results && npx playwright test)
  local status=$?
  echo "screenshots: $HERE/ui-tests/test-results/screenshots"
  return $status
}

step "python dependencies" python_deps || true
step "npm install" npm_deps
step "unit tests (vitest)" unit_tests
step "pip install + labextension list" install_extension
step "kernel side (pytest tests/test_comm.py)" kernel_tests
if [ "${SKIP_UI_TESTS:-0}" != "1" ]; then
  step "browser tests (galata, chromium)" ui_tests
  step "panel layout and contrast (pytest tests/browser/test_panel_layout.py)" panel_layout_tests
fi
finish
