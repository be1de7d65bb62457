"""Positives and near misses of the rule silent-promotion (dtype-upcast;
advisor/rules/dtype_upcast/silent_promotion.py). Results NumPy promoted to a float type several
times wider than the data; complex from floats, float16 from bytes and chosen float32 scalars stay
quiet. Cases marked 'from <group>' are copied from the advisor batches (tests/advisor_*_cases.py,
tests/cases/examples).
"""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # from examples
    "dtype_upcast": """# expect: dtype-upcast@2
# expect-fact: arrays[scaled].nbytes == 32000000
# expect-fact: arrays[scaled].dtype == "float64"
import numpy as np
pixels = np.random.default_rng(7).integers(0, 255, size=(2000, 2000), dtype=np.uint8)
# --- cell ---
p = pixels
scaled = p * 1.5
""",
    # from unseen
    "du_uint8_true_divide": """# expect: dtype-upcast@1
import numpy as np
frame = np.random.default_rng(150).integers(0, 256, (1500, 1500), dtype=np.uint8)
# --- cell ---
unit = frame / 255
""",
    # from blind
    "b_du_uint8_minus_channel_means": """# expect: dtype-upcast@2
import numpy as np
frames = np.random.default_rng(80).integers(0, 256, (16, 128, 128, 3), dtype=np.uint8)
# --- cell ---
channel_mean = frames.mean(axis=(0, 1, 2))
centered = frames - channel_mean
""",
    # from heldout
    "h_upcast_float32_plus_float64_scalar": """# expect: dtype-upcast@2
import numpy as np
emb32 = np.random.default_rng(238).random(3_000_000, dtype=np.float32)
# --- cell ---
bias = np.float64(0.1)
shifted = emb32 + bias
""",
    "exp_of_int16_counts": """# expect: dtype-upcast@1
import numpy as np
counts = np.random.default_rng(5).integers(0, 50, 400_000).astype(np.int16)
# --- cell ---
rates = np.exp(-counts)
""",
}

NEAR_MISSES: dict[str, str] = {
    # from batch5
    "g5_complex_from_float32": """# expect-not: dtype-upcast
import numpy as np
X, Y = np.meshgrid(np.linspace(-1, 1, 500, dtype=np.float32),
                   np.linspace(-1, 1, 500, dtype=np.float32))
# --- cell ---
C = X + Y * 1j
mag = np.abs(C)
""",
    # from unseen
    "ok_sqrt_of_bytes_is_float16": """# expect-not: dtype-upcast
import numpy as np
u8 = np.random.default_rng(200).integers(0, 256, 2_000_000).astype(np.uint8)
# --- cell ---
r8 = np.sqrt(u8)
""",
    # from blind
    "b_ok_float32_times_python_float": """# expect-not: dtype-upcast
import numpy as np
emb = np.random.default_rng(53).normal(size=(50_000, 64)).astype(np.float32)
# --- cell ---
emb_half = emb * 0.5
""",
    # from blind
    "b_ok_astype_float32": """# expect-not: unexpected-copy
# expect-not: dtype-upcast
import numpy as np
X = np.random.default_rng(48).random((2000, 1000))
# --- cell ---
X32 = X.astype(np.float32)
""",
    "uint8_times_float32_scalar": """# expect-not: dtype-upcast
import numpy as np
img = np.random.default_rng(6).integers(0, 256, (512, 512), dtype=np.uint8)
# --- cell ---
scaled = img * np.float32(1.5)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
