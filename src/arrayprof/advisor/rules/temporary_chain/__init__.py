"""Rules of category ``temporary-chain`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.temporary_chain import (
    chain_of_temporaries,
    dask_chunk_temporaries,
)

# the Dask rule after the NumPy ones of this category (as before the split: on one line
# the first rule's finding is kept)
RULES: tuple[Rule, ...] = (chain_of_temporaries.RULE,
                            dask_chunk_temporaries.RULE)
