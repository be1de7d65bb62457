"""Positives and near misses of the rule strided-iteration (non-contiguous;
advisor/rules/non_contiguous/strided_iteration.py). Loops over the items of a transposed array
(columns of the buffer); loops over rows and over a contiguous copy stay quiet. Cases marked 'from
<group>' are copied from the advisor batches (tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from unseen
    "nc_iterate_transpose_methods": """# expect: python-loop@2, non-contiguous@2
import numpy as np
table = np.random.default_rng(161).random((2000, 1500))
# --- cell ---
spreads = []
for col in table.T:
    spreads.append(col.max() - col.min())
""",
    # from blind
    "b_nc_enumerate_transpose": """# expect: non-contiguous@2
import numpy as np
M = np.random.default_rng(62).random((3000, 3000))
# --- cell ---
col_max = np.empty(M.shape[1])
for j, col in enumerate(M.T):
    col_max[j] = col.max()
""",
    "np_transpose_features": """# expect: non-contiguous@2
import numpy as np
X = np.random.default_rng(23).random((1000, 400))
# --- cell ---
norms = []
for feature in np.transpose(X):
    norms.append(float(feature @ feature))
""",
}

NEAR_MISSES: dict[str, str] = {
    "rows_of_c_array": """# expect-not: non-contiguous
import numpy as np
X = np.random.default_rng(24).random((400, 1000))
# --- cell ---
norms = []
for row in X:
    norms.append(float(row @ row))
""",
    "contiguous_copy_of_transpose": """# expect-not: non-contiguous
import numpy as np
X = np.random.default_rng(25).random((1000, 400))
# --- cell ---
XT = np.ascontiguousarray(X.T)
norms = []
for feature in XT:
    norms.append(float(feature @ feature))
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
