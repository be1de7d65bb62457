"""Rule pinv-matmul (advisor/rules/api_misuse/pinv_matmul.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'pinv_times_vector': '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(198).random((400, 30))
b = np.random.default_rng(199).random(400)
# --- cell ---
coef = np.linalg.pinv(A) @ b
''',
    'pinv_imported_times_matrix': '''# expect: api-misuse@1
import numpy as np
from numpy.linalg import pinv
A = np.random.default_rng(200).random((400, 30))
B = np.random.default_rng(201).random((400, 3))
# --- cell ---
coefs = pinv(A) @ B
''',
}

NEAR_MISSES: dict[str, str] = {
    'lstsq_already': '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(525)
t = np.linspace(0, 1, 5_000)
y = 3 * t ** 2 - t + rng.normal(0, 0.1, t.size)
# --- cell ---
A = np.vander(t, 3)
coef, *_ = np.linalg.lstsq(A, y, rcond=None)
fit = A @ coef
''',
    'pinv_kept_for_many': '''# expect-not: api-misuse
import numpy as np
A = np.random.default_rng(202).random((400, 30))
b1 = np.random.default_rng(203).random(400)
b2 = np.random.default_rng(204).random(400)
# --- cell ---
P = np.linalg.pinv(A)
c1 = P @ b1
c2 = P @ b2
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
