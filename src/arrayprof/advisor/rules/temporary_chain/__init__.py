"""Rules of category ``temporary-chain`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.temporary_chain import chain_of_temporaries

RULES: tuple[Rule, ...] = (chain_of_temporaries.RULE,)
