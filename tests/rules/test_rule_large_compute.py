"""Rule large-compute (advisor/rules/dask_compute/large_compute.py).

Not in the case format: the rule's threshold (256 MiB) is too large for a unit test, so the
computes are measured for real on Dask's synchronous scheduler and the rule is run alone with the
threshold lowered to the size of the result the positive brings back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import numpy as np
import pytest

import arrayprof
from arrayprof.advisor.rules.dask_compute import large_compute
from arrayprof.context import CellContext
from arrayprof.report import Finding

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

ROWS, COLS = 2000, 300
RESULT_BYTES = ROWS * COLS * np.dtype(np.float64).itemsize


def findings(cell: str) -> list[Finding]:
    ns = {"da": da, "x": da.ones((ROWS, COLS), chunks=(500, 150))}
    report = arrayprof.profile(cell, ns, verify=False)
    context = CellContext(source=cell, filename="<test>", tree=ast.parse(cell), namespace=ns)
    return large_compute.RULE(report, context)


@pytest.fixture
def threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(large_compute, "LARGE_COMPUTE_BYTES", RESULT_BYTES)


def test_whole_array_computed(threshold: None) -> None:
    found = findings("y = x - x.mean(axis=0)\nfull = y.compute()\n")
    assert [(f.lineno, f.severity) for f in found] == [(2, "warning")]
    assert f"({ROWS}, {COLS}) float64 back into this process" in found[0].message


def test_dask_compute_function(threshold: None) -> None:
    found = findings("import dask\nfull, = dask.compute(x * 2)\n")
    assert [f.lineno for f in found] == [2]


def test_near_misses(threshold: None) -> None:
    """A reduction, a small slice: nothing large comes back."""
    assert findings("s = (x - x.mean(axis=0)).std(axis=0).compute()\n") == []
    assert findings("head = x[:10].compute()\n") == []


def test_quiet_at_the_real_threshold() -> None:
    assert RESULT_BYTES < large_compute.LARGE_COMPUTE_BYTES
    assert findings("full = (x * 2).compute()\n") == []
