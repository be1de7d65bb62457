"""The rule catalogue: one rule per module, grouped by category in one package per category.

``RULES`` is every rule in run order (categories in `arrayprof.report.CATEGORIES` order, each
package listing its own modules).  Where two rules of one category speak of the same line, the
first one's finding is kept (`advisor.dedupe`).
"""

from __future__ import annotations

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules import (
    api_misuse,
    broadcast_blowup,
    dask_chunks,
    dask_compute,
    dtype_overflow,
    dtype_upcast,
    growing_array,
    missing_keepdims,
    non_contiguous,
    np_vectorize,
    object_dtype,
    python_builtin,
    python_loop,
    temporary_chain,
    unexpected_copy,
    view_mutation,
    view_pins_base,
)

CATEGORY_PACKAGES = (python_loop, np_vectorize, python_builtin, growing_array, broadcast_blowup,
                     missing_keepdims, temporary_chain, unexpected_copy, view_pins_base,
                     view_mutation, dtype_upcast, dtype_overflow, object_dtype, non_contiguous,
                     api_misuse, dask_chunks, dask_compute)

RULES: tuple[Rule, ...] = tuple(r for package in CATEGORY_PACKAGES for r in package.RULES)

__all__ = ["CATEGORY_PACKAGES", "RULES", "Rule"]
