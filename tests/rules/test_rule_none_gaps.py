"""Positives and near misses of the rule none-gaps (object-dtype;
advisor/rules/object_dtype/none_gaps.py). Object arrays of numbers with None gaps that the cell then
turns into numbers; None-gapped arrays kept as they are and object arrays of labels stay quiet.
Cases marked 'from <group>' are copied from the advisor batches (tests/advisor_*_cases.py,
tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from blind
    "b_od_none_gaps": """# expect: object-dtype@1
import numpy as np
raw = [1.5 * (i % 13) if i % 7 else None for i in range(100_000)]
# --- cell ---
readings = np.array(raw)
clean = readings[readings != None]
mean = clean.astype(float).mean()
""",
    "explicit_object_then_mask": """# expect: object-dtype@1
import numpy as np
raw = [float(i % 50) if i % 9 else None for i in range(50_000)]
# --- cell ---
temps = np.array(raw, dtype=object)
mask = temps != None
valid = temps[mask]
""",
}

NEAR_MISSES: dict[str, str] = {
    # from heldout
    "h_ok_object_with_none": """# expect-not: object-dtype
import numpy as np
# --- cell ---
slots = np.array([1.5, None, 3.0] * 20_000)
names = np.array(["a", "bb", 3] * 1000, dtype=object)
""",
    # from blind
    "b_ok_object_labels": """# expect-not: object-dtype
import numpy as np
names = ["cat", "dog", "bird", None] * 25_000
# --- cell ---
labels = np.array(names, dtype=object)
is_cat = labels == "cat"
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
