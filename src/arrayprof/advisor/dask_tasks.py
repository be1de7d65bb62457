"""What the Dask rules read from the tasks a cell measured (`report.dask`): the worker that runs
out first, what a task's peak costs it when all its threads run such a task at once, the
broadcast inside a task, the arrays a line reads, and a chunk shape scaled to a target size.

Every figure is measured per task on the workers (or this process's threads); the per-worker
cost is the largest per-task peak times the worker's threads, since a worker runs one task per
thread at once.  Suggested chunks are computed, not run: the Dask findings carry no rewrite (a
re-run on the cluster would repeat the whole computation), and their explanations say so.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from arrayprof.advisor.config import CONFIG
from arrayprof.context import CellContext
from arrayprof.report import DaskArray, DaskTask, DaskWorker, Report
from arrayprof.units import human_bytes

WORKER_SHARE = 0.5  # threads x per-task peak above this share of the memory limit: too large


def worker_of(report: Report) -> DaskWorker | None:
    """The worker with the least memory per thread (the first to run out)."""
    workers = [w for w in report.dask.workers if w.threads > 0] if report.dask else []
    if not workers:
        return None
    return min(workers, key=lambda w: (w.memory_limit or math.inf) / w.threads)


def cost(task: DaskTask, worker: DaskWorker | None) -> str:
    """'each of 2 threads holds 28.8 MB: 57.6 MB of a 200 MB memory limit'"""
    if worker is None:
        return f"each task holds {human_bytes(task.peak_bytes_max)} at its peak"
    total = worker.threads * task.peak_bytes_max
    limit = (f" of a {human_bytes(worker.memory_limit)} memory limit"
             f" ({100 * total / worker.memory_limit:.0f}%)" if worker.memory_limit else "")
    return (f"each of a worker's {worker.threads} threads holds {human_bytes(task.peak_bytes_max)}"
            f" at once: {human_bytes(total)}{limit}")


def share(task: DaskTask, worker: DaskWorker | None) -> float:
    """The share of the worker's memory limit its threads need for such tasks at once."""
    if worker is None or not worker.memory_limit:
        return 0.0
    return worker.threads * task.peak_bytes_max / worker.memory_limit


def severity(task: DaskTask, worker: DaskWorker | None) -> str:
    """warning when a worker's threads need `WORKER_SHARE` of its limit or the warning bytes."""
    return "warning" if share(task, worker) >= WORKER_SHARE or \
        task.peak_bytes_max * (worker.threads if worker else 1) >= CONFIG.warn_bytes else "info"


def broadcast_op(task: DaskTask) -> dict[str, Any] | None:
    """The task's largest op that broadcast past the blowup factor into a result worth a word."""
    best = None
    for op in task.ops:
        if op.get("broadcast") and op.get("expansion", 1.0) >= CONFIG.blowup_factor and \
                op.get("result_nbytes", 0) >= CONFIG.silent_bytes:
            if best is None or op["result_nbytes"] > best["result_nbytes"]:
                best = op
    return best


def shape_text(shape: Any) -> str:
    """'(3, 4)' for a shape list, '?' when unknown."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")" \
        if isinstance(shape, list) else "?"


def where_run(report: Report) -> str:
    return "on the workers" if report.dask and report.dask.scheduler == "distributed" else \
        "on this process's threads"


def arrays_on_line(report: Report, context: CellContext, lineno: int) -> list[DaskArray]:
    """The dask arrays (report.dask.arrays) the line reads (its inputs, not what it binds)."""
    names = {node.id for node in ast.walk(context.tree) if context.tree is not None and
             isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and
             getattr(node, "lineno", None) == lineno}
    return [a for a in report.dask.arrays if a.name in names] if report.dask else []


def scaled_chunks(array: DaskArray, factor: float) -> tuple[int, ...]:
    """The array's chunk shape with its bytes scaled by `factor`, along the leading axes."""
    remaining = factor
    out = []
    for size, full in zip(array.chunk_shape, array.shape, strict=True):
        if remaining < 1:
            new = max(1, int(size * remaining))
            remaining = remaining * size / new
        else:
            new = min(full, int(size * remaining)) if full else size
            remaining = remaining * size / max(new, 1)
        out.append(max(1, new))
    return tuple(out)
