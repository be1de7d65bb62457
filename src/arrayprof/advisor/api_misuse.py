"""API misuse: a slower or less accurate call where a better one exists.

``inv(A) @ b`` (solve is faster and more accurate), comparisons with NaN (always False), legacy
global random functions, counting with ``len(np.where(...)[0])``, and ``np.sort(x)[-1]`` for a
maximum.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor import rule
from arrayprof.advisor.facts import describe, finding, seconds
from arrayprof.advisor.verify import FIX_CHECKS
from arrayprof.report import Finding, Report, Rewrite
from arrayprof.session import CellContext

LEGACY_RANDOM = ("rand", "randn", "randint", "random", "random_sample", "ranf", "sample",
                 "normal", "uniform", "choice", "permutation", "shuffle", "seed", "poisson",
                 "binomial", "exponential", "standard_normal", "random_integers", "beta", "gamma")


def statement_rewrite(context: CellContext, node: ast.AST, new: ast.expr,
                      kind: str = "equivalent") -> Rewrite | None:
    from arrayprof.advisor.copies import statement_replacing

    rewrite = statement_replacing(context, node, new)
    if rewrite is not None:
        rewrite.kind = kind
    return rewrite


def inv_call(node: ast.AST, ns: dict[str, Any]) -> ast.expr | None:
    """The matrix A when `node` is ``np.linalg.inv(A)`` (any alias)."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "linalg.inv"):
        return node.args[0]
    return None


def nan_constant(node: ast.AST, ns: dict[str, Any]) -> bool:
    value = at.resolve(node, ns) if isinstance(node, ast.Name | ast.Attribute) else at.MISSING
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "float" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) \
        and str(node.args[0].value).lower() == "nan"


@rule
def api_misuse(report: Report, context: CellContext) -> list[Finding]:
    assert context.tree is not None
    ns = context.namespace
    found = []
    for node in ast.walk(context.tree):
        hit = (solve_instead(report, context, node) or nan_compare(context, node)
               or legacy_random(context, node) or count_nonzero(context, node)
               or sort_for_extreme(context, node))
        if hit is not None:
            found.append(hit)
    del ns
    return found


def solve_instead(report: Report, context: CellContext, node: ast.AST) -> Finding | None:
    ns = context.namespace
    matrix = rhs = None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        matrix, rhs = inv_call(node.left, ns), node.right
    elif isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "dot":
        matrix, rhs = inv_call(node.func.value, ns), node.args[0]
    elif isinstance(node, ast.Call) and len(node.args) == 2 and at.np_func(node.func, ns, "dot",
                                                                            "matmul"):
        matrix, rhs = inv_call(node.args[0], ns), node.args[1]
    if matrix is None or rhs is None:
        return None
    new = at.parse_expr(f"np.linalg.solve({at.unparse(matrix)}, {at.unparse(rhs)})")
    rewrite = statement_rewrite(context, node, new)
    value = at.array_value(matrix, ns)
    size = value.shape[0] if value is not None and value.ndim == 2 else 0
    explanation = (
        f"Line {node.lineno} inverts {describe(value) if value is not None else 'a matrix'} and "
        "multiplies by the inverse. np.linalg.solve factorises the matrix once and solves "
        "directly: about 3x less arithmetic, no n x n inverse in memory, and smaller rounding "
        f"errors (the cell took {seconds(report.wall_s)}). Rule of thumb: never form inv(A) to "
        "compute inv(A) @ b.")
    return finding("api-misuse", node.lineno, "inv(A) @ b: use np.linalg.solve(A, b)",
                   explanation, rewrite=rewrite,
                   seconds_lost=report.wall_s * 0.5 if size >= 100 else 0.0)


def nan_compare(context: CellContext, node: ast.AST) -> Finding | None:
    ns = context.namespace
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
            isinstance(node.ops[0], ast.Eq | ast.NotEq)):
        return None
    left, right = node.left, node.comparators[0]
    if nan_constant(right, ns):
        other = left
    elif nan_constant(left, ns):
        other = right
    else:
        return None
    negate = isinstance(node.ops[0], ast.NotEq)
    new = at.parse_expr(("~" if negate else "") + f"np.isnan({at.unparse(other)})")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:
        target = rewrite.compared[0]

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            old, fixed = np.asarray(before.get(target)), np.asarray(after.get(target))
            nans = int(np.count_nonzero(np.isnan(fixed) if fixed.dtype.kind == "f" else
                                        fixed != old))
            found = int(np.count_nonzero(fixed if not negate else ~fixed)) \
                if fixed.dtype == bool else nans
            flagged = int(np.count_nonzero(old)) if old.dtype == bool else -1
            return (f"np.isnan finds {found:,} NaN element(s); the comparison with NaN "
                    f"flagged {max(flagged, 0) if not negate else 'every element' } "
                    "(NaN never equals anything, itself included)")

        FIX_CHECKS[id(rewrite)] = check
    explanation = (
        f"Line {node.lineno} compares {at.unparse(other)} with NaN using "
        f"{'!=' if negate else '=='}. NaN is not equal to anything, itself included, so the "
        f"result is {'always True' if negate else 'always False'} and finds no NaNs. "
        "Rule of thumb: test for NaN with np.isnan.")
    return finding("api-misuse", node.lineno, "comparison with NaN is always "
                   + ("True" if negate else "False") + "; use np.isnan", explanation,
                   rewrite=rewrite, force="warning")


def legacy_random(context: CellContext, node: ast.AST) -> Finding | None:
    ns = context.namespace
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
            node.func.attr in LEGACY_RANDOM):
        return None
    owner = at.resolve(node.func.value, ns)
    if owner is not np.random:
        return None
    name = node.func.attr
    explanation = (
        f"Line {node.lineno} calls np.random.{name}, the legacy global RandomState API. New "
        "code should create a Generator once (rng = np.random.default_rng(seed)) and call its "
        "methods (rng.random, rng.standard_normal, rng.integers, ...): faster, better "
        "statistical properties, and no hidden global state. The streams differ, so this is "
        "advice rather than a drop-in rewrite.")
    return finding("api-misuse", node.lineno, f"legacy np.random.{name}; use a Generator",
                   explanation, force="info")


def count_nonzero(context: CellContext, node: ast.AST) -> Finding | None:
    """``len(np.where(c)[0])`` / ``np.where(c)[0].size`` / ``len(np.nonzero(c)[0])``."""
    ns = context.namespace
    inner = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1:
        inner = node.args[0]
    elif isinstance(node, ast.Attribute) and node.attr == "size":
        inner = node.value
    if not (isinstance(inner, ast.Subscript) and at.const_int(inner.slice) == 0 and
            isinstance(inner.value, ast.Call) and len(inner.value.args) == 1 and
            at.np_func(inner.value.func, ns, "where", "nonzero")):
        return None
    condition = inner.value.args[0]
    new = at.parse_expr(f"np.count_nonzero({at.unparse(condition)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,  # type: ignore[attr-defined]
                   "counting through np.where: use np.count_nonzero",
                   f"Line {node.lineno} builds an index array of every match "  # type: ignore
                   "only to take its length; np.count_nonzero counts without allocating it.",
                   rewrite=rewrite)


def sort_for_extreme(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.sort(x)[-1]`` / ``[0]``: an O(n log n) sort for a maximum or minimum."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and
            at.np_func(node.value.func, ns, "sort") and len(node.value.args) == 1 and
            not node.value.keywords):
        return None
    position = at.const_int(node.slice)
    if position not in (0, -1):
        return None
    array = node.value.args[0]
    value = at.array_value(array, ns)
    if value is None or value.ndim != 1:
        return None
    new = at.parse_expr(f"np.{'max' if position == -1 else 'min'}({at.unparse(array)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   f"sorting to take the {'largest' if position == -1 else 'smallest'} element",
                   f"Line {node.lineno} sorts {describe(value)} (a copy, O(n log n)) to read one "
                   "end; np.max / np.min scan it once without a copy.", rewrite=rewrite)
