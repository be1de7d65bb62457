"""The report: the one data model every way of running arrayprof produces and every renderer reads.

Field names and meanings follow ``docs/report.md`` (schema ``arrayprof.report/1``); fields may be
added, never renamed.  Nothing here knows about IPython, widgets or the tracker.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "arrayprof.report/1"

SEVERITIES = ("info", "warning", "error")
CATEGORIES = (
    "python-loop",
    "np-vectorize",
    "python-builtin",
    "growing-array",
    "broadcast-blowup",
    "missing-keepdims",
    "temporary-chain",
    "unexpected-copy",
    "view-pins-base",
    "view-mutation",
    "dtype-upcast",
    "dtype-overflow",
    "object-dtype",
    "non-contiguous",
    "api-misuse",
)


@dataclass
class ErrorInfo:
    """The exception the profiled code raised (the report is still complete up to it)."""

    type: str
    message: str
    lineno: int | None


@dataclass
class NumpyStats:
    """Whole-cell NumPy data-buffer figures, exactly as the allocation hook saw them."""

    allocations: int = 0
    allocated_bytes: int = 0
    freed_bytes: int = 0
    peak_bytes: int = 0
    net_bytes: int = 0
    temporaries: int = 0
    temporary_bytes: int = 0
    # additions to the contract
    frees: int = 0
    peak_lineno: int | None = None
    other_threads: dict[str, int] = field(default_factory=dict)
    # ndarray objects (ndim >= 1) the cell created: views share another buffer, copies own a new
    # one (operation results included); exact ndarray only, subclasses are not counted
    views: int = 0
    copies: int = 0
    # contract field: seconds inside NumPy calls (ufuncs and NumPy's functions), exact clocks
    seconds: float = 0.0


@dataclass
class RssStats:
    """Resident set size of the process around the cell (a cross-check, not the measure)."""

    start_bytes: int
    peak_bytes: int
    end_bytes: int
    sampler: str = ""


@dataclass
class LineStats:
    """Per cell line: what it allocated, what of that was temporary, and the peak while it ran."""

    lineno: int
    source: str
    allocations: int = 0
    allocated_bytes: int = 0
    temporaries: int = 0
    temporary_bytes: int = 0
    peak_bytes: int = 0
    frees: int = 0
    freed_bytes: int = 0
    ops: int = 0
    views: int = 0
    copies: int = 0
    # contract fields: wall seconds charged to the line (sampled, NumPy calls timed exactly), the
    # part inside NumPy calls, and how many samples the line got (its precision)
    seconds: float = 0.0
    numpy_seconds: float = 0.0
    samples: int = 0


@dataclass
class OpRecord:
    """One array-operation call site (aggregated over every time it ran)."""

    lineno: int | None
    count: int
    kind: str
    name: str
    operands: list[dict[str, Any]]
    result: dict[str, Any] | None
    broadcast: bool
    expansion: float
    inplace: bool


@dataclass
class ArrayInfo:
    """A NumPy array bound to a name after the cell (new or rebound by it)."""

    name: str
    shape: list[int]
    dtype: str
    strides: list[int]
    nbytes: int
    itemsize: int
    lineno: int | None
    is_view: bool
    base: str | None
    base_nbytes: int
    c_contiguous: bool
    f_contiguous: bool
    writeable: bool
    span_bytes: int
    utilization: float
    cache_lines: int
    # addition: bytes from the start of the owning buffer to element 0 (None: owner address unknown)
    offset_bytes: int | None = None
    # addition: False when cache_lines is an upper bound (an interleaving layout too large to count)
    cache_lines_exact: bool = True


@dataclass
class Rewrite:
    """A concrete replacement for cell lines, and what running it against the original showed."""

    kind: str  # "equivalent" | "fix"
    code: str
    lines: list[int]
    compared: list[str]
    verified: bool = False
    equal: bool | None = None
    check: str = ""
    speedup: float | None = None
    peak_bytes_before: int | None = None
    peak_bytes_after: int | None = None


@dataclass
class Finding:
    """One piece of advice about the cell."""

    category: str
    severity: str
    lineno: int | None
    message: str
    explanation: str
    rewrite: Rewrite | None = None


@dataclass
class Report:
    """Everything arrayprof measured about one profiled piece of code."""

    source: str
    wall_s: float = 0.0
    error: ErrorInfo | None = None
    numpy: NumpyStats = field(default_factory=NumpyStats)
    rss: RssStats | None = None
    lines: list[LineStats] = field(default_factory=list)
    ops: list[OpRecord] = field(default_factory=list)
    arrays: list[ArrayInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    timeline: list[list[float]] = field(default_factory=list)  # [seconds, live bytes, lineno]
    execution_count: int | None = None
    notes: list[str] = field(default_factory=list)  # what arrayprof could not do, in one line each
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (the contract of REPORT.md)."""
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from its JSON form (for renderers fed from files or a comm)."""
        data = dict(data)
        numpy = NumpyStats(**data.pop("numpy", {}))
        rss = data.pop("rss", None)
        error = data.pop("error", None)
        findings = []
        for f in data.pop("findings", []):
            f = dict(f)
            rewrite = f.pop("rewrite", None)
            findings.append(Finding(**f, rewrite=Rewrite(**rewrite) if rewrite else None))
        return cls(
            numpy=numpy,
            rss=RssStats(**rss) if rss else None,
            error=ErrorInfo(**error) if error else None,
            lines=[LineStats(**x) for x in data.pop("lines", [])],
            ops=[OpRecord(**x) for x in data.pop("ops", [])],
            arrays=[ArrayInfo(**x) for x in data.pop("arrays", [])],
            findings=findings,
            **data,
        )

    def _repr_html_(self) -> str:
        """Self-contained HTML for notebooks and exports (the renderer is imported lazily)."""
        from arrayprof.render.html import report_html

        return report_html(self)

    # convenience lookups used by renderers and the advisor
    def line(self, lineno: int) -> LineStats | None:
        return next((x for x in self.lines if x.lineno == lineno), None)

    def array(self, name: str) -> ArrayInfo | None:
        return next((a for a in self.arrays if a.name == name), None)

    def ops_on(self, lineno: int) -> list[OpRecord]:
        return [op for op in self.ops if op.lineno == lineno]
