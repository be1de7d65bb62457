"""Rule diagonal-of-product (advisor/rules/api_misuse/diagonal_of_product.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'diag_of_dot': '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(543)
A = rng.random((200, 80))
B = rng.random((80, 200))
# --- cell ---
d = np.diag(np.dot(A, B)).copy()
''',
    'diagonal_method_of_gram': '''# expect: api-misuse@1
import numpy as np
X = np.random.default_rng(544).random((200, 50))
# --- cell ---
sq = (X @ X.T).diagonal().copy()
''',
    'trace_of_product': '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(408).random((200, 80))
B = np.random.default_rng(409).random((80, 200))
# --- cell ---
t = np.trace(A @ B)
''',
}

NEAR_MISSES: dict[str, str] = {
    'product_under_100': '''# expect-not: api-misuse
import numpy as np
A = np.random.default_rng(410).random((60, 30))
B = np.random.default_rng(411).random((30, 60))
# --- cell ---
d = np.diag(A @ B).copy()
''',
    'non_square_result': '''# expect-not: api-misuse
import numpy as np
A = np.random.default_rng(412).random((200, 80))
B = np.random.default_rng(413).random((80, 150))
# --- cell ---
d = np.diag(A @ B).copy()
''',
    'diagonal_of_one_matrix': '''# expect-not: api-misuse
import numpy as np
C = np.random.default_rng(414).random((200, 200))
# --- cell ---
d = np.diag(C).copy()
t = np.trace(C)
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
