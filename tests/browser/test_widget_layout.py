"""The report widget in real JupyterLab at 400, 560 and 1,400 px, in the light and dark themes:
from the DOM, no text is cut off or spills out of its box or the output area (tables and drawings
scroll sideways in their own box instead), the source column keeps 30 characters or more, drawing
text stays at 10 px or more, and every text meets WCAG AA contrast.  Screenshots go to
``artifacts/layout/``.

One JupyterLab server and one page for the whole module; the notebook runs once, then the page is
resized and re-themed.  Skipped (with the reason) only when chromium, Playwright or JupyterLab is
missing outside CI; with ``CI`` set a missing piece fails the test.
"""

from __future__ import annotations

import pathlib
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
    from playwright.sync_api import Page

LONG_LINE = ("spread = np.abs(x[:, None] - x[None, :]).max() + np.abs(x[:, None] - "
             "x[None, :]).min()  # a long line wraps")
CELLS = [
    "import numpy as np\nx = np.random.default_rng(0).random(1500)\n%load_ext arrayprof",
    f"%%arrayprof\ny = x * 2\n{LONG_LINE}\nb = x[::2]",
    "%arrayprof on --threshold 1MB",
    "y = x * 2\nspread = np.abs(x[:, None] - x[None, :]).max()\nb = x[::2]",
    "%arrayprof off\nfrom arrayprof.render import ReportWidget\n"
    "from arrayprof.render.samples import known_report\nReportWidget(known_report())",
]
ALL_RAN = ("() => { const ps = [...document.querySelectorAll("
           "'.jp-Notebook .jp-Cell .jp-InputPrompt')];"
           " return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The notebook run once in JupyterLab, its reports and summary opened."""
    executable = requirements()
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("lab")
    with jupyter_server(tmp, {"layout.ipynb": CELLS}) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url("lab/tree/layout.ipynb?reset"))
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            # the file browser closed, as anyone working in a narrow window has it
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
            run_all(page)
            page.locator(".arrayprof-widget").nth(1).wait_for(state="visible", timeout=120_000)
            summary = page.locator(".arrayprof-summary-button")
            summary.wait_for(state="visible", timeout=60_000)
            summary.click()
            page.locator(".jp-Cell").nth(3).locator(".arrayprof-widget").wait_for(
                state="visible", timeout=30_000)
            # the folded sections opened, so their content is checked too
            for fold in page.locator(".arrayprof-fold").all():
                if "caret-right" in (fold.locator("i").get_attribute("class") or ""):
                    fold.click()
            page.wait_for_timeout(1000)
            yield page
        finally:
            browser.close()


def run_all(page: Page) -> None:
    for _ in range(2):
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=120_000)
        page.wait_for_timeout(2_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(ALL_RAN, timeout=120_000)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_widget_layout_and_contrast(page: Page, width: int, theme: str) -> None:
    set_theme(page, theme)
    page.set_viewport_size({"width": width, "height": 2400})
    page.wait_for_timeout(600)  # JupyterLab lays out again
    out = ARTIFACTS / "layout"
    out.mkdir(parents=True, exist_ok=True)
    widgets = page.locator(".arrayprof-widget")
    assert widgets.count() == 3  # %%arrayprof, the opened summary, the known report
    problems: list[str] = []
    for i in range(3):
        widget = widgets.nth(i)
        widget.scroll_into_view_if_needed()
        area = widget.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
        result = check_layout(area, "td.apr-src")
        problems += [f"report {i}: {p}" for p in result["problems"]]
        assert result["sourceChars"], "no source column found"
        assert min(result["sourceChars"]) >= 30, (i, result["sourceChars"])
        widget.screenshot(path=str(out / f"widget{i}_{width}_{theme}.png"))
    summary = page.locator(".arrayprof-summary-button")
    result = check_layout(summary, "td.apr-src")
    problems += [f"summary: {p}" for p in result["problems"]]
    assert problems == [], "\n".join(problems)
    # the summary line names the top finding and is coloured by it
    assert "arrayprof-sum-warning" in (summary.get_attribute("class") or "")
    assert "line 2: broadcast in subtract materialises" in summary.inner_text()


def test_screens_are_written(page: Page) -> None:
    """A whole-page screenshot per theme at the narrowest width, for people to look at."""
    page.set_viewport_size({"width": 560, "height": 1000})
    for theme in ("light", "dark"):
        set_theme(page, theme)
        path: pathlib.Path = ARTIFACTS / "layout" / f"page_560_{theme}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
