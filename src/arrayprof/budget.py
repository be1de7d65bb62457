"""Memory budgets: limits on a report's NumPy figures, and the explanation of a broken one.

Shared by the pytest plugin (``@pytest.mark.numpy_budget(peak="64 MB")``) and the CLI
(``arrayprof run NOTEBOOK --budget peak=500MB``).  Sizes are written as pytest-memray writes them
("24 MB", "1.5 GiB", "512KiB"): binary multiples, so "24 MB" and "24 MiB" are both 24 * 1024**2
bytes, as in pytest-memray, where a limit migrated from ``limit_memory`` must mean the same.
Figures in messages are printed in arrayprof's decimal units beside the exact byte count.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, fields
from typing import Any

from arrayprof.report import Finding, LineStats, Report
from arrayprof.units import human_bytes

# pytest-memray's grammar (an optional "+", a number, optional spaces, B/KB/MB/GB/TB/PB in any
# case, multiples of 1024), with the IEC spellings (KiB, MiB, ...) also accepted and the whole
# string required to match: "24 MBytes" or "24 MB of RAM" is an error here, not 24 MB.
_SIZE = re.compile(r"\s*\+?(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>(?:[KMGTP]i?)?B)\s*",
                   re.IGNORECASE)
_MULTIPLIER = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}


def parse_size(value: str | int | float) -> int:
    """A size in bytes from "24 MB", "1.5 GiB", "512KiB", "100B" (or a number of bytes).

    Raises ValueError with the accepted forms when the string is not one of them."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"a size cannot be negative: {value!r}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a size: {value!r} (a string such as '24 MB', or a number of bytes)")
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"not a size: {value!r} (write it as pytest-memray does: '24 MB', "
                         "'1.5 GiB', '512KiB', '100B')")
    unit = match["unit"].upper()
    return int(float(match["number"]) * _MULTIPLIER[unit[0] if len(unit) > 1 else ""])


@dataclass(frozen=True)
class Budget:
    """Limits on one report; None means no limit.  Sizes in bytes, `allocations` a count."""

    peak: int | None = None  # numpy.peak_bytes: the highest live NumPy bytes while the code ran
    allocated: int | None = None  # numpy.allocated_bytes: every NumPy buffer allocated
    temporaries: int | None = None  # numpy.temporary_bytes: buffers allocated and freed within
    allocations: int | None = None  # numpy.allocations: how many buffers

    @classmethod
    def from_arguments(cls, **limits: Any) -> Budget:
        """From marker or metadata keywords: sizes as strings or bytes, `allocations` a count.
        Raises ValueError naming the keyword at fault."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(limits) - known)
        if unknown:
            raise ValueError(f"unknown budget {'keys' if len(unknown) > 1 else 'key'} "
                             f"{', '.join(unknown)} (known: peak, allocated, temporaries, "
                             "allocations)")
        values: dict[str, int | None] = {}
        for name, value in limits.items():
            if value is None:
                values[name] = None
            elif name == "allocations":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"allocations={value!r}: a count of buffers (an int >= 0)")
                values[name] = value
            else:
                try:
                    values[name] = parse_size(value)
                except ValueError as exc:
                    raise ValueError(f"{name}={value!r}: {exc}") from None
        return cls(**values)

    @classmethod
    def from_spec(cls, spec: str) -> Budget:
        """From the CLI's ``peak=500MB,temporaries=100MB`` (raises ValueError)."""
        limits: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, value = part.partition("=")
            if not sep or not value.strip():
                raise ValueError(f"{part!r}: write NAME=SIZE, e.g. peak=500MB")
            name = name.strip()
            limits[name] = int(value) if name == "allocations" and value.strip().isdigit() \
                else value.strip()
        if not limits:
            raise ValueError("an empty budget (write e.g. peak=500MB,temporaries=100MB)")
        return cls.from_arguments(**limits)

    def merged(self, other: Budget) -> Budget:
        """`other`'s limits where it sets one, ours elsewhere (a cell's own over the run's)."""
        return Budget(**{f.name: getattr(other, f.name) if getattr(other, f.name) is not None
                         else getattr(self, f.name) for f in fields(self)})

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)
                is not None}

    def __bool__(self) -> bool:
        return bool(self.to_dict())


# budget key -> (whole-report figure, per-line figure, words)
FIGURES = {
    "peak": ("peak_bytes", "peak_bytes", "NumPy peak"),
    "allocated": ("allocated_bytes", "allocated_bytes", "NumPy bytes allocated"),
    "temporaries": ("temporary_bytes", "temporary_bytes", "temporary bytes"),
    "allocations": ("allocations", "allocations", "NumPy allocations"),
}


@dataclass
class Breach:
    """One limit a report went over."""

    name: str  # a Budget field
    limit: int
    measured: int

    def describe(self) -> str:
        words = FIGURES[self.name][2]
        if self.name == "allocations":
            return f"{words} {self.measured:,} > budget {self.limit:,}"
        return (f"{words} {human_bytes(self.measured)} ({self.measured:,} B) > budget "
                f"{binary_bytes(self.limit)} ({self.limit:,} B)")


def binary_bytes(n: int) -> str:
    """A limit as it was most likely written: 10485760 -> '10 MiB' (budgets are binary)."""
    for unit, size in (("PiB", 1024**5), ("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2),
                       ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} B"


def check(report: Report, budget: Budget) -> list[Breach]:
    """The limits `report` went over (a figure equal to its limit is within it)."""
    out = []
    for name, limit in budget.to_dict().items():
        measured = int(getattr(report.numpy, FIGURES[name][0]))
        if measured > limit:
            out.append(Breach(name, limit, measured))
    return out


def where(report: Report, lineno: int | None) -> str:
    """`file:line` for a line of a report over several files; `line N` in a cell."""
    if lineno is None:
        return "no line"
    row = report.line(lineno)
    if row is not None and row.filename:
        return f"{row.filename}:{row.file_lineno}"
    for source in report.source_files:
        if source["base"] < lineno <= source["base"] + source["nlines"]:
            return f"{source['filename']}:{lineno - source['base']}"
    return f"line {lineno}"


def top_lines(report: Report, name: str, limit: int = 5) -> list[LineStats]:
    """The lines with the most of the budget's figure, most first (lines with none left out)."""
    attribute = FIGURES[name][1]
    rows = [row for row in report.lines if getattr(row, attribute) > 0]
    rows.sort(key=lambda row: (-getattr(row, attribute), row.lineno))
    return rows[:limit]


def explain(report: Report, breaches: list[Breach], *, what: str = "the test",
            lines: int = 5) -> list[str]:
    """Why the budget broke: each limit and figure, the lines that made that figure (with their
    source) and the advisor's findings on those lines with their rewrites."""
    out: list[str] = []
    for breach in breaches:
        out.append(f"arrayprof: {what} is over its NumPy budget: {breach.describe()}")
        attribute = FIGURES[breach.name][1]
        rows = top_lines(report, breach.name, lines)
        if not rows:
            out.append("  no line of the code recorded it (the figure comes from code outside "
                       "the recorded files)")
        for row in rows:
            figure = getattr(row, attribute)
            shown = f"{figure:,}" if breach.name == "allocations" else human_bytes(figure)
            out.append(f"  {where(report, row.lineno):<40} {shown:>10}  {row.source.strip()}")
        if breach.name == "peak" and report.numpy.peak_lineno:
            out.append(f"  the peak was reached at {where(report, report.numpy.peak_lineno)}")
    shown_lines = {row.lineno for b in breaches for row in top_lines(report, b.name, lines)}
    findings = [f for f in report.findings if f.lineno in shown_lines]
    if findings:
        out.append("findings on those lines:")
        for found in findings:
            out.extend(describe_finding(report, found))
    return out


def describe_finding(report: Report, found: Finding) -> list[str]:
    out = [f"  [{found.severity}] {found.category} ({where(report, found.lineno)}): {found.message}"]
    rewrite = found.rewrite
    if rewrite is not None:
        state = "verified" if rewrite.verified else rewrite.check or "not verified"
        out.append(f"    rewrite ({rewrite.kind}, {state}):")
        out.extend("      " + line for line in textwrap.dedent(rewrite.code).splitlines())
    return out
