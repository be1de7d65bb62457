"""Rules of category ``broadcast-blowup`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.broadcast_blowup import (
    accidental_outer_product,
    dask_chunk_broadcast,
    reduced_outer_product,
)

# the Dask rule after the NumPy ones of this category (as before the split: on one line
# the first rule's finding is kept)
RULES: tuple[Rule, ...] = (accidental_outer_product.RULE, reduced_outer_product.RULE,
                            dask_chunk_broadcast.RULE)
