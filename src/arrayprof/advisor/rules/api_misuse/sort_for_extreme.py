"""sort-for-extreme: ``np.sort(x)[-1]`` / ``[0]``, where ``np.max`` / ``np.min`` scan once."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


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


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: sort_for_extreme(context, node))


RULE = Rule(
    name="sort-for-extreme",
    category="api-misuse",
    finds="np.sort(x)[-1] or np.sort(x)[0] on a 1-D array named in the cell: a sort to read "
          "the largest or smallest value.",
    why="The sort copies the array and costs O(n log n); np.max / np.min scan it once without "
        "a copy.",
    example="top = np.sort(x)[-1]\n->\ntop = np.max(x)",
    near_misses="Another position (np.sort(x)[len(x) // 2], a median), 2-D arrays (the sort "
                "runs along the last axis), a sorted copy kept and reused, slices of a few ends "
                "(sort-then-slice's).",
    rewrite="equivalent",
    check=check,
)
