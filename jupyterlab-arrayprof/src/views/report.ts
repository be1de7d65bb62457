/**
 * The report of the history row the user picked, most important first: the figures, the
 * findings (worst first), then per-line memory (and time, when the report has per-line times).
 * Picking a row scrolls this report into view at the top of the panel.
 */
import { PEAK_ALERT_BYTES, rewriteBadge, rewriteHeading, sortFindings } from '../badge';
import { formatBytes, formatCount, formatSeconds } from '../format';
import { ArrayprofModel } from '../model';
import { IReportFinding, IReportLine } from '../protocol';
import { ModelView } from './base';
import { clear, h } from './dom';

/** Whether the lines carry per-line times (all 0: a report made without timing). */
export function hasLineTimes(lines: IReportLine[]): boolean {
  return lines.some(line => typeof line.seconds === 'number' && line.seconds > 0);
}

/** The line that took longest, when the report has per-line times. */
export function slowestLine(lines: IReportLine[]): IReportLine | null {
  let best: IReportLine | null = null;
  for (const line of lines) {
    if (typeof line.seconds === 'number' && line.seconds > 0 && (best === null || line.seconds > (best.seconds as number))) {
      best = line;
    }
  }
  return best;
}

function linesTable(lines: IReportLine[], peakLine: number | null, alert: boolean): HTMLTableElement {
  const timed = hasLineTimes(lines);
  const body = h('tbody');
  for (const line of lines) {
    const peak = line.lineno === peakLine;
    body.append(
      h(
        'tr',
        {
          class: peak ? `jp-arrayprof-peakline${alert ? ' jp-arrayprof-alert' : ''}` : '',
          'data-line': String(line.lineno)
        },
        h('td', { class: 'jp-arrayprof-lineno jp-arrayprof-num' }, String(line.lineno)),
        h('td', { class: 'jp-arrayprof-code' }, line.source),
        timed
          ? h(
              'td',
              {
                class: 'jp-arrayprof-time jp-arrayprof-num',
                title: typeof line.numpy_seconds === 'number' ? `NumPy ${formatSeconds(line.numpy_seconds)}` : ''
              },
              typeof line.seconds === 'number' ? formatSeconds(line.seconds) : ''
            )
          : null,
        h('td', { class: 'jp-arrayprof-allocated jp-arrayprof-num' }, formatBytes(line.allocated_bytes)),
        h(
          'td',
          { class: 'jp-arrayprof-peak jp-arrayprof-num', title: peak ? 'the cell peaked on this line' : '' },
          formatBytes(line.peak_bytes)
        )
      )
    );
  }
  return h(
    'table',
    { class: `jp-arrayprof-table jp-arrayprof-grid jp-arrayprof-lines${timed ? ' jp-arrayprof-timed' : ''}` },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'jp-arrayprof-lineno jp-arrayprof-num' }, '#'),
        h('th', { class: 'jp-arrayprof-code' }, 'line'),
        timed ? h('th', { class: 'jp-arrayprof-time jp-arrayprof-num', title: 'time spent on the line' }, 'time') : null,
        h('th', { class: 'jp-arrayprof-allocated jp-arrayprof-num', title: 'NumPy bytes allocated by the line' }, 'alloc.'),
        h('th', { class: 'jp-arrayprof-peak jp-arrayprof-num', title: "the cell's peak while the line ran" }, 'peak')
      )
    ),
    body
  );
}

function findingView(finding: IReportFinding): HTMLElement {
  const severity = String(finding.severity ?? 'info');
  const where = typeof finding.lineno === 'number' ? `line ${finding.lineno}` : 'whole cell';
  const node = h(
    'div',
    { class: `jp-arrayprof-finding jp-arrayprof-${severity}` },
    h(
      'div',
      { class: 'jp-arrayprof-finding-head' },
      h('span', { class: `jp-arrayprof-sev jp-arrayprof-sev-${severity}` }, severity),
      h('span', { class: 'jp-arrayprof-finding-where' }, where),
      h('span', { class: 'jp-arrayprof-finding-category' }, String(finding.category ?? ''))
    ),
    h('div', { class: 'jp-arrayprof-finding-message' }, String(finding.message ?? ''))
  );
  if (finding.explanation) {
    node.append(
      h(
        'details',
        { class: 'jp-arrayprof-finding-explanation' },
        h('summary', {}, 'why'),
        h('div', {}, String(finding.explanation))
      )
    );
  }
  const badge = rewriteBadge(finding);
  if (badge !== null && finding.rewrite) {
    const attributes: Record<string, string> = { class: `jp-arrayprof-badge jp-arrayprof-badge-${badge.tone}` };
    if (badge.tooltip) {
      attributes.title = badge.tooltip;
    }
    node.append(
      h(
        'div',
        { class: 'jp-arrayprof-rewrite-head' },
        `${rewriteHeading(finding)} `,
        h('span', attributes, `${badge.check ? '✓ ' : ''}${badge.text}`)
      ),
      h('pre', { class: 'jp-arrayprof-rewrite' }, finding.rewrite.code)
    );
  }
  return node;
}

function fact(label: string, value: string, detail = '', cls = ''): HTMLElement {
  return h(
    'div',
    { class: `jp-arrayprof-fact${cls ? ` ${cls}` : ''}` },
    h('span', { class: 'jp-arrayprof-fact-label' }, label),
    h('b', {}, value),
    detail ? h('span', { class: 'jp-arrayprof-fact-detail' }, detail) : null
  );
}

export class ReportView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-report');
  }

  protected render(): void {
    clear(this.node);
    const m = this.model;
    const cell = m.selectedCell;
    if (cell === null) {
      this.hide();
      this._shownIndex = null;
      return;
    }
    this.show();
    const label = cell.execution_count === null ? `#${cell.index}` : `[${cell.execution_count}]`;
    this.node.append(h('h3', { class: 'jp-arrayprof-heading' }, `Report of cell ${label}`));
    const message = m.report;
    if (message === null) {
      this.node.append(h('div', { class: 'jp-arrayprof-loading' }, 'Loading…'));
      return;
    }
    if (this._shownIndex !== cell.index) {
      // a new pick, its report arrived: the report (not the rest of the panel) is what the user
      // asked to see, so it comes to the top of the panel
      this._shownIndex = cell.index;
      requestAnimationFrame(() => this.node.scrollIntoView({ block: 'start' }));
    }
    const s = message.summary;
    const report = message.report;
    const peakLine = typeof report.numpy?.peak_lineno === 'number' ? report.numpy.peak_lineno : null;
    const alert = s.peak_bytes >= PEAK_ALERT_BYTES;
    const lines = Array.isArray(report.lines) ? report.lines : [];
    const slow = slowestLine(lines);
    this.node.append(
      h(
        'div',
        { class: 'jp-arrayprof-facts jp-arrayprof-cards' },
        fact('peak', formatBytes(s.peak_bytes), peakLine !== null && s.peak_bytes ? `line ${peakLine}` : '', alert ? 'jp-arrayprof-alert' : ''),
        fact('allocated', formatBytes(s.allocated_bytes), `${formatCount(s.allocations)} buffer${s.allocations === 1 ? '' : 's'}`),
        fact('temporaries', formatCount(s.temporaries), formatBytes(s.temporary_bytes)),
        fact('time', formatSeconds(s.wall_s), slow !== null ? `slowest: line ${slow.lineno}` : '')
      )
    );
    if (s.error) {
      this.node.append(h('div', { class: 'jp-arrayprof-error' }, `The cell raised ${s.error}.`));
    }
    const findings = Array.isArray(report.findings) ? sortFindings(report.findings) : [];
    if (findings.length) {
      this.node.append(h('h4', { class: 'jp-arrayprof-subheading' }, `Findings (${findings.length})`));
      for (const finding of findings) {
        this.node.append(findingView(finding));
      }
    }
    if (lines.length) {
      this.node.append(h('h4', { class: 'jp-arrayprof-subheading' }, 'Lines'), linesTable(lines, peakLine, alert));
    }
    if (message.trimmed.length) {
      this.node.append(h('div', { class: 'jp-arrayprof-note' }, `(large report: ${message.trimmed.join(', ')} left out)`));
    }
  }

  private _shownIndex: number | null = null;
}
