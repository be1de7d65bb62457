"""Rules of category ``non-contiguous`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.non_contiguous import (
    column_walk,
    strided_iteration,
    strided_slice_in_loop,
)

RULES: tuple[Rule, ...] = (
    strided_slice_in_loop.RULE,
    column_walk.RULE,
    strided_iteration.RULE,
)
