"""Positives and near misses of the reduced-outer-product rule (category broadcast-blowup).

Each positive is found by this rule alone (the other rules of the category do not flag
it); each near miss stays quiet.  Cases taken from the batches keep their names; new
ones say what they add."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "bb_kde_sum": '''# expect: broadcast-blowup@2
import numpy as np
grid = np.linspace(-3.0, 3.0, 1000)
obs = np.random.default_rng(126).normal(0.0, 1.0, 2000)
# --- cell ---
bw = 0.3
density = np.exp(-0.5 * ((grid[:, None] - obs[None, :]) / bw) ** 2).sum(axis=1)
''',
    "bb_named_then_only_reduced": '''# expect: broadcast-blowup@1
# new: the broadcast is bound to a name that the rest of the cell only reduces
import numpy as np
P = np.random.default_rng(601).random((1500, 3))
Q = np.random.default_rng(602).random((800, 3))
# --- cell ---
diff = P[:, None, :] - Q[None, :, :]
nearest = (diff ** 2).sum(-1).min(1)
''',
    "b_bb_knn_newaxis": '''# expect: broadcast-blowup@1
import numpy as np
rng = np.random.default_rng(12)
train = rng.random((1500, 8))
query = rng.random((200, 8))
# --- cell ---
d2 = ((query[:, np.newaxis, :] - train[np.newaxis, :, :]) ** 2).sum(axis=2)
nearest = d2.argmin(axis=1)
''',
    "h_blowup_min_distance": '''# expect: broadcast-blowup@1
import numpy as np
a = np.random.default_rng(215).random(3000)
b = np.random.default_rng(216).random(2500)
# --- cell ---
closest = np.abs(a[:, None] - b).min(axis=1)
''',
}

NEAR_MISSES: dict[str, str] = {
    "kept_outer_ok": '''# expect-not: broadcast-blowup
import numpy as np
pts = np.random.default_rng(14).random(2000)
# --- cell ---
diff = pts[:, None] - pts[None, :]
''',
    "t_ok_outer_kept": '''# expect-not: broadcast-blowup
import numpy as np
u = np.random.default_rng(315).random(2000)
v = np.random.default_rng(316).random(1500)
# --- cell ---
table = np.outer(u, v)
table2 = u[:, None] * v
''',
    "g5_kmeans_identity": '''# expect-not: broadcast-blowup
import numpy as np
rng = np.random.default_rng(520)
X = rng.random((100_000, 2))
C = rng.random((8, 2))
# --- cell ---
d2 = (X * X).sum(1)[:, None] - 2.0 * X @ C.T + (C * C).sum(1)[None, :]
labels = d2.argmin(axis=1)
C = np.array([X[labels == j].mean(axis=0) for j in range(len(C))])
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
