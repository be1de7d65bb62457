"""Accuracy of time per line: each line's share of a cell's time, arrayprof against line_profiler.

line_profiler times every line event exactly (a trace function), so its shares are the reference;
its own cost inflates lines that run many Python line events, which this benchmark reports as is.
For each cell (a hot Python loop, a hot NumPy line, a mix, a function defined in the cell), both
run the same code `--rounds` times in a fresh copy of the cell's namespace and the median share per
line is compared: for every line above 5% of the cell's time (either tool), arrayprof's share must
be within 5 percentage points of line_profiler's.

    python benchmarks/time_accuracy.py [--rounds 5] [--json OUT]

Needs line_profiler (`pip install 'arrayprof[benchmark]'`).
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import time
import types
from typing import Any

import numpy as np

import arrayprof

# (setup, cell, {calling line: lines of the cell function it calls}): line_profiler's time of a
# line includes the functions it calls, arrayprof charges a cell function's time to the function's
# own lines (the charging rule of bytes), so the reference of a calling line is line_profiler's
# less the time of the lines it called.
CELLS: dict[str, tuple[str, str, dict[int, range]]] = {
    "hot Python loop": (
        "",
        "a = np.ones(1000)\n"
        "s = 0\n"
        "for i in range(1_000_000):\n"
        "    s += i % 7\n"
        "t = float(s) + a.sum()\n",
        {},
    ),
    "hot NumPy line": (
        "x = np.random.default_rng(0).random(4_000_000)\n",
        "y = np.sort(x)\n"
        "z = np.sqrt(x) + 1\n"
        "m = y.sum() + z.max()\n",
        {},
    ),
    "mix": (
        "a = np.random.default_rng(1).random((700, 700))\n",
        "b = a @ a\n"
        "s = 0\n"
        "for v in range(400_000):\n"
        "    s += v\n"
        "c = np.linalg.inv(b + np.eye(700))\n",
        {},
    ),
    "function defined in the cell": (
        "",
        "def f(n):\n"
        "    s = 0\n"
        "    for i in range(n):\n"
        "        s += i * i\n"
        "    return s\n"
        "total = f(800_000)\n"
        "arr = np.arange(3_000_000) ** 2\n",
        {6: range(2, 6)},
    ),
}
THRESHOLD, TOLERANCE = 0.05, 0.05


def instrumented(profiler: Any, code: types.CodeType) -> types.CodeType:
    """`code` as line_profiler traces it, the functions compiled inside it included (line_profiler
    gives each code object it profiles a copy of its own, so the cell's constants must hold the
    copies of its functions)."""
    consts = tuple(instrumented(profiler, c) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    holder = types.SimpleNamespace(__code__=code.replace(co_consts=consts))
    profiler.add_function(holder)
    return holder.__code__


def shares(times: dict[int, float]) -> dict[int, float]:
    total = sum(times.values())
    return {line: t / total for line, t in times.items()} if total > 0 else {}


def line_profiler_times(setup: str, source: str) -> tuple[dict[int, float], dict[int, int], float]:
    """line_profiler's seconds and hits per line, and the wall time of the run."""
    import line_profiler

    namespace: dict[str, Any] = {"np": np}
    exec(setup, namespace)
    filename = "<time-accuracy-cell>"
    code = compile(source, filename, "exec")
    profiler = line_profiler.LineProfiler()
    code = instrumented(profiler, code)
    start = time.perf_counter()
    profiler.enable_by_count()
    try:
        exec(code, namespace)
    finally:
        profiler.disable_by_count()
    wall = time.perf_counter() - start
    stats = profiler.get_stats()
    times: dict[int, float] = {}
    hits: dict[int, int] = {}
    for (file, _, _), entries in stats.timings.items():
        if file != filename:
            continue
        for lineno, nhits, total in entries:
            times[lineno] = times.get(lineno, 0.0) + total * stats.unit
            hits[lineno] = hits.get(lineno, 0) + nhits
    return times, hits, wall


def per_hit_overhead() -> tuple[float, float]:
    """What line_profiler adds per line event (its trace function), from a loop of trivial lines
    timed with and without it: (seconds inside the timings it reports, seconds in all)."""
    source = "s = 0\nfor i in range(300_000):\n    s += 1\n"
    code = compile(source, "<calibration>", "exec")
    inside, total = [], []
    for _ in range(5):
        start = time.perf_counter()
        exec(code, {})
        plain = time.perf_counter() - start
        times, hits, wall = line_profiler_times("", source)
        events = sum(hits.values())
        inside.append((sum(times.values()) - plain) / events)
        total.append((wall - plain) / events)
    return statistics.median(inside), statistics.median(total)


def line_profiler_shares(setup: str, source: str, calls: dict[int, range],
                         overhead: tuple[float, float] = (0.0, 0.0)) -> dict[int, float]:
    """line_profiler's shares, with the time of the cell functions a line calls taken from it
    (their lines are charged on their own); with `overhead` (per_hit_overhead), line_profiler's
    own cost taken out too: per event of a line, and all of it for the events of its callees."""
    inside, total = overhead
    times, hits, _ = line_profiler_times(setup, source)
    own = {line: max(0.0, t - inside * hits[line]) for line, t in times.items()}
    for caller, callee_lines in calls.items():
        if caller in own:
            callee = sum(times.get(k, 0.0) + (total - inside) * hits.get(k, 0)
                         for k in callee_lines)
            own[caller] = max(0.0, own[caller] - callee)
    return shares(own)


def arrayprof_shares(setup: str, source: str) -> dict[int, float]:
    namespace: dict[str, Any] = {"np": np}
    exec(setup, namespace)
    report = arrayprof.profile(source, namespace, verify=False)
    return shares({line.lineno: line.seconds for line in report.lines})


def statements(source: str) -> list[tuple[int, int]]:
    """(first, last) line of each top-level statement of the cell."""
    return [(node.lineno, node.end_lineno or node.lineno) for node in ast.parse(source).body]


def plain_statement_shares(setup: str, source: str) -> dict[int, float]:
    """The ground truth at statement level, with no profiler at all: each top-level statement run
    and timed on its own, in order, in one namespace; keyed by the statement's first line."""
    namespace: dict[str, Any] = {"np": np}
    exec(setup, namespace)
    tree = ast.parse(source)
    times = {}
    for node in tree.body:
        code = compile(ast.Module(body=[node], type_ignores=[]), "<plain>", "exec")
        start = time.perf_counter()
        exec(code, namespace)
        times[node.lineno] = time.perf_counter() - start
    return shares(times)


def by_statement(line_shares: dict[int, float], source: str,
                 calls: dict[int, range]) -> dict[int, float]:
    """Line shares summed per top-level statement, the lines of a cell function going to the
    statement that called it (as plain timing sees them)."""
    moved = dict(line_shares)
    for caller, callee_lines in calls.items():
        moved[caller] = moved.get(caller, 0.0) + sum(moved.pop(k, 0.0) for k in callee_lines)
    out = {}
    for first, last in statements(source):
        out[first] = sum(v for line, v in moved.items() if first <= line <= last)
    return out


def median_shares(runs: list[dict[int, float]]) -> dict[int, float]:
    lines = sorted({line for run in runs for line in run})
    return {line: statistics.median(run.get(line, 0.0) for run in runs) for line in lines}


def compare(rounds: int) -> dict[str, Any]:
    """Per cell, the median shares of line_profiler (raw, and less its own cost per line event)
    and of arrayprof, the three run in turn in every round."""
    overhead = per_hit_overhead()
    results: dict[str, Any] = {"line_profiler_seconds_per_line_event": list(overhead)}
    for name, (setup, source, calls) in CELLS.items():
        raw_runs, corrected_runs, our_runs, plain_runs = [], [], [], []
        for _ in range(rounds):
            raw_runs.append(line_profiler_shares(setup, source, calls))
            corrected_runs.append(line_profiler_shares(setup, source, calls, overhead))
            our_runs.append(arrayprof_shares(setup, source))
            plain_runs.append(plain_statement_shares(setup, source))
        raw, corrected, ours = (median_shares(runs) for runs in (raw_runs, corrected_runs, our_runs))
        plain = median_shares(plain_runs)
        ours_per_statement = median_shares([by_statement(run, source, calls) for run in our_runs])
        statement_rows = []
        for line in sorted(plain):
            ref, got = plain[line], ours_per_statement.get(line, 0.0)
            if max(ref, got) >= THRESHOLD:
                statement_rows.append({"statement": line, "plain": ref, "arrayprof": got,
                                       "ok": abs(ref - got) <= TOLERANCE})
        rows = []
        for line in sorted(set(raw) | set(ours)):
            ref, fixed, got = raw.get(line, 0.0), corrected.get(line, 0.0), ours.get(line, 0.0)
            if max(ref, got) < THRESHOLD:
                continue
            rows.append({"line": line, "line_profiler": ref, "line_profiler_less_overhead": fixed,
                         "arrayprof": got, "ok": abs(ref - got) <= TOLERANCE,
                         "ok_less_overhead": abs(fixed - got) <= TOLERANCE})
        results[name] = {"lines": rows, "ok": all(row["ok"] for row in rows),
                         "ok_less_overhead": all(row["ok_less_overhead"] for row in rows),
                         "statements": statement_rows,
                         "ok_statements": all(row["ok"] for row in statement_rows)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="write the figures as JSON")
    args = parser.parse_args()
    results = compare(args.rounds)
    inside, total = results["line_profiler_seconds_per_line_event"]
    print(f"line_profiler's own cost per line event: {total * 1e9:.0f} ns, of which "
          f"{inside * 1e9:.0f} ns inside the line times it reports")
    print(f"{'cell':<30} {'line':>4} {'line_profiler':>14} {'less its cost':>14} {'arrayprof':>10}"
          f" {'diff':>6} {'diff2':>6}")
    cells = {name: result for name, result in results.items() if isinstance(result, dict)}
    for name, result in cells.items():
        for row in result["lines"]:
            diff = (row["arrayprof"] - row["line_profiler"]) * 100
            diff2 = (row["arrayprof"] - row["line_profiler_less_overhead"]) * 100
            print(f"{name:<30} {row['line']:>4} {row['line_profiler']:>13.1%} "
                  f"{row['line_profiler_less_overhead']:>13.1%} {row['arrayprof']:>9.1%} "
                  f"{diff:>+6.1f} {diff2:>+6.1f}")
    print(f"\n{'cell':<30} {'statement':>9} {'plain':>7} {'arrayprof':>10} {'diff':>6}")
    for name, result in cells.items():
        for row in result["statements"]:
            print(f"{name:<30} {row['statement']:>9} {row['plain']:>6.1%} {row['arrayprof']:>9.1%} "
                  f"{(row['arrayprof'] - row['plain']) * 100:>+6.1f}")
    for key, what in (("ok", "line_profiler"), ("ok_less_overhead", "line_profiler less its cost"),
                      ("ok_statements", "plain timing, per top-level statement")):
        verdict = all(result[key] for result in cells.values())
        print(f"every line above {THRESHOLD:.0%} within {TOLERANCE * 100:.0f} points of {what}: "
              f"{'yes' if verdict else 'NO'}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
