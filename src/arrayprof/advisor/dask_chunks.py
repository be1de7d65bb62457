"""Advice for Dask arrays, from what the cell's tasks measured (`report.dask`): a broadcast or a
chain of temporaries inside every chunk, with what it costs a worker whose threads all run such a
task at once; chunks too large or too small for the workers' memory and threads, with the chunk
shape to use and its computed effect; a `.compute()` that brings a large result back.

Every figure is measured per task on the workers (or this process's threads); the per-worker
cost is the largest per-task peak times the worker's threads, since a worker runs one task per
thread at once.  The suggested chunks are computed, not run: these findings carry no rewrite (a
re-run on the cluster would repeat the whole computation), and the explanation says so.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from arrayprof.advisor import rule
from arrayprof.advisor.config import CONFIG
from arrayprof.context import CellContext
from arrayprof.report import DaskArray, DaskTask, DaskWorker, Finding, Report
from arrayprof.units import human_bytes, human_seconds

LARGE_COMPUTE_BYTES = 256 << 20  # a .compute() result above this is worth a word
WORKER_SHARE = 0.5  # threads x per-task peak above this share of the memory limit: too large
TARGET_SHARE = 0.25  # what a suggested chunk size aims for
TINY_TASK_SECONDS = 0.001  # Dask's own cost per task is about a millisecond
TINY_TASKS = 100


def _worker(report: Report) -> DaskWorker | None:
    """The worker with the least memory per thread (the first to run out)."""
    workers = [w for w in report.dask.workers if w.threads > 0] if report.dask else []
    if not workers:
        return None
    return min(workers, key=lambda w: (w.memory_limit or math.inf) / w.threads)


def _cost(task: DaskTask, worker: DaskWorker | None) -> str:
    """'each of 2 threads holds 28.8 MB: 57.6 MB of a 200 MB memory limit'"""
    if worker is None:
        return f"each task holds {human_bytes(task.peak_bytes_max)} at its peak"
    total = worker.threads * task.peak_bytes_max
    limit = (f" of a {human_bytes(worker.memory_limit)} memory limit"
             f" ({100 * total / worker.memory_limit:.0f}%)" if worker.memory_limit else "")
    return (f"each of a worker's {worker.threads} threads holds {human_bytes(task.peak_bytes_max)}"
            f" at once: {human_bytes(total)}{limit}")


def _share(task: DaskTask, worker: DaskWorker | None) -> float:
    if worker is None or not worker.memory_limit:
        return 0.0
    return worker.threads * task.peak_bytes_max / worker.memory_limit


def _severity(task: DaskTask, worker: DaskWorker | None) -> str:
    return "warning" if _share(task, worker) >= WORKER_SHARE or \
        task.peak_bytes_max * (worker.threads if worker else 1) >= CONFIG.warn_bytes else "info"


def _broadcast_op(task: DaskTask) -> dict[str, Any] | None:
    best = None
    for op in task.ops:
        if op.get("broadcast") and op.get("expansion", 1.0) >= CONFIG.blowup_factor and \
                op.get("result_nbytes", 0) >= CONFIG.silent_bytes:
            if best is None or op["result_nbytes"] > best["result_nbytes"]:
                best = op
    return best


def _shape(shape: Any) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")" \
        if isinstance(shape, list) else "?"


def _in_chunk(report: Report, worker: DaskWorker | None) -> list[Finding]:
    findings = []
    where = "on the workers" if report.dask and report.dask.scheduler == "distributed" else \
        "on this process's threads"
    for task in report.dask.tasks if report.dask else []:
        if task.lineno is None or task.count == 0 or task.peak_bytes_max < CONFIG.silent_bytes:
            continue
        op = _broadcast_op(task)
        temps_per_task = task.temporaries / task.count
        if op is not None:
            operands = " and ".join(_shape(s) for s in op["operands"])
            findings.append(Finding(
                category="broadcast-blowup", severity=_severity(task, None if worker is None
                                                                else worker),
                lineno=task.lineno,
                message=(f"broadcast in {op['name']} inside every chunk of '{task.prefix}' "
                         f"materialises {human_bytes(op['result_nbytes'])} per task: "
                         + _cost(task, worker)),
                explanation=(
                    f"Each of the {task.count} '{task.prefix}' tasks {where} broadcasts "
                    f"{operands} to {_shape(op['result'])} ({op['expansion']:.0f}x its largest "
                    f"input) and reaches {human_bytes(task.peak_bytes_max)} of live NumPy memory; "
                    f"{_cost(task, worker)}. Smaller chunks along the broadcast dimensions shrink "
                    "it by the product of their factors (halving both operands' chunks quarters "
                    "it), or reduce over the last axis before broadcasting (for squared "
                    "distances: |a|^2 + |b|^2 - 2 a.b with a matrix product per chunk pair). "
                    "Computed from the measured tasks, not re-run on the cluster.")))
        elif temps_per_task >= 2 and task.temporary_bytes / task.count >= CONFIG.silent_bytes:
            per_task = task.temporary_bytes / task.count
            findings.append(Finding(
                category="temporary-chain", severity=_severity(task, worker), lineno=task.lineno,
                message=(f"each '{task.prefix}' task makes {temps_per_task:.0f} temporaries of "
                         f"{human_bytes(per_task / temps_per_task)} on average: "
                         + _cost(task, worker)),
                explanation=(
                    f"The {task.count} '{task.prefix}' tasks {where} allocated "
                    f"{human_bytes(task.allocated_bytes)}, {human_bytes(task.temporary_bytes)} of it "
                    "freed before the task ended (temporaries of the expression inside each "
                    f"chunk); {_cost(task, worker)}. In-place operations inside a "
                    "`map_blocks` function (`np.subtract(c, m, out=c)`, `c **= 2`) keep one "
                    "chunk-sized buffer per task. Computed from the measured tasks, not re-run.")))
    return findings


def _arrays_on_line(report: Report, context: CellContext, lineno: int) -> list[DaskArray]:
    """The dask arrays (report.dask.arrays) the line reads (its inputs, not what it binds)."""
    names = {node.id for node in ast.walk(context.tree) if context.tree is not None and
             isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and
             getattr(node, "lineno", None) == lineno}
    return [a for a in report.dask.arrays if a.name in names] if report.dask else []


def _scaled_chunks(array: DaskArray, factor: float) -> tuple[int, ...]:
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


def _chunk_size(report: Report, context: CellContext, worker: DaskWorker | None,
                ) -> list[Finding]:
    findings = []
    for task in report.dask.tasks if report.dask else []:
        if task.lineno is None or task.count == 0:
            continue
        arrays = _arrays_on_line(report, context, task.lineno)
        share = _share(task, worker)
        if share >= WORKER_SHARE and arrays:
            factor = TARGET_SHARE / share
            # a broadcast between the line's arrays (pairwise) makes each task's peak the
            # product of their chunks: each takes a root of the factor
            outer = _broadcast_op(task) is not None and len(arrays) > 1
            each = factor ** (1 / len(arrays)) if outer else factor
            suggestions = "; ".join(f"{a.name} = {a.name}.rechunk({_scaled_chunks(a, each)})"
                                    for a in arrays)
            findings.append(Finding(
                category="dask-chunks", severity="warning", lineno=task.lineno,
                message=(f"chunks too large for the workers: {_cost(task, worker)}"),
                explanation=(
                    f"A worker runs {worker.threads if worker else 1} tasks at once, one per "
                    f"thread, and each '{task.prefix}' task peaks at "
                    f"{human_bytes(task.peak_bytes_max)}, so a worker needs {share:.0%} of its "
                    f"memory limit for these tasks alone, before the chunks it stores; past it "
                    f"Dask spills, pauses or restarts the worker. Chunks {each:.2f}x as "
                    f"large{' (each input of the broadcast)' if outer else ''} bring the "
                    f"per-task peak to about "
                    f"{human_bytes(task.peak_bytes_max * factor)} "
                    f"({TARGET_SHARE:.0%} of the limit): {suggestions} (or chunks= where the "
                    "array is made). Computed from the measured tasks, not re-run.")))
        mean_seconds = task.seconds / task.count
        if task.count >= TINY_TASKS and mean_seconds < TINY_TASK_SECONDS and arrays and \
                task.peak_bytes_max < CONFIG.warn_bytes:
            # Dask spends about a millisecond per task; chunks 10x larger cut that 10x
            factor = 10.0
            suggestions = "; ".join(f"{a.name} = {a.name}.rechunk({_scaled_chunks(a, factor)})"
                                    for a in arrays)
            findings.append(Finding(
                category="dask-chunks", severity="info", lineno=task.lineno,
                message=(f"{task.count} tiny '{task.prefix}' tasks of "
                         f"{human_seconds(mean_seconds)} each: chunks too small"),
                explanation=(
                    f"Each '{task.prefix}' task ran {human_seconds(mean_seconds)} and peaked at "
                    f"{human_bytes(task.peak_bytes_max)}; Dask's own cost per task (scheduling, "
                    "transfer, bookkeeping: about a millisecond) then outweighs the work. "
                    f"Chunks 10x larger make {math.ceil(task.count / factor)} tasks: "
                    f"{suggestions}. Computed from the measured tasks, not re-run.")))
    return findings


def _large_computes(report: Report) -> list[Finding]:
    findings = []
    for compute in report.dask.computes if report.dask else []:
        if compute.nbytes < LARGE_COMPUTE_BYTES:
            continue
        findings.append(Finding(
            category="dask-compute", severity="warning", lineno=compute.lineno,
            message=(f".compute() brings {human_bytes(compute.nbytes)} "
                     f"{_shape(compute.shape)} {compute.dtype} back into this process"),
            explanation=(
                f"The result of '{compute.prefix}' is gathered whole into the client: "
                f"{human_bytes(compute.nbytes)} sent over the network and held here at once. "
                "Reduce on the cluster before computing (a sum, a mean, a slice), keep it there "
                "with .persist(), or write it out with .to_zarr() / da.store().")))
    return findings


@rule
def dask_chunk_rules(report: Report, context: CellContext) -> list[Finding]:
    if report.dask is None:
        return []
    worker = _worker(report)
    return _in_chunk(report, worker) + _chunk_size(report, context, worker) + \
        _large_computes(report)
