"""Plain-text report for terminals: a summary line, a per-line table, the largest arrays, findings."""

from __future__ import annotations

from arrayprof.render.common import rewrite_badge
from arrayprof.report import Report
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
    if report.rss is not None:
        parts.append(f"RSS {human_bytes(report.rss.end_bytes - report.rss.start_bytes)}")
    if report.dask is not None:
        from arrayprof.render.dask_text import dask_summary
        parts.append(dask_summary(report))
    warnings = sum(1 for f in report.findings if f.severity != "info")
    if report.findings:
        parts.append(f"{count(len(report.findings), 'finding')} ({count(warnings, 'warning')})")
    if report.error is not None:
        parts.append(f"raised {report.error.type} on line {report.error.lineno}")
    return " · ".join(parts)


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _clip(text: str, width: int) -> str:
    text = text.rstrip()
    return text if len(text) <= width else text[: width - 1] + "…"


def line_table(report: Report) -> list[str]:
    header = f"{'line':>4}  {'source':<{SOURCE_WIDTH}} {'allocs':>7} {'bytes':>9} {'temps':>6} {'peak':>9}"
    rows = [header, "-" * len(header)]
    for line in report.lines:
        rows.append(f"{line.lineno:>4}  {_clip(line.source, SOURCE_WIDTH):<{SOURCE_WIDTH}} "
                    f"{line.allocations:>7,} {human_bytes(line.allocated_bytes):>9} "
                    f"{line.temporaries:>6,} {human_bytes(line.peak_bytes):>9}")
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
    if report.dask is not None:
        from arrayprof.render.dask_text import dask_block
        blocks.append(dask_block(report))
    if report.findings:
        blocks.append(findings_block(report))
    if report.notes:
        blocks.append(report.notes)
    return "\n\n".join("\n".join(block) for block in blocks)
