"""Rule inverse-kept (advisor/rules/api_misuse/inverse_kept.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'inverse_on_its_own_line': '''# expect: api-misuse@1
import numpy as np
K = np.random.default_rng(165).random((200, 200)) + 200 * np.eye(200)
targets = np.random.default_rng(166).random(200)
# --- cell ---
K_inv = np.linalg.inv(K)
alpha = K_inv @ targets
''',
    'inverse_then_dot_later': '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(167).random((200, 200)) + 200 * np.eye(200)
b = np.random.default_rng(168).random(200)
# --- cell ---
Ainv = np.linalg.inv(A)
scale = 2.0
x = Ainv.dot(b) * scale
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
x = Ci @ a
y = Ci @ b
''',
    'inverse_kept_unused': '''# expect-not: api-misuse
import numpy as np
cov = np.random.default_rng(322).random((200, 200)) + 200 * np.eye(200)
# --- cell ---
precision = np.linalg.inv(cov)
''',
    'inverse_read_otherwise': '''# expect-not: api-misuse
import numpy as np
C = np.random.default_rng(323).random((200, 200)) + 200 * np.eye(200)
a = np.random.default_rng(324).random(200)
# --- cell ---
Ci = np.linalg.inv(C)
d = np.diag(Ci).copy()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
