"""dask-chunk-temporaries: a chain of temporaries inside every chunk of a Dask computation,
with what it costs a worker whose threads all run such a task at once (measured per task)."""

from __future__ import annotations

from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dask_tasks import broadcast_op, cost, severity, where_run, worker_of
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report
from arrayprof.units import human_bytes

MIN_TEMPORARIES = 2  # temporaries per task before the chain is worth a word


def check(report: Report, context: CellContext) -> list[Finding]:
    if report.dask is None:
        return []
    worker = worker_of(report)
    where = where_run(report)
    findings = []
    for task in report.dask.tasks:
        if task.lineno is None or task.count == 0 or task.peak_bytes_max < CONFIG.silent_bytes:
            continue
        if broadcast_op(task) is not None:
            continue  # the broadcast is the finding (dask-chunk-broadcast)
        temps_per_task = task.temporaries / task.count
        per_task = task.temporary_bytes / task.count
        if temps_per_task < MIN_TEMPORARIES or per_task < CONFIG.silent_bytes:
            continue
        findings.append(Finding(
            category="temporary-chain", severity=severity(task, worker), lineno=task.lineno,
            message=(f"each '{task.prefix}' task makes {temps_per_task:.0f} temporaries of "
                     f"{human_bytes(per_task / temps_per_task)} on average: "
                     + cost(task, worker)),
            explanation=(
                f"The {task.count} '{task.prefix}' tasks {where} allocated "
                f"{human_bytes(task.allocated_bytes)}, {human_bytes(task.temporary_bytes)} of it "
                "freed before the task ended (temporaries of the expression inside each "
                f"chunk); {cost(task, worker)}. In-place operations inside a "
                "`map_blocks` function (`np.subtract(c, m, out=c)`, `c **= 2`) keep one "
                "chunk-sized buffer per task. Computed from the measured tasks, not re-run.")))
    return findings


RULE = Rule(
    name="dask-chunk-temporaries",
    category="temporary-chain",
    finds="A Dask task (measured on the workers or this process's threads) that makes two or "
          "more temporaries per run, each worth a word, without a broadcast blowup; reported "
          "on the line that built the task, with the per-worker cost.",
    why="Every chunk allocates and frees the chain's intermediates, and a worker runs one "
        "such task per thread at once; in-place steps inside a map_blocks function keep one "
        "chunk-sized buffer per task.",
    example="y = (x - x.mean(axis=0)) ** 2 / s  # x a dask array\n->\n"
            "(no rewrite: in-place steps inside x.map_blocks, e.g. np.subtract(c, m, out=c); "
            "c **= 2)",
    near_misses="Tasks whose peak or temporaries stay under the silent bytes, a single "
                "temporary per task, tasks with a broadcast blowup (dask-chunk-broadcast's).",
    rewrite="none",
    check=check,
)
