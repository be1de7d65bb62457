"""Overhead of arrayprof against plain execution, measured as paired, alternating ratios in one run.

For each workload, every round runs the same compiled cell plain, under arrayprof's recording
(allocation hook + ufunc observer + line attribution + time per line: the 1 kHz sampler and the
clocks around NumPy calls), the same with the sampler off ("no sampler": its own cost is the
difference), under tracemalloc (1 frame), and under the time profilers that
install (line_profiler on the cell's lines, pyinstrument at 1 ms), in a rotating order; the
figure is the median over rounds of (variant time / plain time of that round).  "Recording" times
only the cell; "profile()" adds the whole report (inventory, no advice).  Scalene (CPU only)
profiles a whole process, so it runs the cell in a child process (`scalene run --cpu-only`) and
its figure is the median cell time there over the median of a plain child's, in the same run.

    python benchmarks/overhead.py [--rounds 15] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from typing import Any

import numpy as np

import arrayprof
from arrayprof import tracker
from arrayprof.session import Session

WORKLOADS = {
    "a: ufunc expressions, 10^7 elements": (
        "import numpy as np\n"
        "a, b, c, d = (np.random.default_rng(k).random(10_000_000) for k in range(4))\n",
        "z = (a - b) * c + d\n"
        "y = np.sqrt(a) * np.exp(b)\n"
        "s = z.sum() + y.max()\n",
    ),
    "b: 10^5 tiny arrays in a Python loop": (
        "import numpy as np\n",
        "for i in range(100_000):\n"
        "    t = np.empty(3)\n"
        "    t[0] = i\n",
    ),
    "c: pure-Python loop": (
        "",
        "s = 0\n"
        "for i in range(300_000):\n"
        "    s += i * i % 7\n",
    ),
}
TARGETS = {"a": 1.05, "b": 1.25, "c": 1.05}


def time_plain(code, namespace) -> float:
    start = time.perf_counter()
    exec(code, namespace)
    return time.perf_counter() - start


def time_recording(source: str, namespace, sample_time: bool = True) -> float:
    tracker.SAMPLE_TIME = sample_time
    session = Session(source, namespace, rss="off")
    code = compile(source, session.filename, "exec")
    session.begin()
    start = time.perf_counter()
    try:
        exec(code, namespace)
    finally:
        elapsed = time.perf_counter() - start
        session.finish_recording()
        tracker.SAMPLE_TIME = True
    return elapsed


def time_tracemalloc(code, namespace) -> float:
    tracemalloc.start(1)
    try:
        return time_plain(code, namespace)
    finally:
        tracemalloc.stop()


def time_profile(source: str, namespace) -> float:
    start = time.perf_counter()
    arrayprof.profile(source, namespace, verify=False)
    return time.perf_counter() - start


def line_profiler_timer(source: str, namespace) -> Callable[[], float] | None:
    """Times the cell under line_profiler, every line of it traced (None: not installed)."""
    try:
        import line_profiler
    except ImportError:
        return None

    def instrumented(profiler: Any, code: types.CodeType) -> types.CodeType:
        consts = tuple(instrumented(profiler, c) if isinstance(c, types.CodeType) else c
                       for c in code.co_consts)
        holder = types.SimpleNamespace(__code__=code.replace(co_consts=consts))
        profiler.add_function(holder)
        return holder.__code__

    def run() -> float:
        profiler = line_profiler.LineProfiler()
        code = instrumented(profiler, compile(source, "<line_profiler>", "exec"))
        profiler.enable_by_count()
        try:
            return time_plain(code, namespace)
        finally:
            profiler.disable_by_count()

    return run


def pyinstrument_timer(code, namespace) -> Callable[[], float] | None:
    """Times the cell under pyinstrument sampling every millisecond (None: not installed)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None

    def run() -> float:
        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            return time_plain(code, namespace)
        finally:
            profiler.stop()

    return run


def child_times(workload: str, rounds: int) -> None:
    """In a child process (plain or under Scalene): print the cell's time in each round."""
    setup, source = WORKLOADS[workload]
    namespace: dict = {}
    exec(setup, namespace)
    code = compile(source, "<child>", "exec")
    time_plain(code, namespace)  # warm up
    print(json.dumps([time_plain(code, namespace) for _ in range(rounds)]))


def scalene_ratio(workload: str, rounds: int, pairs: int = 3) -> float | None:
    """Median over `pairs` alternating pairs of child processes of (median cell time under
    `scalene run --cpu-only` / median cell time of a plain child); None when Scalene is not
    installed or failed."""
    try:
        import scalene  # noqa: F401
    except ImportError:
        return None
    script = os.path.abspath(__file__)
    args = ["--child", workload, str(rounds)]
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "plain": [sys.executable, script, *args],
            "scalene": [sys.executable, "-m", "scalene", "run", "--cpu-only", "-o",
                        os.path.join(tmp, "profile.json"), script, "---", *args],
        }
        for _ in range(pairs):
            medians = {}
            for name, command in commands.items():
                done = subprocess.run(command, capture_output=True, text=True, cwd=tmp,
                                      timeout=600)
                lines = [x for x in done.stdout.splitlines() if x.startswith("[")]
                if done.returncode != 0 or not lines:
                    return None
                medians[name] = statistics.median(json.loads(lines[-1]))
            ratios.append(medians["scalene"] / medians["plain"])
    return statistics.median(ratios)


def measure(setup: str, source: str, rounds: int) -> dict[str, float]:
    namespace: dict = {}
    exec(setup, namespace)
    plain_code = compile(source, "<plain>", "exec")
    variants = {
        "recording": lambda: time_recording(source, namespace),
        "no sampler": lambda: time_recording(source, namespace, sample_time=False),
        "tracemalloc": lambda: time_tracemalloc(plain_code, namespace),
        "profile()": lambda: time_profile(source, namespace),
    }
    for name, timer in (("line_profiler", line_profiler_timer(source, namespace)),
                        ("pyinstrument", pyinstrument_timer(plain_code, namespace))):
        if timer is not None:
            variants[name] = timer
    ratios: dict[str, list[float]] = {name: [] for name in variants}
    plain_times = []
    for _ in range(2):  # warm up every path
        time_plain(plain_code, namespace)
        for run in variants.values():
            run()
    names = list(variants)
    for round_number in range(rounds):
        order = names[round_number % len(names):] + names[:round_number % len(names)]
        for name in order:
            plain = time_plain(plain_code, namespace)
            ratios[name].append(variants[name]() / plain)
            plain_times.append(plain)
    result = {name: statistics.median(values) for name, values in ratios.items()}
    result["plain_s"] = statistics.median(plain_times)
    return result


def per_op_cost(rounds: int) -> float:
    """Nanoseconds the observer adds to one ufunc call on a small array (np.add on 8 elements)."""
    namespace = {"np": np, "x": np.ones(8), "out": np.empty(8)}
    source = "for _ in range(200_000):\n    np.add(x, x, out=out)\n"
    plain_code = compile(source, "<plain>", "exec")
    deltas = []
    for _ in range(rounds):
        plain = time_plain(plain_code, namespace)
        recorded = time_recording(source, namespace)
        deltas.append((recorded - plain) / 200_000 * 1e9)
    return statistics.median(deltas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", help="write the figures as JSON")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_times(args.child[0], int(args.child[1]))
        return
    figures = {}
    peers = ("line_profiler", "pyinstrument", "scalene")
    print(f"{'workload':<40} {'plain':>9} {'recording':>10} {'no sampler':>11} {'profile()':>10} "
          f"{'tracemalloc':>12}"
          + "".join(f" {peer:>13}" for peer in peers) + f" {'target':>7}")
    for name, (setup, source) in WORKLOADS.items():
        result = measure(setup, source, args.rounds)
        scalene = scalene_ratio(name, args.rounds)
        if scalene is not None:
            result["scalene"] = scalene
        figures[name] = result
        target = TARGETS[name[0]]
        verdict = "ok" if result["recording"] <= target else "OVER"
        shown = "".join(f" {result[peer]:>12.3f}x" if peer in result else f" {'-':>13}"
                        for peer in peers)
        print(f"{name:<40} {result['plain_s'] * 1e3:>7.1f}ms {result['recording']:>9.3f}x "
              f"{result['no sampler']:>10.3f}x {result['profile()']:>9.3f}x "
              f"{result['tracemalloc']:>11.3f}x{shown} {target:>6.2f} {verdict}")
    per_op = per_op_cost(max(5, args.rounds // 3))
    figures["observer_ns_per_small_ufunc_call"] = per_op
    print(f"observer cost per small ufunc call: {per_op:.0f} ns")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
