"""Rules of category ``dtype-overflow`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule

RULES: tuple[Rule, ...] = ()
