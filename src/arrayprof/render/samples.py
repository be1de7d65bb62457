"""Hand-built reports with known contents, for the renderers' tests, benchmarks and demos.

They are made the way a renderer receives reports (a `Report` built from plain data), with every
section filled, findings and rewrites included, so a renderer can be checked against numbers a
person can work out by hand without waiting for the tracker or the advisor.
"""

from __future__ import annotations

from arrayprof.report import (
    ArrayInfo,
    Finding,
    LineStats,
    NumpyStats,
    OpRecord,
    Report,
    Rewrite,
    RssStats,
)

KNOWN_SOURCE = """\
x = np.arange(12.0)
d = (x[:, None] - x) * 2
b = x[::3]
t = d.T
s = d.sum()"""


def known_report() -> Report:
    """Five lines; line 2 makes a (12, 12) outer difference, a temporary, and is the peak:
    96 (x) + 1152 (the difference) + 1152 (times 2) = 2400 bytes.

    Arrays: x (12,) float64, d (12, 12), b = x[::3] (stride 24: cells 0, 3, 6, 9 of x's span),
    t = d.T (F-contiguous view).  Three findings: a verified equivalent rewrite, an unverified
    one, and an info without rewrite.
    """
    f8 = "float64"
    return Report(
        source=KNOWN_SOURCE,
        wall_s=0.0123,
        numpy=NumpyStats(allocations=5, allocated_bytes=96 + 2304 + 16, freed_bytes=1160,
                         peak_bytes=2400, net_bytes=1256, temporaries=2, temporary_bytes=1160,
                         frees=2, peak_lineno=2),
        rss=RssStats(start_bytes=50_000_000, peak_bytes=50_400_000, end_bytes=50_200_000,
                     sampler="test"),
        lines=[
            LineStats(1, "x = np.arange(12.0)", allocations=1, allocated_bytes=96,
                      peak_bytes=96, ops=1),
            LineStats(2, "d = (x[:, None] - x) * 2", allocations=2, allocated_bytes=2304,
                      temporaries=1, temporary_bytes=1152, peak_bytes=2400, frees=1,
                      freed_bytes=1152, ops=2),
            LineStats(5, "s = d.sum()", allocations=2, allocated_bytes=16, temporaries=1,
                      temporary_bytes=8, peak_bytes=1264, frees=1, freed_bytes=8, ops=1),
        ],
        ops=[
            OpRecord(2, 1, "ufunc", "subtract",
                     [{"shape": [12, 1], "dtype": f8, "strides": [8, 0], "nbytes": 96},
                      {"shape": [12], "dtype": f8, "strides": [8], "nbytes": 96}],
                     {"shape": [12, 12], "dtype": f8, "strides": [96, 8], "nbytes": 1152,
                      "is_view": False, "c_contiguous": True, "f_contiguous": False},
                     broadcast=True, expansion=12.0, inplace=False),
            OpRecord(2, 1, "ufunc", "multiply",
                     [{"shape": [12, 12], "dtype": f8, "strides": [96, 8], "nbytes": 1152},
                      {"shape": [], "dtype": "int64", "strides": [], "nbytes": 8,
                       "value": "python"}],
                     {"shape": [12, 12], "dtype": f8, "strides": [96, 8], "nbytes": 1152,
                      "is_view": False, "c_contiguous": True, "f_contiguous": False},
                     broadcast=False, expansion=1.0, inplace=False),
            OpRecord(5, 1, "reduce", "add.reduce",
                     [{"shape": [12, 12], "dtype": f8, "strides": [96, 8], "nbytes": 1152}],
                     {"shape": [], "dtype": f8, "strides": [], "nbytes": 8, "is_view": False,
                      "c_contiguous": True, "f_contiguous": True},
                     broadcast=False, expansion=1.0, inplace=False),
        ],
        arrays=[
            ArrayInfo("x", [12], f8, [8], 96, 8, 1, False, None, 96, True, True, True, 96, 1.0, 2),
            ArrayInfo("d", [12, 12], f8, [96, 8], 1152, 8, 2, False, None, 1152, True, False,
                      True, 1152, 1.0, 18),
            ArrayInfo("b", [4], f8, [24], 32, 8, 3, True, "x", 96, False, False, True, 80,
                      0.4, 2),
            ArrayInfo("t", [12, 12], f8, [8, 96], 1152, 8, 4, True, "d", 1152, False, True,
                      True, 1152, 1.0, 18),
        ],
        findings=[
            Finding("broadcast-blowup", "warning", 2,
                    "(12, 1) - (12,) materialises a 12x12 array only to be summed",
                    "Line 2 builds two 1.15 kB arrays from two 96 B inputs; line 5 reduces one.",
                    Rewrite("equivalent", "s = 12 * x.sum() - 12 * x.sum()", [2, 5], ["s"],
                            verified=True, equal=True, check="", speedup=3.2,
                            peak_bytes_before=2400, peak_bytes_after=96)),
            Finding("non-contiguous", "info", 4, "t is a transposed view of d",
                    "Work along t's rows walks d's columns, 96 bytes apart.",
                    Rewrite("equivalent", "t = np.ascontiguousarray(d.T)", [4, 4], ["t"],
                            verified=False, check="over the time budget")),
            Finding("api-misuse", "info", None, "x <compared> with == np.nan",
                    "Comparisons with NaN are always False & never <true>.", None),
        ],
        timeline=[[0.001, 96, 1], [0.003, 1248, 2], [0.004, 2400, 2], [0.005, 1248, 2],
                  [0.009, 1256, 5], [0.0092, 1264, 5], [0.0095, 1256, 5]],
        execution_count=7,
        notes=["rss sampled by a test"],
    )


def large_report(n_lines: int = 10_000, n_arrays: int = 1_000, n_timeline: int = 100_000,
                 n_findings: int = 50) -> Report:
    """A synthetic report the size of a big generated cell, for the render benchmark."""
    source = "\n".join(f"a{i} = b{i % 97}[::{i % 5 + 1}] * {i}" for i in range(n_lines))
    lines = [LineStats(i, f"a{i - 1} = ...", allocations=i % 7, allocated_bytes=(i * 7919) % 10**6,
                       temporaries=i % 3, temporary_bytes=(i * 31) % 10**5,
                       peak_bytes=(i * 104729) % 10**8) for i in range(1, n_lines + 1)]
    peak_line = max(lines, key=lambda x: x.peak_bytes).lineno
    arrays = [ArrayInfo(f"a{i}", [1000, i % 50 + 1], "float64", [8 * (i % 50 + 1) * (i % 3 + 1), 8],
                        8000 * (i % 50 + 1), 8, i % n_lines + 1, i % 2 == 1,
                        f"b{i % 97}" if i % 2 else None, 8000 * (i % 50 + 1) * 3,
                        i % 3 == 0, False, True, 8000 * (i % 50 + 1), 1.0 / (i % 3 + 1), 100)
              for i in range(n_arrays)]
    timeline = [[i * 1e-5, float((i * 2654435761) % 10**8), i % n_lines + 1]
                for i in range(n_timeline)]
    findings = [Finding("temporary-chain", ("info", "warning")[i % 2], i + 1, f"finding {i}",
                        "explanation " * 20,
                        Rewrite("equivalent", f"a{i} = b{i}.copy()", [i + 1, i + 1], [f"a{i}"],
                                verified=i % 3 == 0, equal=True, speedup=1.5))
                for i in range(n_findings)]
    return Report(source=source, wall_s=1.0,
                  numpy=NumpyStats(allocations=n_lines, allocated_bytes=10**9,
                                   peak_bytes=10**8, peak_lineno=peak_line),
                  lines=lines, arrays=arrays, timeline=timeline, findings=findings)
