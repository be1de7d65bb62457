"""Rule nan-comparison (advisor/rules/api_misuse/nan_comparison.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'equals_np_nan': '''# expect: api-misuse@2
import numpy as np
data = np.array([1.0, np.nan, 3.0, np.nan])
# --- cell ---
data = data * 2
missing = data == np.nan
''',
    'not_equal_nan_filter': '''# expect: api-misuse@1
import numpy as np
readings = np.random.default_rng(164).random(10_000)
readings[::7] = np.nan
# --- cell ---
valid = readings[readings != np.nan]
''',
    'is_nan_in_loop': '''# expect: api-misuse@3
import numpy as np
x = np.array([1.0, np.nan] * 50)
# --- cell ---
count = 0
for v in x:
    if v is np.nan:
        count += 1
''',
    'float_nan_on_the_left': '''# expect: api-misuse@1
import numpy as np
vals = np.array([0.5, np.nan, 2.0, np.nan, 4.0])
# --- cell ---
gaps = float("nan") == vals
''',
    'math_nan': '''# expect: api-misuse@1
import math
import numpy as np
vals = np.array([0.5, np.nan, 2.0])
# --- cell ---
gaps = vals == math.nan
''',
}

NEAR_MISSES: dict[str, str] = {
    'isnan_already': '''# expect-not: api-misuse
import numpy as np
r = np.random.default_rng(186).random(1_000)
r[::5] = np.nan
# --- cell ---
bad = np.isnan(r)
clean = r[~bad]
''',
    'sentinel_is_a_number': '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(322).random(10_000)
# --- cell ---
x[x < 0.01] = -999.0
flagged = x == -999.0
''',
    'self_inequality_idiom': '''# expect-not: api-misuse
import numpy as np
x = np.array([1.0, np.nan, 3.0])
# --- cell ---
nan_mask = x != x
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
