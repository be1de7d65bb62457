"""count-by-listing: ``len(np.where(c)[0])`` and its spellings, where ``np.count_nonzero(c)``
counts without building the matches."""

from __future__ import annotations

import ast
from typing import Any

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def counted(node: ast.AST) -> ast.expr | None:
    """E for ``len(E)``, ``E.size``, ``E.shape[0]``, ``np.size(E)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1 and not node.keywords:
        return node.args[0]
    if isinstance(node, ast.Attribute) and node.attr == "size" and isinstance(node.ctx, ast.Load):
        return node.value
    if isinstance(node, ast.Subscript) and at.const_int(node.slice) == 0 and \
            isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        return node.value.value
    return None


def matches_of(node: ast.expr, ns: dict[str, Any]) -> ast.expr | None:
    """The condition whose True elements `node` lists, for ``np.where(c)[0]``,
    ``np.nonzero(c)[0]``, ``c.nonzero()[0]``, ``np.argwhere(c)``, ``np.flatnonzero(c)`` and a
    boolean-mask selection ``x[c]`` (c with x's shape)."""
    if isinstance(node, ast.Subscript) and at.const_int(node.slice) == 0 and \
            isinstance(node.value, ast.Call):
        call = node.value
        if len(call.args) == 1 and not call.keywords and at.np_func(call.func, ns, "where",
                                                                      "nonzero"):
            return call.args[0]
        if not call.args and isinstance(call.func, ast.Attribute) and \
                call.func.attr == "nonzero" and at.array_of(call.func.value, ns) is not None:
            return call.func.value
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "argwhere", "flatnonzero"):
        return node.args[0]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
            not isinstance(node.slice, ast.Slice | ast.Tuple):
        base = at.array_of(node.value, ns)
        mask = at.array_of(node.slice, ns)
        if base is not None and mask is not None and mask.dtype == bool and \
                mask.shape == base.shape:
            return node.slice
    return None


def count_nonzero(context: CellContext, node: ast.AST) -> Finding | None:
    """Counting matches by building them: ``len(np.where(c)[0])``, ``np.argwhere(c).shape[0]``,
    ``x[x > t].size`` ... -- np.count_nonzero(c) counts without allocating anything."""
    ns = context.namespace
    inner = counted(node)
    condition = matches_of(inner, ns) if inner is not None else None
    if condition is None:
        return None
    new = at.parse_expr(f"np.count_nonzero({at.unparse(condition)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,  # type: ignore[attr-defined]
                   "counting matches by listing them: use np.count_nonzero",
                   f"Line {node.lineno} builds {at.unparse(inner)} -- every match, "  # type: ignore
                   "as indices or values -- only to take its length; np.count_nonzero"
                   f"({at.unparse(condition)}) counts without allocating it.", rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: count_nonzero(context, node))


RULE = Rule(
    name="count-by-listing",
    category="api-misuse",
    finds="Counting matches by listing them: len(), .size or .shape[0] of np.where(c)[0], "
          "np.nonzero(c)[0], c.nonzero()[0], np.argwhere(c), np.flatnonzero(c), or of a "
          "boolean-mask selection x[c] (c with x's shape).",
    why="Every match is materialised (an index array, or a copy of the selected values) only "
        "to read its length; np.count_nonzero counts in one pass without allocating.",
    example="n = len(np.where(x > 0)[0])\n->\nn = np.count_nonzero(x > 0)",
    near_misses="The indices or selected values kept and used afterwards, len() of a list, "
                "a selection whose mask has another shape (rows selected by a 1-D mask).",
    rewrite="equivalent",
    check=check,
)
