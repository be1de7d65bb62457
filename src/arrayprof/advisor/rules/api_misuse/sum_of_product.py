"""sum-of-product: ``(A @ B).sum()``, where ``A.sum(axis=0) @ B.sum(axis=1)`` gives the same
number from two vectors."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import finding
from arrayprof.advisor.numpy_calls import matmul_operands, node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report

MIN_SIDE = 100  # below this the product is too cheap to mention


def sum_of_product(context: CellContext, node: ast.AST) -> Finding | None:
    """``(A @ B).sum()`` / ``np.sum(A @ B)``: an n x m product (n*k*m operations) for one number
    that ``A.sum(axis=0) @ B.sum(axis=1)`` gives in n*k + k*m."""
    ns = context.namespace
    product = None
    if isinstance(node, ast.Call) and not node.keywords:
        if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "sum":
            product = matmul_operands(node.func.value, ns)
        elif len(node.args) == 1 and at.np_func(node.func, ns, "sum"):
            product = matmul_operands(node.args[0], ns)
    if product is None:
        return None
    left, right = at.array_of(product.left, ns), at.array_of(product.right, ns)
    if left is None or right is None or left.ndim != 2 or right.ndim != 2 or \
            min(left.shape[0], right.shape[1]) < MIN_SIDE:
        return None
    new = at.parse_expr(f"{at.unparse(product.left)}.sum(axis=0) @ "
                        f"{at.unparse(product.right)}.sum(axis=1)")
    rewrite = statement_rewrite(context, node, new)
    n, k, m = left.shape[0], left.shape[1], right.shape[1]
    return finding("api-misuse", node.lineno,
                   f"a {n:,} x {m:,} matrix product computed only to be summed",
                   f"Line {node.lineno} multiplies two matrices (about {2 * n * k * m:,} "
                   "operations and a full result) and keeps only its sum. Sum first: the sum "
                   "of A @ B is A.sum(axis=0) @ B.sum(axis=1), a dot product of two vectors.",
                   rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: sum_of_product(context, node))


RULE = Rule(
    name="sum-of-product",
    category="api-misuse",
    finds="The sum of all elements of a matrix product of 2-D arrays whose result is at "
          "least 100 x 100: (A @ B).sum(), np.sum(A @ B), also with np.dot, np.matmul or "
          "A.dot(B).",
    why="The product costs n*k*m multiply-adds and an n x m result for one number; the sum "
        "of A @ B is A.sum(axis=0) @ B.sum(axis=1), n*k + k*m additions and two vectors.",
    example="total = (A @ B).sum()\n->\ntotal = A.sum(axis=0) @ B.sum(axis=1)",
    near_misses="Sums along one axis ((A @ B).sum(axis=1)), products under 100 on a side, a "
                "product kept and used beyond its sum.",
    rewrite="equivalent",
    check=check,
)
