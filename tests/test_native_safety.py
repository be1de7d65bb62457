"""The native core in the field: fork, locks, foreign NEP 49 handlers, threads arrayprof did not
see start, GIL-less allocations on every interpreter, free-threaded builds.

Tests that could hang (fork, deadlock) run in a child interpreter or in forked children with a
deadline, so a regression fails instead of wedging the run.
"""

from __future__ import annotations

import _thread
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import arrayprof
from arrayprof import _native, tracker
from arrayprof.report import Report
from arrayprof.session import tracker_notes

HERE = Path(__file__).parent


def run(code: str, **namespace) -> Report:
    namespace.setdefault("np", np)
    return arrayprof.profile(code, namespace, verify=False)


def handler_name() -> str:
    """The name of the NEP 49 handler current in this context, as NumPy tells it."""
    # numpy._core.multiarray: NumPy 2's home, and a re-export on 1.26 (whose bare numpy._core
    # has no `multiarray` attribute until that module is imported)
    from numpy._core.multiarray import get_handler_name

    return get_handler_name()


def run_child(code: str, timeout: float, extra_path: Path | None = None) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object last.  A hang fails the test."""
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                              text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child interpreter hung (no answer within {timeout} s)")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- a small C extension: foreign NEP 49 handlers and a GIL-less allocating thread ---------------

@pytest.fixture(scope="module")
def ext_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compile tests/native_safety_ext.c with the C compiler Python was built with (one second)."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    if shutil.which(cc[0]) is None:
        pytest.skip(f"no C compiler ({cc[0]}) to build the test extension with")
    out = tmp_path_factory.mktemp("ext")
    target = out / ("native_safety_ext" + sysconfig.get_config_var("EXT_SUFFIX"))
    command = [*cc, "-shared", "-fPIC", "-O1", "-pthread", f"-I{sysconfig.get_paths()['include']}",
               f"-I{np.get_include()}", str(HERE / "native_safety_ext.c"), "-o", str(target)]
    built = subprocess.run(command, capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"the test extension does not build here: {built.stderr[-500:]}")
    return out


@pytest.fixture(scope="module")
def ext(ext_dir: Path) -> ModuleType:
    sys.path.insert(0, str(ext_dir))
    try:
        import native_safety_ext
    finally:
        sys.path.remove(str(ext_dir))
    return native_safety_ext


# -- 1. fork ---------------------------------------------------------------------------------------

FORKS = """
import json, os, signal, threading, time, warnings
import numpy as np
import arrayprof
warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded, use of fork()" (3.12+)

CELL = '''
started = time.monotonic()
for i in range(FORKS):
    if time.monotonic() - started > BUDGET_S:
        break
    pid = os.fork()
    if pid == 0:
        try:
            np.ones(10)  # through the allocation hooks, in the child
        finally:
            os._exit(0)
    pids.append(pid)
'''

def reap(pids, deadline_s):
    pending, deadline = set(pids), time.monotonic() + deadline_s
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            if os.waitpid(pid, os.WNOHANG)[0]:
                pending.discard(pid)
        time.sleep(0.005)
    for pid in pending:  # stragglers: hung on an inherited lock
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return len(pending)
"""


def test_fork_children_exit_while_a_native_thread_allocates_without_the_gil(ext_dir: Path) -> None:
    """A native thread allocates through NumPy's handler without the GIL, as fast as it can, while
    a recorded cell forks: every child allocates and must exit (before the fix about half hung on
    the tracker's inherited spinlock)."""
    answer = run_child(FORKS + """
import native_safety_ext as ext
ext.start_hammer()
pids = []
try:
    arrayprof.profile(CELL, {"np": np, "os": os, "time": time, "pids": pids,
                             "FORKS": 400, "BUDGET_S": 8.0}, verify=False)
finally:
    rounds = ext.stop_hammer()
hung = reap(pids, 10.0)
print(json.dumps({"forks": len(pids), "hung": hung, "rounds": rounds}))
""", timeout=60, extra_path=ext_dir)
    assert answer["rounds"] > 0
    assert answer["forks"] >= 100
    assert answer["hung"] == 0, f"{answer['hung']} of {answer['forks']} children hung"


def test_fork_children_exit_while_fromstring_allocates_without_the_gil() -> None:
    """The field case: a thread parses text with np.fromstring(sep=' ') (buffer growth without the
    GIL) while the recorded cell forks 300 times."""
    answer = run_child(FORKS + """
text = " ".join(["1.5"] * 50_000)
stop = threading.Event()
def churn():
    while not stop.is_set():
        np.fromstring(text, sep=" ")
threads = [threading.Thread(target=churn) for _ in range(2)]
for t in threads:
    t.start()
pids = []
try:
    arrayprof.profile(CELL, {"np": np, "os": os, "time": time, "pids": pids,
                             "FORKS": 300, "BUDGET_S": 8.0}, verify=False)
finally:
    stop.set()
    for t in threads:
        t.join()
print(json.dumps({"forks": len(pids), "hung": reap(pids, 10.0)}))
""", timeout=60)
    assert answer["forks"] >= 100
    assert answer["hung"] == 0, f"{answer['hung']} of {answer['forks']} children hung"


def test_a_forked_child_does_not_record_and_the_parent_counts_exactly() -> None:
    """The child of a fork inside a recorded cell starts with recording off (the cell it would
    record is the parent's; a multiprocessing worker would record forever); what it recorded
    stops at the fork and says so.  The parent's figures are exactly its own."""
    read_end, write_end = os.pipe()
    namespace = {"np": np, "os": os, "w": write_end, "_native": _native, "json": json,
                 "tracker_notes": tracker_notes}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        report = arrayprof.profile(
            "a = np.empty(100)\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    try:\n"
            "        c = np.empty(1000)\n"
            "        recording = _native.is_recording()\n"
            "        raw = _native.stop()\n"  # what a report built in the child would read
            "        os.write(w, json.dumps([recording, raw['forked_child'], raw['allocations'],\n"
            "                                tracker_notes(raw)]).encode())\n"
            "    finally:\n"
            "        os._exit(0)\n"
            "b = np.empty(200)\n", namespace, verify=False)
    os.close(write_end)
    child_says = json.loads(os.read(read_end, 10_000))
    os.close(read_end)
    os.waitpid(namespace["pid"], 0)
    # not recording; the figures stop at the fork (`a` only) and the report would say so
    assert child_says == [False, True, 1, ["this process was forked from the profiled cell; its "
                                           "NumPy figures stop at the fork"]]
    assert report.error is None
    assert report.numpy.allocations == 2
    assert report.numpy.allocated_bytes == namespace["a"].nbytes + namespace["b"].nbytes


def test_a_fork_pool_inside_a_recorded_cell_works() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        namespace = {"np": np}
        report = arrayprof.profile("import multiprocessing\n"
                     "with multiprocessing.get_context('fork').Pool(2) as pool:\n"
                     "    parts = pool.map(np.arange, [10, 100, 1000, 10_000])\n"
                     "total = int(sum(p.sum() for p in parts))\n", namespace, verify=False)
    assert report.error is None, report.error
    assert namespace["total"] == sum(n * (n - 1) // 2 for n in (10, 100, 1000, 10_000))


# -- 2. no Python object built under the spinlock -----------------------------------------------

def test_a_collection_while_stopping_cannot_deadlock_with_another_thread() -> None:
    """stop() built the result under the spinlock: a garbage collection there ran a finalizer that
    released the GIL, another thread took the GIL and spun on the lock, and neither moved again.
    (3.11 collects inside allocations; 3.12+ defers collections, so there it passed anyway.)"""
    answer = run_child("""
import gc, json, threading, time
import numpy as np
from arrayprof import _native, tracker
tracker.ensure_installed()
stop = False
def poll():
    while not stop:
        _native.memory_usage()  # takes the state lock, with the GIL
poller = threading.Thread(target=poll)
poller.start()
finalized = []
class Sleepy:
    def __del__(self):
        finalized.append(1)
        time.sleep(0.02)  # releases the GIL inside the collection
try:
    for _ in range(10):
        _native.start("<cell>", 1)
        keep = [np.empty(1) for _ in range(5000)]  # results past the object free lists
        gc.disable()
        cycle = Sleepy()
        cycle.me = cycle
        del cycle
        gc.set_threshold(1)
        gc.enable()
        raw = _native.stop()  # its first container allocation collects the cycle
        gc.set_threshold(700)
finally:
    stop = True
    poller.join()
print(json.dumps({"finalized": len(finalized), "allocations": raw["allocations"]}))
""", timeout=30)
    assert answer["finalized"] == 10
    assert answer["allocations"] == 5000


# -- 3. foreign NEP 49 handlers ------------------------------------------------------------------

def test_a_foreign_handler_is_hooked_and_said(ext: ModuleType) -> None:
    """Another library set its own (writable, version 1) handler: arrayprof hooks it in place, so
    the cell's allocations are counted, and the report says so."""
    old = ext.set_handler(0)
    try:
        calls_before = ext.calls()
        report = run("x = np.empty(1000)\ny = np.empty((10, 10))\n")
        calls = ext.calls() - calls_before
        name = handler_name()
    finally:
        ext.restore_handler(old)
    assert calls >= 2  # the allocations really went through the foreign handler
    assert name == "arrayprof_test_allocator"
    assert report.numpy.allocations == 2
    assert report.numpy.allocated_bytes == np.empty(1000).nbytes + np.empty((10, 10)).nbytes
    assert report.line(1).allocated_bytes == 8000
    assert report.notes == ["NumPy allocations go through the NEP 49 handler "
                            "'arrayprof_test_allocator' set by another library; arrayprof hooked "
                            "it in place, so they are counted"]


def test_a_foreign_handler_that_cannot_be_hooked_is_said(ext: ModuleType) -> None:
    """A handler in read-only memory cannot be patched: nothing is counted, and the note says the
    allocations are not seen (before: 0 allocations and no note)."""
    old = ext.set_handler(1)
    try:
        report = run("x = np.empty(1000)\n")
    finally:
        ext.restore_handler(old)
    assert report.numpy.allocations == 0
    assert report.notes == ["allocations through the NEP 49 handler 'arrayprof_test_readonly' set "
                            "by another library are not seen (arrayprof could not hook it: it is "
                            "in read-only memory)"]


def test_a_handler_set_during_the_cell_is_said(ext: ModuleType) -> None:
    """Set inside the cell: found when the cell stops, said, and hooked for the next cells."""
    namespace = {"np": np, "ext": ext}
    try:
        report = arrayprof.profile("old = ext.set_handler(3)\nx = np.empty(1000)\n", namespace,
                                   verify=False)
        later = run("y = np.empty(1000)\n")  # the handler set by the cell is still current
    finally:
        ext.restore_handler(namespace["old"])  # the cell ran in this thread's context
    assert report.numpy.allocations == 0
    assert report.notes == ["the NEP 49 handler 'arrayprof_test_late' was set during the cell by "
                            "another library; allocations through it before the cell ended may "
                            "not be seen (arrayprof hooked it in place for later cells)"]
    assert (later.numpy.allocations, later.numpy.allocated_bytes) == (1, 8000)
    assert later.notes == ["NumPy allocations go through the NEP 49 handler 'arrayprof_test_late' "
                           "set by another library; arrayprof hooked it in place, so they are "
                           "counted"]


def test_a_foreign_handler_forwarding_to_the_default_one_is_counted_once(ext: ModuleType) -> None:
    """A wrapper handler that forwards to NumPy's default handler (hooked too): each allocation
    passes through two hooks and is counted once, by the outer one."""
    old = ext.set_handler(2)
    try:
        report = run("x = np.empty(1000)\ny = np.empty(500)\ndel y\n")
    finally:
        ext.restore_handler(old)
    assert (report.numpy.allocations, report.numpy.allocated_bytes) == (2, 8000 + 4000)
    assert (report.numpy.frees, report.numpy.freed_bytes) == (1, 4000)
    assert report.line(2).temporaries == 1
    assert report.notes == ["NumPy allocations go through the NEP 49 handler "
                            "'arrayprof_test_wrapping' set by another library; arrayprof hooked "
                            "it in place, so they are counted"]


# -- 4. threads arrayprof did not see start ------------------------------------------------------

def test_a__thread_that_outlives_its_cell_is_not_charged_to_later_cells() -> None:
    """A thread started with _thread (invisible to threading.enumerate()) keeps allocating after
    its cell: the next cells count exactly their own allocations."""
    state = {"stop": False, "count": 0}
    finished = _thread.allocate_lock()
    finished.acquire()
    namespace = {"np": np, "_thread": _thread, "state": state, "finished": finished, "time": time}
    started = arrayprof.profile("def churn():\n"
                                "    try:\n"
                                "        while not state['stop']:\n"
                                "            keep = np.ones(1000)\n"
                                "            state['count'] += 1\n"
                                "    finally:\n"
                                "        finished.release()\n"
                                "_thread.start_new_thread(churn, ())\n", namespace, verify=False)
    assert started.error is None
    try:
        for shape in [(1000,), (50, 40)]:
            report = arrayprof.profile("before = state['count']\n"
                                       f"x = np.empty({shape})\n"
                                       "while state['count'] < before + 50:\n"
                                       "    time.sleep(0.001)\n", namespace, verify=False)
            assert report.numpy.allocations == 1
            assert report.numpy.allocated_bytes == namespace["x"].nbytes
            assert report.line(2).allocated_bytes == namespace["x"].nbytes
            assert report.numpy.other_threads["allocations"] >= 50
    finally:
        state["stop"] = True
        assert finished.acquire(timeout=10)


# -- 5. GIL-less allocations are charged to the cell line, on every interpreter -------------------

def test_fromstring_growth_without_the_gil_is_charged_to_the_cell_line() -> None:
    text = " ".join(["2.5"] * 100_000)
    report = run("v = np.fromstring(text, sep=' ')\n", text=text)
    nbytes = np.fromstring(text, sep=" ").nbytes
    first = report.line(1)
    assert report.numpy.allocations > 2  # the buffer grew (reallocs) while the GIL was released
    assert report.numpy.net_bytes == nbytes
    assert (first.allocations, first.allocated_bytes) == (report.numpy.allocations,
                                                          report.numpy.allocated_bytes)


# -- 6. free-threaded builds ---------------------------------------------------------------------

def test_a_free_threaded_build_without_the_gil_is_refused_loudly() -> None:
    with pytest.raises(ImportError, match=r"free-threaded.*PYTHON_GIL=1"):
        tracker.check_interpreter(gil_disabled_build=1, gil_enabled=False)
    tracker.check_interpreter(gil_disabled_build=1, gil_enabled=True)  # the user turned it on
    tracker.check_interpreter(gil_disabled_build=0, gil_enabled=True)
    tracker.check_interpreter()  # this interpreter
