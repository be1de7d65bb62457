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

const BOOTSTRAP_TICK_MS = 2000;
const MAX_BOOTSTRAP_ATTEMPTS = 5;

function delay(ms: number): Promise<undefined> {
  return new Promise(resolve => setTimeout(() => resolve(undefined), ms));
}

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
      this._model.setSourceLabel(label);
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
      // The old comm died with the old process.  Connect again at once: `_connect` waits for
      // the new process's kernel_info reply; a later status of the same restart supersedes it.
      this._restarting = true;
      void this._connect();
    } else if (status === 'dead') {
      this._restarting = false;
      this._generation++;
      this._closeComm();
      this._model.disconnect('no-kernel', 'the kernel is dead');
    } else if (status === 'idle' && this._restarting) {
      this._restarting = false;
      if (!this._model.connected) {
        void this._connect();
      }
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

  private async _connect(attempt = 0): Promise<void> {
    const generation = ++this._generation;
    this._closeComm();
    if (!this._active) {
      return;
    }
    const session = this._session;
    const kernel = session?.session?.kernel ?? null;
    if (session === null || kernel === null || kernel.isDisposed) {
      this._model.disconnect('no-kernel');
      return;
    }
    this._model.disconnect(
      'connecting',
      this._restarting ? 'the kernel is restarting' : `loading arrayprof in ${kernel.name}`
    );
    try {
      await session.ready;
      // the kernel has answered kernel_info: it is up (after a restart, up again)
      await kernel.info;
      if (!kernel.handleComms) {
        // JupyterLab gives comms to one connection per kernel; this one has none (yet)
        console.warn(
          `arrayprof: kernel connection ${kernel.clientId} to ${kernel.id} does not handle comms`
        );
        if (attempt < MAX_BOOTSTRAP_ATTEMPTS) {
          await delay(BOOTSTRAP_TICK_MS);
          if (generation === this._generation) {
            void this._connect(attempt + 1);
          }
          return;
        }
        throw new Error('this kernel connection cannot open comms');
      }
      const reply = await this._bootstrap(kernel, generation);
      if (reply === null || generation !== this._generation) {
        return;
      }
      const content = reply.content as KernelMessage.IExecuteReplyMsg['content'];
      if (content.status === 'error') {
        const errorContent = content as KernelMessage.IReplyErrorContent;
        const state = classifyBootstrapError(errorContent.ename, errorContent.evalue);
        this._model.disconnect(
          state,
          `${kernel.name}: ${errorContent.ename}: ${errorContent.evalue}`
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

  /**
   * Run the bootstrap string; null if superseded.  A request sent while a restart settles can be
   * lost: when the kernel sits idle without answering, the request is sent again.
   */
  private async _bootstrap(
    kernel: Kernel.IKernelConnection,
    generation: number
  ): Promise<KernelMessage.IExecuteReplyMsg | null> {
    for (let attempt = 0; attempt < MAX_BOOTSTRAP_ATTEMPTS; attempt++) {
      const future = kernel.requestExecute({
        code: BOOTSTRAP_CODE,
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      });
      let idleTicks = 0;
      for (;;) {
        const reply = await Promise.race([future.done, delay(BOOTSTRAP_TICK_MS)]);
        if (generation !== this._generation || kernel.isDisposed) {
          return null;
        }
        if (reply !== undefined) {
          return reply as KernelMessage.IExecuteReplyMsg;
        }
        // a busy kernel answers when the running cell ends; otherwise it should have answered
        idleTicks = kernel.status === 'busy' ? 0 : idleTicks + 1;
        if (idleTicks >= 2) {
          future.dispose();
          break;
        }
      }
    }
    throw new Error('the kernel did not answer %load_ext arrayprof');
  }

  private _model: ArrayprofModel;
  private _session: ISessionContext | null = null;
  private _comm: Kernel.IComm | null = null;
  private _active = false;
  private _restarting = false;
  private _generation = 0;
}
