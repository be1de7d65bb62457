"""Positives and near misses of the rule float16-loss (dtype-overflow;
advisor/rules/dtype_overflow/float16_loss.py). float16 sums, cumulative sums and arithmetic whose
result is inf or off by more than 1% of the float64 computation; float16 means, scaling and sums
with a wider dtype stay quiet. Cases marked 'from <group>' are copied from the advisor batches
(tests/advisor_*_cases.py, tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from blind
    "b_do_float16_running_total": """# expect: dtype-overflow@2
import numpy as np
weights = np.random.default_rng(69).random(200_000).astype(np.float16)
# --- cell ---
w = weights / 2
cum = np.cumsum(w)
""",
    "float16_sum_overflows": """# expect: dtype-overflow@1
import numpy as np
h = np.full(1_000, 100.0, dtype=np.float16)
# --- cell ---
total = h.sum()
""",
    "float16_product_overflows": """# expect: dtype-overflow@1
import numpy as np
h = np.full(1_000, 300.0, dtype=np.float16)
# --- cell ---
sq = h * h
""",
}

NEAR_MISSES: dict[str, str] = {
    # from blind
    "b_ok_float16_mean_and_scale": """# expect-not: dtype-overflow
import numpy as np
act = np.random.default_rng(70).random(1_000_000).astype(np.float16)
# --- cell ---
avg = act.mean()
act2 = act * 2 - 1
total = act.sum(dtype=np.float32)
""",
    "float16_small_exact_sum": """# expect-not: dtype-overflow
import numpy as np
h = np.full(64, 0.5, dtype=np.float16)
# --- cell ---
total = h.sum()
doubled = h * 2
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
