"""Positives and near misses of the flatten-copy rule (category unexpected-copy).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "flatten_read": '''# expect: unexpected-copy@1
import numpy as np
img = np.random.default_rng(20).random((1500, 1500))
# --- cell ---
flat = img.flatten()
peak = flat.max()
''',
    "uc_flatten_in_call": '''# expect: unexpected-copy@1
import numpy as np
volume = np.random.default_rng(141).random((120, 120, 120))
# --- cell ---
p95 = np.percentile(volume.flatten(), 95)
''',
    "f_copy_flatten_then_dot": '''# expect: unexpected-copy@1
import numpy as np
G = np.random.default_rng(508).random((1500, 1500))
# --- cell ---
g = G.flatten()
norm2 = g @ g
''',
}

NEAR_MISSES: dict[str, str] = {
    "fl_ok_fortran_order": '''# expect-not: unexpected-copy
# new: flatten(order="F") of a C-contiguous array: ravel(order="F") would copy too (this was
# reported with "ravel() returns a view" before the rule checked the order)
import numpy as np
img = np.random.default_rng(613).random((800, 600))
# --- cell ---
flat = img.flatten(order="F")
peak = flat[:600].max()
''',
    "flatten_written_ok": '''# expect-not: unexpected-copy
import numpy as np
img = np.random.default_rng(20).random((1500, 1500))
# --- cell ---
flat = img.flatten()
flat[flat > 0.5] = 0.0
''',
    "fl_ok_not_contiguous": '''# expect-not: unexpected-copy
# new: ravel of a transposed array copies too: nothing to gain
import numpy as np
img = np.random.default_rng(607).random((800, 600))
# --- cell ---
flat = img.T.flatten()
peak = flat.max()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
