"""What a cell's output carries: the widget in a notebook (with the static HTML and the text report
as fallbacks), the HTML alone without ipywidgets, text in a terminal; automatic mode's one line
opens into the full report.  Checked through a real kernel, and through nbconvert for exports."""

from __future__ import annotations

import queue
import re
from typing import Any

import pytest

from arrayprof.kernel import display as kernel_display
from arrayprof.render.samples import known_report

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class FakeShell:
    """Just enough of an IPython shell for `show_report`: a kernel, or none (terminal)."""

    def __init__(self, kernel: bool) -> None:
        self.kernel = object() if kernel else None


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """What `show_report` hands to IPython's display, as (object or bundle, keyword arguments)."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: calls.append((obj, kw)))
    return calls


def test_notebook_shows_the_widget_with_static_fallbacks(shown: list) -> None:
    pytest.importorskip("ipywidgets")
    from arrayprof.render import ReportWidget, SummaryWidget

    report = known_report()
    kernel_display.show_report(FakeShell(kernel=True), report)
    kernel_display.show_report(FakeShell(kernel=True), report, compact=True)
    (full, full_kw), (compact, compact_kw) = shown
    assert isinstance(full, ReportWidget) and isinstance(compact, SummaryWidget)
    assert full_kw["metadata"] == {"arrayprof": {"kind": "report", "execution_count": 7,
                                                 "schema": report.schema}}
    assert compact_kw["metadata"]["arrayprof"]["kind"] == "summary"

    bundle = full._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert re.search(r'<tr class="[^"]*\bapr-peakrow\b[^"]*" data-line="2">', bundle["text/html"])
    assert bundle["text/plain"].startswith("arrayprof: 12.3 ms")  # the text report, not a repr

    line = compact._repr_mimebundle_()
    assert WIDGET_VIEW in line
    assert line["text/plain"] == compact.text
    html = line["text/html"]
    # a warning colours the collapsed line, which names the top finding and its line first
    assert ('<details class="apr-summary apr-sum-warning"><summary><b>arrayprof</b> · line 2: '
            "(12, 1) - (12,) materialises a 12x12 array only to be summed · peak 2.4 kB on line 2"
            " · 2.42 kB allocated") in html
    assert "apr-peakrow" in html  # the full report is inside the closed <details>


def test_without_ipywidgets_the_html_is_shown(shown: list, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "arrayprof.render.widget", None)  # import fails
    report = known_report()
    kernel_display.show_report(FakeShell(kernel=True), report, compact=True)
    kernel_display.show_report(FakeShell(kernel=True), report)
    (line, line_kw), (full, full_kw) = shown
    assert line_kw["raw"] and full_kw["raw"]
    # the compact form is the one line that opens (no script needed) into the full report
    assert line["text/html"].count('<details class="apr-summary apr-sum-warning">') == 1
    assert "summed · peak 2.4 kB on line 2 · 2.42 kB allocated" in line["text/html"]
    assert "apr-peakrow" in line["text/html"]
    assert line["text/plain"].startswith("arrayprof: 12.3 ms")
    assert "<details class=\"apr-summary" not in full["text/html"]
    assert "apr-peakrow" in full["text/html"]


def test_terminal_gets_text(shown: list) -> None:
    report = known_report()
    kernel_display.show_report(FakeShell(kernel=False), report, compact=True)
    kernel_display.show_report(FakeShell(kernel=False), report)
    (line, _), (full, _) = shown
    assert list(line) == ["text/plain"] and "\n" not in line["text/plain"]
    assert list(full) == ["text/plain"] and "largest arrays:" in full["text/plain"]


# --------------------------------------------------------------------------- a real kernel


@pytest.fixture(scope="module")
def kernel():
    pytest.importorskip("ipywidgets")
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client: Any, code: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Run code; return its display_data outputs (as saved in a notebook)."""
    msg_id = client.execute(code)
    outputs = []
    while True:
        try:
            msg = client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no idle status for {code!r}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "display_data":
            outputs.append({"output_type": "display_data", "data": msg["content"]["data"],
                            "metadata": msg["content"]["metadata"]})
    return outputs


def ours(outputs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in outputs if o["metadata"].get("arrayprof", {}).get("kind") == kind]


CELL = "y = x * 2\nspread = np.abs(x[:, None] - x[None, :]).max()\nb = x[::2]"


def test_kernel_outputs_and_nbconvert(kernel: Any) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    run(kernel, "%load_ext arrayprof\nimport numpy as np\n"
                "x = np.random.default_rng(0).random(1500)")
    report = ours(run(kernel, "%%arrayprof --no-verify\n" + CELL), "report")
    assert len(report) == 1
    data = report[0]["data"]
    assert WIDGET_VIEW in data
    assert re.search(r'<tr class="[^"]*\bapr-peakrow\b[^"]*" data-line="2">', data["text/html"])

    run(kernel, "%arrayprof on --threshold 1MB")
    summary = ours(run(kernel, CELL), "summary")
    run(kernel, "%arrayprof off")
    assert len(summary) == 1
    line = summary[0]["data"]
    assert WIDGET_VIEW in line
    assert re.search(r'<details class="apr-summary[^"]*"><summary><b>arrayprof</b> · ',
                     line["text/html"])
    assert "on line 2" in line["text/plain"]

    # without ipywidgets in the kernel: the same outputs as plain HTML
    run(kernel, "import sys; sys.modules['arrayprof.render.widget'] = None")
    try:
        html_only = ours(run(kernel, "%%arrayprof --no-verify\n" + CELL), "report")[0]["data"]
        run(kernel, "%arrayprof on --threshold 1MB")
        line_only = ours(run(kernel, CELL), "summary")[0]["data"]
        run(kernel, "%arrayprof off")
    finally:
        run(kernel, "del sys.modules['arrayprof.render.widget']")
    assert WIDGET_VIEW not in html_only and "apr-peakrow" in html_only["text/html"]
    assert WIDGET_VIEW not in line_only
    assert "<details class=\"apr-summary" in line_only["text/html"]

    # an nbconvert export (no widget state saved) shows the static reports, not a widget
    nb = nbformat.v4.new_notebook()
    for outputs in (report, summary):
        cell = nbformat.v4.new_code_cell(CELL)
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        nb.cells.append(cell)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert len(re.findall(r'<tr class="[^"]*\bapr-peakrow\b', body)) == 2
    assert "<details class=\"apr-summary" in body
    assert "widget-view+json" not in body
