"""Rule count-by-listing (advisor/rules/api_misuse/count_by_listing.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'len_of_where': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(556).normal(size=100_000)
# --- cell ---
n_pos = len(np.where(x > 0)[0])
''',
    'where_shape_zero': '''# expect: api-misuse@1
import numpy as np
temps = np.random.default_rng(167).normal(25.0, 5.0, 100_000)
# --- cell ---
n_hot = np.where(temps > 30)[0].shape[0]
''',
    'len_of_mask_selection': '''# expect: api-misuse@1
import numpy as np
prices = np.random.default_rng(248).random(100_000)
# --- cell ---
n_cheap = len(prices[prices < 0.1])
''',
    'flatnonzero_size': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(249).random(100_000)
# --- cell ---
n_big = np.flatnonzero(x > 0.9).size
''',
}

NEAR_MISSES: dict[str, str] = {
    'indices_used_afterwards': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(323).random(100_000)
# --- cell ---
idx = np.where(x > 0.99)[0]
picked = x[idx]
n_picked = idx.size
''',
    'count_nonzero_already': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(324).random(100_000)
# --- cell ---
n_big = np.count_nonzero(x > 0.9)
''',
    'rows_selected_by_a_1d_mask': '''# expect-not: api-misuse
import numpy as np
M = np.random.default_rng(325).random((1_000, 20))
# --- cell ---
n_rows = len(M[M[:, 0] > 0.5])
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
