"""The shared pointer table (_native/ptrtable.h) through its two users, with enough buffers alive
that each table grows past 2^16 slots and then shrinks as they are freed: every entry must be
found again (growth rehashes, backward-shift removal, shrinking rehashes), so the exact counts
and bytes come back to zero.  The tracker's tables are exercised the same way in tests/test_tracker*.
"""

from __future__ import annotations

import random

import numpy as np

from arrayprof import _native
from arrayprof.tracker import ensure_installed

N = 70_000  # at load <= 1/2: 2^18 slots; freed to < 2^15 entries: shrinks to 2^16


def test_tasks_table_grows_and_shrinks_exactly() -> None:
    ensure_installed()
    _native.tasks_enable(True)
    try:
        _native.task_begin(1)
        # allocations of this thread's task only; sizes differ so a lost or swapped entry shows
        arrays = [np.empty(i % 13 + 1) for i in range(N)]
        sizes = [a.nbytes for a in arrays]
        total = sum(sizes)
        live, peak, buffers = _native.tasks_memory(False)
        assert (live, peak, buffers) == (total, total, N)

        order = list(range(N))
        random.Random(5).shuffle(order)
        kept = N // 8  # below an eighth of 2^18 slots: the table shrinks on the way down
        freed_bytes = 0
        for index in order[kept:]:
            freed_bytes += sizes[index]
            arrays[index] = None
        live, peak, buffers = _native.tasks_memory(False)
        assert (live, peak, buffers) == (total - freed_bytes, total, kept)

        for index in order[:kept]:
            arrays[index] = None
        assert _native.tasks_memory(True) == (0, total, 0)
        assert _native.task_end() == (N, total, N, total, total)
    finally:
        _native.tasks_enable(False)
    assert _native.tasks_memory(False) == (0, 0, 0)
