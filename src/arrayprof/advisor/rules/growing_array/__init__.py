"""Rules of category ``growing-array`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.growing_array import growing_array

RULES: tuple[Rule, ...] = (
    growing_array.RULE,
)
