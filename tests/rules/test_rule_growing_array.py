"""Rule growing-array (advisor/rules/growing_array/growing_array.py): an array rebuilt onto itself
with np.append / concatenate / vstack / hstack / np.r_ on every pass of a loop."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "append_in_for": """# expect: growing-array@3
import numpy as np
# --- cell ---
result = np.array([])
for k in range(1000):
    result = np.append(result, k * 0.5)
""",
    "vstack_rows": """# expect: growing-array@3
import numpy as np
rows = np.random.default_rng(11).random((300, 20))
# --- cell ---
table = np.empty((0, 20))
for row in rows:
    table = np.vstack([table, row])
""",
    # the target is a dict entry
    "append_to_dict_entry": """# expect: growing-array@3
import numpy as np
# --- cell ---
log = {"loss": np.zeros(0)}
for step in range(1000):
    log["loss"] = np.append(log["loss"], 1.0 / (step + 1))
""",
    "concatenate_tuple_in_while": """# expect: growing-array@5
import numpy as np
# --- cell ---
collected = np.empty(0)
batch = 0
while batch < 200:
    chunk = np.sin(np.arange(batch * 100, (batch + 1) * 100) * 0.01)
    collected = np.concatenate((collected, chunk))
    batch += 1
""",
    # np.r_[x, v]: no rewrite derived, the copies are still the cost
    "r_underscore": """# expect: growing-array@3
import numpy as np
# --- cell ---
trace = np.zeros(0)
for step in range(1000):
    trace = np.r_[trace, step * 0.1]
""",
    # the call is one branch of the value
    "conditional_vstack": """# expect: growing-array@4
import numpy as np
records = np.random.default_rng(121).random((300, 20))
# --- cell ---
stacked = None
for rec in records:
    row = rec * 2.0
    stacked = row[None, :] if stacked is None else np.vstack([stacked, row])
""",
    # new: three pieces per pass (the rewrite extends the list)
    "hstack_three_pieces": """# expect: growing-array@3
import numpy as np
# --- cell ---
signal = np.zeros(0)
for k in range(300):
    signal = np.hstack([signal, np.full(3, k * 1.0), np.zeros(2)])
""",
    # new: np.insert at the front (no rewrite: only append and the joins are rewritten)
    "insert_at_front": """# expect: growing-array@3
import numpy as np
# --- cell ---
history = np.zeros(0)
for k in range(500):
    history = np.insert(history, 0, k * 2.0)
""",
}

NEAR_MISSES: dict[str, str] = {
    "concatenate_once": """# expect-not: growing-array
# expect-not: python-loop
import numpy as np
def load_chunk(k):
    # stands for reading one file of a data set
    return np.random.default_rng(k).random(1000)
# --- cell ---
chunks = [load_chunk(k) for k in range(100)]
data = np.concatenate(chunks)
""",
    "list_then_vstack": """# expect-not: growing-array
# expect-not: python-loop
import numpy as np
blocks = [np.full(2000, k, dtype=np.float64) for k in range(100)]
# --- cell ---
parts = []
for blk in blocks:
    parts.append(blk * 2.0)
stacked = np.vstack(parts)
""",
    # a concatenate per pass that does not grow anything
    "pair_concatenated_per_row": """# expect-not: growing-array
import numpy as np
left = np.random.default_rng(190).random((300, 64))
right = np.random.default_rng(191).random((300, 64))
# --- cell ---
norms = np.empty(300)
for i in range(300):
    pair = np.concatenate([left[i], right[i]])
    norms[i] = pair @ pair
""",
    # new: a few appends of small arrays (under 50 passes, little copied)
    "few_small_appends": """# expect-not: growing-array
import numpy as np
# --- cell ---
acc = np.zeros(0)
for k in range(10):
    acc = np.append(acc, k)
""",
    # new: an array grown once, outside any loop
    "append_outside_loop": """# expect-not: growing-array
import numpy as np
x = np.random.default_rng(641).random(50_000)
# --- cell ---
x = np.append(x, [1.0, 2.0])
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
