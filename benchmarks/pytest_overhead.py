"""Overhead of ``pytest --arrayprof`` on a sample suite, as ratios against the same suite run
without it in the same run (rounds alternate the variants; the figure is the median ratio).

The sample suite (written to a temporary directory) has a package under test and 60 tests:
NumPy expressions on 10^6 elements, loops making 10^4 tiny arrays, pure-Python work, and calls
into the package; a third of them carry a numpy_budget they stay within.  Variants:

    plugin off     the plugin not loaded at all (-p no:arrayprof): the baseline
    inactive       installed, not asked for (what every pytest run pays once arrayprof is installed)
    --arrayprof    recording every test and checking the budgets

Two figures per variant: the CPU time of the whole pytest process (start-up included) and the
session time pytest itself reports ("in 1.23s", wall clock).

    python benchmarks/pytest_overhead.py [--rounds 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

PACKAGE = '''\
import numpy as np


def normalise(x):
    return (x - x.mean()) / x.std()


def pairwise_max(x):
    return np.abs(x[:, None] - x[None, :]).max()


def running(values):
    out = []
    for v in values:
        out.append(np.array([v, v * 2.0]))
    return out
'''

TESTS = '''\
import numpy as np
import pytest

from sample_pkg.core import normalise, pairwise_max, running


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.numpy_budget(peak="64 MB")
def test_expressions(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.random(1_000_000), rng.random(1_000_000)
    z = (a - b) * a + b
    assert normalise(z).shape == (1_000_000,)


@pytest.mark.parametrize("seed", range(15))
def test_tiny_arrays(seed):
    total = 0.0
    for i in range(10_000):
        t = np.empty(3)
        t[0] = i + seed
        total += t[0]
    assert total > 0


@pytest.mark.parametrize("seed", range(15))
def test_pure_python(seed):
    assert sum(i * i % 7 for i in range(100_000 + seed)) > 0


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.numpy_budget(peak="8 MB", temporaries="8 MB")
def test_package(seed):
    x = np.linspace(0, 1, 500 + seed)
    assert pairwise_max(x) == 1.0
    assert len(running(range(1000))) == 1000
'''

VARIANTS = {"plugin off": ["-p", "no:arrayprof"], "inactive": [], "--arrayprof": ["--arrayprof"]}


def write_suite(root: Path) -> None:
    (root / "sample_pkg").mkdir()
    (root / "sample_pkg" / "__init__.py").write_text("")
    (root / "sample_pkg" / "core.py").write_text(PACKAGE)
    (root / "tests").mkdir()
    (root / "tests" / "test_sample.py").write_text(TESTS)
    (root / "pytest.ini").write_text(textwrap.dedent("""\
        [pytest]
        pythonpath = .
        filterwarnings = ignore::pytest.PytestAssertRewriteWarning
        """))


def run(root: Path, args: list[str]) -> tuple[float, float]:
    """(CPU seconds of the pytest process, session seconds pytest reports).

    CPU time (user + system) rather than wall time for the whole process: on a machine shared
    with other work, waiting for a core is not the plugin's cost."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:memray", *args], cwd=root, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"the sample suite failed with {args}:\n{done.stdout[-3000:]}")
    session = re.search(r"in ([0-9.]+)s", done.stdout.splitlines()[-1])
    return process, float(session.group(1)) if session else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_suite(root)
        run(root, VARIANTS["--arrayprof"])  # warm the file cache and the build
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
        names = list(VARIANTS)
        for round_ in range(args.rounds):
            order = names[round_ % len(names):] + names[:round_ % len(names)]
            for name in order:
                times[name].append(run(root, VARIANTS[name]))
    base = times["plugin off"]
    best_base = (min(p for p, _ in base), min(s for _, s in base))
    results = {}
    print("median of paired ratios, and the ratio of the best runs (the figure least disturbed by "
          "other work on a shared machine)")
    print(f"{'variant':<13} {'CPU':>9} {'ratio':>7} {'best':>6} {'session':>9} {'ratio':>7} "
          f"{'best':>6}")
    for name, runs in times.items():
        process = statistics.median(p for p, _ in runs)
        session = statistics.median(s for _, s in runs)
        process_ratio = statistics.median(p / b[0] for (p, _), b in zip(runs, base, strict=True))
        session_ratio = statistics.median(s / b[1] for (_, s), b in zip(runs, base, strict=True))
        process_best = min(p for p, _ in runs) / best_base[0]
        session_best = min(s for _, s in runs) / best_base[1]
        results[name] = {"process_s": process, "process_ratio": process_ratio,
                         "process_best_ratio": process_best, "session_s": session,
                         "session_ratio": session_ratio, "session_best_ratio": session_best}
        print(f"{name:<13} {process:>8.2f}s {process_ratio:>6.2f}x {process_best:>5.2f}x "
              f"{session:>8.2f}s {session_ratio:>6.2f}x {session_best:>5.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
