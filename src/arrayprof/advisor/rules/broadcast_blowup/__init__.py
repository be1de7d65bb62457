"""Rules of category ``broadcast-blowup`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.broadcast_blowup import accidental_outer_product, broadcast_blowup

RULES: tuple[Rule, ...] = (accidental_outer_product.RULE, broadcast_blowup.RULE)
