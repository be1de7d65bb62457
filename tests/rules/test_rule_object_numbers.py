"""Positives and near misses of the rule object-numbers (object-dtype;
advisor/rules/object_dtype/object_numbers.py). Object arrays whose elements are all numbers; object
arrays that need object (strings, mixed records, huge Python ints) stay quiet. Cases marked 'from
<group>' are copied from the advisor batches (tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from examples
    "object_dtype": """# expect: object-dtype@1
import numpy as np
# --- cell ---
vals = np.array([1.5, 2, 3, 4.25] * 50_000, dtype=object)
s = vals.sum()
""",
    # from unseen
    "od_astype_object": """# expect: object-dtype@1
import numpy as np
measurements = np.random.default_rng(158).random(200_000)
# --- cell ---
boxed = measurements.astype(object)
total = boxed.sum()
""",
    # from heldout
    "h_object_np_object_": """# expect: object-dtype@1
import numpy as np
values = [k % 97 for k in range(300_000)]
# --- cell ---
arr = np.array(values, dtype=np.object_)
top = arr.max()
""",
    # from blind
    "b_od_made_in_loader_function": """# expect: object-dtype@2
import numpy as np
rows = [float(v) for v in np.random.default_rng(83).random(100_000)]
# --- cell ---
def to_array(values):
    return np.array(values, dtype=object)
prices = to_array(rows)
avg = prices.mean()
""",
}

NEAR_MISSES: dict[str, str] = {
    # from unseen
    "ok_object_arrays_that_need_object": """# expect-not: object-dtype
import numpy as np
# --- cell ---
tags = np.array(["x", 1, None, 2.5] * 10_000, dtype=object)
huge = np.array([2 ** 70, 3, 5] * 10_000, dtype=object)
ragged = np.empty(3, dtype=object)
ragged[:] = [np.arange(3), np.arange(5), np.arange(7)]
""",
    # from third
    "t_ok_object_strings": """# expect-not: object-dtype
import numpy as np
# --- cell ---
words = np.array(["alpha", "beta", "gamma"] * 10_000, dtype=object)
lengths = np.array([len(w) for w in words[:10]])
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
