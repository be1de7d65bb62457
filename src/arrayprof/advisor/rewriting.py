"""Rewriting statements: shared machinery of the rules that offer a rewrite (issue 12, part 1:
no rule module imports another; what several rules need lives here).

``ReplaceNode`` swaps nodes of a copied statement by identity, ``statement_of`` finds the
statement around a node, ``statement_replacing`` turns that into a `Rewrite` comparing what the
statement binds, ``dtype_of`` reads the dtype an ``astype``/``dtype=`` argument names.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.scopes import RETURN
from arrayprof.context import CellContext
from arrayprof.report import Rewrite


class ReplaceNode(ast.NodeTransformer):
    """Replace one node (by identity) in a copy of a statement, leaving the original alone."""

    def __init__(self, old: ast.AST, new: ast.AST,
                 more: list[tuple[ast.AST, ast.AST]] | None = None) -> None:
        self.pairs = [(old, new), *(more or [])]

    def visit(self, node: ast.AST) -> Any:
        for old, new in self.pairs:
            if node is old:
                return new
        fields = {}
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                fields[name] = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                fields[name] = self.visit(value)
            else:
                fields[name] = value
        clone = type(node)(**fields)
        return ast.copy_location(clone, node)


def statement_of(node: ast.AST, parent: dict[ast.AST, ast.AST]) -> ast.stmt | None:
    while node in parent and not isinstance(node, ast.stmt):
        node = parent[node]
    return node if isinstance(node, ast.stmt) else None


def statement_replacing(context: CellContext, node: ast.AST, new: ast.expr,
                        more: list[tuple[ast.AST, ast.expr]] | None = None) -> Rewrite | None:
    """The statement holding `node` with `node` (and the nodes of `more`) replaced."""
    assert context.tree is not None
    stmt = statement_of(node, at.parents(context.tree))
    if stmt is None or isinstance(stmt, ast.For | ast.While | ast.If | ast.With):
        return None
    new_stmt = ReplaceNode(node, new, more).visit(stmt)  # type: ignore[arg-type]
    own = {n.id for c in ast.walk(stmt) if isinstance(c, ast.comprehension)
           for n in ast.walk(c.target) if isinstance(n, ast.Name)}  # a comprehension's own
    compared = sorted({at.root_name(t) for t in ast.walk(stmt) if isinstance(t, ast.Name | (
        ast.Subscript)) and isinstance(getattr(t, "ctx", None), ast.Store)} - {None} - own)
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        compared = [RETURN]  # inside a cell function: its return value (see scopes)
    if not compared:
        return None
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    return Rewrite(kind="equivalent", code=at.reindent(at.unparse(new_stmt), indent),
                   lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                   compared=compared)  # type: ignore[arg-type]


def dtype_of(node: ast.AST, ns: dict[str, Any]) -> np.dtype | None:
    """The dtype an astype argument names: ``np.float64``, ``"f8"``, ``float``, or an
    expression such as ``other.dtype``."""
    value: Any = node.value if isinstance(node, ast.Constant) else at.resolve(node, ns)
    if value is at.MISSING:
        value = at.try_eval(node, ns)
    if value is at.MISSING:
        return None
    try:
        return np.dtype(value)
    except TypeError:
        return None
