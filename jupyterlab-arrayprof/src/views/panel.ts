/** The sidebar panel: the views stacked in one scrolling column. */
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { icon } from '../icon';
import { ArrayprofModel } from '../model';
import { ArraysView } from './arrays';
import { DetailView } from './detail';
import { HistoryView } from './history';
import { ReportView } from './report';
import { StatusView } from './status';

export const PANEL_ID = 'jp-arrayprof-panel';

export class ArrayprofPanel extends Panel {
  constructor(model: ArrayprofModel) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-arrayprof-panel');
    this.title.icon = icon;
    this.title.caption = 'Array Inspector (arrayprof)';
    this.addWidget(new StatusView(model));
    this.addWidget(new ArraysView(model));
    this.addWidget(new DetailView(model));
    this.addWidget(new HistoryView(model));
    this.addWidget(new ReportView(model));
  }

  /**
   * The sidebar takes the panel's minimum width (style/base.css widens the side stack while the
   * panel shows): ask the layouts up the tree to fit again, as they read minimum sizes on fit.
   */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    for (let widget: Widget | null = this.parent; widget !== null; widget = widget.parent) {
      widget.fit();
    }
    this.onShown?.();
  }

  /** Called each time the panel is shown (JupyterLab's sidebar, Notebook 7's right panel). */
  onShown: (() => void) | null = null;
}
