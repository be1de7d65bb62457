"""Positives and near misses of the rule integer-wraparound (dtype-overflow;
advisor/rules/dtype_overflow/integer_wraparound.py). Narrow integer arithmetic that wrapped around
on the cell's data (checked against the same expression in int64); arithmetic that stays in range or
is widened first stays quiet. Cases marked 'from <group>' are copied from the advisor batches
(tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from examples
    "dtype_overflow": """# expect: dtype-overflow@2
import numpy as np
# --- cell ---
counts = np.array([10, 200, 250], dtype=np.uint8)
bumped = counts + np.uint8(10)
""",
    # from unseen
    "do_augmented_uint8": """# expect: dtype-overflow@2
import numpy as np
base_counts = np.random.default_rng(157).integers(0, 250, 10_000).astype(np.uint8)
# --- cell ---
counts = base_counts.copy()
counts += 100
""",
    # from heldout
    "h_overflow_shift": """# expect: dtype-overflow@1
import numpy as np
codes = np.random.default_rng(241).integers(0, 256, 100_000).astype(np.uint8)
# --- cell ---
packed = codes << 4
""",
    # from fourth
    "f_overflow_cumsum_dtype": """# expect: dtype-overflow@1
import numpy as np
steps = np.random.default_rng(511).integers(0, 100, 10_000).astype(np.int16)
# --- cell ---
position = np.cumsum(steps, dtype=np.int16)
""",
    # from third
    "t_overflow_int8_sum_of_products": """# expect: dtype-overflow@1
import numpy as np
w8 = np.random.default_rng(307).integers(-100, 100, 50_000).astype(np.int8)
x8 = np.random.default_rng(308).integers(-100, 100, 50_000).astype(np.int8)
# --- cell ---
acc = (w8 * x8).astype(np.int32).sum()
""",
    "int16_square": """# expect: dtype-overflow@1
import numpy as np
v = np.random.default_rng(7).integers(-1000, 1000, 50_000).astype(np.int16)
# --- cell ---
energy = v ** 2
""",
}

NEAR_MISSES: dict[str, str] = {
    # from styles
    "uint8_no_wrap_ok": """# expect-not: dtype-overflow
import numpy as np
small = np.arange(0, 100, dtype=np.uint8)
# --- cell ---
doubled = small + small
""",
    # from unseen
    "ok_widened_before_sum": """# expect-not: dtype-overflow
import numpy as np
frame_a = np.random.default_rng(179).integers(0, 256, (480, 640), dtype=np.uint8)
frame_b = np.random.default_rng(180).integers(0, 256, (480, 640), dtype=np.uint8)
# --- cell ---
avg = (frame_a.astype(np.uint16) + frame_b) // 2
diff = frame_a.astype(np.int16) - frame_b
halves = frame_a // 2 + frame_b // 2
""",
    # from blind
    "b_ok_brighten_widened": """# expect-not: dtype-overflow
import numpy as np
photo = np.random.default_rng(44).integers(0, 256, (600, 800, 3), dtype=np.uint8)
# --- cell ---
brighter = np.clip(photo.astype(np.int16) + 60, 0, 255).astype(np.uint8)
""",
    # from blind
    "b_ok_ms_in_int64": """# expect-not: dtype-overflow
import numpy as np
durations_s = np.random.default_rng(49).integers(0, 86_400 * 365, 500_000).astype(np.int32)
# --- cell ---
total_ms = durations_s.astype(np.int64) * 1000
""",
    "int16_square_in_range": """# expect-not: dtype-overflow
import numpy as np
v = np.random.default_rng(8).integers(-100, 100, 50_000).astype(np.int16)
# --- cell ---
energy = v ** 2
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
