/** The selected array: its explanation and a drawing of where its elements sit in memory. */
import { formatBytes, formatCount, formatShape } from '../format';
import { cellLabel, cellTitle, layoutCaption, planLayout } from '../layout';
import { ArrayprofModel } from '../model';
import { ILayout } from '../protocol';
import { ModelView } from './base';
import { clear, h } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const BOX = 26;
const GAP = 2;

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, String(value));
  }
  return element;
}

/**
 * The kernel's layout model as boxes: one per cell of the drawn extent, in the model's rows; the
 * cells the array touches filled and numbered in the order it visits them (or marked ×N where a
 * broadcast or overlapping view touches them N times).  Null when an older kernel sent no model.
 */
export function drawLayout(layout: ILayout): SVGElement | null {
  const plan = planLayout(layout);
  if (plan === null) {
    return null;
  }
  const width = plan.columns * (BOX + GAP);
  const height = plan.rows * (BOX + GAP);
  // more than 8 columns would shrink the boxes below legible numbers in a narrow sidebar:
  // the class lets style/base.css hide them there (the boxes and their tooltips stay)
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: `jp-arrayprof-layout-svg${plan.columns > 8 ? ' jp-arrayprof-many-columns' : ''}`,
    style: `max-width: ${width}px`,
    role: 'img',
    'aria-label': `memory layout: ${plan.touched} of ${plan.cells.length} cells drawn are used`
  });
  for (const cell of plan.cells) {
    const x = cell.column * (BOX + GAP);
    const y = cell.row * (BOX + GAP);
    const rect = svg('rect', {
      x,
      y,
      width: BOX,
      height: BOX,
      rx: 2,
      'data-cell': cell.cell,
      class: cell.hits ? 'jp-arrayprof-slot jp-arrayprof-slot-used' : 'jp-arrayprof-slot'
    });
    const title = svg('title', {});
    title.textContent = cellTitle(cell, plan);
    rect.append(title);
    root.append(rect);
    const text = cellLabel(cell);
    if (text) {
      const label = svg('text', { x: x + BOX / 2, y: y + BOX / 2 + 4, 'text-anchor': 'middle', class: 'jp-arrayprof-slot-label' });
      label.textContent = text;
      root.append(label);
    }
  }
  return root;
}

/**
 * The explanation as paragraphs; its indented lines (the little text drawings of the buffer) stay
 * in a monospace block.
 */
export function explanationNode(text: string): HTMLElement {
  const node = h('div', { class: 'jp-arrayprof-explanation' });
  let block: string[] = [];
  const flush = (): void => {
    if (block.length) {
      node.append(h('pre', { class: 'jp-arrayprof-ascii' }, block.join('\n')));
      block = [];
    }
  };
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && line.trim()) {
      block.push(line);
      continue;
    }
    flush();
    if (line.trim()) {
      node.append(h('p', {}, line));
    }
  }
  flush();
  return node;
}

export class DetailView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-detail');
  }

  protected render(): void {
    clear(this.node);
    const m = this.model;
    if (m.selectedArray === null) {
      this.hide();
      return;
    }
    this.show();
    this.node.append(h('h3', { class: 'jp-arrayprof-heading' }, `Array ${m.selectedArray}`));
    const detail = m.arrayDetail;
    if (detail === null) {
      this.node.append(h('div', { class: 'jp-arrayprof-loading' }, m.busy ? 'Waiting for the kernel…' : 'Loading…'));
      return;
    }
    const info = detail.info;
    const layout = detail.layout;
    const drawing = drawLayout(layout);
    const row = (term: string, value: string, cls = ''): HTMLElement[] => [
      h('dt', {}, term),
      h('dd', cls ? { class: cls } : {}, value)
    ];
    const order = info.c_contiguous ? (info.f_contiguous ? 'C and F' : 'C') : info.f_contiguous ? 'F' : 'strided';
    this.node.append(
      h(
        'dl',
        { class: 'jp-arrayprof-facts jp-arrayprof-dl' },
        ...row('shape', formatShape(info.shape), 'jp-arrayprof-mono'),
        ...row('dtype', info.dtype, 'jp-arrayprof-mono'),
        ...row('size', `${formatBytes(info.nbytes)}`),
        ...row('strides', `${formatShape(info.strides)} bytes`, 'jp-arrayprof-mono'),
        ...row('order', order),
        ...(info.is_view
          ? row('view of', `${info.base ?? 'an unnamed buffer'} (keeps ${formatBytes(info.base_nbytes)} alive)`)
          : []),
        ...(typeof info.cache_lines === 'number' ? row('cache lines', formatCount(info.cache_lines)) : [])
      ),
      h('div', { class: 'jp-arrayprof-layout-caption' }, layoutCaption(m.selectedArray, layout, info.base)),
      ...(drawing ? [h('div', { class: 'jp-arrayprof-layout' }, drawing as unknown as Node)] : []),
      explanationNode(detail.explanation)
    );
  }
}
