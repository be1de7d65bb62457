"""Rules of category ``dask-compute`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.dask_compute import (
    large_compute,
)

RULES: tuple[Rule, ...] = (
    large_compute.RULE,
)
