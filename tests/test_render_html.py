"""The static HTML report: content, self-containment, and the drawings' models."""

from __future__ import annotations

import dataclasses
import json
import re
from html import unescape
from html.parser import HTMLParser

import numpy as np
import pytest

from arrayprof.layout_model import LayoutModel, array_layout_model, layout_grid, layout_model
from arrayprof.render import document_html, report_html, summary_html
from arrayprof.render.common import (
    fmt_bytes,
    header_facts,
    peak_lineno,
    rewrite_badge,
    rewrite_info,
    source_rows,
    summary_text,
)
from arrayprof.render.drawing import (
    broadcast_model,
    layout_svg,
    layout_svg_from_model,
    timeline_model,
    timeline_svg,
)
from arrayprof.render.html import finding_html
from arrayprof.render.samples import known_report, large_report
from arrayprof.report import ErrorInfo, Finding, LineStats, NumpyStats, Report, Rewrite

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "path", "rect", "line",
        "circle", "polyline", "polygon"}


class TagChecker(HTMLParser):
    """Fails on unbalanced tags: a fragment pasted into a notebook must not swallow what follows."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def check_tags(html: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def assert_offline(html: str) -> None:
    """Nothing in the page may fetch anything: no URLs but the SVG namespace, no src, no href but
    links within the page (#cell-2), no url()."""
    without_ns = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    assert not re.search(r"\bsrc\s*=", html)
    assert not re.search(r'\bhref\s*=\s*"(?!#cell-\d+")', html)
    assert "url(" not in html and "@import" not in html and "<link" not in html


def test_fragment_shows_header_lines_and_peak() -> None:
    report = known_report()
    html = report_html(report)
    check_tags(html)
    assert_offline(html)
    assert html.startswith('<div class="arrayprof">')
    for fact in header_facts(report):
        assert f"<b>{fact.value}</b>" in html
    assert "12.3 ms" in html and "line 2" in html and "+200 kB" in html
    # the peak row is line 2, marked
    peak_row = re.search(r'<tr class="[^"]*\bapr-peakrow\b[^"]*" data-line="(\d+)">(.*?)</tr>', html)
    assert peak_row is not None and peak_row.group(1) == "2"
    assert "d = (x[:, None] - x) * 2" in peak_row.group(2) and "◀ peak" in peak_row.group(2)
    # every source line is listed in order, with bars only where stats exist
    assert re.findall(r'data-line="(\d+)"', html) == ["1", "2", "3", "4", "5"]
    assert "2.3 kB (2)" in html  # line 2's allocated bar label


def test_bars_are_scaled_to_the_largest_line() -> None:
    html = report_html(known_report())
    widths = re.findall(r'<td class="apr-bar apr-alloc" style="--w:([\d.]+)%">', html)
    # 16 B of 2304 B would be 0.7%: small non-zero bars get a visible minimum of 1.5%
    assert [float(w) for w in widths] == [pytest.approx(100 * 96 / 2304, abs=0.1), 100.0, 1.5]


def test_findings_explanation_rewrite_and_badges() -> None:
    html = report_html(known_report())
    # worst first: the warning before the infos
    assert html.index("apr-sev-warning") < html.index("apr-sev-info")
    assert "<details><summary>why</summary>" in html
    assert "Comparisons with NaN are always False &amp; never &lt;true&gt;." in html
    assert "x &lt;compared&gt; with == np.nan" in html
    assert "<code>s = 12 * x.sum() - 12 * x.sum()</code>" in html
    # the badge leads with the gain, the tolerances go to its tooltip
    assert ('<span class="apr-badge good">'
            "✓ peak 2.4 kB → 96 B · 3.2× faster · verified</span>") in html
    assert "not verified: over the time budget" in html
    assert "suggested rewrite of line 4" in html  # never "equivalent" next to "not verified"
    assert "equivalent rewrite of lines 2–5" in html
    assert html.count('class="apr-copy" hidden') == 2  # shown only by the script


def test_arrays_table_layouts_and_broadcasts() -> None:
    html = report_html(known_report())
    names = re.findall(r'<tr data-name="([^"]+)">', html)
    assert names == ["d", "t", "x", "b"]  # largest first
    # b = x[::3] is the one strided array: its layout is drawn, cells 0, 3, 6, 9 highlighted
    boxes = re.findall(r'<details class="apr-layout-box" data-name="([^"]+)"', html)
    assert boxes == ["b"]
    svg = layout_svg(known_report().array("b"))
    assert re.findall(r'class="apr-hit" data-cell="(\d+)"', svg) == ["0", "3", "6", "9"]
    assert "axis 0: +24 B" in svg
    # the broadcast on line 2, its legend once
    assert "line 2: subtract" in html and "1→12" in html
    assert html.count("shapes aligned on the right") == 1
    two = known_report()
    two.arrays.append(dataclasses.replace(two.array("b"), name="b2"))  # a second strided view
    page = report_html(two)
    assert page.count('<details class="apr-layout-box"') == 2
    assert page.count("the order in which a loop over the array visits") == 1  # legend once


def test_layout_model_cases() -> None:
    every_third = layout_model([4], [24], 8)
    assert every_third.touched == [0, 3, 6, 9] and every_third.total_cells == 10
    reversed_view = layout_model([4], [-24], 8)
    assert reversed_view.touched == [0, 3, 6, 9]
    # a column slice of a (4, 8) array: rows line up under each other (8 cells per row)
    columns = layout_model([4, 4], [64, 16], 8)
    assert columns.row_cells == 8
    assert columns.touched == [r * 8 + c for r in range(4) for c in (0, 2, 4, 6)]
    # broadcast: stride 0 repeats elements on the same cells
    stretched = layout_model([3, 5], [0, 8], 8)
    assert stretched.touched == [0, 1, 2, 3, 4] and set(stretched.hits) == {3}
    # strides that are not multiples of the itemsize: cells shrink to the gcd
    odd = layout_model([3], [12], 8)
    assert odd.unit == 4 and odd.touched == [0, 1, 3, 4, 6, 7] and odd.element_starts == [0, 3, 6]
    # huge arrays: only the window is drawn
    big = layout_model([10**8], [16], 8, max_cells=64)
    assert big.n_cells == 64 and big.touched == list(range(0, 64, 2))
    empty = layout_model([0], [8], 8)
    assert empty.touched == []


def test_broadcast_model_marks_stretched_dims() -> None:
    op = known_report().ops[0]
    model = broadcast_model(op)
    assert model is not None
    assert model.stretched == [(0, 1), (1, 0)]
    (_, first), (_, second), (_, result) = model.rows
    assert [d.state for d in first] == ["kept", "stretched"]
    assert [d.state for d in second] == ["new", "kept"]
    assert [d.text for d in result] == ["12", "12"]


def test_timeline_marks_the_peak_with_its_line() -> None:
    report = known_report()
    svg = timeline_svg(report)
    label = re.search(r'class="apr-peak-label"[^>]*>([^<]*)<', svg)
    assert label is not None
    assert label.group(1) == "peak 2.4 kB · line 2: d = (x[:, None] - x) * 2"


def test_timeline_thinning_keeps_the_peak() -> None:
    report = large_report(n_lines=50, n_arrays=0, n_timeline=200_000)
    report.timeline[123_457][1] = 5e9
    model = timeline_model(report)
    assert len(model.points) <= 1200
    assert model.peak_bytes == 5e9
    assert "peak 5 GB" in timeline_svg(report)


def test_error_and_empty_reports() -> None:
    report = Report(source="a = 1\nraise ValueError('<x>')", wall_s=0.001,
                    error=ErrorInfo("ValueError", "<x>", 2))
    html = report_html(report)
    check_tags(html)
    assert "<b>ValueError</b> on line 2: &lt;x&gt;" in html
    assert re.search(r'<tr class="apr-errrow" data-line="2">', html)
    assert "no NumPy allocations recorded" in html
    assert "No findings." in html and "No new or rebound arrays." in html
    assert "ValueError on line 2" in summary_text(report)
    check_tags(report_html(Report(source="")))


def test_source_is_escaped() -> None:
    report = Report(source="s = '<script>alert(1)</script>'")
    html = report_html(report)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_large_cells_fold_quiet_lines() -> None:
    report = large_report(n_lines=5000, n_arrays=10, n_timeline=10)
    report.lines = [x for x in report.lines if x.lineno % 10 == 0]
    report.numpy.peak_lineno = report.lines[-7].lineno  # a line the ranking alone would drop
    report.lines[-7].peak_bytes = 0
    rows, note = source_rows(report, max_rows=2000)
    assert [r.lineno for r in rows if not r.gap][:3] == [10, 20, 30]
    assert rows[0].gap == 9 and "folded" in note
    rows, note = source_rows(report, max_rows=100)
    kept = [r.lineno for r in rows if not r.gap]
    assert len(kept) == 100 and peak_lineno(report) in kept and "busiest" in note
    html = report_html(large_report(n_lines=10_000, n_arrays=1_000, n_timeline=50_000))
    check_tags(html)
    assert html.count("<tr data-name=") == 500


def test_document_and_summary() -> None:
    reports = [known_report(), Report(source="y = 1")]
    page = document_html(reports, title="two <cells>")
    check_tags(page.split("\n", 1)[1])
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<title>two &lt;cells&gt;</title>" in page
    assert "cell [7]" in page and "cell 2" in page
    assert_offline(page)
    summary = summary_html(known_report())
    check_tags(summary)
    assert '<details class="apr-summary apr-sum-warning"><summary><b>arrayprof</b> · ' in summary
    assert "peak 2.4 kB on line 2" in summary and "3 findings (1 warning)" in summary


def test_repr_html_and_json_round_trip() -> None:
    report = known_report()
    again = Report.from_dict(json.loads(report.to_json()))
    assert again._repr_html_() == report._repr_html_() == report_html(report)


def test_real_profile_renders() -> None:
    import arrayprof

    ns: dict = {}
    exec("import numpy as np; x = np.random.default_rng(0).random(300)", ns)
    report = arrayprof.profile("y = x * 2\nspread = np.abs(x[:, None] - x[None, :]).max()\n"
                               "b = x[::2]", ns, verify=False)
    html = report._repr_html_()
    check_tags(html)
    assert_offline(html)
    assert re.search(r'<tr class="[^"]*\bapr-peakrow\b[^"]*" data-line="2">', html)
    assert f"peak {fmt_bytes(report.numpy.peak_bytes)} · line 2" in html
    assert re.search(r'data-name="b"', html)


def test_css_is_scoped_to_the_report() -> None:
    """A fragment lands in someone else's page: every rule must be scoped to our own elements."""
    from arrayprof.render.html import CSS

    selectors = re.findall(r"([^{}]+)\{", re.sub(r"/\*.*?\*/", "", CSS, flags=re.S))
    for group in selectors:
        for selector in group.split(","):
            selector = selector.strip()
            if selector.startswith("@"):  # @container: its rules are checked on their own
                continue
            # ours, or ours under a theme's marker on <body> (JupyterLab's, VS Code's)
            assert re.match(r"(body(\[[^\]]+\]|\.[\w-]+) )?\.arrayprof\b", selector), selector


def real_layout(view: np.ndarray, owner: np.ndarray, **kw: object) -> LayoutModel:
    """The layout model of a real view, given where it starts in its owner (as a report says)."""
    offset = view.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return layout_model(list(view.shape), list(view.strides), view.itemsize, offset=offset,
                        buffer_bytes=owner.nbytes, **kw)


def touched_by_addresses(view: np.ndarray, owner: np.ndarray) -> list[int]:
    """Ground truth: the owner's elements the view's elements sit on, from their addresses."""
    start = owner.__array_interface__["data"][0]
    cells = set()
    for index in np.ndindex(view.shape):
        address = view.__array_interface__["data"][0] + sum(
            i * s for i, s in zip(index, view.strides, strict=True))
        cells.add((address - start) // owner.itemsize)
    return sorted(cells)


def test_layout_of_views_with_offsets() -> None:
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    cases = {"a[1:, 2:]": a[1:, 2:], "a[::-1]": a[::-1], "a[:, ::-1]": a[:, ::-1],
             "a[::2, ::2]": a[::2, ::2], "a.T": a.T, "a[::-1, ::-2]": a[::-1, ::-2],
             "a[3]": a[3]}
    for label, view in cases.items():
        model = real_layout(view, a, grid=4)
        assert model.in_buffer and model.total_cells == 16 and model.row_cells == 4, label
        assert model.touched == touched_by_addresses(view, a), label
    # a[1:, 2:]: the lower right 3 x 2 block of a, visited row by row
    corner = real_layout(a[1:, 2:], a, grid=4)
    assert corner.touched == [6, 7, 10, 11, 14, 15]
    assert [corner.order[c] for c in corner.touched] == [0, 1, 2, 3, 4, 5]
    assert corner.element0_cell == 6
    # a[::-1]: every cell, element 0 in the last row, the rows visited backwards
    backwards = real_layout(a[::-1], a, grid=4)
    assert backwards.element0_cell == 12
    assert backwards.order == [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]
    # a[:, ::-1]: the arc goes from element 0 (cell 3) one cell to the left
    mirrored = unescape(layout_svg_from_model(real_layout(a[:, ::-1], a, grid=4), "m", "a"))
    assert "axis 1: -4 B" in mirrored and "m in a's buffer: 16 cells of 4 B, 16 touched" in mirrored
    # a window into a large buffer starts on the row of the view's first byte
    big = np.zeros((100, 100))
    window = real_layout(big[50:60, 3:7], big)
    assert window.total_cells == 10_000 and window.n_cells == 256
    assert window.first_cell <= 5003 < window.first_cell + window.row_cells
    expected = [c for c in touched_by_addresses(big[50:60, 3:7], big)
                if window.first_cell <= c < window.first_cell + 256]
    assert window.buffer_touched == expected
    # a structured field: unit shrinks to the gcd of itemsize, stride and offset
    field = np.zeros(6, dtype=[("x", "i4"), ("y", "f8")])
    y = real_layout(field["y"], field)
    assert y.unit == 4 and y.touched == [c for k in range(6) for c in (3 * k + 1, 3 * k + 2)]


def test_report_arrays_use_their_offset_when_known() -> None:
    report = known_report()
    b = report.array("b")  # x[::3]: no offset in the report, so drawn over its own span
    assert not array_layout_model(b).in_buffer
    assert "b's span, lowest to highest byte: 10 cells of 8 B (a part of x's buffer)" in (
        unescape(layout_svg(b)))
    x = report.array("x")  # owns its data: its buffer starts at element 0
    assert array_layout_model(x).in_buffer
    b.offset_bytes = 8  # type: ignore[attr-defined]  # x[1::3], had the report said where
    model = array_layout_model(b)
    assert model.in_buffer and model.total_cells == 12 and model.touched == [1, 4, 7, 10]
    assert "b in x's buffer: 12 cells of 8 B, 4 touched" in unescape(layout_svg(b))
    # the base's last axis gives the rows when the base is in the report
    d, t = report.array("d"), report.array("t")
    assert layout_grid(report, t) == 12 and layout_grid(report, d) == 12
    assert layout_grid(report, b) is None


def test_badge_does_not_repeat_itself() -> None:
    finding = known_report().findings[1]
    assert finding.rewrite is not None
    finding.rewrite.check = "not verified: verification was off for this cell"
    assert rewrite_badge(finding) == ("unverified",
                                      "not verified: verification was off for this cell")


# -- issue 13: the most important thing first, badges that agree with the finding, time -------


def pinned_base_finding(speedup: float = 0.4) -> Finding:
    """The advisor's view-pins-base finding as a user met it: the copy frees 105 MB, runs 2.5x
    slower, and its own peak (the 80 B copy) is higher than the view's 0 B."""
    return Finding("view-pins-base", "warning", 3, "view small (80 B) keeps a 105 MB base alive",
                   "a view keeps its whole base alive",
                   Rewrite("fix", "small = big[:10].copy()", [3], ["small"], verified=True,
                           equal=True, check="rtol 1e-07 and atol 1e-07 x max |value|",
                           speedup=speedup, peak_bytes_before=0, peak_bytes_after=80))


def test_badge_leads_with_the_findings_own_figure() -> None:
    """Was: a green "✓ verified · 2.5x slower · peak 0 B → 80 B" that reads as a regression, with
    the 105 MB nowhere and the tolerances spelled out in the pill."""
    finding = pinned_base_finding()
    badge = rewrite_info(finding)
    assert badge is not None
    assert badge.text == "frees 105 MB · 2.5× slower · verified"
    assert badge.tone == "tradeoff"  # slower: amber, never green
    assert badge.tooltip == "compared: rtol 1e-07 and atol 1e-07 x max |value|"
    html = finding_html(finding)
    assert ('<span class="apr-badge tradeoff" title="compared: rtol 1e-07 and atol 1e-07 x max '
            '|value|">✓ frees 105 MB · 2.5× slower · verified</span>') in html
    assert "rtol" not in re.sub(r'title="[^"]*"', "", html)  # the tolerances only in the tooltip
    faster = rewrite_info(pinned_base_finding(speedup=3.0))
    assert faster is not None and faster.tone == "good"
    assert faster.text == "frees 105 MB · 3× faster · verified"


def test_unverified_rewrite_is_not_called_equivalent() -> None:
    finding = pinned_base_finding()
    assert finding.rewrite is not None
    finding.rewrite.kind, finding.rewrite.verified = "equivalent", False
    finding.rewrite.check = "not verified: over the time budget"
    html = finding_html(finding)
    assert "suggested rewrite of line 3" in html and "equivalent" not in html
    assert "frees 105 MB · not verified: over the time budget" in html


def small_report(peak: int, findings: list[Finding] | None = None) -> Report:
    return Report(source="a = np.arange(100_000)\nb = a * 2",
                  numpy=NumpyStats(allocations=1, allocated_bytes=peak, peak_bytes=peak,
                                   peak_lineno=1 if peak else None),
                  lines=[LineStats(1, "a = np.arange(100_000)", allocations=1,
                                   allocated_bytes=peak, peak_bytes=peak)] if peak else [],
                  findings=findings or [])


def test_peak_is_red_only_when_it_matters() -> None:
    quiet = report_html(small_report(800_000), include_style=False)
    assert "apr-alert" not in quiet  # an 800 kB peak is a fact, not an alarm
    assert 'class="apr-fact apr-f-peak apr-peak"' in quiet
    empty = report_html(small_report(0), include_style=False)
    assert "apr-alert" not in empty and "◀ peak" not in empty  # 0 B: no peak to point at
    big = report_html(small_report(144_000_000))
    assert 'class="apr-fact apr-f-peak apr-peak apr-alert"' in big
    assert re.search(r'<tr class="apr-peakrow apr-alert" data-line="1">', big)


def test_findings_first_and_secondary_sections_folded() -> None:
    report = known_report()
    html = report_html(report)
    # the line to look at, then the findings, then the lines; timeline, arrays and broadcasts
    # after them
    order = [html.index(s) for s in ('class="apr-worst"', "<h4>Findings (3)</h4>",
                                     "<h4>Lines</h4>", "apr-sec-timeline", "apr-sec-arrays",
                                     "apr-sec-broadcasts")]
    assert order == sorted(order)
    assert "Look first at line 2: <code>d = (x[:, None] - x) * 2</code> (warning: (12, 1)" in html
    assert '<details class="apr-section apr-sec-timeline" open>' in html  # 4 points: shown
    assert '<details class="apr-section apr-sec-arrays">' in html  # folded
    assert '<details class="apr-section apr-sec-broadcasts">' in html
    report.timeline = report.timeline[:2]
    assert '<details class="apr-section apr-sec-timeline">' in report_html(report)
    # the collapsed finding count card is coloured by the worst severity
    assert 'class="apr-fact apr-f-findings apr-sev-warning-card"' in html


def test_time_column_and_slowest_line_when_the_report_has_times() -> None:
    """Per-line times (``lines[].seconds``, issue 11) get a bar column and the summary names the
    slowest line; a report without them has neither."""
    report = known_report()
    for line in report.lines:  # a report made without timing: absent, or the field's 0 default
        line.seconds = 0.0  # type: ignore[attr-defined]
    assert "apr-timed" not in report_html(report, include_style=False)
    assert "slowest" not in summary_text(report)
    for line, seconds, numpy_s in zip(report.lines, (0.001, 0.25, 0.05), (0.0005, 0.2, 0.01),
                                      strict=True):
        line.seconds = seconds  # type: ignore[attr-defined]
        line.numpy_seconds = numpy_s  # type: ignore[attr-defined]
    html = report_html(report)
    assert 'class="apr-lines apr-timed"' in html
    bars = re.findall(r'<td class="apr-bar apr-time" style="--w:([\d.]+)%" title="([^"]*)">'
                      r"([^<]*)</td>", html)
    assert bars == [("1.5", "NumPy 500 µs", "1.0 ms"), ("100.0", "NumPy 200.0 ms", "250.0 ms"),
                    ("20.0", "NumPy 10.0 ms", "50.0 ms")]
    assert "slowest line 2 (250.0 ms)" in summary_text(report)
    report.numpy.seconds = 0.21  # type: ignore[attr-defined]
    html = report_html(report)
    assert "<span>slowest line</span><b>250.0 ms</b><span> line 2</span>" in html
    assert "<span>wall time</span><b>12.3 ms</b><span> NumPy 210.0 ms</span>" in html


def test_static_page_has_a_summary_table_and_follows_the_color_scheme() -> None:
    reports = [known_report(), small_report(144_000_000)]
    reports[1].execution_count = 8
    page = document_html(reports, title="nb")
    index = page[page.index('<div class="arrayprof apr-index">'):page.index('<section')]
    rows = re.findall(r'<tr><td><a href="#(cell-\d)">\[(\d+)\]</a></td>', index)
    assert rows == [("cell-1", "7"), ("cell-2", "8")]
    assert 'id="cell-1"' in page and 'id="cell-2"' in page
    assert "(12, 1) - (12,) materialises a 12x12 array only to be summed" in index
    assert "144 MB (line 1)" in index
    assert "@media (prefers-color-scheme: dark)" in page
    assert '<meta name="color-scheme" content="light dark">' in page
