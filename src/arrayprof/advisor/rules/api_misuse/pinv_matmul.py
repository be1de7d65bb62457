"""pinv-matmul: ``np.linalg.pinv(A) @ b``, where ``np.linalg.lstsq(A, b)`` solves directly."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def pinv_instead(report: Report, context: CellContext, node: ast.AST) -> Finding | None:
    """``np.linalg.pinv(A) @ b``: np.linalg.lstsq solves the least-squares problem without
    forming the pseudo-inverse (an SVD and an n x m matrix)."""
    ns = context.namespace
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult) and
            isinstance(node.left, ast.Call) and len(node.left.args) == 1 and
            not node.left.keywords and at.np_func(node.left.func, ns, "linalg.pinv")):
        return None
    matrix, rhs = node.left.args[0], node.right
    new = at.parse_expr(f"np.linalg.lstsq({at.unparse(matrix)}, {at.unparse(rhs)}, "
                        "rcond=None)[0]")
    rewrite = statement_rewrite(context, node, new)
    value = at.array_of(matrix, ns)
    return finding("api-misuse", node.lineno, "pinv(A) @ b: use np.linalg.lstsq(A, b)",
                   f"Line {node.lineno} forms the pseudo-inverse of "
                   f"{describe(value) if value is not None else 'a matrix'} only to multiply "
                   "it by one right-hand side. np.linalg.lstsq solves the same least-squares "
                   "problem directly, with less work and less memory.", rewrite=rewrite,
                   seconds_lost=report.wall_s * 0.3)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: pinv_instead(report, context, node))


RULE = Rule(
    name="pinv-matmul",
    category="api-misuse",
    finds="np.linalg.pinv(A) @ b: a pseudo-inverse formed to multiply one right-hand side.",
    why="pinv runs an SVD and materialises the n x m pseudo-inverse; np.linalg.lstsq solves "
        "the same least-squares problem directly, with less work and memory.",
    example="coef = np.linalg.pinv(X) @ y\n->\ncoef = np.linalg.lstsq(X, y, rcond=None)[0]",
    near_misses="A pseudo-inverse bound to a name and reused, np.dot(pinv(A), b) and "
                "pinv(A).dot(b) (not recognised), np.linalg.lstsq already.",
    rewrite="equivalent",
    check=check,
)
