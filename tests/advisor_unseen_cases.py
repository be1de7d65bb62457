"""A third batch of cells, written to differ from both cases/examples and advisor_style_cases.py:
functions defined in the cell and called, ``zip``/``enumerate``/``while`` loops, chained indexing,
``np.newaxis`` vs ``None`` vs ``reshape(-1, 1)``, method vs function spellings, multi-line
statements, code inside ``with``/``if``, ML-ish code (standardisation, softmax, distances, one-hot,
moving averages, image crops), plus near misses that look like the positives but are correct.

Same header language as the examples (``expect: CATEGORY@LINE``, ``expect-not: CATEGORY``); used by
tests/test_advisor_unseen.py and benchmarks/advisor_scores.py.  Sizes are chosen so the costs are
real (warnings, not info) while each case still profiles in well under a second.
"""

CASES: dict[str, str] = {}

# -- python-loop ---------------------------------------------------------------------------------
CASES["pl_loop_inside_function"] = '''# expect: python-loop@4
import numpy as np
feature = np.random.default_rng(101).normal(5.0, 2.0, 150_000)
# --- cell ---
def standardise(values):
    mu, sd = values.mean(), values.std()
    scaled = np.empty_like(values)
    for idx, val in enumerate(values):
        scaled[idx] = (val - mu) / sd
    return scaled
zs = standardise(feature)
'''

CASES["pl_zip_append_then_array"] = '''# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(102)
heights = rng.uniform(1.5, 2.0, 120_000)
weights = rng.uniform(50.0, 100.0, 120_000)
# --- cell ---
bmi = []
for h, w in zip(heights, weights):
    bmi.append(w / (h * h))
bmi = np.array(bmi)
'''

CASES["pl_while_k_plus_one"] = '''# expect: python-loop@4
import numpy as np
signal = np.random.default_rng(103).normal(0.0, 1.0, 120_000)
# --- cell ---
n = signal.size
clipped = np.zeros(n)
k = 0
while k < n:
    v = signal[k]
    clipped[k] = v if v < 1.0 else 1.0
    k = k + 1
'''

CASES["pl_comprehension_range_len"] = '''# expect: python-loop@1
import numpy as np
left = np.random.default_rng(104).random(150_000)
right = np.random.default_rng(105).random(150_000)
# --- cell ---
gaps = np.asarray([abs(left[i] - right[i]) for i in range(len(left))])
'''

CASES["pl_chained_index_nested"] = '''# expect: python-loop@2
import numpy as np
photo = np.random.default_rng(106).random((300, 400))
# --- cell ---
bright = np.empty_like(photo)
for r in range(photo.shape[0]):
    for c in range(photo.shape[1]):
        bright[r][c] = min(photo[r][c] * 1.2, 1.0)
'''

CASES["pl_inside_errstate"] = '''# expect: python-loop@3
import numpy as np
num = np.random.default_rng(107).random(100_000)
den = np.random.default_rng(108).random(100_000) + 0.5
# --- cell ---
ratio = np.zeros_like(num)
with np.errstate(divide="ignore", invalid="ignore"):
    for i in range(len(num)):
        ratio[i] = num[i] / den[i]
'''

CASES["pl_moving_average"] = '''# expect: python-loop@3
import numpy as np
prices = np.cumsum(np.random.default_rng(109).normal(0.0, 1.0, 30_000)) + 100.0
# --- cell ---
w = 20
ma = np.full(prices.shape, np.nan)
for t in range(w - 1, len(prices)):
    ma[t] = prices[t - w + 1:t + 1].mean()
'''

CASES["pl_running_max_if"] = '''# expect: python-loop@2
import numpy as np
scores = np.random.default_rng(110).random(200_000)
# --- cell ---
best = -np.inf
for s in scores:
    if s > best:
        best = s
'''

# -- np-vectorize --------------------------------------------------------------------------------
CASES["nv_decorator_elif"] = '''# expect: np-vectorize@8
import numpy as np
u = np.random.default_rng(111).random(150_000)
# --- cell ---
@np.vectorize
def bucket(v):
    if v < 0.2:
        return 0
    elif v < 0.7:
        return 1
    return 2
labels = bucket(u)
'''

CASES["nv_frompyfunc_method_chain"] = '''# expect: np-vectorize@2
import math
import numpy as np
xs = np.random.default_rng(112).random(150_000)
ys = np.random.default_rng(113).random(150_000)
# --- cell ---
hyp = np.frompyfunc(math.hypot, 2, 1)
radius = hyp(xs, ys).astype(np.float64)
'''

CASES["nv_inline_lambda_otypes"] = '''# expect: np-vectorize@1
import numpy as np
pa = np.random.default_rng(114).random(150_000)
pb = np.random.default_rng(115).random(150_000)
# --- cell ---
capped = np.vectorize(lambda p, q: p if p > q else q, otypes=[float])(pa, pb)
'''

CASES["nv_inside_function"] = '''# expect: np-vectorize@3
import numpy as np
samples = np.random.default_rng(116).random(150_000)
# --- cell ---
def affine_all(arr):
    f = np.vectorize(lambda t: t * 2.0 + 1.0)
    return f(arr)
doubled = affine_all(samples)
'''

# -- python-builtin ------------------------------------------------------------------------------
CASES["pb_any_of_mask"] = '''# expect: python-builtin@1
import numpy as np
temps = np.random.default_rng(117).normal(36.8, 0.3, 400_000)
# --- cell ---
alarm = any(temps > 45.0)
'''

CASES["pb_sorted_reverse_topk"] = '''# expect: python-builtin@1
import numpy as np
scores = np.random.default_rng(118).random(200_000)
# --- cell ---
top10 = sorted(scores, reverse=True)[:10]
'''

CASES["pb_max_of_abs"] = '''# expect: python-builtin@1
import numpy as np
wave = np.sin(np.linspace(0.0, 300.0, 400_000))
# --- cell ---
peak = max(abs(wave))
'''

CASES["pb_sum_inside_function"] = '''# expect: python-builtin@2
import numpy as np
residual = np.random.default_rng(119).normal(0.0, 1.0, 400_000)
# --- cell ---
def l1(v):
    return sum(np.abs(v))
dist = l1(residual)
'''

CASES["pb_list_of_array"] = '''# expect: python-builtin@1
import numpy as np
readings = np.random.default_rng(120).random(300_000)
# --- cell ---
as_list = list(readings)
count = len(as_list)
'''

# -- growing-array -------------------------------------------------------------------------------
CASES["ga_while_concatenate_tuple"] = '''# expect: growing-array@5
import numpy as np
# --- cell ---
collected = np.empty(0)
batch = 0
while batch < 300:
    chunk = np.sin(np.arange(batch * 100, (batch + 1) * 100) * 0.01)
    collected = np.concatenate((collected, chunk))
    batch += 1
'''

CASES["ga_conditional_vstack"] = '''# expect: growing-array@4
import numpy as np
records = np.random.default_rng(121).random((600, 40))
# --- cell ---
stacked = None
for rec in records:
    row = rec * 2.0
    stacked = row[None, :] if stacked is None else np.vstack([stacked, row])
'''

CASES["ga_append_under_if"] = '''# expect: growing-array@4
import numpy as np
# --- cell ---
kept = np.array([], dtype=np.int64)
for idx in range(6000):
    if idx % 3 == 0:
        kept = np.append(kept, idx)
'''

CASES["ga_dict_entry"] = '''# expect: growing-array@3
import numpy as np
# --- cell ---
log = {"loss": np.zeros(0)}
for step in range(2000):
    log["loss"] = np.append(log["loss"], 1.0 / (step + 1))
'''

CASES["ga_inside_function"] = '''# expect: growing-array@4
import numpy as np
# --- cell ---
def collect(n):
    out = np.empty((0, 3))
    for i in range(n):
        out = np.append(out, [[i, i * 2, i * 3]], axis=0)
    return out
table = collect(1500)
'''

# -- broadcast-blowup ----------------------------------------------------------------------------
CASES["bb_nearest_argmin_newaxis"] = '''# expect: broadcast-blowup@1
import numpy as np
queries = np.random.default_rng(122).random((800, 3))
refs = np.random.default_rng(123).random((1000, 3))
# --- cell ---
nearest = np.argmin(((queries[:, np.newaxis, :] - refs[np.newaxis, :, :]) ** 2).sum(axis=2), axis=1)
'''

CASES["bb_reshape_column_equal"] = '''# expect: broadcast-blowup@2
import numpy as np
labels = np.random.default_rng(124).integers(0, 5, 3000)
predicted = np.random.default_rng(125).integers(0, 5, 3000)
# --- cell ---
truth = labels.reshape(-1, 1)
accuracy = (predicted == truth).mean()
'''

CASES["bb_kde_sum"] = '''# expect: broadcast-blowup@2
import numpy as np
grid = np.linspace(-3.0, 3.0, 1000)
obs = np.random.default_rng(126).normal(0.0, 1.0, 2000)
# --- cell ---
bw = 0.3
density = np.exp(-0.5 * ((grid[:, None] - obs[None, :]) / bw) ** 2).sum(axis=1)
'''

CASES["bb_function_mse"] = '''# expect: broadcast-blowup@2
import numpy as np
y_hat = np.random.default_rng(127).random(3000)
y_col = np.random.default_rng(128).random((3000, 1))
# --- cell ---
def mse(pred, target):
    return np.mean((pred - target) ** 2)
loss = mse(y_hat, y_col)
'''

# -- missing-keepdims ----------------------------------------------------------------------------
CASES["mk_softmax_axis_minus_one"] = '''# expect: missing-keepdims@1, missing-keepdims@2
import numpy as np
logits = np.random.default_rng(129).normal(0.0, 3.0, (400, 400))
# --- cell ---
shifted = logits - logits.max(axis=-1)
p = np.exp(shifted) / np.exp(shifted).sum(axis=-1)
'''

CASES["mk_linalg_norm_rows"] = '''# expect: missing-keepdims@1
import numpy as np
emb = np.random.default_rng(130).normal(0.0, 1.0, (512, 512))
# --- cell ---
unit = emb / np.linalg.norm(emb, axis=1)
'''

CASES["mk_inside_function_positional_axis"] = '''# expect: missing-keepdims@2
import numpy as np
panel = np.random.default_rng(131).random((700, 700))
# --- cell ---
def center_rows(M):
    return M - M.mean(1)
C = center_rows(panel)
'''

CASES["mk_half_fixed"] = '''# expect: missing-keepdims@3
import numpy as np
batch = np.random.default_rng(132).random((300, 300)) + 1.0
# --- cell ---
mu = np.mean(batch, axis=1)
sd = np.std(batch, axis=1)
normed = (batch - mu[:, None]) / sd
'''

# -- temporary-chain -----------------------------------------------------------------------------
CASES["tc_multiline_statement"] = '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(133)
px, py, pz = rng.random(2_000_000), rng.random(2_000_000), rng.random(2_000_000)
# --- cell ---
score = (
    (np.sqrt(px) + np.sqrt(py))
    * (np.log1p(pz) + np.exp(-pz))
)
'''

CASES["tc_gelu_in_function"] = '''# expect: temporary-chain@2
import numpy as np
h = np.random.default_rng(134).normal(0.0, 1.0, 2_000_000)
# --- cell ---
def gelu(t):
    return 0.5 * t * (1.0 + np.tanh(0.7978845608 * (t + 0.044715 * t ** 3)))
act = gelu(h)
'''

CASES["tc_augmented_assignment"] = '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(135)
d1, d2 = rng.random(2_000_000), rng.random(2_000_000)
acc = np.zeros(2_000_000)
# --- cell ---
acc += np.exp(-d1) * np.cos(d2) + np.exp(-d2) * np.sin(d1)
'''

# -- unexpected-copy -----------------------------------------------------------------------------
CASES["uc_astype_other_dtype_attr"] = '''# expect: unexpected-copy@1
import numpy as np
grads = np.random.default_rng(136).random(2_000_000)
params = np.random.default_rng(137).random(2_000_000)
# --- cell ---
step = grads.astype(params.dtype)
params -= 0.01 * step
'''

CASES["uc_repeat_to_match"] = '''# expect: unexpected-copy@1
import numpy as np
field = np.random.default_rng(138).random((2000, 500))
gains = np.random.default_rng(139).random(2000)
# --- cell ---
weighted = field * np.repeat(gains[:, None], field.shape[1], axis=1)
'''

CASES["uc_list_range_index_in_loop"] = '''# expect: unexpected-copy@3
import numpy as np
frame = np.random.default_rng(140).random((2000, 1000))
# --- cell ---
total = 0.0
for rep in range(60):
    total += frame[list(range(100, 400))].sum()
'''

CASES["uc_flatten_in_call"] = '''# expect: unexpected-copy@1
import numpy as np
volume = np.random.default_rng(141).random((120, 120, 120))
# --- cell ---
p95 = np.percentile(volume.flatten(), 95)
'''

CASES["uc_np_array_in_function"] = '''# expect: unexpected-copy@2
import numpy as np
measurements = np.random.default_rng(142).random(3_000_000)
# --- cell ---
def summarize(arr):
    local = np.array(arr)
    return local.mean(), local.std()
mean_, std_ = summarize(measurements)
'''

# -- view-pins-base ------------------------------------------------------------------------------
CASES["vp_name_rebound_to_its_slice"] = '''# expect: view-pins-base@1
import numpy as np
signal = np.random.default_rng(143).random(6_000_000)
# --- cell ---
signal = signal[::1000]
level = signal.mean()
'''

CASES["vp_returned_from_function"] = '''# expect: view-pins-base@3
import numpy as np
# --- cell ---
def load_window():
    raw = np.random.default_rng(144).random((4000, 1500))
    return raw[:20]
preview = load_window()
'''

CASES["vp_slice_of_temporary"] = '''# expect: view-pins-base@1
import numpy as np
# --- cell ---
corner = np.random.default_rng(145).random((3000, 3000))[:40, :40]
'''

CASES["vp_transposed_rows_then_del"] = '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
scores = np.random.default_rng(146).random((5000, 800))
top = scores[:3].T
del scores
'''

# -- view-mutation -------------------------------------------------------------------------------
CASES["vm_ravel_then_sort"] = '''# expect: view-mutation@2
import numpy as np
matrix = np.random.default_rng(147).random((300, 300))
# --- cell ---
flat = matrix.ravel()
flat.sort()
median = flat[flat.size // 2]
col0 = matrix[:, 0].copy()
'''

CASES["vm_row_augmented"] = '''# expect: view-mutation@3
import numpy as np
table = np.arange(60.0).reshape(6, 10)
# --- cell ---
row = table[2]
before = table.sum()
row *= 0
'''

CASES["vm_clip_out_param"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
series = np.random.default_rng(148).normal(0.0, 2.0, 1000)
# --- cell ---
part = series[100:200]
np.clip(part, -1.0, 1.0, out=part)
overall = series.std()
'''

CASES["vm_tuple_unpacked_halves"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
data = np.random.default_rng(149).random(1000)
# --- cell ---
lo, hi = data[:500], data[500:]
hi -= hi.mean()
spread = data.max() - data.min()
'''

# -- dtype-upcast --------------------------------------------------------------------------------
CASES["du_uint8_true_divide"] = '''# expect: dtype-upcast@1
import numpy as np
frame = np.random.default_rng(150).integers(0, 256, (1500, 1500), dtype=np.uint8)
# --- cell ---
unit = frame / 255
'''

CASES["du_bool_mask_times_float"] = '''# expect: dtype-upcast@2
import numpy as np
field = np.random.default_rng(151).random((1500, 1500))
# --- cell ---
mask = field > 0.5
weights = mask * 0.25
'''

CASES["du_int16_in_function"] = '''# expect: dtype-upcast@2
import numpy as np
adc = np.random.default_rng(152).integers(-2000, 2000, 3_000_000).astype(np.int16)
# --- cell ---
def to_volts(raw):
    return raw * 0.0005
volts = to_volts(adc)
'''

CASES["du_float32_times_numpy_scalar"] = '''# expect: dtype-upcast@2
import numpy as np
w32 = np.random.default_rng(153).random(3_000_000, dtype=np.float32)
# --- cell ---
gain = np.sqrt(2.0)
boosted = w32 * gain
'''

# -- dtype-overflow ------------------------------------------------------------------------------
CASES["do_uint8_frame_difference"] = '''# expect: dtype-overflow@1
import numpy as np
frame_a = np.random.default_rng(154).integers(0, 256, (480, 640), dtype=np.uint8)
frame_b = np.random.default_rng(155).integers(0, 256, (480, 640), dtype=np.uint8)
# --- cell ---
motion = frame_b - frame_a
'''

CASES["do_int16_gain"] = '''# expect: dtype-overflow@1
import numpy as np
pcm = np.random.default_rng(156).integers(-20000, 20000, 200_000).astype(np.int16)
# --- cell ---
louder = pcm * 4
'''

CASES["do_augmented_uint8"] = '''# expect: dtype-overflow@2
import numpy as np
base_counts = np.random.default_rng(157).integers(0, 250, 10_000).astype(np.uint8)
# --- cell ---
counts = base_counts.copy()
counts += 100
'''

CASES["do_int32_in_function"] = '''# expect: dtype-overflow@2
import numpy as np
stamps = np.arange(3_000_000, 3_200_000, dtype=np.int32)
# --- cell ---
def to_micro(ms):
    return ms * 1000
micro = to_micro(stamps)
'''

# -- object-dtype --------------------------------------------------------------------------------
CASES["od_astype_object"] = '''# expect: object-dtype@1
import numpy as np
measurements = np.random.default_rng(158).random(200_000)
# --- cell ---
boxed = measurements.astype(object)
total = boxed.sum()
'''

CASES["od_string_code"] = '''# expect: object-dtype@1
import numpy as np
raw_list = list(range(200_000))
# --- cell ---
vals = np.array(raw_list, dtype="O")
scaled = vals * 3
'''

CASES["od_empty_then_filled"] = '''# expect: object-dtype@1
import numpy as np
# --- cell ---
cells = np.empty(100_000, dtype=object)
cells[:] = np.arange(100_000) * 0.5
m = cells.mean()
'''

# -- non-contiguous ------------------------------------------------------------------------------
CASES["nc_fortran_rows"] = '''# expect: python-loop@2, non-contiguous@3
import numpy as np
F = np.asfortranarray(np.random.default_rng(159).random((2000, 1500)))
# --- cell ---
norms = np.empty(F.shape[0])
for i in range(F.shape[0]):
    norms[i] = np.linalg.norm(F[i])
'''

CASES["nc_column_major_scalar_walk"] = '''# expect: python-loop@3, non-contiguous@5
import numpy as np
img = np.random.default_rng(160).random((300, 300))
# --- cell ---
rows, cols = img.shape
total = 0.0
for j in range(cols):
    for i in range(rows):
        total += img[i, j]
'''

CASES["nc_iterate_transpose_methods"] = '''# expect: python-loop@2, non-contiguous@2
import numpy as np
table = np.random.default_rng(161).random((2000, 1500))
# --- cell ---
spreads = []
for col in table.T:
    spreads.append(col.max() - col.min())
'''

# -- api-misuse ----------------------------------------------------------------------------------
CASES["am_normal_equations"] = '''# expect: api-misuse@1
import numpy as np
from numpy.linalg import inv as inverse
X = np.random.default_rng(162).random((2000, 300))
y = np.random.default_rng(163).random(2000)
# --- cell ---
beta = inverse(X.T @ X) @ X.T @ y
'''

CASES["am_nan_filter"] = '''# expect: api-misuse@1
import numpy as np
readings = np.random.default_rng(164).random(10_000)
readings[::7] = np.nan
# --- cell ---
valid = readings[readings != np.nan]
'''

CASES["am_legacy_seed_normal"] = '''# expect-not: api-misuse
# issue 12: 1,000 legacy draws give no measured reason for the Generator note (at most one per
# cell, and only for large draws)
import numpy as np
# --- cell ---
np.random.seed(7)
noise = np.random.normal(0.0, 1.0, size=1000)
'''

CASES["am_inverse_on_its_own_line"] = '''# expect: api-misuse@1
import numpy as np
K = np.random.default_rng(165).random((500, 500)) + 500 * np.eye(500)
targets = np.random.default_rng(166).random(500)
# --- cell ---
K_inv = np.linalg.inv(K)
alpha = K_inv @ targets
'''

CASES["am_where_shape_count"] = '''# expect: api-misuse@1
import numpy as np
temps = np.random.default_rng(167).normal(25.0, 5.0, 2_000_000)
# --- cell ---
n_hot = np.where(temps > 30)[0].shape[0]
'''

CASES["am_log_one_plus"] = '''# expect: api-misuse@1
import numpy as np
rates = np.random.default_rng(168).random(100_000) * 1e-10
# --- cell ---
growth = np.log(1 + rates)
'''

# -- near misses: correct code that looks like the positives -------------------------------------
CASES["ok_softmax_keepdims"] = '''# expect-not: missing-keepdims
# expect-not: broadcast-blowup
# expect-not: temporary-chain
import numpy as np
logits = np.random.default_rng(169).normal(0.0, 3.0, (2000, 300))
# --- cell ---
z = logits - logits.max(axis=1, keepdims=True)
p = np.exp(z)
p /= p.sum(axis=1, keepdims=True)
'''

CASES["ok_transpose_and_newaxis_tricks"] = '''# expect-not: missing-keepdims
import numpy as np
counts = np.random.default_rng(170).random((600, 600)) + 0.1
# --- cell ---
shares = (counts.T / counts.sum(axis=1)).T
also = counts / counts.sum(axis=1)[:, np.newaxis]
again = counts / counts.sum(axis=1).reshape(-1, 1)
'''

CASES["ok_list_filled_then_concatenated"] = '''# expect-not: growing-array
# expect-not: python-loop
import numpy as np
def load(k):
    return np.full(2000, float(k))
# --- cell ---
pieces = []
k = 0
while k < 300:
    pieces.append(load(k) * 2.0)
    k += 1
joined = np.concatenate(pieces)
'''

CASES["ok_small_copy_of_big"] = '''# expect-not: view-pins-base
# expect-not: unexpected-copy
import numpy as np
# --- cell ---
big = np.random.default_rng(171).random(5_000_000)
head = big[:5].copy()
first_rows = np.array(big[:3])
del big
'''

CASES["ok_ufunc_out_chain"] = '''# expect-not: temporary-chain
# expect-not: unexpected-copy
# expect-not: dtype-upcast
import numpy as np
a = np.random.default_rng(172).random(3_000_000)
b = np.random.default_rng(173).random(3_000_000)
c = np.empty_like(a)
# --- cell ---
np.add(a, b, out=c)
np.multiply(c, 0.5, out=c)
np.sqrt(c, out=c)
c += np.cos(a)
'''

CASES["ok_distance_matrix_kept"] = '''# expect-not: broadcast-blowup
import numpy as np
pts = np.random.default_rng(174).random((700, 2))
# --- cell ---
D = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
'''

CASES["ok_logistic_map_recurrence"] = '''# expect-not: python-loop
import numpy as np
# --- cell ---
traj = np.empty(20_000)
traj[0] = 0.2
r = 3.7
for t in range(len(traj) - 1):
    traj[t + 1] = r * traj[t] * (1.0 - traj[t])
'''

CASES["ok_gradient_descent_epochs"] = '''# expect-not: python-loop
# expect-not: temporary-chain
# expect-not: api-misuse
import numpy as np
X = np.random.default_rng(175).random((2000, 20))
y = X @ np.arange(20.0) + 0.1
# --- cell ---
w = np.zeros(20)
lr = 0.1
for epoch in range(300):
    grad = X.T @ (X @ w - y) / len(y)
    w -= lr * grad
'''

CASES["ok_one_hot_encodings"] = '''# expect-not: unexpected-copy
# expect-not: python-loop
# expect-not: broadcast-blowup
# expect-not: dtype-upcast
import numpy as np
labels = np.random.default_rng(176).integers(0, 10, 100_000)
# --- cell ---
n = labels.size
onehot = np.zeros((n, 10))
onehot[np.arange(n), labels] = 1.0
onehot2 = np.eye(10)[labels]
onehot3 = (labels[:, None] == np.arange(10)).astype(np.float32)
'''

CASES["ok_float32_stays_float32"] = '''# expect-not: dtype-upcast
# expect-not: unexpected-copy
import numpy as np
w32 = np.random.default_rng(177).random(3_000_000, dtype=np.float32)
img = np.random.default_rng(178).integers(0, 256, (1000, 1000), dtype=np.uint8)
# --- cell ---
y32 = w32 * 0.5 + 1.0
img_f = img.astype(np.float32) / 255.0
'''

CASES["ok_widened_before_sum"] = '''# expect-not: dtype-overflow
import numpy as np
frame_a = np.random.default_rng(179).integers(0, 256, (480, 640), dtype=np.uint8)
frame_b = np.random.default_rng(180).integers(0, 256, (480, 640), dtype=np.uint8)
# --- cell ---
avg = (frame_a.astype(np.uint16) + frame_b) // 2
diff = frame_a.astype(np.int16) - frame_b
halves = frame_a // 2 + frame_b // 2
'''

CASES["ok_object_arrays_that_need_object"] = '''# expect-not: object-dtype
import numpy as np
# --- cell ---
tags = np.array(["x", 1, None, 2.5] * 10_000, dtype=object)
huge = np.array([2 ** 70, 3, 5] * 10_000, dtype=object)
ragged = np.empty(3, dtype=object)
ragged[:] = [np.arange(3), np.arange(5), np.arange(7)]
'''

CASES["ok_view_whose_base_lives"] = '''# expect-not: view-pins-base
# expect-not: view-mutation
import numpy as np
series = np.random.default_rng(181).random(6_000_000)
# --- cell ---
window = series[1000:2000]
level = window.mean() - series.mean()
'''

CASES["ok_patch_copied_before_write"] = '''# expect-not: view-mutation
import numpy as np
canvas = np.random.default_rng(182).random((200, 200))
# --- cell ---
patch = canvas[10:20, 10:20].copy()
patch[:] = 0.0
orig_mean = canvas.mean()
'''

CASES["ok_strided_chunk_loop"] = '''# expect-not: python-loop
# expect-not: non-contiguous
# expect-not: growing-array
import numpy as np
data = np.random.default_rng(183).random(200_000)
# --- cell ---
partial = []
for start in range(0, data.size, 20_000):
    partial.append(np.sort(data[start:start + 20_000])[-1])
'''

CASES["ok_solve_and_kept_inverse"] = '''# expect-not: api-misuse
import numpy as np
X = np.random.default_rng(184).random((2000, 200))
y = np.random.default_rng(185).random(2000)
cov = np.cov(X, rowvar=False) + np.eye(200)
# --- cell ---
coef = np.linalg.solve(X.T @ X, X.T @ y)
precision = np.linalg.inv(cov)
'''

CASES["ok_nan_aware_and_generator"] = '''# expect-not: api-misuse
import numpy as np
r = np.random.default_rng(186).random(10_000)
r[::5] = np.nan
# --- cell ---
bad = np.isnan(r)
clean = r[~bad]
gen = np.random.default_rng(1)
eps = gen.normal(size=10)
'''

CASES["ok_builtins_on_python_values"] = '''# expect-not: python-builtin
# expect-not: python-loop
import numpy as np
chunks = [np.random.default_rng(k).random(100_000) for k in range(8)]
a_list, b_list = [1, 2, 3], [4, 5]
# --- cell ---
longest = max(len(a_list), len(b_list))
total = sum(chunk.sum() for chunk in chunks)
dims = sum(chunks[0].shape)
biggest = max(c.max() for c in chunks)
'''

CASES["ok_fortran_columns"] = '''# expect: python-loop@3
# expect-not: non-contiguous
import numpy as np
M = np.random.default_rng(187).random((1500, 1500))
# --- cell ---
F = np.asfortranarray(M)
col_max = np.empty(F.shape[1])
for j in range(F.shape[1]):
    col_max[j] = F[:, j].max()
'''

CASES["ok_standardise_columns"] = '''# expect-not: missing-keepdims
# expect-not: temporary-chain
# expect-not: broadcast-blowup
import numpy as np
X = np.random.default_rng(188).random((20_000, 50))
# --- cell ---
Xs = (X - np.mean(X, 0)) / np.std(X, 0, ddof=1)
'''

CASES["ok_meshgrid_kept"] = '''# expect-not: broadcast-blowup
import numpy as np
xs = np.linspace(-1.0, 1.0, 1500)
ys = np.linspace(-1.0, 1.0, 1200)
# --- cell ---
gx, gy = np.meshgrid(xs, ys)
radius = np.hypot(gx, gy)
'''

CASES["ok_tiny_arrays_are_quiet"] = '''# expect-not: growing-array
import numpy as np
tiny = np.arange(12.0)
# --- cell ---
s = sum(tiny)
doubled = []
for v in tiny:
    doubled.append(v * 2)
scaled = tiny.astype(np.float64)
'''

CASES["ok_image_crop_and_normalise"] = '''# expect-not: unexpected-copy
# expect-not: view-pins-base
# expect-not: dtype-upcast
# expect-not: temporary-chain
import numpy as np
image = np.random.default_rng(189).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
# --- cell ---
crop = image[100:612, 200:712]
patch = crop.astype(np.float32)
patch -= patch.mean(axis=(0, 1))
patch /= patch.std(axis=(0, 1)) + np.float32(1e-6)
'''

CASES["ok_pair_concatenated_per_row"] = '''# expect-not: growing-array
import numpy as np
left = np.random.default_rng(190).random((300, 64))
right = np.random.default_rng(191).random((300, 64))
# --- cell ---
norms = np.empty(300)
for i in range(300):
    pair = np.concatenate([left[i], right[i]])
    norms[i] = pair @ pair
'''


CASES["pl_np_sum_of_comprehension"] = '''# expect: python-loop@1
import numpy as np
x = np.random.default_rng(192).random(300_000)
# --- cell ---
energy = np.sum([v * v for v in x])
'''

CASES["pl_if_else_temporary"] = '''# expect: python-loop@2
import numpy as np
x = np.random.default_rng(193).random(100_000)
# --- cell ---
out = np.empty_like(x)
for i in range(len(x)):
    if x[i] > 0.5:
        s = x[i]
    else:
        s = -x[i]
    out[i] = s * 2
'''

CASES["mk_min_max_scaling"] = '''# expect: missing-keepdims@1
import numpy as np
X = np.random.default_rng(194).random((600, 600))
# --- cell ---
Y = (X - X.min(1)) / (X.max(1) - X.min(1))
'''

CASES["bb_subtract_outer_max"] = '''# expect: broadcast-blowup@1
import numpy as np
x = np.random.default_rng(195).random(3000)
# --- cell ---
spread = np.subtract.outer(x, x).max()
'''

CASES["am_index_with_where"] = '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(196).random(2_000_000)
# --- cell ---
big = x[np.where(x > 0.5)]
'''

CASES["am_argsort_for_argmax"] = '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(197).random(1_000_000)
# --- cell ---
imax = np.argsort(x)[-1]
'''

CASES["am_pinv_times_vector"] = '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(198).random((2000, 300))
b = np.random.default_rng(199).random(2000)
# --- cell ---
coef = np.linalg.pinv(A) @ b
'''

CASES["ok_sqrt_of_bytes_is_float16"] = '''# expect-not: dtype-upcast
import numpy as np
u8 = np.random.default_rng(200).integers(0, 256, 2_000_000).astype(np.uint8)
# --- cell ---
r8 = np.sqrt(u8)
'''


CASES["pl_sum_of_row_expression"] = '''# expect: python-loop@2
import numpy as np
M = np.random.default_rng(401).random((20_000, 30))
w = np.random.default_rng(402).random(30)
# --- cell ---
score = np.zeros(M.shape[0])
for i in range(M.shape[0]):
    score[i] = np.sum(M[i, :] * w)
'''

CASES["pl_method_of_row_expression"] = '''# expect: python-loop@2
import numpy as np
M = np.random.default_rng(403).random((20_000, 30))
w = np.random.default_rng(404).random(30)
# --- cell ---
peak = np.empty(len(M))
for i in range(len(M)):
    peak[i] = (M[i] - w).max()
'''

CASES["nc_transpose_by_columns"] = '''# expect: python-loop@2, non-contiguous@3
import numpy as np
S = np.random.default_rng(405).random((1500, 1500))
# --- cell ---
T = np.empty((S.shape[1], S.shape[0]))
for i in range(S.shape[0]):
    T[:, i] = S[i, :]
'''

CASES["am_diagonal_of_product"] = '''# expect: api-misuse@1, view-pins-base@1
import numpy as np
A = np.random.default_rng(406).random((1500, 800))
B = np.random.default_rng(407).random((800, 1500))
# --- cell ---
d = np.diag(A @ B)
'''

CASES["am_trace_of_product"] = '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(408).random((1500, 800))
B = np.random.default_rng(409).random((800, 1500))
# --- cell ---
t = np.trace(A @ B)
'''

CASES["am_is_nan_in_loop"] = '''# expect: api-misuse@3
import numpy as np
x = np.array([1.0, np.nan] * 500)
# --- cell ---
count = 0
for v in x:
    if v is np.nan:
        count += 1
'''

CASES["vp_list_of_small_views"] = '''# expect: view-pins-base@1
import numpy as np
# --- cell ---
heads = [np.random.default_rng(k).random(1_000_000)[:10] for k in range(20)]
'''


CASES["ok_scalar_state_recurrence"] = '''# expect-not: python-loop
import numpy as np
x = np.random.default_rng(410).random(200_000)
# --- cell ---
smooth = np.empty_like(x)
level = 0.0
for i in range(len(x)):
    level = 0.9 * level + 0.1 * x[i]
    smooth[i] = level
'''

CASES["ok_previous_value_carried"] = '''# expect-not: python-loop
import numpy as np
x = np.random.default_rng(411).random(200_000)
# --- cell ---
out = np.empty_like(x)
prev = 0.0
for i in range(len(x)):
    out[i] = 0.5 * (x[i] + prev)
    prev = out[i]
'''


# -- held out: a second batch written after the rules were generalised on the first, used to
# measure how well they carry over (see benchmarks/advisor_scores.py, group "heldout") ---------
HELD_OUT: dict[str, str] = {}

HELD_OUT["h_loop_over_np_arange"] = '''# expect: python-loop@2
import numpy as np
temps_c = np.random.default_rng(201).normal(20.0, 5.0, 100_000)
# --- cell ---
temps_f = np.empty_like(temps_c)
for idx in np.arange(len(temps_c)):
    temps_f[idx] = temps_c[idx] * 9.0 / 5.0 + 32.0
'''

HELD_OUT["h_map_lambda"] = '''# expect: python-loop@1
import numpy as np
z = np.random.default_rng(202).normal(0.0, 1.0, 150_000)
# --- cell ---
squashed = np.array(list(map(lambda v: 1.0 / (1.0 + np.exp(-v)), z)))
'''

HELD_OUT["h_helper_function_in_comprehension"] = '''# expect: python-loop@3
import numpy as np
xs = np.random.default_rng(203).random(150_000)
# --- cell ---
def smoothstep(t):
    return t * t * (3.0 - 2.0 * t)
ys = np.array([smoothstep(t) for t in xs])
'''

HELD_OUT["h_enumerate_zip_nested_target"] = '''# expect: python-loop@2
import numpy as np
a = np.random.default_rng(204).random(120_000)
b = np.random.default_rng(205).random(120_000)
# --- cell ---
prod = np.zeros(len(a))
for i, (p, q) in enumerate(zip(a, b)):
    prod[i] = p * q
'''

HELD_OUT["h_rows_summed_in_loop"] = '''# expect: python-loop@2
import numpy as np
M = np.random.default_rng(206).random((20_000, 30))
# --- cell ---
row_totals = []
for row in M:
    row_totals.append(row.sum())
'''

HELD_OUT["h_histogram_by_hand"] = '''# expect: python-loop@2
import numpy as np
labels = np.random.default_rng(207).integers(0, 10, 100_000)
# --- cell ---
counts = np.zeros(10, dtype=np.int64)
for lab in labels:
    counts[lab] += 1
'''

HELD_OUT["h_vectorize_with_scalar_arg"] = '''# expect: np-vectorize@4
import numpy as np
vals = np.random.default_rng(208).random(150_000)
# --- cell ---
def threshold(v, level):
    return 1.0 if v > level else 0.0
vthr = np.vectorize(threshold, otypes=[np.float64])
flags = vthr(vals, 0.5)
'''

HELD_OUT["h_vectorize_imported_name"] = '''# expect: np-vectorize@1
import numpy as np
from numpy import vectorize
grid = np.random.default_rng(209).random(150_000)
# --- cell ---
rounded = vectorize(lambda g: round(g, 2))(grid)
'''

HELD_OUT["h_frompyfunc_kept_object"] = '''# expect: np-vectorize@2
import numpy as np
nums = np.arange(1, 100_001)
# --- cell ---
collatz = np.frompyfunc(lambda n: n // 2 if n % 2 == 0 else 3 * n + 1, 1, 1)
nxt = collatz(nums).astype(np.int64)
'''

HELD_OUT["h_builtin_sum_of_compare"] = '''# expect: python-builtin@1
import numpy as np
returns = np.random.default_rng(210).normal(0.0, 0.01, 400_000)
# --- cell ---
n_up = sum(returns > 0)
'''

HELD_OUT["h_builtin_mean_by_hand"] = '''# expect: python-builtin@1
import numpy as np
heights = np.random.default_rng(211).normal(170.0, 8.0, 400_000)
# --- cell ---
avg = sum(heights) / len(heights)
'''

HELD_OUT["h_builtin_min_column"] = '''# expect: python-builtin@1
import numpy as np
table = np.random.default_rng(212).random((400_000, 3))
# --- cell ---
lowest = min(table[:, 0])
'''

HELD_OUT["h_builtin_all_finite"] = '''# expect: python-builtin@2
import numpy as np
data = np.random.default_rng(213).random(400_000)
# --- cell ---
if data.size:
    ok = all(np.isfinite(data))
'''

HELD_OUT["h_grow_with_r_"] = '''# expect: growing-array@3
import numpy as np
# --- cell ---
trace = np.zeros(0)
for step in range(3000):
    trace = np.r_[trace, step * 0.1]
'''

HELD_OUT["h_grow_hstack_tuple_while_break"] = '''# expect: growing-array@5
import numpy as np
# --- cell ---
found = np.array([], dtype=np.int64)
n = 0
while True:
    if n % 7 == 0:
        found = np.hstack((found, [n]))
    n += 1
    if n > 20_000:
        break
'''

HELD_OUT["h_grow_concatenate_rows"] = '''# expect: growing-array@4
import numpy as np
blocks = np.random.default_rng(214).random((400, 8, 16))
# --- cell ---
merged = np.empty((0, 16))
for blk in blocks:
    scaled = blk * 0.5
    merged = np.concatenate([merged, scaled], axis=0)
'''

HELD_OUT["h_blowup_min_distance"] = '''# expect: broadcast-blowup@1
import numpy as np
a = np.random.default_rng(215).random(3000)
b = np.random.default_rng(216).random(2500)
# --- cell ---
closest = np.abs(a[:, None] - b).min(axis=1)
'''

HELD_OUT["h_blowup_reshape_equal_sum"] = '''# expect: broadcast-blowup@1
import numpy as np
x = np.random.default_rng(217).integers(0, 50, 3000)
y = np.random.default_rng(218).integers(0, 50, 3000)
# --- cell ---
matches = (x.reshape(-1, 1) == y.reshape(1, -1)).sum()
'''

HELD_OUT["h_blowup_fancy_column"] = '''# expect: broadcast-blowup@2
import numpy as np
data = np.random.default_rng(219).random((3000, 4))
preds = np.random.default_rng(220).random(3000)
# --- cell ---
target = data[:, [3]]
resid = target - preds
'''

HELD_OUT["h_keepdims_augmented"] = '''# expect: missing-keepdims@2
import numpy as np
scores = np.random.default_rng(221).random((500, 500))
# --- cell ---
S = scores.copy()
S -= S.mean(axis=1)
'''

HELD_OUT["h_keepdims_ufunc_call"] = '''# expect: missing-keepdims@1
import numpy as np
counts = np.random.default_rng(222).random((600, 600)) + 0.1
# --- cell ---
freqs = np.divide(counts, counts.sum(axis=1))
'''

HELD_OUT["h_keepdims_tuple_axis"] = '''# expect: missing-keepdims@1
import numpy as np
imgs = np.random.default_rng(223).random((32, 32, 32))
# --- cell ---
centred = imgs - imgs.mean(axis=(1, 2))
'''

HELD_OUT["h_chain_ufunc_products"] = '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(224)
a, b, c, d, e = (rng.random(1_500_000) for _ in range(5))
# --- cell ---
y = np.hypot(a, b) * np.log1p(c) - np.arctan(d) * np.tanh(e)
'''

# NumPy's temporary elision already keeps this at two live arrays, which is all in-place steps
# could reach too: nothing to gain, so nothing to say.
HELD_OUT["h_ok_three_products"] = '''# expect-not: temporary-chain
import numpy as np
rng = np.random.default_rng(224)
a, b, c, d, e, f = (rng.random(1_500_000) for _ in range(6))
# --- cell ---
y = a * b + c * d - e * f
'''

HELD_OUT["h_chain_function_calls"] = '''# expect: temporary-chain@1
import numpy as np
rng = np.random.default_rng(225)
a, b, c, d = (rng.random(2_000_000) for _ in range(4))
# --- cell ---
out = np.add(np.multiply(a, b), np.multiply(np.sin(c), np.cos(d)))
'''

HELD_OUT["h_chain_in_loop_body"] = '''# expect: temporary-chain@3
import numpy as np
u = np.random.default_rng(226).random(2_000_000)
# --- cell ---
total = 0.0
for k in range(3):
    field = np.exp(-u * k) * np.cos(u) + np.sqrt(u) * np.sin(u * k)
    total += field[0]
'''

HELD_OUT["h_copy_np_array_dtype"] = '''# expect: unexpected-copy@1
import numpy as np
weights = np.random.default_rng(227).random(3_000_000)
# --- cell ---
w = np.array(weights, dtype=np.float64)
norm = np.sqrt(w @ w)
'''

HELD_OUT["h_copy_astype_string"] = '''# expect: unexpected-copy@1
import numpy as np
signal = np.random.default_rng(228).random(3_000_000)
# --- cell ---
power = signal.astype("float64") ** 2
'''

HELD_OUT["h_copy_tile_row"] = '''# expect: unexpected-copy@1
import numpy as np
M = np.random.default_rng(229).random((3000, 400))
offset = np.random.default_rng(230).random(400)
# --- cell ---
shifted = M + np.tile(offset, (M.shape[0], 1))
'''

HELD_OUT["h_copy_fancy_rows_tuple"] = '''# expect: unexpected-copy@3
import numpy as np
big = np.random.default_rng(231).random((3000, 1000))
# --- cell ---
acc = 0.0
for _ in range(50):
    acc += big[[0, 1, 2, 3, 4, 5, 6, 7], :].mean()
'''

HELD_OUT["h_pin_column_after_del"] = '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
matrix = np.random.default_rng(232).random((3000, 2000))
first_col = matrix[:, 0]
del matrix
'''

HELD_OUT["h_pin_legacy_tail"] = '''# expect: view-pins-base@1
import numpy as np
# --- cell ---
tail = np.random.default_rng(233).random(8_000_000)[-10:]
'''

HELD_OUT["h_pin_reshape_row_rebind"] = '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
frames = np.random.default_rng(234).random((200, 200, 200))
frames = frames.reshape(200, -1)[0]
'''

HELD_OUT["h_mutation_reshape"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
x = np.arange(24.0)
# --- cell ---
grid = x.reshape(4, 6)
grid[0] = -1.0
check = x.sum()
'''

HELD_OUT["h_mutation_ellipsis_channel"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
img = np.random.default_rng(235).random((64, 64, 3))
# --- cell ---
red = img[..., 0]
red += 0.5
brightness = img.mean()
'''

HELD_OUT["h_mutation_view_method_fill"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
buf = np.ones(100)
# --- cell ---
alias = buf.view()
alias.fill(0.0)
total = buf.sum()
'''

HELD_OUT["h_upcast_int32_divide"] = '''# expect: dtype-upcast@1
import numpy as np
hits = np.random.default_rng(236).integers(0, 1000, 3_000_000).astype(np.int32)
# --- cell ---
rate = hits / 1000
'''

HELD_OUT["h_upcast_uint8_scale"] = '''# expect: dtype-upcast@1
import numpy as np
mask8 = np.random.default_rng(237).integers(0, 2, (2000, 2000), dtype=np.uint8)
# --- cell ---
soft = mask8 * 0.9 + 0.05
'''

HELD_OUT["h_upcast_float32_plus_float64_scalar"] = '''# expect: dtype-upcast@2
import numpy as np
emb32 = np.random.default_rng(238).random(3_000_000, dtype=np.float32)
# --- cell ---
bias = np.float64(0.1)
shifted = emb32 + bias
'''

HELD_OUT["h_overflow_astype_narrow"] = '''# expect: dtype-overflow@1
import numpy as np
readings = np.random.default_rng(239).integers(0, 100_000, 50_000)
# --- cell ---
compact = readings.astype(np.int16)
'''

HELD_OUT["h_overflow_diff_uint8"] = '''# expect: dtype-overflow@1
import numpy as np
levels = np.random.default_rng(240).integers(0, 256, 100_000).astype(np.uint8)
# --- cell ---
steps = np.diff(levels)
'''

HELD_OUT["h_overflow_shift"] = '''# expect: dtype-overflow@1
import numpy as np
codes = np.random.default_rng(241).integers(0, 256, 100_000).astype(np.uint8)
# --- cell ---
packed = codes << 4
'''

HELD_OUT["h_object_nested_list"] = '''# expect: object-dtype@1
import numpy as np
# --- cell ---
pairs = np.array([[k, k * 0.5] for k in range(50_000)], dtype=object)
col = pairs[:, 1].sum()
'''

HELD_OUT["h_object_np_object_"] = '''# expect: object-dtype@1
import numpy as np
values = [k % 97 for k in range(300_000)]
# --- cell ---
arr = np.array(values, dtype=np.object_)
top = arr.max()
'''

HELD_OUT["h_object_asarray"] = '''# expect: object-dtype@1
import numpy as np
mixed = [1, 2.5, 3, 4.75] * 50_000
# --- cell ---
boxed = np.asarray(mixed, dtype=object)
doubled = boxed * 2
'''

HELD_OUT["h_noncontig_center_columns"] = '''# expect: python-loop@1, non-contiguous@2
import numpy as np
D = np.random.default_rng(242).random((3000, 1000))
# --- cell ---
for j in range(D.shape[1]):
    D[:, j] = D[:, j] - D[:, j].mean()
'''

HELD_OUT["h_noncontig_diag_products"] = '''# expect: python-loop@2, non-contiguous@3
import numpy as np
A = np.random.default_rng(243).random((1500, 1500))
B = np.random.default_rng(244).random((1500, 1500))
# --- cell ---
d = np.empty(1500)
for k in range(1500):
    d[k] = A[k, :] @ B[:, k]
'''

HELD_OUT["h_noncontig_transposed_rows"] = '''# expect: python-loop@3, non-contiguous@4
import numpy as np
W = np.random.default_rng(245).random((2000, 1500))
# --- cell ---
Wt = W.T
peaks = np.empty(Wt.shape[0])
for r in range(Wt.shape[0]):
    peaks[r] = Wt[r].max()
'''

HELD_OUT["h_api_matmul_inv"] = '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(246).random((400, 400)) + 400 * np.eye(400)
b = np.random.default_rng(247).random(400)
# --- cell ---
x = np.matmul(np.linalg.inv(A), b)
'''

HELD_OUT["h_api_randomstate"] = '''# expect-not: api-misuse
# issue 12: no measured reason for the Generator note at 1,000 draws
import numpy as np
# --- cell ---
rs = np.random.RandomState(0)
draws = rs.normal(size=1000)
'''

HELD_OUT["h_api_len_of_mask_selection"] = '''# expect: api-misuse@1
import numpy as np
prices = np.random.default_rng(248).random(2_000_000)
# --- cell ---
n_cheap = len(prices[prices < 0.1])
'''

HELD_OUT["h_api_nan_in_loop"] = '''# expect: api-misuse@3
import numpy as np
vals = np.array([1.0, np.nan, 2.0] * 100)
# --- cell ---
missing = 0
for v in vals:
    if v == np.nan:
        missing += 1
'''

HELD_OUT["h_ok_cumsum_moving_average"] = '''# expect-not: python-loop
# expect-not: temporary-chain
# expect-not: unexpected-copy
import numpy as np
x = np.random.default_rng(249).random(2_000_000)
w = 50
# --- cell ---
cs = np.cumsum(x)
ma = (cs[w:] - cs[:-w]) / w
'''

HELD_OUT["h_ok_kernel_matrix_kept"] = '''# expect-not: broadcast-blowup
# expect-not: temporary-chain
import numpy as np
pts = np.random.default_rng(250).random(1500)
# --- cell ---
K = np.exp(-(pts[:, None] - pts[None, :]) ** 2)
'''

HELD_OUT["h_ok_linear_recurrence"] = '''# expect-not: python-loop
import numpy as np
x = np.random.default_rng(251).random(30_000)
# --- cell ---
v = np.zeros_like(x)
for t in range(1, len(x)):
    v[t] = v[t - 1] * 0.95 + x[t]
'''

HELD_OUT["h_ok_copy_then_clip"] = '''# expect-not: unexpected-copy
# expect-not: view-mutation
import numpy as np
A = np.random.default_rng(252).normal(0.0, 1.0, 3_000_000)
# --- cell ---
B = A.copy()
B[B < 0] = 0.0
ratio = B.sum() / A.sum()
'''

HELD_OUT["h_ok_write_tail_of_unused_base"] = '''# expect-not: view-mutation
import numpy as np
# --- cell ---
buf = np.ones(1000)
tail = buf[-100:]
tail[:] = 0.0
'''

HELD_OUT["h_ok_einsum_and_where"] = '''# expect-not: python-loop
# expect-not: temporary-chain
# expect-not: broadcast-blowup
import numpy as np
A = np.random.default_rng(253).random((3000, 64))
B = np.random.default_rng(254).random((3000, 64))
# --- cell ---
rowdots = np.einsum("ij,ij->i", A, B)
pos = np.where(rowdots > 16.0, rowdots, 0.0)
'''

HELD_OUT["h_ok_log_of_counts"] = '''# expect-not: api-misuse
import numpy as np
counts = np.random.default_rng(255).integers(0, 1000, 1_000_000).astype(np.float64)
# --- cell ---
logc = np.log(1 + counts)
'''

HELD_OUT["h_ok_subtract_out"] = '''# expect-not: temporary-chain
# expect-not: unexpected-copy
# expect-not: view-mutation
import numpy as np
a = np.random.default_rng(256).random(3_000_000)
b = np.random.default_rng(257).random(3_000_000)
# --- cell ---
np.subtract(a, b, out=a)
np.abs(a, out=a)
a *= 0.5
'''

HELD_OUT["h_ok_uint16_no_wrap"] = '''# expect-not: dtype-overflow
import numpy as np
img = np.random.default_rng(258).integers(0, 256, (500, 500), dtype=np.uint8)
# --- cell ---
img16 = img.astype(np.uint16)
total = img16 + img16
narrow_ok = (img // 2).astype(np.int8)
'''

HELD_OUT["h_ok_object_with_none"] = '''# expect-not: object-dtype
import numpy as np
# --- cell ---
slots = np.array([1.5, None, 3.0] * 20_000)
names = np.array(["a", "bb", 3] * 1000, dtype=object)
'''

HELD_OUT["h_ok_column_read_once"] = '''# expect-not: non-contiguous
# expect-not: python-loop
import numpy as np
M = np.random.default_rng(259).random((3000, 3000))
# --- cell ---
first = M[:, 0].copy()
colmeans = M.mean(axis=0)
'''

HELD_OUT["h_ok_epoch_loop_with_helper"] = '''# expect-not: python-loop
# expect-not: growing-array
import numpy as np
X = np.random.default_rng(260).random((5000, 10))
y = X.sum(axis=1)
def step(w, lr):
    return w - lr * X.T @ (X @ w - y) / len(y)
# --- cell ---
w = np.zeros(10)
history = []
for epoch in range(200):
    w = step(w, 0.05)
    history.append(float(((X @ w - y) ** 2).mean()))
losses = np.array(history)
'''

HELD_OUT["h_ok_float_sqrt_and_mean"] = '''# expect-not: dtype-upcast
import numpy as np
img = np.random.default_rng(261).integers(0, 256, (2000, 2000), dtype=np.uint8)
f32 = np.random.default_rng(262).random(3_000_000, dtype=np.float32)
# --- cell ---
m = img.mean(axis=0)
r = np.sqrt(f32) * 2.0
'''

HELD_OUT["h_ok_keepdims_norm_and_std"] = '''# expect-not: missing-keepdims
import numpy as np
E = np.random.default_rng(263).random((800, 800))
# --- cell ---
unit = E / np.linalg.norm(E, axis=1, keepdims=True)
z = (E - E.mean(axis=1, keepdims=True)) / E.std(axis=1, keepdims=True)
'''


# -- third batch: mostly near misses and odd constructs (classes, try/except, rolling buffers,
# errors), measured before the rules were touched again ----------------------------------------
THIRD: dict[str, str] = {}

THIRD["t_matrix_times_row"] = '''# expect: python-loop@2
import numpy as np
W = np.random.default_rng(301).random((16, 32))
X = np.random.default_rng(302).random((20_000, 32))
# --- cell ---
H = np.empty((X.shape[0], 16))
for i in range(X.shape[0]):
    H[i] = W @ X[i]
'''

THIRD["t_loop_in_try"] = '''# expect: python-loop@3
import numpy as np
v = np.random.default_rng(303).random(100_000)
# --- cell ---
out = np.empty_like(v)
try:
    for i in range(v.size):
        out[i] = np.sqrt(v[i]) + 1.0
except ValueError:
    out = None
'''

THIRD["t_loop_in_method"] = '''# expect: python-loop@6
import numpy as np
data = np.random.default_rng(304).random(100_000)
# --- cell ---
class Scaler:
    def __init__(self, k):
        self.k = k
    def apply(self, arr):
        res = np.empty_like(arr)
        for i in range(len(arr)):
            res[i] = arr[i] * self.k
        return res
scaled = Scaler(3.0).apply(data)
'''

THIRD["t_builtin_in_fstring"] = '''# expect: python-builtin@1
import numpy as np
vals = np.random.default_rng(305).random(400_000)
# --- cell ---
report = f"max={max(vals):.3f}"
'''

THIRD["t_keepdims_var_divide"] = '''# expect: missing-keepdims@2
import numpy as np
P = np.random.default_rng(306).random((450, 450))
# --- cell ---
row_sum = P.sum(1)
P_norm = P / row_sum
'''

THIRD["t_grow_vstack_in_function_loop"] = '''# expect: growing-array@4
import numpy as np
# --- cell ---
def simulate(n):
    state = np.zeros((1, 4))
    for step in range(n):
        state = np.vstack([state, state[-1] + 0.1])
    return state
traj = simulate(1500)
'''

THIRD["t_upcast_in_comprehension_sum"] = '''# expect: dtype-upcast@1
import numpy as np
frames = [np.random.default_rng(k).integers(0, 256, (600, 600), dtype=np.uint8) for k in range(6)]
# --- cell ---
stack = [f / 255.0 for f in frames]
'''

THIRD["t_overflow_int8_sum_of_products"] = '''# expect: dtype-overflow@1
import numpy as np
w8 = np.random.default_rng(307).integers(-100, 100, 50_000).astype(np.int8)
x8 = np.random.default_rng(308).integers(-100, 100, 50_000).astype(np.int8)
# --- cell ---
acc = (w8 * x8).astype(np.int32).sum()
'''

THIRD["t_error_after_finding"] = '''# expect: python-builtin@1
import numpy as np
arr = np.random.default_rng(309).random(400_000)
# --- cell ---
top = sorted(arr)
bad = arr.reshape(3, -1)
'''

THIRD["t_ok_rolling_buffer"] = '''# expect-not: growing-array
# expect-not: python-loop
import numpy as np
stream = np.random.default_rng(310).random(3000)
# --- cell ---
window = np.zeros(50)
for value in stream:
    window = np.concatenate([window[1:], [value]])
'''

THIRD["t_ok_loop_calls_print"] = '''# expect-not: python-loop
import numpy as np
x = np.random.default_rng(311).random(200)
# --- cell ---
for i in range(len(x)):
    if x[i] > 0.999:
        print("outlier at", i)
'''

THIRD["t_ok_class_with_arrays"] = '''# expect-not: python-loop
# expect-not: unexpected-copy
# expect-not: view-mutation
import numpy as np
# --- cell ---
class Buffer:
    def __init__(self, n):
        self.data = np.zeros(n)
        self.pos = 0
    def push(self, v):
        self.data[self.pos % len(self.data)] = v
        self.pos += 1
buf = Buffer(100)
for k in range(500):
    buf.push(k * 0.5)
'''

THIRD["t_ok_early_exit_search"] = '''# expect-not: python-loop
import numpy as np
series = np.random.default_rng(312).random(100_000)
# --- cell ---
first = -1
for i, v in enumerate(series):
    if v > 0.9999:
        first = i
        break
'''

THIRD["t_ok_chunked_matmul"] = '''# expect-not: python-loop
# expect-not: temporary-chain
import numpy as np
A = np.random.default_rng(313).random((4000, 256))
B = np.random.default_rng(314).random((256, 256))
# --- cell ---
out = np.empty((4000, 256))
for start in range(0, 4000, 500):
    out[start:start + 500] = np.tanh(A[start:start + 500] @ B)
'''

THIRD["t_ok_sum_of_list_of_arrays"] = '''# expect-not: python-builtin
import numpy as np
parts = [np.random.default_rng(k).random(200_000) for k in range(5)]
# --- cell ---
combined = sum(parts)
biggest = max(len(p) for p in parts)
'''

THIRD["t_ok_outer_kept"] = '''# expect-not: broadcast-blowup
import numpy as np
u = np.random.default_rng(315).random(2000)
v = np.random.default_rng(316).random(1500)
# --- cell ---
table = np.outer(u, v)
table2 = u[:, None] * v
'''

THIRD["t_ok_view_for_inplace_update"] = '''# expect-not: view-pins-base
# expect-not: unexpected-copy
import numpy as np
img = np.random.default_rng(317).random((2000, 2000))
# --- cell ---
roi = img[500:1500, 500:1500]
roi *= 0.5
'''

THIRD["t_ok_float_to_int_in_range"] = '''# expect-not: dtype-overflow
import numpy as np
probs = np.random.default_rng(318).random(500_000)
# --- cell ---
bins = (probs * 10).astype(np.int8)
pixels = (probs * 255).astype(np.uint8)
'''

THIRD["t_ok_object_strings"] = '''# expect-not: object-dtype
import numpy as np
# --- cell ---
words = np.array(["alpha", "beta", "gamma"] * 10_000, dtype=object)
lengths = np.array([len(w) for w in words[:10]])
'''

THIRD["t_ok_inv_used_twice"] = '''# expect-not: api-misuse
import numpy as np
C = np.random.default_rng(319).random((300, 300)) + 300 * np.eye(300)
a = np.random.default_rng(320).random(300)
b = np.random.default_rng(321).random(300)
# --- cell ---
Ci = np.linalg.inv(C)
mahal_a = a @ Ci @ a
mahal_b = b @ Ci @ b
'''

THIRD["t_ok_small_everything"] = '''# expect-not: growing-array
# expect-not: dtype-upcast
import numpy as np
small = np.arange(30, dtype=np.uint8)
# --- cell ---
out = np.array([])
for s in small:
    out = np.append(out, s)
f = small * 0.5
t = sum(small)
'''

THIRD["t_ok_error_in_cell"] = '''# expect-not: python-loop
import numpy as np
a = np.ones((100, 3))
b = np.ones((4, 100))
# --- cell ---
c = a @ b
d = c.sum()
'''

THIRD["t_ok_nan_sentinel_is_number"] = '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(322).random(10_000)
# --- cell ---
x[x < 0.01] = -999.0
flagged = x == -999.0
'''

THIRD["t_ok_where_indices_used"] = '''# expect-not: api-misuse
import numpy as np
x = np.random.default_rng(323).random(1_000_000)
# --- cell ---
idx = np.where(x > 0.99)[0]
picked = x[idx]
n_picked = idx.size
'''

THIRD["t_ok_strided_once"] = '''# expect-not: non-contiguous
import numpy as np
M = np.random.default_rng(324).random((3000, 3000))
# --- cell ---
every_other = M[:, ::2].sum()
col = M[:, 7].mean()
'''

THIRD["t_ok_vectorized_ml"] = '''# expect-not: python-loop
# expect-not: missing-keepdims
# expect-not: broadcast-blowup
# expect-not: temporary-chain
import numpy as np
X = np.random.default_rng(325).random((5000, 20))
w = np.random.default_rng(326).random(20)
y = (X @ w > 5).astype(np.float64)
# --- cell ---
z = X @ w
p = 1.0 / (1.0 + np.exp(-z))
grad = X.T @ (p - y) / len(y)
loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
'''


# -- fourth batch: written last, measured before any rule change for it --------------------------
FOURTH: dict[str, str] = {}

FOURTH["f_loop_normalise_rows_inplace"] = '''# expect: python-loop@1
import numpy as np
R = np.random.default_rng(501).random((30_000, 16)) + 0.1
# --- cell ---
for i in range(R.shape[0]):
    R[i] /= R[i].sum()
'''

FOURTH["f_comprehension_with_condition_sum"] = '''# expect: python-loop@1
import numpy as np
v = np.random.default_rng(502).normal(0.0, 1.0, 300_000)
# --- cell ---
pos_energy = sum([e * e for e in v if e > 0])
'''

FOURTH["f_vectorize_via_partial_name"] = '''# expect: np-vectorize@4
import numpy as np
t = np.random.default_rng(503).random(150_000)
# --- cell ---
def band(val):
    return "low" if val < 0.5 else "high"
banding = np.vectorize(band)
names = banding(t)
'''

FOURTH["f_blowup_cdist_min"] = '''# expect: broadcast-blowup@1
import numpy as np
P = np.random.default_rng(504).random((2000, 2))
Q = np.random.default_rng(505).random((1500, 2))
# --- cell ---
diff = P[:, np.newaxis] - Q
d2min = (diff ** 2).sum(axis=-1).min(axis=1)
'''

FOURTH["f_keepdims_std_axis_last"] = '''# expect: missing-keepdims@1
import numpy as np
feats = np.random.default_rng(506).random((700, 700))
# --- cell ---
whitened = feats / feats.std(axis=-1)
'''

# NumPy's temporary elision keeps this at two live arrays, which in-place steps cannot beat
# (each ufunc call needs its own output): a near miss, relabelled after measuring.
FOURTH["f_ok_chain_polynomial"] = '''# expect-not: temporary-chain
import numpy as np
t = np.random.default_rng(507).random(2_000_000)
# --- cell ---
poly = np.sin(t) * 3.0 + np.cos(t) * 2.0 + np.exp(t) * 0.5 + np.sqrt(t)
'''

FOURTH["f_copy_flatten_then_dot"] = '''# expect: unexpected-copy@1
import numpy as np
G = np.random.default_rng(508).random((1500, 1500))
# --- cell ---
g = G.flatten()
norm2 = g @ g
'''

FOURTH["f_pin_split_parts"] = '''# expect: view-pins-base@2
import numpy as np
# --- cell ---
series = np.random.default_rng(509).random(9_000_000)
first, rest = series[:100], series[100:200]
del series
'''

FOURTH["f_mutation_transpose_inplace"] = '''# expect-not: view-mutation
# issue 12: the cell reads the parent after writing through the view (an in-place update)
import numpy as np
A = np.arange(16.0).reshape(4, 4)
# --- cell ---
At = A.T
At[:, 0] *= 10
s = A.sum()
'''

FOURTH["f_upcast_int16_times_float"] = '''# expect: dtype-upcast@1
import numpy as np
samples = np.random.default_rng(510).integers(-3000, 3000, 3_000_000).astype(np.int16)
# --- cell ---
normalised = samples * (1.0 / 32768)
'''

FOURTH["f_overflow_cumsum_dtype"] = '''# expect: dtype-overflow@1
import numpy as np
steps = np.random.default_rng(511).integers(0, 100, 10_000).astype(np.int16)
# --- cell ---
position = np.cumsum(steps, dtype=np.int16)
'''

FOURTH["f_object_ragged_numbers"] = '''# expect: object-dtype@1
import numpy as np
# --- cell ---
nums = np.array([i * 1.5 for i in range(80_000)], dtype="object")
scaled = nums / 3
'''

FOURTH["f_api_inv_dot_method_chain"] = '''# expect: api-misuse@1
import numpy as np
H = np.random.default_rng(512).random((400, 400)) + 400 * np.eye(400)
g = np.random.default_rng(513).random(400)
# --- cell ---
step = -np.linalg.inv(H).dot(g)
'''

FOURTH["f_ok_vectorized_pipeline"] = '''# expect-not: python-loop
# expect-not: temporary-chain
# expect-not: missing-keepdims
# expect-not: unexpected-copy
import numpy as np
X = np.random.default_rng(514).random((10_000, 32))
# --- cell ---
mu = X.mean(axis=0)
sigma = X.std(axis=0)
Z = (X - mu) / sigma
cov = Z.T @ Z / len(Z)
'''

FOURTH["f_ok_recurrence_with_if"] = '''# expect-not: python-loop
import numpy as np
sig = np.random.default_rng(515).random(50_000)
# --- cell ---
state = np.zeros_like(sig)
for i in range(1, len(sig)):
    if sig[i] > 0.5:
        state[i] = state[i - 1] + 1
    else:
        state[i] = 0
'''

FOURTH["f_ok_stack_once_after_loop"] = '''# expect-not: growing-array
# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(516)
# --- cell ---
rows = []
for k in range(500):
    rows.append(rng.random(64))
table = np.vstack(rows)
'''

FOURTH["f_ok_copy_slice_kept"] = '''# expect-not: view-pins-base
# expect-not: unexpected-copy
import numpy as np
# --- cell ---
raw = np.random.default_rng(517).random((4000, 2000))
header = raw[:2].copy()
del raw
'''

FOURTH["f_ok_out_param_chain"] = '''# expect-not: temporary-chain
import numpy as np
a = np.random.default_rng(518).random(3_000_000)
b = np.random.default_rng(519).random(3_000_000)
res = np.empty_like(a)
# --- cell ---
np.multiply(a, b, out=res)
np.add(res, a, out=res)
np.sqrt(res, out=res)
'''

FOURTH["f_ok_loop_over_files_like"] = '''# expect-not: python-loop
# expect-not: growing-array
import numpy as np
def fake_read(k):
    return np.full(10_000, float(k))
# --- cell ---
total = np.zeros(10_000)
for k in range(100):
    total += fake_read(k)
'''

FOURTH["f_ok_intended_view_write"] = '''# expect-not: view-mutation
import numpy as np
img = np.zeros((100, 100))
# --- cell ---
img[10:20, 10:20] = 1.0
border = img[0]
border[:] = -1.0
'''
