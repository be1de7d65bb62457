"""The report as ipywidgets: what ``%%arrayprof`` shows in a notebook, and automatic mode's one line.

The drawings and tables are the HTML renderer's (one look everywhere); the widget adds what needs a
kernel round trip: paging through huge cells, sorting and selecting arrays (the selection draws
that array's memory layout), folding explanations, and a copy button for rewrites.

Every view keeps its state in plain Python attributes (`page`, `rows`, `selected`, `layout`,
`expanded`, ...) so tests can check what a user would see without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from typing import Any

from arrayprof.extras import missing_extra

try:
    import ipywidgets as widgets
except ModuleNotFoundError as error:
    raise missing_extra("the report widget", "notebook", error) from None

from arrayprof.layout_model import LayoutModel, array_layout_model, layout_grid
from arrayprof.render.common import (
    SourceRow,
    contiguity,
    fmt_bytes,
    fmt_shape,
    is_strided,
    peak_lineno,
    rewrite_badge,
    sorted_findings,
    source_rows,
    summary_severity,
    summary_text,
)
from arrayprof.render.drawing import layout_svg_from_model, timeline_svg
from arrayprof.render.html import (
    CSS,
    broadcasts_html,
    finding_html,
    header_html,
    lines_table_html,
    report_html,
    summary_html,
    timeline_is_minor,
    worst_html,
)
from arrayprof.render.text import render_text
from arrayprof.report import ArrayInfo, Finding, Report

LINES_PER_PAGE = 200
# The static copy each widget carries for front ends without widgets (nbconvert, GitHub): kept
# small, since it is saved in the notebook next to the widget.
STATIC_MAX_LINES = 300
STATIC_MAX_ARRAYS = 100
STATIC_MAX_LAYOUTS = 3
STATIC_MAX_TEXT_LINES = 120
STATIC_LIMITS: dict[str, Any] = {"max_lines": STATIC_MAX_LINES, "max_arrays": STATIC_MAX_ARRAYS,
                                 "max_layouts": STATIC_MAX_LAYOUTS}
FINDINGS_PER_PAGE = 10  # each finding is a handful of widget models: page them

# Monospace rows in the arrays listbox keep the columns aligned with the header buttons.
WIDGET_CSS = """
.arrayprof-mono select, .arrayprof-mono option, .arrayprof-mono button {
  font-family: var(--jp-code-font-family, monospace) !important; font-size: 12px !important; }
.arrayprof-mono .widget-button { padding: 0 2px; text-align: left; }
.arrayprof-header .widget-button { background: transparent; box-shadow: none; height: 22px;
  border-bottom: 1px solid var(--jp-border-color2, #d0d7de); font-weight: 600;
  color: var(--jp-ui-font-color1, #1f2328); font-size: 11px !important; }
.arrayprof-header .widget-button:hover { background: var(--jp-layout-color2, #f6f8fa);
  color: var(--jp-ui-font-color0, #1f2328); box-shadow: none; }
.arrayprof-header .widget-button:focus:not(:focus-visible) { outline: none; }
.arrayprof-header { margin-bottom: 0 !important; }
.arrayprof-scrollbox { overflow-x: auto !important; max-width: 100%; }
.arrayprof-finding .apr-finding { border: none; padding: 0; margin: 0; background: none; }
.arrayprof-finding .widget-html-content { line-height: 1.45; }
.arrayprof-finding.arrayprof-sev-warning { border-left: 4px solid #8a5c00 !important; }
.arrayprof-finding.arrayprof-sev-error { border-left: 4px solid #cf222e !important; }
.arrayprof-finding.arrayprof-sev-info { border-left: 4px solid #0969da !important; }
.arrayprof-widget .widget-html-content, .arrayprof-summary .widget-html-content {
  white-space: normal; min-width: 0; }
.arrayprof-widget .widget-html, .arrayprof-widget .widget-box { min-width: 0; }
.arrayprof-fold.widget-button, .arrayprof-fold .widget-button { background: transparent;
  box-shadow: none; font-weight: 600; color: var(--jp-content-font-color1, #1f2328);
  text-align: left; padding: 0 2px; font-size: 13px; }
.arrayprof-summary-button.widget-button { text-align: left !important; white-space: normal;
  height: auto; min-height: 28px; line-height: 1.4; padding: 3px 10px; overflow: visible;
  color: var(--jp-content-font-color1, #1f2328); background: var(--jp-layout-color2, #f6f8fa);
  border: 1px solid var(--jp-border-color2, #d0d7de); }
.arrayprof-summary-button.widget-button.arrayprof-sum-warning {
  background: rgba(191, 135, 0, .16); border: 1px solid #bf8700; border-left-width: 4px; }
.arrayprof-summary-button.widget-button.arrayprof-sum-error {
  background: rgba(207, 34, 46, .12); border: 1px solid #cf222e; border-left-width: 4px; }
body[data-jp-theme-light="false"] .arrayprof-summary-button.widget-button.arrayprof-sum-warning {
  background: rgba(210, 153, 34, .22); border-color: #d29922; }
body[data-jp-theme-light="false"] .arrayprof-finding.arrayprof-sev-warning {
  border-left-color: #d29922 !important; }
"""


def _wrap(body: str) -> str:
    return f'<div class="arrayprof">{body}</div>'


def _copy_button_class() -> type | None:
    """An anywidget button that writes to the browser's clipboard (the kernel cannot)."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        return None

    class CopyButton(anywidget.AnyWidget):
        """Copies `text` to the clipboard in the browser; `copies` counts clicks (for tests)."""

        _esm = """
        function render({ model, el }) {
          const button = document.createElement("button");
          button.className = "jupyter-button widget-button apr-copybtn";
          button.textContent = model.get("label");
          button.title = "copy the rewrite to the clipboard";
          button.style.width = "auto";
          button.style.padding = "0 10px";
          const fallback = (text) => {
            const area = document.createElement("textarea");
            area.value = text; el.appendChild(area); area.select();
            let ok = false;
            try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
            el.removeChild(area);
            return ok;
          };
          button.addEventListener("click", async () => {
            const text = model.get("text");
            let ok = false;
            if (navigator.clipboard && window.isSecureContext) {
              try { await navigator.clipboard.writeText(text); ok = true; } catch (err) { ok = false; }
            }
            if (!ok) { ok = fallback(text); }
            button.textContent = ok ? "copied" : "select the code and copy";
            model.set("copies", model.get("copies") + 1);
            model.save_changes();
            setTimeout(() => { button.textContent = model.get("label"); }, 1500);
          });
          el.appendChild(button);
        }
        export default { render };
        """
        text = traitlets.Unicode("").tag(sync=True)
        label = traitlets.Unicode("copy").tag(sync=True)
        copies = traitlets.Int(0).tag(sync=True)

    return CopyButton


_COPY_BUTTON: type | bool | None = False  # False: not looked up yet


def copy_button(text: str) -> widgets.Widget:
    """A copy button for `text`; without anywidget, an inline-handler button in an HTML widget."""
    global _COPY_BUTTON
    if _COPY_BUTTON is False:
        _COPY_BUTTON = _copy_button_class()
    if _COPY_BUTTON is not None:
        return _COPY_BUTTON(text=text, layout=widgets.Layout(width="auto",  # type: ignore[operator]
                                                              flex="0 0 auto"))
    handler = ("navigator.clipboard&&navigator.clipboard.writeText("
               "this.parentElement.querySelector('code').textContent)"
               ".then(()=>{this.textContent='copied'},()=>{})")
    return widgets.HTML(f'<div><button onclick="{escape(handler)}">copy</button>'
                        f'<code hidden>{escape(text)}</code></div>')


def _with_fallbacks(data: dict[str, Any] | None, html: Callable[[], str],
                    text: Callable[[], str]) -> dict[str, Any] | None:
    """Add ``text/html`` and a readable ``text/plain`` to a widget's display data.

    A front end with a widget manager shows the widget (its renderer outranks HTML); nbconvert
    without saved widget state, GitHub and other static viewers fall back to the HTML.
    """
    if not data:  # a closed widget shows nothing
        return data
    data = dict(data)
    data["text/html"] = html()
    data["text/plain"] = text()
    return data


def _short_text(report: Report) -> str:
    """The text report for consoles, cut short for huge cells (it is saved in the notebook)."""
    lines = render_text(report).splitlines()
    if len(lines) <= STATIC_MAX_TEXT_LINES:
        return "\n".join(lines)
    more = f"… {len(lines) - STATIC_MAX_TEXT_LINES} more lines: arrayprof.history() holds the report"
    return "\n".join([*lines[:STATIC_MAX_TEXT_LINES], more])


class LinesView(widgets.VBox):
    """The source with per-line bars, a page at a time (a 10^4-line cell renders one page)."""

    def __init__(self, report: Report, page_size: int = LINES_PER_PAGE) -> None:
        self.report = report
        self.page_size = page_size
        self.rows: list[SourceRow] = source_rows(report, None)[0]
        self.n_pages = max(math.ceil(len(self.rows) / page_size), 1)
        self.peak_lineno = peak_lineno(report)
        self.table = widgets.HTML()
        self.previous = widgets.Button(description="◀", layout=widgets.Layout(width="36px"),
                                       tooltip="previous page")
        self.next = widgets.Button(description="▶", layout=widgets.Layout(width="36px"),
                                   tooltip="next page")
        self.to_peak = widgets.Button(description="peak line", layout=widgets.Layout(width="auto"),
                                      tooltip="show the page with the peak line")
        self.position = widgets.Label()
        self.previous.on_click(lambda _: self.show_page(self.page - 1))
        self.next.on_click(lambda _: self.show_page(self.page + 1))
        self.to_peak.on_click(lambda _: self.go_to_line(self.peak_lineno))
        children: list[widgets.Widget] = [self.table]
        if self.n_pages > 1:
            children.append(widgets.HBox([self.previous, self.position, self.next, self.to_peak]))
        super().__init__(children)
        self.page = 0
        self.go_to_line(self.peak_lineno)  # open where the memory went

    @property
    def visible_rows(self) -> list[SourceRow]:
        start = self.page * self.page_size
        return self.rows[start:start + self.page_size]

    @property
    def visible_linenos(self) -> list[int]:
        return [r.lineno for r in self.visible_rows if not r.gap]

    def show_page(self, page: int) -> None:
        self.page = min(max(page, 0), self.n_pages - 1)
        rows = self.visible_rows
        self.table.value = _wrap(lines_table_html(self.report, rows))
        if rows:
            self.position.value = (f"lines {rows[0].lineno}–{rows[-1].lineno} of {len(self.rows)}"
                                   f" (page {self.page + 1} of {self.n_pages})")
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.n_pages - 1

    def go_to_line(self, lineno: int | None) -> None:
        page = 0
        if lineno:
            index = next((i for i, r in enumerate(self.rows) if r.lineno == lineno), 0)
            page = index // self.page_size
        self.show_page(page)


class FindingView(widgets.HBox):
    """One finding: the static report's markup (severity, message, the explanation folded in a
    native ``<details>``, the rewrite with its badge) and a copy button for the rewrite.

    Two widget models per finding (the HTML and the button), not one per part: a cell's findings
    must not flood the front end with models.
    """

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        self.copy: widgets.Widget | None = None
        self.badge = rewrite_badge(finding)[1] if finding.rewrite is not None else ""
        self.html = widgets.HTML(_wrap(finding_html(finding, copy_button=False)),
                                 layout=widgets.Layout(flex="1 1 auto", min_width="0"))
        children: list[widgets.Widget] = [self.html]
        if finding.rewrite is not None:
            self.copy = copy_button(finding.rewrite.code)
            children.append(self.copy)
        super().__init__(children, layout=widgets.Layout(
            border="1px solid var(--jp-border-color2, #d0d7de)", padding="2px 8px",
            margin="3px 0", align_items="flex-end"))
        self.add_class("arrayprof-finding")
        self.add_class(f"arrayprof-sev-{finding.severity}")

    @property
    def explanation_folded(self) -> bool:
        """The explanation is there, folded until the reader opens it."""
        return "<details><summary>why</summary>" in self.html.value


class FindingsView(widgets.VBox):
    """Findings worst first, `FINDINGS_PER_PAGE` at a time (a 'more' button adds the rest)."""

    def __init__(self, report: Report, page_size: int = FINDINGS_PER_PAGE) -> None:
        self.findings = sorted_findings(report.findings)
        self.page_size = page_size
        self.items: list[FindingView] = []
        self.more = widgets.Button(description="more findings", layout=widgets.Layout(width="auto"))
        self.more.on_click(lambda _: self.show_more())
        super().__init__([])
        if not self.findings:
            self.children = (widgets.HTML(_wrap('<p class="apr-note">No findings.</p>')),)
        else:
            self.show_more()

    def show_more(self) -> None:
        start = len(self.items)
        self.items.extend(FindingView(f) for f in self.findings[start:start + self.page_size])
        rest = len(self.findings) - len(self.items)
        self.more.description = f"{rest} more findings"
        self.children = tuple(self.items) + ((self.more,) if rest > 0 else ())


ARRAY_COLUMNS: list[tuple[str, int, Callable[[ArrayInfo], Any]]] = [
    # column, width in characters, sort key
    ("name", 14, lambda a: a.name),
    ("shape", 16, lambda a: math.prod(a.shape)),
    ("dtype", 11, lambda a: a.dtype),
    ("nbytes", 11, lambda a: a.nbytes),
    ("view of", 12, lambda a: a.base or ""),
    ("contiguity", 10, contiguity),
]


def array_row(a: ArrayInfo) -> dict[str, str]:
    """The cells the table shows for one array (what the user reads, so what tests compare)."""
    return {
        "name": a.name,
        "shape": fmt_shape(a.shape),
        "dtype": a.dtype,
        "nbytes": fmt_bytes(a.nbytes),
        "view of": a.base or ("(unnamed)" if a.is_view else ""),
        "contiguity": contiguity(a),
    }


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


class ArraysView(widgets.VBox):
    """A sortable arrays table; the selected array's memory layout is drawn beneath it.

    The table is one listbox (a native ``<select>``): the browser scrolls a thousand rows for free,
    clicking a row selects it, and the kernel sends one widget, not one per cell.
    """

    def __init__(self, report: Report, visible_rows: int = 12) -> None:
        self.report = report
        self.sort_key = "nbytes"
        self.ascending = False
        self.arrays: list[ArrayInfo] = []
        self.layout_model: LayoutModel | None = None
        self._refreshing = False
        self.headers = {
            name: widgets.Button(description=name, tooltip=f"sort by {name}",
                                 layout=widgets.Layout(width=f"calc({width}ch + 4px)",
                                                       flex="0 0 auto"))
            for name, width, _ in ARRAY_COLUMNS
        }
        for name, button in self.headers.items():
            button.on_click(lambda _, name=name: self.sort_by(name))
        self.table = widgets.Select(options=[], rows=min(max(len(report.arrays), 2), visible_rows),
                                    layout=widgets.Layout(width="calc(74ch + 40px)"))
        self.table.observe(self._on_select, names="value")
        self.drawing = widgets.HTML()
        if report.arrays:
            header = widgets.HBox(list(self.headers.values()))
            header.add_class("arrayprof-mono")
            header.add_class("arrayprof-header")
            self.table.add_class("arrayprof-mono")
            # the columns keep their widths; a narrow notebook scrolls the table in its own box
            table = widgets.VBox([header, self.table],
                                 layout=widgets.Layout(width="calc(74ch + 48px)"))
            scroll = widgets.Box([table], layout=widgets.Layout(max_width="100%"))
            scroll.add_class("arrayprof-scrollbox")
            self.drawing.add_class("arrayprof-scrollbox")
            super().__init__([scroll, self.drawing])
        else:
            super().__init__([widgets.HTML(_wrap('<p class="apr-note">No new or rebound arrays.'
                                                 "</p>"))])
        self._refresh()
        first = next((a for a in self.arrays if is_strided(a)), None)
        self.select(first.name if first else None)

    @property
    def rows(self) -> list[dict[str, str]]:
        """The table as shown, in display order."""
        return [array_row(a) for a in self.arrays]

    @property
    def selected(self) -> str | None:
        return self.table.value

    def sort_by(self, column: str, ascending: bool | None = None) -> None:
        """Sort by `column`; clicking the current column again reverses the order."""
        if ascending is None:
            ascending = (not self.ascending) if column == self.sort_key else column in (
                "name", "dtype", "view of", "contiguity")
        self.sort_key, self.ascending = column, ascending
        self._refresh()

    def select(self, name: str | None) -> None:
        self.table.value = name
        self._draw(name)

    def _refresh(self) -> None:
        key = next(k for c, _, k in ARRAY_COLUMNS if c == self.sort_key)
        self.arrays = sorted(self.report.arrays, key=key, reverse=not self.ascending)
        selected = self.table.value
        options = []
        for a in self.arrays:
            row = array_row(a)
            label = " ".join(_fit(row[c], w) for c, w, _ in ARRAY_COLUMNS)
            options.append((label, a.name))
        self._refreshing = True  # new options reset the value; keep the drawing meanwhile
        try:
            self.table.options = options
            self.table.value = selected
        finally:
            self._refreshing = False
        arrow = " ▲" if self.ascending else " ▼"
        for name, button in self.headers.items():
            button.description = name + (arrow if name == self.sort_key else "")

    def _on_select(self, change: dict[str, Any]) -> None:
        if not self._refreshing:
            self._draw(change["new"])

    def _draw(self, name: str | None) -> None:
        array = self.report.array(name) if name else None
        if array is None:
            self.layout_model = None
            self.drawing.value = _wrap('<p class="apr-note">Select an array to draw its memory '
                                       "layout.</p>")
            return
        model = self.layout_model = array_layout_model(array, layout_grid(self.report, array))
        facts = (f"{array.name} {fmt_shape(array.shape)} {array.dtype}, strides "
                 f"{fmt_shape(array.strides)}, {contiguity(array)}, span "
                 f"{fmt_bytes(model.span_bytes)}, touches {array.utilization:.0%} of it, "
                 f"{model.cache_lines} cache lines")
        self.drawing.value = _wrap(f'<p class="apr-note">{escape(facts)}</p>'
                                   + layout_svg_from_model(self.layout_model, array.name,
                                                           array.base))

    @property
    def highlighted_cells(self) -> list[int]:
        """Cells of the drawn layout that the selected array touches."""
        return self.layout_model.touched if self.layout_model else []


class Fold(widgets.VBox):
    """A secondary section: a heading button that shows or hides its body (folded by default)."""

    def __init__(self, title: str, body: widgets.Widget, *, open_: bool = False) -> None:
        self.title = title
        self.body = body
        self.button = widgets.Button(description=title, layout=widgets.Layout(width="auto"),
                                     tooltip=f"show or hide {title.lower()}")
        self.button.add_class("arrayprof-fold")
        self.button.on_click(lambda _: self.toggle())
        super().__init__([self.button])
        self.is_open = False
        if open_:
            self.toggle()
        else:
            self.button.icon = "caret-right"

    def toggle(self) -> None:
        self.is_open = not self.is_open
        self.children = (self.button, self.body) if self.is_open else (self.button,)
        self.button.icon = "caret-down" if self.is_open else "caret-right"


class ReportWidget(widgets.VBox):
    """The full interactive report for one profiled cell, most important first: the facts, the
    line to look at, the findings, the lines; the timeline (when it says more than two points),
    the arrays and the broadcasts folded."""

    def __init__(self, report: Report, *, lines_per_page: int = LINES_PER_PAGE) -> None:
        self.report = report
        self.peak_lineno = peak_lineno(report)
        title = "arrayprof" + (f" · cell [{report.execution_count}]"
                               if report.execution_count is not None else "")
        self.header = widgets.HTML(
            f"<style>{CSS}{WIDGET_CSS}</style>"
            + _wrap(f'<h4 class="apr-title">{escape(title)}</h4>{header_html(report)}'
                    f"{worst_html(report)}"))
        self.lines = LinesView(report, lines_per_page)
        self.timeline = widgets.HTML(_wrap(f'<div class="apr-scroll">{timeline_svg(report)}</div>'))
        self.findings = FindingsView(report)
        self.arrays = ArraysView(report)
        broadcasts = broadcasts_html(report)
        self.broadcasts = widgets.HTML(_wrap(broadcasts) if broadcasts else "")
        notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
        self.notes = widgets.HTML(_wrap(f'<ul class="apr-note">{notes}</ul>') if notes else "")

        def heading(text: str) -> widgets.HTML:
            return widgets.HTML(_wrap(f"<h4>{escape(text)}</h4>"))

        self.folds = {
            "timeline": Fold("Live NumPy memory", self.timeline,
                             open_=not timeline_is_minor(report)),
            "arrays": Fold(f"Arrays ({len(report.arrays)})", self.arrays),
        }
        if broadcasts:
            n = sum(1 for op in report.ops if op.broadcast)
            self.folds["broadcasts"] = Fold(f"Broadcasts ({n})", self.broadcasts)
        findings: list[widgets.Widget] = (
            [heading(f"Findings ({len(report.findings)})"), self.findings] if report.findings
            else [])
        super().__init__([
            self.header,
            *findings,
            heading("Lines"), self.lines,
            *self.folds.values(),
            *([] if report.findings else [self.findings]),
            self.notes,
        ], layout=widgets.Layout(min_width="0"))
        self.add_class("arrayprof-widget")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus the static report and the text report as fallbacks."""
        return _with_fallbacks(super()._repr_mimebundle_(**kwargs),
                               lambda: report_html(self.report, **STATIC_LIMITS),
                               lambda: _short_text(self.report))


class SummaryWidget(widgets.VBox):
    """Automatic mode's one line; clicking it opens the full `ReportWidget` (built on first open)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.text = "arrayprof · " + summary_text(report)
        self.button = widgets.Button(description=self.text, icon="chevron-right",
                                     tooltip="show the full arrayprof report",
                                     layout=widgets.Layout(width="auto", max_width="100%"))
        self.button.add_class("arrayprof-summary-button")
        self.severity = summary_severity(report)
        if self.severity in ("warning", "error"):  # a finding colours the collapsed line
            self.button.add_class(f"arrayprof-sum-{self.severity}")
        self.button.on_click(lambda _: self.toggle())
        self.report_widget: ReportWidget | None = None
        # the style the button needs, in the page before any report is opened
        self.style = widgets.HTML(f"<style>{WIDGET_CSS}</style>",
                                  layout=widgets.Layout(display="none"))
        super().__init__([self.style, self.button])
        self.add_class("arrayprof-summary")

    @property
    def expanded(self) -> bool:
        return len(self.children) > 2

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        """The widget view, plus the static one-line ``<details>`` and the text line."""
        return _with_fallbacks(super()._repr_mimebundle_(**kwargs),
                               lambda: summary_html(self.report, **STATIC_LIMITS),
                               lambda: self.text)

    def toggle(self) -> None:
        if self.expanded:
            self.children = (self.style, self.button)
            self.button.icon = "chevron-right"
            return
        if self.report_widget is None:
            self.report_widget = ReportWidget(self.report)
        self.children = (self.style, self.button, self.report_widget)
        self.button.icon = "chevron-down"
