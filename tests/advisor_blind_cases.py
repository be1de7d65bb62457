"""A blind batch: cells written before reading any advisor rule, the way notebooks are written
(feature scaling, softmax, k-NN, image ops, returns, bootstrap, simulations, histograms, NaN
cleaning), mixing helper functions, lambdas, comprehensions, ``while`` loops, nested loops,
method chains, ``np.*`` vs methods, ``x.T``, ``order="F"``, ``np.newaxis``, ``reshape(-1, 1)``
and the alias ``import numpy as numpy``, plus near misses that look like problems but are not.

Same header language as cases/examples (``expect: CATEGORY@LINE``, ``expect-not: CATEGORY``);
used by tests/test_advisor_blind.py and benchmarks/advisor_scores.py (group ``blind``).
"""

# Measured before any rule change (python benchmarks/advisor_scores.py blind, at 0a3f5b8):
#   category           TP FN FP        category           TP FN FP
#   python-loop         4  0  0        view-pins-base      2  0  0
#   np-vectorize        2  0  0        view-mutation       2  0  0
#   python-builtin      3  0  0        dtype-upcast        2  0  0
#   growing-array       2  0  0        dtype-overflow      2  0  0
#   broadcast-blowup    2  0  0        object-dtype        1  1  0
#   missing-keepdims    2  0  0        non-contiguous      1  1  0
#   temporary-chain     2  0  0        api-misuse          3  0  0
#   unexpected-copy     3  0  0
# misses: b_nc_sort_transposed (non-contiguous@2), b_od_none_gaps (object-dtype@1);
# no false alarms on the 15 near misses.
#
# After the phase-3 changes, the same 49 cells as first committed: every category TP 2-4, FN 0,
# FP 0, except b_nc_sort_transposed (non-contiguous@2), whose annotation was wrong: measured,
# np.sort along axis 1 of panel.T takes the time of sorting a C-ordered copy (85 ms both), so
# it is now the near miss b_ok_sort_transposed and b_nc_column_std_comprehension replaced it.
# b_od_none_gaps is now found on line 1 (numbers with None gaps the cell then treats as numbers).
# Cells below "added while fixing" came from probing other spellings after reading the rules.

BLIND: dict[str, str] = {}

# -- python-loop ---------------------------------------------------------------------------------
BLIND["b_pl_while_sigmoid_alias"] = '''# expect: python-loop@3
import numpy as numpy
x = numpy.random.default_rng(1).normal(size=40_000)
# --- cell ---
out = numpy.empty_like(x)
i = 0
while i < len(x):
    out[i] = 1.0 / (1.0 + numpy.exp(-x[i]))
    i += 1
'''

BLIND["b_pl_returns_comprehension_in_helper"] = '''# expect: python-loop@2
import numpy as np
prices = np.random.default_rng(2).lognormal(0.0, 0.02, 60_000).cumprod() * 100
# --- cell ---
def simple_returns(p):
    return np.array([(p[t] - p[t - 1]) / p[t - 1] for t in range(1, len(p))])
r = simple_returns(prices)
'''

BLIND["b_pl_nested_grayscale"] = '''# expect: python-loop@3
import numpy as np
img = np.random.default_rng(3).integers(0, 256, (120, 200, 3)).astype(np.float32)
# --- cell ---
h, w, _ = img.shape
gray = np.zeros((h, w), dtype=np.float32)
for r in range(h):
    for c in range(w):
        gray[r, c] = 0.299 * img[r, c, 0] + 0.587 * img[r, c, 1] + 0.114 * img[r, c, 2]
'''

# -- np-vectorize --------------------------------------------------------------------------------
BLIND["b_nv_lambda_buckets"] = '''# expect: np-vectorize@2
import numpy as np
ages = np.random.default_rng(4).integers(0, 90, 200_000)
# --- cell ---
bucketize = np.vectorize(lambda a: 0 if a < 18 else (1 if a < 65 else 2))
groups = bucketize(ages)
'''

BLIND["b_nv_frompyfunc_relu"] = '''# expect: np-vectorize@4
import numpy as np
x = np.random.default_rng(5).random(150_000)
# --- cell ---
def thresh(v):
    return v if v > 0.5 else 0.0
thresh_u = np.frompyfunc(thresh, 1, 1)
y = thresh_u(x).astype(float)
'''

# -- python-builtin ------------------------------------------------------------------------------
BLIND["b_pb_max_abs_residual"] = '''# expect: python-builtin@2
import numpy as np
rng = np.random.default_rng(6)
y_true = rng.normal(size=300_000)
y_pred = y_true + rng.normal(0, 0.1, 300_000)
# --- cell ---
residuals = y_true - y_pred
worst = max(abs(residuals))
'''

BLIND["b_pb_any_outlier"] = '''# expect: python-builtin@1
import numpy as np
data = np.random.default_rng(7).normal(size=400_000)
# --- cell ---
has_outliers = any(np.abs(data) > 6)
med = np.median(data)
'''

BLIND["b_pb_sorted_top5"] = '''# expect: python-builtin@1
import numpy as np
probs = np.random.default_rng(8).dirichlet(np.ones(200_000))
# --- cell ---
top5 = sorted(probs, reverse=True)[:5]
'''

# -- growing-array -------------------------------------------------------------------------------
BLIND["b_ga_vstack_samples"] = '''# expect: growing-array@4
import numpy as np
rng = np.random.default_rng(9)
# --- cell ---
samples = np.empty((0, 8))
for _ in range(3000):
    point = rng.normal(size=(1, 8))
    samples = np.vstack([samples, point])
'''

BLIND["b_ga_append_bootstrap_while"] = '''# expect: growing-array@5
import numpy as np
sample = np.random.default_rng(10).exponential(2.0, 500)
rng = np.random.default_rng(11)
# --- cell ---
boot_means = np.array([])
b = 0
while b < 3000:
    res = rng.choice(sample, sample.size)
    boot_means = np.append(boot_means, res.mean())
    b += 1
'''

# -- broadcast-blowup ----------------------------------------------------------------------------
BLIND["b_bb_knn_newaxis"] = '''# expect: broadcast-blowup@1
import numpy as np
rng = np.random.default_rng(12)
train = rng.random((1500, 8))
query = rng.random((200, 8))
# --- cell ---
d2 = ((query[:, np.newaxis, :] - train[np.newaxis, :, :]) ** 2).sum(axis=2)
nearest = d2.argmin(axis=1)
'''

BLIND["b_bb_column_pred_minus_target"] = '''# expect: broadcast-blowup@2
import numpy as np
rng = np.random.default_rng(13)
X = rng.random((2000, 5))
w = rng.random((5, 1))
y = rng.random(2000)
# --- cell ---
pred = X @ w
mse = np.mean((pred - y) ** 2)
'''

# -- missing-keepdims ----------------------------------------------------------------------------
BLIND["b_mk_transition_matrix"] = '''# expect: missing-keepdims@1
import numpy as np
counts = np.random.default_rng(14).integers(1, 50, (800, 800)).astype(float)
# --- cell ---
T = counts / counts.sum(axis=1)
'''

BLIND["b_mk_zscore_rows_helper"] = '''# expect: missing-keepdims@2
import numpy as np
panel = np.random.default_rng(15).normal(3, 2, (700, 700))
# --- cell ---
def zscore_rows(M):
    return (M - np.mean(M, axis=1)) / np.std(M, axis=1)
Z = zscore_rows(panel)
'''

# -- temporary-chain -----------------------------------------------------------------------------
BLIND["b_tc_mixture_pdf"] = '''# expect: temporary-chain@1
import numpy as np
x = np.random.default_rng(16).normal(size=3_000_000)
m1, s1, m2, s2 = -1.0, 0.5, 2.0, 1.5
# --- cell ---
pdf = 0.3 * np.exp(-(x - m1) ** 2 / (2 * s1 ** 2)) + 0.7 * np.exp(-(x - m2) ** 2 / (2 * s2 ** 2))
'''

BLIND["b_tc_gradient_magnitude_helper"] = '''# expect: temporary-chain@3
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
'''

# -- unexpected-copy -----------------------------------------------------------------------------
BLIND["b_uc_flatten_for_mean"] = '''# expect: unexpected-copy@1
import numpy as np
frames = np.random.default_rng(18).random((40, 256, 256))
# --- cell ---
pixels = frames.flatten()
brightness = pixels.mean()
'''

BLIND["b_uc_astype_same_string"] = '''# expect: unexpected-copy@1
import numpy as np
raw = np.random.default_rng(19).random((2000, 1000))
# --- cell ---
X = raw.astype("float64")
col_means = X.mean(axis=0)
'''

BLIND["b_uc_tile_bias"] = '''# expect: unexpected-copy@2
import numpy as np
rng = np.random.default_rng(20)
acts = rng.normal(size=(20_000, 128))
bias = rng.normal(size=128)
# --- cell ---
n = acts.shape[0]
B = np.tile(bias, (n, 1))
out = acts + B
'''

# -- view-pins-base ------------------------------------------------------------------------------
BLIND["b_vp_first_column_del"] = '''# expect: view-pins-base@2
import numpy as np
def load_table():
    return np.random.default_rng(21).random((5000, 500))
# --- cell ---
table = load_table()
ids = table[:, 0]
del table
'''

BLIND["b_vp_simulation_final_values"] = '''# expect: view-pins-base@3
import numpy as np
# --- cell ---
def simulate_paths(n_paths, n_steps, seed=0):
    paths = np.random.default_rng(seed).normal(size=(n_paths, n_steps)).cumsum(axis=1)
    return paths[:, -1]
finals = simulate_paths(2000, 1000)
'''

# -- view-mutation -------------------------------------------------------------------------------
BLIND["b_vm_center_first_half"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
scores = np.random.default_rng(23).normal(size=(1000, 50))
# --- cell ---
original_mean = scores.mean()
first_half = scores[:500]
first_half -= first_half.mean()
shifted_mean = scores.mean()
'''

BLIND["b_vm_ravel_clip_highlights"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
img = np.random.default_rng(24).random((512, 512))
# --- cell ---
pixels = img.ravel()
pixels[pixels > 0.95] = 0.95
hist, _ = np.histogram(pixels, bins=64)
contrast = img.std()
'''

# Added for issue 12, when writes that update the parent the cell goes on with stopped being
# findings: the two cases of unclear intent, an info note without a fix.
BLIND["b_vm_baseline_then_zeroed_head"] = '''# expect: view-mutation@3
import numpy as np
readings = np.random.default_rng(25).random(5_000)
# --- cell ---
head = readings[:100]
baseline = readings.mean()
head *= 0
'''

BLIND["b_vm_sorted_flat_of_grid"] = '''# expect: view-mutation@2
import numpy as np
grid = np.random.default_rng(26).random((200, 200))
# --- cell ---
flat = grid.ravel()
flat.sort()
median = flat[flat.size // 2]
first_col = grid[:, 0].sum()
'''

# -- dtype-upcast --------------------------------------------------------------------------------
BLIND["b_du_uint8_batch_over_255"] = '''# expect: dtype-upcast@1
import numpy as np
batch = np.random.default_rng(25).integers(0, 256, (32, 3, 128, 128), dtype=np.uint8)
# --- cell ---
x = batch / 255
x_mean = x.mean(axis=(0, 2, 3))
'''

BLIND["b_du_int16_audio_gain"] = '''# expect: dtype-upcast@2
import numpy as np
pcm = np.random.default_rng(26).integers(-32768, 32767, 2_000_000, dtype=np.int16)
# --- cell ---
gain = 0.5
quieter = pcm * gain
'''

# -- dtype-overflow ------------------------------------------------------------------------------
BLIND["b_do_brighten_uint8"] = '''# expect: dtype-overflow@1
import numpy as np
photo = np.random.default_rng(27).integers(0, 256, (600, 800, 3), dtype=np.uint8)
# --- cell ---
brighter = photo + 60
'''

BLIND["b_do_box_areas_int16"] = '''# expect: dtype-overflow@3
import numpy as np
boxes = np.random.default_rng(28).integers(0, 1000, (100_000, 4)).astype(np.int16)
# --- cell ---
w = boxes[:, 2] - boxes[:, 0]
h = boxes[:, 3] - boxes[:, 1]
areas = np.abs(w * h)
'''

# -- object-dtype --------------------------------------------------------------------------------
BLIND["b_od_explicit_object_floats"] = '''# expect: object-dtype@1
import numpy as np
vals = [float(v) for v in np.random.default_rng(30).random(100_000)]
# --- cell ---
arr = np.array(vals, dtype=object)
total = (arr * 2).sum()
'''

BLIND["b_od_none_gaps"] = '''# expect: object-dtype@1
import numpy as np
raw = [1.5 * (i % 13) if i % 7 else None for i in range(100_000)]
# --- cell ---
readings = np.array(raw)
clean = readings[readings != None]
mean = clean.astype(float).mean()
'''

# -- non-contiguous ------------------------------------------------------------------------------
BLIND["b_nc_fortran_row_loop"] = '''# expect: python-loop@3, non-contiguous@3
import numpy as np
F = np.array(np.random.default_rng(32).random((3000, 1000)), order="F")
# --- cell ---
row_sums = np.empty(F.shape[0])
for i in range(F.shape[0]):
    row_sums[i] = F[i].sum()
'''

BLIND["b_nc_column_std_comprehension"] = '''# expect: python-loop@1, non-contiguous@1
import numpy as np
returns = np.random.default_rng(33).normal(0.0, 0.01, (3000, 2500))
# --- cell ---
vol = np.array([returns[:, k].std() for k in range(returns.shape[1])])
'''

# -- api-misuse ----------------------------------------------------------------------------------
BLIND["b_am_inv_dot"] = '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(34)
A = rng.random((600, 600)) + 600 * np.eye(600)
b = rng.random(600)
# --- cell ---
x = np.linalg.inv(A).dot(b)
'''

BLIND["b_am_legacy_normal"] = '''# expect: api-misuse@1
import numpy as np
# --- cell ---
noise = np.random.normal(0.0, 1.0, (1000, 1000))
snr = noise.std()
'''

BLIND["b_am_not_equal_nan"] = '''# expect: api-misuse@1
import numpy as np
vals = np.random.default_rng(36).normal(size=500_000)
vals[::37] = np.nan
# --- cell ---
clean = vals[vals != np.nan]
avg = clean.mean()
'''

# -- near misses ---------------------------------------------------------------------------------
BLIND["b_ok_gradient_descent_epochs"] = '''# expect-not: python-loop
# expect-not: non-contiguous
import numpy as np
rng = np.random.default_rng(40)
X = rng.normal(size=(5000, 20))
y = X @ rng.normal(size=20)
# --- cell ---
w = np.zeros(20)
for epoch in range(200):
    grad = X.T @ (X @ w - y) / len(y)
    w -= 0.1 * grad
'''

BLIND["b_ok_outer_gaps_kept"] = '''# expect-not: broadcast-blowup
import numpy as np
rng = np.random.default_rng(41)
a = rng.random(2000)
b = rng.random(1500)
# --- cell ---
gaps = a.reshape(-1, 1) - b.reshape(1, -1)
'''

BLIND["b_ok_row_normalise_indexed"] = '''# expect-not: missing-keepdims
import numpy as np
counts = np.random.default_rng(42).integers(1, 50, (800, 800)).astype(float)
# --- cell ---
P = counts / counts.sum(axis=1)[:, None]
'''

BLIND["b_ok_center_columns_square"] = '''# expect-not: missing-keepdims
import numpy as np
S = np.random.default_rng(43).normal(size=(900, 900))
# --- cell ---
Sc = S - S.mean(axis=0)
'''

BLIND["b_ok_brighten_widened"] = '''# expect-not: dtype-overflow
import numpy as np
photo = np.random.default_rng(44).integers(0, 256, (600, 800, 3), dtype=np.uint8)
# --- cell ---
brighter = np.clip(photo.astype(np.int16) + 60, 0, 255).astype(np.uint8)
'''

BLIND["b_ok_copy_then_clip"] = '''# expect-not: view-mutation
import numpy as np
img = np.random.default_rng(45).random((512, 512))
# --- cell ---
work = img.copy()
work[work > 0.95] = 0.95
contrast = img.std()
'''

BLIND["b_ok_column_view_base_kept"] = '''# expect-not: view-pins-base
import numpy as np
table = np.random.default_rng(46).random((5000, 500))
# --- cell ---
ids = table[:, 0]
scaled = table / table.max()
'''

BLIND["b_ok_sum_of_python_losses"] = '''# expect-not: python-builtin
# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(47)
X = rng.normal(size=(50_000, 32))
w = rng.normal(size=32)
# --- cell ---
losses = []
for start in range(0, len(X), 1000):
    xb = X[start:start + 1000]
    losses.append(float(((xb @ w) ** 2).mean()))
avg = sum(losses) / len(losses)
'''

BLIND["b_ok_astype_float32"] = '''# expect-not: unexpected-copy
# expect-not: dtype-upcast
import numpy as np
X = np.random.default_rng(48).random((2000, 1000))
# --- cell ---
X32 = X.astype(np.float32)
'''

BLIND["b_ok_ms_in_int64"] = '''# expect-not: dtype-overflow
import numpy as np
durations_s = np.random.default_rng(49).integers(0, 86_400 * 365, 500_000).astype(np.int32)
# --- cell ---
total_ms = durations_s.astype(np.int64) * 1000
'''

BLIND["b_ok_covariance_transpose_matmul"] = '''# expect-not: non-contiguous
import numpy as np
X = np.random.default_rng(50).normal(size=(20_000, 100))
# --- cell ---
Xc = X - X.mean(axis=0)
cov = Xc.T @ Xc / (len(Xc) - 1)
'''

BLIND["b_ok_solve_and_generator"] = '''# expect-not: api-misuse
import numpy as np
A = np.random.default_rng(51).random((600, 600)) + 600 * np.eye(600)
# --- cell ---
rng = np.random.default_rng(0)
b = rng.normal(size=600)
x = np.linalg.solve(A, b)
missing = np.isnan(x).sum()
'''

BLIND["b_ok_collect_then_concatenate"] = '''# expect-not: growing-array
import numpy as np
rng = np.random.default_rng(52)
# --- cell ---
chunks = []
for k in range(200):
    chunks.append(rng.normal(k, 1.0, 5000))
series = np.concatenate(chunks)
'''

BLIND["b_ok_float32_times_python_float"] = '''# expect-not: dtype-upcast
import numpy as np
emb = np.random.default_rng(53).normal(size=(50_000, 64)).astype(np.float32)
# --- cell ---
emb_half = emb * 0.5
'''

# Written as a positive (non-contiguous@2) and turned into a near miss after measuring: np.sort
# copies each lane into a buffer, so sorting panel.T along axis 1 takes the same time as sorting a
# C-ordered copy (85 ms both, 4000 x 800): no cost from the memory order.
BLIND["b_ok_sort_transposed"] = '''# expect-not: non-contiguous
import numpy as np
panel = np.random.default_rng(33).normal(size=(4000, 800))
# --- cell ---
by_asset = panel.T
sorted_assets = np.sort(by_asset, axis=1)
'''

BLIND["b_ok_object_labels"] = '''# expect-not: object-dtype
import numpy as np
names = ["cat", "dog", "bird", None] * 25_000
# --- cell ---
labels = np.array(names, dtype=object)
is_cat = labels == "cat"
'''

# -- added while fixing (phase 3), from probing other spellings of the same problems -------------
BLIND["b_pl_softmax_each_row"] = '''# expect: python-loop@2
import numpy as np
logits = np.random.default_rng(60).normal(size=(20_000, 10))
# --- cell ---
probs = np.empty_like(logits)
for i, row in enumerate(logits):
    e = np.exp(row - row.max())
    probs[i] = e / e.sum()
'''

BLIND["b_od_object_filled_from_array"] = '''# expect: object-dtype@1, python-loop@2
import numpy as np
x = np.random.default_rng(61).random(100_000)
# --- cell ---
o = np.empty(100_000, dtype=object)
for i in range(100_000):
    o[i] = x[i]
'''

BLIND["b_nc_enumerate_transpose"] = '''# expect: non-contiguous@2
import numpy as np
M = np.random.default_rng(62).random((3000, 3000))
# --- cell ---
col_max = np.empty(M.shape[1])
for j, col in enumerate(M.T):
    col_max[j] = col.max()
'''

BLIND["b_nc_while_over_columns"] = '''# expect: python-loop@3, non-contiguous@4
import numpy as np
M = np.random.default_rng(63).random((3000, 3000))
# --- cell ---
j = 0
spread = np.empty(3000)
while j < 3000:
    spread[j] = M[:, j].max() - M[:, j].min()
    j += 1
'''

BLIND["b_pl_apply_along_axis_lambda"] = '''# expect: python-loop@1
import numpy as np
feats = np.random.default_rng(64).random((20_000, 12))
# --- cell ---
ranges = np.apply_along_axis(lambda row: row.max() - row.min(), 1, feats)
'''

BLIND["b_ok_apply_along_axis_few_long_rows"] = '''# expect-not: python-loop
import numpy as np
series = np.random.default_rng(65).random((8, 200_000))
# --- cell ---
medians = np.apply_along_axis(np.median, 1, series)
'''

BLIND["b_vm_helper_scales_in_place"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
data = np.random.default_rng(66).random((2000, 100))
# --- cell ---
def scale_(a):
    a /= a.max()
    return a
train = data[:1500]
scale_(train)
overall = data.mean()
'''

BLIND["b_vm_copyto_head"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
signal = np.random.default_rng(67).random(1_000_000)
# --- cell ---
warmup = signal[:1000]
np.copyto(warmup, 0.0)
energy = (signal ** 2).sum()
'''

BLIND["b_ok_helper_returns_new_array"] = '''# expect-not: view-mutation
import numpy as np
data = np.random.default_rng(68).random((2000, 100))
# --- cell ---
def scaled(a):
    return a / a.max()
train = data[:1500]
train_s = scaled(train)
overall = data.mean()
'''

BLIND["b_do_float16_running_total"] = '''# expect: dtype-overflow@2
import numpy as np
weights = np.random.default_rng(69).random(200_000).astype(np.float16)
# --- cell ---
w = weights / 2
cum = np.cumsum(w)
'''

BLIND["b_ok_float16_mean_and_scale"] = '''# expect-not: dtype-overflow
import numpy as np
act = np.random.default_rng(70).random(1_000_000).astype(np.float16)
# --- cell ---
avg = act.mean()
act2 = act * 2 - 1
total = act.sum(dtype=np.float32)
'''

BLIND["b_uc_fancy_first_columns"] = '''# expect: unexpected-copy@1
import numpy as np
design = np.random.default_rng(71).random((3000, 2000))
# --- cell ---
head_feats = design[:, np.arange(500)]
col_means = head_feats.mean(axis=0)
'''

BLIND["b_pb_max_of_ravel"] = '''# expect: python-builtin@1
import numpy as np
heat = np.random.default_rng(72).random((600, 600))
# --- cell ---
hottest = max(heat.ravel())
'''

BLIND["b_am_nan_in_array"] = '''# expect: api-misuse@2
import numpy as np
temps = np.random.default_rng(73).normal(20.0, 5.0, 300_000)
temps[1234] = np.nan
# --- cell ---
daily = temps.reshape(-1, 100)
if np.nan in temps:
    daily = np.nanmean(daily, axis=1)
'''

BLIND["b_pl_count_above_threshold"] = '''# expect: python-loop@2
import numpy as np
pvals = np.random.default_rng(74).random(120_000)
# --- cell ---
n_sig = 0
for p in pvals:
    if p < 0.05:
        n_sig += 1
'''

BLIND["b_pl_first_difference_offset"] = '''# expect: python-loop@2
import numpy as np
level = np.random.default_rng(75).normal(size=80_000).cumsum()
# --- cell ---
change = np.empty(len(level) - 1)
for t in range(1, len(level)):
    change[t - 1] = level[t] - level[t - 1]
'''

BLIND["b_pl_ndenumerate_threshold"] = '''# expect: python-loop@2
import numpy as np
img = np.random.default_rng(76).random((250, 250))
# --- cell ---
binary = np.zeros(img.shape, dtype=np.uint8)
for (r, c), v in np.ndenumerate(img):
    binary[r, c] = 1 if v > 0.5 else 0
'''

BLIND["b_ok_smoothing_state_carried"] = '''# expect-not: python-loop
import numpy as np
obs = np.random.default_rng(77).normal(size=60_000)
# --- cell ---
level = 0.0
smooth = np.empty_like(obs)
for t in range(len(obs)):
    level = 0.98 * level + 0.02 * obs[t]
    smooth[t] = level
'''

BLIND["b_ok_balance_recurrence_offset"] = '''# expect-not: python-loop
import numpy as np
rates = np.random.default_rng(78).normal(0.0003, 0.01, 50_000)
# --- cell ---
balance = np.empty(len(rates) + 1)
balance[0] = 1000.0
for t in range(len(rates)):
    balance[t + 1] = balance[t] * (1 + rates[t]) - 0.5
'''

BLIND["b_pl_comprehension_over_tolist"] = '''# expect: python-loop@1
import numpy as np
scores = np.random.default_rng(79).normal(size=150_000)
# --- cell ---
clipped = np.array([s if s < 2.5 else 2.5 for s in scores.tolist()])
'''

BLIND["b_du_uint8_minus_channel_means"] = '''# expect: dtype-upcast@2
import numpy as np
frames = np.random.default_rng(80).integers(0, 256, (16, 128, 128, 3), dtype=np.uint8)
# --- cell ---
channel_mean = frames.mean(axis=(0, 1, 2))
centered = frames - channel_mean
'''

BLIND["b_vp_first_rows_appended"] = '''# expect: view-pins-base@4
import numpy as np
# --- cell ---
previews = []
for seed in range(4):
    batch = np.random.default_rng(seed).random((1000, 1000))
    previews.append(batch[:2])
del batch
'''

BLIND["b_pl_monte_carlo_pi_per_draw"] = '''# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(81)
# --- cell ---
inside = 0
for _ in range(60_000):
    pt = rng.random(2)
    if pt[0] ** 2 + pt[1] ** 2 <= 1.0:
        inside += 1
pi_est = 4 * inside / 60_000
'''

BLIND["b_ok_random_walk_path"] = '''# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(82)
# --- cell ---
pos = 0.0
path = np.empty(40_000)
for t in range(40_000):
    pos += rng.normal(0.0, 1.0) if pos > -50 else 1.0
    path[t] = pos
'''

BLIND["b_od_made_in_loader_function"] = '''# expect: object-dtype@2
import numpy as np
rows = [float(v) for v in np.random.default_rng(83).random(100_000)]
# --- cell ---
def to_array(values):
    return np.array(values, dtype=object)
prices = to_array(rows)
avg = prices.mean()
'''

BLIND["b_pl_nested_comprehension_rows"] = '''# expect: python-loop@1
import numpy as np
grid = np.random.default_rng(84).random((200, 200))
# --- cell ---
scaled = np.array([[2.0 * v - 1.0 for v in row] for row in grid])
'''

BLIND["b_ok_nested_comprehension_small_table"] = '''# expect-not: python-loop
import numpy as np
table = np.arange(12).reshape(3, 4)
# --- cell ---
cells = [[f"{v:02d}" for v in row] for row in table]
'''
