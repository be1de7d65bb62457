"""Time per line (issue 11): where a cell's seconds go, with the charging rule of bytes, measured
in `profile()` and in a real kernel.  Shares, not absolute times, are asserted: they hold on a
loaded machine."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kernel_messages import execute, running_kernel

import arrayprof
from arrayprof.render.text import render_text

pytestmark = pytest.mark.kernel


def shares(report: arrayprof.Report) -> dict[int, float]:
    total = sum(line.seconds for line in report.lines)
    assert total > 0
    return {line.lineno: line.seconds / total for line in report.lines}


LOOP_CELL = "a = np.ones(10)\ns = 0\nfor i in range(1_000_000): s += i\n"


def test_a_python_loop_line_gets_the_cells_time() -> None:
    report = arrayprof.profile(LOOP_CELL, {"np": np}, verify=False)
    assert shares(report)[3] > 0.9
    loop = report.line(3)
    assert loop.samples >= 10 and loop.numpy_seconds == 0
    # the lines' seconds account for the cell's wall time (less arrayprof's start and stop)
    assert 0.8 * report.wall_s <= sum(line.seconds for line in report.lines) <= report.wall_s
    assert not report.notes
    text = render_text(report)
    assert "slowest line 3 (" in text.splitlines()[0]
    assert text.splitlines()[2].split()[-2:] == ["time", "%"]


def test_a_large_dot_is_numpy_time() -> None:
    rng = np.random.default_rng(0)
    namespace = {"np": np, "a": rng.random((1500, 1500)), "b": rng.random((1500, 1500))}
    report = arrayprof.profile("c = np.dot(a, b)\n", namespace, verify=False)
    line = report.line(1)
    assert line.numpy_seconds > 0
    assert abs(line.numpy_seconds - line.seconds) <= 0.1 * line.seconds
    assert report.numpy.seconds == pytest.approx(line.numpy_seconds)


def test_nested_numpy_calls_are_counted_once() -> None:
    """np.mean is a NumPy function that calls add.reduce: timed once, as the outer call.  Counted
    twice, the line's NumPy time would be about twice the cell's wall time."""
    namespace = {"np": np, "x": np.ones(20_000_000)}
    report = arrayprof.profile("for _ in range(5): m = np.mean(x)\n", namespace, verify=False)
    assert report.ops[0].name == "add.reduce" and report.ops[0].count == 5
    assert 0.5 * report.wall_s < report.numpy.seconds <= report.wall_s
    assert report.line(1).numpy_seconds == report.numpy.seconds


FUNCTION_CELL = """def f(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
total = f(1_500_000)
"""


def test_a_function_defined_in_the_cell_gets_time_on_its_own_lines() -> None:
    report = arrayprof.profile(FUNCTION_CELL, {"np": np}, verify=False)
    share = shares(report)
    assert share.get(3, 0) + share.get(4, 0) > 0.9
    assert share.get(6, 0) < 0.05
    # a loop body without calls only lets the interpreter run a sample at its backward jump (line
    # 4); the helper read where the thread was, so the loop header gets its part too
    assert share.get(3, 0) > 0.1 and share.get(4, 0) > 0.1


def test_threads_the_cell_starts_are_charged_on_their_lines() -> None:
    cell = ("import threading\n"
            "def work():\n"
            "    s = 0\n"
            "    for i in range(2_000_000): s += i\n"
            "t = threading.Thread(target=work)\n"
            "t.start()\n"
            "x = 0\n"
            "for j in range(2_000_000): x += j\n"
            "t.join()\n")
    report = arrayprof.profile(cell, {}, verify=False)
    assert report.line(4) is not None and report.line(4).samples > 0
    assert report.line(8).samples > 0


def test_off_the_main_thread_numpy_time_only_and_a_note() -> None:
    result: dict[str, Any] = {}
    namespace = {"np": np, "a": np.ones((600, 600))}

    def run() -> None:
        result["report"] = arrayprof.profile("s = 0\nfor i in range(300_000): s += i\nc = a @ a\n",
                                             namespace, verify=False)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    report = result["report"]
    assert any("outside the main thread" in note for note in report.notes)
    assert all(line.samples == 0 for line in report.lines)
    assert report.line(3).seconds == report.line(3).numpy_seconds > 0
    assert report.line(2) is None  # nothing sampled, nothing allocated
    assert namespace["c"].shape == (600, 600)


# -- a real kernel ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kernel():
    with running_kernel() as client:
        yield client


def stdout(result: dict[str, Any]) -> str:
    return "".join(o["text"] for o in result["outputs"] if o["type"] == "stream")


def test_kernel_cell_loop_line_share(kernel, tmp_path: Path) -> None:
    assert execute(kernel, "%load_ext arrayprof\nimport numpy as np")["status"] == "ok"
    out = tmp_path / "loop.json"
    result = execute(kernel, f"%%arrayprof --json {out} --no-verify\n{LOOP_CELL}")
    assert result["status"] == "ok"
    report = arrayprof.Report.from_dict(json.loads(out.read_text()))
    assert shares(report)[3] > 0.9
    assert report.line(3).samples >= 10


SIGNAL_CELL = """import signal, time
seen = {"prof": 0, "alrm": 0}
def on_prof(signum, frame): seen["prof"] += 1
def on_alrm(signum, frame): seen["alrm"] += 1
old_prof = signal.signal(signal.SIGPROF, on_prof)
old_alrm = signal.signal(signal.SIGALRM, on_alrm)
signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
signal.setitimer(signal.ITIMER_REAL, 0.003, 0.003)
s = 0
for i in range(3_000_000): s += i
time.sleep(0.05)
signal.setitimer(signal.ITIMER_PROF, 0)
signal.setitimer(signal.ITIMER_REAL, 0)
mine = (signal.getsignal(signal.SIGPROF) is on_prof, signal.getsignal(signal.SIGALRM) is on_alrm)
signal.signal(signal.SIGPROF, old_prof)
signal.signal(signal.SIGALRM, old_alrm)
"""


def test_kernel_cell_with_its_own_profiling_signal_keeps_it(kernel, tmp_path: Path) -> None:
    """arrayprof's sampler uses no signal and no timer: a cell that installs SIGPROF and SIGALRM
    handlers with interval timers gets every signal itself, and its handlers are the ones
    installed, while the cell's lines are timed all the same."""
    assert execute(kernel, "%load_ext arrayprof\nimport numpy as np")["status"] == "ok"
    out = tmp_path / "signals.json"
    result = execute(kernel, f"%%arrayprof --json {out} --no-verify\n{SIGNAL_CELL}")
    assert result["status"] == "ok"
    check = execute(kernel, "print(seen['prof'] > 0, seen['alrm'] > 0, mine)")
    assert stdout(check).strip() == "True True (True, True)"
    report = arrayprof.Report.from_dict(json.loads(out.read_text()))
    assert shares(report)[10] > 0.5
    assert report.line(11).seconds >= 0.04  # the sleep, charged when it returned
    assert not report.notes


TERMINAL = """
import json, sys
from IPython.terminal.interactiveshell import TerminalInteractiveShell
shell = TerminalInteractiveShell.instance()
shell.run_cell("%load_ext arrayprof")
shell.run_cell("import numpy as np")
result = shell.run_cell("%%arrayprof --json " + sys.argv[1] + " --no-verify --quiet\\n" + sys.argv[2])
assert result.success, result
"""


def test_terminal_ipython_cell_loop_line_share(tmp_path: Path) -> None:
    """Terminal IPython runs cells on the main thread too: the sampler runs there."""
    import subprocess
    import sys

    out = tmp_path / "terminal.json"
    done = subprocess.run([sys.executable, "-c", TERMINAL, str(out), LOOP_CELL],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = arrayprof.Report.from_dict(json.loads(out.read_text()))
    assert shares(report)[3] > 0.9 and report.line(3).samples >= 10


FORK = """
import threading, warnings
import arrayprof
cell = ("import os\\n"
        "pid = os.fork()\\n"
        "if pid == 0: os._exit(0)\\n"
        "os.waitpid(pid, 0)\\n"
        "for i in range(1_000_000): pass\\n")
assert threading.active_count() == 1
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report = arrayprof.profile(cell, {}, verify=False)
print([str(w.message) for w in caught if "fork" in str(w.message)], report.error,
      report.line(5).samples >= 5)
"""


def test_a_fork_in_the_cell_sees_one_thread_and_sampling_goes_on() -> None:
    """The sampler's helper thread is stopped around os.fork(): CPython 3.12+ warns about forking a
    multi-threaded process (counting the OS's threads), and a plain cell in a one-thread process
    gets no warning.  Sampling resumes after the fork.  (A fresh process: the test process has
    jupyter_client's threads.)"""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FORK], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] None True"
