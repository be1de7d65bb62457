"""sort-then-slice: ``np.argsort(z)[-n:]`` / ``np.sort(x)[:n]``, a full sort to keep a few ends,
where ``np.argpartition`` / ``np.partition`` find them in one pass."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.facts import describe, finding
from arrayprof.advisor.numpy_calls import node_findings, statement_rewrite
from arrayprof.advisor.rule import Rule
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

FEW_OF_MANY = 10_000  # elements before sorting all of them for a few is worth a word


def sorted_source(node: ast.AST, ns: dict[str, Any]) -> tuple[str, ast.expr] | None:
    """("sort" | "argsort", x) for ``np.sort(x)``, ``np.argsort(x)``, ``x.argsort()``."""
    if not (isinstance(node, ast.Call) and not node.keywords):
        return None
    if len(node.args) == 1 and at.np_func(node.func, ns, "sort", "argsort"):
        return ("argsort" if at.np_func(node.func, ns, "argsort") else "sort"), node.args[0]
    if not node.args and isinstance(node.func, ast.Attribute) and node.func.attr == "argsort" \
            and at.array_of(node.func.value, ns) is not None:
        return "argsort", node.func.value
    return None


def sorted_for_few(context: CellContext, node: ast.AST) -> Finding | None:
    """``np.argsort(z)[-n:]``, ``z.argsort()[::-1][:n]``, ``np.sort(x)[-n:]``, ``[:n]``: all
    of a big array sorted (O(N log N)) to keep n of its ends.  np.partition / np.argpartition
    find those n in O(N), and sorting just them keeps the order: issue 12 measured 7.6x on
    10^7 values.  Exact when the values have no ties (verification compares on the data)."""
    ns = context.namespace
    if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and
            isinstance(node.slice, ast.Slice) and node.slice.step is None):
        return None
    inner, reverse = node.value, False
    if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Slice):
        step = inner.slice.step
        if inner.slice.lower is None and inner.slice.upper is None and step is not None and \
                isinstance(step, ast.UnaryOp) and at.unparse(step) == "-1":
            inner, reverse = inner.value, True
    found = sorted_source(inner, ns)
    if found is None:
        return None
    kind, source = found
    values = at.array_of(source, ns)
    if values is None or values.ndim != 1 or values.size < FEW_OF_MANY:
        return None
    lower, upper = node.slice.lower, node.slice.upper
    take = at.safe_eval(lower, ns) if lower is not None and upper is None else \
        at.safe_eval(upper, ns) if upper is not None and lower is None else None
    if not isinstance(take, int | np.integer):
        return None
    tail = (lower is not None) != reverse  # the largest values
    k = -int(take) if lower is not None else int(take)
    if not 0 < k <= values.size // 10:
        return None
    x = at.unparse(source)
    count = at.unparse(lower.operand) if isinstance(lower, ast.UnaryOp) and \
        isinstance(lower.op, ast.USub) else at.unparse(upper) if upper is not None else str(k)
    kth = f"-{count}" if tail else f"{count} - 1"
    part = f"[-{count}:]" if tail else f"[:{count}]"
    order = "[::-1]" if reverse else ""
    stmt = at.statement_at(context.tree, node.lineno) if context.tree is not None else None
    rewrite = None
    if kind == "sort":
        new = at.parse_expr(f"np.sort(np.partition({x}, {kth}){part}){order}")
        rewrite = statement_rewrite(context, node, new)
    elif isinstance(stmt, ast.Assign) and stmt.value is node and len(stmt.targets) == 1 and \
            isinstance(stmt.targets[0], ast.Name):
        t = stmt.targets[0].id
        indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
        rewrite = Rewrite(kind="equivalent",
                          code=f"{indent}{t} = np.argpartition({x}, {kth}){part}\n"
                               f"{indent}{t} = {t}[np.argsort({x}[{t}])]{order}",
                          lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=[t])
    what = "values" if kind == "sort" else "positions"
    return finding(
        "api-misuse", node.lineno,
        f"all {values.size:,} elements sorted to keep the {k} "
        + ("largest" if tail else "smallest"),
        f"Line {node.lineno} sorts {describe(values)} (O(n log n), and a full-size "
        f"{'copy' if kind == 'sort' else 'index array'}) to keep the {what} of its {k} "
        f"{'largest' if tail else 'smallest'} elements. np.{'' if kind == 'sort' else 'arg'}"
        f"partition finds those {k} in one O(n) pass; sorting only them keeps the order.",
        rewrite=rewrite)


def check(report: Report, context: CellContext) -> list[Finding]:
    return node_findings(context, lambda node: sorted_for_few(context, node))


RULE = Rule(
    name="sort-then-slice",
    category="api-misuse",
    finds="A full sort of a 1-D array of at least 10,000 elements to keep at most a tenth of "
          "it at one end: np.sort(x)[-n:] / [:n], np.argsort(x)[-n:] / [:n], x.argsort()[...], "
          "also after a reversal [::-1].",
    why="The sort costs O(N log N) and a full-size copy or index array; np.partition / "
        "np.argpartition find the n ends in O(N), and sorting only those keeps the order "
        "(issue 12 measured 7.6x on 10^7 values).",
    example="top = np.argsort(z)[-n:]\n->\ntop = np.argpartition(z, -n)[-n:]\n"
            "top = top[np.argsort(z[top])]",
    near_misses="Arrays under 10,000 elements, slices keeping more than a tenth, slices with "
                "a step or both bounds, np.argpartition already, 2-D arrays.",
    rewrite="equivalent",
    check=check,
)
