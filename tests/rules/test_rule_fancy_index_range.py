"""Positives and near misses of the fancy-index-range rule (category unexpected-copy).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "uc_list_range_index_in_loop": '''# expect: unexpected-copy@3
import numpy as np
frame = np.random.default_rng(140).random((2000, 1000))
# --- cell ---
total = 0.0
for rep in range(60):
    total += frame[list(range(100, 400))].sum()
''',
    "h_copy_fancy_rows_tuple": '''# expect: unexpected-copy@3
import numpy as np
big = np.random.default_rng(231).random((3000, 1000))
# --- cell ---
acc = 0.0
for _ in range(50):
    acc += big[[0, 1, 2, 3, 4, 5, 6, 7], :].mean()
''',
    "b_uc_fancy_first_columns": '''# expect: unexpected-copy@1
import numpy as np
design = np.random.default_rng(71).random((3000, 2000))
# --- cell ---
head_feats = design[:, np.arange(500)]
col_means = head_feats.mean(axis=0)
''',
    "fr_np_array_index": '''# expect: unexpected-copy@1
# new: the consecutive positions spelled np.array([...])
import numpy as np
m = np.random.default_rng(606).random((3000, 500))
# --- cell ---
top = m[np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])]
total = top.sum()
''',
}

NEAR_MISSES: dict[str, str] = {
    "ok_one_hot_encodings": '''# expect-not: unexpected-copy
# expect-not: python-loop
# expect-not: broadcast-blowup
# expect-not: dtype-upcast
import numpy as np
labels = np.random.default_rng(176).integers(0, 10, 100_000)
# --- cell ---
n = labels.size
onehot = np.zeros((n, 10))
onehot[np.arange(n), labels] = 1.0
onehot2 = np.eye(10)[labels]
onehot3 = (labels[:, None] == np.arange(10)).astype(np.float32)
''',
    "fr_ok_irregular_positions": '''# expect-not: unexpected-copy
# new: positions that are not a regular run have no slice
import numpy as np
m = np.random.default_rng(604).random((2000, 500))
# --- cell ---
s = 0.0
for r in range(50):
    s += m[[0, 2, 3, 7]].sum()
''',
    "fr_ok_assigned_rows": '''# expect-not: unexpected-copy
# new: a fancy index that is assigned to copies nothing
import numpy as np
m = np.random.default_rng(605).random((2000, 500))
# --- cell ---
m[[0, 1, 2, 3]] = 0.0
total = m.sum()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
