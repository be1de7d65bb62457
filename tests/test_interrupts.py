"""Interrupts and exits: nothing of arrayprof's outlives a cell, and arrayprof's own work never
costs the cell its result.

In-process (IPython's InteractiveShell, deterministic: the interrupt is raised from inside
arrayprof's work by replacing one of its functions) and in a real kernel (jupyter_client: cells
raising KeyboardInterrupt and SystemExit, and real interrupts sent with ``interrupt_kernel``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest
from kernel_messages import collect

from arrayprof import _native, api, inventory, notify
from arrayprof.rss import MemoryProfilerSampler
from arrayprof.session import Session

ANSI = re.compile(r"\x1b\[[0-9;]*m")
INTERRUPTED = "arrayprof: interrupted while"
# arrayprof's own source files as a traceback names them ("arrayprof/kernel/magics.py"; the
# checkout itself may be called "arrayprof", so a bare "/arrayprof/" would match NumPy's frames, and
# IPython may shorten the home directory to "~", so the full path is not matched either)
_PACKAGE = Path(api.__file__).parent
OWN_FILES = re.compile("|".join(re.escape("arrayprof/" + p.relative_to(_PACKAGE).as_posix())
                                for p in _PACKAGE.rglob("*.py")))


def children() -> list[psutil.Process]:
    """This process's children (zombies included), less kernels other tests may have running and
    the helpers multiprocessing keeps for the rest of a process once any test used it (its
    resource tracker and fork server: Dask's LocalCluster starts them)."""
    def is_kernel(child: psutil.Process) -> bool:
        try:
            return any("ipykernel" in part or "multiprocessing.resource_tracker" in part
                       or "multiprocessing.forkserver" in part for part in child.cmdline())
        except psutil.Error:
            return False

    return [child for child in psutil.Process().children(recursive=True) if not is_kernel(child)]


# -- in-process: IPython's own shell ----------------------------------------------------------------

@pytest.fixture(scope="module")
def shell() -> Iterator[Any]:
    from IPython.core.interactiveshell import InteractiveShell

    notifier = notify._notify
    ipython = InteractiveShell.instance()
    ipython.run_cell("%load_ext arrayprof\nimport numpy as np", store_history=True)
    try:
        yield ipython
    finally:
        ipython.run_cell("%unload_ext arrayprof")
        notify.set_notifier(notifier)  # the extension sent notes to IPython's display


def run(shell: Any, cell: str) -> Any:
    return shell.run_cell(cell, store_history=True)


def interrupt(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt


def test_interrupt_in_the_advisor_keeps_the_cells_value(shell, monkeypatch, capsys) -> None:
    import arrayprof.advisor

    monkeypatch.setattr(arrayprof.advisor, "advise", interrupt)
    result = run(shell, "%%arrayprof\nq = np.arange(5)  # slow advice\nq.sum()")
    assert result.error_in_exec is None and result.error_before_exec is None
    assert result.result == 10  # shown as Out[n]
    assert shell.user_ns["q"].tolist() == [0, 1, 2, 3, 4]
    out = capsys.readouterr()
    assert f"Out[{result.execution_count}]: np.int64(10)" in out.out
    assert out.out.count(INTERRUPTED) == 1
    assert "arrayprof: interrupted while advising; this report is incomplete" in out.out
    assert "Traceback" not in out.out + out.err
    assert "line  source" not in out.out  # the report itself is abandoned, not shown
    report = api.last_report()
    assert report.numpy.allocated_bytes - report.numpy.temporary_bytes == 5 * 8
    assert [n for n in report.notes if n.startswith(INTERRUPTED)] == [
        "arrayprof: interrupted while advising; this report is incomplete (the cell itself ran "
        "normally)"]
    assert not _native.is_recording()
    assert children() == []


def test_interrupt_building_the_report_keeps_the_cells_value(shell, monkeypatch, capsys) -> None:
    monkeypatch.setattr(inventory, "build_inventory", interrupt)
    result = run(shell, "%%arrayprof --rss memory-profiler\nr = np.ones(3)\nr.sum()")
    assert result.error_in_exec is None and result.result == 3.0
    assert shell.user_ns["r"].tolist() == [1.0, 1.0, 1.0]
    out = capsys.readouterr().out
    assert "arrayprof: interrupted while building the report" in out
    assert out.count(INTERRUPTED) == 1
    assert not _native.is_recording()
    assert children() == []  # the sampler stopped before the interrupted work


def test_interrupt_stopping_the_sampler_leaves_no_process(shell, monkeypatch, capsys) -> None:
    seen = []

    def stop_interrupted(self: MemoryProfilerSampler) -> None:
        seen.append(self._timer.is_alive())
        raise KeyboardInterrupt  # as if Ctrl-C came while waiting for the sampler's answer

    monkeypatch.setattr(MemoryProfilerSampler, "stop", stop_interrupted)
    result = run(shell, "%%arrayprof\ns = np.zeros(4)\ns.size")
    assert seen == [True]
    assert result.error_in_exec is None and result.result == 4
    assert "arrayprof: interrupted while building the report" in capsys.readouterr().out
    assert children() == []
    assert not _native.is_recording()


def test_interrupt_showing_the_report_keeps_the_cells_value(shell, monkeypatch, capsys) -> None:
    import arrayprof.kernel.magics as magics

    monkeypatch.setattr(magics, "show_report", interrupt)
    result = run(shell, "%%arrayprof --rss off\nt = np.ones(2)\nt.sum()")
    assert result.error_in_exec is None and result.result == 2.0
    assert "arrayprof: interrupted while showing the report" in capsys.readouterr().out


def test_interrupt_in_automatic_mode_keeps_the_cells_value(shell, monkeypatch, capsys) -> None:
    import arrayprof.advisor

    run(shell, "%arrayprof on --threshold 1")
    try:
        monkeypatch.setattr(arrayprof.advisor, "advise", interrupt)
        capsys.readouterr()
        result = run(shell, "u = np.arange(6)\nu.sum()")
        assert result.error_in_exec is None and result.result == 15
        assert shell.user_ns["u"].tolist() == list(range(6))
        out = capsys.readouterr()
        assert f"Out[{result.execution_count}]: np.int64(15)" in out.out
        assert out.out.count(INTERRUPTED) == 1
        assert "Traceback" not in out.out + out.err
        assert "arrayprof:" not in out.out.replace(
            "arrayprof: interrupted while advising", "")  # no summary after the interrupt
        report = api.last_report()
        assert report.numpy.allocated_bytes - report.numpy.temporary_bytes == 6 * 8
        monkeypatch.undo()
        # the next cell is profiled as usual, with exact figures
        result = run(shell, "v = np.ones(1000)")
        assert result.error_in_exec is None
        line = api.last_report().line(1)
        assert line.allocated_bytes - line.temporary_bytes == 8000
    finally:
        run(shell, "%arrayprof off")


def test_keyboard_interrupt_of_a_cell_in_automatic_mode(shell, capsys) -> None:
    run(shell, "%arrayprof on")
    try:
        result = run(shell, "k = np.ones(7)\nraise KeyboardInterrupt")
        assert type(result.error_in_exec) is KeyboardInterrupt
        assert not _native.is_recording()
        report = api.last_report()
        assert (report.error.type, report.error.lineno) == ("KeyboardInterrupt", 2)
        assert report.line(1).allocated_bytes - report.line(1).temporary_bytes == 7 * 8
        run(shell, "m = np.ones(9)")
        line = api.last_report().line(1)
        assert line.allocated_bytes - line.temporary_bytes == 9 * 8
    finally:
        run(shell, "%arrayprof off")
    capsys.readouterr()


def test_interrupt_as_automatic_mode_starts_leaves_the_cell_running(shell, monkeypatch,
                                                                    capsys) -> None:
    """Ctrl-C in arrayprof's pre-cell hook: as IPython does for any hook, the cell still runs,
    here unprofiled, with one note; nothing is left recording."""
    run(shell, "%arrayprof on")
    try:
        monkeypatch.setattr(inventory, "snapshot_names", interrupt)
        result = run(shell, "h = np.ones(3)\nh.sum()")
        assert result.error_in_exec is None and result.result == 3.0
        assert "arrayprof: profiling this cell interrupted; the cell itself ran normally" in \
            capsys.readouterr().out
        assert not _native.is_recording()
        monkeypatch.undo()
        run(shell, "g = np.ones(11)")
        line = api.last_report().line(1)
        assert line.allocated_bytes - line.temporary_bytes == 11 * 8
    finally:
        run(shell, "%arrayprof off")


def test_keyboard_interrupt_in_the_cell_stops_everything(shell, capsys) -> None:
    result = run(shell, "%%arrayprof\nw = np.ones(10)\nraise KeyboardInterrupt")
    assert type(result.error_in_exec) is KeyboardInterrupt
    assert shell.user_ns["w"].size == 10
    assert children() == []
    assert not _native.is_recording()
    err = ANSI.sub("", capsys.readouterr().out)
    assert not OWN_FILES.search(err)  # none of arrayprof's frames
    assert "----> 2 raise KeyboardInterrupt" in err


def test_interrupt_before_the_cell_runs_stops_everything(shell, monkeypatch) -> None:
    """Ctrl-C while arrayprof prepares (before the code starts) is the cell's interrupt: the code
    does not run, and nothing is left running."""
    monkeypatch.setattr(inventory, "snapshot_names", interrupt)
    shell.user_ns.pop("never", None)
    result = run(shell, "%%arrayprof\nnever = 1")
    assert type(result.error_in_exec) is KeyboardInterrupt
    assert "never" not in shell.user_ns
    assert children() == []
    assert not _native.is_recording()


# -- the Python API ---------------------------------------------------------------------------------

def test_profile_keeps_the_namespace_when_the_advisor_is_interrupted(monkeypatch, capsys) -> None:
    import arrayprof.advisor

    monkeypatch.setattr(arrayprof.advisor, "advise", interrupt)
    namespace = {"np": np}
    report = api.profile("x = np.arange(3) * 2", namespace)
    assert namespace["x"].tolist() == [0, 2, 4]
    assert report.error is None and report.findings == []
    assert report.numpy.allocated_bytes - report.numpy.temporary_bytes == 3 * 8
    assert [n for n in report.notes if n.startswith(INTERRUPTED)] == [
        "arrayprof: interrupted while advising; this report is incomplete (the cell itself ran "
        "normally)"]
    captured = capsys.readouterr()  # stderr, or IPython's display once the extension is loaded
    assert (captured.out + captured.err).count(INTERRUPTED) == 1


def test_keyboard_interrupt_of_the_code_propagates_with_nothing_running() -> None:
    namespace = {"np": np}
    session = Session("y = np.ones(3)\nraise KeyboardInterrupt", namespace,
                      rss="memory-profiler")
    with pytest.raises(KeyboardInterrupt):
        api.profile_session(session, verify=False)
    assert namespace["y"].size == 3
    assert session.code_finished is False
    assert children() == []
    assert not _native.is_recording()


def test_system_exit_is_the_cells_result() -> None:
    """As IPython does, SystemExit of the code is shown and the session goes on: the report is
    built (with the error), and nothing is left running."""
    namespace = {"np": np}
    session = Session("z = np.ones(5)\nraise SystemExit(3)", namespace, rss="memory-profiler")
    report, _, error = api.profile_session(session, verify=False)
    assert type(error) is SystemExit and error.code == 3
    assert (report.error.type, report.error.lineno) == ("SystemExit", 2)
    assert report.line(1).allocated_bytes - report.line(1).temporary_bytes == 5 * 8
    assert report.rss is not None and report.rss.sampler == "memory-profiler"
    assert children() == []
    assert not _native.is_recording()


def test_a_failing_sampler_cancel_does_not_replace_the_users_interrupt(monkeypatch) -> None:
    """Fault injection on the interrupt path: arrayprof's cleanup failing must neither hide the
    user's KeyboardInterrupt nor leave the tracker recording."""
    original = MemoryProfilerSampler.cancel

    def broken_cancel(self: MemoryProfilerSampler) -> None:
        original(self)  # the process still goes (the test must not leak it) ...
        raise RuntimeError("injected")  # ... but arrayprof's cleanup then fails

    monkeypatch.setattr(MemoryProfilerSampler, "cancel", broken_cancel)
    session = Session("raise KeyboardInterrupt", {}, rss="memory-profiler")
    with pytest.raises(KeyboardInterrupt):
        api.profile_session(session, verify=False)
    assert not _native.is_recording()
    assert children() == []


def test_a_sampler_that_cannot_start_leaves_the_cell_running(monkeypatch, capsys) -> None:
    def broken_start(self: MemoryProfilerSampler) -> None:
        raise RuntimeError("no sampler today")

    monkeypatch.setattr(MemoryProfilerSampler, "start", broken_start)
    namespace: dict[str, Any] = {"np": np}
    report, value, error = api.profile_session(
        Session("a = np.ones(2)\na.sum()", namespace, rss="memory-profiler"), verify=False,
        display_last=True)
    assert (value, error) == (2.0, None)
    captured = capsys.readouterr()
    assert "arrayprof: starting the profiler failed (RuntimeError: no sampler today); the cell " \
        "ran normally" in captured.out + captured.err
    assert report.notes == ["not recorded: the profiler did not start"]
    assert not _native.is_recording()


# -- a real kernel ----------------------------------------------------------------------------------

class Kernel:
    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3")
        self.pid = int(self.text(self.execute("import os; print(os.getpid())")))

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def send(self, code: str) -> str:
        return self.client.execute(code)

    def collect(self, msg_id: str, until: str | None = None, timeout: float = 120,
                ) -> dict[str, Any]:
        """Outputs and reply of `msg_id`; with `until`, return as soon as that text has been
        printed (the cell still running)."""
        return collect(self.client, msg_id, timeout, until)

    def execute(self, code: str) -> dict[str, Any]:
        return self.collect(self.send(code))

    @staticmethod
    def text(result: dict[str, Any]) -> str:
        parts = []
        for out in result["outputs"]:
            if out["type"] == "stream":
                parts.append(out["text"])
            elif out["type"] in ("display_data", "execute_result"):
                parts.append(out["data"].get("text/plain", ""))
        return "\n".join(parts)

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.pid).children(recursive=True)

    def recording(self) -> bool:
        result = self.execute("from arrayprof import _native as _ap_native\n"
                              "print(_ap_native.is_recording())")
        return self.text(result).strip() == "True"

    def assert_profiles_exactly(self, tmp_path: Path) -> None:
        """The next cell is profiled as usual: exact figures (the README's example), the
        memory-profiler sampler started and stopped again."""
        out = tmp_path / f"next-{time.monotonic_ns()}.json"
        result = self.execute(f"%%arrayprof --quiet --no-verify --json {out}\n"
                              "z = (a - b) * c + d\n")
        assert result["status"] == "ok"
        report = json.loads(out.read_text())
        assert (report["numpy"]["allocations"], report["numpy"]["temporaries"],
                report["numpy"]["peak_bytes"]) == (1, 0, 8_000_000)
        assert report["rss"]["sampler"] == "memory-profiler"
        assert self.children() == []
        assert not self.recording()


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        assert k.execute("%load_ext arrayprof\nimport numpy as np\n"
                         "a, b, c, d = (np.ones(1_000_000) for _ in range(4))")["status"] == "ok"
        assert k.children() == []
        yield k
    finally:
        k.close()


def frames(traceback: list[str]) -> list[str]:
    """The traceback's entries without colour, cell numbers written as In[N]."""
    return [re.sub(r"In\[\d+\]", "In[N]", ANSI.sub("", entry)) for entry in traceback]


def test_cell_raising_keyboard_interrupt_in_a_kernel(kernel: Kernel, tmp_path: Path) -> None:
    plain = kernel.execute("x = np.ones(10)\nraise KeyboardInterrupt")
    result = kernel.execute("%%arrayprof\nx = np.ones(10)\nraise KeyboardInterrupt")
    assert result["status"] == "error" and result["reply"]["ename"] == "KeyboardInterrupt"
    assert kernel.children() == []
    assert not kernel.recording()
    tb = result["reply"]["traceback"]
    text = ANSI.sub("", "".join(tb))
    assert not OWN_FILES.search(text)  # none of arrayprof's own frames
    assert f"Cell In[{result['reply']['execution_count']}], line 2" in text
    # the user's frame and the error line read exactly as in the plain cell
    assert frames(tb)[-2:] == frames(plain["reply"]["traceback"])[-2:]
    kernel.assert_profiles_exactly(tmp_path)


def test_cell_raising_system_exit_in_a_kernel(kernel: Kernel, tmp_path: Path) -> None:
    plain = kernel.execute("y = np.ones(10)\nraise SystemExit(3)")
    result = kernel.execute("%%arrayprof\ny = np.ones(10)\nraise SystemExit(3)")
    assert result["status"] == plain["status"] == "error"
    assert result["reply"]["ename"] == "SystemExit"
    assert frames(result["reply"]["traceback"]) == frames(plain["reply"]["traceback"])
    assert kernel.children() == []
    assert not kernel.recording()
    check = kernel.execute("import arrayprof\nh = arrayprof.history()[-1]\n"
                           "print(h.error.type, h.error.lineno, h.line(1).allocated_bytes"
                           " - h.line(1).temporary_bytes)")
    assert Kernel.text(check).split() == ["SystemExit", "2", "80"]
    kernel.assert_profiles_exactly(tmp_path)


LOOP = ("%%arrayprof\n"
        "import time\n"
        "print('looping', flush=True)\n"
        "t0 = time.monotonic()\n"
        "while time.monotonic() - t0 < 60:\n"
        "    v = np.ones(100) * 2\n")


def test_real_interrupt_of_a_profiled_cell(kernel: Kernel, tmp_path: Path) -> None:
    msg_id = kernel.send(LOOP)
    kernel.collect(msg_id, until="looping")
    assert len(kernel.children()) == 1  # memory-profiler's sampler, running with the cell
    started = time.monotonic()
    kernel.manager.interrupt_kernel()
    result = kernel.collect(msg_id)
    assert time.monotonic() - started < 30
    assert result["status"] == "error" and result["reply"]["ename"] == "KeyboardInterrupt"
    text = ANSI.sub("", "".join(result["reply"]["traceback"]))
    assert not OWN_FILES.search(text)
    # the signal may land as soon as line 2 has printed (a loaded machine delivers it late or early)
    assert re.search(r"Cell In\[\d+\], line [2-5]\n", text), text
    assert not [o for o in result["outputs"] if o["type"] == "stream" and o["name"] == "stderr"]
    assert kernel.children() == []
    assert not kernel.recording()
    kernel.assert_profiles_exactly(tmp_path)


SLOW_ADVISOR = """
import pathlib, time
import arrayprof.advisor as _ap_advisor
_ap_real_advise = _ap_advisor.advise
def _ap_slow_advise(report, context, **kwargs):
    if "# slow " "advice" not in report.source:  # only the cell under test, not this one
        return _ap_real_advise(report, context, **kwargs)
    pathlib.Path({flag!r}).touch()
    time.sleep(60)
    return []
_ap_advisor.advise = _ap_slow_advise
"""


def interrupt_during_advice(kernel: Kernel, flag: Path, cell: str) -> dict[str, Any]:
    """Run `cell` with an advisor that, for cells marked ``# slow advice``, signals (a file) and
    then sleeps; interrupt it there."""
    assert kernel.execute(SLOW_ADVISOR.format(flag=str(flag)))["status"] == "ok"
    try:
        msg_id = kernel.send(cell)
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert time.monotonic() < deadline, "the advisor never ran"
            time.sleep(0.02)
        kernel.manager.interrupt_kernel()
        return kernel.collect(msg_id)
    finally:
        kernel.execute("_ap_advisor.advise = _ap_real_advise")


def test_real_interrupt_during_the_advisor_keeps_the_value(kernel: Kernel, tmp_path: Path) -> None:
    result = interrupt_during_advice(kernel, tmp_path / "advising",
                                     "%%arrayprof\nq = np.arange(5)  # slow advice\nq.sum()")
    assert result["status"] == "ok"
    assert [o for o in result["outputs"] if o["type"] == "error"] == []
    values = [o for o in result["outputs"] if o["type"] == "execute_result"]
    assert [v["data"]["text/plain"] for v in values] == ["np.int64(10)"]
    assert values[0]["execution_count"] == result["reply"]["execution_count"]
    notes = [o for o in result["outputs"] if o["type"] == "display_data"]
    assert [n["data"]["text/plain"] for n in notes] == [
        "arrayprof: interrupted while advising; this report is incomplete (the cell itself ran "
        "normally)"]
    assert notes[0]["metadata"]["arrayprof"]["kind"] == "note"
    assert Kernel.text(kernel.execute("print(q.tolist())")).strip() == "[0, 1, 2, 3, 4]"
    assert kernel.children() == []
    kernel.assert_profiles_exactly(tmp_path)


def test_real_interrupt_during_automatic_advice_keeps_the_value(kernel: Kernel,
                                                                tmp_path: Path) -> None:
    # over the threshold: advised right after the cell (quick small cells are advised when asked)
    assert kernel.execute("%arrayprof on --threshold 1")["status"] == "ok"
    try:
        result = interrupt_during_advice(kernel, tmp_path / "auto-advising",
                                         "p = np.arange(4)  # slow advice\np.sum()")
    finally:
        kernel.execute("%arrayprof off")
    assert result["status"] == "ok"
    values = [o["data"]["text/plain"] for o in result["outputs"] if o["type"] == "execute_result"]
    assert values == ["np.int64(6)"]
    assert [o["data"]["text/plain"] for o in result["outputs"] if o["type"] == "display_data"] \
        == ["arrayprof: interrupted while advising; this report is incomplete (the cell itself "
            "ran normally)"]
    assert Kernel.text(kernel.execute("print(p.tolist())")).strip() == "[0, 1, 2, 3]"


# -- usage ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "message", "usage"), [
    ("%arrayprof on --bogus", "%arrayprof on: unrecognized arguments: --bogus",
     "usage: %arrayprof on [--threshold SIZE] [--verify]"),
    ("%arrayprof on --threshold", "%arrayprof on: argument --threshold: expected one argument",
     "usage: %arrayprof on [--threshold SIZE] [--verify]"),
    ("%arrayprof explain", "%arrayprof explain: the following arguments are required: EXPR",
     "usage: %arrayprof explain [--broadcast] EXPR [EXPR ...]"),
    ("%arrayprof explain 'a", "%arrayprof explain: No closing quotation in \"'a\"",
     "usage: %arrayprof explain [--broadcast] EXPR [EXPR ...]"),
    ("%arrayprof explain --broadcast np", "%arrayprof explain: --broadcast needs exactly two "
     "expressions", "usage: %arrayprof explain [--broadcast] EXPR [EXPR ...]"),
    ("%arrayprof last now", "%arrayprof last takes no arguments (got 'now')",
     "usage: %arrayprof last"),
    ("%arrayprof --json", "%arrayprof: --json needs a value",
     "usage: %arrayprof [--json PATH] [--quiet] [--no-verify] [--rss {memory-profiler,hwm,off}]"
     " STATEMENT"),
    ("%arrayprof --bogus x = 1", "%arrayprof: unrecognized arguments: --bogus",
     "usage: %arrayprof [--json PATH] [--quiet] [--no-verify] [--rss {memory-profiler,hwm,off}]"
     " STATEMENT"),
    ("%arrayprof --bogus", "%arrayprof: unrecognized arguments: --bogus",
     "usage: %arrayprof [--json PATH] [--quiet] [--no-verify] [--rss {memory-profiler,hwm,off}]"
     " STATEMENT"),
    ("%%arrayprof --rss nope\nx = 1", "%%arrayprof: argument --rss: invalid choice: 'nope' "
     "(choose from 'memory-profiler', 'hwm', 'off')",
     "usage: %%arrayprof [--json PATH] [--quiet] [--no-verify] [--rss {memory-profiler,hwm,off}]"),
])
def test_bad_arguments_say_what_and_show_the_usage(shell, capsys, line: str, message: str,
                                                   usage: str) -> None:
    from IPython.core.error import UsageError

    shell.user_ns.pop("x", None)
    result = run(shell, line)
    assert type(result.error_in_exec) is UsageError
    assert str(result.error_in_exec).splitlines() == [
        message, usage, "(%arrayprof? shows every form and option)"]
    assert "x" not in shell.user_ns  # nothing ran
    capsys.readouterr()


def test_no_subcommand_lists_every_form(shell, capsys) -> None:
    result = run(shell, "%arrayprof")
    lines = str(result.error_in_exec).splitlines()
    assert lines[0] == "%arrayprof needs a subcommand or a statement"
    assert [line.split()[0] for line in lines if line.startswith("  %")] == [
        "%%arrayprof", "%arrayprof", "%arrayprof", "%arrayprof", "%arrayprof", "%arrayprof",
        "%arrayprof"]
    capsys.readouterr()


def test_the_help_names_each_form_with_its_own_percent_signs() -> None:
    from arrayprof.kernel.magics import USAGE

    usages = [line.strip() for line in USAGE.splitlines() if line.startswith("  %")]
    assert "%%arrayprof [--json PATH] [--quiet] [--no-verify]" in usages
    assert "%arrayprof on [--threshold SIZE] [--verify]" in usages
    assert "%arrayprof explain [--broadcast] EXPR [EXPR ...]" in usages
    assert not any(u.startswith("%%%") or u.startswith("%%arrayprof on") for u in usages)



# -- the command line -------------------------------------------------------------------------------

def cli(*args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "arrayprof.cli", "run", *args, "--quiet",
                           "--no-verify"], capture_output=True, text=True, timeout=300)


def test_the_command_line_stops_at_an_interrupt_and_keeps_what_it_has(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    path, out = tmp_path / "stop.ipynb", tmp_path / "stop.json"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(10)"),
        nbformat.v4.new_code_cell("raise KeyboardInterrupt"),
        nbformat.v4.new_code_cell("never = 1"),
    ]), path)
    run = cli(str(path), "--json", str(out))
    assert run.returncode == 130
    assert run.stderr.splitlines()[-1] == "arrayprof: interrupted after 1 cells"
    reports = json.loads(out.read_text())
    assert [r["source"] for r in reports] == ["import numpy as np\nx = np.ones(10)"]


def test_the_command_line_reports_sys_exit(tmp_path: Path) -> None:
    """``sys.exit(0)`` ends a script successfully (reported, not a failure); another code fails."""
    for code, status in (("0", 0), ("", 0), ("2", 1)):
        script = tmp_path / f"exit{code or 'none'}.py"
        script.write_text(f"import numpy as np, sys\nx = np.ones(100)\nsys.exit({code})\n")
        out = tmp_path / f"{script.stem}.json"
        run = cli(str(script), "--json", str(out))
        assert run.returncode == status, run.stderr
        (report,) = json.loads(out.read_text())
        assert (report["error"]["type"], report["error"]["lineno"]) == ("SystemExit", 3)
        line = next(row for row in report["lines"] if row["lineno"] == 2)
        assert line["allocated_bytes"] - line["temporary_bytes"] == 800
