"""Cells in other styles than cases/examples, with what a good advisor must say about them.

Same header language as the examples (``expect: CATEGORY@LINE``, ``expect-not: CATEGORY``);
shared by tests/test_advisor_styles.py and benchmarks/advisor_scores.py.
"""

CASES: dict[str, str] = {}

CASES["while_loop"] = '''# expect: python-loop@3
import numpy as np
a = np.linspace(0, 1, 100_000)
# --- cell ---
b = np.zeros_like(a)
i = 0
while i < len(a):
    b[i] = np.sin(a[i]) ** 2
    i += 1
'''

CASES["listcomp_np_array"] = '''# expect: python-loop@1
import numpy as np
x = np.random.default_rng(1).random(200_000)
# --- cell ---
y = np.array([v * v + 1.0 for v in x])
'''

CASES["generator_sum"] = '''# expect: python-loop@1
import numpy as np
x = np.random.default_rng(1).random(300_000)
# --- cell ---
energy = sum(v * v for v in x)
'''

CASES["accumulator_loop"] = '''# expect: python-loop@2
import numpy as np
a = np.random.default_rng(2).random(100_000)
b = np.random.default_rng(3).random(100_000)
# --- cell ---
dot = 0.0
for k in range(a.shape[0]):
    dot += a[k] * b[k]
'''

CASES["conditional_loop"] = '''# expect: python-loop@2
import numpy as np
t = np.random.default_rng(4).standard_normal(100_000)
# --- cell ---
relu = np.empty_like(t)
for i in range(len(t)):
    if t[i] > 0:
        relu[i] = t[i]
    else:
        relu[i] = 0.0
'''

CASES["nested_loops"] = '''# expect: python-loop@3
import numpy as np
P = np.random.default_rng(5).random((300, 400))
Q = np.random.default_rng(6).random((300, 400))
# --- cell ---
n, m = P.shape
R = np.empty((n, m))
for r in range(n):
    for c in range(m):
        R[r, c] = P[r, c] * Q[r, c] - 1.0
'''

CASES["cumsum_recurrence"] = '''# expect: python-loop@3
import numpy as np
steps = np.random.default_rng(7).standard_normal(50_000)
# --- cell ---
walk = np.empty_like(steps)
walk[0] = steps[0]
for t in range(1, len(steps)):
    walk[t] = walk[t - 1] + steps[t]
'''

CASES["ewma_recurrence_ok"] = '''# expect-not: python-loop
import numpy as np
prices = np.random.default_rng(8).random(20_000)
# --- cell ---
smooth = np.zeros_like(prices)
smooth[0] = prices[0]
for t in range(1, prices.size):
    smooth[t] = 0.9 * smooth[t - 1] + 0.1 * prices[t]
'''

CASES["vectorize_def"] = '''# expect: np-vectorize@5
import numpy as np
z = np.random.default_rng(9).standard_normal(200_000)
# --- cell ---
def soft(v):
    if v > 0:
        return v
    return 0.1 * v
leaky = np.vectorize(soft)(z)
'''

CASES["builtin_max_sorted"] = '''# expect: python-builtin@1, python-builtin@2
import numpy as np
scores = np.random.default_rng(10).random(400_000)
# --- cell ---
best = max(scores)
ranked = sorted(scores)
'''

CASES["vstack_loop"] = '''# expect: growing-array@3
import numpy as np
rows = np.random.default_rng(11).random((800, 50))
# --- cell ---
table = np.empty((0, 50))
for row in rows:
    table = np.vstack([table, row])
'''

CASES["list_then_stack_ok"] = '''# expect-not: growing-array
# expect-not: python-loop
import numpy as np
blocks = [np.full(5000, k, dtype=np.float64) for k in range(100)]
# --- cell ---
parts = []
for blk in blocks:
    parts.append(blk * 2.0)
stacked = np.vstack(parts)
'''

CASES["accidental_outer"] = '''# expect: broadcast-blowup@1
import numpy as np
y_true = np.random.default_rng(12).random((3000, 1))
y_pred = np.random.default_rng(13).random(3000)
# --- cell ---
err = y_pred - y_true
mse = (err ** 2).mean()
'''

CASES["kept_outer_ok"] = '''# expect-not: broadcast-blowup
import numpy as np
pts = np.random.default_rng(14).random(2000)
# --- cell ---
diff = pts[:, None] - pts[None, :]
'''

CASES["pairwise_reduce"] = '''# expect: broadcast-blowup@1
import numpy as np
X = np.random.default_rng(15).random((1500, 3))
# --- cell ---
nearest = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)).min()
'''

CASES["keepdims_np_func"] = '''# expect: missing-keepdims@1
import numpy as np
W = np.random.default_rng(16).random((800, 800)) + 0.1
# --- cell ---
probs = W / np.sum(W, axis=1)
'''

CASES["axis0_ok"] = '''# expect-not: missing-keepdims
import numpy as np
D = np.random.default_rng(17).random((2000, 300))
# --- cell ---
Z = (D - D.mean(axis=0)) / D.std(axis=0)
'''

CASES["poly_chain"] = '''# expect: temporary-chain@1
import numpy as np
u = np.random.default_rng(18).random(3_000_000)
# --- cell ---
v = np.exp(-u) * np.cos(u) + np.log1p(u) * np.sqrt(u)
'''

CASES["astype_same"] = '''# expect: unexpected-copy@1
import numpy as np
f = np.random.default_rng(19).random(2_000_000)
# --- cell ---
g = f.astype(np.float64)
total = g.sum()
'''

CASES["flatten_read"] = '''# expect: unexpected-copy@1
import numpy as np
img = np.random.default_rng(20).random((1500, 1500))
# --- cell ---
flat = img.flatten()
peak = flat.max()
'''

CASES["flatten_written_ok"] = '''# expect-not: unexpected-copy
import numpy as np
img = np.random.default_rng(20).random((1500, 1500))
# --- cell ---
flat = img.flatten()
flat[flat > 0.5] = 0.0
'''

CASES["tile_to_match"] = '''# expect: unexpected-copy@1
import numpy as np
S = np.random.default_rng(21).random((4000, 100))
mu = S.mean(axis=0)
# --- cell ---
centered = S - np.tile(mu, (S.shape[0], 1))
'''

CASES["np_array_copy"] = '''# expect: unexpected-copy@1
import numpy as np
src = np.random.default_rng(22).random(3_000_000)
# --- cell ---
arr = np.array(src)
m = arr.mean()
'''

CASES["row_view_pins"] = '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
grid = np.random.default_rng(23).random((4000, 2000))
first_row = grid[0]
grid = None
'''

CASES["view_base_alive_ok"] = '''# expect-not: view-pins-base
import numpy as np
# --- cell ---
grid = np.random.default_rng(23).random((2000, 2000))
first_row = grid[0]
'''

CASES["transpose_write"] = '''# expect: view-mutation@3
import numpy as np
K = np.arange(12.0).reshape(3, 4)
# --- cell ---
Kt = K.T
norm = np.linalg.norm(K)
Kt[0, :] = 0.0
'''

CASES["int8_scale"] = '''# expect: dtype-upcast@1
import numpy as np
q = np.random.default_rng(24).integers(-100, 100, size=3_000_000, dtype=np.int8)
# --- cell ---
deq = q * 0.05
'''

CASES["uint8_mean_overflow"] = '''# expect: dtype-overflow@1
import numpy as np
img_a = np.random.default_rng(25).integers(100, 255, size=(200, 200), dtype=np.uint8)
img_b = np.random.default_rng(26).integers(100, 255, size=(200, 200), dtype=np.uint8)
# --- cell ---
blend = (img_a + img_b) // 2
'''

CASES["uint8_no_wrap_ok"] = '''# expect-not: dtype-overflow
import numpy as np
small = np.arange(0, 100, dtype=np.uint8)
# --- cell ---
doubled = small + small
'''

CASES["int32_square"] = '''# expect: dtype-overflow@1
import numpy as np
ids = np.arange(40_000, 50_000, dtype=np.int32)
# --- cell ---
sq = ids * ids
'''

CASES["object_from_list"] = '''# expect: object-dtype@2
import numpy as np
# --- cell ---
raw = [float(k) for k in range(100_000)]
obj = np.array(raw, dtype=object)
total = obj.sum()
'''

CASES["rows_of_transpose"] = '''# expect: non-contiguous@3, python-loop@2
import numpy as np
B = np.random.default_rng(27).random((2000, 2000))
# --- cell ---
maxima = np.empty(2000)
for j in range(2000):
    maxima[j] = np.max(B[:, j])
'''

CASES["inv_dot"] = '''# expect: api-misuse@1
import numpy as np
from numpy.linalg import inv
A = np.random.default_rng(28).random((400, 400)) + 400 * np.eye(400)
y = np.ones(400)
# --- cell ---
sol = inv(A).dot(y)
'''

CASES["nan_equality"] = '''# expect: api-misuse@2
import numpy as np
data = np.array([1.0, np.nan, 3.0, np.nan])
# --- cell ---
data = data * 2
missing = data == np.nan
'''

CASES["legacy_random"] = '''# expect: api-misuse@1
# issue 12: the legacy-random note needs a measured reason (large draws); 1,000 draws had none
import numpy as np
# --- cell ---
noise = np.random.randn(2_000_000)
'''

CASES["legacy_random_small_ok"] = '''# expect-not: api-misuse
import numpy as np
# --- cell ---
noise = np.random.randn(1000)
pick = np.random.randint(0, 10, 5)
'''

CASES["clean_vectorized_ok"] = '''# expect-not: python-loop
# expect-not: temporary-chain
# expect-not: broadcast-blowup
# expect-not: unexpected-copy
# expect-not: dtype-upcast
import numpy as np
sig = np.random.default_rng(29).random(2_000_000)
# --- cell ---
sig -= sig.mean()
sig /= sig.std()
spectrum = np.abs(np.fft.rfft(sig))
'''

CASES["out_param_ok"] = '''# expect-not: temporary-chain
# expect-not: unexpected-copy
import numpy as np
a = np.random.default_rng(30).random(3_000_000)
b = np.random.default_rng(31).random(3_000_000)
c = np.empty_like(a)
# --- cell ---
np.add(a, b, out=c)
np.multiply(c, c, out=c)
'''

CASES["few_chunks_ok"] = '''# expect-not: python-loop
import numpy as np
big = np.random.default_rng(32).random(1_000_000)
# --- cell ---
sums = []
for chunk in np.array_split(big, 4):
    sums.append(np.sin(chunk).sum())
'''

CASES["slice_copy_ok"] = '''# expect-not: view-pins-base
# expect-not: unexpected-copy
import numpy as np
# --- cell ---
big = np.random.default_rng(33).random(5_000_000)
head = big[:5].copy()
del big
'''
