"""inverse-kept: ``Ainv = inv(A)`` used in one product only, where ``np.linalg.solve(A, b)``
gives that product with less work (inv-matmul written on two lines)."""

from __future__ import annotations

import ast
from typing import Any

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.numpy_calls import inv_call
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite


def inverse_uses(tree: ast.Module, name: str, after: int) -> list[tuple[ast.AST, ast.expr]]:
    """Every read of `name` after line `after`, as (the product node, the right-hand side) when
    it is ``name @ b`` / ``name.dot(b)`` / ``np.dot(name, b)``, else (the read, None)."""
    parents = at.parents(tree)
    out: list[tuple[ast.AST, Any]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == name and
                isinstance(node.ctx, ast.Load) and node.lineno > after):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.MatMult) and \
                parent.left is node:
            out.append((parent, parent.right))
        elif isinstance(parent, ast.Attribute) and parent.attr == "dot" and \
                isinstance(parents.get(parent), ast.Call) and \
                len(parents[parent].args) == 1:  # type: ignore[attr-defined]
            call = parents[parent]
            out.append((call, call.args[0]))  # type: ignore[attr-defined]
        elif isinstance(parent, ast.Call) and len(parent.args) == 2 and parent.args[0] is node \
                and isinstance(parent.func, ast.Attribute) and parent.func.attr in ("dot",
                                                                                   "matmul"):
            out.append((parent, parent.args[1]))
        else:
            out.append((node, None))
    return out


def inverse_kept(report: Report, context: CellContext) -> list[Finding]:
    """``Ainv = inv(A)`` whose only use is one product ``Ainv @ b``: the same misuse, written
    on two lines (reported on the line that inverts)."""
    assert context.tree is not None
    ns = context.namespace
    found = []
    for stmt in at.walk_no_defs(context.tree):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and
                isinstance(stmt.targets[0], ast.Name)):
            continue
        matrix = inv_call(stmt.value, ns)
        if matrix is None:
            continue
        name = stmt.targets[0].id
        uses = inverse_uses(context.tree, name, stmt.end_lineno or stmt.lineno)
        if len(uses) != 1 or uses[0][1] is None or \
                at.rebound_anywhere(context.tree, name, stmt.lineno):
            continue
        product, rhs = uses[0]
        rewrite = None
        use_stmt = next((s for s in context.tree.body if any(n is product for n in ast.walk(s))),
                        None)
        if stmt in context.tree.body and use_stmt is not None and not isinstance(
                use_stmt, ast.For | ast.While | ast.If | ast.With | ast.FunctionDef):
            from arrayprof.advisor.rewriting import ReplaceNode

            new = at.parse_expr(f"np.linalg.solve({at.unparse(matrix)}, {at.unparse(rhs)})")
            replaced = ReplaceNode(product, new).visit(use_stmt)
            lines = context.source.splitlines()
            first, last = stmt.lineno, use_stmt.end_lineno or use_stmt.lineno
            between = lines[(stmt.end_lineno or stmt.lineno):use_stmt.lineno - 1]
            compared = sorted(at.stored_names(use_stmt))
            if compared:
                rewrite = Rewrite(kind="equivalent", code="\n".join(
                    [*between, at.unparse(replaced)]), lines=[first, last], compared=compared)
        value = at.array_of(matrix, ns)
        size = value.shape[0] if value is not None and value.ndim == 2 else 0
        explanation = (
            f"Line {stmt.lineno} inverts {describe(value) if value is not None else 'a matrix'}"
            f" into {name}, and the cell only uses {name} to multiply "
            f"{at.unparse(rhs)} (line {product.lineno}). np.linalg.solve"  # type: ignore
            f"({at.unparse(matrix)}, {at.unparse(rhs)}) gives the same product with about 3x "
            "less arithmetic, no n x n inverse in memory and smaller rounding errors. Rule of "
            "thumb: never form inv(A) to compute inv(A) @ b.")
        found.append(finding("api-misuse", stmt.lineno,
                             f"{name} = inv(...) only feeds {name} @ ...: use np.linalg.solve",
                             explanation, rewrite=rewrite,
                             seconds_lost=report.wall_s * 0.5 if size >= 100 else 0.0))
    return found


RULE = Rule(
    name="inverse-kept",
    category="api-misuse",
    finds="An inverse bound to a name (Ainv = np.linalg.inv(A)) that the cell reads exactly "
          "once, in one product Ainv @ b, Ainv.dot(b) or np.dot(Ainv, b); reported on the line "
          "that inverts.",
    why="The same cost as inv(A) @ b on one line: about 3x the arithmetic of one "
        "factorisation, an extra n x n matrix, and worse rounding; np.linalg.solve(A, b) gives "
        "the product directly.",
    example="Ainv = np.linalg.inv(A)\nx = Ainv @ b\n->\nx = np.linalg.solve(A, b)",
    near_misses="An inverse used in several products or read any other way (worth keeping), a "
                "name rebound elsewhere in the cell; the rewrite is offered only when both "
                "lines are top-level statements.",
    rewrite="equivalent",
    check=inverse_kept,
)
