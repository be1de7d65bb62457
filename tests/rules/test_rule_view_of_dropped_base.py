"""Positives and near misses of the view-of-dropped-base rule (category view-pins-base).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "row_view_pins": '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
grid = np.random.default_rng(23).random((4000, 2000))
first_row = grid[0]
grid = None
''',
    "b_vp_first_column_del": '''# expect: view-pins-base@2
import numpy as np
def load_table():
    return np.random.default_rng(21).random((5000, 500))
# --- cell ---
table = load_table()
ids = table[:, 0]
del table
''',
    "m5_sort_then_tail_values": '''# expect: api-misuse@1, view-pins-base@1
# (view-pins-base added after the first run: the kept slice really pins the 16 MB sort)
import numpy as np
scores = np.random.default_rng(541).random(2_000_000)
# --- cell ---
largest = np.sort(scores)[-20:]
''',
}

NEAR_MISSES: dict[str, str] = {
    "view_base_alive_ok": '''# expect-not: view-pins-base
import numpy as np
# --- cell ---
grid = np.random.default_rng(23).random((2000, 2000))
first_row = grid[0]
''',
    "b_ok_column_view_base_kept": '''# expect-not: view-pins-base
import numpy as np
table = np.random.default_rng(46).random((5000, 500))
# --- cell ---
ids = table[:, 0]
scaled = table / table.max()
''',
    "copy_slice_ok": '''# expect-not: view-pins-base
# expect-fact: arrays[sample].is_view == false
import numpy as np
# --- cell ---
big = np.random.default_rng(12).random(8_000_000)
sample = big[::1000].copy()
del big
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {
    # rebuilding ``table`` re-runs ``load_table()``, a function outside NumPy
    ('b_vp_first_column_del', 'view-pins-base'): 'outside NumPy',
}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
