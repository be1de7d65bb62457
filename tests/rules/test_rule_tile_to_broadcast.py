"""Positives and near misses of the tile-to-broadcast rule (category unexpected-copy).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "tile_to_match": '''# expect: unexpected-copy@1
import numpy as np
S = np.random.default_rng(21).random((4000, 100))
mu = S.mean(axis=0)
# --- cell ---
centered = S - np.tile(mu, (S.shape[0], 1))
''',
    "h_copy_tile_row": '''# expect: unexpected-copy@1
import numpy as np
M = np.random.default_rng(229).random((3000, 400))
offset = np.random.default_rng(230).random(400)
# --- cell ---
shifted = M + np.tile(offset, (M.shape[0], 1))
''',
    "uc_repeat_to_match": '''# expect: unexpected-copy@1
import numpy as np
field = np.random.default_rng(138).random((2000, 500))
gains = np.random.default_rng(139).random(2000)
# --- cell ---
weighted = field * np.repeat(gains[:, None], field.shape[1], axis=1)
''',
    "b_uc_tile_bias": '''# expect: unexpected-copy@2
import numpy as np
rng = np.random.default_rng(20)
acts = rng.normal(size=(20_000, 128))
bias = rng.normal(size=128)
# --- cell ---
n = acts.shape[0]
B = np.tile(bias, (n, 1))
out = acts + B
''',
}

NEAR_MISSES: dict[str, str] = {
    "tb_ok_tiled_then_written": '''# expect-not: unexpected-copy
# new: a tiled array kept and written to, never combined in arithmetic
import numpy as np
mu = np.random.default_rng(610).random(100)
# --- cell ---
pattern = np.tile(mu, (2000, 1))
pattern[::2] = 0.0
''',
    "tb_ok_repeat_as_index": '''# expect-not: unexpected-copy
# new: np.repeat building an index, not an operand of arithmetic
import numpy as np
data = np.random.default_rng(611).random(500)
# --- cell ---
idx = np.repeat(np.arange(500), 4)
sel = data[idx]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
