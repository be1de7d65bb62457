"""What a rule is: a value (issue 12, part 1).

A rule is one module under ``advisor/rules/<category>/`` that binds ``RULE``: its name, its
category, its documentation (what it finds, why it costs, an example with its rewrite, the near
misses it leaves alone; ``docs/rules.md`` and ``arrayprof rules`` are generated from these) and
its check.  A check reads the report and the cell's context and returns findings whose cost and
verification travel on them (`facts.finding`, `verify`); it imports machinery modules only,
never another rule, so a rule can be read, changed and tested on its own
(tests/rules/test_rule_<name>.py holds its positives and near misses).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

Check = Callable[[Report, CellContext], list[Finding]]
RewriteKind = Literal["equivalent", "fix", "none"]


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue: documentation and check side by side."""

    name: str  # kebab-case, unique in the catalogue: "argsort-then-slice"
    category: str  # a report category (arrayprof.report.CATEGORIES)
    finds: str  # what it finds
    why: str  # why that costs
    example: str  # the pattern, a line "->", the rewrite (or "(no rewrite)")
    near_misses: str  # what looks alike and is left alone
    rewrite: RewriteKind  # the kind of rewrite it offers
    check: Check

    def __call__(self, report: Report, context: CellContext) -> list[Finding]:
        return self.check(report, context)

    @property
    def __name__(self) -> str:  # failures are reported by rule name
        return self.name
