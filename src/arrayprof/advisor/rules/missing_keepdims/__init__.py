"""Rules of category ``missing-keepdims`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.missing_keepdims import reduction_without_keepdims

RULES: tuple[Rule, ...] = (reduction_without_keepdims.RULE,)
