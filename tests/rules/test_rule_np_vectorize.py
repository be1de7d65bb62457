"""Rule np-vectorize (advisor/rules/np_vectorize/np_vectorize.py): calls of np.vectorize /
np.frompyfunc functions, a Python call per element."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "lambda_bound_to_name": """# expect: np-vectorize@2
import numpy as np
x = np.random.default_rng(3).standard_normal(30_000)
# --- cell ---
clip = np.vectorize(lambda v: max(-1.0, min(1.0, v)))
y = clip(x)
""",
    # a def with an if, wrapped and called in place
    "def_called_in_place": """# expect: np-vectorize@5
import numpy as np
z = np.random.default_rng(9).standard_normal(20_000)
# --- cell ---
def soft(v):
    if v > 0:
        return v
    return 0.1 * v
leaky = np.vectorize(soft)(z)
""",
    "decorator_with_elif": """# expect: np-vectorize@8
import numpy as np
u = np.random.default_rng(111).random(20_000)
# --- cell ---
@np.vectorize
def bucket(v):
    if v < 0.2:
        return 0
    elif v < 0.7:
        return 1
    return 2
labels = bucket(u)
""",
    "two_arguments_otypes": """# expect: np-vectorize@1
import numpy as np
pa = np.random.default_rng(114).random(20_000)
pb = np.random.default_rng(115).random(20_000)
# --- cell ---
capped = np.vectorize(lambda p, q: p if p > q else q, otypes=[float])(pa, pb)
""",
    "frompyfunc_object_result": """# expect: np-vectorize@2
import numpy as np
nums = np.arange(1, 20_001)
# --- cell ---
collatz = np.frompyfunc(lambda n: n // 2 if n % 2 == 0 else 3 * n + 1, 1, 1)
nxt = collatz(nums).astype(np.int64)
""",
    # vectorize imported by name; round() has no exact array spelling here (no rewrite)
    "imported_name": """# expect: np-vectorize@1
import numpy as np
from numpy import vectorize
grid = np.random.default_rng(209).random(20_000)
# --- cell ---
rounded = vectorize(lambda g: round(g, 2))(grid)
""",
    # new: the vectorized function was made before the cell (only its value is known)
    "made_in_an_earlier_cell": """# expect: np-vectorize@1
import numpy as np
x = np.random.default_rng(651).random(20_000)
halve = np.vectorize(lambda v: v / 2.0)
# --- cell ---
y = halve(x)
""",
}

NEAR_MISSES: dict[str, str] = {
    # new: a plain function applied to the whole array is array code
    "plain_function_on_array": """# expect-not: np-vectorize
import numpy as np
x = np.random.default_rng(652).random(20_000)
# --- cell ---
def scale(v):
    return v * 2.0 + 1.0
y = scale(x)
""",
    # new: a decorator called vectorize that is not NumPy's
    "other_vectorize_decorator": """# expect-not: np-vectorize
import numpy as np
def vectorize(func):
    return func
x = np.random.default_rng(653).random(20_000)
# --- cell ---
@vectorize
def scale(v):
    return v * 2.0
y = scale(x)
""",
    # new: a NumPy ufunc called on the array (compiled, nothing wrapped)
    "numpy_ufunc_call": """# expect-not: np-vectorize
import numpy as np
x = np.random.default_rng(654).random(20_000)
f = np.sqrt
# --- cell ---
y = f(x)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
