"""Rule inv-matmul (advisor/rules/api_misuse/inv_matmul.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'inv_matmul_operator': '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(10).random((200, 200)) + 200 * np.eye(200)
b = np.ones(200)
# --- cell ---
x = np.linalg.inv(A) @ b
''',
    'inv_dot_method_imported': '''# expect: api-misuse@1
import numpy as np
from numpy.linalg import inv
A = np.random.default_rng(28).random((200, 200)) + 200 * np.eye(200)
y = np.ones(200)
# --- cell ---
sol = inv(A).dot(y)
''',
    'inv_np_matmul_call': '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(246).random((200, 200)) + 200 * np.eye(200)
b = np.random.default_rng(247).random(200)
# --- cell ---
x = np.matmul(np.linalg.inv(A), b)
''',
    'inv_normal_equations_chain': '''# expect: api-misuse@1
import numpy as np
from numpy.linalg import inv as inverse
X = np.random.default_rng(162).random((500, 40))
y = np.random.default_rng(163).random(500)
# --- cell ---
beta = inverse(X.T @ X) @ X.T @ y
''',
}

NEAR_MISSES: dict[str, str] = {
    'inverse_used_twice': '''# expect-not: api-misuse
import numpy as np
C = np.random.default_rng(319).random((200, 200)) + 200 * np.eye(200)
a = np.random.default_rng(320).random(200)
b = np.random.default_rng(321).random(200)
# --- cell ---
Ci = np.linalg.inv(C)
mahal_a = a @ Ci @ a
mahal_b = b @ Ci @ b
''',
    'solve_already_and_inverse_kept': '''# expect-not: api-misuse
import numpy as np
X = np.random.default_rng(184).random((500, 50))
y = np.random.default_rng(185).random(500)
cov = np.cov(X, rowvar=False) + np.eye(50)
# --- cell ---
coef = np.linalg.solve(X.T @ X, X.T @ y)
precision = np.linalg.inv(cov)
''',
    'vector_times_inverse': '''# expect-not: api-misuse
import numpy as np
C = np.random.default_rng(322).random((200, 200)) + 200 * np.eye(200)
a = np.random.default_rng(323).random(200)
# --- cell ---
row = a @ np.linalg.inv(C)
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
