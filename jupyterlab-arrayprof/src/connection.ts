/**
 * Connects the model to one kernel at a time: bootstraps arrayprof with the one fixed string
 * `%load_ext arrayprof`, opens the comm, follows kernel changes, busy states and restarts.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';

import { classifyBootstrapError } from './bootstrap';
import { ArrayprofModel } from './model';
import { BOOTSTRAP_CODE, TARGET_NAME } from './protocol';

export class KernelConnector {
  constructor(model: ArrayprofModel) {
    this._model = model;
  }

  /** Start connecting (the panel was opened); until then nothing runs in any kernel. */
  activate(): void {
    if (!this._active) {
      this._active = true;
      void this._connect();
    }
  }

  get active(): boolean {
    return this._active;
  }

  /** Follow this session (a notebook's or console's), or none. */
  setSession(session: ISessionContext | null, label: string): void {
    if (session === this._session) {
      return;
    }
    if (this._session !== null) {
      this._session.kernelChanged.disconnect(this._onKernelChanged, this);
      this._session.statusChanged.disconnect(this._onStatus, this);
    }
    this._session = session;
    this._model.setSourceLabel(label);
    if (session !== null) {
      session.kernelChanged.connect(this._onKernelChanged, this);
      session.statusChanged.connect(this._onStatus, this);
    }
    void this._connect();
  }

  dispose(): void {
    this.setSession(null, '');
    this._closeComm();
  }

  private _onKernelChanged(): void {
    void this._connect();
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    this._model.setBusy(status === 'busy');
    if (status === 'restarting' || status === 'autorestarting' || status === 'starting') {
      if (!this._restarting) {
        this._restarting = true;
        this._closeComm();
        this._model.disconnect('connecting', 'the kernel is restarting');
      }
    } else if (status === 'dead') {
      this._closeComm();
      this._model.disconnect('no-kernel', 'the kernel is dead');
    } else if (status === 'idle' && this._restarting) {
      this._restarting = false;
      void this._connect();
    }
  }

  private _closeComm(): void {
    const comm = this._comm;
    this._comm = null;
    if (comm !== null && !comm.isDisposed) {
      comm.onClose = () => undefined;
      try {
        comm.close();
      } catch {
        // the kernel may already be gone
      }
    }
  }

  private async _connect(): Promise<void> {
    const generation = ++this._generation;
    this._closeComm();
    if (!this._active) {
      return;
    }
    const session = this._session;
    const kernel = session?.session?.kernel ?? null;
    if (session === null || kernel === null) {
      this._model.disconnect('no-kernel');
      return;
    }
    this._model.disconnect('connecting', `loading arrayprof in ${kernel.name}`);
    try {
      await session.ready;
      const future = kernel.requestExecute({
        code: BOOTSTRAP_CODE,
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      });
      const reply = await future.done;
      if (generation !== this._generation) {
        return;
      }
      const content = reply.content as KernelMessage.IExecuteReplyMsg['content'];
      if (content.status === 'error') {
        const errorContent = content as KernelMessage.IReplyErrorContent;
        const state = classifyBootstrapError(errorContent.ename, errorContent.evalue);
        this._model.disconnect(
          state,
          state === 'not-installed'
            ? `arrayprof is not installed in this kernel (${errorContent.evalue})`
            : `${errorContent.ename}: ${errorContent.evalue}`
        );
        return;
      }
      const comm = kernel.createComm(TARGET_NAME);
      this._comm = comm;
      comm.onMsg = msg => {
        if (this._comm === comm) {
          this._model.handleMessage(msg.content.data);
        }
      };
      comm.onClose = () => {
        if (this._comm === comm) {
          this._comm = null;
          this._model.commClosed();
        }
      };
      comm.open(this._model.helloMessage() as unknown as JSONObject);
      this._model.connect(request => {
        if (!comm.isDisposed) {
          comm.send(request as unknown as JSONObject);
        }
      });
    } catch (error) {
      if (generation === this._generation) {
        this._model.disconnect('error', String(error));
      }
    }
  }

  private _model: ArrayprofModel;
  private _session: ISessionContext | null = null;
  private _comm: Kernel.IComm | null = null;
  private _active = false;
  private _restarting = false;
  private _generation = 0;
}
