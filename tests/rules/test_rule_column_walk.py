"""Positives and near misses of the rule column-walk (non-contiguous;
advisor/rules/non_contiguous/column_walk.py). Nested loops whose inner index walks the axis with the
larger stride; row-major walks and column walks of Fortran-ordered arrays stay quiet. Cases marked
'from <group>' are copied from the advisor batches (tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from unseen
    "nc_column_major_scalar_walk": """# expect: python-loop@3, non-contiguous@5
import numpy as np
img = np.random.default_rng(160).random((300, 300))
# --- cell ---
rows, cols = img.shape
total = 0.0
for j in range(cols):
    for i in range(rows):
        total += img[i, j]
""",
    "column_major_copy": """# expect: python-loop@2, non-contiguous@4
import numpy as np
A = np.random.default_rng(20).random((200, 200))
# --- cell ---
B = np.empty_like(A)
for j in range(200):
    for i in range(200):
        B[i, j] = A[i, j] * 2.0
""",
}

NEAR_MISSES: dict[str, str] = {
    "row_major_walk": """# expect: python-loop@2
# expect-not: non-contiguous
import numpy as np
img = np.random.default_rng(21).random((300, 300))
# --- cell ---
total = 0.0
for i in range(300):
    for j in range(300):
        total += img[i, j]
""",
    "fortran_column_walk": """# expect: python-loop@2
# expect-not: non-contiguous
import numpy as np
img = np.asfortranarray(np.random.default_rng(22).random((300, 300)))
# --- cell ---
total = 0.0
for j in range(300):
    for i in range(300):
        total += img[i, j]
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
