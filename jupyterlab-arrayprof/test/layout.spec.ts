import { describe, expect, it } from 'vitest';

import { formatBytes, formatSeconds, formatShape, plural } from '../src/format';
import { readFileSync } from 'fs';
import { join } from 'path';

import { cellLabel, cellTitle, layoutCaption, planLayout } from '../src/layout';
import { ILayout, parseKernelMessage, ProtocolError } from '../src/protocol';
import { A } from './fixtures';
import { classifyBootstrapError } from '../src/bootstrap';

// the layout field of real array messages (tests/layout_fixtures.py writes them from the kernel's
// code; tests/test_layout_geometry.py checks they are what it sends today)
const MESSAGES = JSON.parse(readFileSync(join(__dirname, 'layout-messages.json'), 'utf-8')) as Record<
  string,
  { base: string | null; layout: ILayout }
>;
const layoutOf = (name: string): ILayout => MESSAGES[name].layout;

describe('planLayout draws the kernel\'s model and computes no geometry', () => {
  it('draws b = a[::2, ::2] as 4 of a\'s 16 cells, in a\'s rows, numbered in C order', () => {
    const plan = planLayout(layoutOf('b'))!;
    expect([plan.columns, plan.rows, plan.unit, plan.totalCells, plan.touched]).toEqual([4, 4, 4, 16, 4]);
    const used = plan.cells.filter(c => c.hits).map(c => [c.cell, c.row, c.column, c.order]);
    expect(used).toEqual([
      [0, 0, 0, 0],
      [2, 0, 2, 1],
      [8, 2, 0, 2],
      [10, 2, 2, 3]
    ]);
    expect(cellTitle(plan.cells[8], plan)).toBe('buffer element 8 (byte 32): element 2 of the array');
    expect(layoutCaption('b', layoutOf('b'), 'a')).toBe(
      "Memory layout: b in a's buffer: 16 cells of 4 B, 4 touched; numbered in the order it visits them."
    );
  });

  it('places every cell where the model says, whatever the strides', () => {
    for (const name of Object.keys(MESSAGES)) {
      const model = layoutOf(name).model!;
      const plan = planLayout(layoutOf(name))!;
      expect(plan.cells.map(c => c.hits)).toEqual(model.hits);
      expect(plan.cells.map(c => c.order)).toEqual(model.order);
      expect(plan.cells.map(c => c.row * model.row_cells + c.column)).toEqual(model.hits.map((_, i) => i));
      expect(plan.cells.filter(c => c.hits).length).toBe(model.touched_cells);
    }
  });

  it('numbers a negative-stride view from its element 0 at the end of the buffer', () => {
    const plan = planLayout(layoutOf('back'))!;
    expect(plan.cells.filter(c => c.hits).map(c => c.order)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(cellLabel(plan.cells[15])).toBe('0');
    expect(cellLabel(plan.cells[14])).toBe('');
  });

  it('marks a broadcast (stride 0) cell with how many elements share it', () => {
    const plan = planLayout(layoutOf('zero'))!;
    expect(plan.cells.filter(c => c.hits).map(c => [c.cell, cellLabel(c)])).toEqual([
      [4, '×3'],
      [5, '×3'],
      [6, '×3'],
      [7, '×3']
    ]);
    expect(cellTitle(plan.cells[4], plan)).toBe('buffer element 4 (byte 16): touched by 3 elements');
    expect(cellLabel({ cell: 0, column: 0, row: 0, hits: 250, order: null })).toBe('×∞');
  });

  it('draws a window of a huge span (strides of 2^62) without computing with its size', () => {
    const plan = planLayout(layoutOf('huge'))!;
    expect(plan.inBuffer).toBe(false);
    expect(plan.cells.length).toBe(256);
    expect(plan.cells.filter(c => c.hits).map(c => [c.cell, c.order])).toEqual([
      [0, 0],
      [1, 1]
    ]);
    expect(cellTitle(plan.cells[1], plan)).toBe('span cell 1 (bytes 4–7): element 1 of the array');
    expect(layoutCaption('huge', layoutOf('huge'))).toMatch(
      /^Memory layout: huge's span, lowest to highest byte: .* cells of 4 B; cells 0–255 drawn; numbered/
    );
  });

  it('draws the first 256 cells of a large buffer', () => {
    const plan = planLayout(layoutOf('x'))!;
    expect([plan.cells.length, plan.touched, plan.totalCells]).toEqual([256, 256, 2000]);
    expect(layoutCaption('x', layoutOf('x'))).toBe(
      'Memory layout: x in its buffer: 2,000 cells of 8 B, 256 touched; cells 0–255 drawn.'
    );
  });

  it('draws nothing for an older kernel that sends no model, and says so', () => {
    const { model: _, ...old } = layoutOf('b');
    expect(planLayout(old as ILayout)).toBeNull();
    expect(layoutCaption('b', old as ILayout)).toContain('sends no layout drawing');
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

describe('the array message carries a drawable model', () => {
  const array = (layout: unknown): unknown => ({
    v: 1,
    type: 'array',
    name: 'b',
    info: A,
    explanation: 'b',
    explanation_source: 'arrayprof.explain',
    layout
  });

  it('accepts the kernel\'s messages, with or without (an older kernel) a model', () => {
    for (const name of Object.keys(MESSAGES)) {
      expect(parseKernelMessage(array(layoutOf(name)))).not.toBeNull();
    }
    const { model: _, ...old } = layoutOf('b');
    expect(parseKernelMessage(array(old))).not.toBeNull();
  });

  it('refuses a model whose cells do not match its count', () => {
    const layout = layoutOf('b');
    const short = { ...layout, model: { ...layout.model!, hits: layout.model!.hits.slice(1) } };
    expect(() => parseKernelMessage(array(short))).toThrow(ProtocolError);
    const zeroRow = { ...layout, model: { ...layout.model!, row_cells: 0 } };
    expect(() => parseKernelMessage(array(zeroRow))).toThrow(/row_cells/);
  });
});
