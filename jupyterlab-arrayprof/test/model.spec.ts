import { beforeEach, describe, expect, it } from 'vitest';

import { formatFindings } from '../src/format';
import { ArrayprofModel, contiguityOf, MAX_HISTORY_ROWS } from '../src/model';
import { Request } from '../src/protocol';
import { A, arrayInfo, arraysMessage, B, cell, welcome } from './fixtures';

let model: ArrayprofModel;
let sent: Request[];
let changes: number;

beforeEach(() => {
  model = new ArrayprofModel('test');
  sent = [];
  changes = 0;
  model.changed.connect(() => (changes += 1));
  model.connect(request => sent.push(request));
});

describe('connection states', () => {
  it('starts with no kernel, connects, is ready after welcome', () => {
    const fresh = new ArrayprofModel();
    expect(fresh.state).toBe('no-kernel');
    expect(model.state).toBe('connecting');
    model.handleMessage(welcome());
    expect(model.state).toBe('ready');
    expect(changes).toBeGreaterThan(0);
  });

  it('turns automatic mode on after welcome when it is off', () => {
    model.handleMessage(welcome(false));
    expect(sent).toEqual([{ v: 1, type: 'set_auto', enabled: true }]);
    model.handleMessage({ v: 1, type: 'auto', available: true, enabled: true, threshold_bytes: 5 });
    expect(model.auto.enabled).toBe(true);
  });

  it('does not ask again when it is already on, nor when the user turned it off', () => {
    model.handleMessage(welcome(true));
    expect(sent).toEqual([]);
    model.setAuto(false);
    expect(sent).toEqual([{ v: 1, type: 'set_auto', enabled: false }]);
    expect(model.auto.enabled).toBe(false); // shown at once, before the kernel answers
    model.connect(request => sent.push(request));
    sent.length = 0;
    model.handleMessage(welcome(false));
    expect(sent).toEqual([]);
  });

  it('a comm closed before welcome means no panel support; after it, reconnecting', () => {
    model.commClosed();
    expect(model.state).toBe('unsupported');
    model.connect(request => sent.push(request));
    model.handleMessage(welcome(true));
    model.commClosed();
    expect(model.state).toBe('connecting');
    expect(model.connected).toBe(false);
  });

  it('disconnect forgets the old kernel (restart: empty namespace)', () => {
    model.handleMessage(welcome(true));
    model.handleMessage(arraysMessage([A, B]));
    model.handleMessage({ v: 1, type: 'cell', cell: cell(0) });
    model.disconnect('connecting', 'the kernel is restarting');
    expect(model.arrays).toEqual([]);
    expect(model.history).toEqual([]);
    expect(model.stateMessage).toContain('restarting');
    model.selectArray('a');
    expect(sent.filter(r => r.type === 'get_array')).toEqual([]); // nowhere to send
  });

  it('busy is its own flag and only emits on change', () => {
    model.handleMessage(welcome(true));
    const before = changes;
    model.setBusy(true);
    model.setBusy(true);
    expect(model.busy).toBe(true);
    expect(changes).toBe(before + 1);
  });

  it('records malformed kernel messages instead of throwing', () => {
    model.handleMessage({ v: 9, type: 'welcome' });
    expect(model.lastError).toMatch(/version/);
    model.handleMessage({ v: 1, type: 'error', code: 'bad-field', message: 'nope', request_type: 'x' });
    expect(model.lastError).toBe('bad-field: nope');
  });
});

describe('arrays', () => {
  beforeEach(() => {
    model.handleMessage(welcome(true));
    model.handleMessage(
      arraysMessage([A, B, arrayInfo({ name: 'big', nbytes: 8000, dtype: 'float64', shape: [1000], strides: [8] })])
    );
  });

  it('sorts by bytes, largest first, by default; a second click flips', () => {
    expect(model.visibleArrays().map(a => a.name)).toEqual(['big', 'a', 'b']);
    model.setSort('nbytes');
    expect(model.visibleArrays().map(a => a.name)).toEqual(['b', 'a', 'big']);
    model.setSort('name');
    expect(model.visibleArrays().map(a => a.name)).toEqual(['a', 'b', 'big']);
    model.setSort('shape');
    expect(model.visibleArrays().map(a => a.name)[0]).toBe('big');
  });

  it('filters by name, dtype or view-of', () => {
    model.setFilter('BI');
    expect(model.visibleArrays().map(a => a.name)).toEqual(['big']);
    model.setFilter('float32');
    expect(model.visibleArrays().map(a => a.name).sort()).toEqual(['a', 'b']);
    model.setFilter('a'); // b is shown as a view of a
    expect(model.visibleArrays().map(a => a.name)).toContain('b');
  });

  it('counts views as zero bytes of their own', () => {
    expect(model.shownBytes).toBe(8064);
    expect(model.numpyBytes).toBe(64);
    expect(model.rssBytes).toBe(100_000_000);
  });

  it('selecting asks for detail; the answer for another name is ignored', () => {
    model.selectArray('b');
    const request = sent.at(-1)!;
    expect(request).toMatchObject({ type: 'get_array', name: 'b' });
    const layout = {
      itemsize: 4,
      buffer_bytes: 64,
      offset_bytes: 0,
      shape: [2, 2],
      strides: [32, 8],
      size: 4,
      element_offsets: [0, 8, 32, 40],
      truncated: false
    };
    model.handleMessage({ v: 1, type: 'array', name: 'a', info: A, explanation: 'a', explanation_source: 'x', layout });
    expect(model.arrayDetail).toBeNull();
    model.handleMessage({ v: 1, type: 'array', name: 'b', info: B, explanation: 'b is a view', explanation_source: 'x', layout });
    expect(model.arrayDetail?.explanation).toBe('b is a view');
  });

  it('a new list re-asks for the selected array, or drops it when it is gone', () => {
    model.selectArray('b');
    sent.length = 0;
    model.handleMessage(arraysMessage([A, B]));
    expect(sent).toMatchObject([{ type: 'get_array', name: 'b' }]);
    model.handleMessage(arraysMessage([A]));
    expect(model.selectedArray).toBeNull();
  });

  it('describes contiguity', () => {
    expect(contiguityOf(A)).toBe('C');
    expect(contiguityOf(B)).toBe('strided');
    expect(contiguityOf({ ...A, f_contiguous: true })).toBe('C+F');
  });
});

describe('history', () => {
  beforeEach(() => model.handleMessage(welcome(true)));

  it('grows by one row per pushed cell, replaces on repeat, keeps a bound', () => {
    model.handleMessage({ v: 1, type: 'history', cells: [cell(0)], count: 1 });
    model.handleMessage({ v: 1, type: 'cell', cell: cell(1) });
    model.handleMessage({ v: 1, type: 'cell', cell: cell(2) });
    expect(model.history.map(c => c.index)).toEqual([0, 1, 2]);
    model.handleMessage({ v: 1, type: 'cell', cell: { ...cell(2), findings: 3 } });
    expect(model.history).toHaveLength(3);
    expect(model.history[2].findings).toBe(3);
    for (let i = 3; i < MAX_HISTORY_ROWS + 10; i++) {
      model.handleMessage({ v: 1, type: 'cell', cell: cell(i) });
    }
    expect(model.history).toHaveLength(MAX_HISTORY_ROWS);
  });

  it('selecting a row asks for its report, announces the cell, keeps only the answer to it', () => {
    const activated: number[] = [];
    model.cellActivated.connect((_, c) => activated.push(c.execution_count!));
    model.selectCell(cell(0, 5));
    const request = sent.at(-1)! as { request_id: number };
    expect(request).toMatchObject({ type: 'get_report', execution_count: 5 });
    expect(activated).toEqual([5]);
    const report = { schema: 'arrayprof.report/1', source: 'x', lines: [], findings: [] };
    model.handleMessage({ v: 1, type: 'report', request_id: 999, index: 0, summary: cell(0, 5), report, trimmed: [] });
    expect(model.report).toBeNull();
    model.handleMessage({ v: 1, type: 'report', request_id: request.request_id, index: 0, summary: cell(0, 5), report, trimmed: [] });
    expect(model.report?.report.schema).toBe('arrayprof.report/1');
  });
});

describe('a row whose findings are pending', () => {
  beforeEach(() => model.handleMessage(welcome(true)));

  it('shows a neutral mark, then the count the report answer brings', () => {
    const pending = { ...cell(0, 5), findings: null };
    model.handleMessage({ v: 1, type: 'cell', cell: pending });
    expect(model.lastError).toBeNull();
    expect(model.history[0].findings).toBeNull();
    expect(formatFindings(model.history[0].findings)).toBe('…');
    model.selectCell(model.history[0]);
    const request = sent.at(-1)! as { request_id: number };
    expect(request).toMatchObject({ type: 'get_report', execution_count: 5 });
    const summary = { ...cell(0, 5), findings: 2, severities: { warning: 2 }, categories: ['temporaries'] };
    const report = { schema: 'arrayprof.report/1', source: 'x', lines: [], findings: [] };
    model.handleMessage({ v: 1, type: 'report', request_id: request.request_id, index: 0, summary, report, trimmed: [] });
    expect(model.history).toHaveLength(1);
    expect(model.history[0].findings).toBe(2);
    expect(model.history[0].categories).toEqual(['temporaries']);
    expect(model.selectedCell?.findings).toBe(2);
    expect(formatFindings(model.history[0].findings)).toBe('2');
    expect(formatFindings(0)).toBe('');
  });

  it('a report for a row no longer shown adds no row', () => {
    model.handleMessage({ v: 1, type: 'cell', cell: cell(1) });
    const report = { schema: 'arrayprof.report/1', source: 'x', lines: [], findings: [] };
    model.handleMessage({ v: 1, type: 'report', request_id: 1, index: 0, summary: cell(0), report, trimmed: [] });
    expect(model.history.map(c => c.index)).toEqual([1]);
  });
});

describe('an old panel talking to a newer kernel', () => {
  it('ignores an extra field and an extra message type, says so once, and keeps working', () => {
    model.handleMessage({ ...welcome(true), layout_model: 2 });
    expect(model.state).toBe('ready');
    const noteAfterWelcome = model.protocolNote;
    expect(noteAfterWelcome).toBe(
      "The kernel's arrayprof is newer than this panel: ignored welcome.layout_model."
    );
    model.handleMessage({ v: 1, type: 'timeline', points: [[0, 1]] });
    const note = model.protocolNote;
    expect(note).toBe(
      "The kernel's arrayprof is newer than this panel: ignored welcome.layout_model, " +
        'message type timeline.'
    );
    expect(model.lastError).toBeNull();
    // the same again changes nothing (said once), and nothing is emitted for it
    const before = changes;
    model.handleMessage({ v: 1, type: 'timeline', points: [] });
    expect(changes).toBe(before);
    expect(model.protocolNote).toBe(note);
    // known messages still work, with their extra fields ignored
    model.handleMessage({ ...arraysMessage([A, B]), gpu_bytes: 1 });
    expect(model.arrays.map(a => a.name)).toEqual([A.name, B.name]);
    model.handleMessage({ v: 1, type: 'cell', cell: { ...cell(0), energy_j: 3 } });
    expect(model.history.map(c => c.index)).toEqual([0]);
    expect(model.lastError).toBeNull();
    // a new kernel starts with nothing to say
    model.disconnect('connecting');
    expect(model.protocolNote).toBeNull();
  });
});
