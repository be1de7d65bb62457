"""The terminal and API rough edges of issue 13, each as a new user meets it: in terminal IPython
(a real ``ipython`` process reading its input), in a real kernel (jupyter_client), from Python and
from the command line.

Tracebacks are compared with the same code run as a plain cell: a profiled cell's traceback is the
user's own (its own ``In[N]``, no ``get_ipython().run_cell_magic(...)`` line, no arrayprof frame,
not even a hidden one).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from kernel_messages import execute, running_kernel, text_of

from arrayprof import api
from arrayprof.explain import explain
from arrayprof.render.text import render_text, summary_line
from arrayprof.report import NumpyStats, Report, RssStats

pytestmark = pytest.mark.kernel  # a real IPython and a real kernel, on every interpreter

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PACKAGE = Path(api.__file__).parent
# arrayprof's own source files as a traceback names them (see tests/test_interrupts.py)
OWN_FILES = re.compile("|".join(re.escape("arrayprof/" + p.relative_to(_PACKAGE).as_posix())
                                for p in _PACKAGE.rglob("*.py")))


# -- terminal IPython ---------------------------------------------------------------------------

def terminal(cells: list[str], tmp_path: Path) -> dict[int, str]:
    """Run `cells` in terminal IPython (a real ``ipython`` reading a pipe, no profile, no
    history) and return what each prompt ``In [n]`` printed, prompts and colours removed.

    A multi-line cell must be a cell magic (the terminal ends one at two blank lines)."""
    text = "".join(cell.rstrip("\n") + ("\n\n\n" if cell.startswith("%%") else "\n")
                   for cell in cells)
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), TERM="dumb",
               PYTHONUNBUFFERED="1")  # stdout and stderr in the order they were written
    run = subprocess.run([sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner",
                          "--colors=nocolor", "--HistoryManager.hist_file=:memory:"],
                         input=text + "exit\n", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=env, cwd=tmp_path, timeout=240)
    output = ANSI.sub("", run.stdout).replace("   ...: ", "")
    parts = re.split(r"In \[(\d+)\]: ", output)
    return {int(number): body.strip("\n") for number, body in zip(parts[1::2], parts[2::2],
                                                                   strict=True)}


def test_help_shows_each_form_with_its_own_prefix(tmp_path: Path) -> None:
    """``%arrayprof?``: the cell form with ``%%``, every other form with one ``%`` (it showed
    ``%%%arrayprof``, ``%%arrayprof on`` and ``%%arrayprof explain``)."""
    shown = terminal(["%load_ext arrayprof", "%arrayprof?", "%%arrayprof?"], tmp_path)
    for number in (2, 3):
        # each form's first two words (argparse wraps the rest differently across Pythons)
        forms = [" ".join(line.split()[:2]) for line in shown[number].splitlines()
                 if line.lstrip().startswith("%")]
        assert forms == ["%%arrayprof [--json", "%arrayprof [--json", "%arrayprof on",
                         "%arrayprof last", "%arrayprof advise", "%arrayprof explain",
                         "%arrayprof rules", "%%arrayprof [--json", "%arrayprof on",
                         "%arrayprof explain"], shown[number]
        assert "%arrayprof [--json PATH] [--quiet] [--no-verify] [--rss ...] STATEMENT" \
            in shown[number]


def test_terminal_tracebacks_are_the_users_own(tmp_path: Path) -> None:
    shown = terminal([
        "%load_ext arrayprof",  # 1
        "import numpy as np",  # 2
        "%%arrayprof --quiet\ndef f():\n    return np.ones(3) + np.ones(4)",  # 3
        "f()",  # 4: plain
        "%%arrayprof --quiet\nf()",  # 5
        "%arrayprof --quiet f()",  # 6
        "%%arrayprof --quiet\nx = 1\n1 / 0",  # 7
        "%arrayprof --bogus",  # 8
    ], tmp_path)
    plain = shown[4].replace("In[4]", "In[N]")
    assert plain.startswith("-" * 75 + "\nValueError")
    assert "Cell In[3], line 2, in f()" in plain
    for number in (5, 6):
        assert shown[number].replace(f"In[{number}]", "In[N]") == plain
    own = shown[7].splitlines()
    assert own[2:5] == ["Cell In[7], line 2", "      1 x = 1", "----> 2 1 / 0"]
    assert own[-1] == "ZeroDivisionError: division by zero"
    for number in (5, 6, 7):
        assert "run_cell_magic" not in shown[number] and "hidden" not in shown[number]
        assert not OWN_FILES.search(shown[number])
    assert shown[8].splitlines()[0] == "UsageError: %arrayprof: unrecognized arguments: --bogus"


def test_terminal_automatic_mode_points_to_last_and_says_where_it_stands(tmp_path: Path) -> None:
    shown = terminal([
        "%load_ext arrayprof",  # 1
        "import numpy as np",  # 2
        "%arrayprof on --threshold 1MB",  # 3
        "x = np.ones(3000)",  # 4
        "spread = np.abs(x[:, None] - x[None, :]).max()",  # 5: a warning, and 144 MB
        "%clear",  # 6
        "%arrayprof status",  # 7
        "import arrayprof; print(arrayprof.last_report().execution_count)",  # 8
    ], tmp_path)
    summary = shown[5]
    assert summary.startswith("arrayprof: ") and "peak 144 MB (line 1)" in summary
    assert summary.endswith(" · full report: %arrayprof last") and "\n" not in summary
    assert shown[4] == ""  # under the threshold, no warning: nothing shown
    status = shown[7].splitlines()
    assert status[0].startswith("arrayprof automatic mode is on: 2 cells profiled so far, ")
    assert status[1] == ("  a summary is shown for cells allocating more than 1 MB (--threshold), or "
                         "with warnings among cells that ran 0.1 s or more; rewrites are not "
                         "verified (--verify)")
    assert shown[8] == "5"  # %clear was not profiled: the last report is still the big cell


# -- a real kernel ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kernel():
    with running_kernel() as client:
        yield client


def traceback_of(result: dict[str, Any]) -> list[str]:
    """The traceback's entries without colour, the cell's own number written In[N]."""
    assert result["status"] == "error", result
    number = result["reply"]["execution_count"]
    return [ANSI.sub("", entry).replace(f"In[{number}]", "In[N]")
            for entry in result["reply"]["traceback"]]


def assert_own_traceback(profiled: dict[str, Any], plain: dict[str, Any]) -> None:
    assert traceback_of(profiled) == traceback_of(plain)
    text = "".join(traceback_of(profiled))
    assert "In[N]" in text and "run_cell_magic" not in text and "hidden" not in text
    assert not OWN_FILES.search(text)


CELLS = {
    "error in a function": "def g():\n    return np.ones(3) + np.ones(4)\n\ny = np.zeros(2)\ng()",
    "chained": "try:\n    {}['key']\nexcept KeyError as e:\n    raise ValueError('no key') from e",
    "context": "try:\n    1 / 0\nexcept ZeroDivisionError:\n    raise KeyboardInterrupt",
    "awaits": "import asyncio\nawait asyncio.sleep(0)\n[][1]",
    "syntax error at run time": "x = 1\neval('1 +')",
}


def tb_magic(client: Any, number: int) -> list[str]:
    """What ``%tb`` shows after cell `number`, that cell's own number written In[N]."""
    shown = execute(client, "%tb")["outputs"]
    return [ANSI.sub("", entry).replace(f"In[{number}]", "In[N]")
            for out in shown if out["type"] == "error" for entry in out["traceback"]]


@pytest.mark.parametrize("cell", CELLS.values(), ids=CELLS.keys())
def test_kernel_tracebacks_are_the_users_own(kernel: Any, cell: str) -> None:
    assert execute(kernel, "%load_ext arrayprof\nimport numpy as np")["status"] == "ok"
    plain = execute(kernel, cell)
    plain_tb = tb_magic(kernel, plain["reply"]["execution_count"])
    profiled = execute(kernel, "%%arrayprof --quiet --no-verify\n" + cell)
    assert_own_traceback(profiled, plain)
    # %tb and the debugger read the same traceback; the one-shot formatter hook is gone
    assert tb_magic(kernel, profiled["reply"]["execution_count"]) == plain_tb
    check = execute(kernel, "ip = get_ipython()\n"
                            "print([vars(f).get('structured_traceback') for f in "
                            "(ip.InteractiveTB, ip.SyntaxTB)])")
    assert text_of(check) == "[None, None]\n"


def test_kernel_cell_that_does_not_compile(kernel: Any) -> None:
    """As for a plain cell: the syntax error alone, at its line, with no frames at all."""
    execute(kernel, "%load_ext arrayprof")
    profiled = execute(kernel, "%%arrayprof --quiet\nx = 1\ny = (1 +\n")
    assert profiled["reply"]["ename"] == "SyntaxError"
    assert [line for line in "".join(traceback_of(profiled)).splitlines()
            if line.lstrip().startswith(("Cell", "File"))] == ["  Cell In[N], line 2"]


def test_kernel_line_magic_tracebacks(kernel: Any) -> None:
    execute(kernel, "%load_ext arrayprof\nimport numpy as np")
    plain = execute(kernel, "np.ones(3) + np.ones(4)")
    alone = execute(kernel, "%arrayprof --quiet --no-verify np.ones(3) + np.ones(4)")
    assert traceback_of(alone)[-1] == traceback_of(plain)[-1]
    text = "".join(traceback_of(alone))
    assert "Cell In[N], line 1\n----> 1 np.ones(3) + np.ones(4)\n" in text
    assert "run_line_magic" not in text and "hidden" not in text and not OWN_FILES.search(text)
    # among other lines, the cell's own line that ran the statement stays
    among = execute(kernel, "z = 1\n%arrayprof --quiet --no-verify np.ones(3) + np.ones(4)")
    text = "".join(traceback_of(among))
    assert "hidden" not in text and not OWN_FILES.search(text)
    assert text.count("Cell In[N], line") == 2


def last_shown(client: Any) -> int:
    """The cell number of the report ``%arrayprof last`` shows (a cell of arrayprof's own, not
    profiled itself), from its display metadata."""
    shown = [o for o in execute(client, "%arrayprof last")["outputs"] if o["type"] == "display_data"]
    assert len(shown) == 1
    return shown[0]["metadata"]["arrayprof"]["execution_count"]


def test_kernel_automatic_mode_skips_magic_only_cells(kernel: Any) -> None:
    execute(kernel, "%load_ext arrayprof\nimport numpy as np\nimport arrayprof")
    assert execute(kernel, "%arrayprof on --threshold 1GB")["status"] == "ok"
    try:
        big = execute(kernel, "big = np.ones(2_000_000)")
        for cell in ("%clear", "!echo from-the-shell", "%who_ls", "big?", "%%bash\necho hi\n",
                     "listing = !ls", ""):
            assert execute(kernel, cell)["status"] == "ok"
            assert last_shown(kernel) == big["reply"]["execution_count"], cell
        # a magic that runs the user's code is profiled
        timed = execute(kernel, "%time t = np.ones(10)")
        assert last_shown(kernel) == timed["reply"]["execution_count"]
        status = text_of(execute(kernel, "%arrayprof status")).splitlines()
        assert status[0] == "arrayprof automatic mode is on: 2 cells profiled so far, 0 findings"
        assert "more than 1 GB (--threshold)" in status[1]
    finally:
        execute(kernel, "%arrayprof off")


def test_kernel_bogus_option_is_named(kernel: Any) -> None:
    execute(kernel, "%load_ext arrayprof")
    result = execute(kernel, "%arrayprof --bogus")
    assert result["reply"]["ename"] == "UsageError"
    assert result["reply"]["evalue"].splitlines()[0] == "%arrayprof: unrecognized arguments: --bogus"


# -- the API and the text report ----------------------------------------------------------------

def test_print_report_is_the_text_report() -> None:
    report = api.profile("e = np.empty(10)", {"np": np}, verify=False)
    assert str(report) == render_text(report)
    assert str(report).splitlines()[0] == summary_line(report)
    assert repr(report) == f"<arrayprof Report: {summary_line(report)[len('arrayprof: '):]}>"
    report.execution_count = 7
    assert repr(report).startswith("<arrayprof Report In[7]: ")


def test_counts_are_worded_in_the_singular() -> None:
    report = api.profile("e = np.empty(10)", {"np": np}, verify=False)
    parts = summary_line(report).split(" · ")
    assert parts[1:4] == ["NumPy 80 B in 1 allocation", "peak 80 B (line 1)", "0 temporaries (0 B)"]


def rss_report(start: int, peak: int, end: int, numpy_peak: int, sampler: str) -> Report:
    return Report(source="x = f()", numpy=NumpyStats(allocations=1, allocated_bytes=numpy_peak,
                                                     peak_bytes=numpy_peak, peak_lineno=1),
                  rss=RssStats(start_bytes=start, peak_bytes=peak, end_bytes=end, sampler=sampler))


def test_rss_figures_say_what_they_are_or_are_left_out() -> None:
    # 144 MB NumPy peak, RSS never above its start (sampled): no 'RSS 0 B' or '-4.1 kB' line
    quiet = rss_report(400_000_000, 400_000_000, 400_000_000 - 4096, 144_000_000,
                       "memory-profiler")
    assert "RSS" not in summary_line(quiet)
    assert render_text(quiet).split("\n\n")[-1].splitlines() == [
        "process RSS: 400 MB at the start, no rise, -4.1 kB at the end",
        "  (resident memory of the whole process, not only NumPy's; sampled every 10 ms by",
        "   memory-profiler, so a shorter peak is missed)",
        "  It rose less than NumPy's 144 MB peak: the cell reused memory the process already held, or",
        "  left pages of its buffers unwritten (never resident), or freed them between two samples.",
        "  NumPy's figures are the exact ones."]
    risen = rss_report(400_000_000, 544_000_000, 400_100_000, 144_000_000, "hwm")
    assert summary_line(risen).split(" · ")[4] == "process RSS +144 MB at peak"
    assert render_text(risen).split("\n\n")[-1].splitlines() == [
        "process RSS: 400 MB at the start, peak +144 MB, +100 kB at the end",
        "  (resident memory of the whole process, not only NumPy's; the kernel's high-water mark)"]
    # a small cell: a page or two of RSS either way is noise, shown nowhere
    small = rss_report(400_000_000, 400_008_192, 399_995_904, 800, "hwm")
    assert "RSS" not in render_text(small)


def test_rss_of_a_real_unwritten_buffer_is_explained() -> None:
    """``np.empty`` of 80 MB: NumPy's peak is 80 MB, the process's RSS barely moves."""
    report = api.profile("e = np.empty(10_000_000)", {"np": np}, verify=False)
    assert report.rss is not None and report.rss.peak_bytes - report.rss.start_bytes < 1 << 20
    assert "RSS" not in summary_line(report)
    assert "It rose less than NumPy's 80 MB peak" in render_text(report)


def test_explain_words_shapes_and_sizes() -> None:
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    namespace = {"a": a, "b": a[::2, ::2], "x": np.zeros(3000), "s": np.zeros(4), "arr": 1}
    first = {name: explain(value, name=name, namespace=namespace).splitlines()[:2]
             for name, value in namespace.items() if name != "arr"}
    assert first["x"] == ["x: a 1-D array of 3,000 float64 (8 bytes each), 24 kB of data "
                          "(24,000 bytes).",
                          "Strides: (8,) bytes = (1,) elements; one step along each axis moves "
                          "that far in memory."]
    assert first["s"][0] == "s: a 1-D array of 4 float64 (8 bytes each), 32 bytes of data."
    assert first["b"] == ["b: a 2-D array of 2 x 2 = 4 float32 (4 bytes each), 16 bytes of data.",
                          "Strides: (32, 8) bytes = (8, 2) elements; one step along each axis "
                          "moves that far in memory."]
    assert explain(np.array(1.5)).splitlines()[0] == \
        "the array: a 0-D array holding one float64 (8 bytes)."


def test_explain_examples_never_borrow_the_users_names() -> None:
    """Copy examples are written with the array's own name or expression; an unnamed array gets
    a placeholder that is none of the user's names (it was ``a``, maybe another of their arrays)."""
    a = np.arange(16.0).reshape(4, 4)
    namespace = {"a": a, "arr": 2}
    last = explain(a[::2], name="a[::2]", namespace=namespace).splitlines()[-1]
    assert last == ("Operations that would copy it: fancy or boolean indexing (a[::2][[0, 1]], "
                    "a[::2][a[::2] > 0]); a[::2].copy(), np.array(a[::2]); a[::2].flatten(); "
                    "a[::2].ravel() and a[::2].reshape(-1) (not expressible as a view of this "
                    "layout); np.ascontiguousarray(a[::2]).")
    last = explain(a.T, namespace=namespace).splitlines()[-1]
    assert last.startswith("Operations that would copy it (the_array stands for the array): "
                           "fancy or boolean indexing (the_array[[0, 1]], ")
    assert not re.search(r"(?<![\w.])a[\[.)]", last)  # no a[...], a.copy(), np.array(a)
    summed = explain(a + 1, name="a + 1").splitlines()[-1]
    assert "(a + 1).copy(), np.array(a + 1)" in summed


def test_explain_subcommand_in_ipython(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext arrayprof\nimport numpy as np\nv = np.zeros(3000)")
    capsys.readouterr()
    shell.run_line_magic("arrayprof", "explain v[::3]")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "v[::3]: a 1-D array of 1,000 float64 (8 bytes each), 8 kB of data " \
                       "(8,000 bytes)."
    assert "It is a view of v:" in lines[2]
    assert "v[::3].copy(), np.array(v[::3])" in lines[-1]


# -- the command line ---------------------------------------------------------------------------

def test_cli_names_a_failing_cells_exception(tmp_path: Path) -> None:
    script = tmp_path / "fails.py"
    script.write_text("import numpy as np\nx = np.ones(4)\n{}['missing key']\n")
    run = subprocess.run([sys.executable, "-m", "arrayprof.cli", "run", str(script),
                          "--no-verify"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    summary = run.stdout.splitlines()[1]
    assert summary.endswith(" · raised KeyError: 'missing key' (line 3)")
    assert run.stderr.splitlines() == ["arrayprof: cell 1 raised KeyError: 'missing key' (line 3)",
                                       "arrayprof: 1 of 1 cells raised"]


# -- the advisor's catalogue ----------------------------------------------------------------------

def test_cli_lists_the_rules_and_describes_one() -> None:
    from arrayprof.advisor.catalogue import by_category

    listed = subprocess.run([sys.executable, "-m", "arrayprof.cli", "rules"], capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0
    heads = [line for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert heads == list(by_category())
    rules = [line.split()[0] for line in listed.stdout.splitlines()
             if line.startswith("  ") and not line.startswith("   ")]
    assert max(map(len, listed.stdout.splitlines())) <= 100
    assert rules == [rule.name for group in by_category().values() for rule in group]
    one = subprocess.run([sys.executable, "-m", "arrayprof.cli", "rules", "narrowing-cast"],
                         capture_output=True, text=True, timeout=120)
    assert one.returncode == 0 and one.stdout.startswith(
        "narrowing-cast (dtype-overflow; advisor/rules/dtype_overflow/narrowing_cast.py; ")
    assert "Near misses it leaves alone: " in one.stdout
    category = subprocess.run([sys.executable, "-m", "arrayprof.cli", "rules", "dtype-overflow"],
                              capture_output=True, text=True, timeout=120)
    assert category.stdout.count("What it finds: ") == len(by_category()["dtype-overflow"]) > 1
    bad = subprocess.run([sys.executable, "-m", "arrayprof.cli", "rules", "no-such"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no rule or category 'no-such'" in bad.stderr


def test_rules_subcommand_in_ipython(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from arrayprof.advisor.catalogue import listing

    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext arrayprof")
    capsys.readouterr()
    shell.run_line_magic("arrayprof", "rules view-mutation")
    assert capsys.readouterr().out == listing("view-mutation")
    shell.run_cell("%arrayprof rules nope")
    assert "%arrayprof rules: no rule or category 'nope'" in capsys.readouterr().err
