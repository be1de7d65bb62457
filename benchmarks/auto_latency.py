"""What automatic mode adds to a small cell, where it goes, and the costs that must not grow with
a cell's allocations (issue 18).

    python benchmarks/auto_latency.py [--rounds 7] [--panel] [--eager] [--skip-kernel]
                                      [--skip-native] [--big 10000000] [--json OUT]

1. A real kernel (jupyter_client) runs a notebook of ordinary small cells (array creation,
   slicing, reductions, pandas, plotting setup) with automatic mode off and on, paired per cell
   and alternated (off/on, then on/off): the added time of a cell is its time with automatic mode
   minus its time without.  Three clocks: the kernel's thread CPU time in do_execute (the least
   disturbed by other processes on a shared machine), the kernel's wall time there, and the
   front end's wait (request sent to reply and idle status received).  Reported: median and p95
   added ms, and the per-stage breakdown the kernel kept (`AutoProfiler.stages`).  Toggling
   runs as silent requests, which IPython does not profile.  `--panel` opens the panel's comm
   first (its pushes after every cell included); `--eager` advises every cell right after it
   runs, as automatic mode did before.
2. In process: stopping the tracker after 10^5 and `--big` allocations, freed as they go
   (benchmarks/overhead.py's workload (b)) and kept alive (a list of tiny arrays), with the
   collector paused as automatic mode pauses it; and the recording's cost as a paired ratio
   against plain runs of the same code (thread CPU time: the machine may be shared).
3. `Report.to_json()` of an ordinary report against the standard library's encoder (what it was).

Targets (issue 18): median <= 2 ms and p95 <= 5 ms added per cell; stop < 50 ms after 10^7
allocations; recording 10^7 allocations no dearer per allocation than 10^5; to_json < 2 ms.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

SETUP = """\
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%load_ext arrayprof
"""

# ordinary small cells: each runs in a few milliseconds and can run again (rounds repeat them)
NOTEBOOK = [
    "rng = np.random.default_rng(0)\nx = rng.random(10_000)",
    "a = np.arange(12.0).reshape(3, 4)\na",
    "b = a[:, 1:3]\nc = a.T\nb.shape, c.strides",
    "m = np.zeros((200, 200))\nm[::2, ::2] = 1\nm.sum()",
    "y = x * 2 + 1\nz = np.sqrt(y)\nz.mean()",
    "s = x.reshape(100, 100).sum(axis=0)\ns[:5]",
    "idx = np.argsort(x)[:10]\nx[idx]",
    "mask = x > 0.5\nhigh = x[mask]\nlen(high)",
    "w = np.linspace(0, 1, 1_000)\nv = np.cumsum(w)\nv[-1]",
    "q = np.outer(w[:50], w[:50])\nq.max()",
    "df = pd.DataFrame({'x': x[:1_000], 'y': y[:1_000]})\ndf.head()",
    "df['z'] = df.x * df.y\ndf.z.mean()",
    "g = df.groupby(df.x > 0.5).y.mean()\ng",
    "stats = df.describe()\nstats.loc['mean']",
    "t = np.stack([x[:100], y[:100]], axis=1)\nt.shape",
    "u = np.concatenate([w, w])\nu.size",
    "e = np.eye(50) @ np.ones((50, 3))\ne.sum()",
    "k = np.clip(x, 0.1, 0.9)\nk.min(), k.max()",
    "fig, ax = plt.subplots(figsize=(4, 3))\nplt.close(fig)",
    "colors = plt.cm.viridis(np.linspace(0, 1, 8))\ncolors.shape",
    "n = 3 + 4\nn",
    "words = ['a', 'b']\nlen(words)",
]
# Times every non-silent request in the kernel: thread CPU and wall seconds of do_execute (the
# cell, IPython's and arrayprof's hooks, displays), kept in a list of the benchmark's own.
CLOCK = """
import time as _time
def _lat_install(kernel, log):
    run = kernel.do_execute
    async def timed(code, silent, *args, **kwargs):
        cpu, wall = _time.thread_time(), _time.perf_counter()
        try:
            return await run(code, silent, *args, **kwargs)
        finally:
            if not silent:
                log.append((_time.thread_time() - cpu, _time.perf_counter() - wall))
    kernel.do_execute = timed
_lat_install(get_ipython().kernel, __import__('builtins').__dict__.setdefault('_lat_log', []))
del _lat_install
"""
STAGES_EXPR = ("[tuple(round(v * 1e6) for v in row) for row in "
               "__import__('arrayprof.kernel.extension', fromlist=['_']).auto_profiler("
               "get_ipython()).stages.log]")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- 1. a real kernel ---------------------------------------------------------------------------
class Kernel:
    def __init__(self) -> None:
        import jupyter_client

        self.manager = jupyter_client.KernelManager(kernel_name="python3")
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, *, silent: bool = False,
            expressions: dict[str, str] | None = None) -> tuple[float, float, dict[str, Any]]:
        """(seconds from sending `code` to its reply and idle status, as the front end waits;
        seconds from the kernel's busy to its idle status, by the kernel's own clock: what the
        kernel spent on the request, without the client's polling; the reply)."""
        start = time.perf_counter()
        msg_id = self.client.execute(code, silent=silent, store_history=not silent,
                                     user_expressions=expressions or {})
        idle = replied = False
        reply: dict[str, Any] = {}
        dates: dict[str, Any] = {}
        while not (idle and replied):
            if not idle:
                msg = self.client.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
                    state = msg["content"]["execution_state"]
                    dates[state] = msg["header"]["date"]
                    idle = state == "idle"
            else:
                msg = self.client.get_shell_msg(timeout=120)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply, replied = msg["content"], True
        if reply.get("status") != "ok":
            raise RuntimeError(f"{code!r} failed: {reply.get('ename')}: {reply.get('evalue')}")
        kernel_s = (dates["idle"] - dates["busy"]).total_seconds()
        return time.perf_counter() - start, kernel_s, reply

    def open_panel(self) -> None:
        import uuid

        msg = self.client.session.msg("comm_open", {"comm_id": uuid.uuid4().hex,
                                                    "target_name": "arrayprof", "data": {}})
        self.client.shell_channel.send(msg)
        self.run("", silent=True)  # handled in order: the comm is open once this is answered

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def bench_kernel(rounds: int, panel: bool, eager: bool = False) -> dict[str, Any]:
    kernel = Kernel()
    try:
        kernel.run(SETUP, silent=True)
        kernel.run(CLOCK, silent=True)
        if eager:  # every cell advised right after it runs, as before issue 18
            kernel.run("__import__('arrayprof.kernel.extension', fromlist=['_']).auto_profiler("
                       "get_ipython()).eager_advice_s = 0.0", silent=True)
        if panel:
            kernel.open_panel()
            kernel.run("%arrayprof off", silent=True)  # the panel turned it on
        for code in NOTEBOOK:  # warm: first imports and caches, in both modes
            for mode in ("on", "off"):
                kernel.run(f"%arrayprof {mode}", silent=True)
                kernel.run(code)
        kernel.run("__import__('arrayprof.kernel.extension', fromlist=['_']).auto_profiler("
                   "get_ipython()).stages.log.clear()\n_lat_log.clear()", silent=True)
        # per cell and round, three runs in a rotating order: off, on, and off again (an A/A
        # control: its difference from the first off is the machine's noise, the floor under
        # any p95 read from wall clocks on a shared machine)
        rotations = [("off", "on", "off2"), ("on", "off2", "off"), ("off2", "off", "on")]
        runs: list[dict[str, tuple[float, float]]] = []
        modes: list[str] = []  # the mode of each timed request, in order
        for round_ in range(rounds):
            for i, code in enumerate(NOTEBOOK):
                seconds: dict[str, tuple[float, float]] = {}
                for mode in rotations[(round_ + i) % 3]:
                    kernel.run("%arrayprof on" if mode == "on" else "%arrayprof off", silent=True)
                    seconds[mode] = kernel.run(code)[:2]
                    modes.append(mode)
                runs.append(seconds)
        kernel.run("%arrayprof off", silent=True)
        _, _, reply = kernel.run("", silent=True, expressions={
            "stages": STAGES_EXPR, "clock": "[(round(c * 1e6), round(w * 1e6)) for c, w in _lat_log]"})
        rows = ast.literal_eval(reply["user_expressions"]["stages"]["data"]["text/plain"])
        clock = ast.literal_eval(reply["user_expressions"]["clock"]["data"]["text/plain"])
    finally:
        kernel.close()
    from arrayprof.kernel.auto import STAGES

    # the kernel's own clock of each run (CPU time: the least disturbed by other processes; wall)
    kernel_runs: list[dict[str, tuple[float, float]]] = []
    for k in range(0, len(modes), 3):
        kernel_runs.append({modes[k + j]: (clock[k + j][0] / 1e3, clock[k + j][1] / 1e3)
                            for j in range(3)})

    def diff(table: list[dict[str, tuple[float, float]]], which: int, mode: str,
             scale: float = 1.0) -> list[float]:
        return [(run[mode][which] - run["off"][which]) * scale for run in table]

    figures = {
        "cpu": (diff(kernel_runs, 0, "on"), diff(kernel_runs, 0, "off2")),
        "kernel_wall": (diff(kernel_runs, 1, "on"), diff(kernel_runs, 1, "off2")),
        "client": (diff(runs, 0, "on", 1e3), diff(runs, 0, "off2", 1e3)),
    }
    stages = {name: {"median_ms": statistics.median(r[k] for r in rows) / 1e3,
                     "p95_ms": pct([r[k] for r in rows], 0.95) / 1e3}
              for k, name in enumerate(STAGES)}
    out: dict[str, Any] = {"cells": len(runs), "panel": panel, "eager": eager, "stages": stages,
                           "plain_median_ms": statistics.median(r["off"][1] for r in kernel_runs)}
    for name, (added, control) in figures.items():
        out[name] = {"added_median_ms": statistics.median(added),
                     "added_p95_ms": pct(added, 0.95),
                     "control_median_ms": statistics.median(control),
                     "control_p95_ms": pct(control, 0.95)}
    return out


# -- 2. stopping and recording, in process -------------------------------------------------------
def workload(kind: str, count: int) -> str:
    if kind == "freed":  # overhead.py's (b)
        return f"for i in range({count}):\n    t = np.empty(3)\n    t[0] = i\n"
    return f"xs = [np.empty(1) for _ in range({count})]\nxs = None\n"


def settle() -> None:
    """Let glibc consolidate the small chunks the last run freed, outside every timed span: it
    does so at the next request of a kilobyte or more (or a free of 64 kB or more), which would
    otherwise land in whatever is timed next (10^7 freed arrays: a quarter of a second in the
    next start())."""
    gc.collect()
    bytearray(1 << 16)


def bench_native(counts: list[int], rounds: int) -> list[dict[str, Any]]:
    import numpy as np

    from arrayprof.session import Session

    rows = []
    for kind in ("freed", "kept"):
        for count in counts:
            source = workload(kind, count)
            namespace = {"np": np}
            plain_code = compile(source, "<plain>", "exec")
            n = rounds if count <= 10**6 else max(2, rounds // 3)
            ratios, stops, starts = [], [], []
            for round_ in range(n):
                gc.collect()
                session = Session(source, namespace, rss="off")
                code = compile(source, session.filename, "exec")
                for variant in (("plain", "recorded") if round_ % 2 == 0 else
                                ("recorded", "plain")):
                    settle()
                    if variant == "plain":
                        t0 = time.thread_time()
                        exec(plain_code, namespace)
                        plain = time.thread_time() - t0
                        continue
                    t0 = time.perf_counter()
                    session.begin()
                    starts.append(time.perf_counter() - t0)
                    t0 = time.thread_time()
                    exec(code, namespace)
                    recorded = time.thread_time() - t0
                    # for "kept", the arrays are alive until `xs = None`: stop after the list
                    gc.disable()  # as automatic mode does around its own work
                    t0 = time.perf_counter()
                    session.finish_recording()  # glibc's consolidation is the cell's: not here
                    stops.append(time.perf_counter() - t0)
                    gc.enable()
                    session.end(None)
                ratios.append(recorded / plain)
            rows.append({"workload": kind, "allocations": count,
                         "ratio": statistics.median(ratios), "stop_ms":
                         statistics.median(stops) * 1e3, "start_ms":
                         statistics.median(starts) * 1e3, "rounds": n})
            print(f"  {kind:5s} {count:>10,} allocations: recording {rows[-1]['ratio']:.2f}x plain,"
                  f" start {rows[-1]['start_ms']:.2f} ms, stop {rows[-1]['stop_ms']:.2f} ms",
                  flush=True)
    return rows


def bench_stop_alive(count: int) -> float:
    """Stop with `count` buffers still alive at the end of the cell (the live table is full)."""
    import numpy as np

    from arrayprof.session import Session

    namespace = {"np": np}
    source = f"xs = [np.empty(1) for _ in range({count})]\n"
    session = Session(source, namespace, rss="off")
    code = compile(source, session.filename, "exec")
    session.begin()
    exec(code, namespace)
    gc.disable()
    t0 = time.perf_counter()
    session.finish_recording()
    stop = time.perf_counter() - t0
    gc.enable()
    report = session.end(None)
    assert report.numpy.allocations >= count
    namespace.clear()
    return stop * 1e3


# -- 3. JSON ---------------------------------------------------------------------------------------
def bench_json(rounds: int = 200) -> dict[str, Any]:
    import numpy as np

    import arrayprof

    report = arrayprof.profile(
        "x = np.random.default_rng(0).random(3000)\n"
        "spread = np.abs(x[:, None] - x[None, :]).max()\n"
        "b = np.arange(64.0).reshape(8, 8)[::2, ::2]\n"
        "acc = []\nfor i in range(2000):\n    acc.append(np.ones(10) * i)\n"
        "t = np.array(acc).sum(axis=0)\n", {"np": np}, verify=False)
    fast, slow = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        text = report.to_json()
        fast.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        before = json.dumps(report.to_dict(), indent=2)  # the standard library's encoder
        slow.append(time.perf_counter() - t0)
    assert json.loads(text) == json.loads(before)
    return {"timeline_points": len(report.timeline), "ops": len(report.ops),
            "arrays": len(report.arrays), "findings": len(report.findings),
            "bytes": len(text), "to_json_ms": statistics.median(fast) * 1e3,
            "stdlib_ms": statistics.median(slow) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--panel", action="store_true", help="open the panel's comm first")
    parser.add_argument("--eager", action="store_true",
                        help="advise every cell right after it runs (as before issue 18)")
    parser.add_argument("--skip-kernel", action="store_true")
    parser.add_argument("--skip-native", action="store_true")
    parser.add_argument("--big", type=int, default=10**7, help="the large allocation count")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    if not args.skip_kernel:
        print(f"[kernel] {len(NOTEBOOK)} small cells x {args.rounds} rounds, automatic mode off/on"
              f" alternated{' (panel open)' if args.panel else ''}"
              f"{' (every cell advised at once)' if args.eager else ''}", flush=True)
        k = out["kernel"] = bench_kernel(args.rounds, args.panel, args.eager)
        print(f"  plain cell median {k['plain_median_ms']:.2f} ms (kernel wall time); "
              f"{k['cells']} cells, each run off, on and off again (the A/A control)")
        for name, label in (("cpu", "kernel CPU time"), ("kernel_wall", "kernel wall time"),
                            ("client", "front end's wait")):
            f = k[name]
            print(f"  added, {label:17s}: median {f['added_median_ms']:6.2f} ms, p95 "
                  f"{f['added_p95_ms']:6.2f} ms   (A/A control: median "
                  f"{f['control_median_ms']:6.2f} ms, p95 {f['control_p95_ms']:6.2f} ms)")
        print("  per stage (kernel side, ms):  " + "  ".join(
            f"{name} {v['median_ms']:.3f}/{v['p95_ms']:.3f}" for name, v in k["stages"].items())
            + "   (median/p95)")
        print("  targets: median <= 2 ms, p95 <= 5 ms")
    if not args.skip_native:
        print("[native] recording and stopping (ratios of thread CPU time, paired)", flush=True)
        out["native"] = bench_native([10**5, args.big], args.rounds)
        alive = out["stop_alive_ms"] = bench_stop_alive(args.big)
        print(f"  stop with {args.big:,} buffers still alive: {alive:.2f} ms (target < 50 ms)")
    j = out["json"] = bench_json()
    print(f"[json] ordinary report ({j['timeline_points']} timeline points, {j['ops']} ops, "
          f"{j['arrays']} arrays, {j['findings']} findings, {j['bytes']:,} bytes): to_json "
          f"{j['to_json_ms']:.3f} ms, json.dumps(report.to_dict(), indent=2) {j['stdlib_ms']:.2f} ms"
          " (target < 2 ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
