"""The recorder inside a Dask worker process: per task, the NumPy allocations made on the task's
thread while it ran (bytes, temporaries, its peak of live bytes), its seconds and its ufunc calls.

How a task is seen: distributed runs every task of a thread-pool executor through
`distributed.worker._run_task_simple` on the executing thread (after `_run_task` has set the
thread's key).  The recorder replaces that module function, for this process, with one that
marks the thread's task in the native core (`_native.task_begin/task_end`, see tasks.h) around
the original.  Several tasks run at once on the worker's threads; each allocation goes to the
task of the thread that made it.  Tasks are aggregated per graph layer (the key's name), which
the client maps to cell lines.  The worker's NumPy peak is the largest sum of live buffers that
tasks allocated (their results held by the worker included), reset when a profiled cell starts.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from arrayprof import _native
from arrayprof.tracker import ensure_installed

_patch_lock = threading.Lock()
_patched: dict[str, Any] = {}  # "original": distributed's function, "users": recorders using it
_in_task = threading.local()


def layer_name(key: Any) -> str:
    """The graph layer a task key belongs to: ('sub-abc', 0, 1) -> 'sub-abc'."""
    if isinstance(key, tuple) and key:
        key = key[0]
    return key.decode() if isinstance(key, bytes) else str(key)


class WorkerRecorder:
    """One per worker (the plugin's); sums per layer, guarded by `lock` (tasks end on any thread)."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker
        self.lock = threading.Lock()
        # name -> [count, allocs, bytes, temps, temp_bytes, peak_max, seconds, first start (time.time)]
        self.layers: dict[str, list[float]] = {}
        self.index: dict[str, int] = {}  # layer name -> index (the "line" of its ufunc calls)
        self.names: dict[int, str] = {}  # the inverse, for this cell's layers
        self.next_index = 1
        ensure_installed()
        _native.tasks_enable(True)
        _native.take_ops()  # start from nothing
        _install(self)

    def close(self) -> None:
        _uninstall(self)

    # -- per task (on the executing thread) -----------------------------------------------------
    def group(self, name: str) -> int:
        with self.lock:
            index = self.index.get(name)
            if index is None:
                index = self.index[name] = self.next_index
                self.names[index] = name
                self.next_index = self.next_index + 1 if self.next_index < 2**31 - 1 else 1
            return index

    def record(self, name: str, stats: tuple[int, int, int, int, int], seconds: float,
               started: float) -> None:
        with self.lock:
            add_task(self.layers, name, stats, seconds, started)

    # -- asked by the client ----------------------------------------------------------------------
    def begin(self) -> dict[str, Any]:
        with self.lock:
            self.layers.clear()
            # the layer names of one cell only (bounded); indices are never reused, so the
            # ufunc calls of an earlier cell's task still running are dropped, not misfiled
            self.index.clear()
            self.names.clear()
        _native.take_ops()
        _native.tasks_memory(True)
        return {"address": str(self.worker.address)}

    def collect(self) -> dict[str, Any]:
        ops = _native.take_ops()
        live, peak, _ = _native.tasks_memory(True)
        with self.lock:
            layers = {name: list(row) for name, row in self.layers.items()}
            self.layers.clear()
            names = dict(self.names)
        for op in ops:
            op["layer"] = names.get(op.pop("lineno"))
            op.pop("offset", None)
        memory_limit = getattr(getattr(self.worker, "memory_manager", None), "memory_limit", None)
        return {"address": str(self.worker.address),
                "threads": int(self.worker.state.nthreads),
                "memory_limit": int(memory_limit or 0),
                "peak_bytes": int(peak), "live_bytes": int(live),
                "layers": layers, "ops": [op for op in ops if op["layer"] is not None]}


def add_task(layers: dict[str, list[float]], name: str, stats: tuple[int, int, int, int, int],
             seconds: float, started: float) -> None:
    """Add one task's figures to its layer's row (the caller holds the lock)."""
    allocs, nbytes, temps, temp_bytes, peak = stats
    row = layers.get(name)
    if row is None:
        row = layers[name] = [0, 0, 0, 0, 0, 0, 0.0, started]
    row[0] += 1
    row[1] += allocs
    row[2] += nbytes
    row[3] += temps
    row[4] += temp_bytes
    row[5] = max(row[5], peak)
    row[6] += seconds
    row[7] = min(row[7], started)


def _recorder_of_current_worker() -> WorkerRecorder | None:
    try:
        from distributed.worker import get_worker
        plugin = get_worker().plugins.get("arrayprof")
    except Exception:
        return None
    return getattr(plugin, "recorder", None)


def _profiled_run_task_simple(task: Any, data: dict, time_delay: float) -> Any:
    """distributed's `_run_task_simple`, with the thread's task marked around it."""
    original = _patched["original"]
    recorder = _recorder_of_current_worker()
    if recorder is None or getattr(_in_task, "active", False):
        return original(task, data, time_delay)
    key = getattr(task, "key", None)
    if key is None:
        from distributed.worker import thread_state
        key = getattr(thread_state, "key", None)
    name = layer_name(key)
    _in_task.active = True
    _native.task_begin(recorder.group(name))
    started, start = time.time(), time.perf_counter()
    try:
        return original(task, data, time_delay)
    finally:
        seconds = time.perf_counter() - start
        stats = _native.task_end()
        _in_task.active = False
        recorder.record(name, stats, seconds, started)


def _install(recorder: WorkerRecorder) -> None:
    import distributed.worker as worker_module
    with _patch_lock:
        if "original" not in _patched:
            original = getattr(worker_module, "_run_task_simple", None)
            if original is None:
                raise RuntimeError("this version of distributed has no _run_task_simple; "
                                   "tasks cannot be recorded")
            _patched["original"] = original
            _patched["users"] = set()
            worker_module._run_task_simple = _profiled_run_task_simple
        _patched["users"].add(id(recorder))


def _uninstall(recorder: WorkerRecorder) -> None:
    import distributed.worker as worker_module
    with _patch_lock:
        users = _patched.get("users", set())
        users.discard(id(recorder))
        if not users and "original" in _patched:
            worker_module._run_task_simple = _patched.pop("original")
            _native.tasks_enable(False)
