"""Rules of category ``missing-keepdims`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.missing_keepdims import missing_keepdims

RULES: tuple[Rule, ...] = (missing_keepdims.RULE,)
