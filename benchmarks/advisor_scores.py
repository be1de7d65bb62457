"""Per-category precision and recall of the advisor over tests/cases/examples, the style cases in
tests/advisor_style_cases.py and the unseen-style cases (and the held-out batch) in
tests/advisor_unseen_cases.py, plus the speedups verification measured.

Scoring follows tests/cases/examples/README.md: a finding counts when its category matches and its line
is the expected line or the header of a loop around it (or the reverse); a warning or error in a
category the case does not expect is a false alarm; info findings are free, except in an
`expect-not` category where any finding is a failure.

    python benchmarks/advisor_scores.py [GROUP ...]

groups: examples, styles, unseen, heldout, third, fourth, blind (default: all).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from arrayprof.report import CATEGORIES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from advisor_blind_cases import BLIND  # noqa: E402
from advisor_harness import lines_around, run_case  # noqa: E402
from advisor_style_cases import CASES  # noqa: E402
from advisor_unseen_cases import CASES as UNSEEN  # noqa: E402
from advisor_unseen_cases import FOURTH, HELD_OUT, THIRD  # noqa: E402

GROUPS = ("examples", "styles", "unseen", "heldout", "third", "fourth", "blind")


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
    return out


def main(groups: tuple[str, ...] = GROUPS) -> None:
    tally: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0}))
    speedups: list[tuple[str, str, str, float, int | None, int | None]] = []
    failures: list[str] = []
    for group, name, text in cases(groups):
        report, cell, expects, expect_not = run_case(text)
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
    print("\n== problems" if failures else "\nno misses, no false alarms")
    for line in failures:
        print("  " + line)


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or GROUPS)
