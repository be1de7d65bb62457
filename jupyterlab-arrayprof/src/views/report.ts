/** The report of the history row the user picked: per-line memory and the findings. */
import { formatBytes, formatSeconds, plural } from '../format';
import { ArrayprofModel } from '../model';
import { IReportFinding, IReportLine } from '../protocol';
import { ModelView } from './base';
import { clear, h } from './dom';

function linesTable(lines: IReportLine[], peakLine: number | null): HTMLTableElement {
  const body = h('tbody');
  for (const line of lines) {
    const peak = line.lineno === peakLine;
    body.append(
      h(
        'tr',
        { class: peak ? 'jp-arrayprof-peakline' : '', 'data-line': String(line.lineno) },
        h('td', { class: 'jp-arrayprof-lineno jp-arrayprof-num' }, String(line.lineno)),
        h('td', { class: 'jp-arrayprof-code', title: line.source }, line.source),
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
    { class: 'jp-arrayprof-table jp-arrayprof-grid jp-arrayprof-lines' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'jp-arrayprof-lineno jp-arrayprof-num' }, '#'),
        h('th', { class: 'jp-arrayprof-code' }, 'line'),
        h('th', { class: 'jp-arrayprof-allocated jp-arrayprof-num', title: 'NumPy bytes allocated by the line' }, 'allocated'),
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
  const rewrite = finding.rewrite;
  if (rewrite && typeof rewrite.code === 'string') {
    let badge = 'not verified';
    if (rewrite.verified) {
      badge = 'verified';
      if (typeof rewrite.speedup === 'number' && rewrite.speedup > 0) {
        const factor = rewrite.speedup >= 1 ? rewrite.speedup : 1 / rewrite.speedup;
        const text = factor >= 100 ? Math.round(factor).toLocaleString('en-US') : String(Number(factor.toPrecision(3)));
        badge += ` · ${text}× ${rewrite.speedup >= 1 ? 'faster' : 'slower'}`;
      }
    }
    node.append(
      h(
        'div',
        { class: 'jp-arrayprof-rewrite-head' },
        rewrite.kind === 'fix' ? 'fix ' : 'rewrite ',
        h(
          'span',
          {
            class: `jp-arrayprof-badge ${rewrite.verified ? 'jp-arrayprof-verified' : 'jp-arrayprof-unverified'}`,
            title: rewrite.check ?? ''
          },
          badge
        )
      ),
      h('pre', { class: 'jp-arrayprof-rewrite' }, rewrite.code)
    );
  }
  return node;
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
    const s = message.summary;
    const report = message.report;
    const peakLine = typeof report.numpy?.peak_lineno === 'number' ? report.numpy.peak_lineno : null;
    this.node.append(
      h(
        'div',
        { class: 'jp-arrayprof-facts' },
        `peak ${formatBytes(s.peak_bytes)}${peakLine !== null ? ` on line ${peakLine}` : ''} · ` +
          `allocated ${formatBytes(s.allocated_bytes)} in ${plural(s.allocations, 'buffer')} · ` +
          `${s.temporaries} ${s.temporaries === 1 ? 'temporary' : 'temporaries'} ` +
          `(${formatBytes(s.temporary_bytes)}) · ${formatSeconds(s.wall_s)}`
      )
    );
    if (s.error) {
      this.node.append(h('div', { class: 'jp-arrayprof-error' }, `The cell raised ${s.error}.`));
    }
    const lines = Array.isArray(report.lines) ? report.lines : [];
    if (lines.length) {
      this.node.append(linesTable(lines, peakLine));
    }
    const findings = Array.isArray(report.findings) ? report.findings : [];
    if (findings.length) {
      this.node.append(h('h4', { class: 'jp-arrayprof-subheading' }, `Findings (${findings.length})`));
      for (const finding of findings) {
        this.node.append(findingView(finding));
      }
    }
    if (message.trimmed.length) {
      this.node.append(h('div', { class: 'jp-arrayprof-note' }, `(large report: ${message.trimmed.join(', ')} left out)`));
    }
  }
}
