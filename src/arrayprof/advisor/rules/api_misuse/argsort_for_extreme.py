"""argsort-for-extreme: ``np.argsort(x)[-1]`` / ``[0]``, where ``np.argmax`` / ``np.argmin`` find
the position in one pass."""

from __future__ import annotations

import ast

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report


def argsort_for_extreme(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.argsort(x)[-1]`` / ``[0]``: an O(n log n) sort for np.argmax / np.argmin."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and
            not node.value.keywords):
        return None
    call = node.value
    if len(call.args) == 1 and at.np_func(call.func, ns, "argsort"):
        array = call.args[0]
    elif isinstance(call.func, ast.Attribute) and call.func.attr == "argsort" and \
            not call.args:
        array = call.func.value
    else:
        return None
    position = at.const_int(node.slice)
    value = at.array_of(array, ns)
    if position not in (0, -1) or value is None or value.ndim != 1:
        return None
    new = at.parse_expr(f"np.{'argmax' if position == -1 else 'argmin'}({at.unparse(array)})")
    rewrite = statement_rewrite(context, node, new)
    return finding("api-misuse", node.lineno,
                   f"sorting to find the {'largest' if position == -1 else 'smallest'} "
                   "element's position",
                   f"Line {node.lineno} sorts the indices of {describe(value)} (O(n log n)) to "
                   f"read one end; np.{'argmax' if position == -1 else 'argmin'} finds it in one "
                   "pass.", rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: argsort_for_extreme(context, node))


RULE = Rule(
    name="argsort-for-extreme",
    category="api-misuse",
    finds="np.argsort(x)[-1] or np.argsort(x)[0] on a 1-D array: a full sort of the indices "
          "to find where the largest or smallest value is.",
    why="The argsort costs O(n log n) and a full-size index array; np.argmax / np.argmin "
        "find the position in one pass.",
    example="best = np.argsort(scores)[-1]\n->\nbest = np.argmax(scores)",
    near_misses="Other positions, 2-D arrays, a sorted index kept and reused, slices of a few "
                "ends (sort-then-slice's).",
    rewrite="equivalent",
    check=check,
)
