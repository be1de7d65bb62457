"""none-gaps: an object array of numbers with None for the gaps that the cell then treats as
numbers (it makes an object array of numbers from it by dropping the Nones)."""

from __future__ import annotations

from arrayprof.advisor.facts import finding, shape
from arrayprof.advisor.object_arrays import gappy_sources, numeric_names, object_arrays
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def check(report: Report, context: CellContext) -> list[Finding]:
    """The finding goes to the line that made the gappy array; the array made from it is not
    reported again (object-numbers skips arrays derived from another source)."""
    assert context.tree is not None
    ns = context.namespace
    candidates = object_arrays(report, context)
    found = []
    for name, (stmt, users) in gappy_sources(context, candidates,
                                             numeric_names(context, candidates)).items():
        value = ns[name]
        gaps = int(sum(v is None for v in value.ravel()))
        found.append(finding(
            "object-dtype", stmt.lineno,
            f"{name} is an object array of numbers with None gaps; use float64 with NaN",
            f"{name} is a {shape(value.shape)} array of dtype object: {value.size - gaps:,} "
            f"numbers and {gaps:,} None, each a separate Python object, and the cell then "
            f"treats it as numbers ({', '.join(sorted(users))}). Made with dtype=float the Nones "
            "become NaN, the array is one compact buffer and np.isnan / np.nanmean / masks run "
            "compiled. Rule of thumb: missing numbers are NaN, not None.",
            seconds_lost=report.wall_s * 0.5, bytes_wasted=value.size * 24))
    return found


RULE = Rule(
    name="none-gaps",
    category="object-dtype",
    finds="An object array holding numbers and None (missing values marked None) from which "
          "the cell then makes an object array of numbers (dropping the Nones, or filtering): "
          "reported on the line that made the gappy array.",
    why="Each element is a separate Python object and everything done with it runs in the "
        "interpreter; as float64 with NaN for the gaps it is one compact buffer and np.isnan, "
        "np.nanmean and masks run compiled.",
    example="vals = np.array([1.5, None, 3.0] * n)\nclean = vals[vals != None]\n->\n"
            "vals = np.array([1.5, None, 3.0] * n, dtype=float)  # None -> nan\n"
            "clean = vals[~np.isnan(vals)]",
    near_misses="None-gapped object arrays the cell does not turn into numbers (kept as "
                "records, or the gaps mean something other than missing); object arrays of "
                "strings or mixed objects.",
    rewrite="none",
    check=check,
)
