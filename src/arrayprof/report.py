"""The report: the one data model every way of running arrayprof produces and every renderer reads.

Field names and meanings follow ``docs/report.md`` (schema ``arrayprof.report/1``); fields may be
added, never renamed.  Nothing here knows about IPython, widgets, renderers or the tracker
(``tests/test_layers.py``); how a report shows itself is attached by ``arrayprof.kernel.reprs``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Any, ClassVar

try:  # a fast encoder (C, dataclasses natively); without it the standard library's
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency, but a missing one is survivable
    orjson = None

SCHEMA = "arrayprof.report/1"


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The keys of `data` that are fields of dataclass `cls` (a copy): readers are tolerant."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}

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
    "dask-chunks",
    "dask-compute",
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
    # addition: in a report over several files (a test: `Report.source_files`), the file this line
    # is in (relative to the test run's rootdir when below it) and its line number in that file;
    # `lineno` is then the report's line, base + file_lineno.  None in a cell's report.
    filename: str | None = None
    file_lineno: int | None = None
    # fields a report leaves out when they do not apply (to_dict), so not every report has them
    OPTIONAL: ClassVar[tuple[str, ...]] = ("filename", "file_lineno")


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
class DaskTask:
    """The tasks of one kind (key prefix) made by one cell line, summed over every worker."""

    prefix: str
    lineno: int | None
    count: int = 0
    allocated_bytes: int = 0
    temporary_bytes: int = 0
    peak_bytes_max: int = 0  # the largest peak of live bytes of one task
    seconds: float = 0.0
    # additions
    allocations: int = 0
    temporaries: int = 0
    layers: list[str] = field(default_factory=list)
    ops: list[dict[str, Any]] = field(default_factory=list)  # ufunc calls inside the tasks


@dataclass
class DaskWorker:
    """One worker: its threads, its memory limit and its NumPy peak during the cell."""

    address: str
    threads: int
    memory_limit: int
    peak_bytes: int


@dataclass
class DaskCompute:
    """A `.compute()` whose NumPy result came back to the profiled process."""

    lineno: int | None
    prefix: str
    nbytes: int
    shape: list[int]
    dtype: str


@dataclass
class DaskArray:
    """A dask array a name of the cell holds after it (what chunk advice is about)."""

    name: str
    shape: list[int]
    chunk_shape: list[int]  # the largest chunk along each axis
    dtype: str
    chunk_bytes: int
    nchunks: int


@dataclass
class DaskReport:
    """What the cell's Dask tasks did, on the workers or on this process's threads."""

    tasks: list[DaskTask] = field(default_factory=list)
    workers: list[DaskWorker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # additions
    scheduler: str = "local"  # "distributed" (a Client) or "local" (threads or sync in-process)
    computes: list[DaskCompute] = field(default_factory=list)
    arrays: list[DaskArray] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DaskReport:
        """Tolerant, as `Report.from_dict`: keys this version does not know are ignored."""
        data = _known(cls, data)
        return cls(tasks=[DaskTask(**_known(DaskTask, t)) for t in data.pop("tasks", [])],
                   workers=[DaskWorker(**_known(DaskWorker, w)) for w in data.pop("workers", [])],
                   computes=[DaskCompute(**_known(DaskCompute, c))
                             for c in data.pop("computes", [])],
                   arrays=[DaskArray(**_known(DaskArray, a)) for a in data.pop("arrays", [])],
                   **data)


@dataclass
class Report:
    """Everything arrayprof measured about one profiled piece of code."""

    OPTIONAL: ClassVar[tuple[str, ...]] = ("dask",)  # absent from the JSON where it does not apply

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
    # additions for code recorded over several files (the pytest plugin): the files lines were
    # charged to, each {"filename", "base", "nlines"}: report line base + n is line n of that file
    # (every line number of the report, ops, findings, timeline and peak_lineno included).  Empty
    # for a cell, whose lines are its own.  `test_id`: the pytest node id, None elsewhere.
    source_files: list[dict[str, Any]] = field(default_factory=list)
    test_id: str | None = None
    dask: DaskReport | None = None  # only when the cell ran Dask tasks (absent from the JSON else)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (the contract of REPORT.md), independent of the report.  The
        timeline, up to 2,048 points, is copied point by point rather than through `asdict`'s
        generic recursion (which took 10 ms of a 14 ms `to_json`).  A line's `filename` and
        `file_lineno` appear only in reports over several files, `dask` only when the cell ran
        Dask tasks."""
        data = asdict(replace(self, timeline=[]))
        data["timeline"] = [list(point) for point in self.timeline]
        for row in data["lines"]:  # a line's file only in reports over several files
            if row["filename"] is None:
                del row["filename"], row["file_lineno"]
        if data.get("dask") is None:
            data.pop("dask", None)
        return data

    # -- findings computed when first read (automatic mode's small cells, docs/report.md) -----
    def defer_findings(self, compute: Callable[[Report], None]) -> None:
        """Leave `findings` to be computed the first time anything reads them: `compute(self)`
        then sets them (and may add notes).  Every reader (renderers, to_dict/to_json, the
        panel's messages, comparisons) goes through the attribute, so none sees a report without
        its findings.  Assigning `findings` cancels the pending computation."""
        self.__dict__.pop("findings", None)
        self.__dict__["_compute_findings"] = compute

    @property
    def findings_pending(self) -> bool:
        """Whether the findings are still to be computed (reading them computes them)."""
        return "findings" not in self.__dict__

    def _resolve_findings(self) -> list[Finding]:
        state = self.__dict__
        compute = state.pop("_compute_findings", None)
        state["findings"] = []  # what the computation (and anything it reads) sees meanwhile
        if compute is not None:
            compute(self)
        # back in field order: orjson writes the instance's attributes in their order
        ordered = {name: state[name] for name in _FIELD_ORDER if name in state}
        rest = {name: value for name, value in state.items() if name not in ordered}
        state.clear()
        state.update(ordered)
        state.update(rest)
        return state["findings"]

    def __getstate__(self) -> dict[str, Any]:
        """For pickle and copy: the findings computed, no pending computation carried along."""
        if self.findings_pending:
            self._resolve_findings()
        state = dict(self.__dict__)
        state.pop("_compute_findings", None)
        return state

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text: the same content as ``json.dumps(self.to_dict(), indent)``.
        Encoded by orjson straight from the dataclasses (about a millisecond for an ordinary
        report; the standard library's indenting encoder is pure Python) when it gives the same
        content: indent 2 or none, no integer beyond 64 bits, no NaN or infinity (which orjson
        writes as null); otherwise by the standard library."""
        if self.findings_pending:
            self._resolve_findings()
        if orjson is not None and indent in (None, 2) and self._finite():
            try:
                option = orjson.OPT_PASSTHROUGH_DATACLASS | (orjson.OPT_INDENT_2 if indent else 0)
                return orjson.dumps(self, default=_present_fields, option=option).decode()
            except (TypeError, ValueError):
                pass  # an integer beyond 64 bits, a key that is not a string: as before
        return json.dumps(self.to_dict(), indent=indent)

    def _finite(self) -> bool:
        """Whether every float the report can hold outside the timeline (whose times and byte
        counts are always finite) is finite."""
        floats = [self.wall_s]
        floats.extend(op.expansion for op in self.ops)
        floats.extend(a.utilization for a in self.arrays)
        floats.extend(f.rewrite.speedup for f in self.findings
                      if f.rewrite is not None and f.rewrite.speedup is not None)
        if not all(math.isfinite(x) for x in floats if isinstance(x, float)):
            return False
        # operands and results are small dicts of the observer's plain values
        for op in self.ops:
            for value in (*op.operands, op.result or {}):
                if any(isinstance(v, float) and not math.isfinite(v) for v in value.values()):
                    return False
        return True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from its JSON form (for renderers fed from files or a comm).

        A tolerant reader: keys this version does not know (a newer arrayprof's additions) are
        ignored at every level, so an older reader still opens a newer report (issue 16)."""
        data = _known(cls, data)
        numpy = NumpyStats(**_known(NumpyStats, data.pop("numpy", {})))
        rss = data.pop("rss", None)
        error = data.pop("error", None)
        dask = data.pop("dask", None)
        findings = []
        for f in data.pop("findings", []):
            f = _known(Finding, f)
            rewrite = f.pop("rewrite", None)
            findings.append(Finding(**f, rewrite=Rewrite(**_known(Rewrite, rewrite))
                                    if rewrite else None))
        return cls(
            numpy=numpy,
            rss=RssStats(**_known(RssStats, rss)) if rss else None,
            error=ErrorInfo(**_known(ErrorInfo, error)) if error else None,
            lines=[LineStats(**_known(LineStats, x)) for x in data.pop("lines", [])],
            ops=[OpRecord(**_known(OpRecord, x)) for x in data.pop("ops", [])],
            arrays=[ArrayInfo(**_known(ArrayInfo, x)) for x in data.pop("arrays", [])],
            findings=findings,
            dask=DaskReport.from_dict(dask) if dask else None,
            **data,
        )

    # ``str``, ``repr`` and ``_repr_html_`` are attached by arrayprof.kernel.reprs (imported with
    # arrayprof): the report knows no renderer (issue 16)

    # convenience lookups used by renderers and the advisor
    def line(self, lineno: int) -> LineStats | None:
        return next((x for x in self.lines if x.lineno == lineno), None)

    def array(self, name: str) -> ArrayInfo | None:
        return next((a for a in self.arrays if a.name == name), None)

    def ops_on(self, lineno: int) -> list[OpRecord]:
        return [op for op in self.ops if op.lineno == lineno]


class _PendingFindings:
    """`Report.findings` while they are still to be computed: a non-data descriptor, so once
    computed (or assigned) the instance's own attribute answers at no cost."""

    def __get__(self, report: Report | None, owner: type | None = None) -> Any:
        if report is None:
            return self
        return report._resolve_findings()


_FIELD_ORDER = [f.name for f in fields(Report)]
Report.findings = _PendingFindings()  # type: ignore[assignment]


_OPTIONAL_FIELDS: dict[type, list[tuple[str, bool]]] = {}


def _present_fields(obj: Any) -> dict[str, Any]:
    """orjson's hook for the report's dataclasses: their fields in order, leaving out an
    `OPTIONAL` field that is None (a cell's lines have no `filename`; `dask` only with tasks), as
    `to_dict` does."""
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"cannot encode {type(obj).__name__}")
    layout = _OPTIONAL_FIELDS.get(type(obj))
    if layout is None:
        optional = set(getattr(type(obj), "OPTIONAL", ()))
        layout = _OPTIONAL_FIELDS[type(obj)] = [(f.name, f.name in optional) for f in fields(obj)]
    out = {}
    for name, optional in layout:
        value = getattr(obj, name)
        if value is not None or not optional:
            out[name] = value
    return out
