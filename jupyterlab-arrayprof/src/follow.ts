/**
 * Which notebook or console the panel follows: the one the user last activated.  Other
 * activities (an editor, a terminal) keep the last one; closing it leaves "no kernel".
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/** A notebook panel or console panel: a widget with a session context. */
export interface ISource {
  widget: Widget;
  sessionContext: ISessionContext;
  label: string;
}

/** The trackers' common part (INotebookTracker, IConsoleTracker). */
export interface IWidgetTracker {
  has(widget: Widget): boolean;
  currentWidget: Widget | null;
}

export class SourceFollower {
  constructor(trackers: IWidgetTracker[]) {
    this._trackers = trackers;
  }

  get sourceChanged(): ISignal<this, ISource | null> {
    return this._sourceChanged;
  }

  get current(): ISource | null {
    return this._current;
  }

  /** The shell's current widget changed (or at start-up, with the trackers' current ones). */
  follow(widget: Widget | null): void {
    if (widget === null || !this._trackers.some(t => t.has(widget))) {
      return;
    }
    const sessionContext = (widget as unknown as { sessionContext?: ISessionContext })
      .sessionContext;
    if (!sessionContext || this._current?.widget === widget) {
      return;
    }
    if (this._current !== null) {
      this._current.widget.disposed.disconnect(this._onDisposed, this);
      this._current.widget.title.changed.disconnect(this._onTitle, this);
    }
    this._current = { widget, sessionContext, label: widget.title.label };
    widget.disposed.connect(this._onDisposed, this);
    widget.title.changed.connect(this._onTitle, this);
    this._sourceChanged.emit(this._current);
  }

  /** A rename: same session, new label. */
  private _onTitle(): void {
    if (this._current !== null && this._current.label !== this._current.widget.title.label) {
      this._current = { ...this._current, label: this._current.widget.title.label };
      this._sourceChanged.emit(this._current);
    }
  }

  private _onDisposed(): void {
    this._current = null;
    // fall back to another open notebook or console, if there is one
    for (const tracker of this._trackers) {
      const other = tracker.currentWidget;
      if (other !== null && !other.isDisposed) {
        this.follow(other);
        if (this._current !== null) {
          return;
        }
      }
    }
    this._sourceChanged.emit(null);
  }

  private _trackers: IWidgetTracker[];
  private _current: ISource | null = null;
  private _sourceChanged = new Signal<this, ISource | null>(this);
}
