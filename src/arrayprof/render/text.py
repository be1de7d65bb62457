"""Plain-text report for terminals: a summary line, a per-line table, the largest arrays, findings."""

from __future__ import annotations

import textwrap

from arrayprof.render.common import rewrite_badge
from arrayprof.report import LineStats, Report
from arrayprof.units import human_bytes, human_seconds

SOURCE_WIDTH = 44


def summary_line(report: Report) -> str:
    """One line: what the cell cost and where its peak was."""
    numpy = report.numpy
    parts = [f"arrayprof: {human_seconds(report.wall_s)}",
             f"NumPy {human_bytes(numpy.allocated_bytes)} in {count(numpy.allocations, 'allocation')}",
             f"peak {human_bytes(numpy.peak_bytes)}"
             + (f" (line {numpy.peak_lineno})" if numpy.peak_lineno else ""),
             f"{count(numpy.temporaries, 'temporary', 'temporaries')} "
             f"({human_bytes(numpy.temporary_bytes)})"]
    slowest = slowest_line(report)
    if slowest is not None:
        parts.append(f"slowest line {slowest.lineno} ({human_seconds(slowest.seconds)}, "
                     f"{share(slowest, report):.0%})")
    rise = rss_rise(report)
    if rise is not None and rise >= RSS_WORTH_SHOWING:
        parts.append(f"process RSS +{human_bytes(rise)} at peak")
    if report.dask is not None:
        from arrayprof.render.dask_text import dask_summary
        parts.append(dask_summary(report))
    warnings = sum(1 for f in report.findings if f.severity != "info")
    if report.findings:
        parts.append(f"{count(len(report.findings), 'finding')} ({count(warnings, 'warning')})")
    if report.error is not None:
        parts.append(raised_words(report))
    return " · ".join(parts)


def raised_words(report: Report, width: int = 100) -> str:
    """'raised ZeroDivisionError: division by zero (line 2)': the exception and its message,
    which a run without a traceback (the CLI, a saved report) has nowhere else."""
    error = report.error
    assert error is not None
    message = error.message.strip().splitlines()[0] if error.message.strip() else ""
    text = f"raised {error.type}" + (f": {_clip(message, width)}" if message else "")
    return text + (f" (line {error.lineno})" if error.lineno else "")


RSS_SAMPLERS = {
    "memory-profiler": "sampled every 10 ms by memory-profiler, so a shorter peak is missed",
    "hwm": "the kernel's high-water mark",
    "hwm-passive": "the kernel's high-water mark, never reset: exact when the cell raised the "
                   "process's peak, otherwise a lower bound",
}


# RSS moves by pages for reasons of its own (the interpreter, a sampler): a rise, or a NumPy peak
# that would make one, of 1 MiB (256 pages) or more is worth showing; below it the figures are noise
RSS_WORTH_SHOWING = 1 << 20


def rss_rise(report: Report) -> int | None:
    """How far the process's resident memory rose above its start, or None when it did not:
    a cell that reuses memory the process already holds, or whose buffers are freed between
    two samples, shows no rise (never 'RSS 0 B' or a negative figure beside a NumPy peak)."""
    rss = report.rss
    if rss is None or rss.peak_bytes <= rss.start_bytes:
        return None
    return rss.peak_bytes - rss.start_bytes


def rss_block(report: Report) -> list[str]:
    """What the RSS figures are, in words: the whole process, how they were measured."""
    rss = report.rss
    if rss is None:
        return []
    rise = rss_rise(report)
    if (rise or 0) < RSS_WORTH_SHOWING and report.numpy.peak_bytes < RSS_WORTH_SHOWING:
        return []  # nothing much rose and nothing was expected to: the figures would only puzzle
    how = RSS_SAMPLERS.get(rss.sampler, "")
    end = rss.end_bytes - rss.start_bytes
    rows = [f"process RSS: {human_bytes(rss.start_bytes)} at the start, "
            + (f"peak +{human_bytes(rise)}, " if rise is not None else "no rise, ")
            + f"{'+' if end >= 0 else ''}{human_bytes(end)} at the end",
            *textwrap.wrap("(resident memory of the whole process, not only NumPy's"
                           + (f"; {how})" if how else ")"), 96, initial_indent="  ",
                           subsequent_indent="   ", break_on_hyphens=False)]
    if (rise or 0) < report.numpy.peak_bytes // 2:
        missed = ", or freed them between two samples" if rss.sampler == "memory-profiler" else ""
        rows.extend(textwrap.wrap(
            f"It rose less than NumPy's {human_bytes(report.numpy.peak_bytes)} peak: the cell "
            "reused memory the process already held, or left pages of its buffers unwritten "
            f"(never resident){missed}. NumPy's figures are the exact ones.",
            96, initial_indent="  ", subsequent_indent="  "))
    return rows


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 allocation', '3,000 allocations'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def slowest_line(report: Report) -> LineStats | None:
    """The line charged the most time, or None when no line was charged any."""
    timed = [line for line in report.lines if line.seconds > 0]
    return max(timed, key=lambda line: line.seconds) if timed else None


def share(line: LineStats, report: Report) -> float:
    """The line's share of the time charged to the cell's lines."""
    total = sum(x.seconds for x in report.lines)
    return line.seconds / total if total > 0 else 0.0


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
    if report.dask is not None:
        from arrayprof.render.dask_text import dask_block
        blocks.append(dask_block(report))
    if report.findings:
        blocks.append(findings_block(report))
    rss = rss_block(report)
    if rss:
        blocks.append(rss)
    if report.notes:
        blocks.append(report.notes)
    return "\n\n".join("\n".join(block) for block in blocks)


def automatic_summary(report: Report) -> str:
    """Automatic mode's one line under a cell, saying where the rest of the report is."""
    return summary_line(report) + " · full report: %arrayprof last"
