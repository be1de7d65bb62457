"""Rule chunks-too-large (advisor/rules/dask_chunks/chunks_too_large.py).

Not in the case format: a worker's memory limit comes from a cluster, and a real one small
enough for these chunks would pause its own worker processes.  The tasks are measured for real
on Dask's synchronous scheduler; the report is then read against one worker of 2 threads with a
memory limit (as tests/test_dask.py does against its cluster's workers), the rule run alone.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator

import pytest

import arrayprof
from arrayprof.advisor.rules.dask_chunks import chunks_too_large
from arrayprof.context import CellContext
from arrayprof.report import DaskWorker, Finding, Report

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
pytestmark = pytest.mark.dask


@pytest.fixture(scope="module", autouse=True)
def synchronous() -> Iterator[None]:
    """Dask's synchronous scheduler: no thread pool left behind (a pool made by an earlier
    profiled cell charges a later cell's finalize step to other threads, which
    tests/test_dask.py checks against)."""
    with dask.config.set(scheduler="synchronous"):
        yield

CELL = ("x = da.ones((2000, 300), chunks=(1000, 300))\n"
        "s = ((x - 1) ** 2).mean().compute()\n")
PAIRS = ("d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)\n"
         "dist = d.compute()\n")


def measured(cell: str, namespace: dict) -> Report:
    return arrayprof.profile(cell, namespace, verify=False)


def against(report: Report, cell: str, namespace: dict, memory_limit: int) -> list[Finding]:
    """The rule on the report as if one worker of 2 threads with this limit had run it."""
    worker = DaskWorker(address="tcp://127.0.0.1:1", threads=2, memory_limit=memory_limit,
                        peak_bytes=0)
    assert report.dask is not None
    report = dataclasses.replace(report, dask=dataclasses.replace(report.dask, workers=[worker]))
    context = CellContext(source=cell, filename="<test>", tree=ast.parse(cell),
                          namespace=namespace)
    return chunks_too_large.RULE(report, context)


def heaviest_peak(report: Report, lineno: int) -> int:
    assert report.dask is not None
    return max(t.peak_bytes_max for t in report.dask.tasks if t.lineno == lineno)


def test_chunks_past_half_the_limit() -> None:
    ns = {"da": da}
    report = measured(CELL, ns)
    peak = heaviest_peak(report, 2)
    assert peak >= 2 * 1000 * 300 * 8  # a chunk and its square at once
    limit = int(2 * peak / 0.8)  # the worker's 2 threads need 80% of it
    found = against(report, CELL, ns, limit)
    assert [(f.lineno, f.severity) for f in found] == [(2, "warning")]
    assert "chunks too large for the workers" in found[0].message
    assert "(80%)" in found[0].message
    # a quarter of the limit: 0.25 / 0.8 of the chunk's rows
    assert f"x = x.rechunk(({int(1000 * 0.25 / 0.8)}, 300))" in found[0].explanation


def test_pairwise_broadcast_takes_a_root_per_input() -> None:
    import numpy as np
    rng = np.random.default_rng(0)
    ns = {"da": da, "a": da.from_array(rng.random((600, 20)), chunks=(300, 20)),
          "b": da.from_array(rng.random((600, 20)), chunks=(300, 20))}
    report = measured(PAIRS, ns)
    peak = heaviest_peak(report, 1)
    found = against(report, PAIRS, ns, int(2 * peak / 0.8))
    assert [f.lineno for f in found] == [1]
    # the local schedulers record no ops inside tasks, so no broadcast is known: both inputs
    # take the whole factor
    rows = int(300 * 0.25 / 0.8)
    assert f"a = a.rechunk(({rows}, 20)); b = b.rechunk(({rows}, 20))" in found[0].explanation


def test_near_misses() -> None:
    """Under half the limit, no limit at all, and a line that reads no dask array: quiet."""
    ns = {"da": da}
    report = measured(CELL, ns)
    peak = heaviest_peak(report, 2)
    assert against(report, CELL, ns, int(2 * peak / 0.4)) == []
    assert against(report, CELL, ns, 0) == []
    assert chunks_too_large.RULE(report, CellContext(
        source=CELL, filename="<test>", tree=ast.parse(CELL), namespace=ns)) == []  # no worker
    assert against(report, "x = 1\ns = 2\n", ns, int(2 * peak / 0.8)) == []
