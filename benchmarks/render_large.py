"""How long the renderers take on large reports (10^4 lines, 10^3 arrays, 10^5 timeline points).

A benchmark that prints timings, not a timed test: machines differ, the goal (issue 5) is "renders
within a second".  Run:  python benchmarks/render_large.py [--browser] [--lab]

--browser also loads the static HTML in headless Debian chromium and reports the time to the load
event (the browser's layout of the page is part of "renders").

--lab starts JupyterLab on 127.0.0.1, has a notebook cell display ``ReportWidget`` of the largest
report, and times Shift+Enter to the widget's peak row being visible in chromium (kernel build,
comm traffic and the browser's rendering together).
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time
from collections.abc import Callable

from arrayprof.render.html import document_html, report_html
from arrayprof.render.samples import large_report

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def row(label: str, fn: Callable[[], object], repeat: int = 3) -> None:
    best, median = best_of(fn, repeat)
    print(f"{label:<58} best {best * 1e3:8.1f} ms   median {median * 1e3:8.1f} ms")


def browser_load(html: str) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not pathlib.Path(CHROMIUM).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        page_path = pathlib.Path(tmp) / "large.html"
        page_path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto("about:blank")
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load")
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(0)))")
            elapsed = time.perf_counter() - start
            browser.close()
    return elapsed


LAB_SETUP = ("from arrayprof.render.samples import large_report\n"
             "from arrayprof.render import ReportWidget\n"
             "report = large_report(10_000, 1_000, 100_000)")
LAB_SHOW = "ReportWidget(report)"


def lab_widget(repeat: int = 3) -> list[float] | None:
    """Seconds from Shift+Enter on a cell showing the big ReportWidget to its peak row visible."""
    import json
    import os
    import secrets
    import socket
    import subprocess
    import sys
    import urllib.request

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not pathlib.Path(CHROMIUM).exists():
        return None
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        cells = [LAB_SETUP] + [LAB_SHOW] * repeat
        notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                               "metadata": {}, "outputs": [], "source": src}
                              for i, src in enumerate(cells)],
                    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                "name": "python3"}},
                    "nbformat": 4, "nbformat_minor": 5}
        (root / "big.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        token = secrets.token_hex(16)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(root / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
             f"--port={port}", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
             "--ServerApp.allow_root=True", "--LabApp.check_for_updates_class="
             "jupyterlab.handlers.announcements.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not start") from None
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}/lab/tree/big.ipynb?reset&token={token}")
                for _ in range(2):  # JupyterLab may replace the first kernel: idle twice
                    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                           timeout=120_000)
                    page.wait_for_timeout(2_000)
                page.locator(".jp-Cell").nth(0).locator(".cm-content").click()
                page.keyboard.press("Shift+Enter")  # the setup cell; selects the next one
                page.wait_for_function(
                    "() => /\\[1\\]/.test(document.querySelectorAll('.jp-InputPrompt')[0]"
                    ".textContent)", timeout=120_000)
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
                for i in range(repeat):
                    cell = page.locator(".jp-Cell").nth(i + 1)
                    start = time.perf_counter()
                    page.keyboard.press("Shift+Enter")
                    cell.locator(".arrayprof-widget tr.apr-peakrow").wait_for(
                        state="visible", timeout=60_000)
                    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(0)))")
                    times.append(time.perf_counter() - start)
                    page.wait_for_selector(
                        ".jp-Notebook-ExecutionIndicator[data-status='idle']")
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also time chromium loading the HTML")
    parser.add_argument("--lab", action="store_true",
                        help="also time the widget of the largest report in JupyterLab")
    args = parser.parse_args()

    cases = {
        "10^4 lines, 10^3 arrays, 10^5 timeline points": large_report(10_000, 1_000, 100_000),
        "10^4 lines": large_report(10_000, 10, 1_000),
        "10^3 arrays": large_report(50, 1_000, 1_000),
    }
    for name, report in cases.items():
        print(f"== {name}")
        row("report_html (static fragment)", lambda r=report: report_html(r))
        row("document_html (full page)", lambda r=report: document_html([r]))
        try:
            from arrayprof.render.widget import ReportWidget
        except ImportError:
            print("ipywidgets missing: widget not timed")
        else:
            row("ReportWidget(report) (build every view)", lambda r=report: ReportWidget(r))
            widget = ReportWidget(report)
            row("  next page of lines", lambda w=widget: w.lines.show_page(w.lines.page + 1), 5)
            row("  sort arrays by name", lambda w=widget: w.arrays.sort_by("name"), 5)
            first = report.arrays[0].name if report.arrays else None
            row("  select an array (draw its layout)",
                lambda w=widget, n=first: w.arrays.select(n), 5)
        if args.browser:
            html = document_html([report])
            elapsed = browser_load(html)
            size = len(html.encode()) / 1e6
            if elapsed is None:
                print("chromium or playwright missing: browser load not timed")
            else:
                print(f"{'chromium: load the page (' + f'{size:.1f} MB)':<58} "
                      f"     {elapsed * 1e3:8.1f} ms")
    if args.lab:
        print("== JupyterLab, the widget of 10^4 lines, 10^3 arrays, 10^5 timeline points")
        times = lab_widget()
        if times is None:
            print("chromium or playwright missing: the widget in JupyterLab not timed")
        else:
            shown = "  ".join(f"{t * 1e3:.0f} ms" for t in times)
            print(f"{'Shift+Enter to the widget visible (kernel + browser)':<58} {shown}")


if __name__ == "__main__":
    main()
