"""Rule python-loop (advisor/rules/python_loop/python_loop.py): element-wise loops and
comprehensions the vectorizer rewrites, double loops summing products, and loops measured doing
scalar work (np.nditer, a draw per pass, counting in a dict)."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    # the vectorizer: out[i] = f(a[i]) over range(len(a))
    "index_loop_affine": """# expect: python-loop@2
import numpy as np
a = np.arange(20_000, dtype=np.float64)
# --- cell ---
out = np.empty_like(a)
for i in range(len(a)):
    out[i] = a[i] * 2.0 + 1.0
""",
    # a while loop stepping an index by hand
    "while_k_plus_one": """# expect: python-loop@4
import numpy as np
signal = np.random.default_rng(103).normal(0.0, 1.0, 20_000)
# --- cell ---
n = signal.size
clipped = np.zeros(n)
k = 0
while k < n:
    v = signal[k]
    clipped[k] = v if v < 1.0 else 1.0
    k = k + 1
""",
    # a scalar element loop: counting with an if (no expression derived, still the cell's time)
    "count_above_threshold": """# expect: python-loop@2
import numpy as np
pvals = np.random.default_rng(74).random(30_000)
# --- cell ---
n_sig = 0
for p in pvals:
    if p < 0.05:
        n_sig += 1
""",
    # sum() over a generator: one finding, np.sum of the array expression
    "generator_sum": """# expect: python-loop@1
import numpy as np
x = np.random.default_rng(1).random(30_000)
# --- cell ---
energy = sum(v * v for v in x)
""",
    # list(map(lambda ...)) is a comprehension
    "map_lambda": """# expect: python-loop@1
import numpy as np
z = np.random.default_rng(202).normal(0.0, 1.0, 20_000)
# --- cell ---
squashed = np.array(list(map(lambda v: 1.0 / (1.0 + np.exp(-v)), z)))
""",
    # new spelling: a list kept as a list (the rewrite ends in .tolist())
    "list_comprehension_kept_as_list": """# expect: python-loop@1
import numpy as np
x = np.random.default_rng(601).random(20_000)
# --- cell ---
squares = [v * v + 1.0 for v in x]
""",
    # a double loop summing products: the product of two sums
    "double_loop_products": """# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(546)
X = rng.random(200)
Y = rng.random(200)
# --- cell ---
r = 0.0
for x in X:
    for y in Y:
        r += x * y
""",
    # new spelling: each factor an expression of its own element
    "double_loop_products_of_terms": """# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(602)
X = rng.random(150)
Y = rng.random(150)
# --- cell ---
r = 0.0
for x in X:
    for y in Y:
        r += (x - 1.0) * (2.0 * y + 3.0)
""",
    # measured: np.nditer readwrite, rewritten on the whole array
    "nditer_readwrite": """# expect: python-loop@1
import numpy as np
a = np.random.default_rng(534).random((120, 120))
# --- cell ---
for v in np.nditer(a, op_flags=['readwrite']):
    v[...] = 2 * v + 1
""",
    # measured: counting in a dict (advice, no rewrite)
    "dict_counting": """# expect: python-loop@2
import numpy as np
labels = np.random.default_rng(552).integers(0, 20, 30_000)
# --- cell ---
counts = {}
for v in labels:
    counts[v] = counts.get(v, 0) + 1
""",
    # measured: one random draw per pass (advice: the stream would change)
    "random_walk_stdlib": """# expect: python-loop@4
import random
import numpy as np
random.seed(529)
# --- cell ---
position = 0
walk = [position]
steps = 20_000
for i in range(steps):
    position += random.choice([-1, 1])
    walk.append(position)
walk = np.array(walk)
""",
}

NEAR_MISSES: dict[str, str] = {
    "running_recurrence": """# A running recurrence: no single array expression does this.
# expect-not: python-loop
import numpy as np
r = np.random.default_rng(2).random(1000)
# --- cell ---
acc = np.empty_like(r)
acc[0] = r[0]
for i in range(1, len(r)):
    acc[i] = acc[i - 1] * 0.5 + r[i]
""",
    "ewma_recurrence": """# expect-not: python-loop
import numpy as np
prices = np.random.default_rng(8).random(5_000)
# --- cell ---
smooth = np.zeros_like(prices)
smooth[0] = prices[0]
for t in range(1, prices.size):
    smooth[t] = 0.9 * smooth[t - 1] + 0.1 * prices[t]
""",
    "gradient_descent_epochs": """# expect-not: python-loop
import numpy as np
X = np.random.default_rng(175).random((500, 20))
y = X @ np.arange(20.0) + 0.1
# --- cell ---
w = np.zeros(20)
lr = 0.1
for epoch in range(100):
    grad = X.T @ (X @ w - y) / len(y)
    w -= lr * grad
""",
    "early_exit_search": """# expect-not: python-loop
import numpy as np
series = np.random.default_rng(312).random(20_000)
# --- cell ---
first = -1
for i, v in enumerate(series):
    if v > 0.9999:
        first = i
        break
""",
    "loop_calls_print": """# expect-not: python-loop
import numpy as np
x = np.random.default_rng(311).random(200)
# --- cell ---
for i in range(len(x)):
    if x[i] > 0.999:
        print("outlier at", i)
""",
    "random_walk_with_state": """# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(82)
# --- cell ---
pos = 0.0
path = np.empty(10_000)
for t in range(10_000):
    pos += rng.normal(0.0, 1.0) if pos > -50 else 1.0
    path[t] = pos
""",
    "jacobi_slice_steps": """# expect-not: python-loop
import numpy as np
u = np.zeros((52, 52))
u[0, :] = 1.0
# --- cell ---
for it in range(100):
    u[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
""",
    # new: element-wise, but fewer than 50 passes
    "few_passes": """# expect-not: python-loop
import numpy as np
a = np.random.default_rng(603).random(30)
# --- cell ---
out = np.empty_like(a)
for i in range(len(a)):
    out[i] = a[i] * 2.0 + 1.0
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
