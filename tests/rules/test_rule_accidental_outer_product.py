"""Positives and near misses of the accidental-outer-product rule (category broadcast-blowup).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "b_bb_column_pred_minus_target": '''# expect: broadcast-blowup@2
import numpy as np
rng = np.random.default_rng(13)
X = rng.random((2000, 5))
w = rng.random((5, 1))
y = rng.random(2000)
# --- cell ---
pred = X @ w
mse = np.mean((pred - y) ** 2)
''',
    "bb_reshape_column_equal": '''# expect: broadcast-blowup@2
import numpy as np
labels = np.random.default_rng(124).integers(0, 5, 3000)
predicted = np.random.default_rng(125).integers(0, 5, 3000)
# --- cell ---
truth = labels.reshape(-1, 1)
accuracy = (predicted == truth).mean()
''',
    "ao_column_minus_flat": '''# expect: broadcast-blowup@1
# smaller version of the styles batch's accidental_outer
import numpy as np
y_true = np.random.default_rng(614).random((1500, 1))
y_pred = np.random.default_rng(615).random(1500)
# --- cell ---
err = y_pred - y_true
mse = (err ** 2).mean()
''',
}

NEAR_MISSES: dict[str, str] = {
    "ao_ok_explicit_column_kept": '''# expect-not: broadcast-blowup
# new: the same (N, 1) against (N,) pairing, written with None and kept: an outer product asked for
import numpy as np
x = np.random.default_rng(616).random(2000)
# --- cell ---
gaps = x[:, None] - x
''',
    "ao_ok_other_length_kept": '''# expect-not: broadcast-blowup
# new: an (N, 1) column against an (M,) array of another length is no accidental pairing
import numpy as np
col = np.random.default_rng(617).random((2000, 1))
row = np.random.default_rng(618).random(1500)
# --- cell ---
table = col - row
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
