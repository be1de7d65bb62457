"""nan-in-array: ``np.nan in arr`` (always False for an array) where ``np.isnan(arr).any()``
was meant."""

from __future__ import annotations

import ast
from typing import Any

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import nan_constant, nans_in, node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def nan_membership(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.nan in arr``: an ndarray's ``in`` is ``(arr == value).any()``, always False for
    NaN (a list would find the np.nan object itself by identity; an array never does)."""
    ns = context.namespace
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
            isinstance(node.ops[0], ast.In | ast.NotIn) and nan_constant(node.left, ns)):
        return None
    other = node.comparators[0]
    if at.array_of(other, ns) is None:
        return None
    negate = isinstance(node.ops[0], ast.NotIn)
    new = at.parse_expr(("not " if negate else "") + f"np.isnan({at.unparse(other)}).any()")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            return (f"np.isnan finds {nans_in(other, before):,} NaN element(s) in "
                    f"{at.unparse(other)}, which `{'not in' if negate else 'in'}` missed (an "
                    "array's `in` compares with ==, and NaN equals nothing)")

        set_fix_check(rewrite, check)
    explanation = (
        f"Line {node.lineno} asks whether NaN is {'not ' if negate else ''}in "
        f"{at.unparse(other)}. For an array, `in` means (array == value).any(), and NaN is not "
        f"equal to anything, itself included, so the answer is always "
        f"{'True' if negate else 'False'}, NaNs or not. Rule of thumb: test for NaN with "
        "np.isnan(...).any().")
    return finding("api-misuse", node.lineno, f"`np.nan {'not in' if negate else 'in'}` an "
                   f"array is always {'True' if negate else 'False'}; use np.isnan(...).any()",
                   explanation, rewrite=rewrite, force="warning")


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: nan_membership(context, node))


RULE = Rule(
    name="nan-in-array",
    category="api-misuse",
    finds="A membership test of NaN in an array: np.nan in arr, np.nan not in arr.",
    why="An array's `in` is (arr == value).any(), and NaN equals nothing: the test is always "
        "False (True for `not in`), NaNs or not.",
    example="has_gaps = np.nan in x\n->\nhas_gaps = np.isnan(x).any()",
    near_misses="np.nan in a Python list (a list finds the np.nan object itself by identity), "
                "np.isnan(x).any() already, membership of a finite value.",
    rewrite="fix",
    check=check,
)
