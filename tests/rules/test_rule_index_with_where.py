"""Rule index-with-where (advisor/rules/api_misuse/index_with_where.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'where_mask_index': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(196).random(100_000)
# --- cell ---
big = x[np.where(x > 0.5)]
''',
    'nonzero_named_mask_2d': '''# expect: api-misuse@2
import numpy as np
M = np.random.default_rng(197).random((300, 300))
# --- cell ---
mask = M > 0.5
picked = M[np.nonzero(mask)]
''',
}

NEAR_MISSES: dict[str, str] = {
    'three_argument_where': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(198).random(100_000)
# --- cell ---
clipped = np.where(x > 0.5, x, 0.0)
''',
    'rows_by_a_1d_mask': '''# expect-not: api-misuse
import numpy as np
M = np.random.default_rng(199).random((1_000, 20))
# --- cell ---
rows = M[np.where(M[:, 0] > 0.5)]
''',
    'indices_kept': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(200).random(100_000)
# --- cell ---
idx = np.where(x > 0.99)[0]
picked = x[idx]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
