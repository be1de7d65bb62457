// Browser tests of the Array Inspector: galata's defaults, Debian's chromium (no browser
// download), no video, a JupyterLab server of our own on 127.0.0.1.
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const path = require('path');

const port = process.env.ARRAYPROF_UI_PORT || '8891';
// kernels/no-arrayprof: a Python kernel in which `import arrayprof` fails
const jupyterPath = [__dirname, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
const url = `http://127.0.0.1:${port}`;

module.exports = {
  ...baseConfig,
  testDir: './tests',
  timeout: 180000,
  expect: { timeout: 30000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    ...baseConfig.use,
    baseURL: url,
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
    }
  },
  webServer: {
    command: 'jupyter lab --config jupyter_server_test_config.py',
    url: `${url}/lab`,
    timeout: 120000,
    reuseExistingServer: false,
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    stdout: 'ignore',
    stderr: 'pipe'
  }
};
