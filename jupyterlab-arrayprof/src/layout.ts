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
  touched: number;
  rows: number;
  columns: number;
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
      columns
    };
  }
  const ticks = Array.from(orderOf.keys())
    .sort((a, b) => a - b)
    .map(slot => slot / bufferSlots);
  return { kind: 'bar', slots: [], ticks, bufferSlots, touched, rows: 1, columns: 1 };
}
