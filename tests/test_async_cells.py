"""Top-level ``await`` in profiled cells works as in plain ones: in the kernel's own event loop,
with the awaited coroutines' allocations charged to the cell (real kernels, real NumPy)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest
from test_interrupts import ANSI, OWN_FILES, Kernel

from arrayprof import _native, api
from arrayprof.session import Session

pytestmark = pytest.mark.kernel  # the kernel suite (tests/conftest.py)

AWAIT_CELL = "import asyncio\nawait asyncio.sleep(0)\nx = np.ones(1000)\n"


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    try:
        assert k.execute("%load_ext arrayprof\nimport numpy as np\nimport arrayprof")[
            "status"] == "ok"
        yield k
    finally:
        k.close()


def report_of(kernel: Kernel, cell: str, tmp_path: Path, options: str = "") -> dict[str, Any]:
    out = tmp_path / f"r{time.monotonic_ns()}.json"
    result = kernel.execute(f"%%arrayprof --quiet --no-verify {options} --json {out}\n{cell}")
    assert result["status"] == "ok", result
    return json.loads(out.read_text())


def rows(report: dict[str, Any]) -> dict[int, tuple[int, int, int]]:
    """lineno: (allocations, allocated bytes, temporaries), for the lines that made arrays (a
    line may also have an entry only because a time sample landed on it)."""
    return {line["lineno"]: (line["allocations"], line["allocated_bytes"], line["temporaries"])
            for line in report["lines"] if line["allocations"] or line["views"]}


def test_await_in_a_profiled_cell_gives_exact_figures(kernel: Kernel, tmp_path: Path) -> None:
    # the same statement without await, for NumPy's own temporaries (np.ones fills from a scalar)
    reference = rows(report_of(kernel, "x = np.ones(1000)", tmp_path))[1]
    for rss in ("memory-profiler", "hwm"):
        report = report_of(kernel, AWAIT_CELL, tmp_path, f"--rss {rss}")
        assert report["error"] is None
        assert rows(report) == {3: reference}  # nothing on the import or the await
        line = next(row for row in report["lines"] if row["lineno"] == 3)
        assert line["allocated_bytes"] - line["temporary_bytes"] == 8000  # x.nbytes
        assert report["rss"]["sampler"] == rss
    assert Kernel.text(kernel.execute("print(x.nbytes)")).strip() == "8000"
    assert kernel.children() == []


def test_await_in_automatic_mode_gives_exact_figures(kernel: Kernel) -> None:
    assert kernel.execute("%arrayprof on")["status"] == "ok"
    try:
        assert kernel.execute(AWAIT_CELL.replace("x =", "x_auto ="))["status"] == "ok"
    finally:
        kernel.execute("%arrayprof off")
    check = kernel.execute("r = arrayprof.history()[-1]\n"
                           "print(r.source.splitlines()[1], '|', "
                           "[l.lineno for l in r.lines if l.allocations], "
                           "r.line(3).allocated_bytes - r.line(3).temporary_bytes, r.error)")
    assert Kernel.text(check).strip() == "await asyncio.sleep(0) | [3] 8000 None"


def test_the_awaited_coroutines_allocations_are_the_cells(kernel: Kernel, tmp_path: Path) -> None:
    cell = ("import asyncio\n"
            "async def make(n):\n"
            "    await asyncio.sleep(0)\n"
            "    return np.empty(n)\n"
            "y = await make(500)\n"
            "w = await asyncio.gather(make(100), make(200))\n")
    report = report_of(kernel, cell, tmp_path)
    assert rows(report) == {4: (3, 8 * 800, 0)}  # inside the coroutine, its own line
    assert report["numpy"]["allocated_bytes"] == 8 * 800


def test_the_cell_runs_in_the_kernels_loop(kernel: Kernel) -> None:
    plain = kernel.execute("import asyncio\nprint(id(asyncio.get_running_loop()))")
    profiled = kernel.execute("%%arrayprof --quiet\nimport asyncio\nawait asyncio.sleep(0)\n"
                              "print(id(asyncio.get_running_loop()))")
    assert Kernel.text(profiled).strip() == Kernel.text(plain).strip() != ""
    # a task started in one cell is awaited in the next, as in plain cells
    started = kernel.execute("%%arrayprof --quiet\nimport asyncio\n"
                             "task = asyncio.ensure_future(asyncio.sleep(0.01, result=41))\n"
                             "await asyncio.sleep(0)")
    assert started["status"] == "ok"
    done = kernel.execute("%%arrayprof --quiet\n(await task) + 1")
    assert [o["data"]["text/plain"] for o in done["outputs"] if o["type"] == "execute_result"] \
        == ["42"]


def test_values_exceptions_and_the_line_form_as_in_plain_cells(kernel: Kernel) -> None:
    def shown(result: dict[str, Any]) -> list[str]:
        return [o["data"]["text/plain"] for o in result["outputs"]
                if o["type"] == "execute_result"]

    plain = kernel.execute("import asyncio\nawait asyncio.sleep(0, result=7)")
    profiled = kernel.execute("%%arrayprof --quiet\nimport asyncio\n"
                              "await asyncio.sleep(0, result=7)")
    assert shown(profiled) == shown(plain) == ["7"]
    silent = kernel.execute("%%arrayprof --quiet\nimport asyncio\n"
                            "await asyncio.sleep(0, result=7);")
    assert shown(silent) == []

    plain = kernel.execute("await asyncio.sleep(0)\n1 / 0")
    profiled = kernel.execute("%%arrayprof --quiet\nawait asyncio.sleep(0)\n1 / 0")
    assert profiled["reply"]["ename"] == plain["reply"]["ename"] == "ZeroDivisionError"
    text = ANSI.sub("", "".join(profiled["reply"]["traceback"]))
    assert not OWN_FILES.search(text)
    assert re.search(r"Cell In\[\d+\], line 2\n", text)

    line = kernel.execute("%arrayprof --quiet z = await asyncio.sleep(0, result=np.ones(3))")
    assert line["status"] == "ok"
    assert Kernel.text(kernel.execute("print(z.tolist())")).strip() == "[1.0, 1.0, 1.0]"


def test_without_autoawait_await_is_the_same_syntax_error(kernel: Kernel) -> None:
    assert kernel.execute("%autoawait off")["status"] == "ok"
    try:
        plain = kernel.execute("import asyncio\nawait asyncio.sleep(0)")
        profiled = kernel.execute("%%arrayprof --quiet\nimport asyncio\nawait asyncio.sleep(0)")
    finally:
        kernel.execute("%autoawait on")
    assert plain["reply"]["ename"] == profiled["reply"]["ename"] == "SyntaxError"
    assert "'await' outside function" in plain["reply"]["evalue"]
    assert "'await' outside function" in profiled["reply"]["evalue"]


def test_profile_async_in_a_notebook_and_profile_says_to_use_it(kernel: Kernel) -> None:
    result = kernel.execute("ns = {'np': np}\n"
                            "r = await arrayprof.profile_async('import asyncio\\n"
                            "await asyncio.sleep(0)\\nv = np.ones(100)', ns, verify=False)\n"
                            "print(r.line(3).allocated_bytes - r.line(3).temporary_bytes, "
                            "ns['v'].size)")
    assert Kernel.text(result).strip() == "800 100"
    refused = kernel.execute("arrayprof.profile('import asyncio\\nawait asyncio.sleep(0)')")
    assert refused["reply"]["ename"] == "RuntimeError"
    assert "await arrayprof.profile_async(...)" in refused["reply"]["evalue"]


# -- without a kernel -------------------------------------------------------------------------------

def test_await_in_terminal_ipython() -> None:
    """IPython's own shell (the terminal's) runs awaiting cells through its loop runner."""
    from IPython.core.interactiveshell import InteractiveShell

    from arrayprof import notify

    notifier = notify._notify
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext arrayprof\nimport numpy as np")
    try:
        result = shell.run_cell("%%arrayprof --quiet --no-verify\n" + AWAIT_CELL + "x.sum()")
        assert result.error_in_exec is None and result.result == 1000.0
        line = api.last_report().line(3)
        assert line.allocated_bytes - line.temporary_bytes == shell.user_ns["x"].nbytes == 8000
    finally:
        shell.run_cell("%unload_ext arrayprof")
        notify.set_notifier(notifier)


def test_profile_runs_top_level_await_with_asyncio_run() -> None:
    namespace = {"np": np}
    report = api.profile(AWAIT_CELL, namespace, verify=False)
    reference = api.profile("x = np.ones(1000)", {"np": np}, verify=False).line(1)
    line = report.line(3)
    assert (line.allocations, line.allocated_bytes, line.temporaries) == (
        reference.allocations, reference.allocated_bytes, reference.temporaries)
    assert line.allocated_bytes - line.temporary_bytes == namespace["x"].nbytes == 8000
    # the lines that allocated (any line may also have an entry for a time sample landing on it)
    assert [row.lineno for row in report.lines if row.allocations] == [3]
    assert not _native.is_recording()


def test_a_cancelled_cell_leaves_nothing_running() -> None:
    """ipykernel turns an interrupt of an awaiting cell into the cancellation of its task (its
    own handling of that signal is timing-dependent, so the cancellation is made here)."""
    def children() -> set[int]:  # this test's, not the kernel another test started
        return {child.pid for child in psutil.Process().children()} - before

    before: set[int] = set()
    before = children()
    namespace = {"np": np}
    session = Session("import asyncio\nw = np.ones(10)\nawait asyncio.sleep(60)", namespace,
                      rss="memory-profiler")

    async def cancel_while_awaiting() -> None:
        task = asyncio.ensure_future(api.profile_session_async(session, verify=False))
        while "w" not in namespace:
            await asyncio.sleep(0.01)
        assert len(children()) == 1  # the sampler runs with the cell
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_while_awaiting())
    assert children() == set()
    assert not _native.is_recording()
    assert session.code_finished is False


def test_profile_inside_a_running_loop_refuses_clearly() -> None:
    async def inside() -> str:
        with pytest.raises(RuntimeError) as refused:
            api.profile("import asyncio\nawait asyncio.sleep(0)", {})
        return str(refused.value)

    message = asyncio.run(inside())
    assert "await arrayprof.profile_async(...)" in message
    assert not _native.is_recording()


def test_the_command_line_runs_await_cells_in_one_loop(tmp_path: Path) -> None:
    """`arrayprof run` keeps one event loop for the notebook, as a kernel does: a task started in
    one cell is awaited in the next."""
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import asyncio\nimport numpy as np\n"
                                  "task = asyncio.ensure_future(asyncio.sleep(0, result=3))"),
        nbformat.v4.new_code_cell("n = await task\nx = np.ones(1000 * n)"),
        nbformat.v4.new_code_cell("def f():\n    return asyncio.run(asyncio.sleep(0, 'sync'))\n"
                                  "s = f()\nassert s == 'sync'"),
    ])
    path = tmp_path / "async.ipynb"
    nbformat.write(notebook, path)
    out = tmp_path / "async.json"
    run = subprocess.run([sys.executable, "-m", "arrayprof.cli", "run", str(path), "--json",
                          str(out), "--quiet", "--no-verify"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    reports = json.loads(out.read_text())
    assert [r["error"] for r in reports] == [None, None, None]
    line = next(row for row in reports[1]["lines"] if row["lineno"] == 2)
    assert line["allocated_bytes"] - line["temporary_bytes"] == 3000 * 8


def test_cells_compile_as_plain_ones(kernel: Kernel) -> None:
    """A profiled cell is compiled with the shell's flags, not arrayprof's own: no
    ``from __future__ import annotations`` leaks in from arrayprof's modules, and the user's own
    do apply.  (Last in this module: it leaves the future import on in the kernel.)"""
    code = "def f(x: int): pass\nprint(f.__annotations__)"
    plain = Kernel.text(kernel.execute(code)).strip()
    profiled = Kernel.text(kernel.execute("%%arrayprof --quiet\n" + code)).strip()
    assert profiled == plain == "{'x': <class 'int'>}"
    # the user's own __future__ statements carry over to later cells, profiled or not
    assert kernel.execute("from __future__ import annotations")["status"] == "ok"
    plain = Kernel.text(kernel.execute(code)).strip()
    profiled = Kernel.text(kernel.execute("%%arrayprof --quiet\n" + code)).strip()
    assert profiled == plain == "{'x': 'int'}"
