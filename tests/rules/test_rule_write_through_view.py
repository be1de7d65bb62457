"""Positives and near misses of the write-through-view rule (category view-mutation).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "vm_row_augmented": '''# expect: view-mutation@3
import numpy as np
table = np.arange(60.0).reshape(6, 10)
# --- cell ---
row = table[2]
before = table.sum()
row *= 0
''',
    "b_vm_baseline_then_zeroed_head": '''# expect: view-mutation@3
import numpy as np
readings = np.random.default_rng(25).random(5_000)
# --- cell ---
head = readings[:100]
baseline = readings.mean()
head *= 0
''',
    "vm_ravel_then_sort": '''# expect: view-mutation@2
import numpy as np
matrix = np.random.default_rng(147).random((300, 300))
# --- cell ---
flat = matrix.ravel()
flat.sort()
median = flat[flat.size // 2]
col0 = matrix[:, 0].copy()
''',
}

NEAR_MISSES: dict[str, str] = {
    "ok_patch_copied_before_write": '''# expect-not: view-mutation
import numpy as np
canvas = np.random.default_rng(182).random((200, 200))
# --- cell ---
patch = canvas[10:20, 10:20].copy()
patch[:] = 0.0
orig_mean = canvas.mean()
''',
    "g5_heat_1d_inner_view": '''# expect-not: view-mutation
import numpy as np
T = np.zeros(2_000)
T[900:1100] = 100.0
alpha = 0.4
# --- cell ---
inner = T[1:-1]
for step in range(200):
    inner += alpha * (T[2:] - 2.0 * T[1:-1] + T[:-2])
energy = T.sum()
''',
    "g5_ravel_then_zero": '''# expect-not: view-mutation
import numpy as np
rng = np.random.default_rng(501)
Z = rng.random((400, 400))
# --- cell ---
flat = Z.ravel()
flat[rng.choice(Z.size, 500, replace=False)] = 0
print(round(float(Z.sum()), 3), np.count_nonzero(Z == 0))
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
