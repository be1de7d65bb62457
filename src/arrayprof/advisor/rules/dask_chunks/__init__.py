"""Rules of category ``dask-chunks`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.dask_chunks import (
    chunks_too_large,
    chunks_too_small,
)

RULES: tuple[Rule, ...] = (
    chunks_too_large.RULE,
    chunks_too_small.RULE,
)
