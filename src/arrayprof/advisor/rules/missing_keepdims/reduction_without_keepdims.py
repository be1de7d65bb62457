"""reduction-without-keepdims (category missing-keepdims): a reduction over a non-leading axis
combined with its own source without keepdims=True, so broadcasting spreads the statistics along
the wrong axis.

A fix, not an equivalence: today's result is wrong (or only fits because the array is square);
its check says what the fixed result guarantees (every slice's mean 0, sum 1...).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.aliasing import rebound_between
from arrayprof.advisor.facts import finding
from arrayprof.advisor.rewriting import ReplaceNode
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.advisor.verify import set_fix_check
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

REDUCERS = ("mean", "sum", "std", "var", "max", "min", "median", "prod", "nanmean", "nansum",
            "nanstd", "nanmax", "nanmin", "average", "amax", "amin", "ptp", "norm")
# position of `axis` among the positional arguments, after the array, for NumPy functions
AXIS_POSITION = {"norm": 2}


@dataclass
class Reduction:
    """A reduction along one axis without keepdims=True."""

    source: str  # the reduced expression's source text
    axis: int | tuple[int, ...]  # normalised to the source's dimensions
    call: ast.Call
    value: np.ndarray  # the source's value (shape, dtype)
    reducer: str  # "mean", "sum", "norm", ...


def reduction_info(node: ast.AST, ns: dict[str, Any]) -> Reduction | None:
    """``X.mean(axis=1)``, ``X.sum(1)``, ``np.std(X, axis=1)``, ``np.linalg.norm(X, axis=1)`` --
    of any array expression -- without keepdims=True; None otherwise (axis 0 too: the result
    then broadcasts back along the right axis)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    keywords = {k.arg: k.value for k in node.keywords}
    if "keepdims" in keywords or node.func.attr not in REDUCERS:
        return None
    name = node.func.attr
    function = at.np_func(node.func, ns, name) or (
        name == "norm" and at.np_func(node.func, ns, "linalg.norm"))
    if function:
        if not node.args:
            return None
        array = node.args[0]
        position = AXIS_POSITION.get(name, 1)
        axis_node = keywords.get("axis") or (node.args[position] if len(node.args) > position
                                             else None)
    elif isinstance(at.resolve(node.func.value, ns), type(np)):
        return None
    else:
        array, axis_node = node.func.value, keywords.get("axis") or (
            node.args[0] if node.args else None)
    if axis_node is None:
        return None
    if isinstance(axis_node, ast.Tuple):
        axes = [at.const_int(e) for e in axis_node.elts]
    else:
        axes = [at.const_int(axis_node)]
    if not axes or any(a is None for a in axes):
        return None
    value = at.array_of(array, ns)
    if value is None or value.ndim < 2 or not all(-value.ndim <= a < value.ndim
                                                  for a in axes):  # type: ignore[operator]
        return None
    normal = sorted({a % value.ndim for a in axes})  # type: ignore[operator]
    if normal == list(range(len(normal))):
        return None  # leading axes: (C,) broadcasts against (R, C) along the right axis
    return Reduction(at.unparse(array), normal[0] if len(normal) == 1 else tuple(normal),
                     node, value, name)


ELEMENTWISE = (ast.BinOp, ast.UnaryOp)


def derived_from(other: ast.expr, source: str, ns: dict[str, Any]) -> bool:
    """Whether `other` is the reduced source itself or an element-wise expression of it
    (``batch - mu[:, None]``, ``np.exp(z)``), so it keeps the source's full shape."""
    if at.unparse(other) == source:
        return True
    leaves: list[ast.expr] = []
    todo = [other]
    while todo:
        node = todo.pop()
        if at.unparse(node) == source:
            leaves.append(node)
        elif isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            todo += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            todo.append(node.operand)
        elif isinstance(node, ast.Call) and isinstance(at.resolve(node.func, ns), np.ufunc):
            todo += node.args
    return bool(leaves)


def reduction_without_keepdims(report: Report, context: CellContext) -> list[Finding]:
    """A reduction over a non-leading axis combined with its own source without keepdims."""
    assert context.tree is not None
    ns = context.namespace
    reduced_names: dict[str, tuple[Reduction, int]] = {}
    for stmt in ast.walk(context.tree):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            info = reduction_info(stmt.value, ns)
            if info is not None:
                reduced_names[stmt.targets[0].id] = (info, stmt.lineno)
    found = []
    seen: set[int] = set()
    for node in ast.walk(context.tree):
        pairs = combined_operands(node, ns)
        if pairs is None:
            continue
        for mine, other in pairs:
            info = reduction_info(mine, ns)
            via = None
            if info is None and isinstance(mine, ast.Name) and mine.id in reduced_names:
                info, via = reduced_names[mine.id]
                if via >= node.lineno or rebound_between(context.tree, mine.id, via,
                                                         node.lineno):
                    continue
            if info is None or not derived_from(other, info.source, ns):
                continue
            lineno = at.first_line(context.tree, node.lineno)
            if lineno in seen:
                continue
            seen.add(lineno)
            found.append(keepdims_finding(context, node, mine, info, via, lineno))
    return found


COMBINING = (ast.Sub, ast.Div, ast.Add, ast.Mult, ast.FloorDiv)
COMBINING_UFUNCS = {"subtract": ast.Sub, "divide": ast.Div, "true_divide": ast.Div,
                    "add": ast.Add, "multiply": ast.Mult, "floor_divide": ast.FloorDiv}


def combined_operands(node: ast.AST, ns: dict[str, Any],
                      ) -> list[tuple[ast.expr, ast.expr]] | None:
    """(candidate reduction, the other operand) pairs of an element-wise combination: ``a - b``,
    ``a -= b`` (the target is the other operand) and ``np.subtract(a, b)``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, COMBINING):
        return [(node.right, node.left), (node.left, node.right)]
    if isinstance(node, ast.AugAssign) and isinstance(node.op, COMBINING):
        target = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node.target) \
            if isinstance(node.target, ast.Name) else node.target
        return [(node.value, target)]
    if isinstance(node, ast.Call) and len(node.args) == 2 and isinstance(node.func, ast.Attribute):
        for name in COMBINING_UFUNCS:
            if at.np_func(node.func, ns, name):
                return [(node.args[1], node.args[0]), (node.args[0], node.args[1])]
    return None


def operator_of(node: ast.AST, ns: dict[str, Any]) -> ast.operator:
    if isinstance(node, ast.BinOp | ast.AugAssign):
        return node.op
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    return COMBINING_UFUNCS.get(node.func.attr, ast.Sub)()


def keepdims_finding(context: CellContext, node: ast.AST, mine: ast.expr, info: Reduction,
                     via: int | None, lineno: int) -> Finding:
    assert context.tree is not None
    array, axis, call = info.source, info.axis, info.call
    op = operator_of(node, context.namespace)
    dims = info.value.shape
    axes = axis if isinstance(axis, tuple) else (axis,)
    reduced = tuple(d for k, d in enumerate(dims) if k not in axes)
    stmt = at.statement_at(context.tree, node.lineno)
    rewrite = None
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return):
        if isinstance(mine, ast.Name):
            index = ", ".join(":" if k not in axes else "None" for k in range(max(axes) + 1))
            replacement = at.parse_expr(f"{mine.id}[{index}]")
        else:
            replacement = ast.Call(func=call.func, args=call.args, keywords=[
                *call.keywords, ast.keyword(arg="keepdims", value=ast.Constant(True))])
        new_stmt = ReplaceNode(mine, replacement).visit(stmt)
        # (x - x.min(1)) / (x.max(1) - x.min(1)): every such reduction of the source needs it
        while True:
            pending = next((n for n in ast.walk(new_stmt) if isinstance(n, ast.Call) and (
                more := reduction_info(n, context.namespace)) is not None and
                more.source == array), None)
            if pending is None:
                break
            new_stmt = ReplaceNode(pending, ast.Call(
                func=pending.func, args=pending.args, keywords=[
                    *pending.keywords,
                    ast.keyword(arg="keepdims", value=ast.Constant(True))])).visit(new_stmt)
        if isinstance(stmt, ast.Return):
            names: list[str | None] = [RETURN]
        else:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [at.root_name(t) for t in targets]
        if all(names):
            indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
            rewrite = Rewrite(kind="fix", code=at.reindent(at.unparse(new_stmt), indent),
                              lines=[stmt.lineno, stmt.end_lineno or stmt.lineno],
                              compared=names)  # type: ignore[arg-type]
            set_fix_check(rewrite, keepdims_check(names[0], axis, op,  # type: ignore
                                                  info.reducer))
    op_word = {ast.Sub: "subtracts", ast.Div: "divides by", ast.Add: "adds",
               ast.Mult: "multiplies by", ast.FloorDiv: "divides by"}[type(op)]
    source = f"the reduction on line {via}" if via else "the reduction"
    square = len(set(dims)) < len(dims)
    consequence = ("Because the array is square the shapes happen to fit, so the result is "
                   "silently wrong: each row gets another row's statistic." if square else
                   "The shapes only line up along the wrong axis (or not at all).")
    explanation = (
        f"Line {lineno} {op_word} {source} ({info.reducer} over axis {axis} of {array}, shape "
        f"{dims} -> {reduced}) against {array} itself. Without keepdims=True the reduced axis "
        f"is dropped, and broadcasting aligns shapes from the right, so the {reduced} values are "
        f"spread along the last axis instead of axis {axis}. {consequence} Rule of thumb: "
        "reduce with keepdims=True whenever the result is combined with its source.")
    return finding("missing-keepdims", lineno,
                   f"reduction over axis {axis} combined with {array} without keepdims=True",
                   explanation, rewrite=rewrite, force="warning")


# What a correct keepdims fix guarantees, per (operator, reducer): the statistic every slice
# along the axis then has.
FIXED_STATISTIC = {
    ("Sub", "mean"): ("mean", 0.0), ("Sub", "nanmean"): ("mean", 0.0),
    ("Sub", "max"): ("max", 0.0), ("Sub", "amax"): ("max", 0.0),
    ("Sub", "min"): ("min", 0.0), ("Sub", "amin"): ("min", 0.0),
    ("Sub", "median"): ("median", 0.0),
    ("Div", "sum"): ("sum", 1.0), ("Div", "nansum"): ("sum", 1.0),
    ("Div", "max"): ("max", 1.0), ("Div", "amax"): ("max", 1.0),
    ("Div", "std"): ("std", 1.0), ("Div", "norm"): ("norm", 1.0),
}


def keepdims_check(target: str, axis: int | tuple[int, ...], op: ast.operator,
                   reducer: str) -> Any:
    def check(before: dict[str, Any], after: dict[str, Any], error: BaseException | None) -> str:
        fixed = after.get(target)
        shown = "the result" if target == RETURN else target
        if not isinstance(fixed, np.ndarray):
            return f"the fix ran; {shown} is not an array"
        parts = [f"the fix gives {shown} shape {fixed.shape}"]
        expected = FIXED_STATISTIC.get((type(op).__name__, reducer))
        if expected is not None and fixed.dtype.kind == "f":
            statistic, goal = expected
            if statistic == "norm":
                values = np.linalg.norm(fixed, axis=axis)  # type: ignore[arg-type]
            else:
                values = getattr(np, statistic)(fixed, axis=axis)
            worst = float(np.nanmax(np.abs(values - goal))) if values.size else 0.0
            parts.append(f"every slice along axis {axis} now has {statistic} {goal:g} "
                         f"(within {worst:.1e})")
        if error is not None:
            parts.append(f"the original raised {type(error).__name__}")
        elif isinstance(before.get(target), np.ndarray):
            old = before[target]
            differ = int(np.count_nonzero(old != fixed)) if old.shape == fixed.shape else -1
            parts.append(f"the original had shape {old.shape}" if differ < 0 else
                         f"the original differed in {differ:,} of {fixed.size:,} elements")
        return "; ".join(parts)

    return check


RULE = Rule(
    name="reduction-without-keepdims",
    category="missing-keepdims",
    finds="A reduction over a non-leading axis (X.mean(axis=1), np.std(X, axis=1), "
          "np.linalg.norm(X, axis=1), or a name bound to one) combined by -, /, +, * (or "
          "np.subtract and kin, or -= ...) with its own source or an element-wise expression "
          "of it, without keepdims=True.",
    why="Broadcasting aligns shapes from the right, so the reduced values are spread along the "
        "last axis instead of the reduced one: a wrong result when the array is square, an "
        "error or an outer product otherwise.",
    example="X - X.mean(axis=1)\n->\nX - X.mean(axis=1, keepdims=True)",
    near_misses="Reductions along leading axes (axis 0: they broadcast correctly); keepdims=True "
                "or [:, None] already there; a reduction combined with another array.",
    rewrite="fix",
    check=reduction_without_keepdims,
)
