"""advisor/dask_tasks.py, the machinery of the Dask rules, on report values: the worker that runs
out first, what a task's peak costs it, the broadcast inside a task and the scaled chunk shape."""

from __future__ import annotations

from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dask_tasks import (
    broadcast_op,
    cost,
    scaled_chunks,
    severity,
    shape_text,
    share,
    worker_of,
)
from arrayprof.report import DaskArray, DaskReport, DaskTask, DaskWorker, Report

MB = 1_000_000


def worker(threads: int, limit: int) -> DaskWorker:
    return DaskWorker(address=f"tcp://w{threads}-{limit}", threads=threads, memory_limit=limit,
                      peak_bytes=0)


def test_worker_of_is_the_least_memory_per_thread() -> None:
    small = worker(4, 200 * MB)  # 50 MB a thread
    workers = [worker(2, 200 * MB), small, worker(0, 1 * MB), worker(1, 0)]
    report = Report(source="", dask=DaskReport(workers=workers))
    assert worker_of(report) is small
    assert worker_of(Report(source="", dask=DaskReport())) is None
    assert worker_of(Report(source="")) is None


def test_cost_share_and_severity() -> None:
    task = DaskTask(prefix="sub", lineno=1, count=4, peak_bytes_max=30 * MB)
    w = worker(2, 100 * MB)
    assert share(task, w) == 0.6
    assert cost(task, w) == ("each of a worker's 2 threads holds 30 MB at once: 60 MB of a "
                             "100 MB memory limit (60%)")
    assert cost(task, None) == "each task holds 30 MB at its peak"
    assert share(task, None) == 0.0 and share(task, worker(2, 0)) == 0.0
    assert severity(task, w) == "warning"
    tiny = DaskTask(prefix="sub", lineno=1, count=4, peak_bytes_max=CONFIG.warn_bytes // 4)
    assert severity(tiny, worker(2, 100 * MB)) == "info"


def test_broadcast_op_takes_the_largest_past_the_factor() -> None:
    big = CONFIG.silent_bytes * 10
    ops = [{"broadcast": True, "expansion": CONFIG.blowup_factor, "result_nbytes": big},
           {"broadcast": True, "expansion": CONFIG.blowup_factor * 2, "result_nbytes": big * 2},
           {"broadcast": True, "expansion": CONFIG.blowup_factor / 2, "result_nbytes": big * 9},
           {"broadcast": False, "expansion": 100.0, "result_nbytes": big * 9},
           {"broadcast": True, "expansion": 100.0, "result_nbytes": CONFIG.silent_bytes - 1}]
    task = DaskTask(prefix="sub", lineno=1, ops=ops)
    assert broadcast_op(task) is ops[1]
    assert broadcast_op(DaskTask(prefix="sub", lineno=1, ops=ops[2:])) is None


def test_shape_text() -> None:
    assert shape_text([3, 4]) == "(3, 4)"
    assert shape_text([5]) == "(5,)"
    assert shape_text(None) == "?"


def test_scaled_chunks() -> None:
    array = DaskArray(name="x", shape=[2000, 300], chunk_shape=[1000, 300], dtype="float64",
                      chunk_bytes=2_400_000, nchunks=2)
    assert scaled_chunks(array, 0.25) == (250, 300)  # smaller along the leading axis
    assert scaled_chunks(array, 10.0) == (2000, 300)  # no larger than the array
    wide = DaskArray(name="y", shape=[100, 1000], chunk_shape=[10, 100], dtype="float64",
                     chunk_bytes=8000, nchunks=100)
    assert scaled_chunks(wide, 20.0) == (100, 200)  # 10x along the first, the rest along the next
    assert scaled_chunks(wide, 0.05) == (1, 50)  # what the first axis cannot take, the next does
    assert scaled_chunks(wide, 0.0001) == (1, 1)  # never below one element
