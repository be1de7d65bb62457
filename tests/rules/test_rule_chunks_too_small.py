"""Rule chunks-too-small (advisor/rules/dask_chunks/chunks_too_small.py): cells it must flag,
look-alikes it must leave alone.  Dask's local synchronous scheduler (no cluster;
every task on the cell's own thread, `dask_synchronous` in conftest.py): its tasks take
a quarter of the millisecond threshold or less here."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

pytest.importorskip("dask")
pytest.importorskip("dask.array")
pytestmark = [pytest.mark.dask, pytest.mark.usefixtures("dask_synchronous")]


POSITIVES: dict[str, str] = {
    'ones_in_chunks_of_ten': '''# expect: dask-chunks@2
import numpy as np
import dask.array as da
# --- cell ---
y = da.ones(2000, chunks=10)
t = (y + 1).sum().compute()
''',
    'zeros_in_chunks_of_ten': '''# expect: dask-chunks@1
import numpy as np
import dask.array as da
y = da.zeros(3000, chunks=10)
# --- cell ---
t = (y - 1).min().compute()
''',
}

NEAR_MISSES: dict[str, str] = {
    'four_tasks': '''# expect-not: dask-chunks
import numpy as np
import dask.array as da
# --- cell ---
y = da.ones(2000, chunks=500)
t = (y + 1).sum().compute()
''',
    'ninety_tasks': '''# expect-not: dask-chunks
import numpy as np
import dask.array as da
# --- cell ---
y = da.ones(900, chunks=10)
t = (y + 1).sum().compute()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
