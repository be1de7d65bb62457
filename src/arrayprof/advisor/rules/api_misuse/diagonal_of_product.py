"""diagonal-of-product: ``np.diag(A @ B)`` / ``np.trace(A @ B)``, where ``np.einsum`` computes
just the n dot products kept."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import matmul_operands, node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

MIN_SIDE = 100  # below this the n x n product is too cheap to mention


def diagonal_of_product(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.diag(A @ B)`` / ``(A @ B).diagonal()`` / ``np.trace(A @ B)``: the whole n x n product
    is computed to keep n numbers (or one); np.einsum computes just those."""
    ns = context.namespace
    product = None
    kind = None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
            at.np_func(node.func, ns, "diag", "diagonal", "trace"):
        product, kind = node.args[0], ("trace" if at.np_func(node.func, ns, "trace")
                                       else "diag")
    elif isinstance(node, ast.Call) and not node.args and not node.keywords and \
            isinstance(node.func, ast.Attribute) and node.func.attr in ("diagonal", "trace"):
        product, kind = node.func.value, ("trace" if node.func.attr == "trace" else "diag")
    product = matmul_operands(product, ns)
    if product is None:
        return None
    left, right = at.array_of(product.left, ns), at.array_of(product.right, ns)
    if left is None or right is None or left.ndim != 2 or right.ndim != 2 or \
            left.shape[0] != right.shape[1] or left.shape[0] < MIN_SIDE:
        return None
    spec = "'ij,ji->i'" if kind == "diag" else "'ij,ji->'"
    new = at.parse_expr(f"np.einsum({spec}, {at.unparse(product.left)}, "
                        f"{at.unparse(product.right)})")
    rewrite = statement_rewrite(context, node, new)
    n = left.shape[0]
    return finding("api-misuse", node.lineno,
                   f"the full {n} x {n} product computed for its "
                   + ("diagonal" if kind == "diag" else "trace"),
                   f"Line {node.lineno} multiplies two matrices ({n:,} x {n:,} result, about "
                   f"{2 * n * n * left.shape[1]:,} operations) and keeps only "
                   + ("the diagonal" if kind == "diag" else "the trace")
                   + f". np.einsum({spec}, ...) computes just those {n:,} dot products.",
                   rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: diagonal_of_product(context, node))


RULE = Rule(
    name="diagonal-of-product",
    category="api-misuse",
    finds="The diagonal or trace of a matrix product of 2-D arrays with a square result of at "
          "least 100 x 100: np.diag / np.diagonal / np.trace / .diagonal() / .trace() of "
          "A @ B, np.dot(A, B), np.matmul(A, B) or A.dot(B).",
    why="The product costs n*n*k multiply-adds and an n x n result for n numbers (or one); "
        "np.einsum('ij,ji->i', A, B) computes just those n dot products (issue 12 measured "
        "28x).",
    example="d = np.diag(A @ B)\n->\nd = np.einsum('ij,ji->i', A, B)",
    near_misses="Products under 100 x 100, non-square results, the diagonal of a single "
                "matrix, a product kept and used beyond its diagonal.",
    rewrite="equivalent",
    check=check,
)
