"""Renderers: they read a `Report` and show it; none of them reaches into the tracker.

``report_html`` / ``document_html`` / ``summary_html`` need nothing but the standard library and
NumPy; ``ReportWidget`` / ``SummaryWidget`` need ipywidgets and are imported on first use, so a
terminal session or a CI job never pays for (or needs) the widget stack.
"""

from __future__ import annotations

from typing import Any

from arrayprof.render.html import document_html, report_html, summary_html

__all__ = ["ReportWidget", "SummaryWidget", "document_html", "report_html", "summary_html"]


def __getattr__(name: str) -> Any:
    if name in ("ReportWidget", "SummaryWidget"):
        from arrayprof.render import widget

        return getattr(widget, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
