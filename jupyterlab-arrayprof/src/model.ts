/**
 * The panel's state: connection state, the live arrays, the cell history, the selection.
 *
 * The model knows nothing of JupyterLab or the DOM.  It receives kernel messages through
 * `handleMessage`, sends requests through the transport it is given, and emits `changed`.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  IArrayInfo,
  IArrayMessage,
  IAutoState,
  ICellSummary,
  IReportMessage,
  IWelcome,
  KernelMessage,
  parseKernelMessage,
  ProtocolError,
  unknownParts,
  Request,
  requests
} from './protocol';

export type ConnectionState =
  | 'no-kernel'
  | 'connecting'
  | 'not-installed'
  | 'unsupported'
  | 'ready'
  | 'error';

export type SortKey = 'name' | 'shape' | 'dtype' | 'nbytes' | 'base' | 'contiguity';

export type Transport = (request: Request) => void;

/** Most history rows kept in the panel (the kernel keeps its own, longer history). */
export const MAX_HISTORY_ROWS = 1000;

export function contiguityOf(info: IArrayInfo): string {
  if (info.c_contiguous && info.f_contiguous) {
    return 'C+F';
  }
  if (info.c_contiguous) {
    return 'C';
  }
  if (info.f_contiguous) {
    return 'F';
  }
  return 'strided';
}

function elements(info: IArrayInfo): number {
  return info.shape.reduce((n, d) => n * d, 1);
}

const comparators: Record<SortKey, (a: IArrayInfo, b: IArrayInfo) => number> = {
  name: (a, b) => a.name.localeCompare(b.name),
  shape: (a, b) => elements(a) - elements(b) || a.shape.length - b.shape.length,
  dtype: (a, b) => a.dtype.localeCompare(b.dtype),
  nbytes: (a, b) => a.nbytes - b.nbytes,
  base: (a, b) => (a.base ?? '').localeCompare(b.base ?? ''),
  contiguity: (a, b) => contiguityOf(a).localeCompare(contiguityOf(b))
};

export class ArrayprofModel {
  /** Emitted after every change of state. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Emitted when the user picks a history row (index.ts scrolls the notebook to that cell). */
  get cellActivated(): ISignal<this, ICellSummary> {
    return this._cellActivated;
  }

  state: ConnectionState = 'no-kernel';
  stateMessage = '';
  busy = false;
  /** What the panel follows: the notebook's or console's title. */
  sourceLabel = '';
  welcome: IWelcome | null = null;
  auto: IAutoState = { available: false, enabled: false, threshold_bytes: null };
  /** Whether to turn automatic mode on when a kernel connects (opening the panel does). */
  autoOnConnect = true;

  arrays: IArrayInfo[] = [];
  arrayCount = 0;
  arraysTruncated = false;
  numpyBytes: number | null = null;
  rssBytes: number | null = null;
  history: ICellSummary[] = [];

  selectedArray: string | null = null;
  arrayDetail: IArrayMessage | null = null;
  selectedCell: ICellSummary | null = null;
  report: IReportMessage | null = null;
  lastError: string | null = null;
  /**
   * What the kernel sent that this panel does not know (a newer arrayprof's message types and
   * fields): ignored, and said once in the status line; null while there is nothing to say.
   */
  protocolNote: string | null = null;

  sortKey: SortKey = 'nbytes';
  sortAscending = false;
  filter = '';

  constructor(clientVersion = '0.0.0') {
    this._clientVersion = clientVersion;
  }

  // -- connection -------------------------------------------------------------------------------

  /** The `hello` that opens the comm (sent as the comm's open data). */
  helloMessage(): Request {
    return requests.hello(this._clientVersion);
  }

  /** Start talking to a kernel whose comm was opened with `helloMessage()`. */
  connect(transport: Transport): void {
    this._clearKernelData();
    this._transport = transport;
    this.state = 'connecting';
    this.stateMessage = '';
    this._emit();
  }

  /** Stop talking (no kernel, kernel gone, or restarting); keep nothing of the old kernel. */
  disconnect(state: ConnectionState, message = ''): void {
    this._transport = null;
    this._clearKernelData();
    this.state = state;
    this.stateMessage = message;
    this._emit();
  }

  /** The connection is being set up, or set up again (restart), without a transport yet. */
  setState(state: ConnectionState, message = ''): void {
    this.state = state;
    this.stateMessage = message;
    this._emit();
  }

  setBusy(busy: boolean): void {
    if (busy !== this.busy) {
      this.busy = busy;
      this._emit();
    }
  }

  setSourceLabel(label: string): void {
    this.sourceLabel = label;
    this._emit();
  }

  get connected(): boolean {
    return this._transport !== null;
  }

  /** The comm closed.  Before `welcome` it means the kernel has no `arrayprof` target. */
  commClosed(): void {
    if (this.state === 'connecting') {
      this.disconnect(
        'unsupported',
        "this kernel's arrayprof has no panel support (no 'arrayprof' comm target)"
      );
    } else if (this._transport !== null) {
      this.disconnect('connecting', 'the connection to the kernel closed');
    }
  }

  // -- messages from the kernel ---------------------------------------------------------------

  /** Take one comm message from the kernel; malformed ones are recorded as `lastError`. */
  handleMessage(data: unknown): void {
    let message: KernelMessage | null;
    try {
      message = parseKernelMessage(data);
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.lastError = `bad message from the kernel: ${error.message}`;
        this._emit();
        return;
      }
      throw error;
    }
    const noted = this._noteUnknown(data);
    if (message === null) {
      if (noted) {
        this._emit();
      }
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.welcome = message;
        this.auto = { ...message.auto };
        this.state = 'ready';
        this.stateMessage = '';
        if (this.autoOnConnect && message.auto.available && !message.auto.enabled) {
          this._send(requests.setAuto(true));
        }
        break;
      case 'auto':
        this.auto = {
          available: message.available,
          enabled: message.enabled,
          threshold_bytes: message.threshold_bytes
        };
        break;
      case 'history':
        this.history = message.cells.slice(-MAX_HISTORY_ROWS);
        break;
      case 'cell':
        this._addCell(message.cell);
        break;
      case 'arrays':
        this.arrays = message.arrays;
        this.arrayCount = message.count;
        this.arraysTruncated = message.truncated;
        this.numpyBytes = message.numpy_bytes;
        this.rssBytes = message.rss_bytes;
        if (this.selectedArray !== null) {
          if (!this.arrays.some(a => a.name === this.selectedArray)) {
            this.selectedArray = null;
            this.arrayDetail = null;
          } else {
            // the array may have changed: ask again
            this._send(requests.getArray(this.selectedArray, this._nextRequest()));
          }
        }
        break;
      case 'array':
        if (message.name === this.selectedArray) {
          this.arrayDetail = message;
        }
        break;
      case 'report':
        if (message.request_id === this._reportRequest) {
          this.report = message;
        }
        // asking for the report computed findings that were pending: the row shows their count
        this._updateCell(message.summary);
        break;
      case 'error':
        this.lastError = `${message.code}: ${message.message}`;
        if (message.code === 'not-found' && message.request_type === 'get_array') {
          this.arrayDetail = null;
        }
        break;
    }
    this._emit();
  }

  // -- user actions ---------------------------------------------------------------------------

  /** Select an array (null to clear): asks the kernel for its detail and explanation. */
  selectArray(name: string | null): void {
    this.selectedArray = name;
    this.arrayDetail = null;
    if (name !== null) {
      this._send(requests.getArray(name, this._nextRequest()));
    }
    this._emit();
  }

  /** Pick a history row: asks for the cell's report and tells listeners to show the cell. */
  selectCell(cell: ICellSummary): void {
    this.selectedCell = cell;
    this.report = null;
    this._reportRequest = this._nextRequest();
    this._send(requests.getReport(cell, this._reportRequest));
    this._emit();
    this._cellActivated.emit(cell);
  }

  /** The toggle: shown at once; the kernel's `auto` answer confirms or corrects it. */
  setAuto(enabled: boolean): void {
    this.autoOnConnect = enabled;
    if (this.connected && this.auto.available) {
      this.auto = { ...this.auto, enabled };
    }
    this._send(requests.setAuto(enabled));
    this._emit();
  }

  refresh(): void {
    this._send(requests.refresh());
  }

  /** Sort by `key`; picking the current key again flips the direction. */
  setSort(key: SortKey): void {
    if (key === this.sortKey) {
      this.sortAscending = !this.sortAscending;
    } else {
      this.sortKey = key;
      this.sortAscending = key === 'name' || key === 'dtype' || key === 'base';
    }
    this._emit();
  }

  setFilter(filter: string): void {
    this.filter = filter;
    this._emit();
  }

  /** The arrays to show: filtered (by name, dtype or view-of, case-insensitive), then sorted. */
  visibleArrays(): IArrayInfo[] {
    const needle = this.filter.trim().toLowerCase();
    const shown = needle
      ? this.arrays.filter(
          a =>
            a.name.toLowerCase().includes(needle) ||
            a.dtype.toLowerCase().includes(needle) ||
            (a.base ?? '').toLowerCase() === needle
        )
      : this.arrays.slice();
    const compare = comparators[this.sortKey];
    shown.sort((a, b) => {
      const order = compare(a, b) || a.name.localeCompare(b.name);
      return this.sortAscending ? order : -order;
    });
    return shown;
  }

  /** Bytes of the arrays shown (views count 0: their buffer is counted by its owner). */
  get shownBytes(): number {
    return this.visibleArrays().reduce((sum, a) => sum + (a.is_view ? 0 : a.nbytes), 0);
  }

  // -- internals ------------------------------------------------------------------------------

  private _addCell(cell: ICellSummary): void {
    const at = this.history.findIndex(c => c.index === cell.index);
    if (at >= 0) {
      this.history[at] = cell;
    } else {
      this.history.push(cell);
      if (this.history.length > MAX_HISTORY_ROWS) {
        this.history.splice(0, this.history.length - MAX_HISTORY_ROWS);
      }
    }
  }

  /** Replace a row the panel already shows (a report's summary never adds a row). */
  private _updateCell(cell: ICellSummary): void {
    const at = this.history.findIndex(c => c.index === cell.index);
    if (at >= 0) {
      this.history[at] = cell;
    }
    if (this.selectedCell !== null && this.selectedCell.index === cell.index) {
      this.selectedCell = cell;
    }
  }

  private _clearKernelData(): void {
    this.welcome = null;
    this.auto = { available: false, enabled: false, threshold_bytes: null };
    this.arrays = [];
    this.arrayCount = 0;
    this.arraysTruncated = false;
    this.numpyBytes = null;
    this.rssBytes = null;
    this.history = [];
    this.selectedArray = null;
    this.arrayDetail = null;
    this.selectedCell = null;
    this.report = null;
    this.lastError = null;
    this.protocolNote = null;
    this._unknown.clear();
    this.busy = false;
  }

  /** Record what of `data` this panel does not know; true when the note changed. */
  private _noteUnknown(data: unknown): boolean {
    const before = this._unknown.size;
    for (const part of unknownParts(data)) {
      if (this._unknown.size < 20) {
        this._unknown.add(part);
      }
    }
    if (this._unknown.size === before) {
      return false;
    }
    this.protocolNote =
      `The kernel's arrayprof is newer than this panel: ignored ${[...this._unknown].join(', ')}.`;
    return true;
  }

  private _send(request: Request): void {
    if (this._transport !== null) {
      this._transport(request);
    }
  }

  private _nextRequest(): number {
    this._requestCounter += 1;
    return this._requestCounter;
  }

  private _unknown = new Set<string>();

  private _emit(): void {
    this._changed.emit(undefined);
  }

  private _clientVersion: string;
  private _transport: Transport | null = null;
  private _requestCounter = 0;
  private _reportRequest: number | null = null;
  private _changed = new Signal<this, void>(this);
  private _cellActivated = new Signal<this, ICellSummary>(this);
}
