#!/usr/bin/env bash
# Set up and run every test suite (this is what CI runs).  A failing suite never stops the others:
# the script ends with a table suite -> pass / FAIL / MISSING and exits 1 naming each one that failed.
#
#   lint        ruff over src, tests, benchmarks, scripts
#   full        the whole Python suite (real kernels, real NumPy, browser export) on python3 (3.11),
#               with the newest NumPy for it (2.4: NumPy 2.5 needs 3.12)                .venv
#   lab         the JupyterLab panel: TypeScript unit tests, the labextension, its kernel side,
#               browser tests (jupyterlab-arrayprof/scripts/test.sh)                    .venv
#   numpy1.26   core tests on NumPy 1.26 with a wheel built against NumPy 2's headers
#               (targeting the 1.22 C-API), CPython 3.11                                .venv-np126
#   py3.12      core, kernel and notebook tests on CPython 3.12 (newest NumPy)          .venv-py3.12
#   py3.13      core, kernel and notebook tests on CPython 3.13 (newest NumPy)          .venv-py3.13
# (suites are pytest markers: tests/conftest.py)
#
# Interpreters are found by scripts/find-python.sh (PATH, pyenv).  One that is missing is reported
# loudly and the rest still runs; it fails the run under CI (CI=true), where the matrix is required.
#
# Usage: scripts/test.sh [SUITE...]      (default: every suite, in the order above)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ALL=(lint full lab numpy1.26 py3.12 py3.13)
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=("${ALL[@]}")
export PIP_DISABLE_PIP_VERSION_CHECK=1

declare -A status seconds detail
failed=()
start_all=$SECONDS

banner() { printf '\n==================== %s ====================\n' "$*"; }

describe() {  # describe VENV: "CPython X.Y.Z, NumPy A.B.C" of that environment
    "$1/bin/python" -c 'import sys, numpy; print(f"CPython {sys.version.split()[0]}, NumPy {numpy.__version__}")' \
        2>/dev/null || echo "?"
}

main_venv() {  # .venv with the test extra and the newest NumPy 2.x (also on a reused .venv)
    [ -n "${MAIN_READY:-}" ] && return 0
    scripts/setup.sh test || return 1
    .venv/bin/python -m pip install --quiet --upgrade "numpy>=2" || return 1
    if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
        # browser tests use Debian's chromium (never a downloaded browser)
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
            || echo "chromium unavailable: the browser tests will fail"
    fi
    MAIN_READY=1
}

suite_lint() {
    main_venv || return 1
    detail[lint]="$(.venv/bin/ruff --version 2>/dev/null)"
    .venv/bin/ruff check src tests benchmarks scripts
}

suite_full() {
    main_venv || return 1
    detail[full]="$(describe .venv)"
    .venv/bin/python -m pytest -q tests
}

suite_lab() {
    main_venv || return 1
    [ -x jupyterlab-arrayprof/scripts/test.sh ] || { echo "jupyterlab-arrayprof/scripts/test.sh missing"; return 1; }
    detail[lab]="$(describe .venv), node $(node --version 2>/dev/null || echo missing)"
    PYTHON="$ROOT/.venv/bin/python" jupyterlab-arrayprof/scripts/test.sh
}

# extra_suite NAME VENV PYTHON_VERSION MARKERS [--with REQ]...
extra_suite() {
    local name="$1" venv="$2" version="$3" markers="$4" python
    shift 4
    if ! python="$(scripts/find-python.sh "$version")"; then
        printf '\n!!!!!!!!!! %s: no CPython %s on this machine (PATH, pyenv): suite not run !!!!!!!!!!\n' \
            "$name" "$version"
        return 3
    fi
    echo "interpreter: $python"
    scripts/setup.sh --venv "$venv" --python "$python" "$@" test-core || return 1
    if [ $# -eq 0 ]; then  # newest NumPy 2.x, also on a reused venv
        "$venv/bin/python" -m pip install --quiet --upgrade "numpy>=2" || return 1
    fi
    detail[$name]="$(describe "$venv")"
    echo "${detail[$name]}"
    # arrayprof comes from the venv's own build (the src layout keeps this checkout's sources off
    # sys.path); pytest adds only tests/
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "$markers" tests
}

# The users' case: a wheel built against NumPy 2's headers (pyproject's build requirement; the
# extension targets the 1.22 C-API) installed beside NumPy 1.26.  The build log must show NumPy 2.
suite_numpy1.26() {
    local python venv=.venv-np126 wheels=dist/np126
    if ! python="$(scripts/find-python.sh 3.11)"; then
        printf '\n!!!!!!!!!! numpy1.26: no CPython 3.11 on this machine (PATH, pyenv): suite not run !!!!!!!!!!\n'
        return 3
    fi
    echo "interpreter: $python"
    rm -rf "$wheels" && mkdir -p "$wheels"
    "$python" -m pip wheel --no-deps -v -w "$wheels" . >"$wheels/build.log" 2>&1 \
        || { tail -n 30 "$wheels/build.log"; return 1; }
    grep -E "Run-time dependency numpy found: YES 2\." "$wheels/build.log" \
        || { echo "the wheel was not built against NumPy 2 (see $wheels/build.log)"; return 1; }
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --quiet --upgrade pip || return 1
    "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheels"/arrayprof-*.whl || return 1
    "$venv/bin/python" -m pip install --quiet "$(ls "$wheels"/arrayprof-*.whl)[test-core]" "numpy==1.26.*" \
        || return 1
    detail[numpy1.26]="$(describe "$venv")"
    echo "${detail[numpy1.26]}"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -m core tests
}
suite_py3.12() { extra_suite py3.12 .venv-py3.12 3.12 "core or kernel or notebook"; }
suite_py3.13() { extra_suite py3.13 .venv-py3.13 3.13 "core or kernel or notebook"; }

for suite in "${suites[@]}"; do
    if ! declare -F "suite_$suite" >/dev/null; then
        echo "unknown suite: $suite (suites: ${ALL[*]})" >&2
        exit 2
    fi
    banner "$suite"
    t0=$SECONDS
    "suite_$suite"
    rc=$?
    seconds[$suite]=$((SECONDS - t0))
    case $rc in
        0) status[$suite]=pass ;;
        3) status[$suite]=MISSING
           if [ "${CI:-}" = true ]; then failed+=("$suite"); fi ;;
        *) status[$suite]=FAIL; failed+=("$suite") ;;
    esac
    banner "$suite: ${status[$suite]} (${seconds[$suite]} s)"
done

banner "summary ($((SECONDS - start_all)) s)"
printf '%-10s  %-7s  %6s  %s\n' suite result seconds environment
for suite in "${suites[@]}"; do
    printf '%-10s  %-7s  %6s  %s\n' "$suite" "${status[$suite]}" "${seconds[$suite]}" "${detail[$suite]:-}"
done
passed=0 missing=0
for suite in "${suites[@]}"; do
    case "${status[$suite]}" in pass) passed=$((passed + 1)) ;; MISSING) missing=$((missing + 1)) ;; esac
done
if [ $missing -gt 0 ]; then
    echo "!!! $missing suite(s) not run: interpreter missing (counted as failed under CI)"
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}"
fi
if [ "${CI:-}" = true ] || [ $missing -eq 0 ]; then
    echo "suites: $passed passed, ${#failed[@]} failed"
else
    echo "suites: $passed passed, ${#failed[@]} failed, $missing skipped"
fi
[ ${#failed[@]} -eq 0 ]
