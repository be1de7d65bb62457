"""large-compute: a ``.compute()`` that brings a large result back into the client process."""

from __future__ import annotations

from arrayprof.advisor.dask_tasks import shape_text
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report
from arrayprof.units import human_bytes

LARGE_COMPUTE_BYTES = 256 << 20  # a .compute() result above this is worth a word


def check(report: Report, context: CellContext) -> list[Finding]:
    findings = []
    for compute in report.dask.computes if report.dask else []:
        if compute.nbytes < LARGE_COMPUTE_BYTES:
            continue
        findings.append(Finding(
            category="dask-compute", severity="warning", lineno=compute.lineno,
            message=(f".compute() brings {human_bytes(compute.nbytes)} "
                     f"{shape_text(compute.shape)} {compute.dtype} back into this process"),
            explanation=(
                f"The result of '{compute.prefix}' is gathered whole into the client: "
                f"{human_bytes(compute.nbytes)} sent over the network and held here at once. "
                "Reduce on the cluster before computing (a sum, a mean, a slice), keep it there "
                "with .persist(), or write it out with .to_zarr() / da.store().")))
    return findings


RULE = Rule(
    name="large-compute",
    category="dask-compute",
    finds="A .compute() (or dask.compute) whose result is 256 MiB or more, measured as it "
          "came back into the client process.",
    why="The whole result crosses the network and is held at once in the notebook's process, "
        "which a cluster was used to avoid.",
    example="full = (x - x.mean(axis=0)).compute()\n->\n"
            "summary = (x - x.mean(axis=0)).std(axis=0).compute()",
    near_misses="Reductions and small slices computed; results kept on the cluster with "
                ".persist() or written out with .to_zarr().",
    rewrite="none",
    check=check,
)
