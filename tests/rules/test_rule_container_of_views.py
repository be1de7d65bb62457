"""Positives and near misses of the container-of-views rule (category view-pins-base).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "cv_list_of_small_views": '''# expect: view-pins-base@1
# smaller version of the unseen batch's vp_list_of_small_views
import numpy as np
# --- cell ---
heads = [np.random.default_rng(k).random(200_000)[:10] for k in range(20)]
''',
    "b_vp_first_rows_appended": '''# expect: view-pins-base@4
import numpy as np
# --- cell ---
previews = []
for seed in range(4):
    batch = np.random.default_rng(seed).random((1000, 1000))
    previews.append(batch[:2])
del batch
''',
    "cv_dict_filled_with_views": '''# expect: view-pins-base@4
# new: a dict filled item by item with small views of temporaries
import numpy as np
# --- cell ---
firsts = {}
for seed in range(5):
    block = np.random.default_rng(seed).random((500, 400))
    firsts[seed] = block[0]
del block
''',
}

NEAR_MISSES: dict[str, str] = {
    "cv_ok_list_of_copies": '''# expect-not: view-pins-base
# new: the slices are copied, so the big arrays are freed
import numpy as np
# --- cell ---
heads = [np.random.default_rng(k).random(200_000)[:10].copy() for k in range(20)]
''',
    "cv_ok_views_of_a_named_base": '''# expect-not: view-pins-base
# new: the views' base is still named: nothing is pinned for nothing
import numpy as np
# --- cell ---
big = np.random.default_rng(612).random((400, 1000))
rows = [big[k] for k in range(0, 400, 40)]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
