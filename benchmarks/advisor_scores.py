"""Per-category precision and recall of the advisor over tests/cases/examples, the style cases in
tests/advisor_style_cases.py, the unseen-style cases (and the held-out batch) in
tests/advisor_unseen_cases.py, the blind batch and the fifth batch (tests/advisor_batch5_cases.py),
plus the speedups verification measured and the advisor's own time per cell.

Scoring follows tests/cases/examples/README.md: a finding counts when its category matches and its line
is the expected line or the header of a loop around it (or the reverse); a warning or error in a
category the case does not expect is a false alarm; info findings are free, except in an
`expect-not` category where any finding is a failure.

    python benchmarks/advisor_scores.py [--times] [GROUP ...]

groups: examples, styles, unseen, heldout, third, fourth, blind, batch5 (default: all).

Advisor time: each cell is profiled twice, with verification off (the rules alone: what the
advisor costs a cell in automatic mode) and on; the advisor's part is timed around
`arrayprof.api.advise`, the cell's own run around the plain `exec` of the cell.  Per group the
median and maximum are printed; `--times` prints every cell.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import arrayprof
import arrayprof.api
from arrayprof.report import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from advisor_batch5_cases import BATCH5  # noqa: E402
from advisor_blind_cases import BLIND  # noqa: E402
from advisor_harness import lines_around, parse  # noqa: E402
from advisor_style_cases import CASES  # noqa: E402
from advisor_unseen_cases import CASES as UNSEEN  # noqa: E402
from advisor_unseen_cases import FOURTH, HELD_OUT, THIRD  # noqa: E402

GROUPS = ("examples", "styles", "unseen", "heldout", "third", "fourth", "blind", "batch5")


def cases(groups: tuple[str, ...] = GROUPS) -> list[tuple[str, str, str]]:
    out = []
    examples = ROOT / "tests" / "cases" / "examples"
    if "examples" in groups:
        for path in sorted(examples.glob("*.py")):
            out.append(("examples", path.stem, path.read_text()))
    if "styles" in groups:
        for name, text in sorted(CASES.items()):
            out.append(("styles", name, text))
    if "unseen" in groups:
        for name, text in sorted(UNSEEN.items()):
            out.append(("unseen", name, text))
    if "heldout" in groups:
        for name, text in sorted(HELD_OUT.items()):
            out.append(("heldout", name, text))
    if "third" in groups:
        for name, text in sorted(THIRD.items()):
            out.append(("third", name, text))
    if "fourth" in groups:
        for name, text in sorted(FOURTH.items()):
            out.append(("fourth", name, text))
    if "blind" in groups:
        for name, text in sorted(BLIND.items()):
            out.append(("blind", name, text))
    if "batch5" in groups:
        for name, text in sorted(BATCH5.items()):
            out.append(("batch5", name, text))
    return out


class AdviceTimer:
    """Times `arrayprof.api.advise` (what `profile()` calls after the cell ran)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original = arrayprof.api.advise

    def __enter__(self) -> AdviceTimer:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        arrayprof.api.advise = timed
        return self

    def __exit__(self, *exc: object) -> None:
        arrayprof.api.advise = self.original


def measure(text: str) -> tuple[arrayprof.report.Report, str, list, list, dict[str, float]]:
    """The case profiled with verification (scored), plus the cell's plain time, the rules'
    time without verification and the advisor's time with it."""
    setup, cell, expects, expect_not = parse(text)
    times: dict[str, float] = {}
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet:
        namespace: dict = {}
        exec(setup, namespace)
        start = time.perf_counter()
        try:
            exec(cell, namespace)
        except Exception:
            pass
        times["cell"] = time.perf_counter() - start
        for verify in (False, True):
            namespace = {}
            exec(setup, namespace)
            with AdviceTimer() as timer:
                report = arrayprof.profile(cell, namespace, verify=verify)
            times["verified" if verify else "rules"] = timer.seconds
    return report, cell, expects, expect_not, times


def main(groups: tuple[str, ...] = GROUPS, show_times: bool = False) -> None:
    tally: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0}))
    speedups: list[tuple[str, str, str, float, int | None, int | None]] = []
    failures: list[str] = []
    timings: list[tuple[str, str, dict[str, float]]] = []
    # the fifth batch's halves (issue 12's "Done when"): warnings and fixes on the good cells,
    # recall on the missed patterns, equivalent rewrites that changed a value
    halves = {"good cells": 0, "good warnings": 0, "good fixes": 0, "missed expected": 0,
              "missed found": 0, "unequal equivalents": 0}
    for group, name, text in cases(groups):
        report, cell, expects, expect_not, times = measure(text)
        timings.append((group, name, times))
        if group == "batch5":
            expected = {c for c, _ in expects}
            if name.startswith("g5_"):
                halves["good cells"] += 1
                halves["good warnings"] += sum(1 for f in report.findings if f.severity != "info"
                                               and f.category not in expected)
                halves["good fixes"] += sum(1 for f in report.findings if f.rewrite is not None
                                            and f.rewrite.kind == "fix")
            else:
                for category, lineno in expects:
                    halves["missed expected"] += 1
                    halves["missed found"] += any(
                        f.category == category and f.lineno in lines_around(cell, lineno)
                        for f in report.findings)
            halves["unequal equivalents"] += sum(
                1 for f in report.findings if f.rewrite is not None and
                f.rewrite.kind == "equivalent" and f.rewrite.verified and not f.rewrite.equal)
        for category, lineno in expects:
            hit = any(f.category == category and f.lineno in lines_around(cell, lineno)
                      for f in report.findings)
            for scope in (group, "all"):
                tally[scope][category]["tp" if hit else "fn"] += 1
            if not hit:
                failures.append(f"{group}/{name}: missed {category}@{lineno}")
        expected = {c for c, _ in expects}
        for f in report.findings:
            alarm = (f.category in expect_not) or (f.severity != "info" and
                                                   f.category not in expected)
            if alarm:
                for scope in (group, "all"):
                    tally[scope][f.category]["fp"] += 1
                failures.append(f"{group}/{name}: false alarm {f.category}@{f.lineno} "
                                f"({f.severity})")
            rw = f.rewrite
            if rw is not None and rw.verified and rw.speedup is not None:
                speedups.append((name, f.category, rw.kind, rw.speedup, rw.peak_bytes_before,
                                 rw.peak_bytes_after))
    for scope in (*groups, "all"):
        print(f"\n== {scope}")
        print(f"{'category':18s} {'TP':>3s} {'FN':>3s} {'FP':>3s} {'precision':>9s} "
              f"{'recall':>7s}")
        for category in CATEGORIES:
            row = tally[scope].get(category)
            if row is None:
                continue
            tp, fn, fp = row["tp"], row["fn"], row["fp"]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            print(f"{category:18s} {tp:3d} {fn:3d} {fp:3d} {precision:9.2f} {recall:7.2f}")
    print("\n== speedups measured by verification (best-of-N on copies of the inputs)")
    for name, category, kind, speedup, before, after in sorted(speedups, key=lambda s: -s[3]):
        print(f"{name:24s} {category:18s} {kind:10s} {speedup:9.2f}x  peak "
              f"{before or 0:>12,} -> {after or 0:>12,} bytes")
    if halves["good cells"]:
        print("\n== batch5 halves: " + ", ".join(f"{k} {v}" for k, v in halves.items()))
    print("\n== advisor time per cell, ms (rules: verification off; verified: on; cell: plain)")
    print(f"{'group':10s} {'cells':>5s} {'rules med':>9s} {'rules max':>9s} {'verif med':>9s} "
          f"{'verif max':>9s} {'cell med':>9s}")
    for scope in (*groups, "all"):
        rows = [t for g, _, t in timings if scope in (g, "all")]
        if not rows:
            continue
        def ms(key: str, pick, rows: list[dict[str, float]] = rows) -> float:
            return 1000 * pick([t[key] for t in rows])
        print(f"{scope:10s} {len(rows):5d} {ms('rules', statistics.median):9.2f} "
              f"{ms('rules', max):9.2f} {ms('verified', statistics.median):9.2f} "
              f"{ms('verified', max):9.2f} {ms('cell', statistics.median):9.2f}")
    if show_times:
        for group, name, t in timings:
            print(f"  {group:9s} {name:44s} cell {1000 * t['cell']:8.2f}  rules "
                  f"{1000 * t['rules']:7.2f}  verified {1000 * t['verified']:8.2f}")
    print("\n== problems" if failures else "\nno misses, no false alarms")
    for line in failures:
        print("  " + line)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--times"]
    main(tuple(args) or GROUPS, show_times="--times" in sys.argv[1:])
