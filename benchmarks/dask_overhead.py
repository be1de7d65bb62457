"""What arrayprof's Dask worker plugin costs: task time with and without it, as paired,
alternating ratios in one run, on a real LocalCluster (2 worker processes x 2 threads, loopback).

Each round times the same computation three ways, in a rotating order:
  plain      no plugin on the workers (unregistered: distributed's own task function runs);
  plugin     the plugin on every worker, recording every task (per-task accounting and the ufunc
             observer on the workers), the computation called plainly;
  profile()  the whole profiled cell: the plugin, the client's begin/end round trips to the
             workers, the layer watch and the report (verify=False).
The figure is the median over rounds of (variant wall time / plain wall time of that round).
On a shared 2-core machine these wall-time ratios move by +-20% from round to round, so the run
also measures the plugin's own work per task where it happens, inside a task on a worker: what
the replaced task function adds around the task (finding the recorder, marking the thread's task,
reading its figures, adding them to its layer), median of 5 x 20,000 repetitions.

    python benchmarks/dask_overhead.py [--rounds 9] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import arrayprof
from arrayprof import dask_worker, daskprof

WORKLOADS = {
    # 16 chunks of 1000 x 1000 float64 (8 MB): a few large ufunc calls per task
    "a: chunked ufuncs, 16 chunks of 8 MB": (
        "x = da.random.random((4000, 4000), chunks=(1000, 1000)).persist()\n",
        "r = ((x - x.mean(axis=0)) ** 2).sum().compute()\n",
    ),
    # 1,000 chunks of 10 elements: Dask's own per-task cost dominates
    "b: 1,000 tiny tasks": (
        "y = da.ones(10_000, chunks=10).persist()\n",
        "r = (y + 1).sum().compute()\n",
    ),
}


def set_plugin(client: Client, on: bool) -> None:
    if on:
        import cloudpickle
        if dask_worker.__name__ not in cloudpickle.list_registry_pickle_by_value():
            cloudpickle.register_pickle_by_value(dask_worker)
        client.register_plugin(dask_worker.ArrayprofWorkerPlugin(0), name=dask_worker.PLUGIN_NAME)
        daskprof._registered_clients.add(client)
        daskprof._registered_ids.add(id(client))
    else:
        client.unregister_worker_plugin(dask_worker.PLUGIN_NAME)
        daskprof._registered_clients.discard(client)
        daskprof._registered_ids.discard(id(client))


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(client: Client, setup: str, cell: str, rounds: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {"da": da, "np": np}
    exec(setup, namespace)
    code = compile(cell, "<bench>", "exec")
    variants = {
        "plain": (False, lambda: exec(code, namespace)),
        "plugin": (True, lambda: exec(code, namespace)),
        "profile": (True, lambda: arrayprof.profile(cell, namespace, verify=False)),
    }
    plugin_on = True
    set_plugin(client, True)
    for _, run in variants.values():  # warm every path once
        run()
    ratios: dict[str, list[float]] = {"plugin": [], "profile": []}
    plains = []
    names = list(variants)
    for r in range(rounds):
        times = {}
        for name in names[r % 3:] + names[:r % 3]:
            wanted, run = variants[name]
            if wanted != plugin_on:
                set_plugin(client, wanted)
                plugin_on = wanted
            times[name] = timed(run)
        plains.append(times["plain"])
        for name in ratios:
            ratios[name].append(times[name] / times["plain"])
    if plugin_on:
        set_plugin(client, False)
    return {"plain_s": statistics.median(plains),
            **{name: statistics.median(values) for name, values in ratios.items()}}


def wrapper_seconds(repeats: int = 20_000) -> float:
    """Inside a task on a worker: seconds per task of the plugin's work around a task."""
    from arrayprof import _daskworker, _native
    recorder = _daskworker._recorder_of_current_worker()
    assert recorder is not None, "the plugin is not recording on this worker"
    start = time.perf_counter()
    for _ in range(repeats):
        found = _daskworker._recorder_of_current_worker()
        _native.task_begin(found.group("bench-task"))
        started, begun = time.time(), time.perf_counter()
        stats = _native.task_end()
        found.record("bench-task", stats, time.perf_counter() - begun, started)
    return (time.perf_counter() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--json")
    args = parser.parse_args()
    cluster = LocalCluster(n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    results = {}
    try:
        for name, (setup, cell) in WORKLOADS.items():
            results[name] = measure(client, setup, cell, args.rounds)
            row = results[name]
            print(f"{name:<40} plain {row['plain_s'] * 1e3:7.1f} ms   plugin {row['plugin']:.2f}x"
                  f"   profile() {row['profile']:.2f}x", flush=True)
        set_plugin(client, True)
        per_task = statistics.median(client.submit(wrapper_seconds, pure=False).result()
                                     for _ in range(5))
        set_plugin(client, False)
        results["c: the plugin's work per task"] = {"seconds": per_task}
        print(f"{'c: the plugin work per task, in a task':<40} {per_task * 1e6:.1f} us", flush=True)
    finally:
        client.close()
        cluster.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
