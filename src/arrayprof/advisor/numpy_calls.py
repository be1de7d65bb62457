"""How common NumPy calls are spelled in a cell's AST, for the rules that recognise a call and
offer a better one (the api-misuse rules): ``np.linalg.inv(A)``, a NaN constant, a matrix product
in any of its four spellings; the one-expression statement rewrite such rules offer; and the
walk that asks one matcher of every node of the cell.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.context import CellContext
from arrayprof.report import Finding, Rewrite


def node_findings(context: CellContext,
                  match: Callable[[ast.AST], Finding | None]) -> list[Finding]:
    """`match` on every node of the cell (the advisor's per-tree index makes the walk shared
    by all the rules that ask), in ``ast.walk`` order: outer expressions first."""
    assert context.tree is not None
    return [found for node in at.nodes(context.tree) if (found := match(node)) is not None]


def statement_rewrite(context: CellContext, node: ast.AST, new: ast.expr,
                      kind: str = "equivalent") -> Rewrite | None:
    """The statement holding `node` with `node` replaced by `new`, as a rewrite of `kind`."""
    from arrayprof.advisor.rewriting import statement_replacing

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
    """Whether `node` is NaN: a name bound to it (``np.nan``, ``math.nan``) or ``float("nan")``."""
    value = at.resolve(node, ns) if isinstance(node, ast.Name | ast.Attribute) else at.MISSING
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "float" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) \
        and str(node.args[0].value).lower() == "nan"


def nans_in(node: ast.AST, ns: dict[str, Any]) -> int:
    """How many NaN elements `node` holds in `ns` (0 when it cannot be evaluated or is not
    floating): what a NaN fix's check reports."""
    values = at.try_eval(node, ns)
    values = np.asarray(values) if values is not at.MISSING else np.asarray([])
    return int(np.count_nonzero(np.isnan(values))) if values.dtype.kind in "fc" else 0


def matmul_operands(node: ast.AST | None, ns: dict[str, Any]) -> ast.BinOp | None:
    """``A @ B`` for ``A @ B``, ``np.dot(A, B)``, ``np.matmul(A, B)`` and ``A.dot(B)``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return node
    if isinstance(node, ast.Call) and not node.keywords:
        if len(node.args) == 2 and at.np_func(node.func, ns, "dot", "matmul"):
            return ast.BinOp(left=node.args[0], op=ast.MatMult(), right=node.args[1])
        if len(node.args) == 1 and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "dot" and at.array_of(node.func.value, ns) is not None:
            return ast.BinOp(left=node.func.value, op=ast.MatMult(), right=node.args[0])
    return None
