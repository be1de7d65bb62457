"""Rule legacy-random (advisor/rules/api_misuse/legacy_random.py): cells it must flag,
look-alikes it must leave alone."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    'large_randn': '''# expect: api-misuse@1
import numpy as np
# --- cell ---
noise = np.random.randn(1_100_000)
''',
    'large_normal_after_small_draws': '''# expect: api-misuse@2
import numpy as np
# --- cell ---
np.random.seed(3)
noise = np.random.normal(0.0, 1.0, (1000, 1100))
pick = np.random.randint(0, 10, 5)
snr = noise.std()
''',
}

NEAR_MISSES: dict[str, str] = {
    'small_draws': '''# expect-not: api-misuse
import numpy as np
# --- cell ---
noise = np.random.randn(1000)
pick = np.random.randint(0, 10, 5)
''',
    'generator_large_draws': '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(1)
# --- cell ---
noise = rng.normal(size=1_100_000)
''',
    'seed_and_shuffle_in_place': '''# expect-not: api-misuse
import numpy as np
np.random.seed(508)
deck = np.arange(52)
# --- cell ---
np.random.shuffle(deck)
hand = deck[:5]
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
