/**
 * The memory-layout drawing's plan, read off the layout model the kernel sends (issue 16: one
 * geometry).  The kernel's `arrayprof/layout_model.py` decides which cells an array touches, in
 * what order and in rows of what length (the same model the widget, the HTML report and
 * `explain` draw); this module computes no geometry, it only places the model's cells in rows.
 * Pure (no DOM) so it is tested in node; views/detail.ts draws it.
 */
import { formatCount } from './format';
import { ILayout, ILayoutModel } from './protocol';

export interface ICell {
  /** Cell number in the drawn extent (the owning buffer, or the array's span). */
  cell: number;
  /** Column and row where it is drawn. */
  column: number;
  row: number;
  /** Elements touching it: 0 untouched, 1 normal, more for a broadcast or overlapping view. */
  hits: number;
  /** C-order index of the element starting there (small arrays), else null. */
  order: number | null;
}

export interface ILayoutPlan {
  cells: ICell[];
  columns: number;
  rows: number;
  /** Bytes per cell. */
  unit: number;
  /** Cells of the whole extent, of which `cells` is a window when it has more than 256. */
  totalCells: number;
  /** Drawn cells some element touches. */
  touched: number;
  inBuffer: boolean;
  /** The model the plan was read from. */
  model: ILayoutModel;
}

/** The cells to draw, from the kernel's model; null when an older kernel sent no model. */
export function planLayout(layout: ILayout): ILayoutPlan | null {
  const model = layout.model;
  if (!model) {
    return null;
  }
  const columns = Math.max(1, model.row_cells);
  const cells = model.hits.map((hits, i) => ({
    cell: model.first_cell + i,
    column: i % columns,
    row: Math.floor(i / columns),
    hits,
    order: model.order[i] ?? null
  }));
  return {
    cells,
    columns,
    rows: Math.max(1, Math.ceil(cells.length / columns)),
    unit: model.unit,
    totalCells: model.total_cells,
    touched: model.touched_cells,
    inBuffer: model.in_buffer,
    model
  };
}

/** A cell's label: how many elements share it (×N, ∞ from 100), else its visiting order. */
export function cellLabel(cell: ICell): string {
  if (cell.hits > 1) {
    return cell.hits < 100 ? `×${cell.hits}` : '×∞';
  }
  return cell.hits && cell.order !== null ? String(cell.order) : '';
}

/** A cell's tooltip: where it is, and which element starts there. */
export function cellTitle(cell: ICell, plan: ILayoutPlan): string {
  const first = cell.cell * plan.unit;
  const where =
    plan.inBuffer && plan.unit === plan.model.itemsize
      ? `buffer element ${cell.cell} (byte ${first})`
      : `${plan.inBuffer ? 'buffer' : 'span'} cell ${cell.cell} (bytes ${first}–${first + plan.unit - 1})`;
  if (cell.hits > 1) {
    return `${where}: touched by ${cell.hits} elements`;
  }
  if (cell.order !== null && cell.hits) {
    return `${where}: element ${cell.order} of the array`;
  }
  return where + (cell.hits ? ': touched' : '');
}

/** What the drawing shows, in words (the kernel's model, as the HTML report's caption says it). */
export function layoutCaption(name: string, layout: ILayout, base: string | null = null): string {
  const plan = planLayout(layout);
  if (plan === null) {
    return "Memory layout: this kernel's arrayprof sends no layout drawing (a newer arrayprof does).";
  }
  const m = plan.model;
  const cells = `${formatCount(m.total_cells)} cells of ${m.unit} B`;
  let text = m.in_buffer
    ? `Memory layout: ${name} in ${base ? `${base}'s buffer` : 'its buffer'}: ${cells}, ${formatCount(m.touched_cells)} touched`
    : `Memory layout: ${name}'s span, lowest to highest byte: ${cells}` + (base ? ` (a part of ${base}'s buffer)` : '');
  if (m.n_cells < m.total_cells) {
    text += `; cells ${m.first_cell}–${m.first_cell + m.n_cells - 1} drawn`;
  }
  if (m.order.some(o => o !== null)) {
    text += '; numbered in the order it visits them';
  }
  return text + '.';
}
