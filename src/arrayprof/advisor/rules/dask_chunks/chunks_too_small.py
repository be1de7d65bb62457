"""chunks-too-small: a hundred or more Dask tasks of under a millisecond each, where Dask's own
cost per task outweighs the work; chunks 10x larger."""

from __future__ import annotations

import math

from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dask_tasks import arrays_on_line, scaled_chunks
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report
from arrayprof.units import human_bytes, human_seconds

TINY_TASK_SECONDS = 0.001  # Dask's own cost per task is about a millisecond
TINY_TASKS = 100
GROWTH = 10.0  # the suggested chunks are this many times larger


def check(report: Report, context: CellContext) -> list[Finding]:
    if report.dask is None:
        return []
    findings = []
    for task in report.dask.tasks:
        if task.lineno is None or task.count == 0:
            continue
        mean_seconds = task.seconds / task.count
        if task.count < TINY_TASKS or mean_seconds >= TINY_TASK_SECONDS or \
                task.peak_bytes_max >= CONFIG.warn_bytes:
            continue
        arrays = arrays_on_line(report, context, task.lineno)
        if not arrays:
            continue
        suggestions = "; ".join(f"{a.name} = {a.name}.rechunk({scaled_chunks(a, GROWTH)})"
                                for a in arrays)
        findings.append(Finding(
            category="dask-chunks", severity="info", lineno=task.lineno,
            message=(f"{task.count} tiny '{task.prefix}' tasks of "
                     f"{human_seconds(mean_seconds)} each: chunks too small"),
            explanation=(
                f"Each '{task.prefix}' task ran {human_seconds(mean_seconds)} and peaked at "
                f"{human_bytes(task.peak_bytes_max)}; Dask's own cost per task (scheduling, "
                "transfer, bookkeeping: about a millisecond) then outweighs the work. "
                f"Chunks 10x larger make {math.ceil(task.count / GROWTH)} tasks: "
                f"{suggestions}. Computed from the measured tasks, not re-run.")))
    return findings


RULE = Rule(
    name="chunks-too-small",
    category="dask-chunks",
    finds="100 or more Dask tasks of one kind averaging under a millisecond each (and peaking "
          "under the warning bytes), on a line that reads Dask arrays; an info note with "
          "chunks 10x larger.",
    why="Dask spends about a millisecond per task on scheduling, transfer and bookkeeping: "
        "for tasks this small that outweighs the work.",
    example="y = da.ones(2000, chunks=10)\nt = (y + 1).sum().compute()\n->\n"
            "y = y.rechunk((100,))",
    near_misses="Fewer than 100 tasks, tasks of a millisecond or more, tasks on lines that "
                "read no Dask array of the cell.",
    rewrite="none",
    check=check,
)
