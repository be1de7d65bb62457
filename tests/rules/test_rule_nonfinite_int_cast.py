"""Positives and near misses of the rule nonfinite-int-cast (dtype-overflow;
advisor/rules/dtype_overflow/nonfinite_int_cast.py). NaN or inf cast to an integer type: no wider
type is a fix, so no rewrite is offered; finite values cast after filtering, and NaN cast to a float
type, stay quiet. Cases marked 'from <group>' are copied from the advisor batches
(tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "nan_astype_int": """# expect: dtype-overflow@1
import numpy as np
# --- cell ---
a = np.array([np.nan, 1.0, 3e9]).astype(int)
""",
    "inf_asarray_int32": """# expect: dtype-overflow@3
import numpy as np
signal = np.random.default_rng(12).random(10_000)
# --- cell ---
ratio = signal / (signal > 0.5)
scaled = ratio * 10
bins = np.asarray(scaled, dtype=np.int32)
""",
}

NEAR_MISSES: dict[str, str] = {
    "finite_values_cast": """# expect-not: dtype-overflow
import numpy as np
x = np.random.default_rng(13).random(10_000)
x[::10] = np.nan
# --- cell ---
kept = x[np.isfinite(x)]
codes = (kept * 100).astype(np.int16)
""",
    "nan_cast_to_float32": """# expect-not: dtype-overflow
import numpy as np
x = np.random.default_rng(14).random(10_000)
x[::10] = np.nan
# --- cell ---
y = x.astype(np.float32)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
