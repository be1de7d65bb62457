"""Plain-text report for terminals: a summary line, a per-line table, the largest arrays, findings."""

from __future__ import annotations

from arrayprof.render.common import rewrite_badge
from arrayprof.report import LineStats, Report
from arrayprof.units import human_bytes, human_seconds

SOURCE_WIDTH = 44


def summary_line(report: Report) -> str:
    """One line: what the cell cost and where its peak was."""
    numpy = report.numpy
    parts = [f"arrayprof: {human_seconds(report.wall_s)}",
             f"NumPy {human_bytes(numpy.allocated_bytes)} in {numpy.allocations:,} allocations",
             f"peak {human_bytes(numpy.peak_bytes)}"
             + (f" (line {numpy.peak_lineno})" if numpy.peak_lineno else ""),
             f"{numpy.temporaries:,} temporaries ({human_bytes(numpy.temporary_bytes)})"]
    slowest = slowest_line(report)
    if slowest is not None:
        parts.append(f"slowest line {slowest.lineno} ({human_seconds(slowest.seconds)}, "
                     f"{share(slowest, report):.0%})")
    if report.rss is not None:
        parts.append(f"RSS {human_bytes(report.rss.end_bytes - report.rss.start_bytes)}")
    warnings = sum(1 for f in report.findings if f.severity != "info")
    if report.findings:
        parts.append(f"{count(len(report.findings), 'finding')} ({count(warnings, 'warning')})")
    if report.error is not None:
        parts.append(f"raised {report.error.type} on line {report.error.lineno}")
    return " · ".join(parts)


def slowest_line(report: Report) -> LineStats | None:
    """The line charged the most time, or None when no line was charged any."""
    timed = [line for line in report.lines if line.seconds > 0]
    return max(timed, key=lambda line: line.seconds) if timed else None


def share(line: LineStats, report: Report) -> float:
    """The line's share of the time charged to the cell's lines."""
    total = sum(x.seconds for x in report.lines)
    return line.seconds / total if total > 0 else 0.0


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _clip(text: str, width: int) -> str:
    text = text.rstrip()
    return text if len(text) <= width else text[: width - 1] + "…"


def line_table(report: Report) -> list[str]:
    """One row per line: bytes, then time (the line's seconds and its share of the cell's)."""
    header = (f"{'line':>4}  {'source':<{SOURCE_WIDTH}} {'allocs':>7} {'bytes':>9} {'temps':>6} "
              f"{'peak':>9} {'time':>9} {'%':>4}")
    rows = [header, "-" * len(header)]
    for line in report.lines:
        rows.append(f"{line.lineno:>4}  {_clip(line.source, SOURCE_WIDTH):<{SOURCE_WIDTH}} "
                    f"{line.allocations:>7,} {human_bytes(line.allocated_bytes):>9} "
                    f"{line.temporaries:>6,} {human_bytes(line.peak_bytes):>9} "
                    f"{human_seconds(line.seconds):>9} {share(line, report):>4.0%}")
    return rows


def array_table(report: Report, limit: int = 8) -> list[str]:
    if not report.arrays:
        return []
    rows = ["largest arrays:"]
    for array in sorted(report.arrays, key=lambda a: -a.nbytes)[:limit]:
        layout = "C" if array.c_contiguous else "F" if array.f_contiguous else "strided"
        kind = f"view of {array.base or 'an unnamed buffer'} ({human_bytes(array.base_nbytes)})" \
            if array.is_view else "owns its data"
        rows.append(f"  {array.name}: {tuple(array.shape)} {array.dtype}, "
                    f"{human_bytes(array.nbytes)}, strides {tuple(array.strides)}, {layout}, {kind}")
    return rows


def findings_block(report: Report) -> list[str]:
    rows = []
    for finding in report.findings:
        where = f"line {finding.lineno}" if finding.lineno else "cell"
        rows.append(f"[{finding.severity}] {finding.category} ({where}): {finding.message}")
        rewrite = finding.rewrite
        if rewrite is not None:
            status = (f"verified, {rewrite.speedup:.1f}x" if rewrite.verified and rewrite.speedup
                      else "verified" if rewrite.verified else rewrite_badge(finding)[1])
            rows.append(f"    rewrite ({rewrite.kind}, {status}):")
            rows.extend("      " + code_line for code_line in rewrite.code.splitlines())
    return rows


def render_text(report: Report) -> str:
    """The full text report."""
    blocks = [[summary_line(report)]]
    if report.lines:
        blocks.append(line_table(report))
    if report.arrays:
        blocks.append(array_table(report))
    if report.findings:
        blocks.append(findings_block(report))
    if report.notes:
        blocks.append(report.notes)
    return "\n\n".join("\n".join(block) for block in blocks)
