"""float16-loss: sums, cumulative sums, products and arithmetic computed in float16 whose result is
infinite or off by more than 1% from the same expression on float64 copies of the inputs."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.dtype_facts import ARITH, overflow_statements, values_before
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import unsafe_call
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

HALF_OPS = ("add.reduce", "add.accumulate", "multiply.reduce", "multiply.accumulate")


def as_wide(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype == np.float16:
        return value.astype(np.float64)
    if isinstance(value, np.float16):
        return np.float64(value)
    return value


def check(report: Report, context: CellContext) -> list[Finding]:
    """Sums, cumulative sums, products and arithmetic computed in float16 whose result is
    infinite or off by more than 1% from the same expression on float64 copies of the inputs:
    float16 holds 3 significant digits and nothing above 65,504, so a running total stops
    growing at 2,048 (adding 0.5 no longer changes it) or overflows to inf."""
    assert context.tree is not None
    lines = sorted({op.lineno for op in report.ops if op.lineno and op.result and
                    op.result.get("dtype") == "float16" and (
                        op.name in HALF_OPS or
                        (op.kind in ("ufunc", "binop") and op.name in ARITH))})
    found = []
    for stmt, expr, target in overflow_statements(context, lines):
        ns = values_before(context, stmt)
        if ns is None:
            continue
        ns = {"np": np, **ns}
        if unsafe_call(expr, {**context.namespace, **ns}):
            continue
        size = sum(v.nbytes for v in ns.values() if isinstance(v, np.ndarray))
        if size * 8 > CONFIG.overflow_check_bytes:
            continue
        try:
            code = compile(ast.Expression(body=at.copy_node(expr)), "<float16>", "eval")
            with np.errstate(all="ignore"):
                narrow = np.asarray(eval(code, dict(ns)), dtype=np.float64)
                wide = np.asarray(eval(code, {k: as_wide(v) for k, v in ns.items()}),
                                  dtype=np.float64)
        except Exception:
            continue
        if narrow.shape != wide.shape or not wide.size or not np.isfinite(wide).all():
            continue
        scale = float(np.abs(wide).max()) or 1.0
        infinite = int(np.count_nonzero(~np.isfinite(narrow)))
        error = float(np.nanmax(np.abs(np.where(np.isfinite(narrow), narrow, 0.0) - wide)))
        if not infinite and error <= 0.01 * scale:
            continue
        what = (f"{infinite:,} value{'s' if infinite != 1 else ''} overflowed to inf" if infinite
                else f"off by up to {error:,.4g} (of values up to {scale:,.4g})")
        name = "the returned value" if target == RETURN else target
        found.append(finding(
            "dtype-overflow", stmt.lineno,
            f"float16 arithmetic lost the result: {what}",
            f"Line {stmt.lineno} computes {name} in float16: {what}, compared with the same "
            "expression on float64 copies of the inputs. float16 keeps about 3 significant "
            "digits and nothing above 65,504, so a running total stops growing once the terms "
            "are below its resolution, and a large sum or product becomes inf. Accumulate in "
            "a wider type: dtype=np.float32 or np.float64 in the reduction, or .astype(...) "
            "first; keep float16 for storage only.", force="warning"))
    return found


RULE = Rule(
    name="float16-loss",
    category="dtype-overflow",
    finds="A statement outside loops whose sum, cumulative sum, product (add/multiply reduce or "
          "accumulate) or arithmetic gives a float16 result that is infinite, or off by more "
          "than 1% of the largest value, compared with the same expression evaluated on "
          "float64 copies of the inputs.",
    why="float16 keeps about 3 significant digits and nothing above 65,504: a running total "
        "stops growing once the terms are below its resolution (adding 0.5 to 2,048 changes "
        "nothing), and a large sum or product becomes inf.",
    example="total = h.sum()  # h: float16\n->\ntotal = h.sum(dtype=np.float32)",
    near_misses="float16 results within 1% of the float64 computation (small sums, storage "
                "only); float16 arithmetic inside loops; inputs larger than "
                "`CONFIG.overflow_check_bytes`.",
    rewrite="none",
    check=check,
)
