"""Rule sort-then-slice (advisor/rules/api_misuse/sort_then_slice.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'argsort_tail_top_n': '''# expect: api-misuse@2
import numpy as np
z = np.random.default_rng(540).random(20_000)
# --- cell ---
n = 10
top = np.argsort(z)[-n:]
''',
    'sort_then_tail_values': '''# expect: api-misuse@1
import numpy as np
scores = np.random.default_rng(541).random(20_000)
# --- cell ---
largest = np.sort(scores)[-20:]
''',
    'argsort_reversed_head': '''# expect: api-misuse@1
import numpy as np
z = np.random.default_rng(542).random(20_000)
# --- cell ---
best = z.argsort()[::-1][:5]
''',
    'sort_head_smallest': '''# expect: api-misuse@1
import numpy as np
d = np.random.default_rng(543).random(20_000)
# --- cell ---
nearest = np.sort(d)[:8]
''',
}

NEAR_MISSES: dict[str, str] = {
    'argpartition_already': '''# expect-not: api-misuse
import numpy as np
z = np.random.default_rng(512).random(20_000)
n = 10
# --- cell ---
idx = np.argpartition(z, -n)[-n:]
idx = idx[np.argsort(z[idx])]
best = z[idx]
''',
    'small_array': '''# expect-not: api-misuse
import numpy as np
z = np.random.default_rng(513).random(5_000)
# --- cell ---
top = np.argsort(z)[-10:]
''',
    'most_of_the_array': '''# expect-not: api-misuse
import numpy as np
z = np.random.default_rng(514).random(20_000)
# --- cell ---
upper = np.sort(z)[-5_000:]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
