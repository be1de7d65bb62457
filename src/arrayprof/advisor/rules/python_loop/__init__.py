"""Rules of category ``python-loop`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.python_loop import (
    apply_along_axis,
    nested_comprehension,
    python_loop,
)

RULES: tuple[Rule, ...] = (
    python_loop.RULE,
    apply_along_axis.RULE,
    nested_comprehension.RULE,
)
