"""Rules of category ``api-misuse`` (see docs/rules.md); one rule per module, listed in run order.

The order is the one the single ``api_misuse`` rule checked its patterns in on each node (a
node matched by two patterns kept the first): where two rules speak of the same line, the
advisor keeps the first one's finding (`advisor.dedupe`).
"""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules.api_misuse import (
    argsort_for_extreme,
    count_by_listing,
    diagonal_of_product,
    index_with_where,
    inv_matmul,
    inverse_kept,
    legacy_random,
    log1p_expm1,
    nan_comparison,
    nan_in_array,
    pinv_matmul,
    sort_for_extreme,
    sort_then_slice,
    sum_of_product,
)

RULES: tuple[Rule, ...] = (
    inv_matmul.RULE,
    nan_comparison.RULE,
    nan_in_array.RULE,
    count_by_listing.RULE,
    sort_for_extreme.RULE,
    log1p_expm1.RULE,
    index_with_where.RULE,
    argsort_for_extreme.RULE,
    pinv_matmul.RULE,
    diagonal_of_product.RULE,
    sort_then_slice.RULE,
    sum_of_product.RULE,
    inverse_kept.RULE,
    legacy_random.RULE,
)
