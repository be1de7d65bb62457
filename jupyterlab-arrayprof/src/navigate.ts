/** Scroll a notebook or console to the cell with a given execution count. */
import { Widget } from '@lumino/widgets';

interface ICellLike {
  node: HTMLElement;
  model: { type: string; executionCount?: number | null };
}

interface INotebookLike {
  widgets: readonly ICellLike[];
  activeCellIndex: number;
  scrollToItem?: (index: number, behavior?: string) => Promise<void>;
}

/** The cells of a notebook panel (`content.widgets`) or of a console panel (`console.cells`). */
function cellsOf(widget: Widget): { cells: readonly ICellLike[]; notebook: INotebookLike | null } {
  const anyWidget = widget as unknown as {
    content?: INotebookLike;
    console?: { cells?: Iterable<ICellLike> };
  };
  if (anyWidget.content && Array.isArray(anyWidget.content.widgets)) {
    return { cells: anyWidget.content.widgets, notebook: anyWidget.content };
  }
  if (anyWidget.console?.cells) {
    return { cells: Array.from(anyWidget.console.cells), notebook: null };
  }
  return { cells: [], notebook: null };
}

/**
 * Scroll to (and in a notebook, select) the last cell run with `executionCount`: its top at the
 * top of the notebook (centring a tall cell showed the middle of its output).
 */
export function revealCell(widget: Widget, executionCount: number): boolean {
  const { cells, notebook } = cellsOf(widget);
  for (let i = cells.length - 1; i >= 0; i--) {
    const cell = cells[i];
    if (cell.model.type === 'code' && cell.model.executionCount === executionCount) {
      if (notebook !== null) {
        notebook.activeCellIndex = i;
        if (notebook.scrollToItem) {
          void notebook.scrollToItem(i, 'start');
        } else {
          cell.node.scrollIntoView({ block: 'start' });
        }
      } else {
        cell.node.scrollIntoView({ block: 'start' });
      }
      cell.node.classList.add('jp-arrayprof-flash');
      window.setTimeout(() => cell.node.classList.remove('jp-arrayprof-flash'), 1200);
      return true;
    }
  }
  return false;
}
