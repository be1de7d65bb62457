"""Rule sum-of-product (advisor/rules/api_misuse/sum_of_product.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'sum_method_of_matmul': '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(545)
A = rng.random((200, 200))
B = rng.random((200, 200))
# --- cell ---
total = (A @ B).sum()
''',
    'np_sum_of_dot': '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(546)
A = rng.random((200, 150))
B = rng.random((150, 300))
# --- cell ---
total = np.sum(np.dot(A, B))
''',
}

NEAR_MISSES: dict[str, str] = {
    'sum_along_an_axis': '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(547)
A = rng.random((200, 200))
B = rng.random((200, 200))
# --- cell ---
rows = (A @ B).sum(axis=1)
''',
    'product_under_100': '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(548)
A = rng.random((50, 50))
B = rng.random((50, 50))
# --- cell ---
total = (A @ B).sum()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
