"""Rule large-compute (advisor/rules/dask_compute/large_compute.py): cells it must flag,
look-alikes it must leave alone.  The results are 256 MiB of zeros in one chunk: NumPy takes
them from calloc untouched, so the cases cost no memory or time to speak of.  Dask's synchronous
scheduler (every task on the cell's own thread, `dask_synchronous` in conftest.py)."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

pytest.importorskip("dask")
pytest.importorskip("dask.array")
pytestmark = [pytest.mark.dask, pytest.mark.usefixtures("dask_synchronous")]


POSITIVES: dict[str, str] = {
    "whole_array_computed": '''# expect: dask-compute@1
import numpy as np
import dask.array as da
# --- cell ---
full = da.zeros((32768, 1024), chunks=-1).compute()
''',
    "dask_compute_function": '''# expect: dask-compute@3
import numpy as np
import dask.array as da
# --- cell ---
import dask
x = da.zeros((16384, 2048), chunks=-1)
full, = dask.compute(x)
''',
}

NEAR_MISSES: dict[str, str] = {
    "reduction_computed": '''# expect-not: dask-compute
import numpy as np
import dask.array as da
# --- cell ---
s = da.zeros((32768, 1024), chunks=-1).sum().compute()
''',
    "small_slice_computed": '''# expect-not: dask-compute
import numpy as np
import dask.array as da
x = da.zeros((32768, 1024), chunks=-1)
# --- cell ---
head = x[:10].compute()
''',
    "just_under_the_threshold": '''# expect-not: dask-compute
import numpy as np
import dask.array as da
# --- cell ---
full = da.zeros((32767, 1024), chunks=-1).compute()
''',
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
