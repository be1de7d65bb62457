#!/usr/bin/env bash
# Print the path of a CPython X.Y interpreter on this machine, or nothing (exit 1) if there is none.
# Looks at pythonX.Y on PATH, pyenv (`pyenv prefix X.Y`, then ~/.pyenv/versions/X.Y.*, newest
# first) and /usr/bin, /usr/local/bin; each candidate must really be X.Y (pyenv shims answer for
# versions they do not select) and able to make a venv.  Prints the interpreter's own path.
# Usage: scripts/find-python.sh 3.12
set -uo pipefail
want="${1:?usage: find-python.sh X.Y}"

works() {  # works PATH: it is CPython $want (not free-threaded) with venv and pip bootstrap
    [ -x "$1" ] && "$1" - "$want" >/dev/null 2>&1 <<'EOF'
import sys, sysconfig, ensurepip, venv  # noqa: F401
want = tuple(int(p) for p in sys.argv[1].split("."))
assert sys.version_info[:2] == want and sys.implementation.name == "cpython"
assert not sysconfig.get_config_var("Py_GIL_DISABLED")
EOF
}

candidates=()
if command -v "python$want" >/dev/null 2>&1; then
    candidates+=("$(command -v "python$want")")
fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then
    prefix="$(pyenv prefix "$want" 2>/dev/null | head -n1)" && [ -n "$prefix" ] \
        && candidates+=("$prefix/bin/python$want" "$prefix/bin/python3")
fi
# newest patch release first (sort -V), free-threaded builds (3.13t) left out by works()
for dir in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python$want" "$dir/bin/python3")
done
candidates+=("/usr/local/bin/python$want" "/usr/bin/python$want")

for py in "${candidates[@]}"; do
    if works "$py"; then
        # the interpreter itself, not a pyenv shim (a venv made through a shim cannot bootstrap pip)
        "$py" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
exit 1
