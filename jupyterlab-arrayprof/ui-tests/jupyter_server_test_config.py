"""JupyterLab server for the browser tests: galata's test settings, on 127.0.0.1 only.

Never use this configuration for real work: it turns off the token and XSRF checks.
"""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 - provided by Jupyter's config loader
configure_jupyter_server(c)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ.get("ARRAYPROF_UI_PORT", "8891"))
c.ServerApp.allow_root = True
c.ServerApp.open_browser = False
# Kernels of this test server: one at a time is all the tests need.
c.MappingKernelManager.cull_idle_timeout = 0
