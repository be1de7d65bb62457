/**
 * The kernel connector against a fake session and kernel: bootstrap string, comm target and
 * hello, error states, restarts, kernel changes.  No JupyterLab needed.
 */
import { Signal } from '@lumino/signaling';
import { beforeEach, describe, expect, it } from 'vitest';

import { KernelConnector } from '../src/connection';
import { ArrayprofModel } from '../src/model';
import { welcome } from './fixtures';

class FakeComm {
  constructor(readonly target: string) {}
  opened: unknown = null;
  sent: unknown[] = [];
  isDisposed = false;
  onMsg: (msg: { content: { data: unknown } }) => void = () => undefined;
  onClose: (msg?: unknown) => void = () => undefined;
  open(data: unknown): void {
    this.opened = data;
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(): void {
    this.isDisposed = true;
  }
  /** The kernel sends a message on this comm. */
  deliver(data: unknown): void {
    this.onMsg({ content: { data } });
  }
}

class FakeKernel {
  name = 'python3';
  id = 'k1';
  clientId = 'client';
  handleComms = true;
  isDisposed = false;
  status = 'idle';
  info: Promise<unknown> = Promise.resolve({});
  executed: { code: string; silent: boolean; store_history: boolean }[] = [];
  reply: unknown = { content: { status: 'ok' } };
  comms: FakeComm[] = [];
  requestExecute(content: { code: string; silent: boolean; store_history: boolean }) {
    this.executed.push(content);
    return { done: Promise.resolve(this.reply), dispose: () => undefined };
  }
  createComm(target: string): FakeComm {
    const comm = new FakeComm(target);
    this.comms.push(comm);
    return comm;
  }
}

class FakeSession {
  kernelChanged = new Signal<this, unknown>(this);
  statusChanged = new Signal<this, string>(this);
  ready = Promise.resolve();
  session: { kernel: FakeKernel | null };
  constructor(kernel: FakeKernel | null) {
    this.session = { kernel };
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
};

let model: ArrayprofModel;
let connector: KernelConnector;
let kernel: FakeKernel;
let session: FakeSession;

function follow(s: FakeSession | null): void {
  connector.setSession(s as any, 'nb.ipynb');
}

beforeEach(() => {
  model = new ArrayprofModel('test');
  connector = new KernelConnector(model);
  kernel = new FakeKernel();
  session = new FakeSession(kernel);
});

describe('KernelConnector', () => {
  it('runs nothing in any kernel until the panel is opened', async () => {
    follow(session);
    await settle();
    expect(kernel.executed).toEqual([]);
    expect(model.state).toBe('no-kernel');
  });

  it('bootstraps with the one fixed string, silently, then opens the comm with hello', async () => {
    connector.activate();
    follow(session);
    await settle();
    expect(kernel.executed).toEqual([
      expect.objectContaining({ code: '%load_ext arrayprof', silent: true, store_history: false })
    ]);
    expect(kernel.comms).toHaveLength(1);
    const comm = kernel.comms[0];
    expect(comm.target).toBe('arrayprof');
    expect(comm.opened).toMatchObject({ v: 1, type: 'hello', client: 'jupyterlab-arrayprof' });
    expect(model.state).toBe('connecting');
    expect(model.sourceLabel).toBe('nb.ipynb');

    comm.deliver(welcome(false));
    expect(model.state).toBe('ready');
    // opening the panel turns automatic mode on
    expect(comm.sent).toEqual([{ v: 1, type: 'set_auto', enabled: true }]);
  });

  it('shows "not installed" when the kernel cannot import arrayprof', async () => {
    kernel.reply = {
      content: { status: 'error', ename: 'ModuleNotFoundError', evalue: "No module named 'arrayprof'" }
    };
    connector.activate();
    follow(session);
    await settle();
    expect(model.state).toBe('not-installed');
    expect(kernel.comms).toHaveLength(0);
  });

  it('shows an error for other bootstrap failures', async () => {
    kernel.reply = { content: { status: 'error', ename: 'RuntimeError', evalue: 'boom' } };
    connector.activate();
    follow(session);
    await settle();
    expect(model.state).toBe('error');
    expect(model.stateMessage).toContain('boom');
  });

  it('a comm closed before welcome means the kernel has no panel support', async () => {
    connector.activate();
    follow(session);
    await settle();
    kernel.comms[0].onClose();
    expect(model.state).toBe('unsupported');
  });

  it('reconnects after a restart: the old comm is dropped, a new one opened', async () => {
    connector.activate();
    follow(session);
    await settle();
    kernel.comms[0].deliver(welcome(true));
    kernel.comms[0].deliver({ v: 1, type: 'cell', cell: { ...welcomeCell } });
    expect(model.history).toHaveLength(1);

    session.statusChanged.emit('restarting');
    expect(kernel.comms[0].isDisposed).toBe(true);
    expect(model.history).toEqual([]);
    await settle();
    session.statusChanged.emit('idle');
    await settle();
    const latest = kernel.comms[kernel.comms.length - 1];
    expect(latest.isDisposed).toBe(false);
    latest.deliver(welcome(true));
    expect(model.state).toBe('ready');
    // messages on the dead comm are ignored
    kernel.comms[0].deliver({ v: 1, type: 'cell', cell: { ...welcomeCell } });
    expect(model.history).toEqual([]);
  });

  it('shows busy while the kernel runs a cell', async () => {
    connector.activate();
    follow(session);
    await settle();
    kernel.comms[0].deliver(welcome(true));
    session.statusChanged.emit('busy');
    expect(model.busy).toBe(true);
    session.statusChanged.emit('idle');
    expect(model.busy).toBe(false);
  });

  it('follows kernel changes and sessions; no session means no kernel', async () => {
    connector.activate();
    follow(session);
    await settle();
    const other = new FakeKernel();
    session.session.kernel = other;
    session.kernelChanged.emit(null);
    await settle();
    expect(other.comms).toHaveLength(1);
    expect(kernel.comms[0].isDisposed).toBe(true);
    follow(null);
    await settle();
    expect(model.state).toBe('no-kernel');
    expect(other.comms[0].isDisposed).toBe(true);
  });

  it('a dead kernel leaves "no kernel"', async () => {
    connector.activate();
    follow(session);
    await settle();
    session.statusChanged.emit('dead');
    expect(model.state).toBe('no-kernel');
  });
});

const welcomeCell = {
  index: 0,
  execution_count: 1,
  source_head: 'a = 1',
  wall_s: 0,
  allocations: 0,
  allocated_bytes: 0,
  freed_bytes: 0,
  peak_bytes: 0,
  net_bytes: 0,
  temporaries: 0,
  temporary_bytes: 0,
  rss_peak_bytes: null,
  findings: 0,
  severities: {},
  categories: [],
  error: null
};
