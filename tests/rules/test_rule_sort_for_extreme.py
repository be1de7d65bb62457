"""Rule sort-for-extreme (advisor/rules/api_misuse/sort_for_extreme.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'sort_for_min': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(557).random(100_000)
# --- cell ---
smallest = np.sort(x)[0]
''',
    'sort_for_max': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(558).random(100_000)
# --- cell ---
largest = np.sort(x)[-1]
''',
}

NEAR_MISSES: dict[str, str] = {
    'sort_for_median': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(559).random(100_001)
# --- cell ---
median = np.sort(x)[len(x) // 2]
''',
    'max_already': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(560).random(100_000)
# --- cell ---
largest = np.max(x)
''',
    'last_row_of_a_2d_sort': '''# expect-not: api-misuse
import numpy as np
M = np.random.default_rng(561).random((300, 300))
# --- cell ---
last = np.sort(M)[-1]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
