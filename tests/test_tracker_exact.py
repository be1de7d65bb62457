"""Exact NumPy figures: bytes, allocations, temporaries, peaks and the lines they are charged to."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from numpy_boxes import ones_fill, scalar_operand

import arrayprof
from arrayprof.report import Report

N = 1_000_000
MB8 = 8 * N


def run(code: str, **namespace) -> Report:
    namespace.setdefault("np", np)
    return arrayprof.profile(code, namespace, verify=False)


def line(report: Report, lineno: int):
    found = report.line(lineno)
    assert found is not None, f"no entry for line {lineno}: {report.lines}"
    return found


def test_temporary_elision_survives_profiling() -> None:
    """NumPy reuses the temporaries of (a - b) * c + d: one 8 MB buffer, no temporaries."""
    arrays = {k: np.ones(N) for k in "abcd"}
    report = run("z = (a - b) * c + d", **arrays)
    assert report.numpy.allocations == 1
    assert report.numpy.allocated_bytes == MB8
    assert report.numpy.temporaries == 0
    assert report.numpy.peak_bytes == MB8
    assert [op.inplace for op in report.ops] == [False, True, True]
    assert [op.name for op in report.ops] == ["subtract", "multiply", "add"]


def test_temporaries_and_peak_of_a_chain() -> None:
    x = np.random.default_rng(0).random(N)
    report = run("y = np.empty_like(x)\ny[:] = np.sqrt(x) * np.exp(x) + np.sin(x) * np.cos(x)", x=x)
    assert report.numpy.allocations == 5
    assert report.numpy.temporaries == 4
    assert report.numpy.temporary_bytes == 4 * MB8
    assert report.numpy.peak_bytes == 4 * MB8
    assert report.numpy.peak_lineno == 2
    second = line(report, 2)
    assert (second.allocations, second.temporaries, second.peak_bytes) == (4, 4, 4 * MB8)
    assert line(report, 1).allocated_bytes == MB8


def test_frees_of_buffers_older_than_the_cell() -> None:
    namespace = {"np": np, "big": np.ones(N)}
    report = arrayprof.profile("del big", namespace, verify=False)
    assert report.numpy.freed_bytes == MB8
    assert report.numpy.net_bytes == -MB8
    assert report.numpy.peak_bytes == 0
    assert report.numpy.temporaries == 0


def test_peak_is_worst_growth_not_final_size() -> None:
    report = run("a = np.ones(1000)\nb = np.zeros(3000)\ndel b\nc = np.empty(2000)")
    # np.ones also makes 0-d arrays to fill from (how many depends on NumPy), freed on its line
    boxes = ones_fill().nbytes
    assert report.numpy.allocated_bytes == 6000 * 8 + boxes
    assert report.numpy.freed_bytes == 3000 * 8 + boxes
    assert report.numpy.peak_bytes == (1000 + 3000) * 8
    assert report.numpy.peak_lineno == 2
    assert line(report, 2).temporary_bytes == 3000 * 8
    assert line(report, 4).allocated_bytes == 2000 * 8


def test_allocations_inside_functions_are_charged_to_their_own_lines() -> None:
    code = (
        "def make(n):\n"          # 1
        "    t = np.ones(n)\n"    # 2
        "    return t * 2\n"      # 3
        "r = make(1000)\n"        # 4
        "m = np.mean(r)\n"        # 5  (library code: charged to this line)
    )
    report = run(code)
    # np.ones fills from 0-d arrays, `t * 2` converts 2 through 0-d arrays: small temporaries
    fill, operand = ones_fill(), scalar_operand()
    two, three = line(report, 2), line(report, 3)
    assert (two.allocated_bytes, two.temporaries, two.temporary_bytes) == (
        8000 + fill.nbytes, 1 + fill.count, 8000 + fill.nbytes)  # t dies when make returns
    assert (three.allocated_bytes, three.temporaries, three.temporary_bytes) == (
        8000 + operand.nbytes, operand.count, operand.nbytes)
    assert report.line(4) is None or report.line(4).allocated_bytes == 0
    assert line(report, 5).ops >= 1
    reduce_ops = [op for op in report.ops if op.lineno == 5 and op.kind == "reduce"]
    assert [op.name for op in reduce_ops] == ["add.reduce"]


def test_a_loop_is_one_site_with_a_count() -> None:
    report = run("for i in range(1000):\n    t = np.empty(3)\n    t += i")
    second = line(report, 2)
    assert second.allocations == 1000
    assert second.allocated_bytes == 24_000
    assert second.temporaries == 999
    adds = [op for op in report.ops if op.name == "add"]
    assert len(adds) == 1 and adds[0].count == 1000 and adds[0].inplace and adds[0].lineno == 3


def test_realloc_counts_as_free_plus_allocation() -> None:
    report = run("v = np.fromiter((i * 0.5 for i in range(100_000)), dtype=np.float64)")
    assert report.numpy.allocated_bytes - report.numpy.freed_bytes == 800_000
    assert report.numpy.net_bytes == 800_000
    assert report.numpy.allocations == report.numpy.temporaries + 1


def test_other_threads_are_kept_apart() -> None:
    done = threading.Event()
    go = threading.Event()

    def worker() -> None:
        go.wait()
        keep = [np.ones(1000) for _ in range(10)]
        del keep
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    report = run("go.set()\ndone.wait()\nx = np.empty(10)", go=go, done=done)
    thread.join()
    assert report.numpy.allocations == 1
    assert report.numpy.allocated_bytes == 80
    assert report.numpy.other_threads["allocations"] >= 10
    assert report.numpy.other_threads["allocated_bytes"] >= 80_000


def test_threads_the_cell_starts_do_its_work() -> None:
    """A pool the cell starts allocates for the cell: counted, and charged to the cell function's
    line on the worker's own stack (background threads stay apart, see above)."""
    report = run("from concurrent.futures import ThreadPoolExecutor\n"
                 "def work(i):\n"
                 "    return np.ones(N) * i\n"          # the product reuses the ones (elision)
                 "with ThreadPoolExecutor(4) as pool:\n"
                 "    parts = list(pool.map(work, range(4)))\n"
                 "total = np.stack(parts)\n", N=N)
    work = line(report, 3)
    assert work.allocated_bytes - work.temporary_bytes == 4 * MB8  # four kept results
    assert line(report, 6).allocated_bytes == 4 * MB8
    assert report.numpy.peak_bytes == 8 * MB8
    assert report.numpy.peak_lineno == 6
    assert report.numpy.other_threads["allocations"] == 0


def test_error_is_reported_not_raised() -> None:
    report = run("a = np.ones(3)\nb = np.ones(4)\nc = a + b\n")
    assert report.error is not None
    assert report.error.type == "ValueError"
    assert "could not be broadcast" in report.error.message
    assert report.error.lineno == 3
    assert report.array("a") is not None


def test_syntax_error_is_reported() -> None:
    report = run("x = (1,\ny = 2")
    assert report.error is not None and report.error.type == "SyntaxError"


def test_namespace_is_updated_like_a_notebook() -> None:
    namespace: dict = {}
    arrayprof.profile("import numpy as np\nx = np.arange(5)", namespace, verify=False)
    assert namespace["x"].tolist() == [0, 1, 2, 3, 4]
    report = arrayprof.profile("y = x * 2", namespace, verify=False)
    assert [a.name for a in report.arrays] == ["y"]


def test_views_strides_and_bases() -> None:
    code = ("a = np.arange(24, dtype=np.float64).reshape(4, 6)\n"
            "r = a[::-1]\n"
            "t = a.T\n"
            "w = np.lib.stride_tricks.sliding_window_view(a[0], 3)\n"
            "z = np.broadcast_to(a[0], (5, 6))\n"
            "f = a[[0, 2]]\n"
            "m = a[a > 3]\n"
            "c = t.reshape(-1)\n")
    report = run(code)
    r, t, w, z, f, m, c = (report.array(n) for n in "rtwzfmc")
    assert (r.strides, r.is_view, r.base, r.span_bytes) == ([-48, 8], True, "a", 192)
    assert (t.strides, t.f_contiguous, t.c_contiguous, t.base) == ([8, 48], True, False, "a")
    assert (w.shape, w.strides, w.span_bytes, w.nbytes) == ([4, 3], [8, 8], 48, 96)
    assert w.utilization == pytest.approx(2.0)
    assert w.base == "a"
    assert (z.strides, z.span_bytes, z.nbytes, z.base) == ([0, 8], 48, 240, "a")
    assert z.utilization == pytest.approx(5.0)
    assert (f.is_view, f.base, f.nbytes) == (False, None, 96)
    assert (m.is_view, m.shape) == (False, [20])
    # reshape of a transposed array copies: a new 192-byte buffer, which `c` views (unnamed)
    assert (c.is_view, c.base, c.base_nbytes, c.c_contiguous) == (True, None, 192, True)
    assert line(report, 8).allocated_bytes == 192
    assert report.array("a").lineno == 1 and r.lineno == 2


def test_view_keeping_a_big_base_alive() -> None:
    report = run("big = np.zeros(1_000_000)\nhead = big[:5]\ndel big")
    head = report.array("head")
    assert (head.is_view, head.base, head.base_nbytes, head.nbytes) == (True, None, MB8, 40)
    assert report.array("big") is None


def test_broadcast_ops_facts() -> None:
    x = np.random.default_rng(0).random(1000)
    report = run("d = x[:, None] - x[None, :]\ns = x * 2.0", x=x)
    (outer,) = [op for op in report.ops if op.lineno == 1]
    assert outer.name == "subtract" and outer.broadcast
    assert outer.expansion == pytest.approx(1000.0)
    assert outer.operands[0]["shape"] == [1000, 1] and outer.operands[1]["shape"] == [1, 1000]
    assert outer.result["shape"] == [1000, 1000] and outer.result["nbytes"] == MB8
    (scale,) = [op for op in report.ops if op.lineno == 2]
    assert not scale.broadcast and scale.expansion == 1.0
    assert scale.operands[1]["value"] == "python"


def test_dtype_upcast_is_visible_in_ops() -> None:
    pixels = np.zeros((100, 100), dtype=np.int8)
    report = run("scaled = pixels * 1.5", pixels=pixels)
    (op,) = report.ops
    assert op.operands[0]["dtype"] == "int8" and op.result["dtype"] == "float64"
    assert op.expansion == pytest.approx(8.0)


def test_json_round_trip() -> None:
    report = run("a = np.ones(10)")
    data = report.to_dict()
    assert data["schema"] == "arrayprof.report/1"
    assert Report.from_dict(data).to_dict() == data


def test_line_peak_counts_live_bytes_while_an_operation_ran() -> None:
    x = np.ones(1000)
    report = run("y = np.empty(2000)\nnp.multiply(x, 2.0, out=x)\ndel y\nx += 1", x=x)
    assert line(report, 1).peak_bytes == 16_000
    multiply = line(report, 2)
    assert multiply.ops == 1 and multiply.peak_bytes >= 16_000
    (op,) = report.ops_on(2)
    assert op.inplace and op.name == "multiply"
    assert line(report, 4).peak_bytes < 16_000  # y was freed on line 3


def test_a_failing_cell_leaves_no_reference_cycles() -> None:
    """profile() keeps the error's facts, not its traceback: no session frames left for the GC."""
    import gc

    run("x = 1")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        report = run("x = np.ones(3)\nx.reshape(2, 2)")
        found = gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert report.error is not None and report.error.lineno == 2
    assert (found, garbage) == (0, [])
