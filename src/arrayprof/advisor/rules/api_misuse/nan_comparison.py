"""nan-comparison: ``x == np.nan`` (always False) where ``np.isnan(x)`` was meant."""

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


def nan_compare(context: CellContext, node: ast.AST) -> Finding | None:
    ns = context.namespace
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
            isinstance(node.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot)):
        return None
    left, right = node.left, node.comparators[0]
    if nan_constant(right, ns):
        other = left
    elif nan_constant(left, ns):
        other = right
    else:
        return None
    negate = isinstance(node.ops[0], ast.NotEq | ast.IsNot)
    new = at.parse_expr(("~" if negate else "") + f"np.isnan({at.unparse(other)})")
    rewrite = statement_rewrite(context, node, new, kind="fix")
    if rewrite is not None:

        def check(before: dict[str, Any], after: dict[str, Any],
                  error: BaseException | None) -> str:
            matched = "every element" if negate else "nothing"
            return (f"np.isnan finds {nans_in(other, before):,} NaN element(s) in "
                    f"{at.unparse(other)}, which the comparison with NaN missed (it matched "
                    f"{matched}: NaN never equals anything, itself included)")

        set_fix_check(rewrite, check)
    explanation = (
        f"Line {node.lineno} compares {at.unparse(other)} with NaN using "
        f"{'!=' if negate else '=='}. NaN is not equal to anything, itself included, so the "
        f"result is {'always True' if negate else 'always False'} and finds no NaNs. "
        "Rule of thumb: test for NaN with np.isnan.")
    return finding("api-misuse", node.lineno, "comparison with NaN is always "
                   + ("True" if negate else "False") + "; use np.isnan", explanation,
                   rewrite=rewrite, force="warning")


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: nan_compare(context, node))


RULE = Rule(
    name="nan-comparison",
    category="api-misuse",
    finds="A comparison with NaN: x == np.nan, x != np.nan, x is np.nan, x is not np.nan "
          "(np.nan, math.nan, float('nan') or a name bound to NaN, on either side).",
    why="NaN equals nothing, itself included: the comparison is always False (always True "
        "for != / is not) and finds no NaN, whatever the data; a wrong result, not a slow one.",
    example="missing = x == np.nan\n->\nmissing = np.isnan(x)",
    near_misses="np.isnan(x) already, comparisons with a finite float, the x != x idiom, "
                "`np.nan in arr` (nan-in-array's).",
    rewrite="fix",
    check=check,
)
