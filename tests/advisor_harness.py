"""What the advisor case tests share: reading a case's header, running it, and scoring it as
cases/examples/README.md says (a finding counts when its category matches and its line is the
expected one or the header of a loop around it, or the reverse; a warning in a category the case
does not expect is a false alarm; `expect-not` categories are silent altogether; every rewrite
offered is verified: equivalent ones equal on copies of the inputs, fixes with their check)."""

from __future__ import annotations

import ast

import case_format

import arrayprof
from arrayprof.report import Report


def parse(text: str) -> tuple[str, str, list[tuple[str, int]], list[str]]:
    """(setup, cell, [(category, line)] expected, categories expected absent)."""
    case = case_format.parse(text)
    return case.setup, case.cell, case.expects, case.expect_nots


def run_case(text: str) -> tuple[Report, str, list[tuple[str, int]], list[str]]:
    """Run the setup plainly, then profile the cell in the same namespace."""
    setup, cell, expects, expect_not = parse(text)
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


def check_case(name: str, text: str, unverifiable: dict[tuple[str, str], str],
               may_raise: bool = False) -> None:
    """Assert everything a case's header asks, and that every rewrite offered was verified
    (`unverifiable`: (case, category) -> the reason the report must give instead)."""
    report, cell, expects, expect_not = run_case(text)
    findings = report.findings
    assert report.error is None or may_raise, report.error
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
        reason = unverifiable.get((name, found.category))
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
