"""One JupyterLab server for a browser test module, and the checks the layout tests share.

The server runs on 127.0.0.1 with a random token, isolated settings, runtime and workspace
directories, no update checks, and the application exposed to the page (``window.jupyterapp``,
so a test can switch themes through JupyterLab's own command).  It is stopped by its pid.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DOM_CHECKS = (pathlib.Path(__file__).with_name("dom_checks.js")).read_text(encoding="utf-8")
WIDTHS = (400, 560, 1400)
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def requirements(*modules: str) -> str:
    """Debian's chromium and the Python modules; skip outside CI, fail in CI, when missing."""
    path = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if os.path.exists("/usr/bin/chromium") else None)
    missing = []
    if path is None:
        missing.append("Debian's chromium is not installed (apt-get install chromium)")
    for module in ("playwright.sync_api", "jupyterlab", "ipywidgets", *modules):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"{module} is not installed")
    if missing:
        if os.environ.get("CI"):
            pytest.fail("browser test must run in CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook_json(cells: list[str]) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
                   "outputs": [], "source": source} for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


@dataclass
class Server:
    base: str
    token: str
    log: pathlib.Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path}{sep}token={self.token}"


@contextmanager
def jupyter_server(tmp: pathlib.Path, notebooks: dict[str, list[str]],
                   app: str = "jupyterlab") -> Iterator[Server]:
    """A JupyterLab (or Notebook 7, ``app="notebook"``) server serving `notebooks`."""
    root = tmp / "root"
    root.mkdir()
    for name, cells in notebooks.items():
        (root / name).write_text(notebook_json(cells), encoding="utf-8")
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), PYTHONUNBUFFERED="1")
    log_path = tmp / f"{app}.log"
    log = log_path.open("wb")
    config = "LabApp" if app == "jupyterlab" else "JupyterNotebookApp"
    server = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
         "--ServerApp.allow_root=True", "--ServerApp.open_browser=False",
         f"--{config}.expose_app_in_browser=True",
         # no update checks (Notebook 7 has no such option)
         *(["--LabApp.check_for_updates_class="
            "jupyterlab.handlers.announcements.NeverCheckForUpdate"] if app == "jupyterlab"
           else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"{app} exited: " + log_path.read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{app} did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.5)
        yield Server(base, token, log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def set_theme(page: Page, theme: str) -> None:
    """Switch JupyterLab's theme with its own command and wait until the page wears it."""
    light = "true" if theme == "light" else "false"
    if page.evaluate("() => document.body.dataset.jpThemeLight") == light:
        return
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
                  THEMES[theme])
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'",
                           timeout=30_000)
    page.wait_for_timeout(500)  # the theme's stylesheet applies


def check_layout(root: Locator, source_selector: str) -> dict[str, Any]:
    """Run the DOM checks on `root` (see dom_checks.js)."""
    return root.evaluate(f"(el, sel) => ({DOM_CHECKS})([el, sel])", source_selector)
