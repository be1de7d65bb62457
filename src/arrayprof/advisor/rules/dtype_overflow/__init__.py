"""Rules of category ``dtype-overflow`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.dtype_overflow import (
    float16_loss,
    integer_wraparound,
    narrowing_cast,
    nonfinite_int_cast,
)

RULES: tuple[Rule, ...] = (
    integer_wraparound.RULE,
    narrowing_cast.RULE,
    nonfinite_int_cast.RULE,
    float16_loss.RULE,
)
