/**
 * jupyterlab-arrayprof: wiring only.  State lives in model.ts, the kernel connection in
 * connection.ts, which notebook to follow in follow.ts, drawing in views/.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker } from '@jupyterlab/notebook';

import { KernelConnector } from './connection';
import { IWidgetTracker, SourceFollower } from './follow';
import { ArrayprofModel } from './model';
import { revealCell } from './navigate';
import { ArrayprofPanel, PANEL_ID } from './views/panel';

const COMMAND_OPEN = 'arrayprof:open-inspector';
const VERSION = '0.1.0';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-arrayprof:plugin',
  description: 'Array Inspector: live NumPy arrays and per-cell memory from arrayprof.',
  autoStart: true,
  optional: [ILabShell, INotebookTracker, IConsoleTracker, ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const model = new ArrayprofModel(VERSION);
    const connector = new KernelConnector(model);
    const trackers = [notebooks, consoles].filter(t => t !== null) as unknown as IWidgetTracker[];
    const follower = new SourceFollower(trackers);
    const panel = new ArrayprofPanel(model);

    follower.sourceChanged.connect((_, source) =>
      connector.setSession(source?.sessionContext ?? null, source?.label ?? '')
    );
    // JupyterLab's shell, or Notebook 7's (which has the same signal, without ILabShell)
    const shell = (labShell ?? app.shell) as unknown as {
      currentChanged?: { connect: (slot: (sender: unknown, change: { newValue: unknown }) => void) => void };
    };
    shell.currentChanged?.connect((_, change) => follower.follow(change.newValue as never));
    for (const tracker of trackers) {
      follower.follow(tracker.currentWidget);
    }
    model.cellActivated.connect((_, cell) => {
      const source = follower.current;
      if (source !== null && cell.execution_count !== null) {
        revealCell(source.widget, cell.execution_count);
      }
    });
    // nothing runs in a kernel until the panel is first shown (in JupyterLab's right sidebar or
    // Notebook 7's right panel)
    panel.disposed.connect(() => connector.dispose());
    const activateWhenShown = (): void => {
      if (panel.isVisible) {
        connector.activate();
      }
    };
    panel.onShown = activateWhenShown;
    app.restored.then(() => {
      activateWhenShown();
      labShell?.layoutModified.connect(activateWhenShown);
    });

    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, PANEL_ID);

    app.commands.addCommand(COMMAND_OPEN, {
      label: 'Show Array Inspector (arrayprof)',
      caption: 'Live NumPy arrays and per-cell memory of the current kernel',
      execute: () => {
        app.shell.activateById(PANEL_ID);
        connector.activate();
      }
    });
    palette?.addItem({ command: COMMAND_OPEN, category: 'arrayprof' });
  }
};

export default plugin;
