"""Cell builders shared by the tutorial sources (see ../build.py).

A source module defines ``TITLE`` and ``CELLS``, a list made with these helpers:

- ``md(text)``: a markdown cell (text is dedented and stripped).
- ``code(text)``: a code cell the reader runs.
- ``test(text)``: a code cell tagged ``test``: assertions that the facts the text states are the
  facts arrayprof reported.  Readers may skip them; CI runs them.
- ``check(text)``: a ``test`` cell with its source collapsed (``jupyter.source_hidden``), used to
  run and check an exercise's solution without showing it.
- ``solution(text)``: a collapsed ``<details>`` block for an exercise's solution.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cell:
    kind: str  # "markdown" | "code"
    source: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> Cell:
    return Cell("markdown", _clean(text))


def code(text: str) -> Cell:
    return Cell("code", _clean(text))


def test(text: str) -> Cell:
    return Cell("code", _clean(text), {"tags": ["test"]})


def check(text: str) -> Cell:
    return Cell("code", _clean(text), {"tags": ["test", "solution-check"],
                                       "jupyter": {"source_hidden": True}})


def solution(text: str, summary: str = "Solution") -> Cell:
    """A collapsed solution: markdown (with code blocks) inside <details>."""
    body = _clean(text)
    return Cell("markdown", f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>")


HOW_TO_READ = md("""
    **How to use this notebook.** Run the cells from top to bottom. A cell that starts with
    `%%arrayprof` runs as usual and then shows arrayprof's report of it: the NumPy bytes each line
    allocated, the temporaries, the peak, which arrays are views of which, and advice with rewrites
    that arrayprof has actually run and compared. The small cells that print facts read the same
    report as data (`arrayprof.history()[-1].to_dict()`), so every number in the explanations comes
    from your own run. Cells tagged `test` check that the text says what arrayprof measured; you
    can skip them.
""")

SETUP = code('''
    %load_ext arrayprof
    import numpy as np
    import arrayprof


    def last_report():
        """The report of the last profiled cell, as plain data (arrayprof's JSON report)."""
        return arrayprof.history()[-1].to_dict()


    def array_row(report, name):
        """The report's entry for the array bound to `name` by the profiled cell."""
        return next(a for a in report["arrays"] if a["name"] == name)


    def line_row(report, lineno):
        """The report's entry for cell line `lineno` (all zeros when the report does not list
        the line: it cost nothing)."""
        empty = {"lineno": lineno, "allocations": 0, "allocated_bytes": 0, "temporaries": 0,
                 "temporary_bytes": 0, "peak_bytes": 0}
        return next((row for row in report["lines"] if row["lineno"] == lineno), empty)


    def findings(report):
        """{(category, line)} of arrayprof's advice on the cell."""
        return {(f["category"], f["lineno"]) for f in report["findings"]}


    def finding(report, category):
        """The first finding of `category`."""
        return next(f for f in report["findings"] if f["category"] == category)
''')
