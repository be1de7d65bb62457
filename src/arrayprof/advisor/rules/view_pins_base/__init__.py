"""Rules of category ``view-pins-base`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.view_pins_base import (
    container_of_views,
    view_of_dropped_base,
)

RULES: tuple[Rule, ...] = (
    view_of_dropped_base.RULE,
    container_of_views.RULE,
)
