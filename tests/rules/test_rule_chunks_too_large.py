"""Rule chunks-too-large (advisor/rules/dask_chunks/chunks_too_large.py): cells it must flag,
look-alikes it must leave alone.  A worker's memory limit comes from a cluster: the cases run
with a LocalCluster of one worker process with 2 threads and a 16 MB memory limit as the
default client.  Dask's own memory management is off for it (a worker process alone is larger
than that limit: it would pause, spill or restart), so the limit is only the figure the rule
reads, and the chunks stay a few MB.  On a worker the cells' chunk expressions also make
temporaries past the warning bytes (dask-chunk-temporaries): the cases expect those too."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from advisor_harness import check_case

dask = pytest.importorskip("dask")
pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.dask

MEMORY_LIMIT = 16_000_000
NO_MEMORY_MANAGEMENT = {"distributed.worker.memory.target": False,
                        "distributed.worker.memory.spill": False,
                        "distributed.worker.memory.pause": False,
                        "distributed.worker.memory.terminate": False}


@pytest.fixture(scope="module", autouse=True)
def client() -> Iterator[object]:
    with dask.config.set(NO_MEMORY_MANAGEMENT):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           memory_limit=MEMORY_LIMIT)
        client = distributed.Client(cluster)
        yield client
        client.close()
        cluster.close()
    for _ in range(10):  # as tests/test_dask.py: tornado's reference cycles
        if gc.collect() == 0:
            break


POSITIVES: dict[str, str] = {
    # each task holds a 2.4 MB chunk and its square at once: 2 threads x 4.8 MB = 60% of 16 MB
    "squares_of_large_chunks": '''# expect: dask-chunks@2, temporary-chain@2
import numpy as np
import dask.array as da
# --- cell ---
x = da.ones((2000, 300), chunks=(1000, 300))
s = ((x - 1) ** 2).mean().compute()
''',
    "column_sums_of_large_chunks": '''# expect: dask-chunks@1, temporary-chain@1
import numpy as np
import dask.array as da
x = da.from_array(np.ones((4000, 300)), chunks=(2000, 300))
# --- cell ---
c = (x * 2).sum(axis=0).compute()
''',
}

NEAR_MISSES: dict[str, str] = {
    "small_chunks": '''# expect: temporary-chain@2
# expect-not: dask-chunks
import numpy as np
import dask.array as da
# --- cell ---
x = da.ones((2000, 300), chunks=(250, 300))
s = ((x - 1) ** 2).mean().compute()
''',
    "line_reading_no_dask_array": '''# expect: temporary-chain@1
# expect-not: dask-chunks
import numpy as np
import dask.array as da
# --- cell ---
s = ((da.ones((2000, 300), chunks=(1000, 300)) - 1) ** 2).mean().compute()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
