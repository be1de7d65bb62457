"""Rule dask-chunk-broadcast (advisor/rules/broadcast_blowup/dask_chunk_broadcast.py): cells it
must flag, look-alikes it must leave alone.  The ufunc calls inside a task are recorded on a
cluster's workers (arrayprof's worker plugin), not on Dask's threaded scheduler: the cases run
with a LocalCluster (2 worker processes x 2 threads, loopback) as the default client."""

from __future__ import annotations

import gc

import pytest
from advisor_harness import check_case

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.dask


@pytest.fixture(scope="module", autouse=True)
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       memory_limit=512 * 2**20)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    for _ in range(10):  # as tests/test_dask.py: tornado's reference cycles
        if gc.collect() == 0:
            break


POSITIVES: dict[str, str] = {
    "pairwise_differences": '''# expect: broadcast-blowup@1
import numpy as np
import dask.array as da
rng = np.random.default_rng(0)
a = da.from_array(rng.random((1200, 20)), chunks=(300, 20))
b = da.from_array(rng.random((1200, 20)), chunks=(300, 20))
# --- cell ---
d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
dist = d.compute()
''',
    "outer_product_in_chunks": '''# expect: broadcast-blowup@2
import numpy as np
import dask.array as da
u = da.from_array(np.linspace(0.0, 1.0, 4000), chunks=1000)
# --- cell ---
v = u * 2
m = (u[:, None] * v[None, :]).max().compute()
''',
}

NEAR_MISSES: dict[str, str] = {
    "small_broadcast": '''# expect-not: broadcast-blowup
import numpy as np
import dask.array as da
rng = np.random.default_rng(1)
a = da.from_array(rng.random((120, 4)), chunks=(30, 4))
# --- cell ---
d = ((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=-1).compute()
''',
    "row_broadcast_same_shape": '''# expect-not: broadcast-blowup
import numpy as np
import dask.array as da
x = da.from_array(np.ones((2000, 300)), chunks=(500, 300))
w = np.linspace(0.0, 1.0, 300)
# --- cell ---
s = (x * w).sum().compute()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
