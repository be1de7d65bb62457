"""chunks-too-large: Dask chunks whose tasks, one per thread, take half a worker's memory limit
or more; the chunk shape that brings them to a quarter."""

from __future__ import annotations

from arrayprof.advisor.dask_tasks import (
    WORKER_SHARE,
    arrays_on_line,
    broadcast_op,
    cost,
    scaled_chunks,
    share,
    worker_of,
)
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report
from arrayprof.units import human_bytes

TARGET_SHARE = 0.25  # what a suggested chunk size aims for


def check(report: Report, context: CellContext) -> list[Finding]:
    if report.dask is None:
        return []
    worker = worker_of(report)
    findings = []
    for task in report.dask.tasks:
        if task.lineno is None or task.count == 0:
            continue
        arrays = arrays_on_line(report, context, task.lineno)
        part = share(task, worker)
        if part < WORKER_SHARE or not arrays:
            continue
        factor = TARGET_SHARE / part
        # a broadcast between the line's arrays (pairwise) makes each task's peak the product
        # of their chunks: each takes a root of the factor
        outer = broadcast_op(task) is not None and len(arrays) > 1
        each = factor ** (1 / len(arrays)) if outer else factor
        suggestions = "; ".join(f"{a.name} = {a.name}.rechunk({scaled_chunks(a, each)})"
                                for a in arrays)
        findings.append(Finding(
            category="dask-chunks", severity="warning", lineno=task.lineno,
            message=(f"chunks too large for the workers: {cost(task, worker)}"),
            explanation=(
                f"A worker runs {worker.threads if worker else 1} tasks at once, one per "
                f"thread, and each '{task.prefix}' task peaks at "
                f"{human_bytes(task.peak_bytes_max)}, so a worker needs {part:.0%} of its "
                f"memory limit for these tasks alone, before the chunks it stores; past it "
                f"Dask spills, pauses or restarts the worker. Chunks {each:.2f}x as "
                f"large{' (each input of the broadcast)' if outer else ''} bring the "
                f"per-task peak to about "
                f"{human_bytes(task.peak_bytes_max * factor)} "
                f"({TARGET_SHARE:.0%} of the limit): {suggestions} (or chunks= where the "
                "array is made). Computed from the measured tasks, not re-run.")))
    return findings


RULE = Rule(
    name="chunks-too-large",
    category="dask-chunks",
    finds="A Dask task whose measured peak times the threads of the worker with the least "
          "memory per thread is half its memory limit or more, on a line that reads Dask "
          "arrays; the suggested rechunk brings it to a quarter (each input of a pairwise "
          "broadcast takes a root of the factor).",
    why="A worker runs one task per thread at once: past half its memory limit for these "
        "tasks alone, before the chunks it stores, Dask spills, pauses or restarts it.",
    example="x = da.random.random((40_000, 4_000), chunks=(20_000, 4_000))\n"
            "y = (x - x.mean(axis=0)) ** 2\n->\nx = x.rechunk((5_000, 4_000))",
    near_misses="Tasks peaking under half the limit, workers without a memory limit, tasks "
                "on lines that read no Dask array of the cell.",
    rewrite="none",
    check=check,
)
