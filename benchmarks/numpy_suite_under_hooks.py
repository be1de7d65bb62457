"""NumPy's own test suite, plain and with arrayprof's hooks installed and recording every test.

Runs `pytest --pyargs <packages>` twice in fresh interpreters: once plain, once with a pytest
plugin that installs arrayprof's allocation handler, ufunc observer and census and records each
test's call phase exactly as a profiled cell is recorded (native start/stop around it, ops taken).
Prints each run's figures and the tests that fail only with the hooks; exits 1 if there are any.

NumPy's test dependencies are needed in this interpreter: `pip install pytest hypothesis`.
By default the "fast" selection `numpy.test()` runs (`-m "not slow"`) over the whole of numpy.

    python benchmarks/numpy_suite_under_hooks.py [--packages numpy._core numpy.lib] [--json OUT]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

PLUGIN = '''
"""pytest plugin: every test's call phase recorded by arrayprof, as a profiled cell would be."""
import pytest

from arrayprof.tracker import Recording, ensure_installed

seen = {"tests": 0, "allocations": 0, "op_calls": 0}


def pytest_configure(config):
    ensure_installed()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    recording = Recording("<arrayprof-numpy-suite>", 1)
    recording.start()
    try:
        yield
    finally:
        recording.stop()
        if recording.raw is not None:
            seen["tests"] += 1
            seen["allocations"] += recording.raw["allocations"]
            seen["op_calls"] += sum(op["count"] for op in recording.ops)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"arrayprof recorded: {seen['tests']} tests, {seen['allocations']} NumPy allocations, "
        f"{seen['op_calls']} ufunc calls")
'''


def run_suite(packages: list[str], markexpr: str, hooked: bool, workdir: Path,
              extra: list[str]) -> dict:
    """One pytest run in a fresh interpreter; figures and failing test ids from its JUnit XML."""
    label = "hooked" if hooked else "plain"
    xml_path = workdir / f"{label}.xml"
    command = [sys.executable, "-m", "pytest", "--pyargs", *packages, "-p", "no:cacheprovider",
               "-q", "--no-header", "-rN", f"--junitxml={xml_path}", "-o", "junit_family=xunit1",
               "-m", markexpr, *extra]
    env = dict(os.environ)
    if hooked:
        command += ["-p", "arrayprof_suite_plugin"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if not xml_path.exists():
        raise SystemExit(f"{label} run produced no results:\n{done.stdout[-3000:]}\n"
                         f"{done.stderr[-3000:]}")
    failed: dict[str, str] = {}
    skip_reasons: collections.Counter[str] = collections.Counter()
    counts = collections.Counter()
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        where = case.get("file") or case.get("classname") or ""
        cls = (case.get("classname") or "").rpartition(".")[2]
        test_id = f"{where}::{cls}::{case.get('name')}" if case.get("file") else \
            f"{where}::{case.get('name')}"
        counts["run"] += 1
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                failed[test_id] = (child.get("message") or "").splitlines()[0][:160] \
                    if child.get("message") else child.tag
            elif child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
                if outcome == "skipped":
                    skip_reasons[(child.get("message") or "")[:100]] += 1
        counts[outcome] += 1
    recorded = next((line for line in done.stdout.splitlines()
                     if line.startswith("arrayprof recorded:")), "")
    return {"label": label, "seconds": round(elapsed, 1), "exit_code": done.returncode,
            "recorded": recorded,
            "counts": dict(counts), "failed": failed,
            "skip_reasons": skip_reasons.most_common(12)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", nargs="+", default=["numpy"],
                        help="packages whose tests run (default: all of numpy)")
    parser.add_argument("-m", dest="markexpr", default="not slow",
                        help='pytest mark expression (default: numpy.test()\'s "not slow")')
    parser.add_argument("--json", help="write the figures as JSON")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = parser.parse_args()
    import numpy

    import arrayprof

    print(f"NumPy {numpy.__version__}, Python {sys.version.split()[0]}, arrayprof "
          f"{getattr(arrayprof, '__version__', '?')}; packages {' '.join(args.packages)}; "
          f"-m {args.markexpr!r}")
    with tempfile.TemporaryDirectory(prefix="arrayprof-numpy-suite-") as tmp:
        workdir = Path(tmp)
        (workdir / "arrayprof_suite_plugin.py").write_text(PLUGIN)
        runs = [run_suite(args.packages, args.markexpr, hooked, workdir, args.pytest_args)
                for hooked in (False, True)]
    for run in runs:
        c = run["counts"]
        print(f"{run['label']:>7}: {c.get('run', 0)} tests, {c.get('passed', 0)} passed, "
              f"{c.get('failed', 0)} failed, {c.get('skipped', 0)} skipped, "
              f"{c.get('xfailed', 0)} xfailed, {run['seconds']} s")
        if run["recorded"]:
            print(f"         {run['recorded']}")
    plain, hooked = runs
    print("skips (plain run), by reason:")
    for reason, count in plain["skip_reasons"]:
        print(f"  {count:>5}  {reason}")
    if plain["failed"]:
        print("failing without arrayprof too (not arrayprof's):")
        for test_id, message in sorted(plain["failed"].items()):
            print(f"  {test_id}: {message}")
    only_hooked = {t: m for t, m in hooked["failed"].items() if t not in plain["failed"]}
    print(f"failing only with arrayprof's hooks: {len(only_hooked)}")
    for test_id, message in sorted(only_hooked.items()):
        print(f"  {test_id}: {message}")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "only_hooked": only_hooked},
                                              indent=2))
    return 1 if only_hooked else 0


if __name__ == "__main__":
    sys.exit(main())
