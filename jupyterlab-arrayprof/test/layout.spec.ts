import { describe, expect, it } from 'vitest';

import { formatBytes, formatSeconds, formatShape, plural } from '../src/format';
import { MAX_SLOTS, planLayout, spanOf } from '../src/layout';
import { classifyBootstrapError } from '../src/bootstrap';

const view = {
  itemsize: 4,
  buffer_bytes: 64,
  offset_bytes: 0,
  shape: [2, 2],
  strides: [32, 8],
  size: 4,
  element_offsets: [0, 8, 32, 40],
  truncated: false
};

describe('planLayout', () => {
  it('draws b = a[::2, ::2] as 4 of 16 slots, numbered in C order', () => {
    const plan = planLayout(view);
    expect(plan.kind).toBe('slots');
    expect(plan.bufferSlots).toBe(16);
    expect(plan.touched).toBe(4);
    expect(plan.columns).toBe(16);
    const used = plan.slots.filter(s => s.order !== null).map(s => [s.slot, s.order]);
    expect(used).toEqual([
      [0, 0],
      [2, 1],
      [8, 2],
      [10, 3]
    ]);
  });

  it("draws the buffer as the base's grid when the kernel gives its row length", () => {
    const plan = planLayout({ ...view, grid_columns: 4 });
    expect(plan.columns).toBe(4);
    expect(plan.rows).toBe(4);
    expect(planLayout({ ...view, grid_columns: 1000 }).columns).toBe(16);
  });

  it('counts a broadcast (stride 0) element once', () => {
    const plan = planLayout({ ...view, strides: [0, 4], element_offsets: [0, 4, 0, 4] });
    expect(plan.touched).toBe(2);
  });

  it('knows the span an array reaches and whether its elements fill it', () => {
    expect(spanOf(view)).toEqual({ span: [0, 44], dense: false });
    // a[1:, 2:] of a 4 x 4 float32: starts at byte 24
    expect(spanOf({ ...view, offset_bytes: 24, shape: [3, 2], strides: [16, 4], size: 6 }).span).toEqual([24, 64]);
    // a[::-1]: element 0 is the last row; the span is the whole buffer, filled
    expect(spanOf({ ...view, offset_bytes: 48, shape: [4, 4], strides: [-16, 4], size: 16 })).toEqual({
      span: [0, 64],
      dense: true
    });
    // a contiguous 2000-element array drawn as a bar: filled, though only 1024 offsets were sent
    const big = { ...view, buffer_bytes: 16000, itemsize: 8, shape: [2000], strides: [8], size: 2000, truncated: true,
      element_offsets: Array.from({ length: 1024 }, (_, i) => 8 * i) };
    const plan = planLayout(big);
    expect(plan.kind).toBe('bar');
    expect(plan.dense).toBe(true);
    expect(plan.spanBytes).toEqual([0, 16000]);
    // a broadcast repeats bytes: never dense
    expect(spanOf({ ...view, shape: [3, 4], strides: [0, 4], size: 12 }).dense).toBe(false);
  });

  it('switches to a scaled bar for large buffers', () => {
    const plan = planLayout({ ...view, buffer_bytes: 4 * (MAX_SLOTS + 1), element_offsets: [0, 4 * MAX_SLOTS] });
    expect(plan.kind).toBe('bar');
    expect(plan.ticks[0]).toBe(0);
    expect(plan.ticks[1]).toBeCloseTo(MAX_SLOTS / (MAX_SLOTS + 1));
  });
});

describe('format', () => {
  it('formats bytes and shapes', () => {
    // arrayprof's units (arrayprof/units.py human_bytes): decimal, three significant digits
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(64)).toBe('64 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1 kB');
    expect(formatBytes(1536)).toBe('1.54 kB');
    expect(formatBytes(99999)).toBe('100 kB');
    expect(formatBytes(123456)).toBe('123 kB');
    expect(formatBytes(36_000_000)).toBe('36 MB');
    expect(formatBytes(-2400)).toBe('-2.4 kB');
    expect(formatBytes(2e15)).toBe('2000 TB');
    expect(formatBytes(null)).toBe('–');
    expect(formatSeconds(0.0000123)).toBe('12 µs');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(2)).toBe('2.00 s');
    expect(plural(1, 'buffer')).toBe('1 buffer');
    expect(plural(2, 'buffer')).toBe('2 buffers');
    expect(formatShape([4, 4])).toBe('(4, 4)');
    expect(formatShape([3])).toBe('(3,)');
  });
});

describe('classifyBootstrapError', () => {
  it('tells a missing arrayprof from other failures', () => {
    expect(classifyBootstrapError('ModuleNotFoundError', "No module named 'arrayprof'")).toBe('not-installed');
    expect(classifyBootstrapError('ModuleNotFoundError', "No module named 'numpy'")).toBe('error');
    expect(classifyBootstrapError('RuntimeError', 'arrayprof broke')).toBe('error');
  });
});
