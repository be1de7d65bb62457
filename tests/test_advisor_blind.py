"""The advisor on the blind batch (tests/advisor_blind_cases.py): cells written before reading the
rules, in notebook styles unlike the other batches, and near misses that must stay quiet.

Scoring follows shared/examples/README.md: a finding counts when its category matches and its line
is the expected one or the header of a loop around it (or the reverse); a warning in a category
the case does not expect is a false alarm; a case's ``expect-not`` categories are silent
altogether.  Every rewrite offered is verified: equivalent ones equal on copies of the inputs,
fixes with their check confirmed.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import arrayprof
import arrayprof.advisor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from advisor_blind_cases import BLIND as CASES

# Rewrites that cannot be verified by design, with the reason the report must give.
UNVERIFIABLE: dict[tuple[str, str], str] = {
    # rebuilding ``table`` re-runs ``load_table()``, a function outside NumPy
    ("b_vp_first_column_del", "view-pins-base"): "outside NumPy",
}


def parse(text: str) -> tuple[str, str, list[tuple[str, int]], list[str]]:
    setup, cell = text.split("# --- cell ---\n", 1)
    expects = [(c.strip(), int(n)) for m in re.finditer(r"#\s*expect:\s*(.+)", setup)
               for c, n in (item.strip().split("@") for item in m.group(1).split(","))]
    expect_not = re.findall(r"#\s*expect-not:\s*(\S+)", setup)
    return setup, cell, expects, expect_not


def run(name: str) -> tuple[arrayprof.report.Report, str, list, list]:
    setup, cell, expects, expect_not = parse(CASES[name])
    namespace: dict = {}
    exec(setup, namespace)
    return arrayprof.profile(cell, namespace), cell, expects, expect_not


def lines_around(cell: str, lineno: int) -> set[int]:
    """The expected line, the headers of loops around it, and every line of a loop it heads."""
    lines = {lineno}
    for node in ast.walk(ast.parse(cell)):
        if isinstance(node, ast.For | ast.While):
            if node.lineno <= lineno <= (node.end_lineno or node.lineno):
                lines.add(node.lineno)
            if node.lineno == lineno:
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_blind_case(name: str) -> None:
    report, cell, expects, expect_not = run(name)
    findings = report.findings
    assert report.error is None, report.error
    assert not [n for n in report.notes if "failed" in n], report.notes
    for category, lineno in expects:
        around = lines_around(cell, lineno)
        assert any(f.category == category and f.lineno in around for f in findings), (
            f"{category}@{lineno} missing from {[(f.category, f.lineno) for f in findings]}")
    for category in expect_not:
        assert not [f for f in findings if f.category == category], (
            f"near miss {category} reported: {[(f.category, f.lineno) for f in findings]}")
    expected = {c for c, _ in expects}
    alarms = [(f.category, f.lineno, f.severity) for f in findings
              if f.severity != "info" and f.category not in expected]
    assert not alarms, f"unexpected warnings {alarms}"
    for found in findings:
        rewrite = found.rewrite
        if rewrite is None:
            continue
        reason = UNVERIFIABLE.get((name, found.category))
        if reason is not None:
            assert not rewrite.verified and reason in rewrite.check, rewrite.check
            continue
        if not rewrite.verified and "budget" in rewrite.check:
            continue  # a loaded machine can run out of the per-cell time budget; it says so
        assert rewrite.verified, f"{found.category}: {rewrite.check}"
        assert rewrite.speedup is not None and rewrite.peak_bytes_before is not None
        assert rewrite.compared, found.category
        if rewrite.kind == "equivalent":
            assert rewrite.equal, f"{found.category}: {rewrite.check}"
        else:
            assert rewrite.kind == "fix" and rewrite.check, found.category
            assert not rewrite.check.startswith("not verified"), rewrite.check
            assert "still differs" not in rewrite.check, rewrite.check


def test_every_category_has_two_positives_and_near_misses_are_silent() -> None:
    from arrayprof.report import CATEGORIES

    counts = {c: 0 for c in CATEGORIES}
    for text in CASES.values():
        for category, _ in parse(text)[2]:
            counts[category] += 1
    assert min(counts.values()) >= 2, counts
    quiet = [name for name in CASES if not parse(CASES[name])[2]]
    assert len(quiet) >= 12
    for name in quiet:
        report, *_ = run(name)
        assert not [f for f in report.findings if f.severity != "info"], (
            name, [(f.category, f.lineno, f.severity) for f in report.findings])
