"""log1p-expm1: ``np.log(1 + x)`` / ``np.exp(x) - 1`` losing digits on small x, where
``np.log1p`` / ``np.expm1`` keep them."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

LOST_PRECISION = 1e-9  # relative error on this data below which the naive form is left alone


def is_one(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (1, 1.0) and \
        not isinstance(node.value, bool)


def cancellation(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.log(1 + x)`` / ``np.exp(x) - 1`` where x is so small on this data that the result
    loses digits; np.log1p / np.expm1 keep them."""
    ns = context.namespace
    small = None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "log") and isinstance(node.args[0], ast.BinOp) and \
            isinstance(node.args[0].op, ast.Add):
        left, right = node.args[0].left, node.args[0].right
        if is_one(left):
            small = right
        elif is_one(right):
            small = left
        better = "log1p"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and is_one(node.right) and \
            isinstance(node.left, ast.Call) and len(node.left.args) == 1 and \
            at.np_func(node.left.func, ns, "exp"):
        small = node.left.args[0]
        better = "expm1"
    if small is None:
        return None
    values = at.array_of(small, ns)
    if values is None or values.dtype.kind != "f" or not values.size:
        return None
    with np.errstate(all="ignore"):
        naive = np.log(1 + values) if better == "log1p" else np.exp(values) - 1
        exact = getattr(np, better)(values)
        scale = np.where(exact != 0, np.abs(exact), 1.0)
        error = np.abs(naive - exact) / scale
    lost = float(np.nanmax(error)) if error.size else 0.0
    if not lost > LOST_PRECISION:
        return None  # not small enough here to matter: say nothing
    new = at.parse_expr(f"np.{better}({at.unparse(small)})")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:
        target = rewrite.compared[0]

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            old, fixed = np.asarray(before.get(target)), np.asarray(after.get(target))
            if old.shape != fixed.shape or fixed.dtype.kind != "f":
                return f"np.{better} ran; {target} changed shape or dtype"
            with np.errstate(all="ignore"):
                rel = np.abs(old - fixed) / np.where(fixed != 0, np.abs(fixed), 1.0)
            return (f"np.{better} keeps full precision: the original was off by up to "
                    f"{float(np.nanmax(rel)):.1e} relative on this data")

        set_fix_check(rewrite, check)
    naive_text = f"np.log(1 + {at.unparse(small)})" if better == "log1p" else \
        f"np.exp({at.unparse(small)}) - 1"
    return finding("api-misuse", node.lineno,  # type: ignore[attr-defined]
                   f"{naive_text} loses precision for small values: use np.{better}",
                   f"Line {node.lineno} computes {naive_text}. For values this small (down to "  # type: ignore
                   f"{float(np.nanmin(np.abs(values[values != 0]))) if np.any(values) else 0:.1e}"
                   f") 1 + x rounds away most of x's digits: the results are off by up to "
                   f"{lost:.1e} relative. np.{better} computes the same function without the "
                   "cancellation.", rewrite=rewrite, force="warning")


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: cancellation(context, node))


RULE = Rule(
    name="log1p-expm1",
    category="api-misuse",
    finds="np.log(1 + x) (or x + 1) and np.exp(x) - 1 on a floating array whose values are "
          "small enough here that the result is off by more than 1e-9 relative.",
    why="1 + x rounds away most of a small x's digits before the log (exp(x) - 1 cancels "
        "them after): a wrong result, measured on this data; np.log1p / np.expm1 compute the "
        "same function without the cancellation.",
    example="y = np.log(1 + x)\n->\ny = np.log1p(x)",
    near_misses="Values large enough that nothing measurable is lost, np.log(2 + x), "
                "np.log1p / np.expm1 already, integer arrays.",
    rewrite="fix",
    check=check,
)
