"""Positives and near misses of the chain-of-temporaries rule (category temporary-chain).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "tc_augmented_assignment": '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(135)
d1, d2 = rng.random(2_000_000), rng.random(2_000_000)
acc = np.zeros(2_000_000)
# --- cell ---
acc += np.exp(-d1) * np.cos(d2) + np.exp(-d2) * np.sin(d1)
''',
    "h_chain_ufunc_products": '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(224)
a, b, c, d, e = (rng.random(1_500_000) for _ in range(5))
# --- cell ---
y = np.hypot(a, b) * np.log1p(c) - np.arctan(d) * np.tanh(e)
''',
    "b_tc_gradient_magnitude_helper": '''# expect: temporary-chain@3
import numpy as np
rng = np.random.default_rng(17)
gx = rng.normal(size=(1500, 1500))
gy = rng.normal(size=(1500, 1500))
# --- cell ---
def edge_strength(dx, dy):
    # gradient magnitude, then normalised
    mag = np.sqrt(dx * dx + dy * dy)
    return mag / mag.max()
E = edge_strength(gx, gy)
''',
}

NEAR_MISSES: dict[str, str] = {
    "h_ok_three_products": '''# expect-not: temporary-chain
import numpy as np
rng = np.random.default_rng(224)
a, b, c, d, e, f = (rng.random(1_500_000) for _ in range(6))
# --- cell ---
y = a * b + c * d - e * f
''',
    "f_ok_chain_polynomial": '''# expect-not: temporary-chain
import numpy as np
t = np.random.default_rng(507).random(2_000_000)
# --- cell ---
poly = np.sin(t) * 3.0 + np.cos(t) * 2.0 + np.exp(t) * 0.5 + np.sqrt(t)
''',
    "tc_ok_small_arrays": '''# expect-not: temporary-chain
# new: the same chain on a small array costs nothing anyone would notice
import numpy as np
x = np.random.default_rng(603).random(1_000)
# --- cell ---
y = np.sqrt(x) * np.exp(x) + np.sin(x) * np.cos(x)
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
