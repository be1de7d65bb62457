"""dask-chunk-broadcast: a broadcast inside every chunk of a Dask computation, with what it
costs a worker whose threads all run such a task at once (measured per task)."""

from __future__ import annotations

from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dask_tasks import broadcast_op, cost, severity, shape_text, where_run, worker_of
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report
from arrayprof.units import human_bytes


def check(report: Report, context: CellContext) -> list[Finding]:
    if report.dask is None:
        return []
    worker = worker_of(report)
    where = where_run(report)
    findings = []
    for task in report.dask.tasks:
        if task.lineno is None or task.count == 0 or task.peak_bytes_max < CONFIG.silent_bytes:
            continue
        op = broadcast_op(task)
        if op is None:
            continue
        operands = " and ".join(shape_text(s) for s in op["operands"])
        findings.append(Finding(
            category="broadcast-blowup", severity=severity(task, worker),
            lineno=task.lineno,
            message=(f"broadcast in {op['name']} inside every chunk of '{task.prefix}' "
                     f"materialises {human_bytes(op['result_nbytes'])} per task: "
                     + cost(task, worker)),
            explanation=(
                f"Each of the {task.count} '{task.prefix}' tasks {where} broadcasts "
                f"{operands} to {shape_text(op['result'])} ({op['expansion']:.0f}x its largest "
                f"input) and reaches {human_bytes(task.peak_bytes_max)} of live NumPy memory; "
                f"{cost(task, worker)}. Smaller chunks along the broadcast dimensions shrink "
                "it by the product of their factors (halving both operands' chunks quarters "
                "it), or reduce over the last axis before broadcasting (for squared "
                "distances: |a|^2 + |b|^2 - 2 a.b with a matrix product per chunk pair). "
                "Computed from the measured tasks, not re-run on the cluster.")))
    return findings


RULE = Rule(
    name="dask-chunk-broadcast",
    category="broadcast-blowup",
    finds="A Dask task (measured on the workers or this process's threads) whose NumPy code "
          "broadcasts its chunks past the blowup factor into a result worth a word; reported "
          "on the line that built the task, with the per-worker cost.",
    why="Every chunk materialises the broadcast, and a worker runs one such task per thread "
        "at once: the per-task peak times its threads comes out of its memory limit.",
    example="d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)  # a, b dask arrays\n->\n"
            "(no rewrite: smaller chunks along the broadcast dimensions, or |a|^2 + |b|^2 - "
            "2 a @ b.T per chunk pair)",
    near_misses="Tasks whose peak stays under the silent bytes, broadcasts under the blowup "
                "factor, NumPy broadcasts outside Dask (broadcast-blowup's other rules).",
    rewrite="none",
    check=check,
)
