/** The report of the history row the user picked: per-line memory and the findings. */
import { formatBytes } from '../format';
import { ArrayprofModel } from '../model';
import { ModelView } from './base';
import { clear, h } from './dom';

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
    this.node.append(
      h(
        'div',
        { class: 'jp-arrayprof-facts' },
        `peak ${formatBytes(s.peak_bytes)} · allocated ${formatBytes(s.allocated_bytes)} in ` +
          `${s.allocations} buffers · ${s.temporaries} temporaries (${formatBytes(s.temporary_bytes)})` +
          (s.wall_s !== null ? ` · ${s.wall_s.toFixed(3)} s` : '')
      )
    );
    const lines = message.report.lines ?? [];
    if (lines.length) {
      const body = h('tbody');
      for (const line of lines) {
        body.append(
          h(
            'tr',
            {},
            h('td', {}, String(line.lineno)),
            h('td', { class: 'jp-arrayprof-code' }, line.source),
            h('td', { class: 'jp-arrayprof-num' }, formatBytes(line.allocated_bytes)),
            h('td', { class: 'jp-arrayprof-num' }, formatBytes(line.peak_bytes))
          )
        );
      }
      this.node.append(
        h('div', { class: 'jp-arrayprof-scroll' }, h(
          'table',
          { class: 'jp-arrayprof-table' },
          h('thead', {}, h('tr', {}, h('th', {}, 'line'), h('th', {}, 'source'), h('th', {}, 'allocated'), h('th', {}, 'peak'))),
          body
        ))
      );
    }
    for (const finding of message.report.findings ?? []) {
      this.node.append(
        h(
          'div',
          { class: `jp-arrayprof-finding jp-arrayprof-${finding.severity}` },
          h('strong', {}, `${finding.category}${finding.lineno ? ` (line ${finding.lineno})` : ''}: `),
          finding.message,
          h('div', { class: 'jp-arrayprof-finding-explanation' }, finding.explanation)
        )
      );
    }
    if (message.trimmed.length) {
      this.node.append(h('div', { class: 'jp-arrayprof-note' }, `(large report: ${message.trimmed.join(', ')} left out)`));
    }
  }
}
