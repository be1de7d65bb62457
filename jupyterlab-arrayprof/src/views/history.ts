/**
 * Cell history: one row per profiled cell, newest first; clicking a row shows its report and the
 * cell.  Each row is a grid (style/base.css): the figures on the first line, the cell's first
 * source line under them, then its error and finding categories when it has any.
 */
import { PEAK_ALERT_BYTES } from '../badge';
import { formatBytes, formatCount, formatFindings, formatSeconds } from '../format';
import { ArrayprofModel } from '../model';
import { ICellSummary } from '../protocol';
import { ModelView } from './base';
import { clear, h } from './dom';

/** The worst severity among a cell's findings ('' when it has none). */
export function worstSeverity(cell: ICellSummary): string {
  for (const severity of ['error', 'warning', 'info']) {
    if ((cell.severities ?? {})[severity]) {
      return severity;
    }
  }
  return '';
}

export class HistoryView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-history');
    this._body = h('tbody');
    const th = (cls: string, text: string, title: string) => h('th', { class: cls, title }, text);
    this.node.append(
      h('h3', { class: 'jp-arrayprof-heading' }, 'Cell history'),
      h(
        'table',
        { class: 'jp-arrayprof-table jp-arrayprof-grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            th('jp-arrayprof-count', '#', 'Execution count'),
            th('jp-arrayprof-time jp-arrayprof-num', 'time', 'Wall time of the cell'),
            th('jp-arrayprof-peak jp-arrayprof-num', 'peak', 'Highest NumPy memory growth during the cell'),
            th('jp-arrayprof-allocated jp-arrayprof-num', 'alloc.', 'NumPy bytes allocated during the cell'),
            th('jp-arrayprof-temps jp-arrayprof-num', 'temps', 'Temporary arrays (allocated and freed within the cell)'),
            th('jp-arrayprof-nfindings jp-arrayprof-num', '⚑', 'Findings of the advisor')
          )
        ),
        this._body
      )
    );
  }

  protected render(): void {
    const m = this.model;
    this.showIf(this.hasKernelData);
    clear(this._body);
    // newest first
    for (const cell of m.history.slice().reverse()) {
      const selected = m.selectedCell !== null && m.selectedCell.index === cell.index;
      const severity = worstSeverity(cell);
      const categories = cell.categories.join(', ');
      const row = h(
        'tr',
        {
          class: selected ? 'jp-arrayprof-selected' : '',
          'data-cell': String(cell.index),
          'aria-selected': selected ? 'true' : 'false',
          title: `${cell.source_head}\nClick: show this cell and its report`
        },
        h('td', { class: 'jp-arrayprof-count' }, cell.execution_count === null ? '–' : `[${cell.execution_count}]`),
        h('td', { class: 'jp-arrayprof-time jp-arrayprof-num' }, formatSeconds(cell.wall_s)),
        h(
          'td',
          { class: `jp-arrayprof-peak jp-arrayprof-num${cell.peak_bytes >= PEAK_ALERT_BYTES ? ' jp-arrayprof-alert' : ''}` },
          formatBytes(cell.peak_bytes)
        ),
        h('td', { class: 'jp-arrayprof-allocated jp-arrayprof-num' }, formatBytes(cell.allocated_bytes)),
        h('td', { class: 'jp-arrayprof-temps jp-arrayprof-num' }, formatCount(cell.temporaries)),
        h(
          'td',
          {
            class: `jp-arrayprof-nfindings jp-arrayprof-num${severity ? ` jp-arrayprof-sev-${severity}` : ''}`,
            title: cell.findings === null ? 'Findings not computed yet: click the row' : categories
          },
          formatFindings(cell.findings)
        ),
        h('td', { class: 'jp-arrayprof-head' }, cell.source_head),
        h(
          'td',
          { class: 'jp-arrayprof-findings' },
          cell.error ? h('span', { class: 'jp-arrayprof-error-cell' }, `${cell.error} `) : null,
          categories
        )
      );
      row.addEventListener('click', () => this.model.selectCell(cell));
      this._body.append(row);
    }
    if (m.history.length === 0 && m.state === 'ready') {
      this._body.append(
        h(
          'tr',
          {},
          h(
            'td',
            { colspan: '6', class: 'jp-arrayprof-empty' },
            m.auto.enabled ? 'Run a cell: each profiled cell adds a row.' : 'Turn on automatic mode to record every cell.'
          )
        )
      );
    }
  }

  private _body: HTMLTableSectionElement;
}
