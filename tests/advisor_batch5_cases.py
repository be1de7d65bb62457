"""A fifth batch, written before the issue-12 rule changes and in styles not yet in the tests.

Half is expert code that is already good (``g5_``): simulations that write through views on
purpose (Gray-Scott and heat stencils, particles through column views, ``ravel()``/``view()``
in-place updates, writable diagonals), vectorized idioms, random generation with the Generator
and the legacy API, complex arithmetic, ``einsum``, ``out=``.  None of it may warn; view-mutation
in particular must stay silent where the parent is used afterwards as the updated state.

The other half (``m5_``) holds the patterns the issue lists as missed: pure-Python loops over
lists and scalars (Mandelbrot, Game of Life, matrix product), random walks drawing one number per
step, ``np.nditer`` loops, per-point function calls in comprehensions, argsort/sort-then-slice,
the diagonal or trace of a product in other spellings, and others in that spirit.

Same header language as cases/examples (``expect: CATEGORY@LINE``, ``expect-not: CATEGORY``);
used by tests/test_advisor_batch5.py and benchmarks/advisor_scores.py (group ``batch5``).
"""

BATCH5: dict[str, str] = {}

# == good: expert code that must not warn ========================================================

BATCH5["g5_gray_scott_views"] = '''# expect-not: view-mutation
import numpy as np
n = 128
U = np.ones((n + 2, n + 2))
V = np.zeros((n + 2, n + 2))
r = 16
U[n // 2 - r:n // 2 + r, n // 2 - r:n // 2 + r] = 0.50
V[n // 2 - r:n // 2 + r, n // 2 - r:n // 2 + r] = 0.25
Du, Dv, F, k = 0.16, 0.08, 0.035, 0.065
# --- cell ---
u, v = U[1:-1, 1:-1], V[1:-1, 1:-1]
for i in range(40):
    Lu = U[0:-2, 1:-1] + U[1:-1, 0:-2] - 4 * U[1:-1, 1:-1] + U[1:-1, 2:] + U[2:, 1:-1]
    Lv = V[0:-2, 1:-1] + V[1:-1, 0:-2] - 4 * V[1:-1, 1:-1] + V[1:-1, 2:] + V[2:, 1:-1]
    uvv = u * v * v
    u += Du * Lu - uvv + F * (1 - u)
    v += Dv * Lv + uvv - (F + k) * v
'''

BATCH5["g5_heat_1d_inner_view"] = '''# expect-not: view-mutation
import numpy as np
T = np.zeros(2_000)
T[900:1100] = 100.0
alpha = 0.4
# --- cell ---
inner = T[1:-1]
for step in range(200):
    inner += alpha * (T[2:] - 2.0 * T[1:-1] + T[:-2])
energy = T.sum()
'''

BATCH5["g5_ravel_then_zero"] = '''# expect-not: view-mutation
import numpy as np
rng = np.random.default_rng(501)
Z = rng.random((400, 400))
# --- cell ---
flat = Z.ravel()
flat[rng.choice(Z.size, 500, replace=False)] = 0
print(round(float(Z.sum()), 3), np.count_nonzero(Z == 0))
'''

BATCH5["g5_view_int32_inplace_convert"] = '''# expect-not: view-mutation
import numpy as np
Z = (np.random.default_rng(502).random(10_000) * 100).astype(np.float32)
# --- cell ---
Y = Z.view(np.int32)
Y[:] = Z
print(Y[:5])
'''

BATCH5["g5_particles_column_views"] = '''# expect-not: view-mutation
import numpy as np
rng = np.random.default_rng(503)
P = rng.random((5_000, 2))
Vel = rng.normal(0.0, 0.01, (5_000, 2))
# --- cell ---
x, y = P[:, 0], P[:, 1]
vx, vy = Vel[:, 0], Vel[:, 1]
for t in range(50):
    x += vx
    y += vy
    vx[(x < 0) | (x > 1)] *= -1
    vy[(y < 0) | (y > 1)] *= -1
centre = P.mean(axis=0)
'''

BATCH5["g5_writable_diagonal"] = '''# expect-not: view-mutation
import numpy as np
A = np.random.default_rng(504).random((600, 600))
lam = 0.1
# --- cell ---
d = np.einsum('ii->i', A)
d += lam
x = np.linalg.solve(A, np.ones(600))
'''

BATCH5["g5_flat_diagonal_step"] = '''# expect-not: view-mutation
import numpy as np
K = np.random.default_rng(505).random((500, 500))
K = K @ K.T
# --- cell ---
K.flat[::K.shape[0] + 1] += 1e-6
L = np.linalg.cholesky(K)
'''

BATCH5["g5_jacobi_slice_assign"] = '''# expect-not: python-loop
import numpy as np
u = np.zeros((102, 102))
u[0, :] = 1.0
# --- cell ---
for it in range(100):
    u[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
residual = np.abs(u[1:-1, 1:-1] - 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1])).max()
'''

BATCH5["g5_game_of_life_numpy"] = '''# expect-not: python-loop
import numpy as np
Z = np.random.default_rng(506).integers(0, 2, (128, 128))
# --- cell ---
def iterate(Z):
    N = (Z[0:-2, 0:-2] + Z[0:-2, 1:-1] + Z[0:-2, 2:] + Z[1:-1, 0:-2] +
         Z[1:-1, 2:] + Z[2:, 0:-2] + Z[2:, 1:-1] + Z[2:, 2:])
    birth = (N == 3) & (Z[1:-1, 1:-1] == 0)
    survive = ((N == 2) | (N == 3)) & (Z[1:-1, 1:-1] == 1)
    Z[...] = 0
    Z[1:-1, 1:-1][birth | survive] = 1
    return Z
for i in range(30):
    Z = iterate(Z)
alive = int(Z.sum())
'''

BATCH5["g5_mandelbrot_numpy"] = '''# expect-not: dtype-upcast
import numpy as np
xs = np.linspace(-2.0, 0.5, 300)
ys = np.linspace(-1.25, 1.25, 200)
# --- cell ---
C = xs[None, :] + ys[:, None] * 1j
Z = np.zeros_like(C)
N = np.zeros(C.shape, dtype=int)
for n in range(30):
    I = np.abs(Z) < 2.0
    N[I] += 1
    Z[I] = Z[I] ** 2 + C[I]
'''

BATCH5["g5_complex_from_float32"] = '''# expect-not: dtype-upcast
import numpy as np
X, Y = np.meshgrid(np.linspace(-1, 1, 500, dtype=np.float32),
                   np.linspace(-1, 1, 500, dtype=np.float32))
# --- cell ---
C = X + Y * 1j
mag = np.abs(C)
'''

BATCH5["g5_generator_sampling"] = '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(507)
# --- cell ---
X = rng.normal(size=(20_000, 3))
idx = rng.permutation(len(X))
train, test = X[idx[:16_000]], X[idx[16_000:]]
boot = rng.choice(len(train), size=(50, len(train)))
means = train[boot].mean(axis=1)
'''

BATCH5["g5_legacy_random_idioms"] = '''# expect-not: api-misuse
import numpy as np
# --- cell ---
np.random.seed(0)
Z = np.random.random((200, 200))
noise = np.random.normal(0.0, 1.0, 10_000)
pick = np.random.randint(0, 10, 50)
print(Z.shape, noise.std().round(1), pick.max() < 10)
'''

BATCH5["g5_legacy_shuffle_in_place"] = '''# expect-not: api-misuse
import numpy as np
np.random.seed(508)
deck = np.arange(52)
# --- cell ---
np.random.shuffle(deck)
hand = deck[:5]
print(sorted(hand.tolist()) != list(range(5)))
'''

BATCH5["g5_einsum_rowwise_dot"] = '''
import numpy as np
rng = np.random.default_rng(509)
A = rng.random((50_000, 8))
B = rng.random((50_000, 8))
# --- cell ---
dots = np.einsum('ij,ij->i', A, B)
norms = np.sqrt(np.einsum('ij,ij->i', A, A))
cos = dots / (norms * np.linalg.norm(B, axis=1))
'''

BATCH5["g5_ufunc_out_arguments"] = '''# expect-not: temporary-chain
import numpy as np
rng = np.random.default_rng(510)
a = rng.random(1_000_000)
b = rng.random(1_000_000)
out = np.empty_like(a)
# --- cell ---
np.multiply(a, b, out=out)
np.add(out, 1.0, out=out)
np.sqrt(out, out=out)
np.clip(out, 1.0, 1.2, out=out)
'''

BATCH5["g5_add_at_histogram"] = '''# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(511)
bins = rng.integers(0, 100, 200_000)
w = rng.random(200_000)
# --- cell ---
hist = np.zeros(100)
np.add.at(hist, bins, w)
same = np.allclose(hist, np.bincount(bins, weights=w, minlength=100))
'''

BATCH5["g5_topk_argpartition"] = '''# expect-not: api-misuse
import numpy as np
z = np.random.default_rng(512).random(1_000_000)
n = 10
# --- cell ---
idx = np.argpartition(z, -n)[-n:]
idx = idx[np.argsort(z[idx])]
best = z[idx]
'''

BATCH5["g5_rows_normalised_through_view"] = '''# expect-not: view-mutation
import numpy as np
M = np.random.default_rng(513).random((2_000, 50))
# --- cell ---
head = M[:500]
head /= head.sum(axis=1, keepdims=True)
print(np.allclose(M[:500].sum(axis=1), 1.0), M.shape)
'''

BATCH5["g5_fft_convolution"] = '''
import numpy as np
rng = np.random.default_rng(514)
sig = rng.random(100_000)
ker = np.hanning(257)
# --- cell ---
n = sig.size + ker.size - 1
conv = np.fft.irfft(np.fft.rfft(sig, n) * np.fft.rfft(ker, n), n)
check = np.allclose(conv[:1000], np.convolve(sig[:1000], ker)[:1000])
'''

BATCH5["g5_sliding_window_mean"] = '''
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
x = np.random.default_rng(515).random(200_000)
# --- cell ---
smooth = sliding_window_view(x, 7).mean(axis=-1)
'''

BATCH5["g5_image_channel_stats"] = '''# expect: dtype-upcast@3
# (added after the first run: line 3 really makes a 7.4 MB float64 image from uint8, where
# float32 would halve it; the findings on line 2, inside NumPy's own std, were the false ones)
import numpy as np
img = np.random.default_rng(516).integers(0, 256, (480, 640, 3), dtype=np.uint8)
# --- cell ---
mean = img.reshape(-1, 3).mean(axis=0)
std = img.reshape(-1, 3).std(axis=0)
norm = (img - mean) / std
'''

BATCH5["g5_where_and_clip_inplace"] = '''
import numpy as np
x = np.random.default_rng(517).normal(size=1_000_000)
# --- cell ---
y = np.where(x > 0, x, 0.01 * x)
np.clip(x, -1.0, 1.0, out=x)
'''

BATCH5["g5_random_walk_vectorised"] = '''# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(518)
n = 1_000_000
# --- cell ---
steps = rng.choice([-1, 1], size=n)
walk = np.cumsum(steps)
first = np.argmax(np.abs(walk) >= 100)
'''

BATCH5["g5_monte_carlo_pi"] = '''
import numpy as np
rng = np.random.default_rng(519)
# --- cell ---
xy = rng.random((1_000_000, 2))
inside = np.count_nonzero(np.einsum('ij,ij->i', xy, xy) <= 1.0)
pi = 4.0 * inside / len(xy)
'''

BATCH5["g5_kmeans_identity"] = '''# expect-not: broadcast-blowup
import numpy as np
rng = np.random.default_rng(520)
X = rng.random((100_000, 2))
C = rng.random((8, 2))
# --- cell ---
d2 = (X * X).sum(1)[:, None] - 2.0 * X @ C.T + (C * C).sum(1)[None, :]
labels = d2.argmin(axis=1)
C = np.array([X[labels == j].mean(axis=0) for j in range(len(C))])
'''

BATCH5["g5_lorenz_scalar_ode"] = '''# expect-not: python-loop
import numpy as np
# --- cell ---
def lorenz(x, y, z, s=10.0, r=28.0, b=2.667):
    return s * (y - x), r * x - y - x * z, x * y - b * z
dt, steps = 0.01, 5_000
xs = np.empty(steps + 1)
ys = np.empty(steps + 1)
zs = np.empty(steps + 1)
xs[0], ys[0], zs[0] = 0.0, 1.0, 1.05
for i in range(steps):
    dx, dy, dz = lorenz(xs[i], ys[i], zs[i])
    xs[i + 1] = xs[i] + dx * dt
    ys[i + 1] = ys[i] + dy * dt
    zs[i + 1] = zs[i] + dz * dt
'''

BATCH5["g5_smoothing_mid_view"] = '''# expect-not: view-mutation
import numpy as np
x = np.random.default_rng(521).random(100_000)
# --- cell ---
for sweep in range(20):
    mid = x[1:-1]
    mid[:] = (x[:-2] + 2.0 * mid + x[2:]) / 4.0
print(round(float(x.std()), 4))
'''

BATCH5["g5_wave_equation_swap"] = '''# expect-not: python-loop
import numpy as np
n = 5_000
x = np.linspace(0.0, 1.0, n)
c2 = 0.25
# --- cell ---
prev = np.exp(-((x - 0.5) ** 2) / 0.001)
cur = prev.copy()
nxt = np.empty_like(cur)
for t in range(300):
    nxt[1:-1] = 2 * cur[1:-1] - prev[1:-1] + c2 * (cur[2:] - 2 * cur[1:-1] + cur[:-2])
    prev, cur, nxt = cur, nxt, prev
'''

BATCH5["g5_fill_diagonal_and_mask"] = '''
import numpy as np
rng = np.random.default_rng(522)
P = rng.random((1_000, 3))
# --- cell ---
G = P @ P.T
np.fill_diagonal(G, 0.0)
upper = G[np.triu_indices_from(G, k=1)]
'''

BATCH5["g5_bincount_groupby"] = '''# expect-not: python-loop
import numpy as np
rng = np.random.default_rng(523)
group = rng.integers(0, 50, 500_000)
val = rng.random(500_000)
# --- cell ---
sums = np.bincount(group, weights=val, minlength=50)
counts = np.bincount(group, minlength=50)
means = sums / counts
'''

BATCH5["g5_structured_view_update"] = '''# expect-not: view-mutation
import numpy as np
rec = np.zeros(50_000, dtype=[("x", "f8"), ("y", "f8"), ("hits", "i4")])
rng = np.random.default_rng(524)
# --- cell ---
xcol = rec["x"]
xcol += rng.random(len(rec))
hits = rec["hits"]
hits[rec["x"] > 0.5] += 1
print(int(rec["hits"].sum()) > 0)
'''

BATCH5["g5_lstsq_polyfit"] = '''# expect-not: api-misuse
import numpy as np
rng = np.random.default_rng(525)
t = np.linspace(0, 1, 50_000)
y = 3 * t ** 2 - t + rng.normal(0, 0.1, t.size)
# --- cell ---
A = np.vander(t, 3)
coef, *_ = np.linalg.lstsq(A, y, rcond=None)
fit = A @ coef
'''

BATCH5["g5_dtype_view_bits"] = '''# expect-not: view-mutation
import numpy as np
f = np.random.default_rng(526).random(100_000).astype(np.float32)
# --- cell ---
bits = f.view(np.uint32)
bits &= 0xFFFFF000
print(f[:3])
'''

# == missed: patterns the advisor must find ======================================================

BATCH5["m5_mandelbrot_pure_python"] = '''# expect: python-loop@8
import numpy as np
xs = np.linspace(-2.0, 0.5, 120)
ys = np.linspace(-1.25, 1.25, 80)
# --- cell ---
def mandel(c, maxiter=30):
    z = 0
    for n in range(maxiter):
        if abs(z) > 2:
            return n
        z = z * z + c
    return maxiter
img = [[mandel(complex(x, y)) for x in xs] for y in ys]
img = np.array(img)
'''

BATCH5["m5_game_of_life_lists"] = '''# expect: python-loop@4
import numpy as np
Z = np.random.default_rng(527).integers(0, 2, (120, 120)).tolist()
# --- cell ---
def compute_neighbours(Z):
    rows, cols = len(Z), len(Z[0])
    N = [[0] * cols for i in range(rows)]
    for x in range(1, rows - 1):
        for y in range(1, cols - 1):
            N[x][y] = (Z[x - 1][y - 1] + Z[x][y - 1] + Z[x + 1][y - 1] + Z[x - 1][y] +
                       Z[x + 1][y] + Z[x - 1][y + 1] + Z[x][y + 1] + Z[x + 1][y + 1])
    return N
for generation in range(3):
    N = compute_neighbours(Z)
'''

BATCH5["m5_random_walk_legacy_randint"] = '''# expect: python-loop@3
import numpy as np
np.random.seed(528)
# --- cell ---
position = 0
walk = [position]
for i in range(30_000):
    step = 1 if np.random.randint(0, 2) else -1
    position += step
    walk.append(position)
'''

BATCH5["m5_random_walk_stdlib"] = '''# expect: python-loop@4
import random
import numpy as np
random.seed(529)
# --- cell ---
position = 0
walk = [position]
steps = 50_000
for i in range(steps):
    position += random.choice([-1, 1])
    walk.append(position)
walk = np.array(walk)
'''

BATCH5["m5_generator_draw_per_step"] = '''# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(530)
# --- cell ---
x = np.zeros(30_000)
for i in range(1, len(x)):
    x[i] = x[i - 1] + rng.normal()
'''

BATCH5["m5_list_of_single_draws"] = '''# expect: python-loop@1
import numpy as np
rng = np.random.default_rng(531)
# --- cell ---
samples = np.array([rng.random() for _ in range(50_000)])
'''

BATCH5["m5_legacy_normal_per_element"] = '''# expect: python-loop@2
import numpy as np
np.random.seed(532)
# --- cell ---
noise = np.empty(40_000)
for i in range(noise.size):
    noise[i] = np.random.normal(0.0, 2.0)
'''

BATCH5["m5_weighted_choice_per_step"] = '''# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(533)
probs = np.array([0.1, 0.2, 0.3, 0.4])
# --- cell ---
states = []
for _ in range(5_000):
    states.append(rng.choice(4, p=probs))
states = np.array(states)
'''

BATCH5["m5_nditer_readwrite"] = '''# expect: python-loop@1
import numpy as np
a = np.random.default_rng(534).random((300, 300))
# --- cell ---
for v in np.nditer(a, op_flags=['readwrite']):
    v[...] = 2 * v + 1
'''

BATCH5["m5_nditer_two_operands"] = '''# expect: python-loop@2
import numpy as np
a = np.random.default_rng(535).random(80_000)
# --- cell ---
out = np.empty_like(a)
for x, y in np.nditer([a, out], op_flags=[['readonly'], ['writeonly']]):
    y[...] = x * x - 0.5
'''

BATCH5["m5_nditer_multi_index"] = '''# expect: python-loop@3
import numpy as np
img = np.random.default_rng(536).random((250, 250))
# --- cell ---
total = 0.0
it = np.nditer(img, flags=['multi_index'])
for v in it:
    r, c = it.multi_index
    total += float(v) * (r + c)
'''

BATCH5["m5_point_to_lines_distance"] = '''# expect: python-loop@8
import numpy as np
rng = np.random.default_rng(537)
P0 = rng.uniform(-10, 10, (200, 2))
P1 = rng.uniform(-10, 10, (200, 2))
P = rng.uniform(-10, 10, (500, 2))
# --- cell ---
def distance(P0, P1, p):
    T = P1 - P0
    L = (T ** 2).sum(axis=1)
    U = -((P0[:, 0] - p[..., 0]) * T[:, 0] + (P0[:, 1] - p[..., 1]) * T[:, 1]) / L
    U = U.reshape(len(U), 1)
    D = P0 + U * T - p
    return np.sqrt((D ** 2).sum(axis=1))
D = np.array([distance(P0, P1, p_i) for p_i in P])
'''

BATCH5["m5_norm_per_point"] = '''# expect: python-loop@1
import numpy as np
rng = np.random.default_rng(538)
P = rng.random((60_000, 3))
q = rng.random(3)
# --- cell ---
dists = np.array([np.linalg.norm(p - q) for p in P])
'''

BATCH5["m5_row_mean_comprehension"] = '''# expect: python-loop@1
import numpy as np
M = np.random.default_rng(539).random((40_000, 16))
# --- cell ---
row_means = np.array([np.mean(row) for row in M])
'''

BATCH5["m5_argsort_tail_top_n"] = '''# expect: api-misuse@2, view-pins-base@2
# (view-pins-base added after the first run: the kept slice really pins the 16 MB sort)
import numpy as np
z = np.random.default_rng(540).random(2_000_000)
# --- cell ---
n = 10
top = np.argsort(z)[-n:]
'''

BATCH5["m5_sort_then_tail_values"] = '''# expect: api-misuse@1, view-pins-base@1
# (view-pins-base added after the first run: the kept slice really pins the 16 MB sort)
import numpy as np
scores = np.random.default_rng(541).random(2_000_000)
# --- cell ---
largest = np.sort(scores)[-20:]
'''

BATCH5["m5_argsort_reversed_head"] = '''# expect: api-misuse@1, view-pins-base@1
# (view-pins-base added after the first run: the kept slice really pins the 16 MB sort)
import numpy as np
z = np.random.default_rng(542).random(2_000_000)
# --- cell ---
best = z.argsort()[::-1][:5]
'''

BATCH5["m5_diag_of_dot"] = '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(543)
A = rng.random((1_200, 600))
B = rng.random((600, 1_200))
# --- cell ---
d = np.diag(np.dot(A, B)).copy()
'''

BATCH5["m5_diagonal_method_of_product"] = '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(544)
X = rng.random((1_200, 400))
# --- cell ---
sq = (X @ X.T).diagonal().copy()
'''

BATCH5["m5_sum_of_product_matrix"] = '''# expect: api-misuse@1
import numpy as np
rng = np.random.default_rng(545)
A = rng.random((1_000, 1_000))
B = rng.random((1_000, 1_000))
# --- cell ---
total = (A @ B).sum()
'''

BATCH5["m5_double_loop_products"] = '''# expect: python-loop@2
import numpy as np
rng = np.random.default_rng(546)
X = rng.random(400)
Y = rng.random(400)
# --- cell ---
r = 0.0
for x in X:
    for y in Y:
        r += x * y
'''

BATCH5["m5_builtin_sum_times_sum"] = '''# expect: python-builtin@1
import numpy as np
rng = np.random.default_rng(547)
x = rng.random(300_000)
y = rng.random(300_000)
# --- cell ---
s = sum(x) * sum(y)
'''

BATCH5["m5_list_sum_of_squares"] = '''# expect: python-loop@3
import numpy as np
values = np.random.default_rng(548).random(200_000).tolist()
# --- cell ---
arr = np.array(values)
total = 0.0
for v in values:
    total += v * v
rms = (total / len(values)) ** 0.5
'''

BATCH5["m5_list_matmul_triple_loop"] = '''# expect: python-loop@3
import numpy as np
A = np.random.default_rng(549).random((50, 50)).tolist()
B = np.random.default_rng(550).random((50, 50)).tolist()
# --- cell ---
n = len(A)
C = [[0.0] * n for _ in range(n)]
for i in range(n):
    for j in range(n):
        for k in range(n):
            C[i][j] += A[i][k] * B[k][j]
C = np.array(C)
'''

BATCH5["m5_math_sqrt_comprehension"] = '''# expect: python-loop@1
import math
import numpy as np
arr = np.random.default_rng(551).random(150_000)
# --- cell ---
roots = [math.sqrt(v) for v in arr]
roots = np.array(roots)
'''

BATCH5["m5_dict_counting"] = '''# expect: python-loop@2
import numpy as np
labels = np.random.default_rng(552).integers(0, 20, 150_000)
# --- cell ---
counts = {}
for v in labels:
    counts[v] = counts.get(v, 0) + 1
'''

BATCH5["m5_zip_lists_dot"] = '''# expect: python-loop@2
import numpy as np
a = np.random.default_rng(553).random(200_000).tolist()
b = np.random.default_rng(554).random(200_000).tolist()
# --- cell ---
dot = 0.0
for p, q in zip(a, b):
    dot += p * q
'''

BATCH5["m5_logistic_per_element_list"] = '''# expect: python-loop@3
import math
import numpy as np
z = np.random.default_rng(555).normal(size=100_000)
# --- cell ---
def sigmoid(t):
    return 1.0 / (1.0 + math.exp(-t))
probs = np.array([sigmoid(t) for t in z])
'''

BATCH5["m5_where_len_count"] = '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(556).normal(size=3_000_000)
# --- cell ---
n_pos = len(np.where(x > 0)[0])
'''

BATCH5["m5_sorted_index_min"] = '''# expect: api-misuse@1
import numpy as np
x = np.random.default_rng(557).random(2_000_000)
# --- cell ---
smallest = np.sort(x)[0]
'''

BATCH5["m5_gram_diagonal"] = '''# expect: api-misuse@1
import numpy as np
A = np.random.default_rng(558).random((300, 1_500))
# --- cell ---
col_sq = np.diag(A.T @ A).copy()
'''

BATCH5["m5_mandelbrot_while_pixels"] = '''# expect: python-loop@2
import numpy as np
w, h = 100, 70
# --- cell ---
out = np.zeros((h, w), dtype=int)
for j in range(h):
    for i in range(w):
        c = complex(-2.0 + 2.5 * i / w, -1.25 + 2.5 * j / h)
        z, n = 0j, 0
        while abs(z) <= 2 and n < 30:
            z = z * z + c
            n += 1
        out[j, i] = n
'''
