"""The ufunc observer's cost per call does not grow with the number of call sites in a cell.

A cell first calls a function whose body makes one ufunc call (site A), then makes N other call
sites, then calls the function 100,000 more times: each of those calls must find site A among
N + 1 records.  The figure is the nanoseconds recording adds per call (recorded minus plain time
of the same loop, median over rounds), for N = 10 and N = 10,000, and their ratio (1 is flat).

    python benchmarks/observer_sites.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from arrayprof.session import Session

CALLS = 100_000


def cell(sites: int) -> str:
    lines = ["def f(x):", "    return np.add(x, 1)", "f(x)"]
    lines += [f"y = np.multiply(x, {k})" for k in range(sites)]
    lines += ["t0 = time.perf_counter()", f"for _ in range({CALLS}):", "    f(x)",
              "elapsed = time.perf_counter() - t0"]
    return "\n".join(lines)


def added_ns(sites: int, rounds: int) -> float:
    source = cell(sites)
    deltas = []
    for _ in range(rounds):
        plain: dict = {"np": np, "time": time, "x": np.ones(4)}
        exec(compile(source, "<plain>", "exec"), plain)
        recorded: dict = {"np": np, "time": time, "x": np.ones(4)}
        session = Session(source, recorded, rss="off")
        session.run()
        deltas.append((recorded["elapsed"] - plain["elapsed"]) / CALLS * 1e9)
    return statistics.median(deltas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    few, many = added_ns(10, args.rounds), added_ns(10_000, args.rounds)
    print(f"observer cost per call, 10 sites:     {few:7.0f} ns")
    print(f"observer cost per call, 10,000 sites: {many:7.0f} ns")
    print(f"ratio (1.0 = independent of sites):   {many / few:7.2f}")


if __name__ == "__main__":
    main()
