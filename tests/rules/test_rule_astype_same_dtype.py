"""Positives and near misses of the astype-same-dtype rule (category unexpected-copy).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "astype_same": '''# expect: unexpected-copy@1
import numpy as np
f = np.random.default_rng(19).random(2_000_000)
# --- cell ---
g = f.astype(np.float64)
total = g.sum()
''',
    "h_copy_astype_string": '''# expect: unexpected-copy@1
import numpy as np
signal = np.random.default_rng(228).random(3_000_000)
# --- cell ---
power = signal.astype("float64") ** 2
''',
    "uc_astype_other_dtype_attr": '''# expect: unexpected-copy@1
import numpy as np
grads = np.random.default_rng(136).random(2_000_000)
params = np.random.default_rng(137).random(2_000_000)
# --- cell ---
step = grads.astype(params.dtype)
params -= 0.01 * step
''',
}

NEAR_MISSES: dict[str, str] = {
    "b_ok_astype_float32": '''# expect-not: unexpected-copy
# expect-not: dtype-upcast
import numpy as np
X = np.random.default_rng(48).random((2000, 1000))
# --- cell ---
X32 = X.astype(np.float32)
''',
    "ok_float32_stays_float32": '''# expect-not: dtype-upcast
# expect-not: unexpected-copy
import numpy as np
w32 = np.random.default_rng(177).random(3_000_000, dtype=np.float32)
img = np.random.default_rng(178).integers(0, 256, (1000, 1000), dtype=np.uint8)
# --- cell ---
y32 = w32 * 0.5 + 1.0
img_f = img.astype(np.float32) / 255.0
''',
    "as_ok_copy_false": '''# expect-not: unexpected-copy
# new: copy=False already asks for no copy
import numpy as np
f = np.random.default_rng(608).random(1_000_000)
# --- cell ---
g = f.astype(np.float64, copy=False)
total = g.sum()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
