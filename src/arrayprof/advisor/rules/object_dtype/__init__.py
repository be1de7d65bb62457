"""Rules of category ``object-dtype`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.object_dtype import none_gaps, object_numbers

RULES: tuple[Rule, ...] = (
    none_gaps.RULE,
    object_numbers.RULE,
)
