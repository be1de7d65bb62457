/** The live arrays: a sortable, filterable table; clicking a row selects the array. */
import { formatBytes, formatShape } from '../format';
import { ArrayprofModel, contiguityOf, SortKey } from '../model';
import { ModelView } from './base';
import { clear, h } from './dom';

const COLUMNS: { key: SortKey | null; title: string }[] = [
  { key: 'name', title: 'name' },
  { key: 'shape', title: 'shape' },
  { key: null, title: 'strides' },
  { key: 'dtype', title: 'dtype' },
  { key: 'nbytes', title: 'bytes' },
  { key: 'base', title: 'view of' },
  { key: 'contiguity', title: 'layout' }
];

export class ArraysView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-arrays');
    this._filter = h('input', {
      type: 'search',
      class: 'jp-arrayprof-filter',
      placeholder: 'Filter by name or dtype'
    });
    this._filter.addEventListener('input', () => this.model.setFilter(this._filter.value));
    this._head = h('tr');
    this._body = h('tbody');
    this.node.append(
      h('h3', { class: 'jp-arrayprof-heading' }, 'Arrays'),
      this._filter,
      h(
        'div',
        { class: 'jp-arrayprof-scroll' },
        h('table', { class: 'jp-arrayprof-table' }, h('thead', {}, this._head), this._body)
      )
    );
  }

  protected render(): void {
    const m = this.model;
    this.showIf(this.hasKernelData);
    clear(this._head);
    for (const column of COLUMNS) {
      const key = column.key;
      if (key === null) {
        this._head.append(h('th', {}, column.title));
        continue;
      }
      const arrow = m.sortKey === key ? (m.sortAscending ? ' ▲' : ' ▼') : '';
      const th = h('th', { 'data-sort': key, title: `Sort by ${column.title}` }, column.title + arrow);
      th.addEventListener('click', () => this.model.setSort(key));
      this._head.append(th);
    }
    clear(this._body);
    const shown = m.visibleArrays();
    for (const info of shown) {
      const row = h(
        'tr',
        {
          class: info.name === m.selectedArray ? 'jp-arrayprof-selected' : '',
          'data-array': info.name,
          title: `${info.nbytes} bytes`
        },
        h('td', { class: 'jp-arrayprof-name' }, info.name),
        h('td', { class: 'jp-arrayprof-shape' }, formatShape(info.shape)),
        h('td', { class: 'jp-arrayprof-strides' }, formatShape(info.strides)),
        h('td', {}, info.dtype),
        h('td', { class: 'jp-arrayprof-num' }, formatBytes(info.nbytes)),
        h('td', { class: 'jp-arrayprof-base' }, info.base ?? (info.is_view ? '(unnamed)' : '')),
        h('td', { class: 'jp-arrayprof-contiguity' }, contiguityOf(info))
      );
      row.addEventListener('click', () =>
        this.model.selectArray(info.name === this.model.selectedArray ? null : info.name)
      );
      this._body.append(row);
    }
    if (shown.length === 0 && m.state === 'ready') {
      this._body.append(
        h('tr', {}, h('td', { colspan: '7', class: 'jp-arrayprof-empty' }, m.arrays.length ? 'No array matches the filter.' : 'No NumPy arrays in the namespace yet.'))
      );
    }
  }

  private _filter: HTMLInputElement;
  private _head: HTMLTableRowElement;
  private _body: HTMLTableSectionElement;
}
