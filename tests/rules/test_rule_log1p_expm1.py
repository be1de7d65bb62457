"""Rule log1p-expm1 (advisor/rules/api_misuse/log1p_expm1.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'log_one_plus_small': '''# expect: api-misuse@1
import numpy as np
rates = np.random.default_rng(168).random(10_000) * 1e-10
# --- cell ---
growth = np.log(1 + rates)
''',
    'exp_minus_one_small': '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(169).random(10_000) * 1e-12
# --- cell ---
y = np.exp(x) - 1
''',
    'log_small_plus_one': '''# expect: api-misuse@1
import numpy as np
eps = np.random.default_rng(170).random(10_000) * 1e-11
# --- cell ---
y = np.log(eps + 1.0)
''',
}

NEAR_MISSES: dict[str, str] = {
    'log_of_counts': '''# expect-not: api-misuse
import numpy as np
counts = np.random.default_rng(255).integers(0, 1000, 100_000).astype(np.float64)
# --- cell ---
logc = np.log(1 + counts)
''',
    'log1p_already': '''# expect-not: api-misuse
import numpy as np
rates = np.random.default_rng(256).random(10_000) * 1e-10
# --- cell ---
growth = np.log1p(rates)
''',
    'log_two_plus': '''# expect-not: api-misuse
import numpy as np
rates = np.random.default_rng(257).random(10_000) * 1e-10
# --- cell ---
growth = np.log(2 + rates)
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
