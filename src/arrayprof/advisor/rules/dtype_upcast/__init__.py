"""Rules of category ``dtype-upcast`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.dtype_upcast import silent_promotion

RULES: tuple[Rule, ...] = (
    silent_promotion.RULE,
)
