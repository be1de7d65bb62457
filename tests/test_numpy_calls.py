"""advisor/numpy_calls.py, the machinery of the api-misuse rules: which spellings of inv(A), NaN
and a matrix product it recognises (code in, answer out), and the NaN count a fix's check gives."""

from __future__ import annotations

import ast
import math

import numpy as np
import pytest

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.numpy_calls import inv_call, matmul_operands, nan_constant, nans_in

A = np.eye(3)
B = np.ones((3, 2))
NS = {"np": np, "math": math, "A": A, "B": B, "la": np.linalg, "inv": np.linalg.inv,
      "x": np.array([1.0, np.nan, np.nan]), "n": np.arange(3), "nan": float("nan"), "one": 1.0}


def expr(code: str) -> ast.expr:
    return ast.parse(code, mode="eval").body


@pytest.mark.parametrize(("code", "matrix"), [
    ("np.linalg.inv(A)", "A"), ("la.inv(A + 1)", "A + 1"), ("inv(A)", "A"),
    ("np.linalg.pinv(A)", None), ("np.linalg.inv(A, B)", None), ("np.linalg.inv(a=A)", None),
    ("A", None)])
def test_inv_call(code: str, matrix: str | None) -> None:
    found = inv_call(expr(code), NS)
    assert (at.unparse(found) if found is not None else None) == matrix


@pytest.mark.parametrize(("code", "is_nan"), [
    ("np.nan", True), ("math.nan", True), ("nan", True), ("float('nan')", True),
    ("float('NaN')", True), ("np.inf", False), ("one", False), ("float('1')", False),
    ("0.0", False), ("x", False)])
def test_nan_constant(code: str, is_nan: bool) -> None:
    assert nan_constant(expr(code), NS) is is_nan


@pytest.mark.parametrize(("code", "operands"), [
    ("A @ B", ("A", "B")), ("np.dot(A, B)", ("A", "B")), ("np.matmul(A, B)", ("A", "B")),
    ("A.dot(B)", ("A", "B")), ("np.dot(A, B, out=None)", None), ("A * B", None),
    ("unknown.dot(B)", None), (None, None)])
def test_matmul_operands(code: str | None, operands: tuple[str, str] | None) -> None:
    found = matmul_operands(expr(code) if code is not None else None, NS)
    assert (None if found is None else (at.unparse(found.left), at.unparse(found.right))) == \
        operands


def test_nans_in() -> None:
    assert nans_in(expr("x"), NS) == 2
    assert nans_in(expr("x[:2]"), NS) == 1
    assert nans_in(expr("n"), NS) == 0  # integers hold no NaN
    assert nans_in(expr("missing_name"), NS) == 0
