"""What arrayprof sends to Dask workers: the worker plugin and the two calls the client makes.

This module is pickled *by value* (cloudpickle), so a worker can load it whether or not arrayprof
is installed there: it imports nothing of arrayprof at module level.  On a worker where arrayprof
imports, `setup` starts the recorder (`arrayprof._daskworker`); where it does not, the plugin
remembers why, the worker's tasks run as they would, and the client names the worker in
`dask.notes`.  Everything here must stay importable with only the standard library and
`distributed`.
"""

from __future__ import annotations

import os
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

PLUGIN_NAME = "arrayprof"


class ArrayprofWorkerPlugin(WorkerPlugin):
    """Runs arrayprof's per-task recorder in a worker process (registered once per client; the
    scheduler hands it to workers that join later)."""

    name = PLUGIN_NAME
    idempotent = True  # a second client (or kernel) on the same cluster keeps the running one

    def __init__(self, client_pid: int) -> None:
        self.client_pid = client_pid
        self.recorder: Any = None
        self.error: str | None = None

    def setup(self, worker: Any) -> None:
        if os.getpid() == self.client_pid:
            # a worker in the profiled process itself (processes=False): its threads are the
            # kernel's, and the cell's own recording sees them
            self.error = "runs in the profiled process (processes=False): its tasks are not " \
                         "recorded per task"
            return
        try:
            from arrayprof import _daskworker
            self.recorder = _daskworker.WorkerRecorder(worker)
        except Exception as exc:  # arrayprof missing or broken here: tasks still run
            self.error = f"arrayprof cannot run here ({type(exc).__name__}: {exc})"

    def teardown(self, worker: Any) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None


def begin_cell(dask_worker: Any) -> dict[str, Any]:
    """Forget what earlier tasks recorded and restart the worker's peak (a profiled cell starts)."""
    return _call(dask_worker, "begin")


def end_cell(dask_worker: Any) -> dict[str, Any]:
    """What the worker's tasks recorded since `begin_cell`, with the worker's facts."""
    return _call(dask_worker, "collect")


def _call(dask_worker: Any, what: str) -> dict[str, Any]:
    address = str(getattr(dask_worker, "address", "?"))
    plugin = getattr(dask_worker, "plugins", {}).get(PLUGIN_NAME)
    if plugin is None:
        return {"address": address, "error": "the arrayprof plugin is not set up on it"}
    recorder = getattr(plugin, "recorder", None)
    if recorder is None:
        return {"address": address, "error": getattr(plugin, "error", None) or "not recording"}
    return getattr(recorder, what)()
