"""The report as self-contained HTML: a fragment for ``_repr_html_`` and a full page for exports.

Self-contained means no network and nothing external: inline CSS, inline SVG, and one small inline
script that only adds comforts (copy buttons, sortable arrays table).  Without the script (GitHub,
sanitised outputs) everything is still there and readable: numbers sit next to every bar, the
explanations are native ``<details>``, and the rewrite code is plain selectable text.
"""

from __future__ import annotations

import math
from html import escape

from arrayprof.layout_model import layout_grid
from arrayprof.render.common import (
    BarScale,
    SourceRow,
    contiguity,
    fmt_bytes,
    fmt_seconds,
    fmt_shape,
    has_line_times,
    header_facts,
    is_strided,
    line_numpy_seconds,
    line_seconds,
    peak_lineno,
    peak_matters,
    rewrite_heading,
    rewrite_info,
    slowest_line,
    sorted_findings,
    source_line,
    source_rows,
    summary_severity,
    summary_text,
    top_finding,
    worst_lineno,
)
from arrayprof.render.drawing import (
    ALLOC_COLOR,
    BROADCAST_LEGEND,
    LAYOUT_LEGEND,
    PEAK_COLOR,
    TEMP_COLOR,
    TIME_COLOR,
    TIMELINE_MIN_WIDTH,
    broadcast_svg,
    layout_svg,
    timeline_svg,
)
from arrayprof.report import ArrayInfo, Finding, Report

MAX_LINES = 1000  # static HTML lists at most this many source rows (the widget pages instead)
MAX_ARRAYS = 500
MAX_LAYOUTS = 12
MAX_BROADCASTS = 12

# Colours come from JupyterLab's theme variables where it has them (so the dark theme is dark),
# with light fallbacks for static viewers; a few of our own have a dark set chosen for WCAG AA
# contrast: under JupyterLab's dark theme, VS Code's dark themes and, in the standalone page,
# the reader's `prefers-color-scheme: dark` (DARK_VARS).
LIGHT_VARS = """
  --apr-fg: var(--jp-content-font-color1, #1f2328);
  --apr-bg: var(--jp-layout-color0, #ffffff);
  --apr-bg2: var(--jp-layout-color2, #f6f8fa);
  --apr-border: var(--jp-border-color2, #d0d7de);
  --apr-muted: color-mix(in srgb, var(--apr-fg) 72%, var(--apr-bg));
  --apr-peak-text: #b42318; --apr-temp-text: #9a4a00; --apr-warn-text: #7d4e00;
  --apr-info-text: #0550ae;
  --apr-peak-tint: rgba(228, 87, 86, .12); --apr-warn-tint: rgba(191, 135, 0, .16);
  --apr-error-tint: rgba(207, 34, 46, .12);
  --apr-good-bg: #dafbe1; --apr-good-fg: #116329; --apr-good-border: #4ac26b;
  --apr-trade-bg: #fff8c5; --apr-trade-fg: #6b4300; --apr-trade-border: #d4a72c;
  --apr-sev-error: #cf222e; --apr-sev-warning: #8a5c00; --apr-sev-info: #0969da;
  --apr-miss: #d0d7de;
"""
DARK_VARS = """
  --apr-fg: var(--jp-content-font-color1, #e6edf3);
  --apr-bg: var(--jp-layout-color0, #0d1117);
  --apr-bg2: var(--jp-layout-color1, #161b22);
  --apr-border: var(--jp-border-color1, #30363d);
  --apr-peak-text: #ff8b85; --apr-temp-text: #ffa657; --apr-warn-text: #e3b341;
  --apr-info-text: #79c0ff;
  --apr-peak-tint: rgba(248, 81, 73, .16); --apr-warn-tint: rgba(210, 153, 34, .20);
  --apr-error-tint: rgba(248, 81, 73, .18);
  --apr-good-bg: rgba(46, 160, 67, .18); --apr-good-fg: #56d364; --apr-good-border: #2ea043;
  --apr-trade-bg: rgba(187, 128, 9, .18); --apr-trade-fg: #e3b341; --apr-trade-border: #9e6a03;
  --apr-sev-error: #b62324; --apr-sev-warning: #7d5100; --apr-sev-info: #1f6feb;
  --apr-miss: #484f58;
"""
DARK_SELECTORS = ('body[data-jp-theme-light="false"] .arrayprof, body.vscode-dark .arrayprof, '
                  'body.vscode-high-contrast .arrayprof, .arrayprof.apr-dark')

CSS = f"""
.arrayprof {{ {LIGHT_VARS}
  --apr-code: var(--jp-code-font-family, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  color: var(--apr-fg); font: 13px/1.45 var(--jp-ui-font-family, system-ui, sans-serif);
  max-width: 1100px; min-width: 0; container-type: inline-size;
}}
{DARK_SELECTORS} {{ {DARK_VARS} }}
.arrayprof h4 {{ margin: 14px 0 6px; font-size: 13px; }}
.arrayprof .apr-facts {{ display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }}
.arrayprof .apr-fact {{ background: var(--apr-bg2); border: 1px solid var(--apr-border);
  border-radius: 6px; padding: 4px 10px; min-width: 92px; }}
.arrayprof .apr-fact b {{ display: block; font-size: 15px; }}
.arrayprof .apr-fact span {{ color: var(--apr-muted); font-size: 11px; }}
.arrayprof .apr-fact.apr-alert {{ border-color: var(--apr-peak-text); }}
.arrayprof .apr-fact.apr-alert b {{ color: var(--apr-peak-text); }}
.arrayprof .apr-fact.apr-f-findings.apr-sev-warning-card,
.arrayprof .apr-fact.apr-f-findings.apr-sev-error-card {{ border-color: var(--apr-warn-text);
  background: var(--apr-warn-tint); }}
.arrayprof .apr-error {{ border-left: 4px solid var(--apr-peak-text); padding: 4px 8px;
  background: var(--apr-error-tint); margin: 6px 0; overflow-wrap: anywhere; }}
.arrayprof .apr-worst {{ margin: 2px 0 8px; overflow-wrap: anywhere; }}
.arrayprof .apr-scroll {{ overflow-x: auto; max-width: 100%; }}
.arrayprof table {{ border-collapse: collapse; width: 100%; }}
.arrayprof th {{ text-align: left; font-weight: 600; color: var(--apr-muted); font-size: 11px;
  border-bottom: 1px solid var(--apr-border); padding: 2px 6px; white-space: nowrap; }}
.arrayprof td {{ padding: 1px 6px; vertical-align: middle; }}
.arrayprof .apr-lines td.apr-no {{ color: var(--apr-muted); text-align: right;
  font-family: var(--apr-code); }}
/* the source keeps 30 characters or more; below that the table scrolls sideways in its box */
.arrayprof table.apr-lines {{ table-layout: fixed; min-width: calc(3em + 33ch + 5 * 80px); }}
.arrayprof table.apr-lines.apr-timed {{ min-width: calc(3em + 33ch + 6 * 80px); }}
.arrayprof .apr-lines th.apr-h-no {{ width: 3em; }}
.arrayprof .apr-lines th.apr-h-src {{ min-width: 30ch; }}
.arrayprof .apr-lines th.apr-h-bar {{ width: 92px; }}
.arrayprof .apr-lines th.apr-h-mark {{ width: 104px; }}
@container (max-width: 700px) {{
  .arrayprof .apr-lines th.apr-h-bar {{ width: 80px; }}
  .arrayprof .apr-lines th.apr-h-mark {{ width: 80px; }}
}}
.arrayprof .apr-lines .apr-short {{ display: none; }}
/* a narrow report: each line on its own row at full width, its bars (and marks) under it */
@container (max-width: 560px) {{
  .arrayprof table.apr-lines, .arrayprof table.apr-lines.apr-timed {{ display: block;
    min-width: 0; }}
  .arrayprof .apr-lines thead, .arrayprof .apr-lines tbody {{ display: block; }}
  .arrayprof .apr-lines tr {{ display: grid; column-gap: 3px;
    grid-template-columns: 2em repeat(3, minmax(0, 1fr)); }}
  .arrayprof .apr-lines.apr-timed tr {{ grid-template-columns: 2em repeat(4, minmax(0, 1fr)); }}
  .arrayprof .apr-lines th, .arrayprof .apr-lines td {{ display: block; width: auto !important;
    min-width: 0; padding: 1px 3px; }}
  .arrayprof .apr-lines .apr-no, .arrayprof .apr-lines .apr-h-no {{ grid-column: 1; }}
  .arrayprof .apr-lines .apr-src, .arrayprof .apr-lines .apr-h-src,
  .arrayprof .apr-lines tr.apr-gap td + td {{ grid-column: 2 / -1; }}
  .arrayprof .apr-lines tr:not(.apr-gap) > :nth-child(n+3):not(.apr-mark):not(.apr-h-mark) {{
    grid-row: 2; }}
  .arrayprof .apr-lines tr:not(.apr-gap) > :nth-child(3):not(.apr-mark):not(.apr-h-mark) {{
    grid-column: 2; }}
  .arrayprof .apr-lines tr:not(.apr-gap) > :nth-child(4):not(.apr-mark):not(.apr-h-mark) {{
    grid-column: 3; }}
  .arrayprof .apr-lines tr:not(.apr-gap) > :nth-child(5):not(.apr-mark):not(.apr-h-mark) {{
    grid-column: 4; }}
  .arrayprof .apr-lines tr:not(.apr-gap) > :nth-child(6):not(.apr-mark):not(.apr-h-mark) {{
    grid-column: 5; }}
  .arrayprof .apr-lines tr > td.apr-mark {{ grid-row: 3; grid-column: 2 / -1; }}
  .arrayprof .apr-lines .apr-mark:empty, .arrayprof .apr-lines .apr-h-mark {{ display: none; }}
  .arrayprof .apr-lines .apr-long {{ display: none; }}
  .arrayprof .apr-lines .apr-short {{ display: inline; }}
}}
.arrayprof .apr-lines td.apr-src {{ font-family: var(--apr-code); white-space: pre-wrap;
  overflow-wrap: anywhere; }}
.arrayprof .apr-lines tr.apr-peakrow.apr-alert td:not(.apr-bar) {{ background: var(--apr-peak-tint); }}
.arrayprof .apr-lines tr.apr-findrow td:not(.apr-bar) {{ background: var(--apr-warn-tint); }}
.arrayprof .apr-lines tr.apr-errrow td.apr-src {{ text-decoration: wavy underline var(--apr-peak-text); }}
.arrayprof .apr-lines tr.apr-gap td {{ color: var(--apr-muted); font-style: italic; }}
.arrayprof td.apr-bar {{ font-size: 11px; white-space: nowrap; overflow: hidden;
  padding: 0 4px; background: linear-gradient(to right, var(--apr-c) var(--w, 0%),
  var(--apr-bg2) var(--w, 0%)) no-repeat; background-clip: content-box; }}
.arrayprof td.apr-alloc {{ --apr-c: {ALLOC_COLOR}88; }}
.arrayprof td.apr-temp {{ --apr-c: {TEMP_COLOR}88; }}
.arrayprof td.apr-pk {{ --apr-c: {PEAK_COLOR}77; }}
.arrayprof td.apr-time {{ --apr-c: {TIME_COLOR}88; }}
.arrayprof .apr-mark {{ font-weight: 600; font-size: 11px; color: var(--apr-muted); }}
.arrayprof .apr-mark span {{ white-space: nowrap; display: inline-block; }}
.arrayprof .apr-mark .apr-m-peak.apr-alert, .arrayprof .apr-mark .apr-m-raised {{
  color: var(--apr-peak-text); }}
.arrayprof .apr-mark .apr-m-error, .arrayprof .apr-mark .apr-m-warning {{
  color: var(--apr-warn-text); }}
.arrayprof .apr-mark .apr-m-info {{ color: var(--apr-info-text); font-weight: 400; }}
.arrayprof .apr-finding {{ border: 1px solid var(--apr-border); border-left-width: 4px;
  border-radius: 6px; padding: 6px 10px; margin: 6px 0; overflow-wrap: anywhere; }}
.arrayprof .apr-finding-error {{ border-left-color: var(--apr-sev-error); }}
.arrayprof .apr-finding-warning {{ border-left-color: var(--apr-sev-warning);
  background: var(--apr-warn-tint); }}
.arrayprof .apr-finding-info {{ border-left-color: var(--apr-sev-info); }}
.arrayprof .apr-sev {{ display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11px;
  font-weight: 600; color: #fff; margin-right: 6px; }}
.arrayprof .apr-sev-error {{ background: var(--apr-sev-error); }}
.arrayprof .apr-sev-warning {{ background: var(--apr-sev-warning); }}
.arrayprof .apr-sev-info {{ background: var(--apr-sev-info); }}
.arrayprof .apr-cat {{ color: var(--apr-muted); font-size: 11px; margin-left: 6px; }}
.arrayprof details summary {{ cursor: pointer; color: var(--apr-muted); }}
.arrayprof details.apr-section > summary {{ color: var(--apr-fg); font-weight: 600;
  margin: 12px 0 6px; }}
.arrayprof details.apr-summary > summary {{ color: var(--apr-fg); background: var(--apr-bg2);
  border: 1px solid var(--apr-border); border-radius: 6px; padding: 3px 10px; font-size: 12px;
  overflow-wrap: anywhere; }}
.arrayprof details.apr-summary.apr-sum-warning > summary,
.arrayprof details.apr-summary.apr-sum-error > summary {{ background: var(--apr-warn-tint);
  border-color: var(--apr-warn-text); border-left-width: 4px; }}
.arrayprof details.apr-summary.apr-sum-error > summary {{ border-color: var(--apr-peak-text);
  background: var(--apr-error-tint); }}
.arrayprof details.apr-summary[open] > summary {{ margin-bottom: 4px; }}
.arrayprof pre.apr-code {{ background: var(--apr-bg2); border: 1px solid var(--apr-border);
  border-radius: 4px; padding: 6px 8px; margin: 4px 0; font-family: var(--apr-code);
  overflow-x: auto; color: var(--apr-fg); }}
.arrayprof .apr-badge {{ display: inline-block; border-radius: 4px; padding: 0 6px;
  font-size: 11px; border: 1px solid var(--apr-border); }}
.arrayprof .apr-badge.good {{ background: var(--apr-good-bg); color: var(--apr-good-fg);
  border-color: var(--apr-good-border); }}
.arrayprof .apr-badge.tradeoff {{ background: var(--apr-trade-bg); color: var(--apr-trade-fg);
  border-color: var(--apr-trade-border); }}
.arrayprof .apr-badge.unverified {{ background: var(--apr-bg2); color: var(--apr-fg); }}
.arrayprof .apr-badge[title] {{ cursor: help; }}
.arrayprof .apr-rewrite {{ position: relative; }}
.arrayprof button.apr-copy {{ position: absolute; right: 4px; top: 4px; font-size: 11px;
  cursor: pointer; }}
.arrayprof .apr-arrays td {{ font-family: var(--apr-code); white-space: nowrap; }}
.arrayprof .apr-arrays th[data-sort] {{ cursor: pointer; }}
.arrayprof .apr-drawings {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.arrayprof .apr-drawings > details, .arrayprof .apr-drawings > div {{ border: 1px solid var(--apr-border);
  border-radius: 6px; padding: 4px 8px; max-width: 100%; box-sizing: border-box;
  overflow-x: auto; }}
.arrayprof .apr-note {{ color: var(--apr-muted); font-size: 12px; overflow-wrap: anywhere; }}
/* drawings keep their text at 10 px or more: they scroll sideways in their box instead of
   shrinking (the timeline may shrink to 10/11 of its width) */
.arrayprof svg {{ max-width: none !important; }}
.arrayprof svg.apr-timeline {{ width: 100%; min-width: {TIMELINE_MIN_WIDTH}px;
  max-width: 760px !important; height: auto; }}
.arrayprof svg text {{ fill: currentColor; }}
.arrayprof svg .apr-miss {{ fill: var(--apr-miss); }}
.arrayprof svg text.apr-peak-label {{ fill: var(--apr-peak-text); }}
.arrayprof svg text.apr-stride-label {{ fill: var(--apr-temp-text); }}
.arrayprof svg text.apr-order {{ fill: #fff; }}
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


def _bar(kind: str, value: float, scale: float, text: str, title: str = "") -> str:
    """A bar as one cell: its length is a background gradient, its label the cell's text.

    One element per bar instead of three keeps a 2000-line listing cheap for the browser to lay out.
    """
    if value <= 0:  # nothing to show: an empty track, no "0 B (0)" noise
        return f'<td class="apr-bar apr-{kind}"></td>'
    pct = max(100.0 * value / max(scale, 1e-12), 1.5)
    tip = f' title="{escape(title)}"' if title else ""
    return f'<td class="apr-bar apr-{kind}" style="--w:{pct:.1f}%"{tip}>{escape(text)}</td>'


def header_html(report: Report) -> str:
    """The header facts, then the error (if the cell raised) and the line to look at first."""
    facts = []
    severity = summary_severity(report)
    for fact in header_facts(report):
        cls = ""
        if fact.key == "peak":
            cls = " apr-peak apr-alert" if peak_matters(report) else " apr-peak"
        elif fact.key == "findings" and severity in ("warning", "error"):
            cls = f" apr-sev-{severity}-card"
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
    """Source lines with allocated / temporaries / peak (and time, when the report has per-line
    times) bars aligned to each line.  The table sits in its own sideways-scrolling box: the
    source column never gets narrower than 30 characters."""
    scale = BarScale.of(report)
    timed = has_line_times(report)
    peak = peak_lineno(report) if report.numpy.peak_bytes > 0 else None
    alert = peak_matters(report)
    error_line = report.error.lineno if report.error is not None else None
    finding_lines: dict[int, str] = {}
    for f in sorted_findings(report.findings):
        if f.lineno is not None:
            finding_lines.setdefault(f.lineno, f.severity)
    def head(long: str, short: str, title: str, extra: str = "") -> str:
        # the short label replaces the long one in a narrow report (CSS container query)
        label = (f'<span class="apr-long">{long}</span><span class="apr-short">{short}</span>'
                 if short != long else long)
        return f'<th class="apr-h-bar{extra}" title="{title}">{label}</th>'

    time_head = (head("time", "time", "time spent on the line (NumPy&#x27;s part in the tooltip)",
                      " apr-h-time") if timed else "")
    out = [f'<div class="apr-scroll"><table class="apr-lines{" apr-timed" if timed else ""}">'
           '<thead><tr><th class="apr-h-no">#</th><th class="apr-h-src">source</th>' + time_head
           + head("allocated", "alloc.", "NumPy bytes the line allocated (allocations)")
           + head("temporaries", "temps", "temporaries: arrays made and freed within the cell")
           + head("peak", "peak", "the cell&#x27;s NumPy memory at its highest while the line ran")
           + '<th class="apr-h-mark"></th></tr></thead><tbody>']
    columns = 6 if timed else 5
    for row in rows:
        if row.gap:
            last = row.lineno + row.gap - 1
            span = f"{row.lineno}" if row.gap == 1 else f"{row.lineno}–{last}"
            out.append(f'<tr class="apr-gap"><td class="apr-no">⋯</td><td colspan="{columns}">'
                       f"lines {span}: nothing allocated</td></tr>")
            continue
        classes = []
        marks = []
        if row.lineno in finding_lines:
            sev = finding_lines[row.lineno]
            if sev != "info":
                classes.append("apr-findrow")
            marks.append(f'<span class="apr-m-{sev}">{"⚠" if sev != "info" else "•"} '
                         f"{escape(sev)}</span>")
        if row.lineno == error_line:
            classes.append("apr-errrow")
            marks.append('<span class="apr-m-raised">✖ raised</span>')
        if row.lineno == peak:
            classes.append("apr-peakrow" + (" apr-alert" if alert else ""))
            marks.append(f'<span class="apr-m-peak{" apr-alert" if alert else ""}">◀ peak</span>')
        cls = f' class="{" ".join(classes)}"' if classes else ""
        st = row.stats
        if st is not None:
            seconds = line_seconds(st)
            time_bar = ""
            if timed:
                numpy_s = line_numpy_seconds(st)
                time_bar = _bar("time", seconds or 0.0, scale.seconds_max,
                                fmt_seconds(seconds) if seconds else "",
                                f"NumPy {fmt_seconds(numpy_s)}" if numpy_s is not None else "")
            bars = (
                time_bar
                + _bar("alloc", st.allocated_bytes, scale.bytes_max,
                       f"{fmt_bytes(st.allocated_bytes)} ({st.allocations})")
                + _bar("temp", st.temporary_bytes, scale.bytes_max,
                       f"{fmt_bytes(st.temporary_bytes)} ({st.temporaries})")
                + _bar("pk", st.peak_bytes, scale.peak_max, fmt_bytes(st.peak_bytes))
            )
        else:
            bars = "<td></td>" * (columns - 2)
        out.append(f'<tr{cls} data-line="{row.lineno}"><td class="apr-no">{row.lineno}</td>'
                   f'<td class="apr-src">{escape(row.source) or " "}</td>{bars}'
                   f'<td class="apr-mark">{" ".join(marks)}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out)


def badge_html(finding: Finding) -> str:
    """The rewrite's badge: its gain first, a cost in amber, the tolerances in a tooltip."""
    badge = rewrite_info(finding)
    if badge is None:
        return ""
    title = f' title="{escape(badge.tooltip)}"' if badge.tooltip else ""
    return (f'<span class="apr-badge {badge.tone}"{title}>{"✓ " if badge.check else ""}'
            f"{escape(badge.text)}</span>")


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
        kind = rewrite_heading(finding)
        out.append(f'<div class="apr-rewrite-head">{escape(kind)}'
                   f"{' of ' + escape(target) if target else ''} {badge_html(finding)}</div>")
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


def section_html(title: str, body: str, *, open_: bool, key: str) -> str:
    """A secondary section as a native ``<details>``: folded unless `open_`, no script needed."""
    return (f'<details class="apr-section apr-sec-{key}"{" open" if open_ else ""}>'
            f"<summary>{escape(title)}</summary>{body}</details>")


def timeline_is_minor(report: Report) -> bool:
    """Two points or fewer say nothing a header fact does not: fold the drawing."""
    return len(report.timeline) <= 2


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
    out = [f'<div class="apr-scroll"><table class="apr-arrays"><thead><tr>{head}</tr></thead>'
           "<tbody>"]
    for a in arrays:
        cells = "".join(f'<td data-v="{escape(str(v))}">{escape(t)}</td>' for t, v in array_cells(a))
        out.append(f'<tr data-name="{escape(a.name)}">{cells}</tr>')
    out.append("</tbody></table></div>")
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
                       f"{layout_svg(a, grid=layout_grid(report, a), legend=False)}</details>")
        out.append(f'</div><p class="apr-note apr-legend">{escape(LAYOUT_LEGEND)}</p>')
    return "".join(out)


def broadcasts_html(report: Report, limit: int = MAX_BROADCASTS) -> str:
    """The broadcast drawings (one legend for all), without a heading: callers fold them."""
    ops = sorted((op for op in report.ops if op.broadcast),
                 key=lambda op: -(op.expansion or 0))[:limit]
    if not ops:
        return ""
    drawings = "".join(f'<div class="apr-broadcast-box">{broadcast_svg(op)}</div>' for op in ops)
    return (f'<div class="apr-drawings">{drawings}</div>'
            f'<p class="apr-note apr-legend">{escape(BROADCAST_LEGEND)}</p>')


def worst_html(report: Report) -> str:
    """One sentence naming the line to look at first and why (nothing when there is none)."""
    lineno = worst_lineno(report)
    parts = []
    top = top_finding(report)
    if lineno is not None:
        code = source_line(report, lineno).strip()
        if len(code) > 60:
            code = code[:59] + "…"
        why = ""
        if top is not None and top.lineno == lineno:
            why = f" ({top.severity}: {top.message})"
        elif report.error is not None and report.error.lineno == lineno:
            why = f" (raised {report.error.type})"
        elif lineno == peak_lineno(report) and peak_matters(report):
            why = f" (peak {fmt_bytes(report.numpy.peak_bytes)})"
        parts.append(f"Look first at line {lineno}: <code>{escape(code)}</code>{escape(why)}")
    slow = slowest_line(report)
    if slow is not None and slow[0] != lineno:
        parts.append(f"slowest: line {slow[0]} ({escape(fmt_seconds(slow[1]))})")
    if not parts:
        return ""
    return f'<p class="apr-worst">{" · ".join(parts)}</p>'


def report_body_html(report: Report, *, max_lines: int | None = MAX_LINES,
                     max_arrays: int = MAX_ARRAYS, max_layouts: int = MAX_LAYOUTS) -> str:
    """Every section of the report, most important first, without the style and script
    (callers add them once): the facts, the line to look at, the findings, the lines; then the
    secondary sections folded (the timeline when it has two points or fewer, the arrays, the
    broadcasts)."""
    rows, note = source_rows(report, max_lines)
    out = [
        header_html(report),
        worst_html(report),
    ]
    if report.findings:
        out += [f"<h4>Findings ({len(report.findings)})</h4>", findings_html(report)]
    out += [
        "<h4>Lines</h4>",
        lines_table_html(report, rows),
        f'<p class="apr-note">{escape(note)}</p>' if note else "",
        section_html("Live NumPy memory", f'<div class="apr-scroll">{timeline_svg(report)}</div>',
                     open_=not timeline_is_minor(report), key="timeline"),
        section_html(f"Arrays ({len(report.arrays)})", arrays_html(report, max_arrays, max_layouts),
                     open_=False, key="arrays"),
    ]
    broadcasts = broadcasts_html(report)
    if broadcasts:
        n = sum(1 for op in report.ops if op.broadcast)
        out.append(section_html(f"Broadcasts ({n})", broadcasts, open_=False, key="broadcasts"))
    if not report.findings:
        out.append('<p class="apr-note">No findings.</p>')
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
    opens without any script); a warning or an error colours the line."""
    body = report_body_html(report, max_lines=max_lines, max_arrays=max_arrays,
                            max_layouts=max_layouts)
    severity = summary_severity(report)
    cls = f" apr-sum-{severity}" if severity else ""
    return (f'<div class="arrayprof"><style>{CSS}</style><details class="apr-summary{cls}">'
            f"<summary><b>arrayprof</b> · {escape(summary_text(report))}</summary>"
            f'<div class="apr-summary-body">{body}</div></details><script>{SCRIPT}</script></div>')


PAGE_CSS = f"""
:root {{ color-scheme: light dark; }}
body {{ margin: 16px 24px; background: #ffffff; color: #1f2328; }}
section.arrayprof {{ border-top: 1px solid var(--apr-border); padding-top: 4px;
  margin-bottom: 24px; }}
.arrayprof.apr-index td, .arrayprof.apr-index th {{ padding: 2px 8px; vertical-align: top; }}
.arrayprof.apr-index td.apr-num {{ text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }}
.arrayprof.apr-index td:first-child {{ white-space: nowrap; }}
.arrayprof a {{ color: var(--apr-info-text); }}
@media (prefers-color-scheme: dark) {{
  body {{ background: #0d1117; color: #e6edf3; }}
  .arrayprof {{ {DARK_VARS} }}
}}
"""


def index_html(reports: list[Report], anchors: list[str]) -> str:
    """The notebook summary at the top of a page: one row per cell (time, peak, findings, the
    line to look at first), each linking to its report."""
    rows = []
    for i, (report, anchor) in enumerate(zip(reports, anchors, strict=True), 1):
        label = (f"[{report.execution_count}]" if report.execution_count is not None else f"#{i}")
        top = top_finding(report)
        findings = ""
        if report.error is not None:
            findings = f'<span class="apr-m-raised">✖ {escape(report.error.type)}</span> '
        if top is not None:
            n = len(report.findings)
            findings += (f'<span class="apr-sev apr-sev-{escape(top.severity)}">{n}</span>'
                         f"{escape(top.message)}")
        peak_cls = ' class="apr-num apr-mark"' if peak_matters(report) else ' class="apr-num"'
        peak = fmt_bytes(report.numpy.peak_bytes)
        peak_line = peak_lineno(report)
        if peak_line and report.numpy.peak_bytes:
            peak += f" (line {peak_line})"
        first = source_line(report, 1).strip() if report.source else ""
        if len(first) > 48:
            first = first[:47] + "…"
        rows.append(f'<tr><td><a href="#{anchor}">{escape(label)}</a></td>'
                    f'<td><code>{escape(first)}</code></td>'
                    f'<td class="apr-num">{escape(fmt_seconds(report.wall_s))}</td>'
                    f"<td{peak_cls}><span class=\"{'apr-m-peak apr-alert' if peak_matters(report) else ''}\">"
                    f"{escape(peak)}</span></td><td>{findings}</td></tr>")
    return ('<div class="arrayprof apr-index"><h3>Cells</h3><div class="apr-scroll">'
            '<table class="apr-index-table"><thead><tr><th>cell</th><th>source</th><th>time</th>'
            "<th>peak</th><th>findings</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div></div>")


def document_html(reports: list[Report], title: str = "arrayprof report") -> str:
    """A full standalone page (CLI ``--html``, CI artefacts): a summary table of the cells, then
    every cell's report; light or dark as the reader's system prefers.

    The Content-Security-Policy forbids every network fetch, so a page that renders at all renders
    without network, and nothing it contains can phone home.
    """
    sections = []
    anchors = []
    for i, report in enumerate(reports, 1):
        label = (f"cell [{report.execution_count}]" if report.execution_count is not None
                 else f"cell {i}")
        anchor = f"cell-{i}"
        anchors.append(anchor)
        sections.append(
            f'<section class="arrayprof" id="{anchor}"><h3>{escape(label)}</h3>'
            f"{report_body_html(report)}<script>{SCRIPT}</script></section>"
        )
    if not sections:
        sections.append('<p class="arrayprof apr-note">No profiled cells.</p>')
    index = index_html(reports, anchors) if reports else ""
    csp = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "img-src data:")
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)}</title><style>{CSS}{PAGE_CSS}"
        f"</style></head><body><h2 class=\"arrayprof\">{escape(title)}</h2>"
        + index + "".join(sections) + "</body></html>\n"
    )
    # ASCII only (everything else as character references): the page reads the same whatever
    # encoding the file is written in.  The style and script, where references do not work, are
    # ASCII already.
    return page.encode("ascii", "xmlcharrefreplace").decode("ascii")
