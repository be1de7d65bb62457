"""inv-matmul: ``inv(A) @ b`` where ``np.linalg.solve(A, b)`` does the same with less work."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding, seconds
from arrayprof.advisor.numpy_calls import inv_call, node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def solve_instead(report: Report, context: CellContext, node: ast.AST,
                  parents: dict[ast.AST, ast.AST]) -> Finding | None:
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
    # inv(A) @ B @ y is (inv(A) @ B) @ y: solve A x = B @ y once instead of solving for all of B
    outer: ast.AST = node
    while isinstance(parents.get(outer), ast.BinOp) and isinstance(
            parents[outer].op, ast.MatMult) and parents[outer].left is outer:  # type: ignore
        outer = parents[outer]
        rhs = ast.BinOp(left=rhs, op=ast.MatMult(), right=outer.right)  # type: ignore
    new = at.parse_expr(f"np.linalg.solve({at.unparse(matrix)}, {at.unparse(rhs)})")
    rewrite = statement_rewrite(context, outer, new)
    value = at.array_of(matrix, ns)
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


def check(report: Report, context: CellContext) -> list[Finding]:
    assert context.tree is not None
    parents = at.parents(context.tree)
    return node_findings(context, lambda node: solve_instead(report, context, node, parents))


RULE = Rule(
    name="inv-matmul",
    category="api-misuse",
    finds="A product with an explicit inverse: np.linalg.inv(A) @ b, inv(A).dot(b), "
          "np.dot(inv(A), b) or np.matmul(inv(A), b), also inside a chain inv(A) @ B @ y.",
    why="Forming the n x n inverse costs about 3x the arithmetic of one factorisation, holds "
        "an extra n x n matrix, and rounds worse; np.linalg.solve factorises once and solves.",
    example="x = np.linalg.inv(A) @ b\n->\nx = np.linalg.solve(A, b)",
    near_misses="np.linalg.inv(A) bound to a name and used in several products (the inverse is "
                "then worth keeping; a name used in one product only is inverse-kept's), an "
                "inverse that is not multiplied, np.linalg.solve already.",
    rewrite="equivalent",
    check=check,
)
