"""Rule nan-in-array (advisor/rules/api_misuse/nan_in_array.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'nan_in_array_if': '''# expect: api-misuse@2
import numpy as np
temps = np.random.default_rng(73).normal(20.0, 5.0, 30_000)
temps[1234] = np.nan
# --- cell ---
daily = temps.reshape(-1, 100)
if np.nan in temps:
    daily = np.nanmean(daily, axis=1)
''',
    'nan_not_in_array_assigned': '''# expect: api-misuse@1
import numpy as np
x = np.array([1.0, np.nan, 3.0])
# --- cell ---
complete = np.nan not in x
''',
}

NEAR_MISSES: dict[str, str] = {
    'nan_in_a_list': '''# expect-not: api-misuse
import numpy as np
values = [1.0, np.nan, 3.0]
# --- cell ---
has_nan = np.nan in values
''',
    'isnan_any_already': '''# expect-not: api-misuse
import numpy as np
x = np.array([1.0, np.nan, 3.0])
# --- cell ---
has_nan = np.isnan(x).any()
''',
    'finite_value_in_array': '''# expect-not: api-misuse
import numpy as np
x = np.array([1.0, 2.0, 3.0])
# --- cell ---
has_two = 2.0 in x
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
