"""Dask arrays in a profiled cell: which cell line made each graph layer, what each layer's tasks
allocated (on the cluster's workers or on this process's threads), and the report's `dask` part.

Only active when the cell starts with `dask.array` already imported (arrayprof never imports
Dask); otherwise nothing here runs.  While the cell runs (and only then) these Dask functions are
wrapped, and put back when it ends:

- `dask.array.Array.__new__`: every dask array the cell makes names the layers of its graph; the
  layers not known before are charged to the cell line running now (the innermost frame of the
  cell, as for allocations).  Layers of collections the cell's names held before it started are
  "made before the cell" (lineno null).  This reads the collections themselves, not names.
- `dask.local.execute_task` (the local threaded and synchronous schedulers): the task's thread is
  marked with the line of the task's layer (`_native.task_begin`), so its allocations and ufunc
  calls land on that line, whichever thread runs it, and the task's own figures are kept.
- `dask.base.compute` (and `dask.compute`, the same function): the compute calls' lines and
  times, and the size of a NumPy result brought back to this process.
- `dask._task_spec.Task.__call__`: inside a local task, a step of a task Dask fused from several
  layers is charged to its own layer's line (`_native.set_task_line`).

With a `distributed.Client`, the worker plugin (`arrayprof.dask_worker`) is registered once per
client and each worker is asked to restart its figures when the cell starts and for them when it
ends (bounded waits: a worker that does not answer is named in `dask.notes`).
"""

from __future__ import annotations

import ast
import math
import os
import re
import sys
import threading
import time
import weakref
from typing import Any

from arrayprof import _native
from arrayprof.report import DaskArray, DaskCompute, DaskReport, DaskTask, DaskWorker

WORKER_TIMEOUT_S = 10.0
_STEP_SUFFIX = re.compile(r"(_\.\d+)+$")
MAX_COMPUTES = 20
_registered_clients: weakref.WeakSet[Any] = weakref.WeakSet()
_registered_ids: set[int] = set()


def dask_available() -> bool:
    return "dask.array" in sys.modules


def key_prefix(name: str) -> str:
    """Dask's own grouping of a layer name ('mean_agg-aggregate-<token>' -> 'mean_agg-aggregate')."""
    from dask.utils import key_split
    return str(key_split(name))


def _graph_layers(collection: Any) -> dict[str, set[str]]:
    """Every layer of the collection's graph -> the layers it depends on."""
    graph = collection.__dask_graph__()
    dependencies = getattr(graph, "dependencies", None)
    if dependencies is not None:
        return {str(name): {str(d) for d in deps} for name, deps in dependencies.items()}
    from arrayprof._daskworker import layer_name
    return {layer_name(key): set() for key in graph}


def _own_layers(collection: Any) -> list[str]:
    """The layers that hold the collection's own output (Dask's collection protocol)."""
    return [str(name) for name in collection.__dask_layers__()]


def _call_with_timeout(fn: Any, timeout: float) -> tuple[Any, BaseException | None]:
    """Run `fn()` in a helper thread, waiting at most `timeout` seconds (a dead worker or
    scheduler must not hang the cell's report)."""
    box: list[Any] = [None, None]

    def target() -> None:
        try:
            box[0] = fn()
        except BaseException as exc:  # handed back, never raised in the helper thread
            box[1] = exc

    thread = threading.Thread(target=target, name="arrayprof-dask", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None, TimeoutError(f"no answer within {timeout:.0f} s")
    return box[0], box[1]


def current_client() -> Any:
    """The distributed Client this process's computations go to (as Dask itself chooses: its
    `scheduler` setting first, then the default client), or None."""
    if "distributed" not in sys.modules:
        return None
    try:
        from dask.base import get_scheduler
        from distributed import Client
        client = getattr(get_scheduler(), "__self__", None)
    except Exception:
        return None
    if not isinstance(client, Client):
        return None
    if getattr(client, "asynchronous", False) or getattr(client, "status", "") != "running":
        return None
    return client


class DaskWatch:
    """The Dask side of one profiled cell (see the module docstring)."""

    def __init__(self, filename: str, tree: ast.Module | None, namespace: dict[str, Any]) -> None:
        self.filename = filename
        self.before: set[str] = set()  # every layer of the collections the cell's names held
        self.before_own: set[str] = set()  # their own (output) layers
        self.layer_line: dict[str, int] = {}
        self.local: dict[str, list[float]] = {}  # layer -> row, as the workers' (_daskworker)
        self.local_lock = threading.Lock()
        self.computes: list[DaskCompute] = []
        # [time.time() at start, at end, line] of each dask.compute / .compute() call, entered
        # when the call starts (end = inf while it runs): a task it runs (its finalize step) is
        # marked with its line as it starts, on a pool thread perhaps older than the cell
        self.compute_calls: list[list[Any]] = []
        self.token_line: dict[str, int] = {}
        self.notes: list[str] = []
        self.client: Any = None
        self.began: dict[str, str] = {}  # worker address -> error at begin ("" when fine)
        self._restore: list[tuple[Any, str, Any]] = []
        self._local_thread = threading.local()
        self.namespace = namespace
        self.names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}) if tree else []
        self._names_before(tree, namespace)

    # -- start and stop -----------------------------------------------------------------------
    def _names_before(self, tree: ast.Module | None, namespace: dict[str, Any]) -> None:
        """Layers of the dask collections the cell's names hold before it runs."""
        from dask.base import is_dask_collection
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree else set()
        for name in names:
            value = namespace.get(name)
            if value is not None and is_dask_collection(value):
                try:
                    self.before.update(_graph_layers(value))
                    self.before_own.update(_own_layers(value))
                except Exception:
                    continue

    def start(self) -> None:
        """Before the tracker starts: wrap, register, tell the workers."""
        import dask.array.core as array_core
        import dask.base
        import dask.local
        watch = self
        original_new = array_core.Array.__dict__["__new__"]
        new_function = original_new.__func__ if isinstance(original_new, staticmethod) else original_new

        def watched_new(cls: type, *args: Any, **kwargs: Any) -> Any:
            array = new_function(cls, *args, **kwargs)
            watch._made(array)
            return array

        original_execute = dask.local.execute_task

        def watched_execute(key: Any, *args: Any, **kwargs: Any) -> Any:
            return watch._run_local(original_execute, key, args, kwargs)

        original_compute = dask.base.compute

        def watched_compute(*args: Any, **kwargs: Any) -> Any:
            line = watch._cell_line()
            call = [time.time(), math.inf, line]
            if line is not None:
                watch.compute_calls.append(call)  # list.append: atomic for the pool's readers
            try:
                results = original_compute(*args, **kwargs)
            finally:
                call[1] = time.time()
            watch._computed(line, args, results)
            return results

        try:
            from dask import _task_spec
            original_call = _task_spec.Task.__dict__["__call__"]
        except (ImportError, AttributeError, KeyError):  # a Dask without task specs
            _task_spec = original_call = None

        def watched_call(task: Any, *args: Any, **kwargs: Any) -> Any:
            return watch._run_step(original_call, task, args, kwargs)

        watched_compute.__doc__ = original_compute.__doc__
        watched_compute.__wrapped__ = original_compute  # type: ignore[attr-defined]
        self._replace(array_core.Array, "__new__", original_new, staticmethod(watched_new))
        self._replace(dask.local, "execute_task", original_execute, watched_execute)
        # x.compute() calls dask.base.compute; dask.compute is the same function, bound apart
        self._replace(dask.base, "compute", original_compute, watched_compute)
        if getattr(dask, "compute", None) is original_compute:
            self._replace(dask, "compute", original_compute, watched_compute)
        if original_call is not None:
            # each step of a task Dask fused from several layers, on its layer's line
            self._replace(_task_spec.Task, "__call__", original_call, watched_call)
        _native.tasks_enable(True)
        self.client = current_client()
        if self.client is not None:
            self._begin_workers()

    def _replace(self, owner: Any, attr: str, original: Any, replacement: Any) -> None:
        setattr(owner, attr, replacement)
        self._restore.append((owner, attr, original))

    def stop(self) -> None:
        """Right after the tracker stops: put Dask back as it was."""
        while self._restore:
            owner, attr, original = self._restore.pop()
            try:
                setattr(owner, attr, original)
            except Exception:
                pass
        _native.tasks_enable(False)

    # -- while the cell runs --------------------------------------------------------------------
    def _cell_line(self) -> int | None:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == self.filename:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def _made(self, array: Any) -> None:
        """A dask array was made on the running line: its own layers are that line's, and so is
        every layer they depend on down to the layers of arrays made earlier (in the cell, or
        held by its names before it: a cell run again makes layers of the same names, which are
        then this run's)."""
        try:
            line = self._cell_line()
            if line is None:
                return
            # walk only the new layers (a chain of n arrays costs O(n), not O(n^2))
            dependencies = getattr(array.__dask_graph__(), "dependencies", None) or {}
            pending = [name for name in _own_layers(array) if name not in self.layer_line]
            while pending:
                name = pending.pop()
                if name in self.layer_line:
                    continue
                self.layer_line[name] = line
                pending.extend(str(dep) for dep in dependencies.get(name, ())
                               if dep not in self.layer_line and dep not in self.before_own)
        except Exception:
            pass  # never disturb the user's array

    def line_of(self, layer: str, started: float) -> int | None:
        """The line that made `layer` (its first task started at `started`, time.time()):
        - a layer of a dask array the cell made: that array's line;
        - a layer Dask's optimizer made by fusing a chain of layers: it keeps the token of the
          chain's last layer ('sum-sum-aggregate-<token of sum-aggregate-<token>>'): that
          layer's line;
        - else a layer made before the cell: None;
        - else a layer the compute call made itself (its finalize step, or a collection that is
          not an array): the line of the compute call running when its first task started."""
        line = self.layer_line.get(layer)
        if line is not None:
            return line
        token = layer.rsplit("-", 1)[-1]
        if len(self.token_line) != len(self.layer_line):
            self.token_line = {name.rsplit("-", 1)[-1]: n for name, n in self.layer_line.items()}
        line = self.token_line.get(token) if len(token) >= 16 else None
        if line is not None or layer in self.before:
            return line
        return self.compute_line_at(started)

    def compute_line_at(self, started: float) -> int | None:
        """The line of the cell's compute call running at `started` (time.time()), if any."""
        for first, last, compute_line in list(self.compute_calls):
            if first <= started <= last:
                return compute_line
        return None

    def _run_local(self, original: Any, key: Any, args: tuple, kwargs: dict) -> Any:
        from arrayprof._daskworker import add_task, layer_name
        if getattr(self._local_thread, "active", False):
            return original(key, *args, **kwargs)
        name = layer_name(key)
        self._local_thread.active = True
        started, start = time.time(), time.perf_counter()
        # a layer made before the cell is still computed by the cell's compute: its bytes go to
        # that call's line, as on the synchronous scheduler (a pool thread older than the cell
        # counts only while marked); a task no compute of the cell runs stays unmarked
        _native.task_begin(self.line_of(name, started) or self.compute_line_at(started) or 0)
        try:
            return original(key, *args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            stats = _native.task_end()
            self._local_thread.active = False
            with self.local_lock:
                add_task(self.local, name, stats, seconds, started)

    def _run_step(self, original: Any, task: Any, args: tuple, kwargs: dict) -> Any:
        """A Task called inside a local task (a fused task runs its layers' steps as Tasks):
        what the step allocates and calls goes to its own layer's line."""
        if not getattr(self._local_thread, "active", False):
            return original(task, *args, **kwargs)
        from arrayprof._daskworker import layer_name
        key = getattr(task, "key", None)
        # a fused step is keyed by its layer and block: 'sub-<token>_.0_.1'
        line = self.layer_line.get(_STEP_SUFFIX.sub("", layer_name(key))) if key is not None \
            else None
        if line is None:
            return original(task, *args, **kwargs)
        previous = _native.set_task_line(line)
        try:
            return original(task, *args, **kwargs)
        finally:
            _native.set_task_line(previous)

    def _computed(self, line: int | None, collections: tuple, results: Any) -> None:
        """NumPy results a compute brought back (the largest MAX_COMPUTES are kept)."""
        try:
            for collection, result in zip(collections, results, strict=False):
                nbytes = getattr(result, "nbytes", None)
                shape = getattr(result, "shape", None)
                if not isinstance(nbytes, int) or not isinstance(shape, tuple):
                    continue
                name = str(getattr(collection, "name", "") or "")
                self.computes.append(DaskCompute(
                    lineno=line, prefix=key_prefix(name) if name else "", nbytes=nbytes,
                    shape=[int(n) for n in shape], dtype=str(getattr(result, "dtype", ""))))
            self.computes.sort(key=lambda c: -c.nbytes)
            del self.computes[MAX_COMPUTES:]
        except Exception:
            pass

    # -- the cluster ------------------------------------------------------------------------------
    def _begin_workers(self) -> None:
        from distributed import protocol  # noqa: F401  (cloudpickle by value needs it loaded)

        from arrayprof import dask_worker
        client = self.client

        def register_and_begin() -> Any:
            import cloudpickle
            if dask_worker.__name__ not in cloudpickle.list_registry_pickle_by_value():
                cloudpickle.register_pickle_by_value(dask_worker)
            if id(client) not in _registered_ids or client not in _registered_clients:
                client.register_plugin(dask_worker.ArrayprofWorkerPlugin(os.getpid()),
                                       name=dask_worker.PLUGIN_NAME)
                _registered_clients.add(client)
                _registered_ids.add(id(client))
            return client.run(dask_worker.begin_cell, on_error="return")

        answers, error = _call_with_timeout(register_and_begin, WORKER_TIMEOUT_S)
        if error is not None:
            self.notes.append(f"the workers could not be prepared ({type(error).__name__}: "
                              f"{error}); their tasks are not recorded")
            self.client = None
            return
        for address, answer in (answers or {}).items():
            self.began[address] = _error_of(answer)

    def collect(self) -> DaskReport | None:
        """The report's `dask` part (None when the cell ran no Dask task and nothing to say)."""
        workers: list[DaskWorker] = []
        layers: dict[str, list[float]] = {}
        ops: dict[str, list[dict[str, Any]]] = {}
        scheduler = "local"
        if self.client is not None:
            from arrayprof import dask_worker
            scheduler = "distributed"
            answers, error = _call_with_timeout(
                lambda: self.client.run(dask_worker.end_cell, on_error="return"), WORKER_TIMEOUT_S)
            if error is not None:
                self.notes.append(f"the workers did not report ({type(error).__name__}: {error})")
                answers = {}
            for address, answer in sorted((answers or {}).items()):
                problem = _error_of(answer)
                if problem:
                    self.notes.append(f"worker {address}: {problem}; its tasks ran unrecorded")
                    continue
                if address not in self.began:
                    self.notes.append(f"worker {address} joined during the cell; its figures "
                                      "start when it got the plugin")
                workers.append(DaskWorker(address=address, threads=answer["threads"],
                                          memory_limit=answer["memory_limit"],
                                          peak_bytes=answer["peak_bytes"]))
                _merge(layers, answer["layers"])
                for op in answer["ops"]:
                    ops.setdefault(op.pop("layer"), []).append(op)
        with self.local_lock:
            if self.local and not layers:
                scheduler = "local"  # a Client exists, but the cell chose Dask's threads
            _merge(layers, self.local)
        if not layers and not self.computes and not self.notes:
            return None
        tasks = self._tasks(layers, ops)
        arrays = self._arrays()
        made_before = sum(t.count for t in tasks if t.lineno is None)
        if made_before:
            self.notes.append(f"{made_before} tasks belong to layers made before this cell "
                              "(lineno null)")
        return DaskReport(scheduler=scheduler, tasks=tasks, workers=workers,
                          computes=self.computes, notes=self.notes, arrays=arrays)

    def _arrays(self) -> list[DaskArray]:
        """The dask arrays the cell's names hold now (shape and chunks: plain attributes)."""
        from dask.array import Array
        found = []
        for name in self.names:
            value = self.namespace.get(name)
            if type(value) is not Array or value.ndim == 0:
                continue
            try:
                chunk_shape = [max(c) if c else 0 for c in value.chunks]
                itemsize = value.dtype.itemsize
                found.append(DaskArray(
                    name=name, shape=[int(n) for n in value.shape], chunk_shape=chunk_shape,
                    dtype=str(value.dtype), chunk_bytes=math.prod(chunk_shape) * itemsize,
                    nchunks=math.prod(len(c) for c in value.chunks)))
            except Exception:  # unknown sizes (nan chunks) and the like
                continue
        return found

    def _tasks(self, layers: dict[str, list[float]], ops: dict[str, list[dict[str, Any]]],
               ) -> list[DaskTask]:
        grouped: dict[tuple[str, int | None], DaskTask] = {}
        for name, (count, allocs, nbytes, temps, temp_bytes, peak, seconds, started) in \
                layers.items():
            lineno = self.line_of(name, started)
            prefix = key_prefix(name)
            task = grouped.get((prefix, lineno))
            if task is None:
                task = grouped[(prefix, lineno)] = DaskTask(prefix=prefix, lineno=lineno)
            task.count += int(count)
            task.allocations += int(allocs)
            task.allocated_bytes += int(nbytes)
            task.temporaries += int(temps)
            task.temporary_bytes += int(temp_bytes)
            task.peak_bytes_max = max(task.peak_bytes_max, int(peak))
            task.seconds += float(seconds)
            task.layers.append(name)
            task.ops.extend(_merge_ops(ops.get(name, [])))
        return sorted(grouped.values(), key=lambda t: (t.lineno is None, t.lineno or 0, t.prefix))


def _merge(into: dict[str, list[float]], rows: dict[str, list[float]]) -> None:
    for name, row in rows.items():
        have = into.get(name)
        if have is None:
            into[name] = list(row)
            continue
        for i in (0, 1, 2, 3, 4, 6):
            have[i] += row[i]
        have[5] = max(have[5], row[5])
        have[7] = min(have[7], row[7])


def _merge_ops(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same ufunc of one layer on several workers is one entry (counts summed)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for op in ops:
        key = (op["name"], op["kind"])
        have = merged.get(key)
        if have is None:
            merged[key] = {"name": op["name"], "kind": op["kind"], "count": op["count"],
                           "operands": [o.get("shape") for o in op["operands"]],
                           "result": (op["result"] or {}).get("shape"),
                           "result_nbytes": (op["result"] or {}).get("nbytes", 0),
                           "broadcast": bool(op["broadcast"]), "expansion": op["expansion"]}
        else:
            have["count"] += op["count"]
            have["broadcast"] |= bool(op["broadcast"])
            if op["expansion"] > have["expansion"]:
                have["expansion"] = op["expansion"]
            nbytes = (op["result"] or {}).get("nbytes", 0)
            if nbytes > have["result_nbytes"]:
                have["operands"] = [o.get("shape") for o in op["operands"]]
                have["result"] = (op["result"] or {}).get("shape")
                have["result_nbytes"] = nbytes
    return list(merged.values())


def _error_of(answer: Any) -> str:
    if isinstance(answer, BaseException):
        return f"{type(answer).__name__}: {answer}"
    if isinstance(answer, dict) and answer.get("error"):
        return str(answer["error"])
    return ""
