"""Dask arrays profiled on a real LocalCluster (2 worker processes x 2 threads, loopback) and on
Dask's local threaded scheduler: per-task figures equal to what the chunk shapes give, layers
charged to the lines that made them, per-worker peaks, the in-chunk broadcast finding with its
per-worker cost, a worker without arrayprof named in the notes.  One cluster for the module."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import arrayprof  # noqa: E402
from arrayprof.render.text import render_text  # noqa: E402

pytestmark = pytest.mark.dask

ITEMSIZE = np.dtype(np.float64).itemsize
ROWS, COLS, CHUNK_ROWS, CHUNK_COLS = 2000, 300, 500, 150  # x: 4 x 2 chunks of 500 x 150
N, K, CHUNK_N = 1200, 20, 300  # a and b: 4 chunks of 300 x 20 each
MEMORY_LIMIT = 512 * 2**20

SETUP = f"""
import numpy as np
import dask.array as da
rng = np.random.default_rng(0)
a = da.from_array(rng.random(({N}, {K})), chunks=({CHUNK_N}, {K}))
b = da.from_array(rng.random(({N}, {K})), chunks=({CHUNK_N}, {K}))
"""
CELL = f"""x = da.ones(({ROWS}, {COLS}), chunks=({CHUNK_ROWS}, {CHUNK_COLS}))
v = ((x - x.mean(axis=0)) ** 2).sum()
d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)
total = v.compute()
dist = d.compute()
"""
X_LINE, VAR_LINE, PAIR_LINE, COMPUTE_V, COMPUTE_D = 1, 2, 3, 4, 5


def namespace() -> dict:
    ns: dict = {}
    exec(SETUP, ns)
    return ns


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       memory_limit=MEMORY_LIMIT)
    client = distributed.Client(cluster)
    # one run before the measured ones: a fresh worker process makes one-time allocations on
    # its first tasks (NumPy's and Dask's caches), which are no chunk's
    arrayprof.profile(CELL, namespace(), verify=False)
    yield client
    client.close()
    cluster.close()
    # a closed client leaves tornado coroutines in reference cycles whose collection frees
    # more: collect until none are left, so that later modules' garbage checks see their own
    for _ in range(10):
        if gc.collect() == 0:
            break


@pytest.fixture(scope="module")
def report(client):
    return arrayprof.profile(CELL, namespace(), verify=True)


def copies_of_inputs(task, allocations_per_task: int) -> int:
    """Input chunks NumPy copied: a chunk that came from the other worker over the network can be
    unaligned in its receive buffer, and a ufunc then works on an aligned copy of it (one more
    allocation, and temporary, of exactly the chunk's size).  At most one per input."""
    copies = task.allocations - allocations_per_task * task.count
    assert 0 <= copies <= 2 * task.count, task
    return copies


def heaviest(report, lineno: int):
    """The task group of a line that allocated most (Dask names a fused chain after its layers,
    'sum-sum-aggregate' here; the name is Dask's)."""
    return max((t for t in report.dask.tasks if t.lineno == lineno),
               key=lambda t: t.allocated_bytes)


def tasks_of(report, prefix: str, lineno: int | None):
    found = [t for t in report.dask.tasks if t.prefix == prefix and t.lineno == lineno]
    assert len(found) == 1, [(t.prefix, t.lineno) for t in report.dask.tasks]
    return found[0]


def test_results_are_the_plain_results(report, client) -> None:
    ns = namespace()
    exec(CELL, ns)
    profiled = namespace()
    arrayprof.profile(CELL, profiled, verify=False)
    assert profiled["total"] == ns["total"]
    np.testing.assert_array_equal(profiled["dist"], ns["dist"])


def test_variance_tasks_by_hand(report) -> None:
    """x - mean and its square are fused with the chunk sums into one 'sum' task per chunk: two
    chunk-sized temporaries and a (1, 1) result each, on the line that made the layer."""
    chunk_bytes = CHUNK_ROWS * CHUNK_COLS * ITEMSIZE
    chunks = (ROWS // CHUNK_ROWS) * (COLS // CHUNK_COLS)
    task = tasks_of(report, "sum", VAR_LINE)
    assert task.count == chunks
    mean_chunk = CHUNK_COLS * ITEMSIZE
    copies = copies_of_inputs(task, 3)  # difference, square, (1, 1) sum
    assert task.allocated_bytes == chunks * (2 * chunk_bytes + ITEMSIZE) + copies * mean_chunk
    assert task.temporaries == 2 * chunks + copies
    assert task.temporary_bytes == chunks * 2 * chunk_bytes + copies * mean_chunk
    assert task.peak_bytes_max == 2 * chunk_bytes
    # the mean's layers, made inside x.mean(axis=0) on the same line
    assert tasks_of(report, "mean_chunk", VAR_LINE).count == chunks
    assert tasks_of(report, "mean_agg-aggregate", VAR_LINE).count == COLS // CHUNK_COLS
    # x's own layer on line 1; the final aggregation is made by compute itself, on its line
    assert tasks_of(report, "ones_like", X_LINE).count == chunks
    ops = {op["name"]: op for op in task.ops}
    assert ops["subtract"]["operands"] == [[CHUNK_ROWS, CHUNK_COLS], [CHUNK_COLS]]
    assert ops["subtract"]["broadcast"] is True
    assert ops["subtract"]["count"] == chunks


def test_pairwise_broadcast_tasks_by_hand(report) -> None:
    """One task per pair of chunks (the chain is fused): the difference (300, 1, 20) -
    (1, 300, 20) -> (300, 300, 20), its square, the chunk's sum with keepdims (300, 300, 1),
    Dask's aggregate step joining that one chunk along the summed axis (300, 300, 1) and
    summing it to the task's result (300, 300): all temporaries but the last."""
    pairs = (N // CHUNK_N) ** 2
    block = CHUNK_N * CHUNK_N * K * ITEMSIZE
    plane = CHUNK_N * CHUNK_N * ITEMSIZE
    task = heaviest(report, PAIR_LINE)
    assert task.prefix.startswith("sum") and task.count == pairs
    input_chunk = CHUNK_N * K * ITEMSIZE
    copies = copies_of_inputs(task, 5)
    assert task.allocated_bytes == pairs * (2 * block + 3 * plane) + copies * input_chunk
    # the joined (300, 300, 1) is freed by the task almost always; when the cyclic collector
    # gets to it first it is freed after its task ended (and is not its temporary)
    late = 4 * pairs + copies - task.temporaries
    assert 0 <= late <= pairs
    assert task.temporary_bytes == pairs * (2 * block + 2 * plane) + copies * input_chunk - \
        late * plane
    # the difference is freed before the sum's result is made
    assert task.peak_bytes_max == 2 * block
    subtract = next(op for op in task.ops if op["name"] == "subtract")
    assert subtract["operands"] == [[CHUNK_N, 1, K], [1, CHUNK_N, K]]
    assert subtract["result"] == [CHUNK_N, CHUNK_N, K]
    assert subtract["expansion"] == CHUNK_N
    # a and b were made before the cell, but their chunks' tasks are fused with the getitem of
    # line 3 (named after it); the finalize step each compute adds is charged to its line
    assert [t for t in report.dask.tasks if t.lineno is None] == []
    assert tasks_of(report, "finalize-hlgfinalizecompute", COMPUTE_D).allocated_bytes == \
        N * N * ITEMSIZE


def test_workers_and_their_peaks(report) -> None:
    workers = report.dask.workers
    assert report.dask.scheduler == "distributed"
    assert len(workers) == 2 and all(w.threads == 2 for w in workers)
    assert all(w.memory_limit == MEMORY_LIMIT for w in workers)
    largest = max(t.peak_bytes_max for t in report.dask.tasks)
    # a worker that ran the largest task peaked at least at it; no worker above all its tasks
    assert max(w.peak_bytes for w in workers) >= largest
    total = sum(t.allocated_bytes for t in report.dask.tasks)
    assert sum(w.peak_bytes for w in workers) <= total
    # at most: one task at its peak per thread, plus every result the tasks kept
    kept = sum(t.allocated_bytes - t.temporary_bytes for t in report.dask.tasks)
    assert all(w.peak_bytes <= w.threads * largest + kept for w in workers)


def test_broadcast_finding_with_per_worker_cost(report) -> None:
    block = CHUNK_N * CHUNK_N * K * ITEMSIZE
    peak = 2 * block
    found = [f for f in report.findings if f.category == "broadcast-blowup" and
             f.lineno == PAIR_LINE]
    assert len(found) == 1
    message = found[0].message
    assert "subtract" in message and "each of a worker's 2 threads" in message
    from arrayprof.units import human_bytes
    assert human_bytes(block) in message and human_bytes(2 * peak) in message
    assert human_bytes(MEMORY_LIMIT) in message
    assert f"({100 * 2 * peak / MEMORY_LIMIT:.0f}%)" in message


def test_compute_results_and_report_format(report) -> None:
    computes = {c.lineno: c for c in report.dask.computes}
    assert computes[COMPUTE_D].nbytes == N * N * ITEMSIZE
    assert computes[COMPUTE_D].shape == [N, N]
    assert computes[COMPUTE_V].shape == []
    data = report.to_dict()
    import json

    import jsonschema
    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" /
                         "report-schema.json").read_text())
    jsonschema.validate(data, schema)
    assert arrayprof.report.Report.from_dict(data).to_dict() == data


def test_text_report_shows_the_workers(report) -> None:
    text = render_text(report)
    from arrayprof.units import human_bytes
    worst = max(report.dask.workers, key=lambda w: w.peak_bytes)
    total = sum(t.allocated_bytes for t in report.dask.tasks)
    tasks = sum(t.count for t in report.dask.tasks)
    assert f" · Dask {human_bytes(total)} in {tasks:,} tasks on 2 workers (peak " \
        f"{human_bytes(worst.peak_bytes)} of {human_bytes(MEMORY_LIMIT)})" in text.splitlines()[0]
    assert "dask tasks (distributed, 2 workers)" in text
    assert text.count(" 2 threads  peak ") == 2
    assert f"of {human_bytes(MEMORY_LIMIT)}" in text
    assert f"line {PAIR_LINE}:" in text


def test_worker_without_arrayprof_is_named_and_the_computation_runs(client, tmp_path) -> None:
    address = client.scheduler.address
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(f"""
        import sys, asyncio
        sys.modules["arrayprof"] = None  # this worker cannot import arrayprof
        from distributed import Worker
        async def main():
            async with Worker({address!r}, nthreads=1, host="127.0.0.1") as w:
                print(w.address, flush=True)
                await w.finished()
        asyncio.run(main())
    """))
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        joined = process.stdout.readline().strip()
        deadline = time.monotonic() + 30
        while joined not in client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.1)
        ns = namespace()
        report = arrayprof.profile("s = (a - b).sum()\nt = s.compute()\n", ns, verify=False)
        plain = namespace()
        exec("t = (a - b).sum().compute()", plain)
        assert ns["t"] == pytest.approx(plain["t"])
        notes = [n for n in report.dask.notes if joined in n]
        assert len(notes) == 1
        assert "arrayprof cannot run here (ModuleNotFoundError: import of arrayprof halted" \
            in notes[0]
        assert len(report.dask.workers) == 2  # the two that record
    finally:
        client.retire_workers([joined], close_workers=True)
        process.wait(timeout=30)


def test_local_threaded_scheduler_charges_the_lines(client) -> None:
    """No Client for these computations (dask's threads): the chunks' allocations land on the
    lines that made their layers, in the cell's own figures too."""
    ns = namespace()
    with dask.config.set(scheduler="threads"):
        report = arrayprof.profile(CELL, ns, verify=False)
    assert report.dask.scheduler == "local" and report.dask.workers == []
    chunk_bytes = CHUNK_ROWS * CHUNK_COLS * ITEMSIZE
    chunks = (ROWS // CHUNK_ROWS) * (COLS // CHUNK_COLS)
    var = tasks_of(report, "sum", VAR_LINE)
    assert var.allocated_bytes == chunks * (2 * chunk_bytes + ITEMSIZE)  # no transfers here
    assert var.temporary_bytes == chunks * 2 * chunk_bytes
    block = CHUNK_N * CHUNK_N * K * ITEMSIZE
    pairs = (N // CHUNK_N) ** 2
    plane = CHUNK_N * CHUNK_N * ITEMSIZE
    pair = heaviest(report, PAIR_LINE)
    assert pair.allocated_bytes == pairs * (2 * block + 3 * plane)
    line = {row.lineno: row for row in report.lines}
    # the line's own figures hold its tasks' (plus the few bytes of building the graph); in
    # the cell's figures the tasks' results are temporaries too (joined into the computed
    # result by the compute line, then freed)
    for lineno in (VAR_LINE, PAIR_LINE):
        on_line = sum(t.allocated_bytes for t in report.dask.tasks if t.lineno == lineno)
        assert on_line <= line[lineno].allocated_bytes < on_line + 2**16
    assert pairs * (2 * block + 3 * plane) <= line[PAIR_LINE].temporary_bytes < \
        pairs * (2 * block + 3 * plane) + 2**16
    # the chunks' subtractions, on the pool's threads (Dask's meta ones on zero-size arrays,
    # on the cell's thread, are another site)
    subtract = [op for op in report.ops if op.lineno == PAIR_LINE and op.name == "subtract"
                and op.result["shape"] == [CHUNK_N, CHUNK_N, K]]
    assert len(subtract) == 1 and subtract[0].count == pairs and subtract[0].broadcast
    assert report.numpy.other_threads.get("allocated_bytes", 0) < 2**16
    assert any(f.category == "broadcast-blowup" and f.lineno == PAIR_LINE
               for f in report.findings)


def test_threaded_scheduler_same_figures_every_run() -> None:
    """The same computation on Dask's threaded scheduler, profiled three times in one process:
    each run's per-line bytes equal the synchronous scheduler's, nothing on other threads.  From
    the second run on the pool's threads are older than the cell (background for the tracker),
    so only the task mark makes them count; the finalize step that joins `dist` (11.5 MB) must
    be marked with its compute line while the compute still runs (it went to other_threads), and
    so must the tasks of a layer made before the cell (charged to the compute's line, as on the
    cell's own thread; they went to other_threads too).  In a fresh process: this module's
    Client has threads of its own that allocate meanwhile."""
    code = textwrap.dedent(f"""
        import json, dask, arrayprof
        SETUP, CELL = {SETUP!r}, {CELL!r}
        def figures(scheduler, cell):
            ns = {{}}
            exec(SETUP + "y = da.ones(({N}, {K}), chunks=({CHUNK_N}, {K})) * 2\\n", ns)
            with dask.config.set(scheduler=scheduler):
                report = arrayprof.profile(cell, ns, verify=False)
            lines = {{row.lineno: [row.allocated_bytes, row.temporary_bytes]
                     for row in report.lines}}
            return [lines, report.numpy.other_threads]
        print(json.dumps([[figures(s, cell) for s in ("sync", "threads", "threads", "threads")]
                          for cell in (CELL, "r = y.compute()\\n")]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    cell, before = json.loads(done.stdout.splitlines()[-1])
    (expected, other), *threaded = cell
    assert other.get("allocated_bytes", 0) == 0
    assert expected[str(COMPUTE_D)] == [N * N * ITEMSIZE, 0]  # the joined result, kept by `dist`
    # `y`'s layer was made before the cell: its chunks (temporaries, joined into `r`) go to
    # the line whose compute ran them, as on the cell's own thread
    (before_expected, other), *before_threaded = before
    assert other.get("allocated_bytes", 0) == 0
    assert list(before_expected) == ["1"]  # (+ a few bytes a task: the scalar, per chunk)
    joined, chunks = before_expected["1"]
    assert 0 <= joined - 2 * N * K * ITEMSIZE == chunks - N * K * ITEMSIZE < 2**10
    assert len(threaded) == len(before_threaded) == 3
    for _, other in threaded + before_threaded:
        assert other.get("allocated_bytes", 0) == 0 and other.get("allocations", 0) == 0
    assert [lines for lines, _ in threaded] == [expected] * 3
    assert [lines for lines, _ in before_threaded] == [before_expected] * 3


def test_arrayprof_never_imports_dask() -> None:
    """Without dask.array imported before the cell nothing of this runs (nor is Dask imported)."""
    code = ("import sys, arrayprof\n"
            "r = arrayprof.profile('import numpy as np\\ny = np.ones(10) * 2\\n', {})\n"
            "assert r.dask is None and 'dask' not in r.to_dict()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_nothing_changes_without_dask_tasks() -> None:
    report = arrayprof.profile("import numpy as np\ny = np.ones(10) * 2\n", {}, verify=False)
    assert report.dask is None and "dask" not in report.to_dict()


def advice(report, namespace_after: dict, source: str = CELL):
    """The Dask rules on a report (the cell's AST and namespace as the advisor gets them)."""
    import ast

    from arrayprof.advisor.rules.broadcast_blowup import dask_chunk_broadcast
    from arrayprof.advisor.rules.dask_chunks import chunks_too_large, chunks_too_small
    from arrayprof.advisor.rules.dask_compute import large_compute
    from arrayprof.advisor.rules.temporary_chain import dask_chunk_temporaries
    from arrayprof.session import CellContext
    context = CellContext(source=source, filename="<test>", tree=ast.parse(source),
                          namespace=namespace_after)
    return [found for rule in (dask_chunk_broadcast.RULE, dask_chunk_temporaries.RULE,
                               chunks_too_large.RULE, chunks_too_small.RULE, large_compute.RULE)
            for found in rule(report, context)]


def test_chunks_too_large_for_a_smaller_worker(report) -> None:
    """The same measured tasks against a 100 MB worker: the pairwise line's chunks are too large,
    and each input of the broadcast gets the square root of the factor."""
    import dataclasses
    small = dataclasses.replace(report, dask=dataclasses.replace(
        report.dask, workers=[dataclasses.replace(w, memory_limit=100_000_000)
                              for w in report.dask.workers]))
    found = [f for f in advice(small, {}) if f.category == "dask-chunks"]
    assert [f.lineno for f in found] == [PAIR_LINE]
    peak = heaviest(report, PAIR_LINE).peak_bytes_max
    share = 2 * peak / 100_000_000
    rows = int(CHUNK_N * (0.25 / share) ** 0.5)
    assert f"a = a.rechunk(({rows}, {K})); b = b.rechunk(({rows}, {K}))" in found[0].explanation
    assert f"({100 * share:.0f}%)" in found[0].message
    # against the real 512 MiB workers they are not too large
    assert not [f for f in report.findings if f.category == "dask-chunks"]


def test_large_compute_result(report, monkeypatch) -> None:
    from arrayprof.advisor.rules.dask_compute import large_compute
    assert not [f for f in report.findings if f.category == "dask-compute"]
    monkeypatch.setattr(large_compute, "LARGE_COMPUTE_BYTES", N * N * ITEMSIZE)
    found = [f for f in advice(report, {}) if f.category == "dask-compute"]
    assert [f.lineno for f in found] == [COMPUTE_D]
    assert f"({N}, {N}) float64 back into this process" in found[0].message


def test_tiny_tasks(client) -> None:
    cell = "y = da.ones(2000, chunks=10)\nt = (y + 1).sum().compute()\n"
    ns = namespace()
    report = arrayprof.profile(cell, ns, verify=False)
    assert ns["t"] == 4000
    fused = heaviest(report, 2)
    assert fused.count == 200
    found = [f for f in report.findings if f.category == "dask-chunks"]
    if fused.seconds / fused.count < 0.001:  # a loaded machine may make them slower
        assert [f.lineno for f in found] == [2]
        assert "y = y.rechunk((100,))" in found[0].explanation
        assert "200 tiny" in found[0].message
    else:
        assert found == []


def test_local_fused_chain_steps_on_their_lines(client) -> None:
    """Dask fuses x - mean, ** 2 and the chunk sums into one task per chunk; on Dask's threads
    each step is charged to the line that made its layer (before: all of it to the last line)."""
    cell = (f"x = da.ones(({ROWS}, {COLS}), chunks=({CHUNK_ROWS}, {CHUNK_COLS}))\n"
            "y = x - x.mean(axis=0)\nz = y ** 2\ns = z.sum().compute()\n")
    ns = namespace()
    with dask.config.set(scheduler="threads"):
        report = arrayprof.profile(cell, ns, verify=False)
    chunk_bytes = CHUNK_ROWS * CHUNK_COLS * ITEMSIZE
    chunks = (ROWS // CHUNK_ROWS) * (COLS // CHUNK_COLS)
    line = {row.lineno: row for row in report.lines}
    assert chunks * chunk_bytes <= line[2].allocated_bytes < chunks * chunk_bytes + 2**16
    assert chunks * chunk_bytes <= line[3].allocated_bytes < chunks * chunk_bytes + 2**16
    assert line[4].allocated_bytes < 2**16
    ops = {(op.lineno, op.name) for op in report.ops if op.count == chunks and op.result
           and op.result["shape"] == [CHUNK_ROWS, CHUNK_COLS]}
    assert ops == {(2, "subtract"), (3, "square")}
    # the fused task itself is the last layer's (Dask's task)
    assert tasks_of(report, "sum", 4).temporary_bytes == chunks * 2 * chunk_bytes
    assert ns["s"] == 0.0
