"""The report as self-contained HTML: a fragment for ``_repr_html_`` and a full page for exports.

Self-contained means no network and nothing external: inline CSS, inline SVG, and one small inline
script that only adds comforts (copy buttons, sortable arrays table).  Without the script (GitHub,
sanitised outputs) everything is still there and readable: numbers sit next to every bar, the
explanations are native ``<details>``, and the rewrite code is plain selectable text.
"""

from __future__ import annotations

import math
from html import escape

from arrayprof.render.common import (
    BarScale,
    SourceRow,
    contiguity,
    fmt_bytes,
    fmt_shape,
    header_facts,
    is_strided,
    peak_lineno,
    rewrite_badge,
    sorted_findings,
    source_rows,
    summary_text,
)
from arrayprof.render.drawing import (
    ALLOC_COLOR,
    PEAK_COLOR,
    TEMP_COLOR,
    broadcast_svg,
    layout_grid,
    layout_svg,
    timeline_svg,
)
from arrayprof.report import ArrayInfo, Finding, Report

MAX_LINES = 1000  # static HTML lists at most this many source rows (the widget pages instead)
MAX_ARRAYS = 500
MAX_LAYOUTS = 12
MAX_BROADCASTS = 12

CSS = f"""
.arrayprof {{
  --apr-fg: var(--jp-content-font-color1, #1f2328);
  --apr-muted: var(--jp-content-font-color2, #57606a);
  --apr-bg2: var(--jp-layout-color2, #f6f8fa);
  --apr-border: var(--jp-border-color2, #d0d7de);
  --apr-code: var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  color: var(--apr-fg); font: 13px/1.45 var(--jp-ui-font-family, system-ui, sans-serif);
  max-width: 1100px;
}}
.arrayprof h4 {{ margin: 14px 0 6px; font-size: 13px; }}
.arrayprof .apr-facts {{ display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }}
.arrayprof .apr-fact {{ background: var(--apr-bg2); border: 1px solid var(--apr-border);
  border-radius: 6px; padding: 4px 10px; min-width: 92px; }}
.arrayprof .apr-fact b {{ display: block; font-size: 15px; }}
.arrayprof .apr-fact span {{ color: var(--apr-muted); font-size: 11px; }}
.arrayprof .apr-fact.apr-peak b {{ color: {PEAK_COLOR}; }}
.arrayprof .apr-error {{ border-left: 4px solid {PEAK_COLOR}; padding: 4px 8px;
  background: var(--apr-bg2); margin: 6px 0; }}
.arrayprof table {{ border-collapse: collapse; width: 100%; }}
.arrayprof th {{ text-align: left; font-weight: 600; color: var(--apr-muted); font-size: 11px;
  border-bottom: 1px solid var(--apr-border); padding: 2px 6px; white-space: nowrap; }}
.arrayprof td {{ padding: 1px 6px; vertical-align: middle; }}
.arrayprof .apr-lines td.apr-no {{ color: var(--apr-muted); text-align: right; width: 3em;
  font-family: var(--apr-code); }}
.arrayprof table.apr-lines {{ table-layout: fixed; }}
.arrayprof .apr-lines th.apr-h-no {{ width: 3em; }}
.arrayprof .apr-lines th.apr-h-bar {{ width: 92px; }}
.arrayprof .apr-lines th.apr-h-mark {{ width: 96px; }}
.arrayprof .apr-lines td.apr-src {{ font-family: var(--apr-code); white-space: pre-wrap;
  overflow-wrap: anywhere; }}
.arrayprof .apr-lines tr.apr-peakrow td:not(.apr-bar) {{ background: rgba(228, 87, 86, .10); }}
.arrayprof .apr-lines tr.apr-errrow td.apr-src {{ text-decoration: wavy underline {PEAK_COLOR}; }}
.arrayprof .apr-lines tr.apr-gap td {{ color: var(--apr-muted); font-style: italic; }}
.arrayprof td.apr-bar {{ font-size: 11px; white-space: nowrap; overflow: hidden;
  padding: 0 4px; background: linear-gradient(to right, var(--apr-c) var(--w, 0%),
  var(--apr-bg2) var(--w, 0%)) no-repeat; background-clip: content-box; }}
.arrayprof td.apr-alloc {{ --apr-c: {ALLOC_COLOR}88; }}
.arrayprof td.apr-temp {{ --apr-c: {TEMP_COLOR}88; }}
.arrayprof td.apr-pk {{ --apr-c: {PEAK_COLOR}88; }}
.arrayprof .apr-mark {{ color: {PEAK_COLOR}; font-weight: 600; font-size: 11px; }}
.arrayprof .apr-mark span {{ white-space: nowrap; }}
.arrayprof .apr-finding {{ border: 1px solid var(--apr-border); border-radius: 6px;
  padding: 6px 10px; margin: 6px 0; }}
.arrayprof .apr-sev {{ display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11px;
  font-weight: 600; color: #fff; margin-right: 6px; }}
.arrayprof .apr-sev-error {{ background: #cf222e; }}
.arrayprof .apr-sev-warning {{ background: #bf8700; }}
.arrayprof .apr-sev-info {{ background: #0969da; }}
.arrayprof .apr-cat {{ color: var(--apr-muted); font-size: 11px; margin-left: 6px; }}
.arrayprof details summary {{ cursor: pointer; color: var(--apr-muted); }}
.arrayprof details.apr-summary > summary {{ color: var(--apr-fg); background: var(--apr-bg2);
  border: 1px solid var(--apr-border); border-radius: 6px; padding: 3px 10px; font-size: 12px;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.arrayprof details.apr-summary[open] > summary {{ margin-bottom: 4px; }}
.arrayprof pre.apr-code {{ background: var(--apr-bg2); border: 1px solid var(--apr-border);
  border-radius: 4px; padding: 6px 8px; margin: 4px 0; font-family: var(--apr-code);
  overflow-x: auto; }}
.arrayprof .apr-badge {{ display: inline-block; border-radius: 4px; padding: 0 6px;
  font-size: 11px; }}
.arrayprof .apr-badge.verified {{ background: #dafbe1; color: #116329; border: 1px solid #4ac26b; }}
.arrayprof .apr-badge.unverified {{ background: #fff8c5; color: #7d4e00;
  border: 1px solid #d4a72c; }}
.arrayprof .apr-rewrite {{ position: relative; }}
.arrayprof button.apr-copy {{ position: absolute; right: 4px; top: 4px; font-size: 11px;
  cursor: pointer; }}
.arrayprof .apr-arrays td {{ font-family: var(--apr-code); white-space: nowrap; }}
.arrayprof .apr-arrays th[data-sort] {{ cursor: pointer; }}
.arrayprof .apr-drawings {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.arrayprof .apr-drawings > details {{ border: 1px solid var(--apr-border); border-radius: 6px;
  padding: 4px 8px; }}
.arrayprof .apr-note {{ color: var(--apr-muted); font-size: 12px; }}
.arrayprof svg text {{ fill: currentColor; }}
"""

# Comforts only; every element the script touches works (more plainly) without it.
SCRIPT = """
(function () {
  var s = document.currentScript; if (!s) return; var root = s.parentElement; if (!root) return;
  root.querySelectorAll('button.apr-copy').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () {
      var code = b.parentElement.querySelector('code');
      var text = code ? code.textContent : '';
      var select = function () {
        var r = document.createRange(); r.selectNodeContents(code);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        b.textContent = 'selected: press Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { b.textContent = 'copied'; }, select);
      } else { select(); }
    });
  });
  root.querySelectorAll('table.apr-arrays').forEach(function (table) {
    var ths = table.querySelectorAll('th[data-sort]');
    ths.forEach(function (th, col) {
      th.title = 'sort';
      th.addEventListener('click', function () {
        var body = table.tBodies[0]; var rows = Array.prototype.slice.call(body.rows);
        var up = th.getAttribute('data-dir') !== 'up';
        ths.forEach(function (o) { o.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', up ? 'up' : 'down');
        var num = th.getAttribute('data-sort') === 'num';
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
          var c = num ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y);
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""


def _bar(kind: str, value: int, scale: int, text: str) -> str:
    """A bar as one cell: its length is a background gradient, its label the cell's text.

    One element per bar instead of three keeps a 2000-line listing cheap for the browser to lay out.
    """
    if value <= 0:  # nothing to show: an empty track, no "0 B (0)" noise
        return f'<td class="apr-bar apr-{kind}"></td>'
    pct = max(100.0 * value / scale, 1.5)
    return f'<td class="apr-bar apr-{kind}" style="--w:{pct:.1f}%">{escape(text)}</td>'


def header_html(report: Report) -> str:
    """The header facts, then the error (if the cell raised)."""
    facts = []
    for fact in header_facts(report):
        cls = " apr-peak" if fact.key == "peak" else ""
        detail = f"<span> {escape(fact.detail)}</span>" if fact.detail else ""
        facts.append(f'<div class="apr-fact apr-f-{fact.key}{cls}"><span>{escape(fact.label)}'
                     f"</span><b>{escape(fact.value)}</b>{detail}</div>")
    out = [f'<div class="apr-facts">{"".join(facts)}</div>']
    if report.error is not None:
        where = f" on line {report.error.lineno}" if report.error.lineno else ""
        out.append(f'<div class="apr-error"><b>{escape(report.error.type)}</b>{where}: '
                   f"{escape(report.error.message)}</div>")
    return "".join(out)


def lines_table_html(report: Report, rows: list[SourceRow]) -> str:
    """Source lines with allocated / temporaries / peak bars aligned to each line."""
    scale = BarScale.of(report)
    peak = peak_lineno(report)
    error_line = report.error.lineno if report.error is not None else None
    finding_lines: dict[int, str] = {}
    for f in sorted_findings(report.findings):
        if f.lineno is not None:
            finding_lines.setdefault(f.lineno, f.severity)
    out = ['<table class="apr-lines"><thead><tr><th class="apr-h-no">#</th>'
           '<th class="apr-h-src">source</th><th class="apr-h-bar">allocated</th>'
           '<th class="apr-h-bar">temporaries</th><th class="apr-h-bar" title="the cell&#x27;s '
           'NumPy memory at its highest while the line ran">peak while running</th>'
           '<th class="apr-h-mark"></th></tr></thead><tbody>']
    for row in rows:
        if row.gap:
            last = row.lineno + row.gap - 1
            span = f"{row.lineno}" if row.gap == 1 else f"{row.lineno}–{last}"
            out.append(f'<tr class="apr-gap"><td class="apr-no">⋯</td><td colspan="5">'
                       f"lines {span}: nothing allocated</td></tr>")
            continue
        classes = []
        marks = []
        if row.lineno == peak:
            classes.append("apr-peakrow")
            marks.append("◀ peak")
        if row.lineno == error_line:
            classes.append("apr-errrow")
            marks.append("✖ raised")
        if row.lineno in finding_lines:
            marks.append("⚑ " + finding_lines[row.lineno])
        cls = f' class="{" ".join(classes)}"' if classes else ""
        st = row.stats
        if st is not None:
            bars = (
                _bar("alloc", st.allocated_bytes, scale.bytes_max,
                     f"{fmt_bytes(st.allocated_bytes)} ({st.allocations})")
                + _bar("temp", st.temporary_bytes, scale.bytes_max,
                       f"{fmt_bytes(st.temporary_bytes)} ({st.temporaries})")
                + _bar("pk", st.peak_bytes, scale.peak_max, fmt_bytes(st.peak_bytes))
            )
        else:
            bars = "<td></td><td></td><td></td>"
        out.append(f'<tr{cls} data-line="{row.lineno}"><td class="apr-no">{row.lineno}</td>'
                   f'<td class="apr-src">{escape(row.source) or " "}</td>{bars}'
                   f'<td class="apr-mark">{" ".join(f"<span>{escape(m)}</span>" for m in marks)}'
                   "</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def finding_html(finding: Finding, *, copy_button: bool = True) -> str:
    """One finding: severity, line, message, explanation folded, rewrite with its badge."""
    where = f"line {finding.lineno}" if finding.lineno is not None else "whole cell"
    out = [f'<div class="apr-finding apr-finding-{escape(finding.severity)}">'
           f'<span class="apr-sev apr-sev-{escape(finding.severity)}">{escape(finding.severity)}'
           f"</span><b>{escape(where)}</b>: {escape(finding.message)}"
           f'<span class="apr-cat">{escape(finding.category)}</span>']
    if finding.explanation:
        out.append(f"<details><summary>why</summary><div>{escape(finding.explanation)}</div>"
                   "</details>")
    rw = finding.rewrite
    if rw is not None:
        lines = rw.lines
        target = ""
        if lines:
            target = (f"line {lines[0]}" if len(lines) < 2 or lines[0] == lines[-1]
                      else f"lines {lines[0]}–{lines[-1]}")
        kind = "equivalent rewrite" if rw.kind == "equivalent" else "fix"
        cls, badge = rewrite_badge(finding)
        out.append(f'<div class="apr-rewrite-head">{escape(kind)}'
                   f"{' of ' + escape(target) if target else ''} "
                   f'<span class="apr-badge {cls}">{"✓ " if cls == "verified" else ""}'
                   f"{escape(badge)}</span></div>")
        button = ('<button type="button" class="apr-copy" hidden>copy</button>'
                  if copy_button else "")
        out.append(f'<div class="apr-rewrite">{button}<pre class="apr-code"><code>'
                   f"{escape(rw.code)}</code></pre></div>")
    out.append("</div>")
    return "".join(out)


def findings_html(report: Report, limit: int | None = None) -> str:
    findings = sorted_findings(report.findings)
    if not findings:
        return '<p class="apr-note">No findings.</p>'
    shown = findings if limit is None else findings[:limit]
    out = [finding_html(f) for f in shown]
    if len(shown) < len(findings):
        out.append(f'<p class="apr-note">{len(findings) - len(shown)} more findings not shown.</p>')
    return "".join(out)


ARRAY_COLUMNS = ("name", "shape", "dtype", "nbytes", "view of", "contiguity", "utilization",
                 "cache lines", "line")


def array_cells(a: ArrayInfo) -> list[tuple[str, str | float]]:
    """(display text, sort value) for each of ARRAY_COLUMNS."""
    return [
        (a.name, a.name),
        (fmt_shape(a.shape), math.prod(a.shape)),
        (a.dtype, a.dtype),
        (fmt_bytes(a.nbytes), a.nbytes),
        (a.base or ("" if not a.is_view else "(unnamed)"), a.base or ""),
        (contiguity(a), contiguity(a)),
        (f"{a.utilization:.2f}", a.utilization),
        (str(a.cache_lines), a.cache_lines),
        ("" if a.lineno is None else str(a.lineno), a.lineno or 0),
    ]


def arrays_html(report: Report, limit: int = MAX_ARRAYS, max_layouts: int = MAX_LAYOUTS) -> str:
    if not report.arrays:
        return '<p class="apr-note">No new or rebound arrays.</p>'
    arrays = sorted(report.arrays, key=lambda a: -a.nbytes)[:limit]
    numeric = {"shape", "nbytes", "utilization", "cache lines", "line"}
    head = "".join(f'<th data-sort="{"num" if c in numeric else "text"}">{escape(c)}</th>'
                   for c in ARRAY_COLUMNS)
    out = [f'<table class="apr-arrays"><thead><tr>{head}</tr></thead><tbody>']
    for a in arrays:
        cells = "".join(f'<td data-v="{escape(str(v))}">{escape(t)}</td>' for t, v in array_cells(a))
        out.append(f'<tr data-name="{escape(a.name)}">{cells}</tr>')
    out.append("</tbody></table>")
    if len(arrays) < len(report.arrays):
        out.append(f'<p class="apr-note">the {len(arrays)} largest of {len(report.arrays)} arrays '
                   "are listed.</p>")
    strided = [a for a in report.arrays if is_strided(a)][:max_layouts]
    if strided:
        out.append('<h4>Memory layout of strided arrays</h4><div class="apr-drawings">')
        for i, a in enumerate(strided):
            summary = (f"{a.name} {fmt_shape(a.shape)} {a.dtype}, strides "
                       f"{fmt_shape(a.strides)}: touches {a.utilization:.0%} of its span")
            out.append(f'<details class="apr-layout-box" data-name="{escape(a.name)}"'
                       f'{" open" if i < 3 else ""}><summary>{escape(summary)}</summary>'
                       f"{layout_svg(a, grid=layout_grid(report, a))}</details>")
        out.append("</div>")
    return "".join(out)


def broadcasts_html(report: Report, limit: int = MAX_BROADCASTS) -> str:
    ops = sorted((op for op in report.ops if op.broadcast),
                 key=lambda op: -(op.expansion or 0))[:limit]
    if not ops:
        return ""
    drawings = "".join(f'<div class="apr-broadcast-box">{broadcast_svg(op)}</div>' for op in ops)
    return f'<h4>Broadcasts</h4><div class="apr-drawings">{drawings}</div>'


def report_body_html(report: Report, *, max_lines: int | None = MAX_LINES,
                     max_arrays: int = MAX_ARRAYS, max_layouts: int = MAX_LAYOUTS) -> str:
    """Every section of the report, without the style and script (callers add them once)."""
    rows, note = source_rows(report, max_lines)
    out = [
        header_html(report),
        "<h4>Lines</h4>",
        lines_table_html(report, rows),
        f'<p class="apr-note">{escape(note)}</p>' if note else "",
        "<h4>Live NumPy memory</h4>",
        timeline_svg(report),
        f"<h4>Findings ({len(report.findings)})</h4>",
        findings_html(report),
        "<h4>Arrays</h4>",
        arrays_html(report, max_arrays, max_layouts),
        broadcasts_html(report),
    ]
    if report.notes:
        items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
        out.append(f'<h4>Notes</h4><ul class="apr-note">{items}</ul>')
    return "".join(out)


def report_html(report: Report, *, max_lines: int | None = MAX_LINES,
                max_arrays: int = MAX_ARRAYS, max_layouts: int = MAX_LAYOUTS,
                include_style: bool = True, include_script: bool = True) -> str:
    """A self-contained fragment for ``_repr_html_``: style, body and the optional comforts."""
    style = f"<style>{CSS}</style>" if include_style else ""
    script = f"<script>{SCRIPT}</script>" if include_script else ""
    title = "arrayprof"
    if report.execution_count is not None:
        title += f" · cell [{report.execution_count}]"
    body = report_body_html(report, max_lines=max_lines, max_arrays=max_arrays,
                            max_layouts=max_layouts)
    return (f'<div class="arrayprof">{style}<h4 class="apr-title">{escape(title)}</h4>'
            f"{body}{script}</div>")


def summary_html(report: Report, *, max_lines: int | None = MAX_LINES,
                 max_arrays: int = MAX_ARRAYS, max_layouts: int = MAX_LAYOUTS) -> str:
    """Automatic mode's one line, which opens into the full report (a native ``<details>``, so it
    opens without any script)."""
    body = report_body_html(report, max_lines=max_lines, max_arrays=max_arrays,
                            max_layouts=max_layouts)
    return (f'<div class="arrayprof"><style>{CSS}</style><details class="apr-summary"><summary>'
            f"<b>arrayprof</b> · {escape(summary_text(report))}</summary>"
            f'<div class="apr-summary-body">{body}</div></details><script>{SCRIPT}</script></div>')


def document_html(reports: list[Report], title: str = "arrayprof report") -> str:
    """A full standalone page (CLI ``--html``, CI artefacts).

    The Content-Security-Policy forbids every network fetch, so a page that renders at all renders
    without network, and nothing it contains can phone home.
    """
    sections = []
    for i, report in enumerate(reports, 1):
        label = (f"cell [{report.execution_count}]" if report.execution_count is not None
                 else f"cell {i}")
        sections.append(
            f'<section class="arrayprof"><h3>{escape(label)}</h3>'
            f"{report_body_html(report)}<script>{SCRIPT}</script></section>"
        )
    if not sections:
        sections.append('<p class="arrayprof apr-note">No profiled cells.</p>')
    csp = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "img-src data:")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}"
        "body{margin:16px 24px;background:#fff}"
        "section.arrayprof{border-top:1px solid #d0d7de;padding-top:4px;margin-bottom:24px}"
        f"</style></head><body><h2 class=\"arrayprof\">{escape(title)}</h2>"
        + "".join(sections) + "</body></html>\n"
    )
    # ASCII only (everything else as character references): the page reads the same whatever
    # encoding the file is written in.  The style and script, where references do not work, are
    # ASCII already.
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")
