"""Showing reports in IPython: a widget in a notebook, text in a terminal.

Every output arrayprof adds to a cell carries ``{"arrayprof": ...}`` in its display metadata, so
tools (and our own tests) can tell it apart from the user's output.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from arrayprof.render.text import automatic_summary, render_text, summary_line
from arrayprof.report import Report


def metadata(kind: str, report: Report | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": kind}
    if report is not None:
        info["execution_count"] = report.execution_count
        info["schema"] = report.schema
    return {"arrayprof": info}


def in_notebook(shell: Any) -> bool:
    """A kernel talking to a front end (not terminal IPython)."""
    return getattr(shell, "kernel", None) is not None


def _rich_report(report: Report, compact: bool) -> Any | None:
    """The widget where ipywidgets is available, else the static HTML; None if neither works.

    Compact (automatic mode) is a one-line summary that opens into the full report on click: the
    ``SummaryWidget``, or without widgets a native ``<details>`` (no script needed).  The widgets
    carry the static HTML in their own display data too, for front ends without a widget manager
    (nbconvert, GitHub, sanitised outputs).
    """
    try:
        widget = importlib.import_module("arrayprof.render.widget")  # needs ipywidgets
        return widget.SummaryWidget(report) if compact else widget.ReportWidget(report)
    except Exception:
        pass
    try:
        from arrayprof.render.html import report_html, summary_html

        if compact:
            return {"text/html": summary_html(report), "text/plain": summary_line(report)}
        return {"text/html": report_html(report), "text/plain": render_text(report)}
    except Exception:
        return None


_held = 0


@contextmanager
def held(hold: bool = True) -> Iterator[None]:
    """While active (and `hold` is true), nothing is shown in the cell: notes go to the kernel's
    own stderr (its log, not the cell), reports only to the history.  Automatic mode holds its
    output when the user's cell left a ``clear_output(wait=True)`` pending: any output would set
    off that clear and wipe the user's last output."""
    global _held
    _held += bool(hold)
    try:
        yield
    finally:
        _held -= bool(hold)


def show_report(shell: Any, report: Report, *, compact: bool = False) -> None:
    """Show `report` under the running cell: rich in a notebook, text in a terminal."""
    from IPython.display import display

    if _held:
        return

    text = automatic_summary(report) if compact else render_text(report)
    rich = _rich_report(report, compact) if in_notebook(shell) else None
    kind = "summary" if compact else "report"
    if isinstance(rich, dict):
        display(rich, raw=True, metadata=metadata(kind, report))
    elif rich is not None:
        display(rich, metadata=metadata(kind, report))
    else:
        display({"text/plain": text}, raw=True, metadata=metadata(kind, report))


def show_note(message: str) -> None:
    """A one-line message from arrayprof itself (failures, status)."""
    from IPython.display import display

    if _held:
        print(message, file=sys.__stderr__)
        return

    display({"text/plain": message}, raw=True, metadata=metadata("note"))
