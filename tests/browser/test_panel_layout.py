"""The Array Inspector panel in real JupyterLab at 400, 560 and 1,400 px, light and dark: from
the DOM, no text cut off or outside the panel (no figure or shape shortened), the report's source
column at least 30 characters, WCAG AA contrast; a history click brings the cell's top and the
panel's report into view.  Screenshots go to ``artifacts/layout/``.

The panel is a labextension: this module runs where it is installed (the ``lab`` suite installs
it, then runs this module with ``ARRAYPROF_PANEL_TESTS=1``, where a missing piece fails); elsewhere
it is skipped with the reason.  One JupyterLab server and one page for the module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from lab_server import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    WIDTHS,
    check_layout,
    jupyter_server,
    requirements,
    set_theme,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CELLS = [
    "import numpy as np\na = np.arange(9_000_000, dtype=np.float64).reshape(3000, 3000)\n"
    "b = a[::2, ::3]",
    "x = np.random.default_rng(0).random(1500)\n"
    "spread = np.abs(x[:, None] - x[None, :]).max()  # a broadcast that materialises 18 MB\n"
    "y = x * 2",
    "big = np.ones(2_000_000)\nsmall = big[:10]\ndel big",
]
PANEL = "#jp-arrayprof-panel"


def extension_installed() -> bool:
    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                             capture_output=True, text=True, timeout=120)
    return "jupyterlab-arrayprof" in (listing.stdout + listing.stderr)


def require_panel() -> str:
    """Chromium's path, once the labextension is known to be installed (see the docstring)."""
    if not extension_installed():  # first: the full suite has no panel and no Notebook 7
        if os.environ.get("ARRAYPROF_PANEL_TESTS"):
            pytest.fail("the jupyterlab-arrayprof labextension is not installed")
        pytest.skip("the jupyterlab-arrayprof labextension is not installed (the lab suite "
                    "installs it and runs this module)")
    return requirements()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module (Playwright's sync API allows one instance at a time)."""
    executable = require_panel()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    tmp = tmp_path_factory.mktemp("panel")
    with jupyter_server(tmp, {"panel.ipynb": CELLS}) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(server.url("lab/tree/panel.ipynb?reset"))
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
            page.locator(f'.jp-SideBar.jp-mod-right li[data-id="{PANEL[1:]}"]').click()
            page.wait_for_selector(f"{PANEL} .jp-arrayprof-status[data-state='ready']",
                                   timeout=120_000)
            page.wait_for_timeout(1000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            page.wait_for_function(
                f"() => document.querySelectorAll('{PANEL} .jp-arrayprof-history "
                "tbody tr[data-cell]').length >= 3", timeout=120_000)
            page.locator(f'{PANEL} .jp-arrayprof-arrays tbody tr[data-array="b"]').click()
            page.wait_for_selector(f"{PANEL} .jp-arrayprof-detail dl", timeout=30_000)
            yield page
        finally:
            page.close()


def history_row(page: Page, count: int) -> Locator:
    return page.locator(f"{PANEL} .jp-arrayprof-history tbody tr[data-cell]").filter(
        has_text=f"[{count}]")


def test_history_click_shows_the_cell_top_and_the_report(page: Page) -> None:
    set_theme(page, "light")
    page.set_viewport_size({"width": 1400, "height": 1000})
    # the panel took its minimum width (JupyterLab's sidebar default is narrower)
    assert page.locator(PANEL).evaluate("p => p.getBoundingClientRect().width") >= 299
    history_row(page, 2).click()
    report = page.locator(f"{PANEL} .jp-arrayprof-report")
    report.locator(".jp-arrayprof-lines").wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(800)
    panel_top = page.locator(PANEL).evaluate("p => p.getBoundingClientRect().top")
    report_top = report.evaluate("r => r.getBoundingClientRect().top")
    assert abs(report_top - panel_top) < 40, (report_top, panel_top)  # at the top, not below
    # the cell's top (its source), not the middle of its output, is in view
    cell = page.locator(".jp-Notebook .jp-Cell").nth(1)
    notebook = page.locator(".jp-NotebookPanel-notebook").evaluate(
        "n => [n.getBoundingClientRect().top, n.getBoundingClientRect().bottom]")
    top = cell.evaluate("c => c.getBoundingClientRect().top")
    assert notebook[0] - 1 <= top < (notebook[0] + notebook[1]) / 2, (top, notebook)
    # the finding first, its badge; the figures whole
    assert report.locator(".jp-arrayprof-finding").first.inner_text().startswith("WARNING")
    assert "36 MB" in report.locator(".jp-arrayprof-fact").first.inner_text()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_panel_layout_and_contrast(page: Page, width: int, theme: str) -> None:
    set_theme(page, theme)
    page.set_viewport_size({"width": width, "height": 1000})
    page.wait_for_timeout(600)
    history_row(page, 3).click()
    page.locator(f"{PANEL} .jp-arrayprof-report .jp-arrayprof-lines").wait_for(
        state="visible", timeout=30_000)
    page.wait_for_timeout(600)
    panel = page.locator(PANEL)
    # every figure whole: the history's peaks, the arrays' shapes
    assert "72 MB" in history_row(page, 1).inner_text()
    assert panel.locator('tr[data-array="a"] .jp-arrayprof-shape').inner_text() == "(3000, 3000)"
    result = check_layout(panel, ".jp-arrayprof-lines td.jp-arrayprof-code")
    assert result["problems"] == [], "\n".join(result["problems"])
    assert result["sourceChars"] and min(result["sourceChars"]) >= 30, result["sourceChars"]
    out = ARTIFACTS / "layout"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"panel_{width}_{theme}.png"))


NOTEBOOK7_CELLS = [
    "import numpy as np\nx = np.random.default_rng(0).random(1500)\n%load_ext arrayprof",
    "%%arrayprof\nspread = np.abs(x[:, None] - x[None, :]).max()",
]


def test_notebook7_shows_the_widget_and_the_panel_in_its_right_sidebar(
        browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Jupyter Notebook 7: the %%arrayprof widget renders, and the panel's command opens the
    Array Inspector in the notebook's right sidebar, connected to the notebook's kernel."""
    requirements("notebook")
    tmp = tmp_path_factory.mktemp("nb7")
    with jupyter_server(tmp, {"nb7.ipynb": NOTEBOOK7_CELLS}, app="notebook") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(server.url("notebooks/nb7.ipynb"))
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            for _ in range(2):  # the kernel may be replaced while the notebook opens
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                       timeout=120_000)
                page.wait_for_timeout(2000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            widget = page.locator(".arrayprof-widget").first
            widget.wait_for(state="visible", timeout=120_000)
            assert widget.locator("tr.apr-peakrow").get_attribute("data-line") == "1"
            assert page.evaluate(
                "() => window.jupyterapp.commands.label('arrayprof:open-inspector')"
            ) == "Show Array Inspector (arrayprof)"
            page.evaluate("() => window.jupyterapp.commands.execute('arrayprof:open-inspector')")
            panel = page.locator(PANEL)
            panel.locator(".jp-arrayprof-status[data-state='ready']").wait_for(timeout=120_000)
            # in Notebook 7's right sidebar, at its minimum width, following this notebook
            notebook_right = page.locator(".jp-NotebookPanel").first.evaluate(
                "n => n.getBoundingClientRect().right")
            assert panel.evaluate("p => p.getBoundingClientRect().left") >= notebook_right - 1
            assert panel.evaluate("p => p.getBoundingClientRect().width") >= 299
            assert "nb7.ipynb" in panel.locator(".jp-arrayprof-source").inner_text()
            panel.locator('.jp-arrayprof-arrays tbody tr[data-array="x"]').wait_for(
                timeout=60_000)
            ARTIFACTS.joinpath("layout").mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "layout" / "notebook7.png"))
        finally:
            page.close()
