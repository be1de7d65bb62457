"""The machinery the dtype and layout rules share (advisor/dtype_facts.py, object_arrays.py,
loop_strides.py), code in, values out: the rules' per-rule cases (tests/rules/) rest on these
answers, so they are pinned here where a wrong one is cheap to see."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from arrayprof.advisor import dtype_facts, loop_strides, object_arrays
from arrayprof.advisor.scopes import RETURN
from arrayprof.context import CellContext


def context(source: str, **namespace: object) -> CellContext:
    return CellContext(source=source, filename="<test>", tree=ast.parse(source),
                       namespace={"np": np, **namespace})


@pytest.mark.parametrize(("low", "high", "unsigned", "expected"), [
    (0, 255, True, "uint8"), (0, 256, True, "uint16"), (-1, 255, True, "int16"),
    (-128, 127, False, "int8"), (0, 70_000, False, "int32"), (0, 2**40, True, "uint64"),
    (-(2**40), 0, False, "int64"),
])
def test_smallest_holding(low: int, high: int, unsigned: bool, expected: str) -> None:
    assert dtype_facts.smallest_holding(low, high, unsigned) == np.dtype(expected)
    info = np.iinfo(expected)
    assert info.min <= low and high <= info.max


def test_overflow_statement_forms() -> None:
    cell = context("y = a + b\ny += a\ndef f(a):\n    return a * 2\nfor i in range(3):\n"
                   "    z = a + i\nw, v = a, b\n")
    stmt, expr, target = dtype_facts.overflow_statement(cell, 1)
    assert (stmt.lineno, ast.unparse(expr), target) == (1, "a + b", "y")
    stmt, expr, target = dtype_facts.overflow_statement(cell, 2)
    assert (stmt.lineno, ast.unparse(expr), target) == (2, "y + a", "y")  # y += a computes y + a
    stmt, expr, target = dtype_facts.overflow_statement(cell, 4)
    assert (ast.unparse(expr), target) == ("a * 2", RETURN)
    assert dtype_facts.overflow_statement(cell, 7) is None  # a tuple target
    # statements inside loops are skipped: their values change from pass to pass
    assert [s[2] for s in dtype_facts.overflow_statements(cell, [1, 2, 6, 1])] == ["y", "y"]


def test_values_before_reads_the_names_as_they_were() -> None:
    a = np.arange(3, dtype=np.int8)
    cell = context("y = a + 1\n", a=a)
    assert dtype_facts.values_before(cell, cell.tree.body[0]) == {"a": a}  # type: ignore[union-attr]
    # rebound later in the cell without recorded inputs: the values it read are unknown
    cell = context("y = a + 1\na = a * 2\n", a=a)
    assert dtype_facts.values_before(cell, cell.tree.body[0]) is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("code", "source", "dtype"), [
    ("x.astype(np.int16)", "x", "int16"),
    ("np.array(x, dtype=np.uint8)", "x", "uint8"),
    ("np.asarray(x * 2, dtype='int32')", "x * 2", "int32"),
    ("x.astype(np.float16)", "x", "float16"),
])
def test_cast_of_finds_narrowing_casts(code: str, source: str, dtype: str) -> None:
    node = ast.parse(code, mode="eval").body
    found = dtype_facts.cast_of(node, {"np": np, "x": np.arange(3.0)})
    assert found is not None and (ast.unparse(found[0]), found[1]) == (source, np.dtype(dtype))


@pytest.mark.parametrize("code", ["x.astype(np.float32)", "np.array(x)", "x.sum(dtype=np.int8)",
                                  "np.astype(x, np.int8)"])
def test_cast_of_leaves_other_calls(code: str) -> None:
    assert dtype_facts.cast_of(ast.parse(code, mode="eval").body,
                               {"np": np, "x": np.arange(3.0)}) is None


@pytest.mark.parametrize(("values", "kind"), [
    ([1, 2, 3], "int"), ([1, 2.5], "float"), ([1, 2j], "complex"), ([True, 2], "int"),
    ([np.float32(1.5), 2], "float"), ([1, "a"], None), ([1, None], None), ([2**70, 1], None),
])
def test_numeric_kind(values: list[object], kind: str | None) -> None:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    assert object_arrays.numeric_kind(array) == kind


@pytest.mark.parametrize(("values", "gappy"), [
    ([1.5, None, 3], True), ([None, None], False), ([1.5, 3.0], False), ([True, None], False),
    (["a", None], False),
])
def test_numbers_with_none(values: list[object], gappy: bool) -> None:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    assert object_arrays.numbers_with_none(array) is gappy


def test_long_loops_skip_short_headers() -> None:
    cell = context("for i in range(10):\n    pass\nfor j in range(2, 102):\n    pass\n"
                   "for k in items:\n    pass\nv = [x for x in range(60) for y in range(2)]\n",
                   items=[1, 2])
    found = [(loop.lineno, count) for loop, count in
             loop_strides.long_loops(cell.tree, cell.namespace)]  # type: ignore[arg-type]
    assert found == [(3, 100), (5, None), (7, 120)]


def test_strided_views() -> None:
    M = np.zeros((100, 100))
    assert loop_strides.strided(M[:, 0])  # 800 bytes apart
    assert not loop_strides.strided(M[0])  # contiguous
    assert not loop_strides.strided(M[:15, 0])  # fewer than MIN_ELEMENTS
    assert not loop_strides.strided(np.zeros((100, 4))[:, 0])  # 32 bytes apart: same lines
    assert loop_strides.strided(M.T[0]) and not loop_strides.strided(np.asfortranarray(M)[:, 0])
