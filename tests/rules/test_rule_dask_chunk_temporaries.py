"""Rule dask-chunk-temporaries (advisor/rules/temporary_chain/dask_chunk_temporaries.py): cells it must flag,
look-alikes it must leave alone.  Dask's local synchronous scheduler (no cluster;
every task on the cell's own thread, `dask_synchronous` in conftest.py): the tasks'
temporaries are measured as they run."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

pytest.importorskip("dask")
pytest.importorskip("dask.array")
pytestmark = [pytest.mark.dask, pytest.mark.usefixtures("dask_synchronous")]


POSITIVES: dict[str, str] = {
    'hypot_std_in_chunks': '''# expect: temporary-chain@1
import numpy as np
import dask.array as da
x = da.ones((2000, 300), chunks=(500, 150))
# --- cell ---
z = np.sqrt(x ** 2 + (x * 3) ** 2).std()
m = z.compute()
''',
    'column_variance_in_chunks': '''# expect: temporary-chain@1
import numpy as np
import dask.array as da
x = da.ones((2000, 300), chunks=(500, 150))
# --- cell ---
s = x.var(axis=0).compute()
''',
}

NEAR_MISSES: dict[str, str] = {
    'chunks_under_the_silent_bytes': '''# expect-not: temporary-chain
import numpy as np
import dask.array as da
x = da.ones((200, 30), chunks=(50, 15))
# --- cell ---
v = ((x - x.mean(axis=0)) ** 2).sum().compute()
''',
    'reduction_of_stored_chunks': '''# expect-not: temporary-chain
import numpy as np
import dask.array as da
x = da.from_array(np.ones((2000, 300)), chunks=(500, 150))
# --- cell ---
m = x.max().compute()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
