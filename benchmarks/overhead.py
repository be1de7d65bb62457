"""Overhead of arrayprof against plain execution, measured as paired, alternating ratios in one run.

For each workload, every round runs the same compiled cell plain, under arrayprof's recording
(allocation hook + ufunc observer + line attribution), and under tracemalloc (1 frame), in a
rotating order; the figure is the median over rounds of (variant time / plain time of that round).
"Recording" times only the cell; "profile()" adds the whole report (inventory, no advice).

    python benchmarks/overhead.py [--rounds 15] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc

import numpy as np

import arrayprof
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


def time_recording(source: str, namespace) -> float:
    session = Session(source, namespace, rss="off")
    code = compile(source, session.filename, "exec")
    session.begin()
    start = time.perf_counter()
    try:
        exec(code, namespace)
    finally:
        elapsed = time.perf_counter() - start
        session.finish_recording()
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


def measure(setup: str, source: str, rounds: int) -> dict[str, float]:
    namespace: dict = {}
    exec(setup, namespace)
    plain_code = compile(source, "<plain>", "exec")
    variants = {
        "recording": lambda: time_recording(source, namespace),
        "tracemalloc": lambda: time_tracemalloc(plain_code, namespace),
        "profile()": lambda: time_profile(source, namespace),
    }
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
    args = parser.parse_args()
    figures = {}
    print(f"{'workload':<40} {'plain':>9} {'recording':>10} {'profile()':>10} {'tracemalloc':>12}"
          f" {'target':>7}")
    for name, (setup, source) in WORKLOADS.items():
        result = measure(setup, source, args.rounds)
        figures[name] = result
        target = TARGETS[name[0]]
        verdict = "ok" if result["recording"] <= target else "OVER"
        print(f"{name:<40} {result['plain_s'] * 1e3:>7.1f}ms {result['recording']:>9.3f}x "
              f"{result['profile()']:>9.3f}x {result['tracemalloc']:>11.3f}x {target:>6.2f} {verdict}")
    per_op = per_op_cost(max(5, args.rounds // 3))
    figures["observer_ns_per_small_ufunc_call"] = per_op
    print(f"observer cost per small ufunc call: {per_op:.0f} ns")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
