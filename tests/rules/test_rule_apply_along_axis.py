"""Rule apply-along-axis (advisor/rules/python_loop/apply_along_axis.py): np.apply_along_axis
calling a Python function once per slice, 1,000 slices or more."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # a lambda per row: no rewrite derived, the calls are the cost
    "lambda_per_row": """# expect: python-loop@1
import numpy as np
feats = np.random.default_rng(64).random((5_000, 12))
# --- cell ---
ranges = np.apply_along_axis(lambda row: row.max() - row.min(), 1, feats)
""",
    # new: a NumPy reduction per row, rewritten as the reduction with axis=
    "numpy_reduction_per_row": """# expect: python-loop@1
import numpy as np
X = np.random.default_rng(611).random((4_000, 6))
# --- cell ---
m = np.apply_along_axis(np.mean, 1, X)
""",
    # new: along axis 0 of a wide array, a function the cell defines
    "cell_function_per_column": """# expect: python-loop@4
import numpy as np
W = np.random.default_rng(612).random((5, 3_000))
# --- cell ---
def spread(col):
    return col.std() / (col.mean() + 1.0)

s = np.apply_along_axis(spread, 0, W)
""",
}

NEAR_MISSES: dict[str, str] = {
    # a few long rows: the per-call overhead is nothing next to the work
    "few_long_rows": """# expect-not: python-loop
import numpy as np
series = np.random.default_rng(65).random((8, 50_000))
# --- cell ---
medians = np.apply_along_axis(np.median, 1, series)
""",
    # new: under 1,000 slices
    "hundreds_of_rows": """# expect-not: python-loop
import numpy as np
X = np.random.default_rng(613).random((600, 10))
# --- cell ---
m = np.apply_along_axis(np.mean, 1, X)
""",
    # new: the reduction called with axis= already
    "reduction_with_axis": """# expect-not: python-loop
import numpy as np
X = np.random.default_rng(614).random((4_000, 6))
# --- cell ---
m = np.mean(X, axis=1)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
