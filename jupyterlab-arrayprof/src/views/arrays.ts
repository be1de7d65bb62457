/**
 * The live arrays: a sortable, filterable table; clicking a row selects the array.
 *
 * The table is a CSS grid (style/base.css): in a sidebar of the default width each array takes
 * two lines (name, shape, dtype, bytes; then strides, layout, view of under them), in a wide one
 * a single line.  Long values are cut with an ellipsis and shown whole in the cell's tooltip, so
 * the table never scrolls sideways.
 */
import { formatBytes, formatShape } from '../format';
import { ArrayprofModel, contiguityOf, SortKey } from '../model';
import { IArrayInfo } from '../protocol';
import { ModelView } from './base';
import { clear, h } from './dom';

interface IColumn {
  /** The cell's class (its place in the grid comes from it). */
  cls: string;
  title: string;
  /** What the header's tooltip says. */
  help: string;
  key: SortKey | null;
  text: (info: IArrayInfo) => string;
}

/** In DOM order; the grid places them (two lines when narrow). */
export const ARRAY_COLUMNS: IColumn[] = [
  { cls: 'jp-arrayprof-name', title: 'name', help: 'Sort by name', key: 'name', text: a => a.name },
  {
    cls: 'jp-arrayprof-shape',
    title: 'shape',
    help: 'Sort by number of elements',
    key: 'shape',
    text: a => formatShape(a.shape)
  },
  {
    cls: 'jp-arrayprof-strides',
    title: 'strides',
    help: 'Bytes to step along each axis',
    key: null,
    text: a => formatShape(a.strides)
  },
  { cls: 'jp-arrayprof-dtype', title: 'dtype', help: 'Sort by dtype', key: 'dtype', text: a => a.dtype },
  {
    cls: 'jp-arrayprof-bytes',
    title: 'bytes',
    help: 'Sort by size (nbytes)',
    key: 'nbytes',
    text: a => formatBytes(a.nbytes)
  },
  {
    cls: 'jp-arrayprof-base',
    title: 'view of',
    help: 'Sort by the array it is a view of',
    key: 'base',
    text: a => a.base ?? (a.is_view ? '(unnamed)' : '')
  },
  {
    cls: 'jp-arrayprof-contiguity',
    title: 'layout',
    help: 'Sort by memory order: C, F (Fortran), C+F or strided',
    key: 'contiguity',
    text: a => contiguityOf(a)
  }
];

export class ArraysView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-arrays');
    this._filter = h('input', {
      type: 'search',
      class: 'jp-arrayprof-filter',
      placeholder: 'Filter by name or dtype',
      'aria-label': 'Filter arrays by name or dtype'
    });
    this._filter.addEventListener('input', () => this.model.setFilter(this._filter.value));
    this._head = h('tr');
    this._body = h('tbody');
    this.node.append(
      h('h3', { class: 'jp-arrayprof-heading' }, 'Arrays'),
      this._filter,
      h('table', { class: 'jp-arrayprof-table jp-arrayprof-grid' }, h('thead', {}, this._head), this._body)
    );
  }

  protected render(): void {
    const m = this.model;
    this.showIf(this.hasKernelData);
    clear(this._head);
    for (const column of ARRAY_COLUMNS) {
      const key = column.key;
      if (key === null) {
        this._head.append(h('th', { class: column.cls, title: column.help }, column.title));
        continue;
      }
      const sorted = m.sortKey === key;
      const arrow = sorted ? (m.sortAscending ? ' ▲' : ' ▼') : '';
      const th = h(
        'th',
        {
          class: column.cls,
          'data-sort': key,
          title: column.help,
          'aria-sort': sorted ? (m.sortAscending ? 'ascending' : 'descending') : 'none'
        },
        column.title + arrow
      );
      th.addEventListener('click', () => this.model.setSort(key));
      this._head.append(th);
    }
    clear(this._body);
    const shown = m.visibleArrays();
    for (const info of shown) {
      const cells = ARRAY_COLUMNS.map(column => {
        const text = column.text(info);
        const strided = column.key === 'contiguity' && text === 'strided';
        return h(
          'td',
          {
            class: strided ? `${column.cls} jp-arrayprof-strided` : column.cls,
            title: text ? `${column.title}: ${text}` : ''
          },
          text
        );
      });
      const row = h(
        'tr',
        {
          class: info.name === m.selectedArray ? 'jp-arrayprof-selected' : '',
          'data-array': info.name,
          'aria-selected': info.name === m.selectedArray ? 'true' : 'false'
        },
        ...cells
      );
      row.addEventListener('click', () =>
        this.model.selectArray(info.name === this.model.selectedArray ? null : info.name)
      );
      this._body.append(row);
    }
    if (shown.length === 0 && m.state === 'ready') {
      this._body.append(
        h(
          'tr',
          {},
          h(
            'td',
            { colspan: String(ARRAY_COLUMNS.length), class: 'jp-arrayprof-empty' },
            m.arrays.length ? 'No array matches the filter.' : 'No NumPy arrays in the namespace yet.'
          )
        )
      );
    }
  }

  private _filter: HTMLInputElement;
  private _head: HTMLTableRowElement;
  private _body: HTMLTableSectionElement;
}
