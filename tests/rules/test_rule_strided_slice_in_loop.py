"""Positives and near misses of the rule strided-slice-in-loop (non-contiguous;
advisor/rules/non_contiguous/strided_slice_in_loop.py). Slices taking a loop index whose elements
are a cache line apart, read on every pass; Fortran-ordered columns and strided slices read once
stay quiet. Cases marked 'from <group>' are copied from the advisor batches
(tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from examples
    "non_contiguous": """# expect: non-contiguous@3, python-loop@2
import numpy as np
M = np.random.default_rng(9).random((3000, 3000))
# --- cell ---
col_sums = np.empty(3000)
for j in range(3000):
    col_sums[j] = M[:, j].sum()
""",
    # from blind
    "b_nc_column_std_comprehension": """# expect: python-loop@1, non-contiguous@1
import numpy as np
returns = np.random.default_rng(33).normal(0.0, 0.01, (3000, 2500))
# --- cell ---
vol = np.array([returns[:, k].std() for k in range(returns.shape[1])])
""",
    # from blind
    "b_nc_while_over_columns": """# expect: python-loop@3, non-contiguous@4
import numpy as np
M = np.random.default_rng(63).random((3000, 3000))
# --- cell ---
j = 0
spread = np.empty(3000)
while j < 3000:
    spread[j] = M[:, j].max() - M[:, j].min()
    j += 1
""",
}

NEAR_MISSES: dict[str, str] = {
    # from heldout
    "h_ok_column_read_once": """# expect-not: non-contiguous
# expect-not: python-loop
import numpy as np
M = np.random.default_rng(259).random((3000, 3000))
# --- cell ---
first = M[:, 0].copy()
colmeans = M.mean(axis=0)
""",
    # from unseen
    "ok_fortran_columns": """# expect: python-loop@3
# expect-not: non-contiguous
import numpy as np
M = np.random.default_rng(187).random((1500, 1500))
# --- cell ---
F = np.asfortranarray(M)
col_max = np.empty(F.shape[1])
for j in range(F.shape[1]):
    col_max[j] = F[:, j].max()
""",
    # from third
    "t_ok_strided_once": """# expect-not: non-contiguous
import numpy as np
M = np.random.default_rng(324).random((3000, 3000))
# --- cell ---
every_other = M[:, ::2].sum()
col = M[:, 7].mean()
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
