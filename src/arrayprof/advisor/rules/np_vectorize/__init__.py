"""Rules of category ``np-vectorize`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.np_vectorize import np_vectorize

RULES: tuple[Rule, ...] = (
    np_vectorize.RULE,
)
