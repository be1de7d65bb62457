"""index-with-where: ``x[np.where(c)]`` where the mask ``x[c]`` selects the same directly."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def where_index(context: CellContext, node: ast.AST) -> Finding | None:
    """``x[np.where(c)]`` / ``x[np.nonzero(c)]``: builds the index arrays of every match to
    select what the boolean mask ``x[c]`` selects directly."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and
            isinstance(node.slice, ast.Call) and len(node.slice.args) == 1 and
            not node.slice.keywords and at.np_func(node.slice.func, ns, "where", "nonzero")):
        return None
    base = at.array_of(node.value, ns)
    mask = at.array_of(node.slice.args[0], ns)
    if base is None or mask is None or mask.dtype != bool or mask.shape != base.shape:
        return None
    new = ast.Subscript(value=node.value, slice=node.slice.args[0], ctx=ast.Load())
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   "indexing with np.where(mask): index with the mask itself",
                   f"Line {node.lineno} turns the mask {at.unparse(node.slice.args[0])} into "
                   "index arrays with np.where and then gathers through them; indexing with the "
                   "boolean mask selects the same elements in one pass, without the index "
                   "arrays.", rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: where_index(context, node))


RULE = Rule(
    name="index-with-where",
    category="api-misuse",
    finds="Reading x[np.where(c)] or x[np.nonzero(c)] where c is a boolean mask of x's shape.",
    why="np.where(c) builds one int64 index array per dimension of every match, then the "
        "gather reads through them; x[c] selects the same elements in one pass without them.",
    example="pos = x[np.where(x > 0)]\n->\npos = x[x > 0]",
    near_misses="np.where(c, a, b) (three arguments, a select), masks of another shape (rows "
                "selected by a 1-D mask), np.where(c)[0] kept as indices, assignments "
                "x[np.where(c)] = v.",
    rewrite="equivalent",
    check=check,
)
