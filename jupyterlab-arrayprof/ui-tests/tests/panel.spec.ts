/**
 * The Array Inspector in a real JupyterLab, driven as a person would: open a notebook, open the
 * panel from the command palette, run cells, read the panel, select an array, click a history
 * row, restart the kernel, close the notebook.
 */
import { expect, galata, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as path from 'path';

const SHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');

// kernels: null turns galata's kernels API mock off: the mock answers every POST under
// /api/kernels with 201 Created, so JupyterLab takes a kernel restart (200 expected) for a failure
// and never reconnects.  Kernels are shut down with the server instead.
test.use({ autoGoto: true, kernels: null });
test.describe.configure({ mode: 'serial' });

function panel(page: IJupyterLabPageFixture): Locator {
  return page.locator('#jp-arrayprof-panel');
}

function historyRows(page: IJupyterLabPageFixture): Locator {
  return panel(page).locator('.jp-arrayprof-history tbody tr[data-cell]');
}

function arrayRow(page: IJupyterLabPageFixture, name: string): Locator {
  return panel(page).locator(`.jp-arrayprof-arrays tbody tr[data-array="${name}"]`);
}

/** Open the panel the way a person does: its icon in the right sidebar. */
async function openPanelFromSidebar(page: IJupyterLabPageFixture): Promise<void> {
  await page.locator('.jp-SideBar.jp-mod-right li[data-id="jp-arrayprof-panel"]').click();
  await expect(panel(page)).toBeVisible();
}

/** Open it through its command, the one the command palette lists. */
async function openPanelByCommand(page: IJupyterLabPageFixture): Promise<void> {
  const label = await page.evaluate(() =>
    (window as any).jupyterapp.commands.label('arrayprof:open-inspector')
  );
  expect(label).toBe('Show Array Inspector (arrayprof)');
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('arrayprof:open-inspector')
  );
  await expect(panel(page)).toBeVisible();
}

/**
 * Nothing in the panel is wider than the panel: it never scrolls sideways.  Returns the panel's
 * width, so a test can say at which width it checked.
 */
async function expectNoSidewaysScroll(page: IJupyterLabPageFixture): Promise<number> {
  const result = await panel(page).evaluate((root: HTMLElement) => {
    const box = root.getBoundingClientRect();
    const wide: string[] = [];
    const candidates = [root, ...Array.from(root.querySelectorAll<HTMLElement>('.lm-Widget, table, tr, svg, pre, input'))];
    for (const element of candidates) {
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) {
        continue; // hidden
      }
      const overflows = element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== 'auto';
      if (rect.right > box.right + 1 || rect.left < box.left - 1 || (overflows && element.tagName !== 'PRE')) {
        wide.push(`${element.tagName.toLowerCase()}.${String(element.getAttribute('class') ?? '').split(' ').join('.')} ` +
          `(${Math.round(rect.left)}..${Math.round(rect.right)}, scroll ${element.scrollWidth} > ${element.clientWidth})`);
      }
    }
    return { width: box.width, scroll: root.scrollWidth - root.clientWidth, wide };
  });
  expect(result.wide).toEqual([]);
  expect(result.scroll).toBeLessThanOrEqual(0);
  return result.width;
}

async function addAndRun(page: IJupyterLabPageFixture, source: string): Promise<void> {
  const count = await page.notebook.getCellCount();
  // a new notebook starts with one empty cell: use it first
  const first = count === 1 && (await page.notebook.getCellTextInput(0)).trim() === '';
  const index = first ? 0 : count;
  if (first) {
    await page.notebook.setCell(0, 'code', source);
  } else {
    await page.notebook.addCell('code', source);
  }
  await page.notebook.runCell(index, true);
}

test('the panel shows live arrays, explanations, history, and survives a kernel restart', async ({
  page
}) => {
  page.on('console', message => {
    if (message.text().includes('arrayprof')) {
      console.log(`[browser] ${message.text()}`);
    }
  });
  await page.notebook.createNew('arrays.ipynb');
  await openPanelFromSidebar(page);

  const status = panel(page).locator('.jp-arrayprof-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  // opening the panel turned automatic mode on, with a visible toggle
  await expect(panel(page).locator('.jp-arrayprof-auto-toggle')).toBeChecked();

  // history grows by one row per cell
  const before = await historyRows(page).count();
  await addAndRun(page, 'import numpy as np');
  await expect(historyRows(page)).toHaveCount(before + 1);
  await addAndRun(page, 'a = np.arange(16, dtype=np.float32).reshape(4, 4)');
  await expect(historyRows(page)).toHaveCount(before + 2);
  await addAndRun(page, 'b = a[::2, ::2]');
  await expect(historyRows(page)).toHaveCount(before + 3);

  // both arrays, right shapes and strides, b a view of a
  await expect(arrayRow(page, 'a').locator('.jp-arrayprof-shape')).toHaveText('(4, 4)');
  await expect(arrayRow(page, 'a').locator('.jp-arrayprof-strides')).toHaveText('(16, 4)');
  await expect(arrayRow(page, 'b').locator('.jp-arrayprof-shape')).toHaveText('(2, 2)');
  await expect(arrayRow(page, 'b').locator('.jp-arrayprof-strides')).toHaveText('(32, 8)');
  await expect(arrayRow(page, 'b').locator('.jp-arrayprof-base')).toHaveText('a');
  await expect(arrayRow(page, 'b').locator('.jp-arrayprof-contiguity')).toHaveText('strided');
  await expect(panel(page).locator('.jp-arrayprof-totals')).toContainText('NumPy');

  // filter and sort
  const filter = panel(page).locator('.jp-arrayprof-filter');
  await filter.fill('b');
  await expect(arrayRow(page, 'a')).toHaveCount(0);
  await filter.fill('');
  await expect(arrayRow(page, 'a')).toHaveCount(1);
  await panel(page).locator('th[data-sort="name"]').click();
  await expect(panel(page).locator('.jp-arrayprof-arrays tbody tr').first()).toHaveAttribute(
    'data-array',
    'a'
  );

  // selecting b shows its explanation and its layout drawing (4 of a's 16 elements)
  await arrayRow(page, 'b').click();
  const detail = panel(page).locator('.jp-arrayprof-detail');
  await expect(detail.locator('.jp-arrayprof-explanation')).toContainText('view of a');
  await expect(detail.locator('rect.jp-arrayprof-slot')).toHaveCount(16);
  await expect(detail.locator('rect.jp-arrayprof-slot-used')).toHaveCount(4);
  // b sits in a's buffer as a's rows and columns: 4 per row, elements 0, 2, 8 and 10
  await expect(detail.locator('rect.jp-arrayprof-slot-used title')).toHaveText([
    /buffer element 0 .*: element 0 of the array/,
    /buffer element 2 .*: element 1 of the array/,
    /buffer element 8 .*: element 2 of the array/,
    /buffer element 10 .*: element 3 of the array/
  ]);

  // at the panel's default (its minimum, 300px) nothing scrolls sideways: an array takes two lines
  const width = await expectNoSidewaysScroll(page);
  expect(width).toBeLessThanOrEqual(300);
  const nameBox = await arrayRow(page, 'b').locator('.jp-arrayprof-name').boundingBox();
  const stridesBox = await arrayRow(page, 'b').locator('.jp-arrayprof-strides').boundingBox();
  expect(stridesBox!.y).toBeGreaterThan(nameBox!.y + 4);
  await panel(page).locator('.jp-arrayprof-status').screenshot({ path: path.join(SHOTS, '1-status.png') });
  await panel(page).locator('.jp-arrayprof-arrays').screenshot({ path: path.join(SHOTS, '1-arrays.png') });
  await detail.screenshot({ path: path.join(SHOTS, '1-detail.png') });
  await panel(page).evaluate((root: HTMLElement) => root.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, '1-lab.png') });

  // widened, the table takes one line per array, and still fits
  expect(await page.sidebar.setWidth(560, 'right')).toBe(true);
  await expect
    .poll(async () => (await arrayRow(page, 'b').locator('.jp-arrayprof-strides').boundingBox())!.y)
    .toBeLessThan((await arrayRow(page, 'b').locator('.jp-arrayprof-name').boundingBox())!.y + 4);
  expect(await expectNoSidewaysScroll(page)).toBeGreaterThan(500);
  await panel(page).locator('.jp-arrayprof-arrays').screenshot({ path: path.join(SHOTS, '1-arrays-wide.png') });
  await page.sidebar.setWidth(251, 'right');

  // clicking a history row shows that cell's report and makes it the active cell
  await panel(page).locator('.jp-arrayprof-history tbody tr[data-cell]', { hasText: '[2]' }).click();
  await expect(panel(page).locator('.jp-arrayprof-report')).toContainText('Report of cell [2]');
  await expect(panel(page).locator('.jp-arrayprof-report')).toContainText('np.arange');
  await expect
    .poll(async () => page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.content.activeCellIndex))
    .toBe(1);
  await expectNoSidewaysScroll(page);
  await panel(page).locator('.jp-arrayprof-history').screenshot({ path: path.join(SHOTS, '2-history.png') });
  await panel(page).locator('.jp-arrayprof-report').screenshot({ path: path.join(SHOTS, '2-report.png') });

  // a cell with a finding: its report lists it, and the panel still fits
  await addAndRun(page, 'x = np.arange(2000.0)\nspread = np.abs(x[:, None] - x[None, :]).max()');
  await expect(historyRows(page)).toHaveCount(before + 4);
  await historyRows(page).first().click();
  await expect(panel(page).locator('.jp-arrayprof-report')).toContainText('spread = np.abs(');
  await expect(panel(page).locator('.jp-arrayprof-report tr.jp-arrayprof-peakline')).toContainText('spread');
  await expectNoSidewaysScroll(page);
  await panel(page).locator('.jp-arrayprof-report').screenshot({ path: path.join(SHOTS, '2-report-findings.png') });
  // a buffer too large for one box per cell: the kernel's model draws a window of 256 cells
  await arrayRow(page, 'x').locator('.jp-arrayprof-name').click();
  await expect(detail.locator('.jp-arrayprof-explanation')).toContainText('x:');
  await expect(detail.locator('.jp-arrayprof-layout-caption')).toContainText(
    'x in its buffer: 2,000 cells of 8 B, 256 touched; cells 0–255 drawn'
  );
  await expect(detail.locator('rect.jp-arrayprof-slot-used')).toHaveCount(256);
  await expectNoSidewaysScroll(page);
  await detail.screenshot({ path: path.join(SHOTS, '2-detail-large.png') });

  // busy: a long cell shows the busy state, then the panel is ready again
  await addAndRun(page, 'import time; time.sleep(0.1)');
  await page.notebook.addCell('code', 'time.sleep(4)');
  const sleeping = page.notebook.runCell((await page.notebook.getCellCount()) - 1, true);
  await expect(status).toHaveAttribute('data-state', 'busy');
  await sleeping;
  await expect(status).toHaveAttribute('data-state', 'ready');

  // restart the kernel: the panel reconnects to the fresh kernel (empty namespace)
  await page.evaluate(() => {
    // not awaited: the command waits for the confirmation dialog
    void (window as any).jupyterapp.commands.execute('notebook:restart-kernel');
  });
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(arrayRow(page, 'a')).toHaveCount(0);
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  await expect(panel(page).locator('.jp-arrayprof-auto-toggle')).toBeChecked();
  await addAndRun(page, 'import numpy as np; c = np.ones(3)');
  await expect(arrayRow(page, 'c').locator('.jp-arrayprof-shape')).toHaveText('(3,)');
  await expect(historyRows(page)).toHaveCount(1);
  await panel(page).screenshot({ path: path.join(SHOTS, '3-after-restart.png') });

  // the toggle turns automatic mode off in the kernel: cells stop adding rows
  await panel(page).locator('.jp-arrayprof-auto-toggle').uncheck();
  await addAndRun(page, 'd = np.zeros(5)');
  await expect(arrayRow(page, 'd')).toHaveCount(1); // the live list still updates
  await expect(historyRows(page)).toHaveCount(1);

  // closing the notebook leaves the panel with no kernel
  await page.notebook.close(true);
  await expect(status).toHaveAttribute('data-state', 'no-kernel');
  await panel(page).screenshot({ path: path.join(SHOTS, '4-no-kernel.png') });
});

test('the command palette lists the Array Inspector and opens it', async ({ page }) => {
  await expect(panel(page)).toBeHidden();
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await expect(palette).toBeVisible();
  await palette.locator('input').fill('Array Inspector');
  const entry = palette.locator('.lm-CommandPalette-item', { hasText: 'Show Array Inspector (arrayprof)' });
  await expect(entry).toBeVisible();
  await palette.screenshot({ path: path.join(SHOTS, '0-palette.png') });
  await entry.click();
  await expect(palette).toBeHidden();
  await expect(panel(page)).toBeVisible();
  // no notebook is open: the panel says so
  await expect(panel(page).locator('.jp-arrayprof-status')).toHaveAttribute('data-state', 'no-kernel');
  await expectNoSidewaysScroll(page);
  await panel(page).screenshot({ path: path.join(SHOTS, '0-no-kernel.png') });
});

function emptyNotebook(kernel = 'python3'): string {
  return JSON.stringify({
    cells: [{ cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null }],
    metadata: {
      kernelspec: { name: kernel, display_name: kernel, language: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

test('the panel follows the active notebook', async ({ page, tmpPath }) => {
  page.on('console', message => {
    if (message.text().includes('arrayprof')) {
      console.log(`[browser] ${message.text()}`);
    }
  });
  for (const name of ['first.ipynb', 'second.ipynb']) {
    await page.contents.uploadContent(emptyNotebook(), 'text', `${tmpPath}/${name}`);
  }
  await page.filebrowser.refresh();
  await page.notebook.open('first.ipynb');
  await openPanelByCommand(page);
  const status = panel(page).locator('.jp-arrayprof-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  await addAndRun(page, 'import numpy as np; only_in_first = np.zeros(2)');
  await expect(arrayRow(page, 'only_in_first')).toHaveCount(1);

  await page.notebook.open('second.ipynb');
  await expect(panel(page).locator('.jp-arrayprof-source')).toContainText('second.ipynb');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  await expect(arrayRow(page, 'only_in_first')).toHaveCount(0);
  await addAndRun(page, 'import numpy as np; only_in_second = np.zeros(2)');
  await expect(arrayRow(page, 'only_in_second')).toHaveCount(1);

  await page.notebook.activate('first.ipynb');
  await expect(panel(page).locator('.jp-arrayprof-source')).toContainText('first.ipynb');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  await expect(arrayRow(page, 'only_in_first')).toHaveCount(1);
  await expect(arrayRow(page, 'only_in_second')).toHaveCount(0);
  await panel(page).screenshot({ path: path.join(SHOTS, '5-follows-first.png') });
});

test('a kernel without arrayprof gets a clear state', async ({ page, tmpPath }) => {
  await page.contents.uploadContent(emptyNotebook('no-arrayprof'), 'text', `${tmpPath}/plain.ipynb`);
  await page.filebrowser.refresh();
  await page.notebook.open('plain.ipynb');
  await openPanelFromSidebar(page);
  const status = panel(page).locator('.jp-arrayprof-status');
  await expect(status).toHaveAttribute('data-state', 'not-installed', { timeout: 60000 });
  await expect(status).toContainText('arrayprof is not installed in this kernel');
  await expect(status.locator('.jp-arrayprof-install code')).toHaveText('pip install arrayprof');
  await expectNoSidewaysScroll(page);
  await panel(page).screenshot({ path: path.join(SHOTS, '6-not-installed.png') });
});

test('the panel follows a console', async ({ page }) => {
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('console:create', {
      kernelPreference: { name: 'python3' }
    });
  });
  await openPanelFromSidebar(page);
  const status = panel(page).locator('.jp-arrayprof-status');
  await expect(panel(page).locator('.jp-arrayprof-source')).toContainText('Console');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout: 60000 });
  await page.locator('.jp-CodeConsole-promptCell .cm-content').click();
  await page.keyboard.type('import numpy as np; in_console = np.ones(4)');
  await page.keyboard.press('Shift+Enter');
  await expect(arrayRow(page, 'in_console').locator('.jp-arrayprof-shape')).toHaveText('(4,)');
  await expect(historyRows(page)).toHaveCount(1);
  await panel(page).screenshot({ path: path.join(SHOTS, '7-console.png') });
});

void galata;
