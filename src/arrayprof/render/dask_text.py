"""The Dask part of the text report: per cell line, what its layers' tasks allocated on the
workers (or this process's threads); per worker, its NumPy peak as a bar against its memory
limit.  Kept apart from text.py, which only calls `dask_block`."""

from __future__ import annotations

from arrayprof.report import Report
from arrayprof.units import human_bytes, human_seconds

BAR_WIDTH = 20


def bar(value: int, limit: int, width: int = BAR_WIDTH) -> str:
    """'[#####...............]': value as a share of limit (full and marked '!' past it)."""
    if limit <= 0:
        return "[" + "?" * width + "]"
    filled = min(width, round(width * value / limit))
    return "[" + "#" * filled + "." * (width - filled) + "]" + ("!" if value > limit else "")


def dask_summary(report: Report) -> str:
    """'Dask 152 MB in 40 tasks on 2 workers (peak 64 MB of 105 MB)' for the summary line."""
    dask = report.dask
    assert dask is not None
    nbytes = sum(t.allocated_bytes for t in dask.tasks)
    tasks = sum(t.count for t in dask.tasks)
    text = f"Dask {human_bytes(nbytes)} in {tasks:,} tasks"
    if dask.workers:
        worst = max(dask.workers, key=lambda w: w.peak_bytes / w.memory_limit if w.memory_limit
                    else 0)
        text += (f" on {len(dask.workers)} worker" + ("" if len(dask.workers) == 1 else "s")
                 + f" (peak {human_bytes(worst.peak_bytes)}"
                 + (f" of {human_bytes(worst.memory_limit)})" if worst.memory_limit else ")"))
    return text


def dask_block(report: Report) -> list[str]:
    dask = report.dask
    if dask is None:
        return []
    where = (f"{len(dask.workers)} worker" + ("" if len(dask.workers) == 1 else "s")
             if dask.scheduler == "distributed" else "this process's threads")
    rows = [f"dask tasks ({dask.scheduler}, {where}):",
            f"{'line':>4}  {'prefix':<28} {'tasks':>6} {'bytes':>9} {'temps':>9} "
            f"{'task peak':>9} {'seconds':>9}"]
    for task in dask.tasks:
        line = str(task.lineno) if task.lineno else "-"
        rows.append(f"{line:>4}  {task.prefix[:28]:<28} {task.count:>6,} "
                    f"{human_bytes(task.allocated_bytes):>9} {human_bytes(task.temporary_bytes):>9} "
                    f"{human_bytes(task.peak_bytes_max):>9} {human_seconds(task.seconds):>9}")
    per_line: dict[int, int] = {}
    for task in dask.tasks:
        if task.lineno:
            per_line[task.lineno] = per_line.get(task.lineno, 0) + task.allocated_bytes
    if per_line:
        rows.append("  bytes on workers per line: " + ", ".join(
            f"line {n}: {human_bytes(b)}" for n, b in sorted(per_line.items())))
    for worker in dask.workers:
        rows.append(f"  {worker.address}  {worker.threads} threads  peak "
                    f"{human_bytes(worker.peak_bytes):>9} {bar(worker.peak_bytes, worker.memory_limit)}"
                    f" of {human_bytes(worker.memory_limit) if worker.memory_limit else 'no limit'}")
    rows.extend("  " + note for note in dask.notes)
    return rows
