"""How long the renderers take on large reports (10^4 lines, 10^3 arrays, 10^5 timeline points).

A benchmark that prints timings, not a timed test: machines differ, the goal (issue 5) is "renders
within a second".  Run:  python benchmarks/render_large.py [--browser]

--browser also loads the static HTML in headless Debian chromium and reports the time to the load
event (the browser's layout of the page is part of "renders").
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also time chromium loading the HTML")
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


if __name__ == "__main__":
    main()
