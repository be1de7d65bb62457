"""Positives and near misses of the reduction-without-keepdims rule (category missing-keepdims).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "mk_min_max_scaling": '''# expect: missing-keepdims@1
import numpy as np
X = np.random.default_rng(194).random((600, 600))
# --- cell ---
Y = (X - X.min(1)) / (X.max(1) - X.min(1))
''',
    "h_keepdims_ufunc_call": '''# expect: missing-keepdims@1
import numpy as np
counts = np.random.default_rng(222).random((600, 600)) + 0.1
# --- cell ---
freqs = np.divide(counts, counts.sum(axis=1))
''',
    "h_keepdims_augmented": '''# expect: missing-keepdims@2
import numpy as np
scores = np.random.default_rng(221).random((500, 500))
# --- cell ---
S = scores.copy()
S -= S.mean(axis=1)
''',
}

NEAR_MISSES: dict[str, str] = {
    "axis0_ok": '''# expect-not: missing-keepdims
import numpy as np
D = np.random.default_rng(17).random((2000, 300))
# --- cell ---
Z = (D - D.mean(axis=0)) / D.std(axis=0)
''',
    "b_ok_center_columns_square": '''# expect-not: missing-keepdims
import numpy as np
S = np.random.default_rng(43).normal(size=(900, 900))
# --- cell ---
Sc = S - S.mean(axis=0)
''',
    "keepdims_ok": '''# expect-not: missing-keepdims
# expect-not: broadcast-blowup
import numpy as np
data = np.random.default_rng(1).random((3000, 200))
# --- cell ---
centered = data - data.mean(axis=1, keepdims=True)
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
