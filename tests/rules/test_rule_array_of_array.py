"""Positives and near misses of the array-of-array rule (category unexpected-copy).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "np_array_copy": '''# expect: unexpected-copy@1
import numpy as np
src = np.random.default_rng(22).random(3_000_000)
# --- cell ---
arr = np.array(src)
m = arr.mean()
''',
    "h_copy_np_array_dtype": '''# expect: unexpected-copy@1
import numpy as np
weights = np.random.default_rng(227).random(3_000_000)
# --- cell ---
w = np.array(weights, dtype=np.float64)
norm = np.sqrt(w @ w)
''',
    "uc_np_array_in_function": '''# expect: unexpected-copy@2
import numpy as np
measurements = np.random.default_rng(142).random(3_000_000)
# --- cell ---
def summarize(arr):
    local = np.array(arr)
    return local.mean(), local.std()
mean_, std_ = summarize(measurements)
''',
}

NEAR_MISSES: dict[str, str] = {
    "aa_ok_written_copy": '''# expect-not: unexpected-copy
# new: the copy is written to, so it is the point
import numpy as np
src = np.random.default_rng(609).random(1_000_000)
# --- cell ---
arr = np.array(src)
arr[arr < 0.5] = 0.0
m = arr.mean() - src.mean()
''',
    "aa_ok_list_input": '''# expect-not: unexpected-copy
# new: np.array of a list builds the array; there is nothing to view
import numpy as np
values = list(range(100_000))
# --- cell ---
arr = np.array(values)
m = arr.mean()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
