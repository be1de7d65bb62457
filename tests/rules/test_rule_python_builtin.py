"""Rule python-builtin (advisor/rules/python_builtin/python_builtin.py): Python's sum, max, min,
sorted, any, all or list() walking an array element by element."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "sum_of_array": """# expect: python-builtin@1
import numpy as np
v = np.random.default_rng(4).random(50_000)
# --- cell ---
total = sum(v)
""",
    "max_and_sorted": """# expect: python-builtin@1, python-builtin@2
import numpy as np
scores = np.random.default_rng(10).random(40_000)
# --- cell ---
best = max(scores)
ranked = sorted(scores)
""",
    # a comparison is an array: any() walks the mask
    "any_of_mask": """# expect: python-builtin@1
import numpy as np
temps = np.random.default_rng(117).normal(36.8, 0.3, 40_000)
# --- cell ---
alarm = any(temps > 45.0)
""",
    "sorted_reverse_topk": """# expect: python-builtin@1
import numpy as np
scores = np.random.default_rng(118).random(20_000)
# --- cell ---
top10 = sorted(scores, reverse=True)[:10]
""",
    # a column of a 2-d table is a 1-d array
    "min_of_column": """# expect: python-builtin@1
import numpy as np
table = np.random.default_rng(212).random((40_000, 3))
# --- cell ---
lowest = min(table[:, 0])
""",
    "max_of_ravel": """# expect: python-builtin@1
import numpy as np
heat = np.random.default_rng(72).random((200, 200))
# --- cell ---
hottest = max(heat.ravel())
""",
    "list_of_array": """# expect: python-builtin@1
import numpy as np
readings = np.random.default_rng(120).random(30_000)
# --- cell ---
as_list = list(readings)
count = len(as_list)
""",
    # both builtins of one statement replaced in one rewrite
    "sum_times_sum": """# expect: python-builtin@1
import numpy as np
rng = np.random.default_rng(547)
x = rng.random(30_000)
y = rng.random(30_000)
# --- cell ---
s = sum(x) * sum(y)
""",
    # new: sum of a 2-d array adds its rows (np.sum(axis=0))
    "sum_of_rows_2d": """# expect: python-builtin@1
import numpy as np
M = np.random.default_rng(631).random((5_000, 3))
# --- cell ---
col_totals = sum(M)
""",
}

NEAR_MISSES: dict[str, str] = {
    "builtins_on_python_values": """# expect-not: python-builtin
# expect-not: python-loop
import numpy as np
chunks = [np.random.default_rng(k).random(10_000) for k in range(8)]
a_list, b_list = [1, 2, 3], [4, 5]
# --- cell ---
longest = max(len(a_list), len(b_list))
total = sum(chunk.sum() for chunk in chunks)
dims = sum(chunks[0].shape)
biggest = max(c.max() for c in chunks)
""",
    # a list of arrays: sum adds whole arrays, NumPy does the work
    "sum_of_list_of_arrays": """# expect-not: python-builtin
import numpy as np
parts = [np.random.default_rng(k).random(20_000) for k in range(5)]
# --- cell ---
combined = sum(parts)
biggest = max(len(p) for p in parts)
""",
    "sum_of_python_losses": """# expect-not: python-builtin
# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(47)
X = rng.normal(size=(10_000, 32))
w = rng.normal(size=32)
# --- cell ---
losses = []
for start in range(0, len(X), 1000):
    xb = X[start:start + 1000]
    losses.append(float(((xb @ w) ** 2).mean()))
avg = sum(losses) / len(losses)
""",
    # new: fewer than 50 elements cost as little in Python as in NumPy
    "few_elements": """# expect-not: python-builtin
import numpy as np
x = np.random.default_rng(632).random(20)
# --- cell ---
best = max(x)
""",
    # new: a key function has no NumPy spelling here
    "sorted_with_key": """# expect-not: python-builtin
import numpy as np
x = np.random.default_rng(633).normal(size=2_000)
# --- cell ---
by_size = sorted(x, key=abs)
""",
    # new: a name of the cell shadows the builtin
    "shadowed_builtin": """# expect-not: python-builtin
import numpy as np
x = np.random.default_rng(634).random(5_000)
def max(values):
    return np.max(values)
# --- cell ---
best = max(x)
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
