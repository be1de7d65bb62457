"""How a `Report` shows itself: ``str`` (the text report), ``repr`` (one line) and ``_repr_html_``
(the static HTML in notebooks and exports).

The report is the data model and knows no renderer (issue 16, ``tests/test_layers.py``); this glue
attaches the renderers to it when ``arrayprof`` is imported, so ``print(report)`` and a report as a
cell's value show exactly as before.  The renderers are imported on first use only: importing
arrayprof costs no HTML or widget code.
"""

from __future__ import annotations

from arrayprof.report import Report


def report_str(self: Report) -> str:
    """The text report, as the terminal shows it (``print(report)``)."""
    from arrayprof.render.text import render_text

    return render_text(self)


def report_repr(self: Report) -> str:
    """One line (the dataclass's own repr runs to pages): the summary of the text report."""
    from arrayprof.render.text import summary_line

    cell = f" In[{self.execution_count}]" if self.execution_count is not None else ""
    return f"<arrayprof Report{cell}: {summary_line(self).removeprefix('arrayprof: ')}>"


def report_html(self: Report) -> str:
    """Self-contained HTML for notebooks and exports."""
    from arrayprof.render.html import report_html as render_html

    return render_html(self)


def install() -> None:
    """Attach the display methods to `Report` (idempotent; ``arrayprof/__init__`` calls it)."""
    Report.__str__ = report_str  # type: ignore[method-assign]
    Report.__repr__ = report_repr  # type: ignore[method-assign]
    Report._repr_html_ = report_html  # type: ignore[attr-defined]

