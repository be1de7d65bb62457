/** Cell history: one row per profiled cell; clicking a row shows its report and the cell. */
import { formatBytes } from '../format';
import { ArrayprofModel } from '../model';
import { ModelView } from './base';
import { clear, h } from './dom';

export class HistoryView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-history');
    this._body = h('tbody');
    this.node.append(
      h('h3', { class: 'jp-arrayprof-heading' }, 'Cell history'),
      h('div', { class: 'jp-arrayprof-scroll' },
      h(
        'table',
        { class: 'jp-arrayprof-table' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, '#'), h('th', {}, 'peak'), h('th', {}, 'allocated'), h('th', {}, 'temps'), h('th', {}, 'findings'))
        ),
        this._body
      )
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
      const findings = cell.findings ? `${cell.findings} (${cell.categories.join(', ')})` : '';
      const row = h(
        'tr',
        {
          class: selected ? 'jp-arrayprof-selected' : '',
          'data-cell': String(cell.index),
          title: cell.source_head
        },
        h('td', {}, cell.execution_count === null ? '–' : `[${cell.execution_count}]`),
        h('td', { class: 'jp-arrayprof-num' }, formatBytes(cell.peak_bytes)),
        h('td', { class: 'jp-arrayprof-num' }, formatBytes(cell.allocated_bytes)),
        h('td', { class: 'jp-arrayprof-num' }, String(cell.temporaries)),
        h('td', { class: cell.error ? 'jp-arrayprof-findings jp-arrayprof-error-cell' : 'jp-arrayprof-findings' }, cell.error ? `${cell.error} ${findings}` : findings)
      );
      row.addEventListener('click', () => this.model.selectCell(cell));
      this._body.append(row);
    }
    if (m.history.length === 0 && m.state === 'ready') {
      this._body.append(
        h('tr', {}, h('td', { colspan: '5', class: 'jp-arrayprof-empty' }, m.auto.enabled ? 'Run a cell: each profiled cell adds a row.' : 'Turn on automatic mode to record every cell.'))
      );
    }
  }

  private _body: HTMLTableSectionElement;
}
