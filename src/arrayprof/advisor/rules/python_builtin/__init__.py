"""Rules of category ``python-builtin`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.python_builtin import python_builtin

RULES: tuple[Rule, ...] = (
    python_builtin.RULE,
)
