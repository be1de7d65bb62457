"""Rules of category ``broadcast-blowup`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.broadcast_blowup import accidental_outer_product, reduced_outer_product

RULES: tuple[Rule, ...] = (accidental_outer_product.RULE, reduced_outer_product.RULE)
