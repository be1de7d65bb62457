"""Positives and near misses of the rule narrowing-cast (dtype-overflow;
advisor/rules/dtype_overflow/narrowing_cast.py). Casts to a narrower integer type (or to float16) of
values that type cannot hold; casts whose values fit, and casts to float32, stay quiet. Cases marked
'from <group>' are copied from the advisor batches (tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from heldout
    "h_overflow_astype_narrow": """# expect: dtype-overflow@1
import numpy as np
readings = np.random.default_rng(239).integers(0, 100_000, 50_000)
# --- cell ---
compact = readings.astype(np.int16)
""",
    "array_with_uint16_dtype": """# expect: dtype-overflow@2
import numpy as np
ids = np.arange(0, 300_000, 3)
# --- cell ---
offsets = ids - ids[0]
small = np.array(offsets, dtype=np.uint16)
""",
    "float64_to_float16_overflows": """# expect: dtype-overflow@1
import numpy as np
flux = np.round(np.random.default_rng(11).random(50_000) * 1e6)
# --- cell ---
half = flux.astype(np.float16)
""",
}

NEAR_MISSES: dict[str, str] = {
    # from third
    "t_ok_float_to_int_in_range": """# expect-not: dtype-overflow
import numpy as np
probs = np.random.default_rng(318).random(500_000)
# --- cell ---
bins = (probs * 10).astype(np.int8)
pixels = (probs * 255).astype(np.uint8)
""",
    "asarray_uint8_in_range": """# expect-not: dtype-overflow
import numpy as np
levels = np.random.default_rng(9).integers(0, 256, 100_000)
# --- cell ---
pixels = np.asarray(levels, dtype=np.uint8)
big = (levels * 1e6).astype(np.float32)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
