"""Fixtures the per-rule case files share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def dask_synchronous() -> Iterator[None]:
    """Dask's synchronous scheduler for a module's cells: every task runs on the cell's own
    thread, so the figures a rule reads do not depend on a thread pool's timing."""
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield
