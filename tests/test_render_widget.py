"""The ipywidgets report: its state for known reports, as a user would see it."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("ipywidgets")

from arrayprof.render import ReportWidget, SummaryWidget
from arrayprof.render.samples import known_report, large_report
from arrayprof.report import Report

KNOWN_ROWS = [
    {"name": "d", "shape": "(12, 12)", "dtype": "float64", "nbytes": "1.15 kB", "view of": "",
     "contiguity": "C"},
    {"name": "t", "shape": "(12, 12)", "dtype": "float64", "nbytes": "1.15 kB", "view of": "d",
     "contiguity": "F"},
    {"name": "x", "shape": "(12,)", "dtype": "float64", "nbytes": "96 B", "view of": "",
     "contiguity": "C+F"},
    {"name": "b", "shape": "(4,)", "dtype": "float64", "nbytes": "32 B", "view of": "x",
     "contiguity": "strided"},
]


def test_header_and_peak_line() -> None:
    widget = ReportWidget(known_report())
    assert widget.peak_lineno == 2
    header = widget.header.value
    assert "<b>2.4 kB</b><span> line 2</span>" in header
    assert "cell [7]" in header and "<b>3</b><span> 1 warning, 2 info</span>" in header
    assert widget.lines.visible_linenos == [1, 2, 3, 4, 5]
    assert re.search(r'<tr class="[^"]*\bapr-peakrow\b[^"]*" data-line="2">', widget.lines.table.value)
    assert "peak 2.4 kB · line 2: d = (x[:, None] - x) * 2" in widget.timeline.value
    assert "line 2: subtract" in widget.broadcasts.value


def test_per_line_bars() -> None:
    """Allocated, temporaries and peak bars per line, on scales shared by all lines."""
    table = ReportWidget(known_report()).lines.table.value
    bars = {int(n): row for n, row in re.findall(r'data-line="(\d)">(.*?)</tr>', table)}
    widths = {n: re.findall(r'class="apr-bar apr-(\w+)"(?: style="--w:([\d.]+)%")?>([^<]*)<',
                            row) for n, row in bars.items()}
    # line 2 allocated the most and peaked: full bars; line 1's 96 B is 96/2304 of line 2's
    assert widths[2] == [("alloc", "100.0", "2.3 kB (2)"), ("temp", "50.0", "1.15 kB (1)"),
                         ("pk", "100.0", "2.4 kB")]
    assert widths[1][0] == ("alloc", "4.2", "96 B (1)")
    assert widths[1][1] == ("temp", "", "")  # nothing: an empty track, no "0 B (0)"
    # lines without stats (3 and 4 made views) have no bars at all
    assert "apr-bar" not in bars[3] and "apr-bar" not in bars[4]
    assert "◀ peak" in bars[2] and "⚠ warning" in bars[2] and "• info" in bars[4]


def test_arrays_rows_sorting_and_selection() -> None:
    arrays = ReportWidget(known_report()).arrays
    assert arrays.rows == KNOWN_ROWS  # largest first
    assert [label.split()[0] for label, _ in arrays.table.options] == ["d", "t", "x", "b"]
    # the first strided array is selected: b = x[::3], cells 0, 3, 6, 9 of x's span
    assert arrays.selected == "b"
    assert arrays.highlighted_cells == [0, 3, 6, 9]
    assert arrays.layout_model is not None and arrays.layout_model.n_cells == 10
    assert re.findall(r'class="apr-hit" data-cell="(\d+)"', arrays.drawing.value) == [
        "0", "3", "6", "9"]
    assert "strides (24,)" in arrays.drawing.value
    # clicking a header sorts; clicking it again reverses
    arrays.headers["name"].click()
    assert [r["name"] for r in arrays.rows] == ["b", "d", "t", "x"]
    assert arrays.headers["name"].description == "name ▲"
    arrays.headers["name"].click()
    assert [r["name"] for r in arrays.rows] == ["x", "t", "d", "b"]
    assert arrays.selected == "b"  # sorting keeps the selection
    # selecting a row in the listbox (what a click does in the browser) redraws the layout
    arrays.table.value = "t"
    assert arrays.selected == "t"
    assert arrays.highlighted_cells == list(range(144))
    arrays.select("x")
    assert arrays.highlighted_cells == list(range(12))


def test_findings_fold_and_copy() -> None:
    findings = ReportWidget(known_report()).findings
    # worst first, then whole-cell findings before line 4's
    assert [(f.finding.severity, f.finding.lineno) for f in findings.items] == [
        ("warning", 2), ("info", None), ("info", 4)]
    first = findings.items[0]
    html = first.html.value
    assert html.index("apr-sev-warning") < html.index("line 2") < html.index("materialises")
    # the explanation is folded (a native <details>: it opens in the browser, no kernel needed)
    assert first.explanation_folded
    assert "<details><summary>why</summary><div>Line 2 builds two 1.15 kB arrays" in html
    assert first.badge == "peak 2.4 kB → 96 B · 3.2× faster · verified"
    assert "✓ peak 2.4 kB → 96 B · 3.2× faster · verified" in html
    assert "equivalent rewrite of lines 2–5" in html
    assert "<code>s = 12 * x.sum() - 12 * x.sum()</code>" in html
    assert first.copy is not None
    assert getattr(first.copy, "text", None) == "s = 12 * x.sum() - 12 * x.sum()" or (
        "s = 12 * x.sum() - 12 * x.sum()" in first.copy.value)
    assert findings.items[2].badge == "not verified: over the time budget"
    assert findings.items[1].copy is None and findings.items[1].children == (
        findings.items[1].html,)  # no rewrite, no button
    assert "never &lt;true&gt;" in findings.items[1].html.value  # escaped


def test_widget_models_stay_few() -> None:
    """Every widget model is a message and a view in the browser: a big report must not need
    hundreds (the findings page costs two per finding)."""
    from ipywidgets.widgets.widget import _instances

    report = large_report(n_lines=10_000, n_arrays=1_000, n_timeline=100_000, n_findings=50)
    before = set(_instances)
    ReportWidget(report)
    assert len(set(_instances) - before) < 175


def test_large_report_pages() -> None:
    report = large_report(n_lines=10_000, n_arrays=1_000, n_timeline=100_000, n_findings=50)
    widget = ReportWidget(report)
    lines = widget.lines
    assert lines.n_pages == 50
    # it opens on the page with the peak line
    assert report.numpy.peak_lineno in lines.visible_linenos
    assert len(lines.visible_linenos) == 200
    start = lines.page
    lines.next.click()
    assert lines.page == start + 1
    lines.show_page(0)
    assert lines.visible_linenos[0] == 1 and lines.previous.disabled
    lines.to_peak.click()
    assert lines.page == start
    assert len(widget.arrays.table.options) == 1_000
    assert len(widget.findings.items) == 10
    widget.findings.more.click()
    assert len(widget.findings.items) == 20
    assert widget.findings.more.description == "30 more findings"


def test_layout_drawing_in_the_buffer_when_the_offset_is_known() -> None:
    report = known_report()
    report.array("t").offset_bytes = 0  # type: ignore[attr-defined]  # d.T starts where d does
    report.array("b").offset_bytes = 8  # type: ignore[attr-defined]  # as if b were x[1::3]
    arrays = ReportWidget(report).arrays
    assert arrays.selected == "b"
    model = arrays.layout_model
    assert model is not None and model.in_buffer and model.total_cells == 12
    assert arrays.highlighted_cells == [1, 4, 7, 10]
    assert [model.order[c] for c in (1, 4, 7, 10)] == [0, 1, 2, 3]  # numbered in visiting order
    assert re.findall(r'class="apr-order"[^>]*>(\d+)<', arrays.drawing.value) == ["0", "1", "2", "3"]
    assert "b in x&#x27;s buffer: 12 cells of 8 B, 4 touched" in arrays.drawing.value
    arrays.select("t")
    model = arrays.layout_model
    assert model is not None and model.in_buffer and model.row_cells == 12  # d's rows, from d
    assert "t in d&#x27;s buffer: 144 cells of 8 B, 144 touched" in arrays.drawing.value


def test_static_copies_stay_small_for_huge_cells() -> None:
    """The HTML and text a widget output carries for static viewers are saved in the notebook."""
    report = large_report(n_lines=10_000, n_arrays=1_000, n_timeline=100_000, n_findings=50)
    bundle = ReportWidget(report)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert len(bundle["text/html"]) < 400_000 and bundle["text/html"].count("<tr data-name=") == 100
    assert len(bundle["text/plain"].splitlines()) == 121
    assert bundle["text/plain"].splitlines()[-1].endswith("arrayprof.history() holds the report")


def test_summary_widget_expands() -> None:
    summary = SummaryWidget(known_report())
    # the top finding first, with its line; the collapsed line is coloured by its severity
    assert summary.text == ("arrayprof · line 2: (12, 1) - (12,) materialises a 12x12 array "
                            "only to be summed · peak 2.4 kB on line 2 · 2.42 kB allocated · "
                            "2 temporaries · 3 findings (1 warning) · 12.3 ms")
    assert "arrayprof-sum-warning" in summary.button._dom_classes
    assert not summary.expanded and summary.report_widget is None
    summary.button.click()
    assert summary.expanded and isinstance(summary.report_widget, ReportWidget)
    summary.button.click()
    assert not summary.expanded


def test_empty_report() -> None:
    widget = ReportWidget(Report(source="pass"))
    assert widget.peak_lineno is None
    assert widget.arrays.rows == [] and widget.arrays.selected is None
    assert "No findings." in widget.findings.children[0].value


def test_most_important_first_and_secondary_sections_folded() -> None:
    """Findings before the lines; the timeline shown (4 points), arrays and broadcasts folded
    until clicked; a report without findings says so after the details."""
    widget = ReportWidget(known_report())
    children = list(widget.children)
    assert children.index(widget.findings) < children.index(widget.lines)
    assert "Look first at line 2" in widget.header.value
    folds = widget.folds
    assert [(k, f.is_open) for k, f in folds.items()] == [
        ("timeline", True), ("arrays", False), ("broadcasts", False)]
    assert widget.arrays not in folds["arrays"].children
    folds["arrays"].button.click()
    assert folds["arrays"].is_open and widget.arrays in folds["arrays"].children
    two_points = known_report()
    two_points.timeline = two_points.timeline[:2]
    assert not ReportWidget(two_points).folds["timeline"].is_open
    quiet = ReportWidget(Report(source="pass"))
    assert list(quiet.children).index(quiet.findings) > list(quiet.children).index(quiet.lines)
