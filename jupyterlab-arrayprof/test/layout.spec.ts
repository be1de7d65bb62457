import { describe, expect, it } from 'vitest';

import { formatBytes, formatShape } from '../src/format';
import { MAX_SLOTS, planLayout } from '../src/layout';
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

  it('switches to a scaled bar for large buffers', () => {
    const plan = planLayout({ ...view, buffer_bytes: 4 * (MAX_SLOTS + 1), element_offsets: [0, 4 * MAX_SLOTS] });
    expect(plan.kind).toBe('bar');
    expect(plan.ticks[0]).toBe(0);
    expect(plan.ticks[1]).toBeCloseTo(MAX_SLOTS / (MAX_SLOTS + 1));
  });
});

describe('format', () => {
  it('formats bytes and shapes', () => {
    expect(formatBytes(64)).toBe('64 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(null)).toBe('–');
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
