/** The panel's head: which notebook, the connection state, busy, automatic mode, totals. */
import { formatBytes } from '../format';
import { ArrayprofModel, ConnectionState } from '../model';
import { ModelView } from './base';
import { clear, h } from './dom';

const STATE_TEXT: Record<ConnectionState, string> = {
  'no-kernel': 'No kernel: open a notebook or console with a Python kernel.',
  connecting: 'Connecting to the kernel…',
  'not-installed': 'arrayprof is not installed in this kernel.',
  unsupported: "This kernel's arrayprof cannot talk to the panel (upgrade arrayprof).",
  ready: 'Connected.',
  error: 'arrayprof could not start in this kernel.'
};

export class StatusView extends ModelView {
  constructor(model: ArrayprofModel) {
    super(model, 'jp-arrayprof-status');
    this._toggle = h('input', { type: 'checkbox', class: 'jp-arrayprof-auto-toggle' });
    this._toggle.addEventListener('change', () => this.model.setAuto(this._toggle.checked));
    this._autoLabel = h(
      'label',
      { class: 'jp-arrayprof-auto', title: 'Profile every cell in this kernel' },
      this._toggle,
      ' Profile every cell (automatic mode)'
    );
    this._banner = h('div', { class: 'jp-arrayprof-state' });
    this._source = h('div', { class: 'jp-arrayprof-source' });
    this._totals = h('div', { class: 'jp-arrayprof-totals' });
    this._error = h('div', { class: 'jp-arrayprof-error' });
    this._note = h('div', { class: 'jp-arrayprof-note jp-arrayprof-protocol-note' });
    this.node.append(
      h('h2', { class: 'jp-arrayprof-title' }, 'Array Inspector'),
      this._source,
      this._banner,
      this._autoLabel,
      this._totals,
      this._error,
      this._note
    );
  }

  protected render(): void {
    const m = this.model;
    this._source.textContent = m.sourceLabel ? `Kernel of: ${m.sourceLabel}` : '';
    const busy = m.state === 'ready' && m.busy;
    this.node.dataset.state = busy ? 'busy' : m.state;
    clear(this._banner);
    this._banner.append(busy ? 'Kernel busy: the lists update when the cell finishes.' : STATE_TEXT[m.state]);
    if (m.state === 'not-installed') {
      this._banner.append(
        h(
          'div',
          { class: 'jp-arrayprof-install' },
          "Install it in the kernel's environment: ",
          h('code', {}, 'pip install arrayprof'),
          ', then restart the kernel.'
        )
      );
    }
    if (m.stateMessage && m.state !== 'ready') {
      this._banner.append(h('div', { class: 'jp-arrayprof-state-detail' }, m.stateMessage));
    }
    this._autoLabel.style.display = m.state === 'ready' && m.auto.available ? '' : 'none';
    this._toggle.checked = m.auto.enabled;
    this._totals.style.display = m.state === 'ready' ? '' : 'none';
    const truncated = m.arraysTruncated ? ` (largest ${m.arrays.length} shown)` : '';
    clear(this._totals);
    this._totals.title = 'NumPy data buffers held by the arrays in the namespace, and the kernel process memory (RSS)';
    this._totals.append(
      h('span', {}, `${m.arrayCount} ${m.arrayCount === 1 ? 'array' : 'arrays'}${truncated}`),
      ' · ',
      h('span', {}, `NumPy ${formatBytes(m.numpyBytes)}`),
      ' · ',
      h('span', {}, `process RSS ${formatBytes(m.rssBytes)}`)
    );
    this._error.textContent = m.lastError ?? '';
    this._error.style.display = m.lastError ? '' : 'none';
    this._note.textContent = m.protocolNote ?? '';
    this._note.style.display = m.protocolNote ? '' : 'none';
  }

  private _toggle: HTMLInputElement;
  private _autoLabel: HTMLLabelElement;
  private _banner: HTMLDivElement;
  private _source: HTMLDivElement;
  private _totals: HTMLDivElement;
  private _error: HTMLDivElement;
  private _note: HTMLDivElement;
}
