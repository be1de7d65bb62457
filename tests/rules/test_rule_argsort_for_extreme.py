"""Rule argsort-for-extreme (advisor/rules/api_misuse/argsort_for_extreme.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'argsort_last': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(197).random(100_000)
# --- cell ---
imax = np.argsort(x)[-1]
''',
    'argsort_method_first': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(198).random(100_000)
# --- cell ---
imin = x.argsort()[0]
''',
}

NEAR_MISSES: dict[str, str] = {
    'argsort_middle': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(199).random(100_001)
# --- cell ---
imed = np.argsort(x)[len(x) // 2]
''',
    'argmax_already': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(200).random(100_000)
# --- cell ---
imax = np.argmax(x)
''',
    'argsort_2d_first_row': '''# expect-not: api-misuse
import numpy as np
M = np.random.default_rng(201).random((300, 300))
# --- cell ---
first = np.argsort(M)[0]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
