"""Rules of category ``view-mutation`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.view_mutation import write_through_view

RULES: tuple[Rule, ...] = (write_through_view.RULE,)
