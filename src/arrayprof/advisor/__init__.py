"""The advisor: rules that read a report and the cell's AST and emit findings.

Each rule family lives in its own module and registers its rules with `rule`; `advise()` runs them
all, isolates their failures, and orders the findings by line.
"""

from __future__ import annotations

from collections.abc import Callable

from arrayprof.report import Finding, Report
from arrayprof.session import CellContext

Rule = Callable[[Report, CellContext], list[Finding]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    RULES.append(function)
    return function


def advise(report: Report, context: CellContext, *, verify: bool = True) -> list[Finding]:
    findings: list[Finding] = []
    for check in RULES:
        try:
            findings.extend(check(report, context))
        except Exception as exc:
            report.notes.append(f"arrayprof: rule {check.__name__} failed: {exc}")
    findings.sort(key=lambda f: (f.lineno or 0, f.category))
    return findings
