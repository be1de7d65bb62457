import { describe, expect, it } from 'vitest';

import { parseKernelMessage, ProtocolError, requests, unknownParts } from '../src/protocol';
import { A, arraysMessage, cell, welcome } from './fixtures';

describe('parseKernelMessage', () => {
  it('accepts the documented v1 messages', () => {
    expect(parseKernelMessage(welcome()).type).toBe('welcome');
    expect(parseKernelMessage(arraysMessage([A])).type).toBe('arrays');
    expect(parseKernelMessage({ v: 1, type: 'cell', cell: cell(0) }).type).toBe('cell');
    expect(parseKernelMessage({ v: 1, type: 'history', cells: [cell(0)], count: 1 }).type).toBe(
      'history'
    );
    expect(
      parseKernelMessage({ v: 1, type: 'error', code: 'not-found', message: 'x', request_type: null })
        .type
    ).toBe('error');
  });

  it.each([
    ['not an object', 'x'],
    ['wrong version', { ...welcome(), v: 2 }],
    ['a message without a type', { v: 1 }],
    ['bad array shape', arraysMessage([{ ...A, shape: ['4'] as unknown as number[] }])],
    ['missing numpy_bytes', { ...arraysMessage([A]), numpy_bytes: undefined }],
    ['bad cell', { v: 1, type: 'cell', cell: { ...cell(0), peak_bytes: 'big' } }],
    ['array without layout', { v: 1, type: 'array', name: 'a', info: A, explanation: '' }]
  ])('refuses %s', (_, data) => {
    expect(() => parseKernelMessage(data)).toThrow(ProtocolError);
  });
});

describe('a newer kernel (tolerant reader)', () => {
  it('returns null for a message type it does not know, and names it', () => {
    const data = { v: 1, type: 'subscribe_ack', topics: ['timeline'] };
    expect(parseKernelMessage(data)).toBeNull();
    expect(unknownParts(data)).toEqual(['message type subscribe_ack']);
  });

  it('keeps a known message with extra fields, and names the fields', () => {
    const data = { ...arraysMessage([{ ...A, device: 'cpu' } as typeof A]), gpu_bytes: 5 };
    const parsed = parseKernelMessage(data);
    expect(parsed?.type).toBe('arrays');
    expect(unknownParts(data)).toEqual(['arrays.gpu_bytes']);
    expect(unknownParts(welcome())).toEqual([]);
  });
});

describe('requests', () => {
  it('builds v1 requests', () => {
    expect(requests.hello('1.0')).toEqual({
      v: 1,
      type: 'hello',
      client: 'jupyterlab-arrayprof',
      client_version: '1.0'
    });
    expect(requests.setAuto(true)).toEqual({ v: 1, type: 'set_auto', enabled: true });
    expect(requests.getArray('b', 3)).toEqual({ v: 1, type: 'get_array', name: 'b', request_id: 3 });
  });

  it('asks for a report by execution count, or by index when there is none', () => {
    expect(requests.getReport(cell(2, 7), 1)).toMatchObject({ execution_count: 7 });
    expect(requests.getReport(cell(2, null), 1)).toMatchObject({ index: 2 });
    expect(requests.getReport(cell(2, null), 1)).not.toHaveProperty('execution_count');
  });
});
