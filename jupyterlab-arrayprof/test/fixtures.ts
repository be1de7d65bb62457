import { IArrayInfo, ICellSummary } from '../src/protocol';

export function arrayInfo(overrides: Partial<IArrayInfo> & { name: string }): IArrayInfo {
  return {
    shape: [4, 4],
    dtype: 'float32',
    strides: [16, 4],
    nbytes: 64,
    itemsize: 4,
    lineno: null,
    is_view: false,
    base: null,
    base_nbytes: 64,
    c_contiguous: true,
    f_contiguous: false,
    writeable: true,
    span_bytes: 64,
    utilization: 1,
    cache_lines: 1,
    ...overrides
  };
}

export function cell(index: number, executionCount: number | null = index + 1): ICellSummary {
  return {
    index,
    execution_count: executionCount,
    source_head: `x${index} = 1`,
    wall_s: 0.01,
    allocations: 1,
    allocated_bytes: 800,
    freed_bytes: 0,
    peak_bytes: 800,
    net_bytes: 800,
    temporaries: 0,
    temporary_bytes: 0,
    rss_peak_bytes: null,
    findings: 0,
    severities: {},
    categories: [],
    error: null
  };
}

export const A = arrayInfo({ name: 'a' });
export const B = arrayInfo({
  name: 'b',
  shape: [2, 2],
  strides: [32, 8],
  nbytes: 16,
  is_view: true,
  base: 'a',
  c_contiguous: false,
  span_bytes: 44,
  utilization: 16 / 44
});

export function welcome(enabled = false, available = true): Record<string, unknown> {
  return {
    v: 1,
    type: 'welcome',
    protocol: 1,
    arrayprof_version: '0.1.0',
    python_version: '3.11',
    numpy_version: '2.4',
    auto: { available, enabled, threshold_bytes: null },
    limits: {}
  };
}

export function arraysMessage(arrays: IArrayInfo[]): Record<string, unknown> {
  return {
    v: 1,
    type: 'arrays',
    arrays,
    count: arrays.length,
    truncated: false,
    numpy_bytes: 64,
    rss_bytes: 100_000_000,
    execution_count: 3
  };
}
