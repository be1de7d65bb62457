/** The selected array: its explanation and a drawing of where its elements sit in memory. */
import { formatBytes, formatCount, formatShape } from '../format';
import { planLayout } from '../layout';
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

/** One box per element of the owning buffer; the array's elements filled, numbered in C order. */
export function drawLayout(layout: ILayout): SVGElement {
  const plan = planLayout(layout);
  if (plan.kind === 'slots') {
    const width = plan.columns * (BOX + GAP);
    const height = plan.rows * (BOX + GAP);
    // more than 8 columns would shrink the boxes below legible numbers in a narrow sidebar:
    // the class lets style/base.css hide them there (the boxes and their tooltips stay)
    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      class: `jp-arrayprof-layout-svg${plan.columns > 8 ? ' jp-arrayprof-many-columns' : ''}`,
      style: `max-width: ${width}px`,
      role: 'img',
      'aria-label': `memory layout: ${plan.touched} of ${plan.bufferSlots} buffer elements used`
    });
    for (const slot of plan.slots) {
      const x = (slot.slot % plan.columns) * (BOX + GAP);
      const y = Math.floor(slot.slot / plan.columns) * (BOX + GAP);
      const rect = svg('rect', {
        x,
        y,
        width: BOX,
        height: BOX,
        rx: 2,
        class: slot.order === null ? 'jp-arrayprof-slot' : 'jp-arrayprof-slot jp-arrayprof-slot-used'
      });
      const title = svg('title', {});
      title.textContent =
        `buffer element ${slot.slot} (byte ${slot.slot * layout.itemsize})` +
        (slot.order === null ? '' : `: element ${slot.order} of the array`);
      rect.append(title);
      root.append(rect);
      if (slot.order !== null) {
        const label = svg('text', { x: x + BOX / 2, y: y + BOX / 2 + 4, 'text-anchor': 'middle', class: 'jp-arrayprof-slot-label' });
        label.textContent = String(slot.order);
        root.append(label);
      }
    }
    return root;
  }
  // a bar for the whole buffer: the array's span shaded, filled when its elements tile it, else
  // a tick per element the kernel sent
  const width = 300;
  const root = svg('svg', {
    width,
    height: 28,
    viewBox: `0 0 ${width} 28`,
    class: 'jp-arrayprof-layout-svg jp-arrayprof-layout-bar',
    role: 'img',
    'aria-label': 'memory layout of a large buffer'
  });
  root.append(svg('rect', { x: 0, y: 4, width, height: 20, class: 'jp-arrayprof-slot' }));
  const buffer = Math.max(1, layout.buffer_bytes);
  const [low, high] = plan.spanBytes;
  const x0 = (Math.max(0, low) / buffer) * width;
  const spanWidth = Math.max(1, (Math.min(buffer, high) / buffer) * width - x0);
  root.append(
    svg('rect', {
      x: x0,
      y: 4,
      width: spanWidth,
      height: 20,
      class: plan.dense ? 'jp-arrayprof-slot-used' : 'jp-arrayprof-span'
    })
  );
  if (!plan.dense) {
    for (const tick of plan.ticks) {
      root.append(svg('rect', { x: Math.min(width - 1, tick * width), y: 4, width: 1, height: 20, class: 'jp-arrayprof-slot-used' }));
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

/** What the drawing shows, in words. */
export function layoutCaption(name: string, layout: ILayout): string {
  const plan = planLayout(layout);
  const buffer =
    `Memory layout: the owning buffer, ${formatBytes(layout.buffer_bytes)} in ` +
    `${formatCount(plan.bufferSlots)} elements of ${layout.itemsize} B`;
  if (plan.kind === 'slots') {
    return (
      `${buffer}; ${name} uses ${formatCount(plan.touched)}` +
      (layout.truncated ? ` (its first ${layout.element_offsets.length} elements drawn)` : '') +
      ', numbered in the order it visits them.'
    );
  }
  const [low, high] = plan.spanBytes;
  if (plan.dense) {
    return `${buffer}; ${name} fills bytes ${low}–${high} of it without gaps.`;
  }
  return (
    `${buffer}; ${name} reaches bytes ${low}–${high} (shaded) and touches ` +
    (layout.truncated ? `the marked places with its first ${layout.element_offsets.length} elements.` : 'the marked places.')
  );
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
      h('div', { class: 'jp-arrayprof-layout-caption' }, layoutCaption(m.selectedArray, layout)),
      h('div', { class: 'jp-arrayprof-layout' }, drawLayout(layout) as unknown as Node),
      explanationNode(detail.explanation)
    );
  }
}
