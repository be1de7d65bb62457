/**
 * The memory-layout drawing's geometry: which item-sized slots of the owning buffer an array
 * touches, in what order.  Pure (no DOM) so it is tested in node; views/detail.ts draws it.
 */
import { ILayout } from './protocol';

/** Most slots drawn one by one; larger buffers are drawn as a scaled bar. */
export const MAX_SLOTS = 256;
export const SLOTS_PER_ROW = 16;
/** Widest row drawn when the kernel names a row length (the base array's last axis). */
export const MAX_COLUMNS = 32;

export interface ISlot {
  /** Slot number in the owning buffer (byte offset / itemsize). */
  slot: number;
  /** Order in which the array visits it (C order), or null when the array does not touch it. */
  order: number | null;
}

export interface ILayoutPlan {
  /** 'slots': one box per element of the buffer; 'bar': a scaled bar with ticks. */
  kind: 'slots' | 'bar';
  slots: ISlot[];
  /** For 'bar': touched positions as fractions of the buffer, 0..1. */
  ticks: number[];
  bufferSlots: number;
  /** Slots touched by the elements the kernel sent (all of them unless `layout.truncated`). */
  touched: number;
  rows: number;
  columns: number;
  /** Lowest and highest byte (exclusive) the array can reach, from its shape and strides. */
  spanBytes: [number, number];
  /** The elements tile their span without gaps or overlaps (contiguous in some axis order). */
  dense: boolean;
}

/** The byte span of the array in its buffer, and whether its elements fill it exactly. */
export function spanOf(layout: ILayout): { span: [number, number]; dense: boolean } {
  const itemsize = Math.max(1, layout.itemsize);
  if (layout.size === 0 || layout.shape.some(n => n === 0)) {
    return { span: [layout.offset_bytes, layout.offset_bytes], dense: false };
  }
  let low = layout.offset_bytes;
  let high = layout.offset_bytes + itemsize;
  let repeats = false;
  layout.shape.forEach((n, axis) => {
    const step = (n - 1) * (layout.strides[axis] ?? 0);
    if (n > 1 && layout.strides[axis] === 0) {
      repeats = true;
    }
    low += Math.min(0, step);
    high += Math.max(0, step);
  });
  return { span: [low, high], dense: !repeats && layout.size * itemsize === high - low };
}

export function planLayout(layout: ILayout): ILayoutPlan {
  const itemsize = Math.max(1, layout.itemsize);
  const bufferSlots = Math.max(1, Math.ceil(layout.buffer_bytes / itemsize));
  const orderOf = new Map<number, number>();
  layout.element_offsets.forEach((offset, order) => {
    const slot = Math.floor(offset / itemsize);
    if (!orderOf.has(slot)) {
      orderOf.set(slot, order);
    }
  });
  const touched = orderOf.size;
  const { span, dense } = spanOf(layout);
  if (bufferSlots <= MAX_SLOTS) {
    const slots: ISlot[] = [];
    for (let slot = 0; slot < bufferSlots; slot++) {
      slots.push({ slot, order: orderOf.has(slot) ? orderOf.get(slot)! : null });
    }
    const grid = layout.grid_columns;
    const columns =
      grid && grid > 0 && grid <= MAX_COLUMNS ? grid : Math.min(SLOTS_PER_ROW, bufferSlots);
    return {
      kind: 'slots',
      slots,
      ticks: [],
      bufferSlots,
      touched,
      rows: Math.ceil(bufferSlots / columns),
      columns,
      spanBytes: span,
      dense
    };
  }
  const ticks = Array.from(orderOf.keys())
    .sort((a, b) => a - b)
    .map(slot => slot / bufferSlots);
  return { kind: 'bar', slots: [], ticks, bufferSlots, touched, rows: 1, columns: 1, spanBytes: span, dense };
}
