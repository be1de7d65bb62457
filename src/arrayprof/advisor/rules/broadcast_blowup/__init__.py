"""Rules of category ``broadcast-blowup`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule

RULES: tuple[Rule, ...] = ()
