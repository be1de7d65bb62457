/**
 * The arrayprof comm protocol, version 1 (docs/comm-protocol.md in the repository).
 *
 * Types of every message, builders for the requests the panel sends, and `parseKernelMessage`,
 * which checks what the kernel sends before the model uses it.  No JupyterLab imports: this file
 * is tested in plain node.
 */

export const PROTOCOL_VERSION = 1;
export const TARGET_NAME = 'arrayprof';
/** The one fixed string the panel executes in a kernel. */
export const BOOTSTRAP_CODE = '%load_ext arrayprof';
export const CLIENT_NAME = 'jupyterlab-arrayprof';

export type RequestId = string | number | null;

// ---------------------------------------------------------------------------------------------
// Kernel -> panel

export interface IArrayInfo {
  name: string;
  shape: number[];
  dtype: string;
  strides: number[];
  nbytes: number;
  itemsize: number;
  lineno: number | null;
  is_view: boolean;
  base: string | null;
  base_nbytes: number;
  c_contiguous: boolean;
  f_contiguous: boolean;
  writeable: boolean;
  span_bytes: number;
  utilization: number | null;
  cache_lines: number;
}

export interface ICellSummary {
  index: number;
  execution_count: number | null;
  source_head: string;
  wall_s: number | null;
  allocations: number;
  allocated_bytes: number;
  freed_bytes: number;
  peak_bytes: number;
  net_bytes: number;
  temporaries: number;
  temporary_bytes: number;
  rss_peak_bytes: number | null;
  /** null: not computed yet (automatic mode computes them when the report is asked for) */
  findings: number | null;
  severities: Record<string, number>;
  categories: string[];
  error: string | null;
}

export interface IAutoState {
  available: boolean;
  enabled: boolean;
  threshold_bytes: number | null;
}

export interface ILayout {
  itemsize: number;
  buffer_bytes: number;
  offset_bytes: number;
  shape: number[];
  strides: number[];
  size: number;
  element_offsets: number[];
  truncated: boolean;
  /** Row length for the drawing (the base's last axis), or null. */
  grid_columns?: number | null;
  /** The one layout model (arrayprof/layout_model.py) the panel draws; absent from older kernels. */
  model?: ILayoutModel | null;
}

/**
 * Which cells of the array's buffer (or of its own span) its elements touch: the model the
 * widget, the HTML report and `explain` draw too.  The panel draws it and computes no geometry.
 */
export interface ILayoutModel {
  /** Bytes per cell. */
  unit: number;
  itemsize: number;
  /** Cells per drawn row. */
  row_cells: number;
  /** Cells drawn (at most 256), from `first_cell` on. */
  n_cells: number;
  /** Cells of the whole extent (may exceed 2^53: shown, never computed with). */
  total_cells: number;
  /** Per drawn cell: elements touching it (0 untouched; more: broadcast or overlap). */
  hits: number[];
  strides: number[];
  shape: number[];
  first_cell: number;
  /** True: the extent is the owning buffer; false: the array's own span. */
  in_buffer: boolean;
  /** Per drawn cell: C-order index of the first element starting there, or null. */
  order: (number | null)[];
  element0_cell: number | null;
  offset_bytes: number | null;
  buffer_bytes: number | null;
  span_bytes: number;
  cache_lines: number | null;
  cache_lines_exact: boolean;
  grid: number | null;
  touched_cells: number;
  touched_bytes: number | null;
}

interface IBase<T extends string> {
  v: 1;
  type: T;
  request_id?: RequestId;
}

export interface IWelcome extends IBase<'welcome'> {
  protocol: number;
  arrayprof_version: string;
  python_version: string;
  numpy_version: string;
  auto: IAutoState;
  limits: Record<string, number>;
}

export interface IAutoMessage extends IBase<'auto'>, IAutoState {}

export interface ICellMessage extends IBase<'cell'> {
  cell: ICellSummary;
}

export interface IHistoryMessage extends IBase<'history'> {
  cells: ICellSummary[];
  count: number;
}

export interface IArraysMessage extends IBase<'arrays'> {
  arrays: IArrayInfo[];
  count: number;
  truncated: boolean;
  numpy_bytes: number;
  rss_bytes: number | null;
  execution_count: number | null;
}

export interface IArrayMessage extends IBase<'array'> {
  name: string;
  info: IArrayInfo;
  explanation: string;
  explanation_source: string;
  layout: ILayout;
}

/** The report JSON of docs/report.md; the panel reads a few fields and shows the rest raw. */
export interface IReportFinding {
  category: string;
  severity: string;
  lineno: number | null;
  message: string;
  explanation: string;
  rewrite?: IReportRewrite | null;
}

export interface IReportRewrite {
  kind: string;
  code: string;
  lines: number[];
  verified: boolean;
  equal?: boolean | null;
  check?: string;
  speedup?: number | null;
  peak_bytes_before?: number | null;
  peak_bytes_after?: number | null;
}

export interface IReportLine {
  lineno: number;
  source: string;
  allocations: number;
  allocated_bytes: number;
  temporaries: number;
  temporary_bytes: number;
  peak_bytes: number;
  /** Per-line times (arrayprof's time profiler; absent from older reports). */
  seconds?: number | null;
  numpy_seconds?: number | null;
}

export interface IReport {
  schema: string;
  source: string;
  lines: IReportLine[];
  findings: IReportFinding[];
  numpy?: { peak_lineno?: number | null; [key: string]: unknown };
  [key: string]: unknown;
}

export interface IReportMessage extends IBase<'report'> {
  index: number;
  summary: ICellSummary;
  report: IReport;
  trimmed: string[];
}

export interface IErrorMessage extends IBase<'error'> {
  code: string;
  message: string;
  request_type: string | null;
}

export type KernelMessage =
  | IWelcome
  | IAutoMessage
  | ICellMessage
  | IHistoryMessage
  | IArraysMessage
  | IArrayMessage
  | IReportMessage
  | IErrorMessage;

// ---------------------------------------------------------------------------------------------
// Panel -> kernel

export type Request =
  | { v: 1; type: 'hello'; client: string; client_version: string; request_id?: RequestId }
  | { v: 1; type: 'refresh'; request_id?: RequestId }
  | {
      v: 1;
      type: 'set_auto';
      enabled: boolean;
      threshold_bytes?: number | null;
      request_id?: RequestId;
    }
  | { v: 1; type: 'get_array'; name: string; request_id?: RequestId }
  | { v: 1; type: 'get_report'; execution_count: number; request_id?: RequestId }
  | { v: 1; type: 'get_report'; index: number; request_id?: RequestId };

export const requests = {
  hello(clientVersion: string): Request {
    return { v: 1, type: 'hello', client: CLIENT_NAME, client_version: clientVersion };
  },
  refresh(): Request {
    return { v: 1, type: 'refresh' };
  },
  setAuto(enabled: boolean): Request {
    return { v: 1, type: 'set_auto', enabled };
  },
  getArray(name: string, requestId: number): Request {
    return { v: 1, type: 'get_array', name, request_id: requestId };
  },
  getReport(cell: ICellSummary, requestId: number): Request {
    return cell.execution_count !== null
      ? { v: 1, type: 'get_report', execution_count: cell.execution_count, request_id: requestId }
      : { v: 1, type: 'get_report', index: cell.index, request_id: requestId };
  }
};

// ---------------------------------------------------------------------------------------------
// Checking what the kernel sends

export class ProtocolError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function need(condition: boolean, what: string): void {
  if (!condition) {
    throw new ProtocolError(what);
  }
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const isIntList = (v: unknown): boolean => Array.isArray(v) && v.every(isInt);

/** The layout model's cells must be drawable: as many hits and orders as cells drawn. */
function checkLayoutModel(value: unknown, where: string): void {
  need(isObject(value), where);
  const m = value as Json;
  for (const key of ['unit', 'row_cells', 'n_cells', 'first_cell']) {
    need(isInt(m[key]) && (m[key] as number) >= (key === 'unit' || key === 'row_cells' ? 1 : 0), `${where}.${key}`);
  }
  need(isIntList(m.hits) && (m.hits as number[]).length === m.n_cells, `${where}.hits`);
  need(
    Array.isArray(m.order) && (m.order as unknown[]).every(o => o === null || isInt(o)) &&
      ((m.order as unknown[]).length === m.n_cells || (m.order as unknown[]).length === 0),
    `${where}.order`
  );
}
const isIntOrNull = (v: unknown): boolean => v === null || isInt(v);

function checkArrayInfo(info: unknown, where: string): void {
  need(isObject(info), `${where}: not an object`);
  const a = info as Json;
  need(typeof a.name === 'string', `${where}: name`);
  need(isIntList(a.shape) && isIntList(a.strides), `${where}: shape/strides`);
  need(typeof a.dtype === 'string', `${where}: dtype`);
  need(isInt(a.nbytes) && isInt(a.itemsize), `${where}: nbytes/itemsize`);
  need(typeof a.is_view === 'boolean', `${where}: is_view`);
  need(a.base === null || typeof a.base === 'string', `${where}: base`);
  need(
    typeof a.c_contiguous === 'boolean' && typeof a.f_contiguous === 'boolean',
    `${where}: contiguity`
  );
}

function checkSummary(cell: unknown, where: string): void {
  need(isObject(cell), `${where}: not an object`);
  const c = cell as Json;
  need(isInt(c.index), `${where}: index`);
  need(isIntOrNull(c.execution_count), `${where}: execution_count`);
  for (const key of ['peak_bytes', 'allocated_bytes', 'temporaries']) {
    need(isInt(c[key]), `${where}: ${key}`);
  }
  need(isIntOrNull(c.findings), `${where}: findings`);
  need(Array.isArray(c.categories), `${where}: categories`);
}

function checkAuto(a: Json, where: string): void {
  need(
    typeof a.available === 'boolean' && typeof a.enabled === 'boolean',
    `${where}: available/enabled`
  );
}

/**
 * The fields of each message type this panel knows (beside `v`, `type`, `request_id`), as in
 * docs/comm.schema.json (tests/test_comm_schema.py checks them against it).  A reader is tolerant:
 * what is not here is ignored, and `unknownParts` names it for the status line.
 */
export const KNOWN_FIELDS: Record<KernelMessage['type'], readonly string[]> = {
  welcome: ['protocol', 'arrayprof_version', 'python_version', 'numpy_version', 'auto', 'limits'],
  auto: ['available', 'enabled', 'threshold_bytes'],
  cell: ['cell'],
  history: ['cells', 'count'],
  arrays: ['arrays', 'count', 'truncated', 'numpy_bytes', 'rss_bytes', 'execution_count'],
  array: ['name', 'info', 'explanation', 'explanation_source', 'layout'],
  report: ['index', 'summary', 'report', 'trimmed'],
  error: ['code', 'message', 'request_type', 'retry_after_s', 'unanswered']
};

/**
 * What of a kernel message this panel does not know (a newer kernel's additions): its type
 * (`subscribe`) when the type is unknown, else its unknown top-level fields (`arrays.gpu_bytes`).
 */
export function unknownParts(data: unknown): string[] {
  if (!isObject(data) || typeof data.type !== 'string') {
    return [];
  }
  const kind = data.type.slice(0, 40);
  if (!Object.prototype.hasOwnProperty.call(KNOWN_FIELDS, kind)) {
    return [`message type ${kind}`];
  }
  const known = new Set(['v', 'type', 'request_id', ...KNOWN_FIELDS[kind as KernelMessage['type']]]);
  return Object.keys(data)
    .filter(key => !known.has(key))
    .map(key => `${kind}.${key.slice(0, 40)}`);
}

/**
 * Check one message from the kernel.  Throws ProtocolError naming what is wrong; returns the
 * message typed when it is a well-formed v1 message, or null when its type is one this panel does
 * not know (a newer kernel's optional message: the caller ignores it).  Fields it does not know
 * are ignored.
 */
export function parseKernelMessage(data: unknown): KernelMessage | null {
  need(isObject(data), 'message is not an object');
  const m = data as Json;
  need(m.v === PROTOCOL_VERSION, `unsupported protocol version ${String(m.v)}`);
  switch (m.type) {
    case 'welcome':
      need(isObject(m.auto), 'welcome: auto');
      checkAuto(m.auto as Json, 'welcome.auto');
      break;
    case 'auto':
      checkAuto(m, 'auto');
      break;
    case 'cell':
      checkSummary(m.cell, 'cell');
      break;
    case 'history':
      need(Array.isArray(m.cells), 'history: cells');
      (m.cells as unknown[]).forEach((c, i) => checkSummary(c, `history.cells[${i}]`));
      break;
    case 'arrays':
      need(Array.isArray(m.arrays), 'arrays: arrays');
      (m.arrays as unknown[]).forEach((a, i) => checkArrayInfo(a, `arrays[${i}]`));
      need(isInt(m.numpy_bytes), 'arrays: numpy_bytes');
      need(isIntOrNull(m.rss_bytes), 'arrays: rss_bytes');
      break;
    case 'array':
      need(typeof m.name === 'string', 'array: name');
      checkArrayInfo(m.info, 'array.info');
      need(typeof m.explanation === 'string', 'array: explanation');
      need(isObject(m.layout), 'array: layout');
      need(isIntList((m.layout as Json).element_offsets), 'array: layout.element_offsets');
      if ((m.layout as Json).model !== undefined && (m.layout as Json).model !== null) {
        checkLayoutModel((m.layout as Json).model, 'array.layout.model');
      }
      break;
    case 'report':
      need(isObject(m.report), 'report: report');
      checkSummary(m.summary, 'report.summary');
      break;
    case 'error':
      need(typeof m.code === 'string' && typeof m.message === 'string', 'error: code/message');
      break;
    default:
      need(typeof m.type === 'string', 'message without a type');
      return null;
  }
  return data as unknown as KernelMessage;
}
