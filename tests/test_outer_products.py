"""advisor/outer_products.py, the machinery reduced-outer-product and accidental-outer-product share,
on real op records of real profiled cells: which broadcasts are big, which pairings are
accidental, and what a line keeps."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import arrayprof
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.outer_products import (
    accidental_pair,
    big_broadcasts,
    explicit_outer,
    line_kept,
)
from arrayprof.context import CellContext
from arrayprof.report import Report


def profiled(cell: str, **namespace: object) -> tuple[Report, CellContext]:
    ns = {"np": np, **namespace}
    report = arrayprof.profile(cell, ns)
    return report, CellContext(source=cell, filename="<cell>", tree=ast.parse(cell),
                               namespace=ns)


def test_a_column_against_a_flat_array_is_an_accidental_pair() -> None:
    n = 1500
    report, context = profiled("err = y_pred - y_true\nm = (err ** 2).mean()\n",
                               y_pred=np.ones(n), y_true=np.ones((n, 1)))
    big = list(big_broadcasts(report, context))
    assert [(op.name, op.lineno, source) for op, source in big] == [
        ("subtract", 1, "err = y_pred - y_true")]
    op = big[0][0]
    assert op.result is not None and op.result["nbytes"] == n * n * 8
    assert accidental_pair(op) == (n, 1)
    assert not explicit_outer(big[0][1])
    assert line_kept(report, context, 1) == n * n * 8  # err is bound to the whole result


def test_small_or_not_expanding_broadcasts_are_not_big() -> None:
    small = int((CONFIG.silent_bytes / 8) ** 0.5) // 2  # an n x n result below silent_bytes
    report, context = profiled("a = x - y\nb = z - 1.0\n", x=np.ones(small),
                               y=np.ones((small, 1)), z=np.ones((600, 600)))
    assert list(big_broadcasts(report, context)) == []


@pytest.mark.parametrize(("shapes", "pair"), [
    (((50,), (50, 1)), (50, 1)),
    (((50, 1), (50,)), (50, 1)),
    (((50,), (40, 1)), None),  # other lengths: an outer product, not a mismatched pairing
    (((1,), (1, 1)), None),
    (((50, 1), (1, 50)), None),  # both 2-D: written as an outer product
    (((50,), (50,)), None),
])
def test_accidental_pair_reads_the_operand_shapes(shapes: tuple[tuple[int, ...], ...],
                                                  pair: tuple[int, int] | None) -> None:
    left, right = (np.ones(s) for s in shapes)
    report, _ = profiled("r = left - right\n", left=left, right=right)
    ops = [op for op in report.ops if op.name == "subtract"]
    assert len(ops) == 1
    assert accidental_pair(ops[0]) == pair


@pytest.mark.parametrize(("line", "explicit"), [
    ("d = x[:, None] - x", True), ("d = np.subtract.outer(x, x)", True),
    ("d = x.reshape(-1, 1) - x", True), ("d = x[:, np.newaxis] - x", True),
    ("d = np.outer(x, x)", True), ("d = col - x", False), ("d = (pred - y) ** 2", False),
])
def test_explicit_outer(line: str, explicit: bool) -> None:
    assert explicit_outer(line) is explicit
