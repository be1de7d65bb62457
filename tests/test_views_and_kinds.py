"""Views and copies counted per line (the native array census), and how each ufunc was reached:
an operator in the cell (`binop`/`unaryop`), a call (`ufunc`), or a method (`reduce`, ...)."""

from __future__ import annotations

import gc

import numpy as np
from numpy_boxes import ones_fill

import arrayprof
from arrayprof.report import Report


def run(code: str, **namespace) -> Report:
    namespace.setdefault("np", np)
    return arrayprof.profile(code, namespace, verify=False)


def views_copies(report: Report) -> dict[int, tuple[int, int]]:
    return {row.lineno: (row.views, row.copies) for row in report.lines}


def test_views_and_copies_per_line() -> None:
    report = run(
        "a = np.arange(16.).reshape(4, 4)\n"   # arange owns, reshape is a view of it
        "b = a[::2, ::2]\n"                     # a strided view
        "d = a.T\n"                             # a view
        "e = a + 1\n"                           # a new array (the 0-d boxes of 1 are not counted)
        "f = [a[i] for i in range(4)]\n"        # four row views from a comprehension
        "g = a[a > 3]\n"                        # the mask and the result: two new arrays
        "h = a.ravel()\n"                       # contiguous: a view
        "k = a.T.ravel()\n"                     # the transpose is a view, its ravel a copy
        "m = np.broadcast_to(a[0], (3, 4))\n"   # the row view and the broadcast view
    )
    assert views_copies(report) == {
        1: (1, 1), 2: (1, 0), 3: (1, 0), 4: (0, 1), 5: (4, 0), 6: (0, 2), 7: (1, 0), 8: (1, 1),
        9: (2, 0),
    }
    assert (report.numpy.views, report.numpy.copies) == (11, 5)
    # a line that only made a view is reported although it allocated nothing
    row = report.line(2)
    assert row is not None and (row.allocations, row.ops, row.source) == (0, 0, "b = a[::2, ::2]")


def test_views_made_in_a_loop_are_counted_once_each() -> None:
    report = run("total = 0.0\nfor i in range(1000):\n    total += x[i:i + 10].sum()", x=np.ones(2000))
    assert views_copies(report)[3] == (1000, 0)  # sum's 0-d results are not copies


def test_views_of_a_dead_temporary_and_survivors() -> None:
    """Objects are classified when they die or, if alive, when the recording stops."""
    report = run("keep = np.ones((10, 10))[2:5]\ndrop = np.zeros(8)[::2]\ndel drop")
    assert views_copies(report)[1] == (1, 1)
    assert views_copies(report)[2] == (1, 1)


def test_census_leaves_nothing_pending_between_cells() -> None:
    """After a cell, arrays it created die without being counted again (no stale entries)."""
    namespace = {"np": np}
    first = arrayprof.profile("v = [np.arange(4)[1:] for _ in range(100)]", namespace, verify=False)
    assert views_copies(first)[1] == (100, 100)
    second = arrayprof.profile("del v", namespace, verify=False)
    gc.collect()
    assert (second.numpy.views, second.numpy.copies) == (0, 0)
    third = arrayprof.profile("w = np.arange(3)", namespace, verify=False)
    assert views_copies(third) == {1: (0, 1)}


def test_operator_kinds() -> None:
    report = run(
        "b = a + 1\n"
        "c = -a\n"
        "d = np.add(a, b)\n"
        "e = a.sum()\n"
        "a += 2\n"
        "g = ~(a > 3)\n"
        "h = abs(a)\n"
        "def twice(x):\n"
        "    return x * 2\n"
        "k = twice(a)\n"
        "w = a @ a\n"
        "z = np.multiply.outer(a, a)\n"
        "s = np.cumsum(a)\n",
        a=np.arange(10.0),
    )
    kinds = [(op.lineno, op.kind, op.name, op.inplace) for op in report.ops]
    assert kinds == [
        (1, "binop", "add", False),
        (2, "unaryop", "negative", False),
        (3, "ufunc", "add", False),
        (4, "reduce", "add.reduce", False),
        (5, "binop", "add", True),
        (6, "binop", "greater", False),
        (6, "unaryop", "invert", False),
        (7, "ufunc", "absolute", False),   # abs() calls into NumPy from a builtin: a call
        (9, "binop", "multiply", False),   # an operator inside a function of the cell
        (11, "binop", "matmul", False),
        (12, "outer", "multiply.outer", False),
        (13, "accumulate", "add.accumulate", False),
    ]


def test_ufuncs_inside_numpy_functions_are_calls() -> None:
    """np.linalg.norm squares inside NumPy's own Python code: reached by a call, not an operator."""
    report = run("n = np.linalg.norm(x, axis=1)", x=np.ones((3, 4)))
    names = {(op.kind, op.name) for op in report.ops}
    assert ("ufunc", "multiply") in names or ("ufunc", "square") in names
    assert all(op.kind != "binop" for op in report.ops)


def test_a_view_never_has_a_base_made_after_it() -> None:
    """`a` is a view of the unnamed arange; arrays made from `a` later span the same bytes."""
    report = run("a = np.arange(24, dtype=np.int32).reshape(4, 6)\n"
                 "r = a[::-1]\n"
                 "e = a[..., None]\n"
                 "t = a.T\n")
    bases = {info.name: (info.is_view, info.base, info.strides) for info in report.arrays}
    assert bases == {
        "a": (True, None, [24, 4]),
        "r": (True, "a", [-24, 4]),
        "e": (True, "a", [24, 4, 0]),
        "t": (True, "a", [4, 24]),
    }


def test_creation_lines_ignore_in_place_updates_and_item_writes() -> None:
    report = run("v = np.arange(10.0)\n"
                 "v *= 2\n"            # same array: still created on line 1
                 "w = v.copy()\n"
                 "w[::2] = 0\n"        # a write into w, not a new w
                 "s = 0\n"
                 "s += v\n"            # s becomes an array here
                 "x = np.arange(4)\n"
                 "x = x[::2]\n"        # a view made here
                 "def make():\n"
                 "    global g\n"
                 "    g = np.ones(3)\n"
                 "make()\n")
    created = {info.name: info.lineno for info in report.arrays}
    assert created == {"v": 1, "w": 3, "s": 6, "x": 8, "g": 11}


def test_matmul_broadcasts_only_over_its_stacking_dimensions() -> None:
    report = run("G = X @ X.T\n"          # (500, 16) @ (16, 500): core dimensions only
                 "B = S @ M\n"            # M is reused for each of the 10 stacked matrices
                 "w = X @ v\n",
                 X=np.ones((500, 16)), S=np.ones((10, 3, 4)), M=np.ones((4, 5)), v=np.ones(16))
    facts = [(op.lineno, op.broadcast, op.expansion, op.result["shape"]) for op in report.ops]
    assert facts == [(1, False, 31.25, [500, 500]), (2, True, 1.25, [10, 3, 5]),
                     (3, False, 1.0, [500])]


def test_offset_of_element_zero_in_the_owning_buffer() -> None:
    report = run("a = np.arange(16.0).reshape(4, 4)\n"
                 "c = a[1:, 2:]\n"
                 "r = a[::-1]\n"
                 "f = np.frombuffer(b'abcdefgh', dtype=np.uint8)[3:]\n")
    offsets = {info.name: info.offset_bytes for info in report.arrays}
    # row 1, column 2 of float64 rows of 32 bytes; a[::-1] starts at the last row
    assert offsets == {"a": 0, "c": 48, "r": 96, "f": None}


def test_a_line_that_only_makes_views_sees_the_live_bytes() -> None:
    report = run("big = np.ones(1_000_000)\nv = big[::2]\nw = big.T\n")
    rows = [(row.lineno, row.allocations, row.views, row.peak_bytes) for row in report.lines]
    # np.ones boxes its fill value in 0-d arrays (how many depends on NumPy), freed before line 2
    fill = ones_fill()
    assert rows == [(1, 1 + fill.count, 0, 8_000_000 + fill.peak_bytes), (2, 0, 1, 8_000_000),
                    (3, 0, 1, 8_000_000)]
