"""A real IPython kernel (jupyter_client) driven through %load_ext, the magics and automatic mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kernel_messages import execute, running_kernel, text_of

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kernel():
    with running_kernel() as client:
        yield client


def test_cell_magic_writes_exact_json(kernel, tmp_path: Path) -> None:
    assert execute(kernel, "%load_ext arrayprof\nimport numpy as np")["status"] == "ok"
    setup = "a, b, c, d = (np.ones(1_000_000) for _ in range(4))"
    assert execute(kernel, setup)["status"] == "ok"
    out = tmp_path / "cell.json"
    result = execute(kernel, f"%%arrayprof --json {out}\nz = (a - b) * c + d\nw = z[::2]\n")
    assert result["status"] == "ok"
    report = json.loads(out.read_text())
    assert report["numpy"]["allocations"] == 1
    assert report["numpy"]["temporaries"] == 0
    assert report["numpy"]["peak_bytes"] == 8_000_000
    # line 2 allocated nothing but made a view: an array operation, so it has an entry
    assert [(line["lineno"], line["allocations"], line["views"]) for line in report["lines"]] == [
        (1, 1, 0), (2, 0, 1)]
    w = next(a for a in report["arrays"] if a["name"] == "w")
    assert (w["is_view"], w["base"], w["strides"]) == (True, "z", [16])
    assert report["rss"]["sampler"] == "memory-profiler"
    displays = [o for o in result["outputs"] if o["type"] == "display_data"]
    assert displays and all("arrayprof" in o["metadata"] for o in displays)


def test_cell_magic_shows_last_value_and_keeps_exceptions(kernel) -> None:
    value = execute(kernel, "%%arrayprof --quiet\nq = np.arange(4)\nq.sum()")
    results = [o for o in value["outputs"] if o["type"] == "execute_result"]
    assert results and results[0]["data"]["text/plain"] == "np.int64(6)"
    quiet = execute(kernel, "%%arrayprof --quiet\nq = np.arange(4)\nq.sum();")
    assert [o for o in quiet["outputs"] if o["type"] == "execute_result"] == []

    plain = execute(kernel, "np.ones(3) + np.ones(4)")
    profiled = execute(kernel, "%%arrayprof --quiet\nx = 1\nnp.ones(3) + np.ones(4)")
    assert plain["status"] == profiled["status"] == "error"
    assert plain["reply"]["ename"] == profiled["reply"]["ename"] == "ValueError"
    assert plain["reply"]["evalue"] == profiled["reply"]["evalue"]
    assert "np.ones(3) + np.ones(4)" in ANSI.sub("", "\n".join(profiled["reply"]["traceback"]))
    last = execute(kernel, "import arrayprof\nh = arrayprof.history()[-1]\n"
                           "print(h.error.lineno, h.execution_count)")
    assert text_of(last, sep="\n").split() == ["2", str(profiled["reply"]["execution_count"])]


def test_bad_arguments_print_usage(kernel) -> None:
    result = execute(kernel, "%%arrayprof --bogus\nx = 1")
    assert result["status"] == "error"
    assert result["reply"]["ename"] == "UsageError"
    result = execute(kernel, "%arrayprof on --threshold lots")
    assert result["status"] == "error" and "not a size" in result["reply"]["evalue"]
    result = execute(kernel, "%arrayprof status now")
    assert result["status"] == "error" and "takes no arguments" in result["reply"]["evalue"]


def test_line_magic_profiles_one_statement(kernel) -> None:
    result = execute(kernel, "%arrayprof --quiet y = np.zeros(1000)")
    assert result["status"] == "ok"
    check = execute(kernel, "r = arrayprof.history()[-1]\n"
                            "print(r.numpy.allocated_bytes, r.lines[0].lineno, y.shape)")
    assert text_of(check, sep="\n").strip() == "8000 1 (1000,)"


def test_automatic_mode_profiles_every_cell(kernel) -> None:
    before = execute(kernel, "print(len(arrayprof.history()))")
    count = int(text_of(before, sep="\n").strip())
    on = execute(kernel, "%arrayprof on --threshold 1MB")
    assert "automatic mode is on" in text_of(on, sep="\n")
    small = execute(kernel, "s = np.ones(10)\nt = s * 2")
    assert [o for o in small["outputs"] if o["type"] == "display_data"] == []
    big = execute(kernel, "import numpy as np\n\nbig = np.ones(1_000_000) * 3")
    summaries = [o for o in big["outputs"] if o["type"] == "display_data"]
    assert len(summaries) == 1 and summaries[0]["metadata"]["arrayprof"]["kind"] == "summary"
    check = execute(kernel, "%arrayprof off")
    assert "automatic mode is off" in text_of(check, sep="\n")
    reports = execute(kernel, f"h = arrayprof.history()\nprint(len(h) - {count})\n"
                              "kept = h[-1].line(3).allocated_bytes - h[-1].line(3).temporary_bytes\n"
                              "print(kept, h[-1].numpy.peak_lineno)")
    lines = text_of(reports, sep="\n").split()
    assert lines[0] == "2"
    assert lines[1:] == ["8000000", "3"]


def test_explain_subcommand(kernel) -> None:
    execute(kernel, "a = np.arange(16, dtype=np.float32).reshape(4, 4)\nb = a[::2, ::2]")
    text = text_of(execute(kernel, "%arrayprof explain b"), sep="\n")
    assert "Strides: (32, 8) bytes" in text
    assert "view of a" in text
    assert "touches 4 of the 16 elements" in text
    text = text_of(execute(kernel, "%arrayprof explain --broadcast a[0] 'a[:, :1]'"), sep="\n")
    assert "(4, 4)" in text


def test_ipython_syntax_inside_a_profiled_cell(kernel, tmp_path: Path) -> None:
    """Line magics and shell escapes in a %%arrayprof cell run as in a plain cell, and the report
    shows the lines as written."""
    execute(kernel, "%load_ext arrayprof\nimport numpy as np")
    out = tmp_path / "magics.json"
    result = execute(kernel, f"%%arrayprof --quiet --no-verify --json {out}\n"
                             "x = np.ones(1000)\n"
                             "%time y = x * 2\n"
                             "!echo from-the-shell\n"
                             "z = y + 1\n")
    assert result["status"] == "ok"
    assert "from-the-shell" in text_of(result, sep="\n")
    report = json.loads(out.read_text())
    assert report["error"] is None
    rows = {row["lineno"]: (row["allocated_bytes"] >= 8000, row["source"]) for row in report["lines"]}
    assert rows[2] == (True, "%time y = x * 2")
    assert rows[4] == (True, "z = y + 1")
    assert report["source"].splitlines()[1] == "%time y = x * 2"
