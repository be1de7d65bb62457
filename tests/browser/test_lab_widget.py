"""The widget in real JupyterLab: a notebook runs ``%load_ext arrayprof`` and ``%%arrayprof`` on a
broadcasting cell; headless Debian chromium must show the report widget with the right peak line.

JupyterLab is started on 127.0.0.1 (allow_root, a random token, an isolated settings and runtime
directory); screenshots go to ``artifacts/``.  Skipped (with the reason) only when chromium,
Playwright or JupyterLab is missing outside CI; with ``CI`` set a missing piece fails the test.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from lab_server import jupyter_server, requirements

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the test skips (or fails in CI) with the reason; see requirements()
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PEAK_SOURCE = "spread = np.abs(x[:, None] - x[None, :]).max()"
CELLS = [
    "import numpy as np\nx = np.random.default_rng(0).random(1500)\n%load_ext arrayprof",
    f"%%arrayprof\ny = x * 2\n{PEAK_SOURCE}\nb = x[::2]",
    "%arrayprof on --threshold 1MB",
    # automatic mode: the same cell without the magic gets the one-line summary widget
    f"y = x * 2\n{PEAK_SOURCE}\nb = x[::2]",
    # a report with known findings (not the advisor's): folding and copying in the browser
    "%arrayprof off\nfrom arrayprof.render import ReportWidget\n"
    "from arrayprof.render.samples import known_report\nReportWidget(known_report())",
]


@pytest.fixture
def lab(tmp_path: pathlib.Path) -> Iterator[tuple[str, str]]:
    """(chromium path, notebook URL) of a JupyterLab server of our own on 127.0.0.1
    (tests/browser/lab_server.py), stopped afterwards."""
    executable = requirements()
    with jupyter_server(tmp_path, {"broadcast.ipynb": CELLS}) as server:
        yield executable, server.url("lab/tree/broadcast.ipynb?reset")


def test_widget_in_jupyterlab(lab: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    executable, url = lab
    ARTIFACTS.mkdir(exist_ok=True)
    console: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2200})
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            try:
                run_notebook_and_check(page, url)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "lab_widget_failure.png"), full_page=True)
                raise
        finally:
            (ARTIFACTS / "lab_widget_console.txt").write_text("\n".join(console),
                                                               encoding="utf-8")
            browser.close()
    ours = [m for m in console if m.startswith(("error", "pageerror"))
            and any(w in m.lower() for w in ("arrayprof", "anywidget", "widget"))]
    assert ours == [], ours


ALL_RAN = ("() => { const ps = [...document.querySelectorAll("
           "'.jp-Notebook .jp-Cell .jp-InputPrompt')];"
           " return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }")


def wait_for_idle_kernel(page: Page) -> None:
    """Idle twice, a moment apart: JupyterLab may start a kernel and replace it while it opens a
    notebook, and a cell sent to the first one is lost."""
    for _ in range(2):
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=120_000)
        page.wait_for_timeout(2_000)


def run_all_cells(page: Page) -> None:
    """Run > Run All Cells, as a user would; once more if a kernel swap swallowed the request."""
    for attempt in range(2):
        wait_for_idle_kernel(page)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(ALL_RAN, timeout=90_000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise


def run_notebook_and_check(page: Page, url: str) -> None:
    """Run the cells as a user would and check what the widgets show."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    run_all_cells(page)
    widget = page.locator(".arrayprof-widget").first
    widget.wait_for(state="visible", timeout=120_000)

    peak_row = widget.locator("tr.apr-peakrow")
    peak_row.wait_for(state="visible", timeout=30_000)
    assert peak_row.get_attribute("data-line") == "2"
    assert peak_row.locator("td.apr-src").inner_text() == PEAK_SOURCE
    label = widget.locator("svg.apr-timeline text.apr-peak-label")
    assert "line 2: spread = np.abs(" in label.text_content()
    assert widget.locator(".apr-f-peak").inner_text().endswith("line 2")
    # the arrays section is folded at first; opened, its listbox selected b = x[::2]: its layout
    # is drawn, every other cell touched
    assert widget.locator("svg.apr-layout").count() == 0
    widget.locator(".arrayprof-fold", has_text="Arrays (2)").click()
    hits = widget.locator("svg.apr-layout rect.apr-hit")
    hits.first.wait_for(state="visible", timeout=30_000)
    cells_hit = hits.evaluate_all("rs => rs.map(r => +r.dataset.cell)")
    assert cells_hit[:4] == [0, 2, 4, 6]
    # sorting from the browser reaches the kernel and comes back
    widget.get_by_role("button", name="name", exact=True).click()
    page.wait_for_function(
        "w => [...w.querySelectorAll('select option')]"
        ".map(o => o.textContent.trim().split(/\\s/)[0]).join(',') === 'b,y'",
        arg=widget.element_handle(), timeout=30_000)
    widget.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "lab_widget_page.png"), full_page=True)
    widget.screenshot(path=str(ARTIFACTS / "lab_widget.png"))

    # automatic mode's one-line summary (shown by the kernel, not built by hand) opens into a
    # second full report
    summary = page.locator(".arrayprof-summary-button")
    summary.wait_for(state="visible", timeout=30_000)
    assert "peak 36 MB on line 2" in summary.inner_text()
    # closed: no report built yet
    assert page.locator(".jp-Cell").nth(3).locator(".arrayprof-widget").count() == 0
    summary.scroll_into_view_if_needed()
    page.locator(".jp-Cell").nth(3).screenshot(path=str(ARTIFACTS / "lab_summary_closed.png"))
    summary.click()
    opened = page.locator(".jp-Cell").nth(3).locator(".arrayprof-widget")
    opened.wait_for(state="visible", timeout=30_000)
    assert opened.locator("tr.apr-peakrow").get_attribute("data-line") == "2"
    page.locator(".jp-Cell").nth(3).screenshot(path=str(ARTIFACTS / "lab_summary_open.png"))
    # nothing in either report is wider than the notebook's output area
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('.arrayprof-widget')].map(w => {"
        " const area = w.closest('.jp-OutputArea-output');"
        " return w.getBoundingClientRect().right - area.getBoundingClientRect().right; })")
    assert overflow and max(overflow) <= 1, overflow

    # findings: the explanation opens in the browser; the copy button answers
    known = page.locator(".jp-Cell").nth(4).locator(".arrayprof-widget")
    known.scroll_into_view_if_needed()
    explanation = known.get_by_text("Line 2 builds two 1.15 kB arrays")
    assert not explanation.is_visible()
    known.locator(".arrayprof-finding summary", has_text="why").first.click()
    explanation.wait_for(state="visible", timeout=10_000)
    copy = known.locator("button.apr-copybtn").first
    copy.click()
    page.wait_for_function("b => b.textContent !== 'copy'", arg=copy.element_handle(),
                           timeout=10_000)
    assert copy.inner_text() in ("copied", "select the code and copy")
    known.locator(".arrayprof-finding").first.screenshot(path=str(ARTIFACTS / "lab_finding.png"))
