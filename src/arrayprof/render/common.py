"""Facts and formatting shared by every renderer (HTML, widget).

Renderers only read a `Report`; everything they show that is derived (the peak line, the RSS change,
which source lines to list when a cell is huge) is worked out here once, so the HTML page and the
widget can never disagree about what the cell did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arrayprof.report import ArrayInfo, Finding, LineStats, Report
from arrayprof.units import human_bytes, human_seconds

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# The peak is drawn as an alarm (red card, red row) only from this size on: a 0 B or 800 kB peak is
# a fact, not a problem (automatic mode's default threshold is the same 10 MB).
PEAK_ALERT_BYTES = 10_000_000


def fmt_bytes(n: float | None) -> str:
    """The project's units (``arrayprof.units``: decimal, as NumPy users quote sizes), so the
    widget, the HTML page and the text report print the same figure the same way."""
    return "n/a" if n is None else human_bytes(n)


def fmt_signed_bytes(n: int | None) -> str:
    """A change in bytes always carries its sign, so "+1 MiB" cannot be read as a level."""
    if n is None:
        return "n/a"
    return ("+" if n >= 0 else "") + fmt_bytes(n)


def fmt_seconds(s: float | None) -> str:
    return "n/a" if s is None else human_seconds(s)


def fmt_shape(shape: list[int] | tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(n) for n in shape) + ")"


def contiguity(array: ArrayInfo) -> str:
    """One word for the memory order, the thing a user acts on (copy, transpose, ascontiguous)."""
    if array.c_contiguous and array.f_contiguous:
        return "C+F"
    if array.c_contiguous:
        return "C"
    if array.f_contiguous:
        return "F"
    return "strided"


def is_strided(array: ArrayInfo) -> bool:
    """Arrays whose memory layout is worth a drawing: not plainly contiguous."""
    return not (array.c_contiguous or array.f_contiguous) or array.utilization != 1.0


def peak_lineno(report: Report) -> int | None:
    """The line during which the cell's NumPy memory was at its highest.

    The session's own figure comes first; older or hand-made reports fall back to the per-line peaks
    and then to the timeline, so a renderer always has a line to point at when there is a peak.
    """
    if report.numpy.peak_lineno:
        return report.numpy.peak_lineno
    if report.lines:
        best = max(report.lines, key=lambda x: x.peak_bytes)
        if best.peak_bytes > 0:
            return best.lineno
    if report.timeline:
        point = max(report.timeline, key=lambda p: p[1])
        if len(point) > 2 and point[2]:
            return int(point[2])
    return None


def source_line(report: Report, lineno: int | None) -> str:
    if lineno is None:
        return ""
    lines = report.source.splitlines()
    if 1 <= lineno <= len(lines):
        return lines[lineno - 1]
    stats = report.line(lineno)
    return stats.source if stats else ""


@dataclass
class HeaderFact:
    """One labelled figure in the report header."""

    key: str
    label: str
    value: str
    detail: str = ""


def finding_counts(findings: list[Finding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def header_facts(report: Report) -> list[HeaderFact]:
    """The header every renderer shows, in the order issue 5 lists it."""
    np_stats = report.numpy
    peak_line = peak_lineno(report)
    facts = [
        HeaderFact("wall", "wall time", fmt_seconds(report.wall_s),
                   f"NumPy {fmt_seconds(numpy_s)}" if (numpy_s := numpy_seconds(report)) is not None
                   else ""),
        HeaderFact(
            "allocated", "NumPy allocated", fmt_bytes(np_stats.allocated_bytes),
            f"{np_stats.allocations} allocation{'s' if np_stats.allocations != 1 else ''}",
        ),
        HeaderFact(
            "peak", "peak", fmt_bytes(np_stats.peak_bytes),
            f"line {peak_line}" if peak_line else "",
        ),
        HeaderFact(
            "temporaries", "temporaries", str(np_stats.temporaries),
            fmt_bytes(np_stats.temporary_bytes),
        ),
    ]
    if report.rss is not None:
        change = report.rss.end_bytes - report.rss.start_bytes
        facts.append(HeaderFact(
            "rss", "RSS change", fmt_signed_bytes(change),
            f"peak {fmt_signed_bytes(report.rss.peak_bytes - report.rss.start_bytes)}",
        ))
    else:
        facts.append(HeaderFact("rss", "RSS change", "n/a", "not sampled"))
    counts = finding_counts(report.findings)
    detail = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
    facts.append(HeaderFact("findings", "findings", str(len(report.findings)), detail))
    slow = slowest_line(report)
    if slow is not None:
        facts.insert(1, HeaderFact("slowest", "slowest line", fmt_seconds(slow[1]),
                                   f"line {slow[0]}"))
    return facts


def peak_matters(report: Report) -> bool:
    """Whether the peak deserves the alarm colour: big enough to act on (never 0 B)."""
    return report.numpy.peak_bytes >= PEAK_ALERT_BYTES


def line_seconds(stats: LineStats | None) -> float | None:
    """A line's own time in seconds, when the report has per-line times (``lines[].seconds``,
    added by the time profiler; older reports have none and every renderer shows no time column)."""
    value = getattr(stats, "seconds", None) if stats is not None else None
    return float(value) if isinstance(value, int | float) else None


def line_numpy_seconds(stats: LineStats | None) -> float | None:
    value = getattr(stats, "numpy_seconds", None) if stats is not None else None
    return float(value) if isinstance(value, int | float) else None


def numpy_seconds(report: Report) -> float | None:
    """The cell's time inside NumPy (``numpy.seconds``, from the time profiler), when reported
    (0, the field's default in a report made without timing, counts as not reported)."""
    value = getattr(report.numpy, "seconds", None)
    return float(value) if isinstance(value, int | float) and value > 0 else None


def has_line_times(report: Report) -> bool:
    """Whether any line has a time: reports without timing (older ones, hand-made ones with the
    field's 0 default) get no time column."""
    return any((line_seconds(x) or 0) > 0 for x in report.lines)


def slowest_line(report: Report) -> tuple[int, float] | None:
    """(line, seconds) of the line that took longest, when per-line times exist and it took any."""
    timed = [(x.lineno, s) for x in report.lines if (s := line_seconds(x)) is not None]
    if not timed:
        return None
    lineno, seconds = max(timed, key=lambda t: t[1])
    return (lineno, seconds) if seconds > 0 else None


def shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def top_finding(report: Report) -> Finding | None:
    findings = sorted_findings(report.findings)
    return findings[0] if findings else None


def worst_lineno(report: Report) -> int | None:
    """The line to look at first: the top finding's (when it has one and is not an info), else the
    line that raised, else the peak line when the peak matters, else the slowest line."""
    top = top_finding(report)
    if top is not None and top.lineno is not None and top.severity != "info":
        return top.lineno
    if report.error is not None and report.error.lineno:
        return report.error.lineno
    if peak_matters(report):
        return peak_lineno(report)
    slow = slowest_line(report)
    if slow is not None:
        return slow[0]
    return top.lineno if top is not None else None


def summary_severity(report: Report) -> str:
    """'error', 'warning', 'info' or '': what colours automatic mode's collapsed line."""
    if report.error is not None:
        return "error"
    top = top_finding(report)
    return top.severity if top is not None else ""


def summary_text(report: Report, finding_width: int = 90) -> str:
    """The one line automatic mode shows: enough to decide whether to open the full report.

    The most important thing first: the error, then the top finding (its line and its own
    words), then the figures."""
    np_stats = report.numpy
    parts = []
    if report.error is not None:
        where = f" on line {report.error.lineno}" if report.error.lineno else ""
        parts.append(f"{report.error.type}{where}")
    top = top_finding(report)
    if top is not None and top.severity != "info":
        where = f"line {top.lineno}: " if top.lineno is not None else ""
        parts.append(f"{where}{shorten(top.message, finding_width)}")
    peak_line = peak_lineno(report)
    parts.append(f"peak {fmt_bytes(np_stats.peak_bytes)}"
                 + (f" on line {peak_line}" if peak_line and np_stats.peak_bytes else ""))
    parts.append(f"{fmt_bytes(np_stats.allocated_bytes)} allocated")
    if np_stats.temporaries:
        parts.append(f"{np_stats.temporaries} temporar{'ies' if np_stats.temporaries != 1 else 'y'}")
    slow = slowest_line(report)
    if slow is not None:
        parts.append(f"slowest line {slow[0]} ({fmt_seconds(slow[1])})")
    n = len(report.findings)
    if n:
        counts = finding_counts(report.findings)
        worst = next(sev for sev in ("error", "warning", "info") if counts.get(sev))
        parts.append(f"{n} finding{'s' if n != 1 else ''} ({counts[worst]} {worst})")
    else:
        parts.append("no findings")
    parts.append(fmt_seconds(report.wall_s))
    return " · ".join(parts)


@dataclass
class SourceRow:
    """One row of the source listing: a real line, or a gap standing for quiet lines left out."""

    lineno: int
    source: str
    stats: LineStats | None
    gap: int = 0  # >0: this row stands for `gap` hidden lines starting at `lineno`


def source_rows(report: Report, max_rows: int | None = None) -> tuple[list[SourceRow], str]:
    """The lines to list, with per-line stats, and a note saying what was left out (or "").

    Small cells list every line.  A cell with more lines than `max_rows` lists only the lines that
    did something (plus the error line), gaps collapsed; if even those are too many, the ones with
    the most bytes are kept, in line order.  The widget pages through everything instead.
    """
    text_lines = report.source.splitlines() or [""]
    stats = {x.lineno: x for x in report.lines}
    n = max(len(text_lines), max(stats, default=0))

    def text(lineno: int) -> str:
        if lineno <= len(text_lines):
            return text_lines[lineno - 1]
        return stats[lineno].source if lineno in stats else ""

    if max_rows is None or n <= max_rows:
        return [SourceRow(i, text(i), stats.get(i)) for i in range(1, n + 1)], ""
    keep = set(stats)
    if report.error is not None and report.error.lineno:
        keep.add(report.error.lineno)
    note = f"{n - len(keep)} lines that allocated nothing are folded."
    if len(keep) > max_rows:
        peak = peak_lineno(report)
        ranked = sorted(
            stats.values(), key=lambda x: (x.lineno != peak, -max(x.allocated_bytes, x.peak_bytes)),
        )
        keep = {x.lineno for x in ranked[:max_rows]}
        note = (f"showing the {max_rows} busiest of {len(stats)} active lines"
                f" ({n} lines in all); the widget pages through every line.")
    rows: list[SourceRow] = []
    previous = 0
    for lineno in sorted(keep):
        if lineno - previous > 1:
            rows.append(SourceRow(previous + 1, "", None, gap=lineno - previous - 1))
        rows.append(SourceRow(lineno, text(lineno), stats.get(lineno)))
        previous = lineno
    if previous < n:
        rows.append(SourceRow(previous + 1, "", None, gap=n - previous))
    return rows, note


@dataclass
class BarScale:
    """Common scales for the per-line bars, so bar lengths compare across lines."""

    bytes_max: int  # allocated and temporaries share one scale
    peak_max: int
    seconds_max: float = 0.0  # 0: the report has no per-line times

    @classmethod
    def of(cls, report: Report) -> BarScale:
        bytes_max = max((x.allocated_bytes for x in report.lines), default=0)
        peak_max = max([x.peak_bytes for x in report.lines] + [report.numpy.peak_bytes])
        seconds = [t for x in report.lines if (t := line_seconds(x)) is not None]
        seconds_max = max(seconds) if seconds else 0.0
        return cls(max(bytes_max, 1), max(peak_max, 1), seconds_max)


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Worst first, then in line order: the order a reader should act in."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.lineno or 0))


_BYTES = re.compile(r"(\d+(?:\.\d+)?) (B|kB|MB|GB|TB)\b")
_BYTE_UNITS = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}


def _largest_bytes(text: str) -> str | None:
    """The largest byte figure a message quotes ("105 MB" in "view b (80 B) keeps a 105 MB base
    alive"), as written."""
    found = [(float(n) * _BYTE_UNITS[u], f"{n} {u}") for n, u in _BYTES.findall(text)]
    return max(found)[1] if found else None


@dataclass
class Badge:
    """A rewrite's badge: what it wins first (the finding's own figure), then its cost.

    `tone` is 'good' (verified and nothing gets worse), 'tradeoff' (verified, but slower or a
    higher peak: never green) or 'unverified'; `tooltip` holds the comparison's tolerances.
    """

    tone: str
    text: str
    tooltip: str = ""
    check: bool = False  # verified: shown with a check mark


_FREES = ("view-pins-base", "pinned-by-container")


def finding_benefit(finding: Finding) -> str:
    """The gain the finding is about, in its own figure: "frees 105 MB", "peak 2.4 kB → 96 B"."""
    rw = finding.rewrite
    if finding.category in _FREES or "alive" in finding.message:
        figure = _largest_bytes(finding.message)
        if figure:
            return f"frees {figure}"
    if rw is not None and rw.peak_bytes_before is not None and rw.peak_bytes_after is not None \
            and rw.peak_bytes_after < rw.peak_bytes_before:
        return f"peak {fmt_bytes(rw.peak_bytes_before)} → {fmt_bytes(rw.peak_bytes_after)}"
    return ""


def rewrite_info(finding: Finding) -> Badge | None:
    """The badge of a finding's rewrite (None without one)."""
    rw = finding.rewrite
    if rw is None:
        return None
    benefit = finding_benefit(finding)
    if not rw.verified:
        why = rw.check
        if why.lower().startswith("not verified"):  # the advisor's text may say it already
            why = why[len("not verified"):].lstrip(" :")
        text = " · ".join(p for p in (benefit, "not verified" + (f": {why}" if why else "")) if p)
        return Badge("unverified", text)
    parts = [benefit] if benefit else []
    slower = False
    if rw.speedup is not None and rw.speedup > 0:
        factor = rw.speedup if rw.speedup >= 1 else 1 / rw.speedup
        text = f"{factor:,.0f}×" if factor >= 100 else f"{factor:.3g}×"
        slower = rw.speedup < 1 and factor >= 1.05
        parts.append(f"{text} faster" if rw.speedup >= 1 else f"{text} slower")
    higher = (rw.peak_bytes_before is not None and rw.peak_bytes_after is not None
              and rw.peak_bytes_after > rw.peak_bytes_before and not benefit.startswith("frees"))
    if higher:
        parts.append(f"peak {fmt_bytes(rw.peak_bytes_before)} → {fmt_bytes(rw.peak_bytes_after)}")
    parts.append("verified fix" if rw.kind == "fix" and rw.equal is False else "verified")
    tooltip = f"compared: {rw.check}" if rw.check else ""
    return Badge("tradeoff" if slower or higher else "good", " · ".join(parts), tooltip, True)


def rewrite_badge(finding: Finding) -> tuple[str, str]:
    """(css class, text) of the verification badge (see `rewrite_info`)."""
    badge = rewrite_info(finding)
    if badge is None:
        return "", ""
    return badge.tone, badge.text


def rewrite_heading(finding: Finding) -> str:
    """"equivalent rewrite" only when verification said so; a suggestion otherwise."""
    rw = finding.rewrite
    if rw is None:
        return ""
    if rw.kind == "fix":
        return "fix"
    return "equivalent rewrite" if rw.verified else "suggested rewrite"

