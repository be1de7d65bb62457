"""Exact figures for cells written in styles the shared examples do not use: functions and classes
defined in the cell, comprehensions, statements over several lines, in-place updates, `del`.
Every number below is worked out from what NumPy must allocate, not read off a previous run."""

from __future__ import annotations

import numpy as np
from numpy_boxes import ones_fill

import arrayprof
from arrayprof.report import Report


def run(code: str, **namespace) -> Report:
    namespace.setdefault("np", np)
    return arrayprof.profile(code, namespace, verify=False)


def row(report: Report, lineno: int):
    found = report.line(lineno)
    assert found is not None, f"no entry for line {lineno}"
    return found


def test_function_defined_in_the_cell_charges_its_own_lines() -> None:
    report = run("def center(m):\n"
                 "    mu = m.mean(axis=0)\n"
                 "    return m - mu\n"
                 "\n"
                 "X = np.ones((1000, 100))\n"
                 "Y = center(X)\n"
                 "Z = center(Y)\n")
    # X, Y, Z: 800,000 bytes each; each call's 800-byte mean is a temporary of line 2
    assert row(report, 3).allocated_bytes == 2 * 800_000
    assert row(report, 3).temporaries == 0
    assert row(report, 2).temporary_bytes >= 2 * 800
    # peak: X, Y and Z alive with the second call's mean (800 bytes) still held
    assert report.numpy.peak_bytes == 3 * 800_000 + 800
    assert report.numpy.peak_lineno == 3
    assert report.numpy.net_bytes == 3 * 800_000
    subtract = [op for op in report.ops if op.name == "subtract"]
    assert [(op.lineno, op.count, op.kind, op.broadcast) for op in subtract] == [(3, 2, "binop", True)]
    assert subtract[0].operands[1]["shape"] == [100]
    assert {a.name: a.lineno for a in report.arrays} == {"X": 5, "Y": 6, "Z": 7}


def test_pairwise_distances_temporary_and_peak() -> None:
    pts = np.random.default_rng(0).random((500, 3))
    report = run("d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))", pts=pts)
    big, small = 500 * 500 * 3 * 8, 500 * 500 * 8
    first = row(report, 1)
    # the difference (squared in place: elided), its sum, then sqrt: three buffers
    assert (first.allocations, first.allocated_bytes) == (3, big + 2 * small)
    assert (first.temporaries, first.temporary_bytes) == (2, big + small)
    assert report.numpy.peak_bytes == big + small  # the (500, 500, 3) cube and its sum
    subtract, square, reduce_, sqrt = report.ops
    assert (subtract.name, subtract.broadcast, subtract.expansion) == ("subtract", True, 500.0)
    assert subtract.result["shape"] == [500, 500, 3]
    assert (square.name, square.inplace) == ("square", True)
    assert (reduce_.kind, reduce_.name, reduce_.result["shape"]) == ("reduce", "add.reduce", [500, 500])
    assert sqrt.name == "sqrt"
    assert (row(report, 1).views, row(report, 1).copies) == (2, 3)


def test_statement_over_several_lines_charges_each_operation_to_its_line() -> None:
    report = run("total = (a +\n"
                 "         b)\n"
                 "res = np.where(a > 0.5,\n"
                 "               a,\n"
                 "               -b)\n",
                 a=np.linspace(0, 1, 1000), b=np.ones(1000))
    assert row(report, 1).allocated_bytes == 8000
    assert row(report, 5).allocated_bytes == 8000        # -b, freed once np.where returns
    assert row(report, 5).temporary_bytes == 8000
    assert [(op.lineno, op.kind, op.name) for op in report.ops] == [
        (1, "binop", "add"), (3, "binop", "greater"), (5, "unaryop", "negative")]
    assert report.array("res").lineno == 3
    assert report.numpy.peak_bytes == 8000 + 1000 + 8000 + 8000  # total, mask, -b, result


def test_in_place_updates_allocate_nothing_big() -> None:
    report = run("v = np.arange(1_000_000, dtype=np.float64)\n"
                 "v *= 2\n"
                 "v += 1\n"
                 "np.multiply(v, 3, out=v)\n"
                 "w = v.copy()\n"
                 "w[::2] = 0\n")
    assert report.numpy.allocated_bytes - sum(
        row(report, n).allocated_bytes for n in (2, 3, 4, 6)) == 16_000_000
    for n in (2, 3, 4, 6):
        assert row(report, n).allocated_bytes < 64  # only NumPy's 0-d scalar boxes
    assert [(op.lineno, op.kind, op.inplace) for op in report.ops] == [
        (2, "binop", True), (3, "binop", True), (4, "ufunc", True)]
    assert report.numpy.peak_bytes >= 16_000_000
    assert {a.name: (a.lineno, a.is_view) for a in report.arrays} == {"v": (1, False), "w": (5, False)}


def test_freeing_an_old_array_first_keeps_peak_at_the_worst_growth() -> None:
    report = run("del big\nc = np.ones(1000)\nd = np.ones(2000)\n", big=np.ones(1000))
    assert report.numpy.freed_bytes >= 8000
    # -8000 after the del, then +8000 and +16000: the worst growth is 16,000 plus NumPy's
    # 0-d boxes of the fill value (those alive at once while np.ones fills; NumPy's own count)
    assert report.numpy.peak_bytes == 16_000 + ones_fill().peak_bytes
    assert report.numpy.net_bytes == 16_000
    assert report.numpy.peak_lineno == 3


def test_methods_of_a_class_defined_in_the_cell() -> None:
    report = run("class Scaler:\n"
                 "    def __init__(self, k):\n"
                 "        self.k = k\n"
                 "    def __call__(self, v):\n"
                 "        return v * self.k\n"
                 "\n"
                 "s = Scaler(3.0)\n"
                 "out = [s(np.arange(10.0)) for _ in range(5)]\n"
                 "total = np.stack(out)\n")
    five = row(report, 5)
    assert five.ops == 5 and five.copies == 5
    assert five.allocated_bytes - five.temporary_bytes == 5 * 80   # the five kept products
    assert row(report, 8).temporary_bytes == 5 * 80                 # each arange dies after use
    assert row(report, 9).allocated_bytes == 400
    (total,) = report.arrays
    assert (total.name, total.shape, total.strides, total.lineno) == ("total", [5, 10], [80, 8], 9)
