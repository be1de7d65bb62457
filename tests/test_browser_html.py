"""The HTML export in a real browser: headless Debian chromium, no console errors, no network,
the peak line visible.  A screenshot is saved under ``artifacts/``.

Skipped (with the reason) only when chromium or Playwright is missing outside CI; in CI (the ``CI``
environment variable set) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import pathlib
import shutil

import pytest

from arrayprof.render import document_html
from arrayprof.render.samples import known_report

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

BROADCASTING_CELL = """\
y = x * 2
spread = np.abs(x[:, None] - x[None, :]).max()
b = x[::2]"""


def chromium_path() -> str:
    """Debian's chromium (never a downloaded browser); skip or fail as the module docstring says."""
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if os.path.exists("/usr/bin/chromium") else None)
    missing = []
    if path is None:
        missing.append("Debian's chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package is not installed")
    if missing:
        if os.environ.get("CI"):
            pytest.fail("browser test must run in CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))
    assert path is not None
    return path


def test_html_export_in_chromium() -> None:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    import arrayprof

    namespace: dict = {}
    exec("import numpy as np; x = np.random.default_rng(0).random(1500)", namespace)
    real = arrayprof.profile(BROADCASTING_CELL, namespace, verify=False)
    assert real.numpy.peak_lineno == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page_path = ARTIFACTS / "html_report.html"
    page_path.write_text(document_html([real, known_report()], title="arrayprof browser test"),
                         encoding="utf-8")

    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")

            first = page.locator("section.arrayprof").first
            peak_row = first.locator("tr.apr-peakrow")
            assert peak_row.count() == 1
            assert peak_row.get_attribute("data-line") == "2"
            assert peak_row.locator("td.apr-src").is_visible()
            assert peak_row.locator("td.apr-src").inner_text() == (
                "spread = np.abs(x[:, None] - x[None, :]).max()")
            label = first.locator("svg.apr-timeline text.apr-peak-label")
            assert label.is_visible()
            assert "line 2: spread = np.abs(" in label.text_content()
            first.locator("details.apr-sec-broadcasts > summary").click()  # folded at first
            assert first.locator("svg.apr-broadcast").first.is_visible()
            assert first.locator('details[data-name="b"] rect.apr-hit').count() > 0

            # the inline script's comforts work: copy buttons shown, arrays table sortable
            second = page.locator("section.arrayprof").nth(1)
            second.locator("details.apr-sec-arrays > summary").click()
            copy = second.locator("button.apr-copy").first
            assert copy.is_visible()
            copy.click()
            page.wait_for_function(
                "b => b.textContent !== 'copy'", arg=copy.element_handle(), timeout=5000)
            names = second.locator("table.apr-arrays tbody tr")
            assert names.evaluate_all("rs => rs.map(r => r.dataset.name)") == ["d", "t", "x", "b"]
            second.locator("table.apr-arrays th", has_text="name").click()
            assert names.evaluate_all("rs => rs.map(r => r.dataset.name)") == ["b", "d", "t", "x"]
            # the explanation opens
            second.locator("details > summary", has_text="why").first.click()
            assert second.get_by_text("Line 2 builds two 1.15 kB arrays").is_visible()

            page.screenshot(path=str(ARTIFACTS / "html_report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_path.as_uri()]  # the page itself, nothing else


NOTEBOOK_CELLS = [
    "import numpy as np\nx = np.random.default_rng(0).random(1500)\n%load_ext arrayprof",
    BROADCASTING_CELL,
    "bad = np.ones(3) + np.ones(4)  # raises: the run goes on, the page shows it",
    "y2 = x[::-1].copy()",
    # a %%arrayprof cell: profiled as its body, its finding in the page (was: "0 B, no NumPy
    # allocations recorded" and a note pointing to a report the page did not have)
    "%%arrayprof --no-verify\nbig = np.ones(2_000_000)\nsmall = big[:10]\ndel big",
]


def test_cli_html_export_in_chromium(tmp_path: pathlib.Path) -> None:
    """`arrayprof run NOTEBOOK --html OUT`: one self-contained page, a section per cell, opened in
    chromium without console errors or requests."""
    executable = chromium_path()
    import subprocess
    import sys

    nbformat = pytest.importorskip("nbformat")
    from playwright.sync_api import sync_playwright

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("# not code"))
    path = tmp_path / "broadcast <demo>.ipynb"
    nbformat.write(notebook, path)
    out = ARTIFACTS / "cli_report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from arrayprof.cli import main; sys.exit(main())",
         "run", str(path), "--html", str(out), "--no-verify", "--quiet"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ, LC_ALL="C"),
    )
    assert run.returncode == 1, run.stderr  # the raising cell makes the status 1
    assert "1 of 5 cells raised" in run.stderr
    page_text = out.read_bytes().decode("ascii")  # ASCII only: safe in any file encoding
    assert page_text.startswith("<!DOCTYPE html>")
    assert "<title>broadcast &lt;demo&gt;.ipynb</title>" in page_text

    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri(), wait_until="load")
            sections = page.locator("section.arrayprof")
            assert sections.count() == 5
            assert sections.locator("h3").all_inner_texts() == [
                "cell [1]", "cell [2]", "cell [3]", "cell [4]", "cell [5]"]
            # the notebook summary table at the top links to every cell's report
            index = page.locator(".apr-index tbody tr")
            assert index.count() == 5
            assert index.locator("a").evaluate_all("as => as.map(a => a.hash)") == [
                "#cell-1", "#cell-2", "#cell-3", "#cell-4", "#cell-5"]
            assert "view small (80 B) keeps a 16 MB base alive" in index.nth(4).inner_text()
            assert "ValueError" in index.nth(2).inner_text()
            magic = sections.nth(4)
            assert magic.locator(".apr-f-peak b").inner_text() == "16 MB"
            finding = magic.locator(".apr-finding-warning")
            assert finding.count() == 1 and finding.is_visible()
            assert "view small (80 B) keeps a 16 MB base alive" in finding.inner_text()
            assert magic.locator("tr[data-line='1'] td.apr-src").inner_text() == (
                "big = np.ones(2_000_000)")
            broadcasting = sections.nth(1)
            assert broadcasting.locator("tr.apr-peakrow").get_attribute("data-line") == "2"
            assert "· line 2: spread = np.abs(" in broadcasting.locator(
                "text.apr-peak-label").text_content()
            assert broadcasting.locator(".apr-f-peak").inner_text().endswith("line 2")
            assert broadcasting.locator("svg.apr-broadcast").count() == 1  # folded
            broadcasting.locator("details.apr-sec-broadcasts > summary").click()
            assert broadcasting.locator("svg.apr-broadcast").first.is_visible()
            raised = sections.nth(2).locator(".apr-error")
            assert raised.inner_text().startswith("ValueError on line 1: operands could not")
            # non-ASCII characters arrive intact through the character references
            assert "◀ peak" in broadcasting.locator("tr.apr-peakrow").inner_text()
            page.screenshot(path=str(ARTIFACTS / "cli_report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [out.as_uri()]


DOM_CHECKS = (ROOT / "tests" / "browser" / "dom_checks.js").read_text(encoding="utf-8")


def test_static_page_at_every_width_in_light_and_dark() -> None:
    """The exported page at 400, 560 and 1,400 px, as the reader's system prefers (light, dark):
    from the DOM, nothing cut off or outside the page, source column >= 30 characters, drawing
    text >= 10 px, WCAG AA contrast; screenshots in artifacts/layout/."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    import arrayprof

    namespace: dict = {}
    exec("import numpy as np; x = np.random.default_rng(0).random(1500)", namespace)
    real = arrayprof.profile(BROADCASTING_CELL, namespace, verify=False)
    out = ARTIFACTS / "layout"
    out.mkdir(parents=True, exist_ok=True)
    page_path = out / "static.html"
    page_path.write_text(document_html([real, known_report()], title="widths"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 1400, "height": 900},
                                        color_scheme=scheme)
                page.goto(page_path.as_uri(), wait_until="load")
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = "
                              "true)")
                background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
                assert background == ("rgb(255, 255, 255)" if scheme == "light"
                                      else "rgb(13, 17, 23)")
                for width in (400, 560, 1400):
                    page.set_viewport_size({"width": width, "height": 900})
                    result = page.locator("body").evaluate(
                        f"(el, sel) => ({DOM_CHECKS})([el, sel])", "td.apr-src")
                    assert result["problems"] == [], (width, scheme, result["problems"])
                    assert result["checked"] > 100  # texts whose contrast was measured
                    assert min(result["sourceChars"]) >= 30, (width, result["sourceChars"])
                    assert result["fontPx"] and min(result["fontPx"]) >= 9.95
                    page.screenshot(path=str(out / f"static_{width}_{scheme}.png"),
                                    full_page=True)
                page.close()
        finally:
            browser.close()
