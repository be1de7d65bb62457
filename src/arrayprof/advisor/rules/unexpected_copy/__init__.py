"""Rules of category ``unexpected-copy`` (see docs/rules.md); one rule per module, listed in run order."""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.unexpected_copy import (
    array_of_array,
    astype_same_dtype,
    fancy_index_range,
    flatten_copy,
    tile_to_broadcast,
)

RULES: tuple[Rule, ...] = (
    fancy_index_range.RULE,
    flatten_copy.RULE,
    astype_same_dtype.RULE,
    array_of_array.RULE,
    tile_to_broadcast.RULE,
)
